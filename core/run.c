/* SPDX-License-Identifier: Apache-2.0 */
/* `fveval run` (inputs, resume journal, shards' state) and `fveval merge`. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "shard.h"
#include "suite.h"

static const char run_usage[] =
    "Usage: fveval run [INPUTS] -m LIST [OPTIONS]\n"
    "\n"
    "Inputs:\n"
    "  --videos PATH...         generated videos: files, directories (name-sorted), globs,\n"
    "                           image-sequence directories (png/jpg/jpeg/bmp/webp)\n"
    "  --reference PATH...      reference videos, paired by position (or --pair-by stem);\n"
    "                           references beyond the videos feed set metrics only\n"
    "  --audio PATH...          one audio file per video (default: the video's own track)\n"
    "  --text-prompt TEXT...    one prompt, or one per video\n"
    "  --prompts FILE           prompts from .txt (one per line), .json (list) or .jsonl\n"
    "  --fps N                  fps for every sample (overrides the container's)\n"
    "  --pair-by position|stem  how references pair with videos (default position)\n"
    "  --manifest FILE          JSONL, one sample per row; any key can feed a metric;\n"
    "                           relative paths are relative to the manifest's directory\n"
    "  --suite vbench           score a directory of VBench videos ('<prompt>-<index>.mp4',\n"
    "                           --videos DIR) on each prompt's dimensions (-m optional:\n"
    "                           it only sets the options of the dimensions' metrics)\n"
    "  --suite-file FILE        the suite's prompt file (default: the installed\n"
    "                           VBench_full_info.json)\n"
    "  --dimensions LIST        with --suite: the dimensions to score (default: all)\n"
    "Metrics and output:\n"
    "  -m, --metrics LIST       all, group.*, names, comma lists; NAME:key=value:... sets options\n"
    "  -o, --output FILE        results file (default results.json, or results.csv); '-' is\n"
    "                           stdout; devices and pipes are written to, never replaced\n"
    "  --format json|csv|table  output format (table: print to stdout, and JSON to -o FILE if given)\n"
    "  --config FILE            YAML run file with the same keys; flags override it\n"
    "  -j, --jobs N             samples decoded and scored at once (default: cores)\n"
    "  --device cpu|cuda|cuda:N where model metrics and the CUDA kernels run (default cpu);\n"
    "                           cuda: the GPU that CUDA_VISIBLE_DEVICES and SLURM_LOCALID give\n"
    "                           this process\n"
    "  --model-dir DIR          model files (default $FVEVAL_MODEL_DIR, ~/.cache/fveval/models)\n"
    "  --resume                 reuse results of an earlier, possibly interrupted run of -o\n"
    "  --retry-crashed          with --resume: score again what crashed the earlier run\n"
    "  --save-state DIR         write set metrics' accumulated state for `fveval merge`\n"
    "  --shard K/N              score only shard K (0 to N-1) of N: a contiguous block of the\n"
    "                           samples, the same for any other options; `fveval merge` joins\n"
    "                           the shards' results (default: a Slurm array task's shard)\n"
    "  --strict                 fail before decoding when a named metric cannot run\n"
    "  --max-memory SIZE        skip a sample whose decoded frames would need more (8G, 512M,\n"
    "                           none; default: half the machine's memory)\n"
    "Damaged and unusual inputs:\n"
    "  --on-decode-error=skip|partial\n"
    "                           media that decodes only in part (truncated, corrupt):\n"
    "                           skip: the sample fails with the reason (default);\n"
    "                           partial: score the frames that decoded, with a warning\n"
    "  --sample-timeout SECONDS the longest a sample may take to open and decode one of\n"
    "                           its media files; past it the sample fails (default: no limit)\n"
    "  --allow-special-files    also read inputs that are not regular files or directories\n"
    "                           (FIFOs, devices, FFmpeg URLs); refused by default\n"
    "  -q, --quiet              no progress line\n";

/* An option of `run`: the config field it fills. */
typedef enum { OPT_LIST, OPT_STRING, OPT_DOUBLE, OPT_FPS, OPT_INT, OPT_FLAG } arg_kind;
typedef struct run_arg {
    const char *long_name;
    const char *short_name;
    arg_kind kind;
    size_t offset;
} run_arg;

#define CFG(member) offsetof(fvi_run_config, member)
static const run_arg run_args[] = {
    {"--videos", NULL, OPT_LIST, CFG(videos)},
    {"--reference", NULL, OPT_LIST, CFG(references)},
    {"--audio", NULL, OPT_LIST, CFG(audios)},
    {"--text-prompt", NULL, OPT_LIST, CFG(text_prompts)},
    {"--prompts", NULL, OPT_STRING, CFG(prompts_file)},
    {"--manifest", NULL, OPT_STRING, CFG(manifest)},
    {"--fps", NULL, OPT_FPS, CFG(fps)},
    {"--pair-by", NULL, OPT_STRING, CFG(pair_by)},
    {"--metrics", "-m", OPT_STRING, CFG(metrics)},
    {"--output", "-o", OPT_STRING, CFG(output)},
    {"--format", NULL, OPT_STRING, CFG(format)},
    {"--jobs", "-j", OPT_INT, CFG(jobs)},
    {"--device", NULL, OPT_STRING, CFG(device)},
    {"--model-dir", NULL, OPT_STRING, CFG(model_dir)},
    {"--save-state", NULL, OPT_STRING, CFG(save_state)},
    {"--resume", NULL, OPT_FLAG, CFG(resume)},
    {"--retry-crashed", NULL, OPT_FLAG, CFG(retry_crashed)},
    {"--strict", NULL, OPT_FLAG, CFG(strict)},
    {"--max-memory", NULL, OPT_STRING, CFG(max_memory)},
    {"--quiet", "-q", OPT_FLAG, CFG(quiet)},
    {"--on-decode-error", NULL, OPT_STRING, CFG(on_decode_error)},
    {"--sample-timeout", NULL, OPT_DOUBLE, CFG(sample_timeout)},
    {"--allow-special-files", NULL, OPT_FLAG, CFG(allow_special_files)},
    {"--shard", NULL, OPT_STRING, CFG(shard)},
    {"--suite", NULL, OPT_STRING, CFG(suite)},
    {"--suite-file", NULL, OPT_STRING, CFG(suite_file)},
    {"--dimensions", NULL, OPT_STRING, CFG(dimensions)},
    {NULL, NULL, 0, 0},
};

static const run_arg *find_arg(const char *a, const char **inline_val)
{
    *inline_val = NULL;
    for (const run_arg *r = run_args; r->long_name; r++) {
        size_t l = strlen(r->long_name);
        if (strcmp(a, r->long_name) == 0 || (r->short_name && strcmp(a, r->short_name) == 0))
            return r;
        if (strncmp(a, r->long_name, l) == 0 && a[l] == '=' && r->kind != OPT_FLAG) {
            *inline_val = a + l + 1;
            return r;
        }
    }
    return NULL;
}

