/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plugin discovery: roots, the tree walk, libltdl, the ABI gate and
 * descriptor validation, and metric selection.  Every file the walk touches
 * gets a recorded outcome; the scan never aborts.  Modules stay loaded for
 * the life of the process so descriptor pointers stay valid.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <ltdl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fveval-core.h"

/* Deepest directory (counted from the root) that may hold a metric. */
#define MAX_DEPTH 3
/* The module's base name; libltdl adds .la or the platform extension. */
#define MODULE_BASENAME "metric"

const char *fvi_outcome_name(fvi_outcome o)
{
    switch (o) {
    case FVI_LOADED:
        return "loaded";
    case FVI_SKIPPED:
        return "skipped";
    case FVI_NOT_A_PLUGIN:
        return "not-a-plugin";
    case FVI_LOAD_FAILED:
        return "load-failed";
    case FVI_ABI_MISMATCH:
        return "abi-mismatch";
    case FVI_BAD_DESCRIPTOR:
        return "bad-descriptor";
    case FVI_DUPLICATE:
        return "duplicate";
    case FVI_INIT_FAILED:
        return "init-failed";
    case FVI_UNREADABLE:
        return "unreadable";
    case FVI_UNTRUSTED:
        return "untrusted";
    }
    return "?";
}

void fvi_plugin_roots(fvi_strv *out, const fvi_strv *cli_paths, const char *builtin_dir)
{
    for (size_t i = 0; cli_paths && i < cli_paths->n; i++)
        fvi_strv_split(out, cli_paths->v[i], ':');
    fvi_strv_split(out, getenv("FVEVAL_PLUGIN_PATH"), ':');
    const char *sys = getenv("FVEVAL_PLUGIN_SYSTEM_PATH");
    if (sys)
        fvi_strv_split(out, sys, ':'); /* empty: no system plugins (tests rely on this) */
    else if (builtin_dir && *builtin_dir)
        fvi_strv_push(out, builtin_dir);
}

bool fvi_walk_skips(const char *n)
{
    size_t len = strlen(n);
    return n[0] == '_' || n[0] == '.' || (len && n[len - 1] == '~') || n[0] == '#';
}

char *fvi_name_from_relpath(const char *relpath)
{
    if (!relpath || !*relpath)
        return NULL;
    char *name = fvi_xstrdup(relpath);
    bool start = true;
    for (char *c = name; *c; c++) {
        if (*c == '/') {
            if (start) /* empty component */
                goto bad;
            *c = '.';
            start = true;
            continue;
        }
        if (start && (*c == '_' || *c == '.'))
            goto bad;
        start = false;
    }
    if (start)
        goto bad;
    return name;
bad:
    free(name);
    return NULL;
}

static char *check_fields(const fveval_field *f)
{
    for (size_t i = 0; f && f[i].name; i++) {
        if (!*f[i].name)
            return fvi_xstrdup("a sample field has an empty name");
        if (f[i].type < FVEVAL_FIELD_VIDEO || f[i].type > FVEVAL_FIELD_JSON)
            return fvi_asprintf("sample field '%s' has unknown type %d", f[i].name, (int) f[i].type);
        if (f[i].rate < 0 || f[i].channels < 0)
            return fvi_asprintf("sample field '%s' has a negative rate or channel count", f[i].name);
    }
    return NULL;
}

