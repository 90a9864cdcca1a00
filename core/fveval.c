/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fveval program: argument parsing, subcommands and terminal output.
 * Exit codes: 0 done (skips are not failures), 1 some samples failed to
 * decode or a metric errored (results still written), 2 usage or
 * configuration error (nothing run).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fveval-core.h"

static const char usage_text[] =
    "Usage: fveval [GLOBAL OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Score generated video and audio with metric plugins.\n"
    "\n"
    "Commands:\n"
    "  list [--group G] [--json]     metrics that loaded, with kind and direction\n"
    "  info NAME                     fields, options, model files and description of a metric\n"
    "  plugins [--verbose]           every file the plugin scan touched and its outcome\n"
    "  models [NAME...]              model files needed / present / missing\n"
    "  run [INPUTS] -m LIST [...]    score samples (see `fveval run --help`)\n"
    "  merge SHARDS... -o FILE       join sharded runs (results files, state dirs)\n"
    "  report RESULTS.json... -o F   an HTML page of results, several runs side by side\n"
    "\n"
    "Global options (also accepted after COMMAND):\n"
    "  --plugin-path DIR[:DIR...]    search these plugin roots first (repeatable)\n"
    "  --log-level LEVEL             error, warning (default), info or debug\n"
    "  -h, --help                    this text\n"
    "  -V, --version                 print the version and plugin ABI\n"
    "\n"
    "Plugin roots, in order: --plugin-path, $FVEVAL_PLUGIN_PATH, then\n"
    "$FVEVAL_PLUGIN_SYSTEM_PATH if set (empty: none), else " FVEVAL_PLUGINSDIR ".\n"
    "A --plugin-path directory that cannot be read is an error (exit 2) except for\n"
    "`fveval plugins`, which reports it with every other scan outcome.\n"
    "Modules that others could replace (world-writable, or owned by a user other\n"
    "than root and you) are refused; FVEVAL_PLUGIN_TRUST=warn loads them anyway.\n"
    "\n"
    "Exit status: 0 done (skipped samples are not failures); 1 some samples failed\n"
    "to decode or a metric errored (results are still written); 2 usage or\n"
    "configuration error (nothing was run).\n";

int fvi_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fveval: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return FVI_EXIT_USAGE;
}

static int parse_log_level(const char *s)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/*
 * Pull the global options out of argv (they may appear anywhere), leaving
 * the command and its own arguments in order.
 */