/* Apply command-line flags over @p cfg (which may hold a YAML file's values). */
static int parse_run_args(int argc, char **argv, fvi_run_config *cfg, const char **config_path)
{
    bool list_reset[32] = {false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val;
        if (strcmp(a, "--config") == 0) {
            i++;
            continue; /* read before the flags */
        }
        if (fvi_str_has_prefix(a, "--config="))
            continue;
        const run_arg *r = find_arg(a, &val);
        if (!r)
            return fvi_cli_error("run: unknown option '%s' (see `fveval run --help`)", a);
        void *field = (char *) cfg + r->offset;
        if (r->kind == OPT_FLAG) {
            *(int *) field = 1;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc)
                return fvi_cli_error("run: %s needs a value", a);
            val = argv[++i];
        }
        switch (r->kind) {
        case OPT_LIST: {
            fvi_strv *sv = field;
            size_t slot = (size_t) (r - run_args);
            if (!list_reset[slot]) { /* flags replace what a config file said */
                fvi_strv_free(sv);
                list_reset[slot] = true;
            }
            fvi_strv_push(sv, val);
            /* Like nargs="+": following words up to the next option belong here. */
            while (i + 1 < argc && argv[i + 1][0] != '-')
                fvi_strv_push(sv, argv[++i]);
            break;
        }
        case OPT_STRING:
            free(*(char **) field);
            *(char **) field = fvi_xstrdup(val);
            break;
        case OPT_DOUBLE:
        case OPT_FPS:
        case OPT_INT: {
            /* The same checks as a run file's keys (and, for --fps, a manifest row's). */
            char *why = NULL;
            int bad = r->kind == OPT_DOUBLE ? fvi_parse_positive(val, (double *) field, &why)
                      : r->kind == OPT_FPS  ? fvi_parse_fps(val, (double *) field, &why)
                                            : fvi_parse_jobs(val, (int *) field, &why);
            if (bad) {
                bad = fvi_cli_error("run: %s %s", r->long_name, why);
                free(why);
                return bad;
            }
            break;
        }
        default:
            break;
        }
    }
    (void) config_path;
    return 0;
}

static const char *find_config_path(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (fvi_str_has_prefix(argv[i], "--config="))
            path = argv[i] + strlen("--config=");
    }
    return path;
}

/* ---- resume ----------------------------------------------------------------------- */

/* {"name": {"version", "options"}} of the run's per-sample metrics. */
static json_t *metrics_identity(const fvi_run *run)
{
    json_t *o = json_object();
    for (size_t m = 0; m < run->n_metrics; m++) {
        json_t *e = json_object();
        json_object_set_new(e, "version", json_string(run->metrics[m].metric->desc->version));
        json_object_set(e, "options", run->metrics[m].options_json);
        json_object_set_new(o, run->metrics[m].metric->name, e);
    }
    return o;
}

static bool same_string(json_t *a, json_t *b)
{
    return (!a && !b) || (a && b && json_equal(a, b));
}

static bool sample_matches(const fvi_sample *s, json_t *ident)
{
    return same_string(json_object_get(s->fields, "video"), json_object_get(ident, "video")) &&
           same_string(json_object_get(s->fields, "reference"), json_object_get(ident, "reference"));
}

/* Whether earlier result @p r is a skip because its metric crashed a run (--retry-crashed
 * scores those again).  The reason sits in details or, in newer files, beside the score. */
static bool is_crash_skip(json_t *r)
{
    const char *skip = json_string_value(json_object_get(json_object_get(r, "details"), "skipped"));
    if (!skip)
        skip = json_string_value(json_object_get(r, "skipped"));
    return skip && fvi_str_has_prefix(skip, FVI_CRASHED_REASON);
}

/* Take result @p r (JSON) of metric @p name for sample @p i if that metric is unchanged. */
static bool adopt_result(fvi_run *run, json_t *prev_metrics, size_t i, const char *name, json_t *r)
{
    for (size_t m = 0; m < run->n_metrics; m++) {
        fvi_metric_run *mr = &run->metrics[m];
        if (strcmp(mr->metric->name, name) != 0 || mr->metric->desc->finalize ||
            (mr->metric->desc->flags & FVEVAL_PLUGIN_SET_METRIC))
            continue;
        json_t *pm = json_object_get(prev_metrics, name);
        json_t *version = json_object_get(pm, "version");
        if (!json_is_string(version) ||
            strcmp(json_string_value(version), mr->metric->desc->version) != 0 ||
            !json_equal(json_object_get(pm, "options"), mr->options_json))
            return false;
        fvi_result *res = &run->results[i * run->n_metrics + m];
        fvi_result_clear(res);
        fvi_result_init(res);
        if (!fvi_result_from_json(res, r))
            return false;
        run->has_result[i * run->n_metrics + m] = true;
        /* An error kept from the earlier run still makes this run's output partial. */
        if (res->error)
            run->sample_failed[i] = true;
        return true;
    }
    return false;
}

static void alloc_results(fvi_run *run)
{
    size_t cells = run->samples.n * run->n_metrics;
    run->results = fvi_xcalloc(cells + 1, sizeof(*run->results));
    run->has_result = fvi_xcalloc(cells + 1, sizeof(bool));
    run->sample_failed = fvi_xcalloc(run->samples.n + 1, sizeof(bool));
    for (size_t k = 0; k < cells; k++)
        fvi_result_init(&run->results[k]);
}

/*
 * What the journal says about crashes, per sample and metric: the signal a
 * crash record names, and how many runs stopped while the pair was in
 * flight.  A finished-sample line clears both for its sample (a later run
 * got through it).
 */
typedef struct crash_tally {
    int *signal;
    int *in_flight;
} crash_tally;

/* The run's metric index of @p name, or -1. */
static long metric_index(const fvi_run *run, const char *name)
{
    for (size_t m = 0; name && m < run->n_metrics; m++)
        if (strcmp(run->metrics[m].metric->name, name) == 0)
            return (long) m;
    return -1;
}

/* Count journal line @p o if it is an in-flight or crash record (returns true), else false. */
static bool tally_line(crash_tally *t, fvi_run *run, json_t *idents, json_t *o)
{
    size_t nm = run->n_metrics, cells = run->samples.n * nm;
    json_t *crashed = json_object_get(o, "crashed");
    json_t *where = crashed ? crashed : json_object_get(o, "in_flight");
    json_t *idx = json_object_get(where ? where : o, "index");
    if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
        (size_t) json_integer_value(idx) >= run->samples.n)
        return where != NULL;
    size_t i = (size_t) json_integer_value(idx);
    if (!sample_matches(run->samples.v[i], json_array_get(idents, i)))
        return where != NULL;
    if (!t->signal) {
        t->signal = fvi_xcalloc(cells + 1, sizeof(int));
        t->in_flight = fvi_xcalloc(cells + 1, sizeof(int));
    }
    if (!where) { /* the sample finished in some run */
        memset(&t->signal[i * nm], 0, nm * sizeof(int));
        memset(&t->in_flight[i * nm], 0, nm * sizeof(int));
        return false;
    }
    long m = metric_index(run, json_string_value(json_object_get(where, "metric")));
    if (m >= 0 && crashed)
        t->signal[i * nm + (size_t) m] = (int) json_integer_value(json_object_get(o, "signal"));
    else if (m >= 0)
        t->in_flight[i * nm + (size_t) m]++;
    return true;
}

/*
 * Mark what crashed an earlier run.  A crash record (a signal the handler
 * caught) counts at once.  SIGKILL (the OOM killer, kill -9) leaves no
 * record, and one kill is as likely the user's as the pair's fault, so the
 * pair is scored again; only when two runs in a row died with it in flight
 * is it taken for the cause.
 */
static void tally_apply(const crash_tally *t, fvi_run *run)
{
    size_t nm = run->n_metrics, cells = run->samples.n * nm;
    for (size_t k = 0; t->signal && k < cells; k++) {
        const char *name = run->metrics[k % nm].metric->name;
        char *why = NULL;
        if (t->signal[k])
            why = fvi_asprintf("%s (%s in %s); --retry-crashed scores it again", FVI_CRASHED_REASON,
                               strsignal(t->signal[k]), name);
        else if (t->in_flight[k] >= 2)
            why = fvi_asprintf("%s (the process was killed while %s scored it, %d times); "
                               "--retry-crashed scores it again",
                               FVI_CRASHED_REASON, name, t->in_flight[k]);
        if (!why)
            continue;
        if (!run->crashed)
            run->crashed = fvi_xcalloc(cells + 1, sizeof(char *));
        fvi_log(FVEVAL_LOG_WARNING, "sample %zu: %s", k / nm, why);
        run->crashed[k] = why;
    }
}