char *fvi_check_descriptor(const fveval_plugin *d, const char *expected_name, fvi_outcome *outcome)
{
    *outcome = FVI_ABI_MISMATCH;
    if (!d) {
        *outcome = FVI_BAD_DESCRIPTOR;
        return fvi_xstrdup("fveval_plugin_entry() returned NULL");
    }
    if (d->abi_version == 0 && d->size == 0)
        return fvi_xstrdup("abi_version and size are 0: the descriptor does not start with "
                           "FVEVAL_PLUGIN_HEADER");
    unsigned major = d->abi_version >> 16, minor = d->abi_version & 0xffff;
    if (major != FVEVAL_ABI_MAJOR)
        return fvi_asprintf("plugin ABI %u.%u, core %u.%u: major version differs (rebuild it)",
                            major, minor, FVEVAL_ABI_MAJOR, FVEVAL_ABI_MINOR);
    if (minor > FVEVAL_ABI_MINOR)
        return fvi_asprintf("plugin ABI %u.%u, core %u.%u: plugin needs a newer fveval", major,
                            minor, FVEVAL_ABI_MAJOR, FVEVAL_ABI_MINOR);
    size_t min_size = offsetof(fveval_plugin, uninit) + sizeof(d->uninit);
    if (d->size < min_size)
        return fvi_asprintf("descriptor size %u is smaller than ABI %u.0's %zu", d->size,
                            FVEVAL_ABI_MAJOR, min_size);

    *outcome = FVI_BAD_DESCRIPTOR;
    if (!d->name)
        return fvi_xstrdup("descriptor has no name");
    if (strcmp(d->name, expected_name) != 0)
        return fvi_asprintf("descriptor name '%s' does not match its path-derived name '%s'",
                            d->name, expected_name);
    if (!d->summary || !d->version || !d->license)
        return fvi_xstrdup("descriptor lacks summary, version or license");
    if (d->flags & FVEVAL_PLUGIN_SET_METRIC) {
        if (!d->accumulate || !d->finalize)
            return fvi_asprintf("set metric without %s", !d->accumulate && !d->finalize ? "accumulate and finalize"
                                                         : !d->accumulate ? "accumulate"
                                                                          : "finalize");
    } else if (!d->compute) {
        return fvi_xstrdup("per-sample metric without compute");
    }
    if (d->finalize && !(d->flags & FVEVAL_PLUGIN_SET_METRIC) && !d->merge)
        return fvi_xstrdup("per-sample metric with a corpus finalize but no merge");
    if ((d->flags & FVEVAL_PLUGIN_HIGHER_IS_BETTER) && (d->flags & FVEVAL_PLUGIN_NO_DIRECTION))
        return fvi_xstrdup("flags HIGHER_IS_BETTER and NO_DIRECTION exclude each other");
    if ((d->flags & FVEVAL_PLUGIN_NO_DIRECTION) && minor < 2)
        return fvi_asprintf("flag NO_DIRECTION needs plugin ABI %u.2 or newer", FVEVAL_ABI_MAJOR);
    char *why = check_fields(d->fields);
    if (!why)
        why = fvi_options_validate(d->options, d->priv_size);
    if (!why)
        why = fvi_frame_access_validate(d);
    for (size_t i = 0; !why && d->models && d->models[i].name; i++)
        if (!*d->models[i].name || strchr(d->models[i].name, '/'))
            why = fvi_asprintf("model file name '%s' must be a plain file name", d->models[i].name);
    return why;
}

static void record(fvi_registry *reg, const char *path, const char *name, fvi_outcome o,
                   char *reason_owned)
{
    reg->entries = fvi_xrealloc(reg->entries, (reg->n_entries + 1) * sizeof(*reg->entries));
    fvi_scan_entry *e = &reg->entries[reg->n_entries++];
    e->path = fvi_xstrdup(path);
    e->name = fvi_xstrdup(name);
    e->outcome = o;
    e->reason = reason_owned;
    /*
     * Only duplicates warn on every command: they silently change which code
     * runs.  Other failures are listed by `fveval plugins` and reported when
     * the metric is asked for.
     */
    int level = FVEVAL_LOG_DEBUG;
    if (o == FVI_DUPLICATE)
        level = FVEVAL_LOG_WARNING;
    else if (o != FVI_LOADED && o != FVI_SKIPPED && o != FVI_NOT_A_PLUGIN)
        level = FVEVAL_LOG_INFO;
    fvi_log(level, "plugin %s: %s%s%s", path, fvi_outcome_name(o), reason_owned ? ": " : "",
            reason_owned ? reason_owned : "");
}

const fvi_metric *fvi_registry_find(const fvi_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->n_metrics; i++)
        if (strcmp(reg->metrics[i].name, name) == 0)
            return &reg->metrics[i];
    return NULL;
}

bool fvi_metric_warn_once(const fvi_metric *m, unsigned bit)
{
    /* The registry owns the metric; only this flag word changes during a run. */
    unsigned prev = atomic_fetch_or(&((fvi_metric *) m)->warned, bit);
    return !(prev & bit);
}

