/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `fveval report RESULTS.json [MORE.json ...]`: one self-contained HTML page
 * (charts inline as SVG data, a little inline script, no network) or one
 * chart as PNG/SVG, from results documents of schema 1 or 2.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "report.h"

static const char report_usage[] =
    "Usage: fveval report RESULTS.json [MORE.json ...] [-o FILE] [OPTIONS]\n"
    "\n"
    "Turn results documents (from `fveval run` or `fveval merge`, results schema 1 or 2)\n"
    "into one self-contained HTML page: per metric a histogram of the per-sample scores\n"
    "with mean and spread, summary statistics, skipped and failed samples with reasons,\n"
    "a sortable, filterable per-sample table and the runs' provenance. Several files are\n"
    "compared side by side (one column per run, differences from the first run\n"
    "highlighted). The page loads nothing from the network.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE        where to write (default report.html, report.png or\n"
    "                           report.svg); '-' is stdout; devices and pipes are written\n"
    "                           to, never replaced\n"
    "  --format html|png|svg    the page (default), or one metric's histogram as an image\n"
    "  --metric NAME[,NAME...]  the metrics to show (default all); png and svg draw one\n"
    "  --match index|video|stem how samples of several files are matched: by their index\n"
    "                           (default), their video path, or the video's file name\n"
    "                           without directory and extension\n"
    "  --size WIDTHxHEIGHT      the image size of png and svg (default 1600 or 800 wide)\n"
    "  --page-size N            rows per page of the per-sample table (default 100);\n"
    "                           sorting and filtering use every row\n"
    "\n"
    "Histograms and statistics use every scored sample; the tables show N rows a page.\n"
    "Exit status: 0 written; 1 the output could not be written; 2 unusable arguments\n"
    "or input (nothing written).\n";

/* ---- byte buffers ---------------------------------------------------------------- */

void fvi_buf_add(fvi_buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        b->cap = (b->len + len + 1) * 2;
        b->p = fvi_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void fvi_buf_puts(fvi_buf *b, const char *s)
{
    fvi_buf_add(b, s, strlen(s));
}

void fvi_buf_printf(fvi_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = fvi_vasprintf(fmt, ap);
    va_end(ap);
    fvi_buf_puts(b, s);
    free(s);
}

void fvi_buf_free(fvi_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static void html_escaped(fvi_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fvi_buf_puts(b, "&amp;");
            break;
        case '<':
            fvi_buf_puts(b, "&lt;");
            break;
        case '>':
            fvi_buf_puts(b, "&gt;");
            break;
        case '"':
            fvi_buf_puts(b, "&quot;");
            break;
        case '\'':
            fvi_buf_puts(b, "&#39;");
            break;
        default:
            fvi_buf_add(b, s, 1);
        }
    }
}

static void base64(fvi_buf *b, const unsigned char *data, size_t len)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned) data[i] << 16;
        if (i + 1 < len)
            v |= (unsigned) data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        char q[4] = {abc[v >> 18 & 63], abc[v >> 12 & 63], i + 1 < len ? abc[v >> 6 & 63] : '=',
                     i + 2 < len ? abc[v & 63] : '='};
        fvi_buf_add(b, q, 4);
    }
}

/* ---- the documents, read --------------------------------------------------------- */

typedef enum { CELL_ABSENT = 0, CELL_SCORE, CELL_SKIPPED, CELL_ERROR, CELL_NO_SCORE } cell_state;
static const char *const cell_kind[] = {"", "", "skipped", "error", "no score"};

/* One sample's result for one metric. */
typedef struct cell {
    cell_state state;
    double score;
    char *reason;
} cell;

typedef struct rsample {
    long long index;
    char *label;  /* video, else audio, else text prompt, else #index */
    char *detail; /* tooltip: prompt and reference, or NULL */
    char *key;    /* for --match */
    cell *cells;  /* one per report metric */
    fvi_strv warnings;
} rsample;

typedef struct rrun {
    const char *label; /* the path as given */
    json_t *doc;
    rsample *samples; /* generated samples: reference-only ones feed set metrics only */
    size_t n_samples;
    size_t n_reference;
} rrun;

typedef struct rmetric {
    char *name;
    int direction;   /* +1 higher is better, -1 lower, 0 none or not recorded */
    bool per_sample; /* some sample of some run has a result */
    bool corpus;     /* some run has a corpus result */
} rmetric;

typedef enum { MATCH_INDEX, MATCH_VIDEO, MATCH_STEM } match_mode;

typedef struct report_args {
    fvi_strv inputs;
    const char *output, *format, *metrics, *match, *size;
    int page_size;
    int width, height;
    match_mode match_by;
} report_args;

typedef struct report {
    rrun *runs;
    size_t n_runs;
    rmetric *metrics;
    size_t n_metrics;
    /* Samples matched across runs: rows[r * n_runs + k] is run k's sample index + 1, or 0. */
    size_t *rows;
    size_t n_rows;
} report;

/* The samples of a document as an array ([] for `fveval merge` output), or NULL when absent. */
static json_t *doc_samples(json_t *doc)
{
    return json_object_get(doc, "samples");
}

/* A document's results schema, or an error: not a results document, or too new. */
static int check_document(const char *path, json_t *doc, char **err)
{
    json_t *hdr = json_object_get(doc, "fveval");
    json_t *schema = json_object_get(hdr, "schema");
    if (!json_is_object(doc) || !json_is_object(hdr) || !json_is_integer(schema)) {
        *err = fvi_asprintf("report: '%s' is not an fveval results document (no \"fveval\": "
                            "{\"schema\": N} header)",
                            path);
        return -1;
    }
    json_int_t s = json_integer_value(schema);
    if (s < 1 || s > FVI_RESULTS_SCHEMA) {
        *err = fvi_asprintf("report: '%s' has results schema %lld; this fveval reads schemas 1 to %d%s",
                            path, (long long) s, FVI_RESULTS_SCHEMA, s > FVI_RESULTS_SCHEMA ? " (a newer fveval wrote it)" : "");
        return -1;
    }
    json_t *samples = doc_samples(doc);
    if (!json_is_array(samples)) {
        *err = fvi_asprintf("report: '%s' is not an fveval results document (\"samples\" is %s)", path,
                            samples ? "not a list" : "missing");
        return -1;
    }
    size_t i;
    json_t *s_obj;
    json_array_foreach(samples, i, s_obj) {
        json_t *results = json_object_get(s_obj, "results");
        if (!json_is_object(s_obj) || (results && !json_is_object(results))) {
            *err = fvi_asprintf("report: '%s': samples[%zu] is not a sample object with \"results\": {...}",
                                path, i);
            return -1;
        }
        const char *name;
        json_t *r;
        json_object_foreach(results, name, r) {
            json_t *score = json_object_get(r, "score");
            if (!json_is_object(r) || (score && !json_is_number(score) && !json_is_null(score))) {
                *err = fvi_asprintf("report: '%s': samples[%zu].results.%s is not a result "
                                    "({\"score\": number or null, ...})",
                                    path, i, name);
                return -1;
            }
        }
    }
    json_t *corpus = json_object_get(doc, "corpus");
    if (corpus && !json_is_object(corpus)) {
        *err = fvi_asprintf("report: '%s': \"corpus\" is not an object", path);
        return -1;
    }
    return 0;
}