/*
 * Earlier results: a finished output file, else the journal an interrupted
 * run left beside it.  Per sample and metric, a result is reused only if the
 * sample's inputs and the metric's version and options are unchanged.
 */
static size_t load_previous(fvi_run *run, const char *output, const char *journal, bool retry_crashed)
{
    size_t reused = 0;
    json_t *doc = json_load_file(output, 0, NULL);
    if (json_is_object(doc)) {
        json_t *prev_metrics = json_object_get(json_object_get(doc, "run"), "metrics");
        json_t *samples = json_object_get(doc, "samples");
        for (size_t i = 0; i < run->samples.n && i < json_array_size(samples); i++) {
            json_t *ps = json_array_get(samples, i);
            if (!sample_matches(run->samples.v[i], ps))
                continue;
            const char *name;
            json_t *r;
            json_object_foreach(json_object_get(ps, "results"), name, r) {
                if (!(retry_crashed && is_crash_skip(r)))
                    reused += adopt_result(run, prev_metrics, i, name, r);
            }
            fvi_sample_adopt_warnings(run->samples.v[i], json_object_get(ps, "warnings"));
        }
        json_decref(doc);
        return reused;
    }
    json_decref(doc);
    FILE *fp = fopen(journal, "r");
    if (!fp)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    json_t *header = NULL;
    crash_tally tally = {0};
    while (getline(&line, &cap, fp) >= 0) {
        json_t *o = json_loads(line, 0, NULL); /* a line cut by a kill fails to parse: ignored */
        if (!o)
            continue;
        if (!header) {
            header = o;
            continue;
        }
        json_t *idents = json_object_get(header, "samples");
        if (tally_line(&tally, run, idents, o)) {
            json_decref(o);
            continue;
        }
        json_t *idx = json_object_get(o, "index");
        if (json_is_integer(idx) && (size_t) json_integer_value(idx) < run->samples.n) {
            size_t i = (size_t) json_integer_value(idx);
            if (sample_matches(run->samples.v[i], json_array_get(idents, i))) {
                const char *name;
                json_t *r;
                json_object_foreach(json_object_get(o, "results"), name, r) {
                    if (!(retry_crashed && is_crash_skip(r)))
                        reused += adopt_result(run, json_object_get(header, "metrics"), i, name, r);
                }
                if (json_is_true(json_object_get(o, "failed")))
                    run->sample_failed[i] = true;
                fvi_sample_adopt_warnings(run->samples.v[i], json_object_get(o, "warnings"));
            }
        }
        json_decref(o);
    }
    json_decref(header);
    free(line);
    fclose(fp);
    if (!retry_crashed)
        tally_apply(&tally, run);
    free(tally.signal);
    free(tally.in_flight);
    return reused;
}

/*
 * Open and lock the journal @p path (created if missing) before anything
 * reads or truncates it: two runs with the same -o would interleave their
 * lines, and the first to finish would delete the file under the other.
 * The lock (flock, released when the process ends, however it ends) makes
 * the second run refuse.  Returns the descriptor, or -1 with *err set.
 */
static int lock_journal(const char *path, const char *output_name, char **err)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) {
            *err = fvi_asprintf("cannot open the journal '%s': %s", path, strerror(errno));
            return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            int e = errno;
            close(fd);
            *err = e == EWOULDBLOCK
                       ? fvi_asprintf("another fveval run is writing '%s' (its journal '%s' is locked); "
                                      "wait for it to finish or choose another -o",
                                      output_name, path)
                       : fvi_asprintf("cannot lock the journal '%s': %s", path, strerror(e));
            return -1;
        }
        /* The run that held the lock may have finished and removed the file between our open
         * and flock: then we hold a lock on a deleted file; take the one at the path now. */
        struct stat held, now;
        if (fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_dev == now.st_dev &&
            held.st_ino == now.st_ino)
            return fd;
        close(fd);
    }
    *err = fvi_asprintf("cannot lock the journal '%s': it keeps being replaced", path);
    return -1;
}

/* Start the journal on locked descriptor @p fd: emptied, or continued with @p append. */
static FILE *open_journal(const fvi_run *run, int fd, bool append)
{
    FILE *fp = append || ftruncate(fd, 0) == 0 ? fdopen(fd, "a+") : NULL;
    if (!fp) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    if (append) {
        /* Start a fresh line if a kill cut the last one short. */
        if (fseek(fp, -1, SEEK_END) == 0 && fgetc(fp) != '\n')
            fputc('\n', fp);
        fseek(fp, 0, SEEK_END);
    }
    json_t *h = json_object();
    json_object_set_new(h, "fveval_journal", json_integer(2)); /* 2: results schema 2 lines; 1 is read too */
    json_object_set_new(h, "metrics", metrics_identity(run));
    json_t *idents = json_array();
    for (size_t i = 0; i < run->samples.n; i++) {
        json_t *e = json_object();
        json_t *v = json_object_get(run->samples.v[i]->fields, "video");
        json_t *r = json_object_get(run->samples.v[i]->fields, "reference");
        if (v)
            json_object_set(e, "video", v);
        if (r)
            json_object_set(e, "reference", r);
        json_array_append_new(idents, e);
    }
    json_object_set_new(h, "samples", idents);
    char *text = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    /* A header only counts at the start of the file; appended ones are skipped as records. */
    errno = 0;
    bool ok = fprintf(fp, "%s\n", text) >= 0 && fflush(fp) == 0;
    free(text);
    if (!ok) {
        int e = errno ? errno : EIO;
        fclose(fp);
        errno = e;
        return NULL;
    }
    return fp;
}

/* ---- shards' state ---------------------------------------------------------------------- */

/*
 * With --save-state every metric with a corpus value must be able to save
 * and later load its state, or its shards could never be merged: say so
 * before any work rather than after it.
 */
static int check_savable(const fvi_run *run, char **err)
{
    for (size_t m = 0; m < run->n_metrics; m++) {
        const fvi_metric_run *mr = &run->metrics[m];
        const fveval_plugin *d = mr->metric->desc;
        if (!mr->has_corpus || (d->save_state && d->load_state))
            continue;
        *err = fvi_asprintf("run: --save-state: %s cannot %s its state, so its shards could not be "
                            "merged; leave it out of -m or run it without --save-state",
                            mr->metric->name, !d->save_state ? "save" : "load");
        return -EINVAL;
    }
    return 0;
}