static int take_global_options(int *argc, char **argv, fvi_cli *cli)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        bool is_pp = false, is_ll = false;
        if (strcmp(a, "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strcmp(a, "--plugin-path") == 0 || strcmp(a, "--log-level") == 0) {
            is_pp = a[2] == 'p';
            is_ll = !is_pp;
            if (i + 1 >= *argc)
                return fvi_cli_error("%s needs a value", a);
            val = argv[++i];
        } else if (fvi_str_has_prefix(a, "--plugin-path=")) {
            is_pp = true;
            val = a + strlen("--plugin-path=");
        } else if (fvi_str_has_prefix(a, "--log-level=")) {
            is_ll = true;
            val = a + strlen("--log-level=");
        }
        if (is_pp) {
            fvi_strv_push(&cli->plugin_paths, val);
        } else if (is_ll) {
            int lvl = parse_log_level(val);
            if (lvl < 0)
                return fvi_cli_error("unknown log level '%s' (use error, warning, info or debug)", val);
            fvi_log_level = lvl;
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

void fvi_cli_scan(fvi_cli *cli)
{
    if (cli->scanned)
        return;
    fvi_strv roots = {0};
    fvi_plugin_roots(&roots, &cli->plugin_paths, FVEVAL_PLUGINSDIR);
    fvi_registry_scan(&cli->reg, &roots);
    fvi_strv_free(&roots);
    cli->scanned = true;
}

/* ---- list ------------------------------------------------------------------- */

static const char *kind_of(const fveval_plugin *d)
{
    return (d->flags & FVEVAL_PLUGIN_SET_METRIC) ? "set" : "per-sample";
}


static bool in_group(const char *name, const char *group)
{
    size_t len = strlen(group);
    while (len && group[len - 1] == '.')
        len--;
    return strncmp(name, group, len) == 0 && (name[len] == '\0' || name[len] == '.');
}

static int cmd_list(fvi_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"group", required_argument, NULL, 'g'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *group = NULL;
    bool as_json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+g:jh", longopts, NULL)) != -1) {
        switch (c) {
        case 'g':
            group = optarg;
            break;
        case 'j':
            as_json = true;
            break;
        case 'h':
            fputs("Usage: fveval list [--group G] [--json]\n", stdout);
            return FVI_EXIT_OK;
        default:
            return FVI_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return fvi_cli_error("list: unexpected argument '%s'", argv[optind]);
    fvi_cli_scan(cli);
    json_t *arr = json_array();
    size_t shown = 0;
    for (size_t i = 0; i < cli->reg.n_metrics; i++) {
        const fvi_metric *m = &cli->reg.metrics[i];
        if (group && !in_group(m->name, group))
            continue;
        shown++;
        const fveval_plugin *d = m->desc;
        if (as_json) {
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(m->name));
            json_object_set_new(o, "kind", json_string(kind_of(d)));
            json_object_set_new(o, "direction", json_string(fvi_metric_direction(d)));
            /* Kept for readers of the first list format; null when there is no direction. */
            json_object_set_new(o, "higher_is_better",
                                (d->flags & FVEVAL_PLUGIN_NO_DIRECTION)
                                    ? json_null()
                                    : json_boolean(d->flags & FVEVAL_PLUGIN_HIGHER_IS_BETTER));
            json_object_set_new(o, "needs_model", json_boolean(d->flags & FVEVAL_PLUGIN_NEEDS_MODEL));
            json_object_set_new(o, "version", json_string(d->version));
            json_object_set_new(o, "summary", json_string(d->summary));
            json_object_set_new(o, "path", json_string(m->path));
            json_array_append_new(arr, o);
        } else {
            printf("%-36s %-10s %-6s %s\n", m->name, kind_of(d), fvi_metric_direction(d), d->summary);
        }
    }
    if (as_json) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else if (!shown) {
        if (group)
            printf("(no metrics matched group '%s')\n", group);
        else
            printf("(no metrics loaded; see `fveval plugins --verbose`)\n");
    }
    json_decref(arr);
    return FVI_EXIT_OK;
}

/* ---- info ------------------------------------------------------------------- */

static const char *field_type_name(fveval_field_type t)
{
    switch (t) {
    case FVEVAL_FIELD_VIDEO:
        return "video";
    case FVEVAL_FIELD_AUDIO:
        return "audio";
    case FVEVAL_FIELD_STRING:
        return "string";
    case FVEVAL_FIELD_NUMBER:
        return "number";
    case FVEVAL_FIELD_JSON:
        return "json";
    default:
        return "?";
    }
}

/* " (streamed, window 2)" or " (up to 8 sampled frames)" for a VIDEO field with ABI 1.2 frame access. */
static void frame_access_text(const fveval_plugin *d, const fveval_field *f, char *buf, size_t size)
{
    const fveval_frame_access *a = f->type == FVEVAL_FIELD_VIDEO ? fvi_frame_access(d, f->name) : NULL;
    if (a && a->mode == FVEVAL_FRAMES_STREAM)
        snprintf(buf, size, " (streamed, window %d)", a->window);
    else if (a && a->mode == FVEVAL_FRAMES_SAMPLED)
        snprintf(buf, size, " (up to %d sampled frames)", a->count);
}

static int cmd_info(fvi_cli *cli, int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs("Usage: fveval info NAME\n", stdout);
        return FVI_EXIT_OK;
    }
    if (argc != 2)
        return fvi_cli_error("info takes exactly one metric name");
    fvi_cli_scan(cli);
    const fvi_metric *m = fvi_registry_find(&cli->reg, argv[1]);
    if (!m) {
        fvi_selection sel = {0};
        char *err = NULL;
        /* Reuse selection for the unknown-name / did-not-load message. */
        if (fvi_select(&cli->reg, argv[1], &sel, &err) == 0) {
            fvi_selection_free(&sel);
            err = fvi_asprintf("'%s' is a group; use `fveval list --group %s`", argv[1], argv[1]);
        }
        int rc = fvi_cli_error("%s", err);
        free(err);
        return rc;
    }
    const fveval_plugin *d = m->desc;
    printf("%s %s (%s)\n", m->name, d->version, d->license);
    printf("  %s\n\n", d->summary);
    printf("Kind:       %s metric\n", kind_of(d));
    if (d->flags & FVEVAL_PLUGIN_NO_DIRECTION)
        printf("Direction:  none (a descriptive measure)\n");
    else
        printf("Direction:  %s is better\n", fvi_metric_direction(d));
    printf("Module:     %s\n", m->path);
    if (d->flags & FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED)
        printf("Device:     runs on CPU; a GPU is much faster\n");
    printf("\nSample fields:\n");
    if (!d->fields || !d->fields[0].name)
        printf("  (none)\n");
    for (size_t i = 0; d->fields && d->fields[i].name; i++) {
        const fveval_field *f = &d->fields[i];
        char extra[64] = "";
        if (f->type == FVEVAL_FIELD_AUDIO && (f->rate || f->channels)) {
            char r[16] = "source", ch[16] = "source";
            if (f->rate)
                snprintf(r, sizeof(r), "%d", f->rate);
            if (f->channels)
                snprintf(ch, sizeof(ch), "%d", f->channels);
            snprintf(extra, sizeof(extra), " (%s Hz, %s ch)", r, ch);
        }
        frame_access_text(d, f, extra, sizeof(extra));
        printf("  %-18s %-7s%s %-9s %s\n", f->name, field_type_name(f->type), extra,
               (f->flags & FVEVAL_FIELD_REQUIRED) ? "required" : "optional", f->help ? f->help : "");
    }
    printf("\nOptions (-m %s:KEY=VALUE:...):\n", m->name);
    if (!fvi_option_count(d->options))
        printf("  (none)\n");
    for (size_t i = 0; d->options && d->options[i].name; i++) {
        const fveval_option *o = &d->options[i];
        char *def = fvi_option_default_string(o), *range = fvi_option_range_string(o);
        printf("  %-22s %-7s default %-10s range %s\n      %s\n", o->name, fvi_option_type_name(o->type),
               *def ? def : "\"\"", range, o->help ? o->help : "");
        free(def);
        free(range);
    }
    printf("\nModel files:\n");
    if (!d->models || !d->models[0].name)
        printf("  (none)\n");
    for (size_t i = 0; d->models && d->models[i].name; i++) {
        const fveval_model_file *mf = &d->models[i];
        printf("  %s\n", mf->name);
        if (mf->sha256)
            printf("      sha256: %s\n", mf->sha256);
        if (mf->source)
            printf("      source: %s\n", mf->source);
        if (mf->recipe)
            printf("      recipe: %s\n", mf->recipe);
    }
    if (d->description)
        printf("\n%s\n", d->description);
    return FVI_EXIT_OK;
}

/* ---- plugins ------------------------------------------------------------------ */

static int cmd_plugins(fvi_cli *cli, int argc, char **argv)
{
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0)
            verbose = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs("Usage: fveval plugins [--verbose]\n", stdout);
            return FVI_EXIT_OK;
        } else
            return fvi_cli_error("plugins: unexpected argument '%s'", argv[i]);
    }
    fvi_cli_scan(cli);
    printf("Plugin roots:\n");
    if (!cli->reg.roots.n)
        printf("  (none)\n");
    for (size_t i = 0; i < cli->reg.roots.n; i++)
        printf("  %s\n", cli->reg.roots.v[i]);
    printf("\n");
    size_t hidden = 0;
    for (size_t i = 0; i < cli->reg.n_entries; i++) {
        const fvi_scan_entry *e = &cli->reg.entries[i];
        if (!verbose && e->outcome == FVI_SKIPPED) {
            hidden++;
            continue;
        }
        printf("%-15s %-32s %s\n", fvi_outcome_name(e->outcome), e->name ? e->name : "-", e->path);
        if (e->reason && (verbose || e->outcome != FVI_LOADED))
            printf("%-15s %s\n", "", e->reason);
    }
    if (!cli->reg.n_entries)
        printf("(the scan found nothing)\n");
    if (hidden)
        printf("(%zu skipped entries not shown; use --verbose)\n", hidden);
    return FVI_EXIT_OK;
}