const char *fvi_metric_direction(const fveval_plugin *d)
{
    if (d->flags & FVEVAL_PLUGIN_NO_DIRECTION)
        return "none";
    return d->flags & FVEVAL_PLUGIN_HIGHER_IS_BETTER ? "higher" : "lower";
}

const fvi_scan_entry *fvi_registry_failure(const fvi_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->n_entries; i++)
        if (reg->entries[i].name && strcmp(reg->entries[i].name, name) == 0 &&
            reg->entries[i].outcome != FVI_LOADED && reg->entries[i].outcome != FVI_DUPLICATE)
            return &reg->entries[i];
    return NULL;
}

static bool module_file_exists(const char *dir)
{
    char *la = fvi_asprintf("%s/" MODULE_BASENAME ".la", dir);
    char *so = fvi_asprintf("%s/" MODULE_BASENAME "%s", dir, LT_MODULE_EXT);
    struct stat st;
    bool found = (stat(la, &st) == 0 && S_ISREG(st.st_mode)) ||
                 (stat(so, &st) == 0 && S_ISREG(st.st_mode));
    free(la);
    free(so);
    return found;
}

/* ---- trust: who can change the code a scan runs ---------------------------- */

/*
 * Loading a module runs its constructors, on every command that scans.  As
 * the dynamic loader's secure mode does, refuse code that someone other
 * than root or the user running fveval could have replaced: a file or any
 * directory above it that is world-writable (a directory with the sticky
 * bit, such as /tmp, is fine) or owned by another non-root user.
 * FVEVAL_PLUGIN_TRUST=warn loads such modules anyway, with a warning.
 */
static char *path_untrusted(const char *path, const struct stat *st)
{
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return fvi_asprintf("%s is owned by uid %ld, neither root nor you", path, (long) st->st_uid);
    if ((st->st_mode & S_IWOTH) && !(S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX)))
        return fvi_asprintf("%s is world-writable", path);
    return NULL;
}

/* Check PATH (absolute) and every directory above it; a reason or NULL. */
static char *chain_untrusted(const char *path)
{
    char *p = fvi_xstrdup(path);
    char *why = NULL;
    for (;;) {
        struct stat st;
        if (stat(*p ? p : "/", &st) == 0 && (why = path_untrusted(*p ? p : "/", &st)))
            break;
        char *slash = strrchr(p, '/');
        if (!slash || !*p)
            break;
        *slash = '\0';
    }
    free(p);
    return why;
}

/*
 * The path as the walk reached it (a symlink's directory can swap the
 * link) and the file it resolves to (the target's directories can swap
 * the file).
 */
static char *module_untrusted(const char *path)
{
    char *why = chain_untrusted(path);
    char *real = why ? NULL : realpath(path, NULL);
    if (real && strcmp(real, path) != 0)
        why = chain_untrusted(real);
    free(real);
    return why;
}

static bool trust_warn_only(void)
{
    const char *v = getenv("FVEVAL_PLUGIN_TRUST");
    if (!v || !*v || strcmp(v, "refuse") == 0)
        return false;
    if (strcmp(v, "warn") == 0)
        return true;
    static bool told;
    if (!told)
        fvi_log(FVEVAL_LOG_WARNING, "FVEVAL_PLUGIN_TRUST='%s' is neither 'refuse' nor 'warn'; refusing untrusted plugins", v);
    told = true;
    return false;
}

/* ---- opening a module -------------------------------------------------------- */

/*
 * libltdl tries several file names and loaders for one module and keeps
 * only the last error: a build-tree metric.la whose .libs/metric.so fails
 * to load reports "file not found" for the metric.so it tried next.  A
 * loader in place of the system one sees every file libltdl is about to
 * open, so it can check the file's trust first and keep the dynamic
 * loader's own text for the first file that fails: nothing is loaded a
 * second time to ask why, and nothing libltdl did not choose is loaded.
 */
static lt_module (*system_open)(lt_user_data, const char *, lt_dladvise);
static lt_dlvtable checking_loader;
/* libltdl hands the removed loader back to its caller; kept, as it lives as long as we do. */
static lt_dlvtable *removed_loader;
static struct {
    char *load_error; /* dlerror text of the first existing file that failed */
    char *untrusted;  /* why a file libltdl asked for was refused */
    char *warning;    /* why a file loaded although untrusted (FVEVAL_PLUGIN_TRUST=warn) */
} open_report;