/* An identity for this run's state files, so a merge can refuse the same shard twice. */
static char *new_shard_id(void)
{
    unsigned char b[16] = {0};
    FILE *fp = fopen("/dev/urandom", "rb");
    size_t got = fp ? fread(b, 1, sizeof(b), fp) : 0;
    if (fp)
        fclose(fp);
    if (got != sizeof(b)) { /* no urandom: time and pid still tell shards apart */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return fvi_asprintf("%lx-%lx-%lx", (long) ts.tv_sec, (long) ts.tv_nsec, (long) getpid());
    }
    char *hex = fvi_xmalloc(2 * sizeof(b) + 1);
    for (size_t i = 0; i < sizeof(b); i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    return hex;
}

static int save_states(fvi_run *run, const char *dir, const char *shard, char **err)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        *err = fvi_asprintf("cannot create '%s': %s", dir, strerror(errno));
        return -EIO;
    }
    int ret = 0;
    for (size_t m = 0; m < run->n_metrics; m++) {
        fvi_metric_run *mr = &run->metrics[m];
        const fveval_plugin *d = mr->metric->desc;
        if (!mr->has_corpus) /* check_savable() refused any other without save_state */
            continue;
        fvi_instance *inst = mr->workers[0];
        char *path = fvi_asprintf("%s/%s.state", dir, mr->metric->name);
        char *tmp = fvi_asprintf("%s.tmp", path);
        FILE *fp = fopen(tmp, "wb");
        int r = fp ? 0 : -errno;
        if (fp) {
            json_t *h = json_object();
            json_object_set_new(h, "metric", json_string(mr->metric->name));
            json_object_set_new(h, "version", json_string(d->version));
            json_object_set(h, "options", mr->options_json);
            json_object_set_new(h, "options_spec", json_string(mr->options ? mr->options : ""));
            json_object_set_new(h, "shard", json_string(shard));
            char *text = json_dumps(h, JSON_COMPACT);
            json_decref(h);
            fprintf(fp, "%s\n", text);
            free(text);
            fvi_state st = {fp};
            r = d->save_state(&inst->pub, &st);
            if (fclose(fp) != 0 && !r)
                r = -EIO;
        }
        if (!r && rename(tmp, path) < 0)
            r = -errno;
        if (r) {
            *err = fvi_asprintf("%s: cannot save state to '%s': %s", mr->metric->name, path, strerror(-r));
            unlink(tmp);
        }
        free(tmp);
        free(path);
        if (r) {
            ret = r;
            break;
        }
    }
    return ret;
}

/* ---- shards of a run (--shard, Slurm job arrays) ------------------------------------------ */

/* --shard K/N, else a Slurm array task's shard, else none (shard->active false). */
static int resolve_shard(const fvi_run_config *cfg, fvi_shard *shard)
{
    char *why = NULL;
    int r = 1;
    if (cfg->shard)
        r = fvi_shard_parse(cfg->shard, &shard->index, &shard->count, &why) < 0 ? -EINVAL : 1;
    else
        r = fvi_shard_from_slurm(getenv("SLURM_ARRAY_TASK_ID"), getenv("SLURM_ARRAY_TASK_MIN"),
                                 getenv("SLURM_ARRAY_TASK_MAX"), getenv("SLURM_ARRAY_TASK_COUNT"),
                                 getenv("SLURM_ARRAY_TASK_STEP"), &shard->index, &shard->count, &why);
    if (r < 0) {
        int rc = fvi_cli_error("run: %s%s", cfg->shard ? "--shard " : "", why);
        free(why);
        return rc;
    }
    if (r == 0)
        return 0;
    shard->active = true;
    shard->source = cfg->shard ? fvi_xstrdup("--shard")
                               : fvi_asprintf("SLURM_ARRAY_TASK_ID=%s", getenv("SLURM_ARRAY_TASK_ID"));
    return 0;
}

/*
 * Keep shard @p sh of the samples: the contiguous block [*begin, *end) of the
 * whole list.  Samples keep their index in the whole list (results, plugins).
 */
static void keep_shard(fvi_sample_list *l, const fvi_shard *sh, bool quiet, size_t *begin, size_t *end)
{
    size_t total = l->n;
    fvi_shard_range(total, sh->index, sh->count, begin, end);
    for (size_t i = 0; i < total; i++)
        if (i < *begin || i >= *end)
            fvi_sample_free(l->v[i]);
    memmove(l->v, l->v + *begin, (*end - *begin) * sizeof(*l->v));
    l->n = *end - *begin;
    if (quiet)
        return;
    if (*end > *begin)
        fprintf(stderr, "fveval: shard %zu/%zu (%s): samples %zu to %zu of %zu\n", sh->index, sh->count,
                sh->source, *begin, *end - 1, total);
    else
        fprintf(stderr, "fveval: shard %zu/%zu (%s): no samples (%zu samples, %zu shards)\n", sh->index,
                sh->count, sh->source, total, sh->count);
}

/* What `fveval merge` checks a shard's results against the other shards' with. */
static json_t *shard_json(const fvi_shard *sh, size_t total, size_t begin, const char *inputs,
                          const char *state_id)
{
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t) sh->index));
    json_object_set_new(o, "count", json_integer((json_int_t) sh->count));
    json_object_set_new(o, "source", json_string(sh->source));
    json_object_set_new(o, "samples", json_integer((json_int_t) total));
    json_object_set_new(o, "first", json_integer((json_int_t) begin));
    json_object_set_new(o, "inputs", json_string(inputs));
    json_object_set_new(o, "state", state_id ? json_string(state_id) : json_null());
    return o;
}

/* --device cuda: the one GPU the scheduler's variables give this process (said on stderr). */
static int resolve_cuda_device(fvi_run_config *cfg)
{
    if (!cfg->device || strcmp(cfg->device, "cuda") != 0)
        return 0;
    char *why = NULL;
    char *dev = fvi_cuda_device_pick(getenv("CUDA_VISIBLE_DEVICES"), getenv("SLURM_LOCALID"), &why);
    if (!dev) {
        int rc = fvi_cli_error("run: %s", why);
        free(why);
        return rc;
    }
    if (cfg->quiet != 1)
        fprintf(stderr, "fveval: device %s\n", why);
    free(why);
    free(cfg->device);
    cfg->device = dev;
    return 0;
}

/* ---- run ----------------------------------------------------------------------------------- */

static int check_device(const char *device)
{
    char err[512];
    if (fvi_device_check(device, err, sizeof(err)) == 0)
        return 0;
    return fvi_cli_error("%s", err);
}

static int default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int) n : 1;
}

/* -o (or the default name): usable, and compatible with --resume and --format. */
static int check_output(const fvi_run_config *cfg, const char *format, fvi_output *out)
{
    char *err = NULL;
    const char *name = cfg->output ? cfg->output : strcmp(format, "csv") == 0 ? "results.csv" : "results.json";
    if (fvi_output_open(name, out, &err) < 0) {
        int rc = fvi_cli_error("run: %s", err);
        free(err);
        return rc;
    }
    if (out->stream && cfg->resume == 1)
        return fvi_cli_error("run: --resume needs -o naming a regular file; '%s' is written through "
                             "and keeps no journal", name);
    if (out->stream && !out->path && strcmp(format, "table") == 0)
        return fvi_cli_error("run: --format table prints to stdout; -o - would mix the table into "
                             "the results");
    return 0;
}