#ifdef HAVE_TORCH
#define FVI_RUNTIME_NAME "libtorch"
#else
#define FVI_RUNTIME_NAME "none"
#endif

/* ---- dispatch ------------------------------------------------------------------ */

/* A directory the user named with --plugin-path that cannot be read is a usage
 * error for the commands that use plugins: going on would silently score with
 * other plugins, or none.  `fveval plugins` still scans and reports it (the scan
 * itself never aborts), as do unreadable roots from the environment. */
static int check_cli_plugin_paths(const fvi_cli *cli)
{
    for (size_t i = 0; i < cli->plugin_paths.n; i++) {
        char *why = fvi_plugin_dir_problem(cli->plugin_paths.v[i]);
        if (why) {
            int rc = fvi_cli_error("%s", why);
            free(why);
            return rc;
        }
    }
    return FVI_EXIT_OK;
}

int main(int argc, char **argv)
{
    fvi_cli cli = {0};
    int rc = take_global_options(&argc, argv, &cli);
    if (rc) {
        fvi_cli_free(&cli);
        return rc;
    }
    if (argc < 2) {
        fputs(usage_text, stderr);
        fvi_cli_free(&cli);
        return FVI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    static const char *const plugin_commands[] = {"list", "info", "run", "merge", "models"};
    for (size_t i = 0; i < sizeof(plugin_commands) / sizeof(plugin_commands[0]); i++) {
        if (strcmp(cmd, plugin_commands[i]) == 0 && (rc = check_cli_plugin_paths(&cli)) != 0) {
            fvi_cli_free(&cli);
            return rc;
        }
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        rc = FVI_EXIT_OK;
    } else if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("fveval %s (plugin ABI %d.%d, model runtime: %s)\n", PACKAGE_VERSION, FVEVAL_ABI_MAJOR,
               FVEVAL_ABI_MINOR, FVI_RUNTIME_NAME);
        printf("CUDA: %s\n", fvi_cuda_build());
        rc = FVI_EXIT_OK;
    } else if (strcmp(cmd, "list") == 0) {
        rc = cmd_list(&cli, argc - 1, argv + 1);
    } else if (strcmp(cmd, "info") == 0) {
        rc = cmd_info(&cli, argc - 1, argv + 1);
    } else if (strcmp(cmd, "plugins") == 0) {
        rc = cmd_plugins(&cli, argc - 1, argv + 1);
    } else if (strcmp(cmd, "run") == 0) {
        rc = fvi_cmd_run(&cli, argc - 1, argv + 1);
    } else if (strcmp(cmd, "merge") == 0) {
        rc = fvi_cmd_merge(&cli, argc - 1, argv + 1);
    } else if (strcmp(cmd, "models") == 0) {
        rc = fvi_cmd_models(&cli, argc - 1, argv + 1);
    } else if (strcmp(cmd, "report") == 0) {
        rc = fvi_cmd_report(&cli, argc - 1, argv + 1);
    } else {
        rc = fvi_cli_error("unknown command '%s' (see `fveval --help`)", cmd);
    }
    fvi_cli_free(&cli);
    return rc;
}

void fvi_cli_free(fvi_cli *cli)
{
    fvi_registry_free(&cli->reg);
    fvi_strv_free(&cli->plugin_paths);
}