static void open_report_clear(void)
{
    free(open_report.load_error);
    free(open_report.untrusted);
    free(open_report.warning);
    memset(&open_report, 0, sizeof(open_report));
}

static lt_module checking_open(lt_user_data data, const char *filename, lt_dladvise advise)
{
    /* Once one candidate was refused, libltdl's fallbacks are refused too. */
    if (open_report.untrusted)
        return NULL;
    struct stat st;
    if (filename && stat(filename, &st) == 0) {
        char *why = module_untrusted(filename);
        if (why && !trust_warn_only()) {
            open_report.untrusted = why;
            return NULL;
        }
        if (why && !open_report.warning)
            open_report.warning = why;
        else
            free(why);
    }
    lt_module m = system_open(data, filename, advise);
    if (!m && !open_report.load_error && filename && access(filename, F_OK) == 0) {
        const char *e = lt_dlerror();
        open_report.load_error = fvi_xstrdup(e ? e : "unknown error");
    }
    return m;
}

/*
 * Ours replaces libltdl's dlopen loader rather than going in front of it:
 * libltdl offers each file to every loader in turn, so a refusal must not
 * fall through to the system one.
 */
static void install_checking_loader(void)
{
    const lt_dlvtable *sys = lt_dlloader_find("lt_dlopen");
    if (!sys)
        return;
    checking_loader = *sys;
    checking_loader.name = "fveval_checked_dlopen";
    checking_loader.module_open = checking_open;
    checking_loader.dlloader_init = NULL;
    checking_loader.dlloader_exit = NULL;
    checking_loader.priority = LT_DLLOADER_PREPEND;
    removed_loader = lt_dlloader_remove("lt_dlopen");
    if (removed_loader && lt_dlloader_add(&checking_loader) == 0)
        system_open = removed_loader->module_open;
}

/*
 * Open <dir>/metric through libltdl (a metric.la names the object it loads;
 * in a build tree that is .libs/metric.so).  On failure sets *outcome and
 * returns the reason; on success *note is a trust warning or NULL.
 */
static lt_dlhandle open_module(const char *path, const char *dir, fvi_outcome *outcome, char **why,
                               char **note)
{
    *why = *note = NULL;
    *outcome = FVI_LOAD_FAILED;
    open_report_clear();
    if (!system_open) {
        *why = fvi_xstrdup("libltdl's dlopen loader could not be set up");
        return NULL;
    }
    char *la = fvi_asprintf("%s/" MODULE_BASENAME ".la", dir);
    /* The .la decides which object loads, so it must be as safe as the object. */
    char *la_why = access(la, F_OK) == 0 ? module_untrusted(la) : NULL;
    if (la_why && !trust_warn_only())
        open_report.untrusted = la_why;
    else
        open_report.warning = la_why;

    lt_dladvise advise;
    lt_dladvise_init(&advise);
    lt_dladvise_ext(&advise);
    lt_dladvise_local(&advise);
    lt_dlhandle h = open_report.untrusted ? NULL : lt_dlopenadvise(path, advise);
    lt_dladvise_destroy(&advise);
    const char *ltdl_err = h || open_report.untrusted ? NULL : lt_dlerror();
    if (h && open_report.warning) {
        fvi_log(FVEVAL_LOG_WARNING, "plugin %s: loaded although untrusted (FVEVAL_PLUGIN_TRUST=warn): %s",
                path, open_report.warning);
        *note = fvi_asprintf("untrusted, loaded because FVEVAL_PLUGIN_TRUST=warn: %s", open_report.warning);
    } else if (!h && open_report.untrusted) {
        *outcome = FVI_UNTRUSTED;
        *why = fvi_asprintf("%s (FVEVAL_PLUGIN_TRUST=warn loads it anyway)", open_report.untrusted);
    } else if (!h && open_report.load_error) {
        *why = fvi_asprintf("%s (check its dependencies with ldd)", open_report.load_error);
    } else if (!h && access(la, F_OK) == 0) {
        /* libltdl tried no file: the .la names none it could find (never guess one). */
        *why = fvi_asprintf("%s names no module libltdl could open (%s)", la,
                            ltdl_err ? ltdl_err : "is it a libtool library file?");
    } else if (!h) {
        *why = fvi_asprintf("%s (check its dependencies with ldd)", ltdl_err ? ltdl_err : "unknown error");
    }
    open_report_clear();
    free(la);
    return h;
}