int fvi_cmd_run(fvi_cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(run_usage, stdout);
            return FVI_EXIT_OK;
        }
    fvi_run_config cfg;
    fvi_run_config_init(&cfg);
    fvi_run run = {0};
    fvi_selection sel = {0};
    fvi_output out = {0};
    fvi_suite *suite = NULL;
    char *err = NULL, *started = fvi_now_iso8601(), *journal = NULL, *model_dir = NULL;
    char *inputs_id = NULL, *state_id = NULL;
    fvi_shard shard = {0};
    size_t total_samples = 0, shard_begin = 0;
    const char *config_path = find_config_path(argc, argv);
    int rc = FVI_EXIT_USAGE;

    if (config_path && fvi_config_load(config_path, &cfg, &err) < 0) {
        rc = fvi_cli_error("%s", err);
        goto out;
    }
    if ((rc = parse_run_args(argc, argv, &cfg, &config_path)) != 0)
        goto out;
    rc = FVI_EXIT_USAGE;
    if (cfg.dimensions && !cfg.suite && !cfg.suite_file) {
        rc = fvi_cli_error("run: --dimensions goes with --suite");
        goto out;
    }
    if (!cfg.metrics && !cfg.suite && !cfg.suite_file) {
        rc = fvi_cli_error("run: no metrics selected (use -m LIST; `fveval list` shows them)");
        goto out;
    }
    const char *format = cfg.format ? cfg.format : "json";
    if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "table")) {
        rc = fvi_cli_error("run: --format must be json, csv or table, not '%s'", format);
        goto out;
    }
    if (cfg.retry_crashed == 1 && cfg.resume != 1) {
        rc = fvi_cli_error("run: --retry-crashed goes with --resume");
        goto out;
    }
    if (cfg.on_decode_error && strcmp(cfg.on_decode_error, "skip") &&
        strcmp(cfg.on_decode_error, "partial")) {
        rc = fvi_cli_error("run: --on-decode-error must be skip or partial, not '%s'", cfg.on_decode_error);
        goto out;
    }
    if ((rc = resolve_shard(&cfg, &shard)) != 0)
        goto out;
    rc = FVI_EXIT_USAGE;
    bool table_only = strcmp(format, "table") == 0 && !cfg.output;
    if (shard.active && (strcmp(format, "csv") == 0 || table_only)) {
        rc = fvi_cli_error("run: shard %zu/%zu (%s) needs JSON results in -o FILE for `fveval merge`",
                           shard.index, shard.count, shard.source);
        goto out;
    }
    if ((rc = resolve_cuda_device(&cfg)) != 0 || (rc = check_device(cfg.device)) != 0)
        goto out;
    rc = FVI_EXIT_USAGE;
    /* Where results go is checked before any work: an unusable -o found after an hour of
     * scoring would lose the hour. */
    if (!table_only && (rc = check_output(&cfg, format, &out)) != 0)
        goto out;
    rc = FVI_EXIT_USAGE;
    uint64_t max_memory = fvi_default_max_memory();
    if (cfg.max_memory && fvi_parse_bytes(cfg.max_memory, &max_memory) < 0) {
        rc = fvi_cli_error("run: --max-memory needs a size such as 8G, 512M or none, not '%s'",
                           cfg.max_memory);
        goto out;
    }
    for (size_t i = 0; i < cfg.plugin_paths.n; i++) {
        /* A run file's plugin_path gets the check --plugin-path gets: missing is an error. */
        char *why = fvi_plugin_dir_problem(cfg.plugin_paths.v[i]);
        if (why) {
            rc = fvi_cli_error("%s: %s", config_path, why);
            free(why);
            goto out;
        }
        fvi_strv_push(&cli->plugin_paths, cfg.plugin_paths.v[i]);
    }
    fvi_cli_scan(cli);
    if (cfg.suite || cfg.suite_file) {
        char *spec = NULL;
        if (fvi_suite_load(&cfg, &cli->reg, &suite, &spec, &err) < 0) {
            rc = fvi_cli_error("%s", err);
            goto out;
        }
        free(cfg.metrics);
        cfg.metrics = spec;
    }
    if (fvi_select(&cli->reg, cfg.metrics, &sel, &err) < 0) {
        rc = fvi_cli_error("%s", err);
        goto out;
    }
    model_dir = fvi_model_dir_resolve(cfg.model_dir);
    fvi_env env = {.device = cfg.device ? cfg.device : "cpu", .model_dir = model_dir};
    int jobs = cfg.jobs > 0 ? cfg.jobs : default_jobs();
    if (fvi_run_init(&run, &sel, &env, jobs, &err) < 0 ||
        fvi_run_check_models(&run, cfg.strict == 1, &err) < 0) {
        rc = fvi_cli_error("%s", err);
        goto out;
    }
    if (cfg.save_state && check_savable(&run, &err) < 0) {
        rc = fvi_cli_error("%s", err);
        goto out;
    }
    fvi_strv media_fields = {0};
    fvi_run_media_fields(&run, &media_fields);
    int br = suite ? fvi_suite_build_samples(suite, &run.samples, &err)
                   : fvi_samples_build(&cfg, &media_fields, &run.samples, &err);
    fvi_strv_free(&media_fields);
    if (br < 0) {
        rc = fvi_cli_error("%s", err);
        goto out;
    }
    total_samples = run.samples.n;
    if (shard.active) {
        size_t shard_end;
        inputs_id = fvi_samples_fingerprint(&run.samples); /* of the whole list, before the split */
        keep_shard(&run.samples, &shard, cfg.quiet == 1, &shard_begin, &shard_end);
    }

    alloc_results(&run);
    if (suite)
        fvi_suite_apply_skips(suite, &run);
    if (!table_only && !out.stream) {
        /* Beside the file written (a link's target), so every name for it shares one lock. */
        journal = fvi_asprintf("%s.journal", out.path);
        int fd = lock_journal(journal, out.name, &err);
        if (fd < 0) {
            rc = fvi_cli_error("%s", err);
            goto out;
        }
        if (cfg.resume == 1) {
            size_t reused = load_previous(&run, out.path, journal, cfg.retry_crashed == 1);
            fvi_log(FVEVAL_LOG_INFO, "resume: reusing %zu earlier results", reused);
        }
        run.journal = open_journal(&run, fd, cfg.resume == 1);
        if (!run.journal) {
            rc = fvi_cli_error("cannot write '%s': %s", journal, strerror(errno));
            goto out;
        }
        run.journal_path = journal;
    }
    run.quiet = cfg.quiet == 1;
    run.max_memory = max_memory;
    run.decode_partial = cfg.on_decode_error && strcmp(cfg.on_decode_error, "partial") == 0;
    run.sample_timeout = cfg.sample_timeout;
    run.allow_special_files = cfg.allow_special_files == 1;
    run.progress = !run.quiet && isatty(STDERR_FILENO);

    rc = fvi_run_execute(&run);

    if (cfg.save_state)
        state_id = new_shard_id();
    if (cfg.save_state && save_states(&run, cfg.save_state, state_id, &err) < 0) {
        fvi_log(FVEVAL_LOG_ERROR, "%s", err);
        free(err);
        err = NULL;
        rc = FVI_EXIT_PARTIAL;
    }
    char *finished = fvi_now_iso8601();
    json_t *doc = fvi_results_document(&run, argc + 1, argv - 1, started, finished);
    free(finished);
    if (shard.active)
        json_object_set_new(json_object_get(doc, "run"), "shard",
                            shard_json(&shard, total_samples, shard_begin, inputs_id, state_id));
    if (suite)
        fvi_suite_report(suite, &run, doc, run.quiet ? NULL : stderr);
    if (run.journal_errno) {
        /* Stopped early: an output file now would hold a partial run that looks finished. */
        fvi_log(FVEVAL_LOG_ERROR, "%s not written; rerun with --resume when the journal can grow",
                out.name);
        rc = FVI_EXIT_PARTIAL;
    } else if (!table_only) {
        char *text = strcmp(format, "csv") == 0 ? fvi_results_csv(&run) : json_dumps(doc, JSON_INDENT(2));
        if (fvi_output_write(&out, text, &err) < 0) {
            fvi_log(FVEVAL_LOG_ERROR, "%s", err);
            rc = FVI_EXIT_PARTIAL;
        } else {
            if (run.journal) {
                unlink(journal); /* the finished file now holds everything; still locked */
                fclose(run.journal);
                run.journal = NULL;
            }
            if (!run.quiet && out.path)
                fprintf(stderr, "fveval: wrote %s\n", out.name);
        }
        free(text);
    }
    /* --format table always prints; with -o the file still gets the JSON.  A terminal gets
     * the table too, unless the results themselves go to stdout. */
    bool results_on_stdout = !table_only && out.stream && !out.path;
    if (strcmp(format, "table") == 0 || (isatty(STDOUT_FILENO) && !results_on_stdout))
        fvi_results_print_table(doc, stdout);
    json_decref(doc);