static int load_document(const char *path, json_t **doc, char **err)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        *err = fvi_asprintf("report: cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        *err = fvi_asprintf("report: '%s' is a directory; name a results file", path);
        return -1;
    }
    FILE *fp = fopen(path, "r");
    if (!fp) {
        *err = fvi_asprintf("report: cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    json_error_t jerr;
    *doc = json_loadf(fp, 0, &jerr);
    fclose(fp);
    if (!*doc) {
        *err = fvi_asprintf("report: '%s' is not valid JSON (line %d, column %d: %s)", path, jerr.line,
                            jerr.column, jerr.text);
        return -1;
    }
    if (check_document(path, *doc, err) < 0) {
        json_decref(*doc);
        *doc = NULL;
        return -1;
    }
    return 0;
}

static const char *string_field(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void add_name(fvi_strv *names, const char *name)
{
    if (!fvi_strv_contains(names, name))
        fvi_strv_push(names, name);
}

/* Every metric of every run, in the order the runs list them. */
static void collect_metric_names(const report *rp, fvi_strv *names)
{
    for (size_t k = 0; k < rp->n_runs; k++) {
        json_t *doc = rp->runs[k].doc, *s;
        const char *name;
        json_t *v;
        json_object_foreach(json_object_get(json_object_get(doc, "run"), "metrics"), name, v) add_name(names, name);
        size_t i;
        json_array_foreach(doc_samples(doc), i, s) {
            json_object_foreach(json_object_get(s, "results"), name, v) add_name(names, name);
        }
        json_object_foreach(json_object_get(doc, "corpus"), name, v) add_name(names, name);
    }
}

/* Direction from a summary: "direction" (schema 2) or "higher_is_better" (schema 1). */
static int direction_of(const report *rp, const char *name)
{
    for (size_t k = 0; k < rp->n_runs; k++) {
        json_t *s = json_object_get(json_object_get(rp->runs[k].doc, "summary"), name);
        const char *dir = string_field(s, "direction");
        if (dir)
            return strcmp(dir, "higher") == 0 ? 1 : strcmp(dir, "lower") == 0 ? -1 : 0;
        json_t *hib = json_object_get(s, "higher_is_better");
        if (json_is_boolean(hib))
            return json_is_true(hib) ? 1 : -1;
    }
    return 0;
}

static bool metric_wanted(const char *list, const char *name)
{
    if (!list)
        return true;
    fvi_strv names = {0};
    fvi_strv_split(&names, list, ',');
    bool found = fvi_strv_contains(&names, name);
    fvi_strv_free(&names);
    return found;
}

static int select_metrics(report *rp, const char *wanted, char **err)
{
    fvi_strv all = {0};
    collect_metric_names(rp, &all);
    if (wanted) {
        fvi_strv names = {0};
        fvi_strv_split(&names, wanted, ',');
        for (size_t i = 0; i < names.n; i++)
            if (!fvi_strv_contains(&all, names.v[i])) {
                fvi_buf known = {0};
                for (size_t m = 0; m < all.n; m++)
                    fvi_buf_printf(&known, "%s%s", m ? ", " : "", all.v[m]);
                *err = fvi_asprintf("report: no metric '%s' in the results (they have: %s)", names.v[i],
                                    known.p ? known.p : "none");
                fvi_buf_free(&known);
                fvi_strv_free(&names);
                fvi_strv_free(&all);
                return -1;
            }
        fvi_strv_free(&names);
    }
    rp->metrics = fvi_xcalloc(all.n ? all.n : 1, sizeof(*rp->metrics));
    for (size_t i = 0; i < all.n; i++) {
        if (!metric_wanted(wanted, all.v[i]))
            continue;
        rmetric *m = &rp->metrics[rp->n_metrics++];
        m->name = fvi_xstrdup(all.v[i]);
        m->direction = direction_of(rp, m->name);
        for (size_t k = 0; k < rp->n_runs; k++)
            m->corpus |= json_object_get(json_object_get(rp->runs[k].doc, "corpus"), m->name) != NULL;
    }
    fvi_strv_free(&all);
    return 0;
}

static void read_cell(cell *c, json_t *j)
{
    fvi_result r;
    fvi_result_init(&r);
    fvi_result_from_json(&r, j); /* schema 1 or 2; the shape was checked */
    if (r.error) {
        c->state = CELL_ERROR;
        c->reason = fvi_xstrdup(r.error);
    } else if (r.skip) {
        c->state = CELL_SKIPPED;
        c->reason = fvi_xstrdup(r.skip);
    } else if (fvi_result_scored(&r)) {
        c->state = CELL_SCORE;
        c->score = r.score;
    } else {
        c->state = CELL_NO_SCORE;
        c->reason = fvi_xstrdup("the metric gave no finite score");
    }
    fvi_result_clear(&r);
}

static char *file_stem(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return fvi_xstrndup(base, dot && dot != base ? (size_t) (dot - base) : strlen(base));
}

static int read_samples(rrun *run, const report *rp, match_mode match_by, char **err)
{
    json_t *samples = doc_samples(run->doc), *s;
    size_t i;
    run->samples = fvi_xcalloc(json_array_size(samples) + 1, sizeof(*run->samples));
    json_array_foreach(samples, i, s) {
        const char *role = string_field(s, "role");
        if (role && strcmp(role, "reference") == 0) {
            run->n_reference++;
            continue;
        }
        rsample *rs = &run->samples[run->n_samples++];
        json_t *index = json_object_get(s, "index");
        rs->index = json_is_integer(index) ? (long long) json_integer_value(index) : (long long) i;
        const char *video = string_field(s, "video"), *prompt = string_field(s, "text_prompt");
        const char *ref = string_field(s, "reference");
        const char *label = video ? video : string_field(s, "audio") ? string_field(s, "audio") : prompt;
        rs->label = label ? fvi_xstrdup(label) : fvi_asprintf("#%lld", rs->index);
        if (prompt || ref)
            rs->detail = fvi_asprintf("%s%s%s%s", prompt ? "prompt: " : "", prompt ? prompt : "",
                                      prompt && ref ? "\n" : "", ref ? "reference: " : "");
        if (ref) {
            char *d = fvi_asprintf("%s%s", rs->detail, ref);
            free(rs->detail);
            rs->detail = d;
        }
        if (match_by == MATCH_INDEX) {
            rs->key = fvi_asprintf("%lld", rs->index);
        } else if (!video) {
            *err = fvi_asprintf("report: '%s': samples[%zu] has no \"video\" to match by; use --match index",
                                run->label, i);
            return -1;
        } else {
            rs->key = match_by == MATCH_VIDEO ? fvi_xstrdup(video) : file_stem(video);
        }
        size_t w;
        json_t *warning;
        json_array_foreach(json_object_get(s, "warnings"), w, warning) {
            if (json_is_string(warning))
                fvi_strv_push(&rs->warnings, json_string_value(warning));
        }
        rs->cells = fvi_xcalloc(rp->n_metrics ? rp->n_metrics : 1, sizeof(*rs->cells));
        json_t *results = json_object_get(s, "results");
        for (size_t m = 0; m < rp->n_metrics; m++) {
            json_t *r = json_object_get(results, rp->metrics[m].name);
            if (r) {
                read_cell(&rs->cells[m], r);
                rp->metrics[m].per_sample = true;
            }
        }
    }
    return 0;
}

/* Match samples across runs by their key; a key twice in one run cannot be matched. */
static int match_rows(report *rp, const char *match_name, char **err)
{
    json_t *row_of = json_object();
    size_t cap = 0;
    int rc = 0;
    for (size_t k = 0; k < rp->n_runs && !rc; k++) {
        const rrun *run = &rp->runs[k];
        for (size_t i = 0; i < run->n_samples; i++) {
            const char *key = run->samples[i].key;
            json_t *r = json_object_get(row_of, key);
            size_t row = r ? (size_t) json_integer_value(r) : rp->n_rows;
            if (!r) {
                if (rp->n_rows == cap) {
                    cap = cap ? cap * 2 : 64;
                    rp->rows = fvi_xrealloc(rp->rows, cap * rp->n_runs * sizeof(*rp->rows));
                }
                memset(rp->rows + row * rp->n_runs, 0, rp->n_runs * sizeof(*rp->rows));
                rp->n_rows++;
                json_object_set_new(row_of, key, json_integer((json_int_t) row));
            }
            size_t *slot = &rp->rows[row * rp->n_runs + k];
            if (*slot) {
                *err = fvi_asprintf("report: '%s': samples %lld and %lld have the same %s '%s', so they "
                                    "cannot be matched with the other files; use --match index",
                                    run->label, run->samples[*slot - 1].index, run->samples[i].index,
                                    match_name, key);
                rc = -1;
                break;
            }
            *slot = i + 1;
        }
    }
    json_decref(row_of);
    return rc;
}

static void report_free(report *rp)
{
    for (size_t k = 0; k < rp->n_runs; k++) {
        rrun *run = &rp->runs[k];
        for (size_t i = 0; i < run->n_samples; i++) {
            rsample *s = &run->samples[i];
            for (size_t m = 0; s->cells && m < rp->n_metrics; m++)
                free(s->cells[m].reason);
            free(s->cells);
            free(s->label);
            free(s->detail);
            free(s->key);
            fvi_strv_free(&s->warnings);
        }
        free(run->samples);
        json_decref(run->doc);
    }
    free(rp->runs);
    for (size_t m = 0; m < rp->n_metrics; m++)
        free(rp->metrics[m].name);
    free(rp->metrics);
    free(rp->rows);
    memset(rp, 0, sizeof(*rp));
}

/* ---- statistics --------------------------------------------------------------------- */

/* One run's scores of one metric: as the results' summary (population std), plus the median. */
typedef struct stats {
    size_t n, skipped, errors; /* skipped counts errors too, as the summary does */
    double mean, std, min, max, median;
    double *values; /* sorted */
} stats;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static void stats_of(const rrun *run, size_t m, stats *st)
{
    memset(st, 0, sizeof(*st));
    st->values = fvi_xcalloc(run->n_samples + 1, sizeof(double));
    double sum = 0;
    for (size_t i = 0; i < run->n_samples; i++) {
        const cell *c = &run->samples[i].cells[m];
        if (c->state == CELL_SCORE) {
            st->values[st->n++] = c->score;
            sum += c->score;
        } else if (c->state != CELL_ABSENT) {
            st->skipped++;
            st->errors += c->state == CELL_ERROR;
        }
    }
    st->mean = st->std = st->min = st->max = st->median = NAN;
    if (!st->n)
        return;
    qsort(st->values, st->n, sizeof(double), cmp_double);
    st->mean = sum / (double) st->n;
    double ss = 0;
    for (size_t i = 0; i < st->n; i++)
        ss += (st->values[i] - st->mean) * (st->values[i] - st->mean);
    st->std = sqrt(ss / (double) st->n);
    st->min = st->values[0];
    st->max = st->values[st->n - 1];
    st->median = st->n % 2 ? st->values[st->n / 2] : (st->values[st->n / 2 - 1] + st->values[st->n / 2]) / 2;
}

/* Relative difference beyond which two scores count as different (float noise is not a change). */
#define DIFF_TOLERANCE 1e-6

static bool differs(double a, double b)
{
    return fabs(a - b) > DIFF_TOLERANCE * fmax(fabs(a), fabs(b));
}

/* "better", "worse" (by the metric's direction) or "diff" (no direction) when b differs from a. */
static const char *change_class(double a, double b, int direction)
{
    if (!differs(a, b))
        return NULL;
    if (!direction)
        return "diff";
    return (b - a) * direction > 0 ? "better" : "worse";
}

/* ---- the page ------------------------------------------------------------------------- */

static const char page_css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1400px;"
    "padding:0 16px;color:#222}\n"
    "h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd}\n"
    "table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;"
    "vertical-align:top;text-align:left}th{background:#f4f4f4}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}.wrap{overflow-x:auto}\n"
    "td.long{max-width:28em;overflow-wrap:anywhere}\n"
    ".sw{display:inline-block;width:10px;height:10px;margin-right:6px;vertical-align:baseline}\n"
    ".better{background:#d8f0d8}.worse{background:#f8d7d6}.diff{background:#fff0bf}\n"
    ".st-skipped,.st-no-score{color:#777;font-style:italic}.st-error{color:#b00020}.absent{color:#aaa}\n"
    ".sub{color:#666;font-size:12px}.note{color:#555}\n"
    "figure{margin:12px 24px 12px 0;display:inline-block;vertical-align:top;max-width:820px}\n"
    "figure img{width:100%;height:auto;border:1px solid #eee}figcaption{margin-top:4px}\n"
    ".controls{margin:6px 0}.controls input{width:20em;margin-right:12px}.controls button{margin:0 2px}\n"
    ".controls .info{margin-left:10px;color:#555}\n"
    "th.sortable{cursor:pointer;user-select:none}th.asc::after{content:' \\25B2'}"
    "th.desc::after{content:' \\25BC'}th.group{text-align:center}\n";

/*
 * The tables' script: pages, sorting (numbers first, then skips and errors,
 * then absent results), filtering, and the highlighting of runs 2.. against
 * run 1.  The rows are data in a JSON script element, so a page stays small
 * and quick with 10 000 samples: only one page of rows is ever in the DOM.
 */
static const char page_js[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var data = JSON.parse(document.getElementById('fveval-data').textContent);\n"
    "  var tol = data.tol;\n"
    "  function isNum(v) { return typeof v === 'number'; }\n"
    "  function fmt(v) {\n"
    "    var a = Math.abs(v);\n"
    "    if (a !== 0 && (a >= 1e6 || a < 1e-4)) return v.toExponential(4);\n"
    "    return String(Number(v.toPrecision(6)));\n"
    "  }\n"
    "  function differs(a, b) { return Math.abs(a - b) > tol * Math.max(Math.abs(a), Math.abs(b)); }\n"
    "  function judge(d, dir) { return dir === 0 ? 'diff' : d * dir > 0 ? 'better' : 'worse'; }\n"
    "  function highlight(col, row) {\n"
    "    var v = row[col.i], b;\n"
    "    if (col.t === 'delta') return isNum(v) && differs(row[col.a], row[col.b]) ? judge(v, col.dir) : '';\n"
    "    if (col.base === undefined) return '';\n"
    "    b = row[col.base];\n"
    "    if (isNum(v) && isNum(b)) return differs(v, b) ? judge(v - b, col.dir) : '';\n"
    "    return JSON.stringify(v) === JSON.stringify(b) ? '' : 'diff';\n"
    "  }\n"
    "  function el(tag, cls, text) {\n"
    "    var e = document.createElement(tag);\n"
    "    if (cls) e.className = cls;\n"
    "    if (text !== undefined) e.textContent = text;\n"
    "    return e;\n"
    "  }\n"
    "  function fill(td, col, v) {\n"
    "    if (col.t === 'text') {\n"
    "      if (Array.isArray(v)) { td.textContent = v[0]; td.title = v[1]; } else td.textContent = v === null ? '' : String(v);\n"
    "      return col.long ? 'long' : '';\n"
    "    }\n"
    "    if (isNum(v)) { td.textContent = col.t === 'num' ? String(v) : fmt(v); td.title = String(v); return 'num'; }\n"
    "    if (Array.isArray(v)) { td.textContent = v[0]; td.title = v[1]; return 'st-' + v[0].replace(' ', '-'); }\n"
    "    td.textContent = '\\u2014'; td.title = 'no result in this run'; return 'absent';\n"
    "  }\n"
    "  function sortValue(col, v) { return col.t === 'text' && Array.isArray(v) ? v[0] : v; }\n"
    "  function rank(v) { return isNum(v) || typeof v === 'string' ? 0 : Array.isArray(v) ? 1 : 2; }\n"
    "  function Table(spec) {\n"
    "    var root = document.getElementById(spec.id), cols = spec.cols, rows = spec.rows;\n"
    "    var state = { col: -1, desc: false, page: 0, filter: '' }, view = [], searchText = [];\n"
    "    cols.forEach(function (c, i) { c.i = i; });\n"
    "    rows.forEach(function (r) {\n"
    "      searchText.push(r.map(function (v) {\n"
    "        return Array.isArray(v) ? v.join(' ') : typeof v === 'string' ? v : '';\n"
    "      }).join(' ').toLowerCase());\n"
    "    });\n"
    "    var controls = el('div', 'controls'), search = el('input');\n"
    "    search.type = 'search';\n"
    "    search.placeholder = 'filter: sample, metric, reason';\n"
    "    search.addEventListener('input', function () { state.filter = search.value.trim().toLowerCase(); apply(); });\n"
    "    controls.appendChild(search);\n"
    "    var buttons = [['\\u00ab', 'first page'], ['\\u2039', 'previous page'], ['\\u203a', 'next page'],\n"
    "                   ['\\u00bb', 'last page']].map(function (b, i) {\n"
    "      var button = el('button', '', b[0]);\n"
    "      button.type = 'button';\n"
    "      button.title = b[1];\n"
    "      button.addEventListener('click', function () {\n"
    "        var last = Math.max(0, Math.ceil(view.length / spec.page) - 1);\n"
    "        state.page = [0, state.page - 1, state.page + 1, last][i];\n"
    "        render();\n"
    "      });\n"
    "      controls.appendChild(button);\n"
    "      return button;\n"
    "    });\n"
    "    var info = el('span', 'info');\n"
    "    controls.appendChild(info);\n"
    "    var wrap = el('div', 'wrap'), table = el('table', 'data'), thead = el('thead'), tbody = el('tbody');\n"
    "    if (cols.some(function (c) { return c.g; })) {\n"
    "      var group = el('tr');\n"
    "      for (var i = 0, j; i < cols.length; i = j) {\n"
    "        for (j = i; j < cols.length && cols[j].g === cols[i].g;) j++;\n"
    "        var gh = el('th', 'group', cols[i].g || '');\n"
    "        gh.colSpan = j - i;\n"
    "        group.appendChild(gh);\n"
    "      }\n"
    "      thead.appendChild(group);\n"
    "    }\n"
    "    var head = el('tr'), ths = cols.map(function (c) {\n"
    "      var th = el('th', 'sortable', c.h);\n"
    "      th.title = 'sort by ' + (c.g ? c.g + ', ' : '') + c.h + ' (click again to reverse)';\n"
    "      th.addEventListener('click', function () {\n"
    "        state.desc = state.col === c.i ? !state.desc : false;\n"
    "        state.col = c.i;\n"
    "        apply();\n"
    "      });\n"
    "      head.appendChild(th);\n"
    "      return th;\n"
    "    });\n"
    "    thead.appendChild(head);\n"
    "    table.appendChild(thead);\n"
    "    table.appendChild(tbody);\n"
    "    wrap.appendChild(table);\n"
    "    root.appendChild(controls);\n"
    "    root.appendChild(wrap);\n"
    "    function compare(a, b) {\n"
    "      var c = cols[state.col], va = sortValue(c, rows[a][c.i]), vb = sortValue(c, rows[b][c.i]);\n"
    "      var ra = rank(va), rb = rank(vb), d = 0;\n"
    "      if (ra !== rb) return ra - rb;\n"
    "      if (ra === 0) d = isNum(va) && isNum(vb) ? va - vb : String(va).localeCompare(String(vb));\n"
    "      else if (ra === 1) d = String(va[0]).localeCompare(String(vb[0]));\n"
    "      if (state.desc) d = -d;\n"
    "      return d || a - b;\n"
    "    }\n"
    "    function apply() {\n"
    "      view = [];\n"
    "      for (var i = 0; i < rows.length; i++)\n"
    "        if (!state.filter || searchText[i].indexOf(state.filter) >= 0) view.push(i);\n"
    "      if (state.col >= 0) view.sort(compare);\n"
    "      state.page = 0;\n"
    "      render();\n"
    "    }\n"
    "    function render() {\n"
    "      var pages = Math.max(1, Math.ceil(view.length / spec.page));\n"
    "      state.page = Math.min(Math.max(state.page, 0), pages - 1);\n"
    "      var start = state.page * spec.page, end = Math.min(view.length, start + spec.page);\n"
    "      var body = el('tbody');\n"
    "      for (var k = start; k < end; k++) {\n"
    "        var row = rows[view[k]], tr = el('tr');\n"
    "        for (var i = 0; i < cols.length; i++) {\n"
    "          var td = el('td'), cls = fill(td, cols[i], row[i]), h = highlight(cols[i], row);\n"
    "          td.className = (cls + ' ' + h).trim();\n"
    "          tr.appendChild(td);\n"
    "        }\n"
    "        body.appendChild(tr);\n"
    "      }\n"
    "      table.replaceChild(body, tbody);\n"
    "      tbody = body;\n"
    "      info.textContent = (view.length ? 'rows ' + (start + 1) + '\\u2013' + end + ' of ' + view.length\n"
    "                                      : 'no rows match') +\n"
    "        (view.length < rows.length ? ' (filtered from ' + rows.length + ')' : '') +\n"
    "        ', page ' + (state.page + 1) + ' of ' + pages;\n"
    "      ths.forEach(function (th, i) {\n"
    "        th.className = 'sortable' + (i === state.col ? (state.desc ? ' desc' : ' asc') : '');\n"
    "      });\n"
    "      buttons[0].disabled = buttons[1].disabled = state.page === 0;\n"
    "      buttons[2].disabled = buttons[3].disabled = state.page >= pages - 1;\n"
    "    }\n"
    "    apply();\n"
    "  }\n"
    "  data.tables.forEach(Table);\n"
    "})();\n";

static void swatch(fvi_buf *b, size_t run)
{
    fvi_buf_printf(b, "<span class=\"sw\" style=\"background:#%06x\"></span>",
                   fvi_report_colours[run % FVI_REPORT_N_COLOURS]);
}

/* "run 2" in headers; the legend at the top names its file. */
static void run_heading(fvi_buf *b, const report *rp, size_t k)
{
    swatch(b, k);
    if (rp->n_runs > 1)
        fvi_buf_printf(b, "run %zu", k + 1);
    else
        html_escaped(b, rp->runs[k].label);
}

/* A number for a person (%.6g), the exact value in its title. */
static void number_html(fvi_buf *b, double v)
{
    char exact[FVI_DOUBLE_BUFSZ];
    fvi_buf_printf(b, "<span title=\"%s\">%.6g</span>", fvi_format_double(exact, v), v);
}

static const char *direction_text(int direction)
{
    return direction > 0 ? "higher" : direction < 0 ? "lower" : "-";
}

static void write_runs(fvi_buf *b, const report *rp)
{
    fvi_buf_puts(b, "<ol class=\"runs\">\n");
    for (size_t k = 0; k < rp->n_runs; k++) {
        const rrun *run = &rp->runs[k];
        fvi_buf_puts(b, "<li>");
        swatch(b, k);
        fvi_buf_puts(b, "<code>");
        html_escaped(b, run->label);
        fvi_buf_printf(b, "</code>: %zu samples", run->n_samples);
        if (run->n_reference)
            fvi_buf_printf(b, " and %zu reference-only samples (set metrics only)", run->n_reference);
        fvi_buf_puts(b, "</li>\n");
    }
    fvi_buf_puts(b, "</ol>\n");
}

/* The corpus result of a metric in a run, for the summary table. */
static void corpus_html(fvi_buf *b, const rrun *run, const rrun *base, const rmetric *m)
{
    json_t *j = json_object_get(json_object_get(run->doc, "corpus"), m->name);
    if (!j) {
        fvi_buf_puts(b, "<td class=\"absent\">&mdash;</td>");
        return;
    }
    cell c = {0}, cb = {0};
    read_cell(&c, j);
    json_t *jb = base ? json_object_get(json_object_get(base->doc, "corpus"), m->name) : NULL;
    if (jb)
        read_cell(&cb, jb);
    if (c.state == CELL_SCORE) {
        const char *cls = cb.state == CELL_SCORE ? change_class(cb.score, c.score, m->direction) : base && jb ? "diff" : NULL;
        fvi_buf_printf(b, "<td class=\"num%s%s\"><b>", cls ? " " : "", cls ? cls : "");
        number_html(b, c.score);
        fvi_buf_puts(b, "</b>");
        if (cb.state == CELL_SCORE) {
            fvi_buf_puts(b, "<div class=\"sub\">&Delta; ");
            number_html(b, c.score - cb.score);
            fvi_buf_puts(b, "</div>");
        }
        fvi_buf_puts(b, "</td>");
    } else {
        fvi_buf_printf(b, "<td class=\"st-%s%s\">%s: ", c.state == CELL_ERROR ? "error" : "skipped",
                       base && cb.state != c.state ? " diff" : "", cell_kind[c.state]);
        html_escaped(b, c.reason);
        fvi_buf_puts(b, "</td>");
    }
    free(c.reason);
    free(cb.reason);
}

static void write_summary(fvi_buf *b, const report *rp, stats *st)
{
    fvi_buf_puts(b, "<h2 id=\"summary\">Summary</h2>\n");
    if (!rp->n_metrics) {
        fvi_buf_puts(b, "<p>No metrics in the results.</p>\n");
        return;
    }
    fvi_buf_puts(b, "<p class=\"note\">Per-sample metrics: mean &plusmn; standard deviation (population, as "
                    "the results' summary) over the scored samples; skipped counts every sample "
                    "without a score, errors included.");
    if (rp->n_runs > 1)
        fvi_buf_printf(b, " &Delta;: the difference from run 1; green is better, red worse by the metric's "
                          "direction, yellow a difference where the metric has none (relative tolerance %g).",
                       DIFF_TOLERANCE);
    fvi_buf_puts(b, "</p>\n<div class=\"wrap\"><table class=\"summary\">\n<thead><tr><th>metric</th>"
                    "<th>better</th>");
    for (size_t k = 0; k < rp->n_runs; k++) {
        fvi_buf_puts(b, "<th>");
        run_heading(b, rp, k);
        fvi_buf_puts(b, "</th>");
    }
    fvi_buf_puts(b, "</tr></thead>\n<tbody>\n");
    for (size_t m = 0; m < rp->n_metrics; m++) {
        const rmetric *mt = &rp->metrics[m];
        if (mt->per_sample) {
            fvi_buf_puts(b, "<tr><th>");
            html_escaped(b, mt->name);
            fvi_buf_printf(b, "</th><td>%s</td>", direction_text(mt->direction));
            for (size_t k = 0; k < rp->n_runs; k++) {
                const stats *s = &st[m * rp->n_runs + k], *s0 = &st[m * rp->n_runs];
                const char *cls = k && s->n && s0->n ? change_class(s0->mean, s->mean, mt->direction) : NULL;
                if (k && (s->n != 0) != (s0->n != 0))
                    cls = "diff";
                fvi_buf_printf(b, "<td class=\"num%s%s\" data-run=\"%zu\">", cls ? " " : "", cls ? cls : "", k + 1);
                if (s->n) {
                    fvi_buf_puts(b, "<b>");
                    number_html(b, s->mean);
                    fvi_buf_puts(b, "</b> &plusmn; ");
                    number_html(b, s->std);
                } else {
                    fvi_buf_puts(b, "no scores");
                }
                bool counts_differ = k && (s->n != s0->n || s->skipped != s0->skipped);
                fvi_buf_printf(b, "<div class=\"sub%s\">n=%zu, skipped=%zu, errors=%zu</div>",
                               counts_differ ? " diff" : "", s->n, s->skipped, s->errors);
                if (k && s->n && s0->n) {
                    fvi_buf_puts(b, "<div class=\"sub\">&Delta; mean ");
                    number_html(b, s->mean - s0->mean);
                    fvi_buf_puts(b, "</div>");
                }
                fvi_buf_puts(b, "</td>");
            }
            fvi_buf_puts(b, "</tr>\n");
        }
        if (mt->corpus) {
            fvi_buf_puts(b, "<tr><th>");
            html_escaped(b, mt->name);
            fvi_buf_printf(b, "%s</th><td>%s</td>", mt->per_sample ? " (corpus)" : "", direction_text(mt->direction));
            for (size_t k = 0; k < rp->n_runs; k++)
                corpus_html(b, &rp->runs[k], k ? &rp->runs[0] : NULL, mt);
            fvi_buf_puts(b, "</tr>\n");
        }
    }
    fvi_buf_puts(b, "</tbody></table></div>\n");
}

static int chart_height(size_t n_runs, int width)
{
    return (int) lround((320 + 26.0 * (double) n_runs) * width / 800.0);
}

static const char *x_label_of(const rmetric *m)
{
    return m->direction > 0 ? "score (higher is better)" : m->direction < 0 ? "score (lower is better)" : "score";
}

/* The histogram of metric @p m over every run. */
static int draw_metric(const report *rp, stats *st, size_t m, int width, int height, fvi_chart_format format,
                       fvi_buf *out, char **err)
{
    fvi_chart_series *series = fvi_xcalloc(rp->n_runs, sizeof(*series));
    for (size_t k = 0; k < rp->n_runs; k++) {
        const stats *s = &st[m * rp->n_runs + k];
        series[k] = (fvi_chart_series){rp->runs[k].label, s->values, s->n, s->mean, s->std};
    }
    int rc = fvi_chart_histogram(rp->metrics[m].name, x_label_of(&rp->metrics[m]), series, rp->n_runs, width,
                                 height, format, out, err);
    free(series);
    return rc;
}

static void stat_cell(fvi_buf *b, size_t n, double v)
{
    fvi_buf_puts(b, "<td class=\"num\">");
    if (n)
        number_html(b, v);
    else
        fvi_buf_puts(b, "&mdash;");
    fvi_buf_puts(b, "</td>");
}

static int write_charts(fvi_buf *b, const report *rp, stats *st, char **err)
{
    fvi_buf_puts(b, "<h2 id=\"charts\">Score distributions</h2>\n");
    size_t shown = 0;
    for (size_t m = 0; m < rp->n_metrics; m++) {
        const rmetric *mt = &rp->metrics[m];
        if (!mt->per_sample)
            continue;
        shown++;
        fvi_buf svg = {0};
        if (draw_metric(rp, st, m, 800, chart_height(rp->n_runs, 800), FVI_CHART_SVG, &svg, err) < 0)
            return -1;
        fvi_buf_puts(b, "<figure class=\"chart\" data-metric=\"");
        html_escaped(b, mt->name);
        fvi_buf_puts(b, "\"><img alt=\"histogram of ");
        html_escaped(b, mt->name);
        fvi_buf_puts(b, " per-sample scores\" src=\"data:image/svg+xml;base64,");
        base64(b, (const unsigned char *) svg.p, svg.len);
        fvi_buf_free(&svg);
        fvi_buf_puts(b, "\"><figcaption><table><thead><tr><th></th><th>n</th><th>mean</th><th>std</th>"
                        "<th>min</th><th>median</th><th>max</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < rp->n_runs; k++) {
            const stats *s = &st[m * rp->n_runs + k];
            fvi_buf_puts(b, "<tr><td>");
            run_heading(b, rp, k);
            fvi_buf_printf(b, "</td><td class=\"num\">%zu</td>", s->n);
            stat_cell(b, s->n, s->mean);
            stat_cell(b, s->n, s->std);
            stat_cell(b, s->n, s->min);
            stat_cell(b, s->n, s->median);
            stat_cell(b, s->n, s->max);
            fvi_buf_puts(b, "</tr>\n");
        }
        fvi_buf_puts(b, "</tbody></table></figcaption></figure>\n");
    }
    if (!shown)
        fvi_buf_puts(b, "<p>No per-sample scores (set metrics have corpus results only; see the summary).</p>\n");
    else
        fvi_buf_printf(b, "<p class=\"note\">Bars: samples per score bin (%d to %d bins, every scored sample); "
                          "dashed line: the mean; the bar above: mean &plusmn; one standard deviation.</p>\n",
                       FVI_CHART_MIN_BINS, FVI_CHART_MAX_BINS);
    return 0;
}

/* ---- tables (data for the page's script) ------------------------------------------------ */

static json_t *col_spec(const char *type, const char *heading, const char *group)
{
    json_t *c = json_pack("{s:s, s:s}", "t", type, "h", heading);
    if (group)
        json_object_set_new(c, "g", json_string(group));
    return c;
}

static json_t *cell_json(const cell *c)
{
    if (c->state == CELL_SCORE)
        return json_real(c->score);
    if (c->state == CELL_ABSENT)
        return json_null();
    return json_pack("[s, s]", cell_kind[c->state], c->reason);
}

static json_t *table_spec(const char *id, json_t *cols, json_t *rows, int page_size)
{
    return json_pack("{s:s, s:i, s:o, s:o}", "id", id, "page", page_size, "cols", cols, "rows", rows);
}

static const rsample *row_sample(const report *rp, size_t row, size_t k)
{
    size_t i = rp->rows[row * rp->n_runs + k];
    return i ? &rp->runs[k].samples[i - 1] : NULL;
}

/* The sample column: its label, and each run's inputs in the tooltip when they differ. */
static json_t *sample_label_json(const report *rp, size_t row)
{
    const rsample *first = NULL;
    fvi_buf tip = {0};
    for (size_t k = 0; k < rp->n_runs; k++) {
        const rsample *s = row_sample(rp, row, k);
        if (!s)
            continue;
        if (!first) {
            first = s;
            if (s->detail)
                fvi_buf_puts(&tip, s->detail);
        } else if (strcmp(s->label, first->label) != 0) {
            fvi_buf_printf(&tip, "%srun %zu: %s", tip.len ? "\n" : "", k + 1, s->label);
        }
    }
    json_t *j = tip.len ? json_pack("[s, s]", first->label, tip.p) : json_string(first->label);
    fvi_buf_free(&tip);
    return j;
}

static json_t *samples_table(const report *rp, int page_size)
{
    json_t *cols = json_array(), *rows = json_array();
    size_t K = rp->n_runs;
    json_array_append_new(cols, col_spec("num", "#", NULL));
    json_t *sample_col = col_spec("text", "sample", NULL);
    json_object_set_new(sample_col, "long", json_true());
    json_array_append_new(cols, sample_col);
    for (size_t m = 0; m < rp->n_metrics; m++) {
        const rmetric *mt = &rp->metrics[m];
        if (!mt->per_sample)
            continue;
        size_t base = json_array_size(cols);
        for (size_t k = 0; k < K; k++) {
            char heading[32];
            snprintf(heading, sizeof(heading), "run %zu", k + 1);
            json_t *c = col_spec("score", K > 1 ? heading : mt->name, K > 1 ? mt->name : NULL);
            json_object_set_new(c, "dir", json_integer(mt->direction));
            if (k)
                json_object_set_new(c, "base", json_integer((json_int_t) base));
            json_array_append_new(cols, c);
        }
        for (size_t k = 1; k < K; k++) {
            char heading[48];
            snprintf(heading, sizeof(heading), "\xce\x94 %zu\xe2\x88\x92" "1", k + 1); /* "Δ 2−1" */
            json_t *c = col_spec("delta", heading, mt->name);
            json_object_set_new(c, "dir", json_integer(mt->direction));
            json_object_set_new(c, "a", json_integer((json_int_t) base));
            json_object_set_new(c, "b", json_integer((json_int_t) (base + k)));
            json_array_append_new(cols, c);
        }
    }
    for (size_t r = 0; r < rp->n_rows; r++) {
        json_t *row = json_array();
        const rsample *first = NULL;
        for (size_t k = 0; k < K && !first; k++)
            first = row_sample(rp, r, k);
        json_array_append_new(row, json_integer(first->index));
        json_array_append_new(row, sample_label_json(rp, r));
        for (size_t m = 0; m < rp->n_metrics; m++) {
            if (!rp->metrics[m].per_sample)
                continue;
            for (size_t k = 0; k < K; k++) {
                const rsample *s = row_sample(rp, r, k);
                json_array_append_new(row, s ? cell_json(&s->cells[m]) : json_null());
            }
            const rsample *s0 = row_sample(rp, r, 0);
            for (size_t k = 1; k < K; k++) {
                const rsample *s = row_sample(rp, r, k);
                bool both = s0 && s && s0->cells[m].state == CELL_SCORE && s->cells[m].state == CELL_SCORE;
                json_array_append_new(row, both ? json_real(s->cells[m].score - s0->cells[m].score) : json_null());
            }
        }
        json_array_append_new(rows, row);
    }
    return table_spec("samples-table", cols, rows, page_size);
}

/* Skipped and failed results and sample warnings, one row each. */
static json_t *problems_table(const report *rp, int page_size, size_t *counts /* per run: skipped, errors, warnings */)
{
    json_t *cols = json_array(), *rows = json_array();
    if (rp->n_runs > 1)
        json_array_append_new(cols, col_spec("num", "run", NULL));
    json_array_append_new(cols, col_spec("num", "#", NULL));
    json_t *sample_col = col_spec("text", "sample", NULL);
    json_object_set_new(sample_col, "long", json_true());
    json_array_append_new(cols, sample_col);
    json_array_append_new(cols, col_spec("text", "metric", NULL));
    json_array_append_new(cols, col_spec("text", "kind", NULL));
    json_t *reason_col = col_spec("text", "reason", NULL);
    json_object_set_new(reason_col, "long", json_true());
    json_array_append_new(cols, reason_col);
    for (size_t k = 0; k < rp->n_runs; k++) {
        const rrun *run = &rp->runs[k];
        for (size_t i = 0; i < run->n_samples; i++) {
            const rsample *s = &run->samples[i];
            for (size_t m = 0; m < rp->n_metrics + s->warnings.n; m++) {
                const char *metric = "", *kind = "warning", *reason;
                if (m < rp->n_metrics) {
                    const cell *c = &s->cells[m];
                    if (c->state == CELL_SCORE || c->state == CELL_ABSENT)
                        continue;
                    metric = rp->metrics[m].name;
                    kind = cell_kind[c->state];
                    reason = c->reason;
                    counts[k * 3 + (c->state == CELL_ERROR)]++;
                } else {
                    reason = s->warnings.v[m - rp->n_metrics];
                    counts[k * 3 + 2]++;
                }
                json_t *row = json_array();
                if (rp->n_runs > 1)
                    json_array_append_new(row, json_integer((json_int_t) k + 1));
                json_array_append_new(row, json_integer(s->index));
                json_array_append_new(row, s->detail ? json_pack("[s, s]", s->label, s->detail) : json_string(s->label));
                json_array_append_new(row, json_string(metric));
                json_array_append_new(row, json_string(kind));
                json_array_append_new(row, json_string(reason));
                json_array_append_new(rows, row);
            }
        }
    }
    return table_spec("problems-table", cols, rows, page_size);
}

/* The list of problems pages shorter than the samples table: it comes first, and is a detail. */
#define PROBLEMS_PAGE 20
/* Distinct reasons listed with their counts (the most frequent); the rest are in the list below them. */
#define MAX_REASONS 30

typedef struct reason_group {
    const char *key;
    json_t *counts;
    size_t first, total;
} reason_group;

static int cmp_reason_group(const void *a, const void *b)
{
    const reason_group *x = a, *y = b;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

/* Skips and errors grouped by metric and reason, with a count per run: what went wrong, at a glance. */
static void write_reasons(fvi_buf *b, const report *rp)
{
    json_t *groups = json_object(); /* "metric\x1fkind\x1freason" -> [count per run] */
    for (size_t k = 0; k < rp->n_runs; k++)
        for (size_t i = 0; i < rp->runs[k].n_samples; i++)
            for (size_t m = 0; m < rp->n_metrics; m++) {
                const cell *c = &rp->runs[k].samples[i].cells[m];
                if (c->state == CELL_SCORE || c->state == CELL_ABSENT)
                    continue;
                char *key = fvi_asprintf("%s\x1f%s\x1f%s", rp->metrics[m].name, cell_kind[c->state], c->reason);
                json_t *counts = json_object_get(groups, key);
                if (!counts) {
                    counts = json_array();
                    for (size_t r = 0; r < rp->n_runs; r++)
                        json_array_append_new(counts, json_integer(0));
                    json_object_set_new(groups, key, counts);
                }
                json_t *n = json_array_get(counts, k);
                json_integer_set(n, json_integer_value(n) + 1);
                free(key);
            }
    /* Most frequent first; ties in order of first appearance. */
    size_t total = json_object_size(groups), n = 0;
    reason_group *order = fvi_xcalloc(total + 1, sizeof(*order));
    const char *key;
    json_t *counts;
    json_object_foreach(groups, key, counts) {
        order[n] = (reason_group){key, counts, n, 0};
        for (size_t k = 0; k < rp->n_runs; k++)
            order[n].total += (size_t) json_integer_value(json_array_get(counts, k));
        n++;
    }
    qsort(order, n, sizeof(*order), cmp_reason_group);
    fvi_buf_puts(b, "<div class=\"wrap\"><table class=\"reasons\">\n<thead><tr><th>metric</th><th>kind</th>"
                    "<th>reason</th>");
    for (size_t k = 0; k < rp->n_runs; k++) {
        fvi_buf_puts(b, "<th>");
        run_heading(b, rp, k);
        fvi_buf_puts(b, "</th>");
    }
    fvi_buf_puts(b, "</tr></thead>\n<tbody>\n");
    for (size_t g = 0; g < n && g < MAX_REASONS; g++) {
        key = order[g].key;
        counts = order[g].counts;
        const char *kind = strchr(key, '\x1f') + 1, *reason = strchr(kind, '\x1f') + 1;
        char *metric = fvi_xstrndup(key, (size_t) (kind - 1 - key)), *kind_s = fvi_xstrndup(kind, (size_t) (reason - 1 - kind));
        fvi_buf_puts(b, "<tr><td>");
        html_escaped(b, metric);
        fvi_buf_printf(b, "</td><td class=\"st-%s\">%s</td><td class=\"long\">", strcmp(kind_s, "error") == 0 ? "error" : "skipped",
                       kind_s);
        html_escaped(b, reason);
        fvi_buf_puts(b, "</td>");
        for (size_t k = 0; k < rp->n_runs; k++)
            fvi_buf_printf(b, "<td class=\"num\">%lld</td>", (long long) json_integer_value(json_array_get(counts, k)));
        fvi_buf_puts(b, "</tr>\n");
        free(metric);
        free(kind_s);
    }
    fvi_buf_puts(b, "</tbody></table></div>\n");
    if (total > MAX_REASONS)
        fvi_buf_printf(b, "<p class=\"note\">%zu more distinct reasons in the list below.</p>\n", total - MAX_REASONS);
    free(order);
    json_decref(groups);
}

static void write_problems(fvi_buf *b, const report *rp, json_t *tables)
{
    size_t *counts = fvi_xcalloc(rp->n_runs * 3, sizeof(*counts));
    json_t *spec = problems_table(rp, PROBLEMS_PAGE, counts);
    fvi_buf_puts(b, "<h2 id=\"problems\">Skipped and failed samples</h2>\n<ul>\n");
    for (size_t k = 0; k < rp->n_runs; k++) {
        fvi_buf_puts(b, "<li>");
        run_heading(b, rp, k);
        fvi_buf_printf(b, ": <span class=\"count\" data-run=\"%zu\">%zu skipped, %zu failed, %zu warnings</span></li>\n",
                       k + 1, counts[k * 3], counts[k * 3 + 1], counts[k * 3 + 2]);
    }
    fvi_buf_puts(b, "</ul>\n");
    if (json_array_size(json_object_get(spec, "rows"))) {
        write_reasons(b, rp);
        fvi_buf_printf(b, "<p class=\"note\">Every skipped or failed result and every sample warning, %d a "
                          "page:</p>\n<div id=\"problems-table\"></div>\n",
                       PROBLEMS_PAGE);
        json_array_append_new(tables, spec);
    } else {
        size_t n_samples = 0;
        for (size_t k = 0; k < rp->n_runs; k++)
            n_samples += rp->runs[k].n_samples;
        fvi_buf_puts(b, n_samples ? "<p>Every sample was scored by every metric, without warnings.</p>\n"
                                  : "<p>No samples.</p>\n");
        json_decref(spec);
    }
    free(counts);
}

static void write_samples(fvi_buf *b, const report *rp, json_t *tables, int page_size)
{
    fvi_buf_puts(b, "<h2 id=\"samples\">Per-sample scores</h2>\n");
    size_t n_ref = 0;
    for (size_t k = 0; k < rp->n_runs; k++)
        n_ref += rp->runs[k].n_reference;
    bool any = false;
    for (size_t m = 0; m < rp->n_metrics; m++)
        any |= rp->metrics[m].per_sample;
    if (!any || !rp->n_rows) {
        fvi_buf_puts(b, "<p>No per-sample results.</p>\n");
        return;
    }
    fvi_buf_printf(b, "<p class=\"note\">%zu rows, %d a page; click a heading to sort (skips, errors and "
                      "missing results sort last), type to filter; a cell's tooltip has the exact value or "
                      "the reason.",
                   rp->n_rows, page_size);
    if (rp->n_runs > 1)
        fvi_buf_puts(b, " Runs 2.. are highlighted where they differ from run 1 (green better, red worse, "
                        "yellow different: no direction, or a skip where the other scored); "
                        "&Delta; columns give the difference.");
    if (n_ref)
        fvi_buf_printf(b, " %zu reference-only samples are not listed (only set metrics see them).", n_ref);
    fvi_buf_puts(b, "</p>\n<noscript><p>The tables need JavaScript.</p></noscript>\n<div id=\"samples-table\"></div>\n");
    json_t *spec = samples_table(rp, page_size);
    json_array_append_new(tables, spec);
}

/* ---- provenance ------------------------------------------------------------------------------- */

static void shell_word(fvi_buf *b, const char *w)
{
    bool plain = *w != '\0';
    for (const char *c = w; *c; c++)
        plain &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                 strchr("_@%+=:,./-", *c) != NULL;
    if (plain) {
        fvi_buf_puts(b, w);
        return;
    }
    fvi_buf_puts(b, "'");
    for (const char *c = w; *c; c++) {
        if (*c == '\'')
            fvi_buf_puts(b, "'\\''");
        else
            fvi_buf_add(b, c, 1);
    }
    fvi_buf_puts(b, "'");
}

/* A value of the provenance table as text: strings as they are, the rest as compact JSON. */
static char *value_text(json_t *v)
{
    if (!v || json_is_null(v))
        return fvi_xstrdup("");
    if (json_is_string(v))
        return fvi_xstrdup(json_string_value(v));
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    return s ? s : fvi_xstrdup("");
}

/*
 * One row: a value per run, highlighted where it differs from run 1's when
 * @p compare (not for values that differ between any two runs: file names, times).
 */
static void provenance_row(fvi_buf *b, const report *rp, const char *heading, char **values, bool compare)
{
    fvi_buf_puts(b, "<tr><th>");
    html_escaped(b, heading);
    fvi_buf_puts(b, "</th>");
    for (size_t k = 0; k < rp->n_runs; k++) {
        bool diff = compare && k && strcmp(values[k], values[0]) != 0;
        fvi_buf_printf(b, "<td class=\"long%s\">", diff ? " diff" : "");
        html_escaped(b, values[k]);
        fvi_buf_puts(b, "</td>");
    }
    for (size_t k = 0; k < rp->n_runs; k++)
        free(values[k]);
    fvi_buf_puts(b, "</tr>\n");
}

static void write_provenance(fvi_buf *b, const report *rp)
{
    size_t K = rp->n_runs;
    char **values = fvi_xcalloc(K, sizeof(*values));
    fvi_buf_puts(b, "<h2 id=\"provenance\">Provenance</h2>\n");
    if (K > 1)
        fvi_buf_puts(b, "<p class=\"note\">Values that differ from run 1 are highlighted (file names and "
                        "times always do, and are not).</p>\n");
    fvi_buf_puts(b, "<div class=\"wrap\"><table class=\"provenance\">\n<thead><tr><th></th>");
    for (size_t k = 0; k < K; k++) {
        fvi_buf_puts(b, "<th>");
        run_heading(b, rp, k);
        fvi_buf_puts(b, "</th>");
    }
    fvi_buf_puts(b, "</tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < K; k++)
        values[k] = fvi_xstrdup(rp->runs[k].label);
    provenance_row(b, rp, "results file", values, false);
    static const struct {
        const char *heading, *object, *key;
        bool compare;
    } fields[] = {
        {"fveval version", "fveval", "version", true}, {"results schema", "fveval", "schema", true},
        {"started", "run", "started", false},          {"finished", "run", "finished", false},
        {"device", "run", "device", true},             {"jobs", "run", "jobs", true},
    };
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        for (size_t k = 0; k < K; k++)
            values[k] = value_text(json_object_get(json_object_get(rp->runs[k].doc, fields[f].object), fields[f].key));
        provenance_row(b, rp, fields[f].heading, values, fields[f].compare);
    }
    for (size_t k = 0; k < K; k++) {
        fvi_buf cmd = {0};
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(json_object_get(rp->runs[k].doc, "run"), "argv"), i, a) {
            if (i)
                fvi_buf_puts(&cmd, " ");
            shell_word(&cmd, json_is_string(a) ? json_string_value(a) : "?");
        }
        values[k] = cmd.p ? cmd.p : fvi_xstrdup("");
    }
    provenance_row(b, rp, "command", values, true);
    for (size_t k = 0; k < K; k++)
        values[k] = fvi_asprintf("%zu generated, %zu reference-only", rp->runs[k].n_samples, rp->runs[k].n_reference);
    provenance_row(b, rp, "samples", values, true);
    static const char *const metric_fields[] = {"version", "options", "kind", "path"};
    for (size_t m = 0; m < rp->n_metrics; m++)
        for (size_t f = 0; f < sizeof(metric_fields) / sizeof(metric_fields[0]); f++) {
            for (size_t k = 0; k < K; k++) {
                json_t *info = json_object_get(json_object_get(json_object_get(rp->runs[k].doc, "run"), "metrics"),
                                               rp->metrics[m].name);
                values[k] = value_text(json_object_get(info, metric_fields[f]));
            }
            char *heading = fvi_asprintf("%s %s", rp->metrics[m].name,
                                         strcmp(metric_fields[f], "path") == 0 ? "plugin" : metric_fields[f]);
            provenance_row(b, rp, heading, values, true);
            free(heading);
        }
    fvi_buf_puts(b, "</tbody></table></div>\n");
    free(values);
}

/* JSON for a <script> element: '<' escaped, so no "</script>" or "<!--" can end or upset it. */
static void script_json(fvi_buf *b, json_t *data)
{
    char *text = json_dumps(data, JSON_COMPACT);
    for (const char *c = text; *c; c++) {
        if (*c == '<')
            fvi_buf_puts(b, "\\u003c");
        else
            fvi_buf_add(b, c, 1);
    }
    free(text);
}

static int write_page(fvi_buf *b, const report *rp, stats *st, int page_size, char **err)
{
    fvi_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    /* Nothing leaves the page: no fetches, no external images, scripts or styles. */
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                    "img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"generator\" content=\"fveval " PACKAGE_VERSION "\">\n<title>fveval report: ");
    for (size_t k = 0; k < rp->n_runs; k++) {
        if (k)
            fvi_buf_puts(b, " vs ");
        html_escaped(b, rp->runs[k].label);
    }
    fvi_buf_printf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>fveval report</h1>\n", page_css);
    fvi_buf_puts(b, "<nav><a href=\"#summary\">Summary</a> &middot; <a href=\"#charts\">Score distributions</a> "
                    "&middot; <a href=\"#problems\">Skipped and failed</a> &middot; <a href=\"#samples\">Per-sample "
                    "scores</a> &middot; <a href=\"#provenance\">Provenance</a></nav>\n");
    write_runs(b, rp);
    fvi_buf_puts(b, "<p class=\"note\">Histograms and statistics use every scored sample; the tables show "
                    "one page of rows at a time (sorting and filtering cover all rows).</p>\n");
    write_summary(b, rp, st);
    if (write_charts(b, rp, st, err) < 0)
        return -1;
    json_t *tables = json_array();
    write_problems(b, rp, tables);
    write_samples(b, rp, tables, page_size);
    write_provenance(b, rp);
    json_t *data = json_pack("{s:f, s:o}", "tol", DIFF_TOLERANCE, "tables", tables);
    fvi_buf_puts(b, "<script type=\"application/json\" id=\"fveval-data\">");
    script_json(b, data);
    json_decref(data);
    fvi_buf_printf(b, "</script>\n<script>\n%s</script>\n</body>\n</html>\n", page_js);
    return 0;
}

/* ---- the command ------------------------------------------------------------------------- */

/* "--name VALUE" or "--name=VALUE": the value, advancing *i; NULL when argv[*i] is another option. */
static const char *option_value(int argc, char **argv, int *i, const char *name, const char *short_name,
                                bool *missing)
{
    const char *a = argv[*i];
    size_t len = strlen(name);
    if (strncmp(a, name, len) == 0 && a[len] == '=')
        return a + len + 1;
    if (strcmp(a, name) != 0 && !(short_name && strcmp(a, short_name) == 0))
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int) v;
    return 0;
}

static int parse_report_args(int argc, char **argv, report_args *a)
{
    a->page_size = 100;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        const char *arg = argv[i];
        if ((v = option_value(argc, argv, &i, "--output", "-o", &missing)))
            a->output = v;
        else if ((v = option_value(argc, argv, &i, "--format", NULL, &missing)))
            a->format = v;
        else if ((v = option_value(argc, argv, &i, "--metric", NULL, &missing)))
            a->metrics = v;
        else if ((v = option_value(argc, argv, &i, "--match", NULL, &missing)))
            a->match = v;
        else if ((v = option_value(argc, argv, &i, "--size", NULL, &missing)))
            a->size = v;
        else if ((v = option_value(argc, argv, &i, "--page-size", NULL, &missing))) {
            if (parse_int(v, 1, 100000, &a->page_size) < 0)
                return fvi_cli_error("report: --page-size needs a number of rows from 1 to 100000, not '%s'", v);
        } else if (missing)
            return fvi_cli_error("report: %s needs a value", arg);
        else if (strcmp(arg, "--") == 0) {
            while (++i < argc)
                fvi_strv_push(&a->inputs, argv[i]);
        } else if (arg[0] == '-' && arg[1] != '\0')
            return fvi_cli_error("report: unknown option '%s' (see `fveval report --help`)", arg);
        else
            fvi_strv_push(&a->inputs, arg);
    }
    if (!a->inputs.n)
        return fvi_cli_error("report: give one or more results files (see `fveval report --help`)");
    if (!a->format)
        a->format = "html";
    if (strcmp(a->format, "html") && strcmp(a->format, "png") && strcmp(a->format, "svg"))
        return fvi_cli_error("report: --format must be html, png or svg, not '%s'", a->format);
    const char *match = a->match ? a->match : "index";
    if (strcmp(match, "index") == 0)
        a->match_by = MATCH_INDEX;
    else if (strcmp(match, "video") == 0)
        a->match_by = MATCH_VIDEO;
    else if (strcmp(match, "stem") == 0)
        a->match_by = MATCH_STEM;
    else
        return fvi_cli_error("report: --match must be index, video or stem, not '%s'", match);
    if (a->size) {
        char *x = strchr(a->size, 'x'), *w = x ? fvi_xstrndup(a->size, (size_t) (x - a->size)) : NULL;
        bool ok = w && parse_int(w, 100, 10000, &a->width) == 0 && parse_int(x + 1, 100, 10000, &a->height) == 0;
        free(w);
        if (!ok)
            return fvi_cli_error("report: --size needs WIDTHxHEIGHT in pixels, each from 100 to 10000, not '%s'",
                                 a->size);
        if (strcmp(a->format, "html") == 0)
            return fvi_cli_error("report: --size sets the image of --format png or svg; the page's charts scale");
    }
    if (a->metrics && !*a->metrics)
        return fvi_cli_error("report: --metric needs a metric name");
    return 0;
}