static void try_load(fvi_registry *reg, const char *root, const char *dir, const char *relpath)
{
    char *path = fvi_asprintf("%s/" MODULE_BASENAME, dir);
    char *name = fvi_name_from_relpath(relpath);
    char *trust_note = NULL;
    if (!name) {
        record(reg, path, NULL, FVI_BAD_DESCRIPTOR, fvi_xstrdup("no metric name derives from its path"));
        free(path);
        return;
    }
    const fvi_metric *prev = fvi_registry_find(reg, name);
    if (prev) {
        record(reg, path, name, FVI_DUPLICATE,
               fvi_asprintf("%s is already provided by %s (the first root wins)", name, prev->path));
        goto out;
    }

    fvi_outcome failure;
    char *open_failure;
    lt_dlhandle h = open_module(path, dir, &failure, &open_failure, &trust_note);
    if (!h) {
        record(reg, path, name, failure, open_failure);
        goto out;
    }
    fveval_plugin_entry_fn entry = (fveval_plugin_entry_fn) (uintptr_t) lt_dlsym(h, FVEVAL_PLUGIN_ENTRY_SYMBOL);
    if (!entry) {
        record(reg, path, name, FVI_NOT_A_PLUGIN, fvi_xstrdup("no " FVEVAL_PLUGIN_ENTRY_SYMBOL " symbol"));
        lt_dlclose(h);
        goto out;
    }
    const fveval_plugin *desc = entry();
    fvi_outcome o;
    char *why = fvi_check_descriptor(desc, name, &o);
    if (why) {
        record(reg, path, name, o, why);
        lt_dlclose(h);
        goto out;
    }
    fvi_metric m = {.name = name, .path = path, .root = fvi_xstrdup(root), .desc = desc, .handle = h};
    /* Instantiating with the defaults proves init works before anything is promised. */
    char *err = NULL;
    fvi_instance *probe = fvi_instance_new(&m, NULL, &err);
    if (!probe) {
        record(reg, path, name, FVI_INIT_FAILED, err);
        free(m.root);
        lt_dlclose(h);
        goto out;
    }
    fvi_instance_free(probe);
    reg->metrics = fvi_xrealloc(reg->metrics, (reg->n_metrics + 1) * sizeof(*reg->metrics));
    reg->metrics[reg->n_metrics++] = m;
    record(reg, path, name, FVI_LOADED, trust_note);
    return; /* name and path now belong to the metric */
out:
    free(trust_note);
    free(name);
    free(path);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void walk(fvi_registry *reg, const char *root, const char *relpath, int depth)
{
    char *dir = *relpath ? fvi_asprintf("%s/%s", root, relpath) : fvi_xstrdup(root);
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, by_name);
    if (n < 0) {
        record(reg, dir, NULL, FVI_UNREADABLE, fvi_asprintf("cannot read directory: %s", strerror(errno)));
        free(dir);
        return;
    }
    if (depth > 0 && module_file_exists(dir))
        try_load(reg, root, dir, relpath);
    for (int i = 0; i < n; i++) {
        const char *en = list[i]->d_name;
        if (strcmp(en, ".") == 0 || strcmp(en, "..") == 0)
            continue;
        char *child = fvi_asprintf("%s/%s", dir, en);
        struct stat st;
        if (stat(child, &st) == 0 && S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
            if (fvi_walk_skips(en)) {
                /* Hidden entries (.libs, .deps) are skipped silently. */
                if (en[0] != '.')
                    record(reg, child, NULL, FVI_SKIPPED,
                           fvi_xstrdup("name starts with '_' (helper directory, never loaded)"));
            } else {
                char *rel = *relpath ? fvi_asprintf("%s/%s", relpath, en) : fvi_xstrdup(en);
                walk(reg, root, rel, depth + 1);
                free(rel);
            }
        }
        free(child);
    }
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
    free(dir);
}