out:
    if (run.journal)
        fclose(run.journal);
    fvi_run_free(&run);
    fvi_suite_free(suite);
    fvi_selection_free(&sel);
    fvi_run_config_free(&cfg);
    fvi_output_free(&out);
    free(journal);
    free(model_dir);
    free(started);
    free(err);
    free(inputs_id);
    free(state_id);
    free(shard.source);
    return rc;
}

/* ---- merge ----------------------------------------------------------------------------------- */

/*
 * Shards already taken in: "metric shard-id" keys and the files they came
 * from.  The same directory given twice, or a copy of a shard, would count
 * its samples twice.
 */
typedef struct merge_seen {
    fvi_strv keys, paths;
} merge_seen;

static int refuse_duplicate_shard(merge_seen *seen, json_t *h, const char *name, const char *path,
                                  char **err)
{
    const char *shard = json_string_value(json_object_get(h, "shard"));
    if (!shard) /* written before shard ids existed: the file check below still applies */
        return 0;
    char *key = fvi_asprintf("%s %s", name, shard);
    for (size_t i = 0; i < seen->keys.n; i++)
        if (strcmp(seen->keys.v[i], key) == 0) {
            *err = fvi_asprintf("merge: '%s' and '%s' hold the same shard of %s (the same run's state); "
                                "merging both would count its samples twice",
                                seen->paths.v[i], path, name);
            free(key);
            return -EINVAL;
        }
    fvi_strv_push_owned(&seen->keys, key);
    fvi_strv_push(&seen->paths, path);
    return 0;
}

static int merge_one_file(fvi_cli *cli, fvi_run *run, merge_seen *seen, const char *path, char **err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        *err = fvi_asprintf("cannot open '%s': %s", path, strerror(errno));
        return -EINVAL;
    }
    char *line = NULL;
    size_t cap = 0;
    int ret = -EINVAL;
    json_t *h = getline(&line, &cap, fp) > 0 ? json_loads(line, 0, NULL) : NULL;
    const char *name = json_string_value(json_object_get(h, "metric"));
    const char *version = json_string_value(json_object_get(h, "version"));
    const fvi_metric *m = name ? fvi_registry_find(&cli->reg, name) : NULL;
    if (!name || !version) {
        *err = fvi_asprintf("'%s' is not an fveval state file", path);
        goto done;
    }
    if (!m) {
        *err = fvi_asprintf("%s: metric '%s' is not available here", path, name);
        goto done;
    }
    if (strcmp(version, m->desc->version) != 0) {
        *err = fvi_asprintf("%s: saved by %s %s, but %s is loaded", path, name, version, m->desc->version);
        goto done;
    }
    if (!m->desc->load_state || !m->desc->finalize) {
        *err = fvi_asprintf("%s: %s cannot load saved state", path, name);
        goto done;
    }
    if (refuse_duplicate_shard(seen, h, name, path, err) < 0)
        goto done;
    fvi_metric_run *mr = NULL;
    for (size_t i = 0; i < run->n_metrics; i++)
        if (run->metrics[i].metric == m)
            mr = &run->metrics[i];
    if (!mr) {
        run->metrics = fvi_xrealloc(run->metrics, (run->n_metrics + 1) * sizeof(*run->metrics));
        mr = &run->metrics[run->n_metrics++];
        memset(mr, 0, sizeof(*mr));
        mr->metric = m;
        mr->workers = fvi_xcalloc(1, sizeof(*mr->workers));
        fvi_result_init(&mr->corpus);
    }
    if (!mr->workers[0]) {
        /* The first state of this metric: an instance to load every shard's state into.  A
         * metric listed by the shards' results already has their options to compare with. */
        const char *spec = json_string_value(json_object_get(h, "options_spec"));
        mr->options = spec && *spec ? fvi_xstrdup(spec) : NULL;
        mr->has_corpus = true;
        mr->workers[0] = fvi_instance_new_env(m, mr->options, &run->env, err);
        if (!mr->workers[0])
            goto done;
        if (!mr->options_json)
            mr->options_json = fvi_instance_options_json(mr->workers[0]);
    }
    if (!json_equal(json_object_get(h, "options"), mr->options_json)) {
        *err = fvi_asprintf("%s: %s was run with other options than the other shards", path, name);
        goto done;
    }
    fvi_state st = {fp};
    int r = m->desc->load_state(&mr->workers[0]->pub, &st);
    if (r < 0) {
        *err = fvi_asprintf("%s: %s could not load it: %s", path, name, strerror(-r));
        goto done;
    }
    ret = 0;
done:
    json_decref(h);
    free(line);
    fclose(fp);
    return ret;
}

/* Whether two paths name the same file (a directory given twice, or by another name). */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The .state files in @p dir; none is an error unless @p may_be_empty (a shard without set metrics). */
static int state_files(const char *dir, fvi_strv *out, bool may_be_empty, char **err)
{
    DIR *d = opendir(dir);
    if (!d) {
        *err = fvi_asprintf("cannot read state directory '%s': %s", dir, strerror(errno));
        return -EINVAL;
    }
    size_t before = out->n;
    struct dirent *e;
    while ((e = readdir(d)))
        if (fvi_str_has_suffix(e->d_name, ".state"))
            fvi_strv_push_owned(out, fvi_asprintf("%s/%s", dir, e->d_name));
    closedir(d);
    if (out->n == before && !may_be_empty) {
        *err = fvi_asprintf("no .state files in '%s'", dir);
        return -EINVAL;
    }
    return 0;
}

/* ---- merge of shards' results (`fveval run --shard K/N`) ------------------------------------ */

/* One shard's results document and its run.shard. */
typedef struct shard_doc {
    const char *path;
    json_t *doc;
    json_t *info; /* run.shard */
    size_t index, count, total, first;
    const char *inputs, *state; /* state: its state files' "shard", or NULL */
} shard_doc;

static bool json_size(json_t *o, const char *key, size_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (size_t) json_integer_value(v);
    return true;
}

static int load_shard_doc(const char *path, shard_doc *sd, char **err)
{
    json_error_t je;
    sd->path = path;
    sd->doc = json_load_file(path, 0, &je);
    if (!sd->doc) {
        *err = fvi_asprintf("merge: '%s' is not a results document: %s", path, je.text);
        return -EINVAL;
    }
    sd->info = json_object_get(json_object_get(sd->doc, "run"), "shard");
    if (!json_is_object(sd->info)) {
        *err = fvi_asprintf("merge: '%s' holds the results of a whole run, not of a shard "
                            "(`fveval run --shard K/N`)", path);
        return -EINVAL;
    }
    sd->inputs = json_string_value(json_object_get(sd->info, "inputs"));
    sd->state = json_string_value(json_object_get(sd->info, "state"));
    if (!json_size(sd->info, "index", &sd->index) || !json_size(sd->info, "count", &sd->count) ||
        !json_size(sd->info, "samples", &sd->total) || !json_size(sd->info, "first", &sd->first) ||
        !sd->inputs || sd->index >= sd->count || !json_is_array(json_object_get(sd->doc, "samples"))) {
        *err = fvi_asprintf("merge: '%s': its run.shard or samples are damaged", path);
        return -EINVAL;
    }
    return 0;
}