/* The one metric a png or svg draws: named, or the only one with per-sample scores. */
static int chart_metric(const report *rp, size_t *m_out, char **err)
{
    size_t found = 0;
    fvi_buf names = {0};
    for (size_t m = 0; m < rp->n_metrics; m++)
        if (rp->metrics[m].per_sample) {
            fvi_buf_printf(&names, "%s%s", found ? ", " : "", rp->metrics[m].name);
            if (!found++)
                *m_out = m;
        }
    if (found != 1)
        *err = found ? fvi_asprintf("report: an image holds one chart; choose one with --metric (%s)", names.p)
                     : fvi_xstrdup("report: no per-sample scores to draw (set metrics have corpus results only)");
    fvi_buf_free(&names);
    return found == 1 ? 0 : -1;
}

int fvi_cmd_report(fvi_cli *cli, int argc, char **argv)
{
    (void) cli; /* a report needs no plugins: the results say everything */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(report_usage, stdout);
            return FVI_EXIT_OK;
        }
    report_args a = {0};
    report rp = {0};
    fvi_output out = {0};
    fvi_buf page = {0};
    stats *st = NULL;
    char *err = NULL;
    int rc = parse_report_args(argc, argv, &a);
    if (rc)
        goto done;
    rc = FVI_EXIT_USAGE;
    bool image = strcmp(a.format, "html") != 0;
    char *default_name = fvi_asprintf("report.%s", a.format);
    int orc = fvi_output_open(a.output ? a.output : default_name, &out, &err);
    free(default_name);
    if (orc < 0) {
        rc = fvi_cli_error("report: %s", err);
        goto done;
    }
    rp.runs = fvi_xcalloc(a.inputs.n, sizeof(*rp.runs));
    for (size_t k = 0; k < a.inputs.n; k++) {
        rp.runs[k].label = a.inputs.v[k];
        rp.n_runs++;
        if (load_document(a.inputs.v[k], &rp.runs[k].doc, &err) < 0)
            goto fail;
    }
    if (select_metrics(&rp, a.metrics, &err) < 0)
        goto fail;
    for (size_t k = 0; k < rp.n_runs; k++)
        if (read_samples(&rp.runs[k], &rp, a.match_by, &err) < 0)
            goto fail;
    if (match_rows(&rp, a.match ? a.match : "index", &err) < 0)
        goto fail;
    size_t chart_m = 0;
    if (image && chart_metric(&rp, &chart_m, &err) < 0)
        goto fail;
    st = fvi_xcalloc(rp.n_metrics * rp.n_runs + 1, sizeof(*st));
    for (size_t m = 0; m < rp.n_metrics; m++)
        for (size_t k = 0; k < rp.n_runs; k++)
            stats_of(&rp.runs[k], m, &st[m * rp.n_runs + k]);
    int drc;
    if (image) {
        int width = a.width ? a.width : strcmp(a.format, "png") == 0 ? 1600 : 800;
        int height = a.height ? a.height : chart_height(rp.n_runs, width);
        drc = draw_metric(&rp, st, chart_m, width, height, strcmp(a.format, "png") == 0 ? FVI_CHART_PNG : FVI_CHART_SVG,
                          &page, &err);
    } else {
        drc = write_page(&page, &rp, st, a.page_size, &err);
    }
    if (drc < 0)
        goto fail;
    /* As `fveval run`: a write that fails at the end is exit 1, the inputs were fine. */
    rc = FVI_EXIT_OK;
    if (fvi_output_write_bytes(&out, page.p, page.len, &err) < 0) {
        fvi_log(FVEVAL_LOG_ERROR, "%s", err);
        rc = FVI_EXIT_PARTIAL;
    }
    goto done;
fail:
    rc = fvi_cli_error("%s", err);
done:
    for (size_t i = 0; st && i < rp.n_metrics * rp.n_runs; i++)
        free(st[i].values);
    free(st);
    fvi_buf_free(&page);
    report_free(&rp);
    fvi_output_free(&out);
    fvi_strv_free(&a.inputs);
    free(err);
    fvi_chart_cleanup();
    return rc;
}