static int metric_cmp(const void *a, const void *b)
{
    return strcmp(((const fvi_metric *) a)->name, ((const fvi_metric *) b)->name);
}

void fvi_registry_scan(fvi_registry *reg, const fvi_strv *roots)
{
    static bool ltdl_ready;
    if (!ltdl_ready) {
        lt_dlinit();
        install_checking_loader();
        ltdl_ready = true;
    }
    for (size_t i = 0; i < roots->n; i++) {
        const char *r = roots->v[i];
        fvi_strv_push(&reg->roots, r);
        if (r[0] != '/') {
            /* Never hand libltdl a relative path: it would search LD_LIBRARY_PATH. */
            char *cwd = getcwd(NULL, 0);
            char *abs = cwd ? fvi_asprintf("%s/%s", cwd, r) : NULL;
            free(cwd);
            if (!abs) {
                record(reg, r, NULL, FVI_UNREADABLE, fvi_xstrdup("cannot make the path absolute"));
                continue;
            }
            walk(reg, abs, "", 0);
            free(abs);
        } else {
            walk(reg, r, "", 0);
        }
    }
    if (reg->n_metrics) /* qsort on NULL is undefined even for zero elements */
        qsort(reg->metrics, reg->n_metrics, sizeof(*reg->metrics), metric_cmp);
}

void fvi_registry_free(fvi_registry *reg)
{
    /* Modules stay resident (never dlclose during the process). */
    for (size_t i = 0; i < reg->n_metrics; i++) {
        free(reg->metrics[i].name);
        free(reg->metrics[i].path);
        free(reg->metrics[i].root);
    }
    free(reg->metrics);
    for (size_t i = 0; i < reg->n_entries; i++) {
        free(reg->entries[i].path);
        free(reg->entries[i].name);
        free(reg->entries[i].reason);
    }
    free(reg->entries);
    fvi_strv_free(&reg->roots);
    memset(reg, 0, sizeof(*reg));
}

/* ---- selection ------------------------------------------------------------ */

/*
 * Results are keyed by metric name, so a run scores each metric once.  The
 * same metric selected twice with the same options is one item (the first
 * position counts); with other options it is an error, not a silent drop of
 * the second (options strings are compared as written).
 */
static int sel_add(fvi_selection *sel, const fvi_metric *m, const char *opts, char **err)
{
    if (opts && !*opts)
        opts = NULL;
    for (size_t i = 0; i < sel->n; i++) {
        if (sel->items[i].metric != m)
            continue;
        const char *had = sel->items[i].options;
        if ((!had && !opts) || (had && opts && strcmp(had, opts) == 0))
            return 0;
        *err = fvi_asprintf("metric '%s' is selected twice with different options ('%s' and '%s'); "
                            "a run scores each metric once: score the other options in a second run "
                            "with another -o",
                            m->name, had ? had : "defaults", opts ? opts : "defaults");
        return -EINVAL;
    }
    sel->items = fvi_xrealloc(sel->items, (sel->n + 1) * sizeof(*sel->items));
    sel->items[sel->n].metric = m;
    sel->items[sel->n].options = opts ? fvi_xstrdup(opts) : NULL;
    sel->n++;
    return 0;
}

/* Add every metric of @p group; *added counts them.  Fails like sel_add. */
static int add_group(const fvi_registry *reg, fvi_selection *sel, const char *group,
                     const char *opts, size_t *added, char **err)
{
    size_t len = strlen(group);
    *added = 0;
    for (size_t i = 0; i < reg->n_metrics; i++) {
        const char *n = reg->metrics[i].name;
        if (strncmp(n, group, len) == 0 && n[len] == '.') {
            if (sel_add(sel, &reg->metrics[i], opts, err) < 0)
                return -EINVAL;
            (*added)++;
        }
    }
    return 0;
}