static int by_shard_index(const void *a, const void *b)
{
    const shard_doc *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* @p sd ran the same metrics (names, versions, options) as @p ref, or *err says how not. */
static int same_metrics(const shard_doc *sd, const shard_doc *ref, char **err)
{
    json_t *a = json_object_get(json_object_get(ref->doc, "run"), "metrics");
    json_t *b = json_object_get(json_object_get(sd->doc, "run"), "metrics");
    const char *name;
    json_t *ma;
    json_object_foreach(a, name, ma) {
        json_t *mb = json_object_get(b, name);
        const char *va = json_string_value(json_object_get(ma, "version"));
        const char *vb = json_string_value(json_object_get(mb, "version"));
        if (!mb)
            *err = fvi_asprintf("merge: '%s' ran %s, '%s' did not: shards must run the same metrics",
                                ref->path, name, sd->path);
        else if (!va || !vb || strcmp(va, vb) != 0)
            *err = fvi_asprintf("merge: '%s' ran %s %s, '%s' ran %s %s: shards must run the same "
                                "metric versions", ref->path, name, va ? va : "?", sd->path, name, vb ? vb : "?");
        else if (!json_equal(json_object_get(ma, "options"), json_object_get(mb, "options")))
            *err = fvi_asprintf("merge: '%s' and '%s' ran %s with different options", ref->path,
                                sd->path, name);
        if (*err)
            return -EINVAL;
    }
    json_object_foreach(b, name, ma)
        if (!json_object_get(a, name)) {
            *err = fvi_asprintf("merge: '%s' ran %s, '%s' did not: shards must run the same metrics",
                                sd->path, name, ref->path);
            return -EINVAL;
        }
    return 0;
}

/*
 * The shards (sorted by index) are one split of one input list, each once,
 * none missing, with the samples the split gives them; else *err names the
 * shards at fault.
 */
static int check_shard_set(shard_doc *docs, size_t n, char **err)
{
    qsort(docs, n, sizeof(*docs), by_shard_index);
    const shard_doc *ref = &docs[0];
    for (size_t i = 0; i < n; i++) {
        const shard_doc *sd = &docs[i];
        if (sd->count != ref->count) {
            *err = fvi_asprintf("merge: '%s' is shard %zu/%zu, '%s' shard %zu/%zu: shards of different "
                                "splits", ref->path, ref->index, ref->count, sd->path, sd->index, sd->count);
            return -EINVAL;
        }
        if (sd->total != ref->total || strcmp(sd->inputs, ref->inputs) != 0) {
            *err = fvi_asprintf("merge: '%s' and '%s' are shards of different inputs (%zu and %zu "
                                "samples, or other files or fields)", ref->path, sd->path, ref->total, sd->total);
            return -EINVAL;
        }
        if (i && sd->index == docs[i - 1].index) {
            *err = fvi_asprintf("merge: '%s' and '%s' are both shard %zu/%zu", docs[i - 1].path, sd->path,
                                sd->index, sd->count);
            return -EINVAL;
        }
        if (same_metrics(sd, ref, err) < 0)
            return -EINVAL;
        size_t begin, end;
        fvi_shard_range(sd->total, sd->index, sd->count, &begin, &end);
        json_t *samples = json_object_get(sd->doc, "samples");
        if (sd->first != begin || json_array_size(samples) != end - begin) {
            *err = fvi_asprintf("merge: '%s' holds %zu samples from %zu; shard %zu/%zu of %zu samples is "
                                "%zu from %zu", sd->path, json_array_size(samples), sd->first, sd->index,
                                sd->count, sd->total, end - begin, begin);
            return -EINVAL;
        }
    }
    if (n == ref->count)
        return 0;
    /* Name every missing shard: the array tasks to look at (or resubmit). */
    char *missing = NULL;
    size_t k = 0, n_missing = 0;
    for (size_t want = 0; want < ref->count; want++) {
        if (k < n && docs[k].index == want) {
            k++;
            continue;
        }
        char *more = fvi_asprintf("%s%s%zu", missing ? missing : "", missing ? ", " : "", want);
        free(missing);
        missing = more;
        n_missing++;
    }
    *err = fvi_asprintf("merge: shard%s %s of %zu missing (no results given for %s)", n_missing > 1 ? "s" : "",
                        missing, ref->count, n_missing > 1 ? "them" : "it");
    free(missing);
    return -EINVAL;
}

/* The merged run's metrics, in the shards' order, each as loaded here. */
static int shard_metrics(fvi_cli *cli, fvi_run *run, const shard_doc *ref, char **err)
{
    json_t *metrics = json_object_get(json_object_get(ref->doc, "run"), "metrics");
    const char *name;
    json_t *mi;
    json_object_foreach(metrics, name, mi) {
        const fvi_metric *m = fvi_registry_find(&cli->reg, name);
        const char *version = json_string_value(json_object_get(mi, "version"));
        if (!m) {
            *err = fvi_asprintf("merge: %s (in '%s') is not available here", name, ref->path);
            return -EINVAL;
        }
        if (!version || strcmp(version, m->desc->version) != 0) {
            *err = fvi_asprintf("merge: '%s' was scored by %s %s, but %s is loaded", ref->path, name,
                                version ? version : "?", m->desc->version);
            return -EINVAL;
        }
        run->metrics = fvi_xrealloc(run->metrics, (run->n_metrics + 1) * sizeof(*run->metrics));
        fvi_metric_run *mr = &run->metrics[run->n_metrics++];
        memset(mr, 0, sizeof(*mr));
        mr->metric = m;
        mr->workers = fvi_xcalloc(1, sizeof(*mr->workers));
        mr->options_json = json_deep_copy(json_object_get(mi, "options"));
        fvi_result_init(&mr->corpus);
    }
    return 0;
}

/* Every shard's samples and per-sample results, in input order. */
static int shard_samples(fvi_run *run, const shard_doc *docs, size_t n, char **err)
{
    size_t total = docs[0].total, nm = run->n_metrics;
    /* check_shard_set() saw the shards' samples add up to the whole list */
    run->samples.v = fvi_xcalloc(total + 1, sizeof(*run->samples.v));
    run->samples.n = total;
    alloc_results(run);
    size_t i = 0;
    for (size_t d = 0; d < n; d++) {
        size_t j;
        json_t *ps;
        json_array_foreach(json_object_get(docs[d].doc, "samples"), j, ps) {
            json_t *fields = json_deep_copy(ps);
            json_object_del(fields, "index");
            json_object_del(fields, "role");
            json_object_del(fields, "warnings");
            json_object_del(fields, "results");
            const char *role = json_string_value(json_object_get(ps, "role"));
            fvi_sample *s = fvi_sample_new((int64_t) i, fields, role && strcmp(role, "reference") == 0);
            fvi_sample_adopt_warnings(s, json_object_get(ps, "warnings"));
            run->samples.v[i] = s;
            const char *name;
            json_t *r;
            json_object_foreach(json_object_get(ps, "results"), name, r) {
                long m = metric_index(run, name);
                fvi_result *res = &run->results[i * nm + (size_t) (m < 0 ? 0 : m)];
                if (m < 0 || !fvi_result_from_json(res, r)) {
                    *err = fvi_asprintf("merge: '%s': sample %zu has a damaged result of %s", docs[d].path,
                                        i, name);
                    return -EINVAL;
                }
                run->has_result[i * nm + (size_t) m] = true;
                if (res->error)
                    run->sample_failed[i] = true;
            }
            i++;
        }
    }
    return 0;
}

/* The "shard" id in state file @p path's header, or NULL (caller frees). */
static char *state_shard_id(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *line = NULL, *id = NULL;
    size_t cap = 0;
    if (fp && getline(&line, &cap, fp) > 0) {
        json_t *h = json_loads(line, 0, NULL);
        const char *s = json_string_value(json_object_get(h, "shard"));
        id = s ? fvi_xstrdup(s) : NULL;
        json_decref(h);
    }
    free(line);
    if (fp)
        fclose(fp);
    return id;
}

/*
 * Put the state files in shard order (merged in input order, a set metric's
 * accumulated values come out as in one run) and check that each belongs to
 * one of the shards.
 */
static int order_states(fvi_strv *files, const shard_doc *docs, size_t n, char **err)
{
    size_t *owner = fvi_xcalloc(files->n + 1, sizeof(size_t));
    for (size_t f = 0; f < files->n; f++) {
        char *id = state_shard_id(files->v[f]);
        owner[f] = n;
        for (size_t d = 0; id && d < n; d++)
            if (docs[d].state && strcmp(docs[d].state, id) == 0)
                owner[f] = d;
        free(id);
        if (owner[f] == n) {
            *err = fvi_asprintf("merge: '%s' is the state of none of the given shards' runs (another "
                                "run, or a shard whose results are not given)", files->v[f]);
            free(owner);
            return -EINVAL;
        }
    }
    /* Insertion sort by owner, stable: a few files per shard. */
    for (size_t f = 1; f < files->n; f++)
        for (size_t g = f; g > 0 && owner[g - 1] > owner[g]; g--) {
            size_t o = owner[g];
            owner[g] = owner[g - 1];
            owner[g - 1] = o;
            char *p = files->v[g];
            files->v[g] = files->v[g - 1];
            files->v[g - 1] = p;
        }
    free(owner);
    return 0;
}

/* Each shard's state of each set metric (or corpus aggregate) was loaded, or *err names one missing. */
static int check_states_complete(const fvi_run *run, const merge_seen *seen, const shard_doc *docs,
                                 size_t n, char **err)
{
    for (size_t m = 0; m < run->n_metrics; m++) {
        const fvi_metric_run *mr = &run->metrics[m];
        const fveval_plugin *d = mr->metric->desc;
        if (!(d->flags & FVEVAL_PLUGIN_SET_METRIC) && !d->finalize)
            continue;
        for (size_t k = 0; k < n; k++) {
            char *key = docs[k].state ? fvi_asprintf("%s %s", mr->metric->name, docs[k].state) : NULL;
            bool found = key && fvi_strv_contains(&seen->keys, key);
            free(key);
            if (found)
                continue;
            *err = docs[k].state
                       ? fvi_asprintf("merge: the saved state of %s for shard %zu/%zu ('%s') is missing: give "
                                      "its --save-state directory", mr->metric->name, docs[k].index,
                                      docs[k].count, docs[k].path)
                       : fvi_asprintf("merge: shard %zu/%zu ('%s') was run without --save-state, so its part "
                                      "of %s cannot be merged", docs[k].index, docs[k].count, docs[k].path,
                                      mr->metric->name);
            return -EINVAL;
        }
    }
    return 0;
}

int fvi_cmd_merge(fvi_cli *cli, int argc, char **argv)
{
    fvi_strv dirs = {0}, files = {0}, results = {0};
    const char *output = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (i + 1 >= argc)
                return fvi_cli_error("merge: %s needs a value", argv[i]);
            output = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs("Usage: fveval merge [SHARD_RESULTS...] [STATE_DIR...] -o FILE\n"
                  "Join the shards of one run: the results files of `fveval run --shard K/N` (every\n"
                  "shard, each once) and the directories their --save-state wrote.  The output is\n"
                  "the document one run over all samples writes: samples in input order, summary\n"
                  "recomputed, set metrics finalized from the merged state.  Given only state\n"
                  "directories, it writes the corpus results alone.\n",
                  stdout);
            return FVI_EXIT_OK;
        } else if (argv[i][0] == '-') {
            return fvi_cli_error("merge: unknown option '%s'", argv[i]);
        } else {
            struct stat st;
            if (stat(argv[i], &st) < 0) {
                int rc = fvi_cli_error("merge: cannot read '%s': %s", argv[i], strerror(errno));
                fvi_strv_free(&dirs);
                fvi_strv_free(&results);
                return rc;
            }
            fvi_strv_push(S_ISDIR(st.st_mode) ? &dirs : &results, argv[i]);
        }
    }
    int rc = FVI_EXIT_USAGE;
    char *err = NULL, *started = fvi_now_iso8601();
    fvi_run run = {.jobs = 1, .env = {.device = "cpu"}};
    merge_seen seen = {0};
    fvi_output dest = {0};
    shard_doc *docs = fvi_xcalloc(results.n + 1, sizeof(*docs));
    if ((!dirs.n && !results.n) || !output) {
        rc = fvi_cli_error("merge: give the shards' results files or state directories, and -o FILE");
        goto out;
    }
    if (fvi_output_open(output, &dest, &err) < 0) {
        rc = fvi_cli_error("merge: %s", err);
        goto out;
    }
    for (size_t i = 0; i < dirs.n; i++)
        if (state_files(dirs.v[i], &files, results.n > 0, &err) < 0) {
            rc = fvi_cli_error("%s", err);
            goto out;
        }
    for (size_t i = 0; i < files.n; i++)
        for (size_t k = 0; k < i; k++)
            if (same_file(files.v[i], files.v[k])) {
                rc = fvi_cli_error("merge: '%s' is given twice (as '%s'); each shard counts once",
                                   files.v[i], files.v[k]);
                goto out;
            }
    fvi_cli_scan(cli);
    for (size_t i = 0; i < results.n; i++)
        if (load_shard_doc(results.v[i], &docs[i], &err) < 0) {
            rc = fvi_cli_error("%s", err);
            goto out;
        }
    if (results.n && (check_shard_set(docs, results.n, &err) < 0 || shard_metrics(cli, &run, &docs[0], &err) < 0 ||
                      shard_samples(&run, docs, results.n, &err) < 0 ||
                      order_states(&files, docs, results.n, &err) < 0)) {
        rc = fvi_cli_error("%s", err);
        goto out;
    }
    for (size_t i = 0; i < files.n; i++)
        if (merge_one_file(cli, &run, &seen, files.v[i], &err) < 0) {
            rc = fvi_cli_error("%s", err);
            goto out;
        }
    if (results.n && check_states_complete(&run, &seen, docs, results.n, &err) < 0) {
        rc = fvi_cli_error("%s", err);
        goto out;
    }
    rc = fvi_run_finalize(&run); /* nothing to score: every sample's results came from its shard */
    char *finished = fvi_now_iso8601();
    json_t *doc = fvi_results_document(&run, argc + 1, argv - 1, started, finished);
    free(finished);
    if (results.n) {
        json_t *merged = json_object();
        json_object_set_new(merged, "shards", json_integer((json_int_t) docs[0].count));
        json_object_set_new(json_object_get(doc, "run"), "merged", merged);
    }
    char *text = json_dumps(doc, JSON_INDENT(2));
    if (fvi_output_write(&dest, text, &err) < 0) {
        fvi_log(FVEVAL_LOG_ERROR, "%s", err);
        rc = FVI_EXIT_PARTIAL;
    }
    if (isatty(STDOUT_FILENO) && !(dest.stream && !dest.path))
        fvi_results_print_table(doc, stdout);
    free(text);
    json_decref(doc);
out:
    fvi_run_free(&run);
    fvi_output_free(&dest);
    for (size_t i = 0; i < results.n; i++)
        json_decref(docs[i].doc);
    free(docs);
    fvi_strv_free(&results);
    fvi_strv_free(&dirs);
    fvi_strv_free(&files);
    fvi_strv_free(&seen.keys);
    fvi_strv_free(&seen.paths);
    free(err);
    free(started);
    return rc;
}