static char *close_matches(const fvi_registry *reg, const char *name)
{
    fvi_strv hits = {0};
    for (size_t i = 0; i < reg->n_metrics; i++) {
        const char *n = reg->metrics[i].name;
        const char *dot = strrchr(n, '.');
        if (fvi_edit_distance(n, name) <= 3 || (dot && fvi_edit_distance(dot + 1, name) <= 2) ||
            strstr(n, name))
            fvi_strv_push(&hits, n);
    }
    char *s = NULL;
    if (hits.n) {
        size_t len = 32;
        for (size_t i = 0; i < hits.n; i++)
            len += strlen(hits.v[i]) + 2;
        s = fvi_xcalloc(1, len);
        strcat(s, "; did you mean: ");
        for (size_t i = 0; i < hits.n; i++) {
            if (i)
                strcat(s, ", ");
            strcat(s, hits.v[i]);
        }
    }
    fvi_strv_free(&hits);
    return s ? s : fvi_xstrdup("; see `fveval list`");
}

/*
 * "; fixture.x did not load: <outcome>: <reason>" for the first plugin of
 * @p group that failed to load, so an empty group is explained; NULL if none.
 */
static char *group_failures(const fvi_registry *reg, const char *group)
{
    size_t len = strlen(group), failed = 0;
    const fvi_scan_entry *first = NULL;
    for (size_t i = 0; i < reg->n_entries; i++) {
        const fvi_scan_entry *e = &reg->entries[i];
        if (e->name && strncmp(e->name, group, len) == 0 && e->name[len] == '.' &&
            e->outcome != FVI_LOADED && e->outcome != FVI_DUPLICATE && e->outcome != FVI_SKIPPED) {
            first = first ? first : e;
            failed++;
        }
    }
    if (!first)
        return NULL;
    return fvi_asprintf("; %s did not load: %s: %s%s", first->name, fvi_outcome_name(first->outcome),
                        first->reason ? first->reason : "",
                        failed > 1 ? " (and others: see `fveval plugins --verbose`)" : "");
}

int fvi_select(const fvi_registry *reg, const char *spec, fvi_selection *sel, char **err)
{
    fvi_strv items = {0};
    fvi_strv_split(&items, spec, ',');
    int ret = 0;
    if (!items.n) {
        *err = fvi_xstrdup("no metric selected");
        ret = -EINVAL;
    }
    for (size_t i = 0; !ret && i < items.n; i++) {
        char *item = items.v[i];
        while (*item == ' ')
            item++;
        char *colon = strchr(item, ':');
        const char *opts = NULL;
        if (colon) {
            *colon = '\0';
            opts = colon + 1;
        }
        size_t len = strlen(item);
        while (len && item[len - 1] == ' ')
            item[--len] = '\0';
        size_t added = 0;
        if (strcmp(item, "all") == 0) {
            for (size_t k = 0; !ret && k < reg->n_metrics; k++)
                ret = sel_add(sel, &reg->metrics[k], opts, err);
            continue;
        }
        if (len > 2 && strcmp(item + len - 2, ".*") == 0) {
            item[len - 2] = '\0';
            ret = add_group(reg, sel, item, opts, &added, err);
            if (!ret && !added) {
                char *hint = group_failures(reg, item);
                if (!hint)
                    hint = close_matches(reg, item);
                *err = fvi_asprintf("no metric in group '%s'%s", item, hint);
                free(hint);
                ret = -EINVAL;
            }
            continue;
        }
        const fvi_metric *m = fvi_registry_find(reg, item);
        if (m) {
            ret = sel_add(sel, m, opts, err);
            continue;
        }
        ret = add_group(reg, sel, item, opts, &added, err);
        if (ret || added)
            continue;
        const fvi_scan_entry *f = fvi_registry_failure(reg, item);
        if (f) {
            *err = fvi_asprintf("metric '%s' did not load: %s: %s", item, fvi_outcome_name(f->outcome),
                                f->reason ? f->reason : "");
        } else {
            char *hint = close_matches(reg, item);
            *err = fvi_asprintf("unknown metric '%s'%s", item, hint);
            free(hint);
        }
        ret = -EINVAL;
    }
    fvi_strv_free(&items);
    if (ret)
        fvi_selection_free(sel);
    return ret;
}

void fvi_selection_free(fvi_selection *sel)
{
    for (size_t i = 0; i < sel->n; i++)
        free(sel->items[i].options);
    free(sel->items);
    sel->items = NULL;
    sel->n = 0;
}
