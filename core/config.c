/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML run files for `fveval run --config FILE`.  libyaml composes the
 * document; this file walks it against a fixed schema and fills a
 * fvi_run_config.  The walk only descends where the schema expects nested
 * nodes, so neither deep nesting nor (recursive) aliases can make it loop.
 *
 * Everything is parsed into a scratch configuration first and moved into
 * the caller's only when the whole file is valid: a rejected file leaves
 * the caller's configuration as it was.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "fveval-core.h"

/*
 * Bounds a run file never comes near.  libyaml's scanner is quadratic in
 * flow nesting depth and its composer in anchors times (anchors + aliases), so a small
 * hostile file could otherwise take minutes; an event pass checks both
 * before the document is composed.
 */
#define MAX_DEPTH 64
#define MAX_ANCHORS 1000
#define MAX_ALIASES 10000
#define MAX_FILE_BYTES (64u << 20)

/* Which fields of the scratch configuration the file set. */
enum {
    SET_VIDEOS = 1u << 0,
    SET_REFERENCES = 1u << 1,
    SET_AUDIOS = 1u << 2,
    SET_TEXT_PROMPTS = 1u << 3,
    SET_PROMPTS_FILE = 1u << 4,
    SET_MANIFEST = 1u << 5,
    SET_FPS = 1u << 6,
    SET_PAIR_BY = 1u << 7,
    SET_METRICS = 1u << 8,
    SET_OUTPUT = 1u << 9,
    SET_FORMAT = 1u << 10,
    SET_JOBS = 1u << 11,
    SET_DEVICE = 1u << 12,
    SET_MODEL_DIR = 1u << 13,
    SET_SAVE_STATE = 1u << 14,
    SET_RESUME = 1u << 15,
    SET_STRICT = 1u << 16,
    SET_QUIET = 1u << 17,
    SET_PLUGIN_PATHS = 1u << 18,
    SET_MAX_MEMORY = 1u << 19,
    SET_ON_DECODE_ERROR = 1u << 20,
    SET_SAMPLE_TIMEOUT = 1u << 21,
    SET_ALLOW_SPECIAL_FILES = 1u << 22
};

typedef struct loader {
    const char *file;  /* as given, for messages */
    char *dir;         /* the file's directory; NULL when relative paths stay as written */
    yaml_document_t doc;
    fvi_run_config tmp;
    unsigned set;
    char *err;
} loader;

static const char *const top_keys[] = {"inputs", "metrics", "output", "format", "jobs",
                                       "device", "model_dir", "save_state", "resume", "strict",
                                       "quiet", "plugin_path", "max_memory", "on_decode_error",
                                       "sample_timeout", "allow_special_files", NULL};
static const char *const input_keys[] = {"videos", "reference", "audio", "text_prompt", "prompts",
                                         "manifest", "fps", "pair_by", NULL};
static const char *const format_names[] = {"json", "csv", "table", NULL};
static const char *const pair_by_names[] = {"position", "stem", NULL};
static const char *const on_decode_error_names[] = {"skip", "partial", NULL};

void fvi_run_config_init(fvi_run_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->fps = 0;
    cfg->jobs = 0;
    cfg->resume = cfg->strict = cfg->quiet = cfg->retry_crashed = cfg->allow_special_files = -1;
}

void fvi_run_config_free(fvi_run_config *cfg)
{
    fvi_strv_free(&cfg->videos);
    fvi_strv_free(&cfg->references);
    fvi_strv_free(&cfg->audios);
    fvi_strv_free(&cfg->text_prompts);
    fvi_strv_free(&cfg->plugin_paths);
    free(cfg->prompts_file);
    free(cfg->manifest);
    free(cfg->pair_by);
    free(cfg->metrics);
    free(cfg->output);
    free(cfg->format);
    free(cfg->device);
    free(cfg->model_dir);
    free(cfg->save_state);
    free(cfg->max_memory);
    free(cfg->on_decode_error);
    free(cfg->shard);
    free(cfg->suite);
    free(cfg->suite_file);
    free(cfg->dimensions);
    fvi_run_config_init(cfg);
}

/* ---- messages ------------------------------------------------------------ */

static int fail_at(loader *ld, yaml_mark_t mark, const char *fmt, ...) FVEVAL_PRINTF(3, 4);
static int fail_at(loader *ld, yaml_mark_t mark, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = fvi_vasprintf(fmt, ap);
    va_end(ap);
    free(ld->err);
    ld->err = fvi_asprintf("%s:%zu:%zu: %s", ld->file, mark.line + 1, mark.column + 1, msg);
    free(msg);
    return -EINVAL;
}

#define FAIL(ld, node, ...) fail_at((ld), (node)->start_mark, __VA_ARGS__)

static char *join_names(const char *const *names)
{
    size_t len = 1;
    for (size_t i = 0; names[i]; i++)
        len += strlen(names[i]) + 2;
    char *s = fvi_xcalloc(1, len);
    for (size_t i = 0; names[i]; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, names[i]);
    }
    return s;
}

static int fail_unknown_key(loader *ld, const yaml_node_t *key, const char *section,
                            const char *const *valid)
{
    const char *name = (const char *) key->data.scalar.value;
    const char *best = NULL;
    size_t best_d = 3; /* suggest only close spellings */
    for (size_t i = 0; valid[i]; i++) {
        size_t d = fvi_edit_distance(name, valid[i]);
        if (d < best_d) {
            best_d = d;
            best = valid[i];
        }
    }
    char *list = join_names(valid);
    char *hint = best ? fvi_asprintf(" (did you mean '%s'?)", best) : fvi_xstrdup("");
    int rc = FAIL(ld, key, "unknown key '%s'%s%s%s; valid keys: %s", name, hint,
                  section ? " in " : "", section ? section : "", list);
    free(hint);
    free(list);
    return rc;
}

/* ---- scalars ------------------------------------------------------------- */

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    default:
        return "a scalar";
    }
}

/* A plain scalar YAML reads as null ("key:" with nothing after it, ~, null). */
static bool is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *) n->data.scalar.value;
    return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
           strcmp(v, "NULL") == 0;
}

static const char *scalar(const yaml_node_t *n)
{
    return (const char *) n->data.scalar.value;
}

/* libyaml scalars may hold NUL bytes ("\0" escapes); no field can carry one. */
static bool has_nul(const yaml_node_t *n)
{
    return strlen(scalar(n)) != n->data.scalar.length;
}

static int want_scalar(loader *ld, const yaml_node_t *n, const char *key, const char *what)
{
    if (n->type != YAML_SCALAR_NODE || is_null(n))
        return FAIL(ld, n, "%s: expected %s, got %s", key, what,
                    n->type == YAML_SCALAR_NODE ? "nothing" : node_kind(n));
    if (has_nul(n))
        return FAIL(ld, n, "%s: NUL characters are not allowed", key);
    return 0;
}

static int get_string(loader *ld, const yaml_node_t *n, const char *key, char **out)
{
    int rc = want_scalar(ld, n, key, "a string");
    if (rc)
        return rc;
    if (!*scalar(n))
        return FAIL(ld, n, "%s: must not be empty", key);
    free(*out);
    *out = fvi_xstrdup(scalar(n));
    return 0;
}

static bool has_glob_chars(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/*
 * @p p taken relative to the file's directory.  When @p p is a glob, glob
 * characters in the directory part are escaped so that only the pattern the
 * file wrote matches anything.
 */
static char *resolve_path(const loader *ld, const char *p)
{
    if (!ld->dir || p[0] == '/')
        return fvi_xstrdup(p);
    bool escape = has_glob_chars(p);
    size_t dl = strlen(ld->dir);
    char *out = fvi_xmalloc(2 * dl + strlen(p) + 2), *o = out;
    for (const char *d = ld->dir; *d; d++) {
        if (escape && strchr("*?[]\\", *d))
            *o++ = '\\';
        *o++ = *d;
    }
    if (o == out || o[-1] != '/')
        *o++ = '/';
    strcpy(o, p);
    return out;
}

static int get_path(loader *ld, const yaml_node_t *n, const char *key, char **out)
{
    char *s = NULL;
    int rc = get_string(ld, n, key, &s);
    if (rc)
        return rc;
    free(*out);
    *out = resolve_path(ld, s);
    free(s);
    return 0;
}

/* One string of a list, resolved when it is a path. */
static int push_item(loader *ld, const yaml_node_t *n, const char *key, bool paths, fvi_strv *list)
{
    char *s = NULL;
    int rc = get_string(ld, n, key, &s);
    if (rc)
        return rc;
    if (paths) {
        fvi_strv_push_owned(list, resolve_path(ld, s));
        free(s);
    } else {
        fvi_strv_push_owned(list, s);
    }
    return 0;
}

/* A string or a sequence of strings; the list the file gives replaces @p out. */
static int get_list(loader *ld, const yaml_node_t *n, const char *key, bool paths, fvi_strv *out)
{
    fvi_strv list = {0};
    int rc = 0;
    if (n->type == YAML_SCALAR_NODE) {
        rc = push_item(ld, n, key, paths, &list);
    } else if (n->type == YAML_SEQUENCE_NODE) {
        for (const yaml_node_item_t *it = n->data.sequence.items.start;
             !rc && it < n->data.sequence.items.top; it++) {
            const yaml_node_t *item = yaml_document_get_node(&ld->doc, *it);
            if (!item || item->type != YAML_SCALAR_NODE)
                rc = FAIL(ld, item ? item : n, "%s: each item must be a string, got %s", key,
                          item ? node_kind(item) : "nothing");
            else
                rc = push_item(ld, item, key, paths, &list);
        }
    } else {
        rc = FAIL(ld, n, "%s: expected a string or a sequence of strings, got %s", key,
                  node_kind(n));
    }
    if (rc) {
        fvi_strv_free(&list);
        return rc;
    }
    fvi_strv_free(out);
    *out = list;
    return 0;
}

static int get_enum(loader *ld, const yaml_node_t *n, const char *key, const char *const *names,
                    char **out)
{
    if (n->type == YAML_SCALAR_NODE && !has_nul(n)) {
        for (size_t i = 0; names[i]; i++) {
            if (strcmp(scalar(n), names[i]) == 0) {
                free(*out);
                *out = fvi_xstrdup(names[i]);
                return 0;
            }
        }
    }
    char *list = join_names(names);
    int rc = n->type == YAML_SCALAR_NODE && !is_null(n) && !has_nul(n)
                 ? FAIL(ld, n, "%s: '%s' is not one of: %s", key, scalar(n), list)
                 : FAIL(ld, n, "%s: expected one of: %s", key, list);
    free(list);
    return rc;
}

static int get_bool(loader *ld, const yaml_node_t *n, const char *key, int *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    if (n->type == YAML_SCALAR_NODE && !has_nul(n)) {
        for (size_t i = 0; i < 3; i++) {
            if (strcasecmp(scalar(n), yes[i]) == 0) {
                *out = 1;
                return 0;
            }
            if (strcasecmp(scalar(n), no[i]) == 0) {
                *out = 0;
                return 0;
            }
        }
    }
    return FAIL(ld, n, "%s: expected a boolean (true/false, yes/no, on/off)", key);
}

static int get_jobs(loader *ld, const yaml_node_t *n, const char *key, int *out)
{
    char *why = NULL;
    if (n->type == YAML_SCALAR_NODE && !has_nul(n) && fvi_parse_jobs(scalar(n), out, &why) == 0)
        return 0;
    int rc = FAIL(ld, n, "%s: %s", key, why ? why : "needs an integer from 1 to " FVI_STR(FVI_JOBS_MAX));
    free(why);
    return rc;
}

/* @p parse: fvi_parse_fps or fvi_parse_positive. */
static int get_number(loader *ld, const yaml_node_t *n, const char *key, double *out,
                      int (*parse)(const char *, double *, char **))
{
    char *why = NULL;
    if (n->type == YAML_SCALAR_NODE && !has_nul(n) && parse(scalar(n), out, &why) == 0)
        return 0;
    int rc = FAIL(ld, n, "%s: %s", key, why ? why : "needs a positive number");
    free(why);
    return rc;
}

/* ---- values both the command line and run files take ---------------------------- */

int fvi_parse_jobs(const char *text, int *out, char **why)
{
    char *end = NULL;
    errno = 0;
    long j = strtol(text, &end, 10);
    if (!*text || isspace((unsigned char) *text) || *end || errno || j < 1 || j > FVI_JOBS_MAX) {
        *why = fvi_asprintf("needs an integer from 1 to %d, not '%s'", FVI_JOBS_MAX, text);
        return -EINVAL;
    }
    *out = (int) j;
    return 0;
}

int fvi_parse_positive(const char *text, double *out, char **why)
{
    char *end = NULL;
    errno = 0;
    double f = strtod(text, &end);
    if (!*text || isspace((unsigned char) *text) || *end || errno || !isfinite(f) || !(f > 0)) {
        *why = fvi_asprintf("needs a positive number, not '%s'", text);
        return -EINVAL;
    }
    *out = f;
    return 0;
}

int fvi_parse_fps(const char *text, double *out, char **why)
{
    double f;
    if (fvi_parse_positive(text, &f, why) < 0)
        return -EINVAL;
    if (!(f >= FVI_FPS_MIN && f <= FVI_FPS_MAX)) {
        char lo[FVI_DOUBLE_BUFSZ], hi[FVI_DOUBLE_BUFSZ];
        *why = fvi_asprintf("needs a frame rate from %s to %s, not '%s'", fvi_format_double(lo, FVI_FPS_MIN),
                            fvi_format_double(hi, FVI_FPS_MAX), text);
        return -EINVAL;
    }
    *out = f;
    return 0;
}

char *fvi_plugin_dir_problem(const char *paths)
{
    fvi_strv dirs = {0};
    char *why = NULL;
    fvi_strv_split(&dirs, paths, ':');
    for (size_t i = 0; !why && i < dirs.n; i++) {
        DIR *d = opendir(dirs.v[i]);
        if (d)
            closedir(d);
        else
            why = fvi_asprintf("plugin path '%s': cannot read directory: %s", dirs.v[i], strerror(errno));
    }
    fvi_strv_free(&dirs);
    return why;
}

/* ---- mappings ------------------------------------------------------------ */

typedef struct key_ref {
    const char *name;
    size_t pos; /* pair index: which of two equal keys came later */
    const yaml_node_t *node;
} key_ref;

static int cmp_key_ref(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Every key of @p map is a non-empty string and none repeats (YAML forbids
 * duplicates; libyaml does not check).  Sorting keeps this O(n log n) on
 * hostile input.
 */
static int check_keys(loader *ld, const yaml_node_t *map, const char *section)
{
    const yaml_node_pair_t *p0 = map->data.mapping.pairs.start;
    size_t n = (size_t) (map->data.mapping.pairs.top - p0);
    key_ref *refs = fvi_xcalloc(n, sizeof(*refs));
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const yaml_node_t *k = yaml_document_get_node(&ld->doc, p0[i].key);
        if (!k || k->type != YAML_SCALAR_NODE || is_null(k) || has_nul(k) || !*scalar(k))
            rc = fail_at(ld, k ? k->start_mark : map->start_mark, "%s%skeys must be non-empty strings",
                         section ? section : "", section ? ": " : "");
        else
            refs[i] = (key_ref){scalar(k), i, k};
    }
    if (!rc && n > 1) {
        qsort(refs, n, sizeof(*refs), cmp_key_ref);
        const key_ref *dup = NULL;
        for (size_t i = 1; i < n; i++)
            if (strcmp(refs[i - 1].name, refs[i].name) == 0 && (!dup || refs[i].pos < dup->pos))
                dup = &refs[i];
        if (dup)
            rc = FAIL(ld, dup->node, "duplicate key '%s'%s%s", dup->name, section ? " in " : "",
                      section ? section : "");
    }
    free(refs);
    return rc;
}

#define FOR_EACH_PAIR(ld, map, k, v)                                                             \
    for (const yaml_node_pair_t *pair_ = (map)->data.mapping.pairs.start;                          \
         pair_ < (map)->data.mapping.pairs.top &&                                                 \
         ((k) = yaml_document_get_node(&(ld)->doc, pair_->key),                                   \
         (v) = yaml_document_get_node(&(ld)->doc, pair_->value), (k) && (v));                    \
         pair_++)

/* ---- metrics --------------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sbuf_putc(sbuf *b, char c)
{
    if (b->n + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->s = fvi_xrealloc(b->s, b->cap);
    }
    b->s[b->n++] = c;
    b->s[b->n] = '\0';
}

static void sbuf_puts(sbuf *b, const char *s)
{
    while (*s)
        sbuf_putc(b, *s++);
}

/* The option-string escape of core/options.c: a backslash before ':' and '\\'. */
static void sbuf_put_escaped(sbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == ':' || *s == '\\')
            sbuf_putc(b, '\\');
        sbuf_putc(b, *s);
    }
}

/* "name" then ":key=value" for each pair of @p opts (a mapping or null). */
static int add_metric(loader *ld, sbuf *spec, const yaml_node_t *name, const yaml_node_t *opts)
{
    const char *nm = scalar(name);
    /* The selection syntax splits on ',' and ':'; a name holding one cannot be expressed. */
    if (strpbrk(nm, ",:") || nm[strspn(nm, " ")] == '\0')
        return FAIL(ld, name, "metrics: '%s' is not a metric name", nm);
    if (spec->n)
        sbuf_putc(spec, ',');
    sbuf_puts(spec, nm);
    if (is_null(opts))
        return 0;
    if (opts->type != YAML_MAPPING_NODE)
        return FAIL(ld, opts, "metrics: options of '%s' must be a mapping {key: value, ...}, got %s",
                    nm, node_kind(opts));
    int rc = check_keys(ld, opts, "metric options");
    if (rc)
        return rc;
    const yaml_node_t *k, *v;
    FOR_EACH_PAIR(ld, opts, k, v)
    {
        if (strpbrk(scalar(k), ":=,"))
            return FAIL(ld, k, "metrics: '%s' is not an option name", scalar(k));
        if (v->type != YAML_SCALAR_NODE || is_null(v) || has_nul(v))
            return FAIL(ld, v, "metrics: option '%s' of '%s' needs a single value, got %s", scalar(k),
                        nm, v->type == YAML_SCALAR_NODE ? "nothing" : node_kind(v));
        if (strchr(scalar(v), ','))
            return FAIL(ld, v, "metrics: option '%s' of '%s': values cannot contain ','", scalar(k),
                        nm);
        sbuf_putc(spec, ':');
        sbuf_puts(spec, scalar(k));
        sbuf_putc(spec, '=');
        sbuf_put_escaped(spec, scalar(v));
    }
    return 0;
}

static int add_metric_map(loader *ld, sbuf *spec, const yaml_node_t *map)
{
    int rc = check_keys(ld, map, "metrics");
    const yaml_node_t *k, *v;
    FOR_EACH_PAIR(ld, map, k, v)
    {
        if (rc)
            break;
        rc = add_metric(ld, spec, k, v);
    }
    return rc;
}

static int get_metrics(loader *ld, const yaml_node_t *n)
{
    static const char *const shape =
        "expected a sequence of \"name[:key=value...]\" strings or {name: {key: value}} mappings";
    sbuf spec = {0};
    int rc = 0;
    if (n->type == YAML_SCALAR_NODE && !is_null(n) && !has_nul(n)) {
        /* The -m syntax as is. */
        sbuf_puts(&spec, scalar(n));
    } else if (n->type == YAML_MAPPING_NODE) {
        rc = add_metric_map(ld, &spec, n);
    } else if (n->type == YAML_SEQUENCE_NODE) {
        for (const yaml_node_item_t *it = n->data.sequence.items.start;
             !rc && it < n->data.sequence.items.top; it++) {
            const yaml_node_t *item = yaml_document_get_node(&ld->doc, *it);
            if (!item) {
                rc = FAIL(ld, n, "metrics: %s", shape);
            } else if (item->type == YAML_SCALAR_NODE && !is_null(item) && !has_nul(item)) {
                if (strchr(scalar(item), ',') || scalar(item)[0] == ':' ||
                    !scalar(item)[strspn(scalar(item), " ")]) {
                    rc = FAIL(ld, item, "metrics: '%s' is not a metric (one \"name[:key=value...]\" per item)",
                              scalar(item));
                } else {
                    if (spec.n)
                        sbuf_putc(&spec, ',');
                    sbuf_puts(&spec, scalar(item));
                }
            } else if (item->type == YAML_MAPPING_NODE &&
                       item->data.mapping.pairs.top - item->data.mapping.pairs.start == 1) {
                rc = add_metric_map(ld, &spec, item);
            } else {
                rc = FAIL(ld, item, "metrics: each item must be a string \"name[:key=value...]\" or a "
                                    "single-key mapping {name: {key: value}}, got %s",
                          is_null(item) ? "nothing" : node_kind(item));
            }
        }
    } else {
        rc = FAIL(ld, n, "metrics: %s", shape);
    }
    if (!rc && (!spec.s || !spec.s[strspn(spec.s, " ,")]))
        rc = FAIL(ld, n, "metrics: no metric given");
    if (rc) {
        free(spec.s);
        return rc;
    }
    free(ld->tmp.metrics);
    ld->tmp.metrics = spec.s;
    return 0;
}

/* ---- sections ------------------------------------------------------------ */

static int load_inputs(loader *ld, const yaml_node_t *map)
{
    if (map->type != YAML_MAPPING_NODE) {
        char *list = join_names(input_keys);
        int rc = FAIL(ld, map, "inputs: expected a mapping with keys %s", list);
        free(list);
        return rc;
    }
    int rc = check_keys(ld, map, "inputs");
    fvi_run_config *c = &ld->tmp;
    const yaml_node_t *k, *v;
    FOR_EACH_PAIR(ld, map, k, v)
    {
        if (rc)
            break;
        const char *key = scalar(k);
        if (strcmp(key, "videos") == 0) {
            rc = get_list(ld, v, "inputs.videos", true, &c->videos);
            ld->set |= SET_VIDEOS;
        } else if (strcmp(key, "reference") == 0) {
            rc = get_list(ld, v, "inputs.reference", true, &c->references);
            ld->set |= SET_REFERENCES;
        } else if (strcmp(key, "audio") == 0) {
            rc = get_list(ld, v, "inputs.audio", true, &c->audios);
            ld->set |= SET_AUDIOS;
        } else if (strcmp(key, "text_prompt") == 0) {
            rc = get_list(ld, v, "inputs.text_prompt", false, &c->text_prompts);
            ld->set |= SET_TEXT_PROMPTS;
        } else if (strcmp(key, "prompts") == 0) {
            rc = get_path(ld, v, "inputs.prompts", &c->prompts_file);
            ld->set |= SET_PROMPTS_FILE;
        } else if (strcmp(key, "manifest") == 0) {
            rc = get_path(ld, v, "inputs.manifest", &c->manifest);
            ld->set |= SET_MANIFEST;
        } else if (strcmp(key, "fps") == 0) {
            rc = get_number(ld, v, "inputs.fps", &c->fps, fvi_parse_fps);
            ld->set |= SET_FPS;
        } else if (strcmp(key, "pair_by") == 0) {
            rc = get_enum(ld, v, "inputs.pair_by", pair_by_names, &c->pair_by);
            ld->set |= SET_PAIR_BY;
        } else {
            rc = fail_unknown_key(ld, k, "inputs", input_keys);
        }
    }
    return rc;
}

static int load_top(loader *ld, const yaml_node_t *map)
{
    if (map->type != YAML_MAPPING_NODE) {
        char *list = join_names(top_keys);
        int rc = FAIL(ld, map, "expected a mapping of settings at the top level (keys: %s)", list);
        free(list);
        return rc;
    }
    int rc = check_keys(ld, map, NULL);
    fvi_run_config *c = &ld->tmp;
    const yaml_node_t *k, *v;
    FOR_EACH_PAIR(ld, map, k, v)
    {
        if (rc)
            break;
        const char *key = scalar(k);
        if (strcmp(key, "inputs") == 0) {
            rc = load_inputs(ld, v);
        } else if (strcmp(key, "metrics") == 0) {
            rc = get_metrics(ld, v);
            ld->set |= SET_METRICS;
        } else if (strcmp(key, "output") == 0) {
            rc = get_path(ld, v, key, &c->output);
            ld->set |= SET_OUTPUT;
        } else if (strcmp(key, "format") == 0) {
            rc = get_enum(ld, v, key, format_names, &c->format);
            ld->set |= SET_FORMAT;
        } else if (strcmp(key, "jobs") == 0) {
            rc = get_jobs(ld, v, key, &c->jobs);
            ld->set |= SET_JOBS;
        } else if (strcmp(key, "device") == 0) {
            rc = get_string(ld, v, key, &c->device);
            ld->set |= SET_DEVICE;
        } else if (strcmp(key, "model_dir") == 0) {
            rc = get_path(ld, v, key, &c->model_dir);
            ld->set |= SET_MODEL_DIR;
        } else if (strcmp(key, "save_state") == 0) {
            rc = get_path(ld, v, key, &c->save_state);
            ld->set |= SET_SAVE_STATE;
        } else if (strcmp(key, "resume") == 0) {
            rc = get_bool(ld, v, key, &c->resume);
            ld->set |= SET_RESUME;
        } else if (strcmp(key, "strict") == 0) {
            rc = get_bool(ld, v, key, &c->strict);
            ld->set |= SET_STRICT;
        } else if (strcmp(key, "quiet") == 0) {
            rc = get_bool(ld, v, key, &c->quiet);
            ld->set |= SET_QUIET;
        } else if (strcmp(key, "plugin_path") == 0) {
            rc = get_list(ld, v, key, true, &c->plugin_paths);
            ld->set |= SET_PLUGIN_PATHS;
        } else if (strcmp(key, "max_memory") == 0) {
            uint64_t bytes;
            rc = get_string(ld, v, key, &c->max_memory);
            if (!rc && fvi_parse_bytes(c->max_memory, &bytes) < 0)
                rc = FAIL(ld, v, "max_memory: expected a size such as 8G, 512M or none, not '%s'",
                          c->max_memory);
            ld->set |= SET_MAX_MEMORY;
        } else if (strcmp(key, "on_decode_error") == 0) {
            rc = get_enum(ld, v, key, on_decode_error_names, &c->on_decode_error);
            ld->set |= SET_ON_DECODE_ERROR;
        } else if (strcmp(key, "sample_timeout") == 0) {
            rc = get_number(ld, v, key, &c->sample_timeout, fvi_parse_positive);
            ld->set |= SET_SAMPLE_TIMEOUT;
        } else if (strcmp(key, "allow_special_files") == 0) {
            rc = get_bool(ld, v, key, &c->allow_special_files);
            ld->set |= SET_ALLOW_SPECIAL_FILES;
        } else {
            rc = fail_unknown_key(ld, k, NULL, top_keys);
        }
    }
    return rc;
}

/* ---- moving the result ------------------------------------------------------ */

static void move_str(char **dst, char **src)
{
    free(*dst);
    *dst = *src;
    *src = NULL;
}

static void move_strv(fvi_strv *dst, fvi_strv *src)
{
    fvi_strv_free(dst);
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

static void apply(loader *ld, fvi_run_config *cfg)
{
    fvi_run_config *t = &ld->tmp;
    unsigned s = ld->set;
    if (s & SET_VIDEOS)
        move_strv(&cfg->videos, &t->videos);
    if (s & SET_REFERENCES)
        move_strv(&cfg->references, &t->references);
    if (s & SET_AUDIOS)
        move_strv(&cfg->audios, &t->audios);
    if (s & SET_TEXT_PROMPTS)
        move_strv(&cfg->text_prompts, &t->text_prompts);
    if (s & SET_PLUGIN_PATHS)
        move_strv(&cfg->plugin_paths, &t->plugin_paths);
    if (s & SET_PROMPTS_FILE)
        move_str(&cfg->prompts_file, &t->prompts_file);
    if (s & SET_MANIFEST)
        move_str(&cfg->manifest, &t->manifest);
    if (s & SET_PAIR_BY)
        move_str(&cfg->pair_by, &t->pair_by);
    if (s & SET_METRICS)
        move_str(&cfg->metrics, &t->metrics);
    if (s & SET_OUTPUT)
        move_str(&cfg->output, &t->output);
    if (s & SET_FORMAT)
        move_str(&cfg->format, &t->format);
    if (s & SET_DEVICE)
        move_str(&cfg->device, &t->device);
    if (s & SET_MODEL_DIR)
        move_str(&cfg->model_dir, &t->model_dir);
    if (s & SET_SAVE_STATE)
        move_str(&cfg->save_state, &t->save_state);
    if (s & SET_MAX_MEMORY)
        move_str(&cfg->max_memory, &t->max_memory);
    if (s & SET_FPS)
        cfg->fps = t->fps;
    if (s & SET_JOBS)
        cfg->jobs = t->jobs;
    if (s & SET_RESUME)
        cfg->resume = t->resume;
    if (s & SET_STRICT)
        cfg->strict = t->strict;
    if (s & SET_QUIET)
        cfg->quiet = t->quiet;
    if (s & SET_ON_DECODE_ERROR)
        move_str(&cfg->on_decode_error, &t->on_decode_error);
    if (s & SET_SAMPLE_TIMEOUT)
        cfg->sample_timeout = t->sample_timeout;
    if (s & SET_ALLOW_SPECIAL_FILES)
        cfg->allow_special_files = t->allow_special_files;
}

/* ---- reading and parsing ------------------------------------------------------ */

static int read_file(const char *path, char **data, size_t *len, char **err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        *err = fvi_asprintf("%s: cannot open: %s", path, strerror(errno));
        return -EINVAL;
    }
    size_t cap = 4096, n = 0;
    char *buf = fvi_xmalloc(cap);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (n < cap)
            break;
        if (cap >= MAX_FILE_BYTES) {
            *err = fvi_asprintf("%s: larger than %u MiB, not a run file", path, MAX_FILE_BYTES >> 20);
            free(buf);
            fclose(fp);
            return -EINVAL;
        }
        cap *= 2;
        buf = fvi_xrealloc(buf, cap);
    }
    if (ferror(fp)) {
        *err = fvi_asprintf("%s: cannot read: %s", path, strerror(errno));
        free(buf);
        fclose(fp);
        return -EINVAL;
    }
    fclose(fp);
    *data = buf;
    *len = n;
    return 0;
}

/* libyaml's own account of a syntax error, at the place it names. */
static int fail_parser(loader *ld, const yaml_parser_t *p, const char *data, size_t len)
{
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->error == YAML_MEMORY_ERROR) {
        ld->err = fvi_asprintf("%s: out of memory while parsing", ld->file);
        return -EINVAL;
    }
    if (p->error == YAML_READER_ERROR) {
        /* The reader counts bytes only; find the line and column here. */
        yaml_mark_t m = {0};
        size_t end = p->problem_offset < len ? p->problem_offset : len;
        for (size_t i = 0; i < end; i++) {
            if (data[i] == '\n') {
                m.line++;
                m.column = 0;
            } else {
                m.column++;
            }
        }
        if (p->problem_value >= 0)
            return fail_at(ld, m, "%s (#x%X)", problem, (unsigned) p->problem_value);
        return fail_at(ld, m, "%s", problem);
    }
    if (p->context)
        return fail_at(ld, p->problem_mark, "%s (%s at %zu:%zu)", problem, p->context,
                       p->context_mark.line + 1, p->context_mark.column + 1);
    return fail_at(ld, p->problem_mark, "%s", problem);
}

/* The anchor an event defines, or NULL. */
static const char *event_anchor(const yaml_event_t *e)
{
    switch (e->type) {
    case YAML_SCALAR_EVENT:
        return (const char *) e->data.scalar.anchor;
    case YAML_SEQUENCE_START_EVENT:
        return (const char *) e->data.sequence_start.anchor;
    case YAML_MAPPING_START_EVENT:
        return (const char *) e->data.mapping_start.anchor;
    default:
        return NULL;
    }
}

static int check_bounds(loader *ld, const char *data, size_t len)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        ld->err = fvi_asprintf("%s: out of memory while parsing", ld->file);
        return -EINVAL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *) data, len);
    int rc = 0, depth = 0, anchors = 0, aliases = 0;
    while (!rc) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = fail_parser(ld, &parser, data, len);
            break;
        }
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
            if (++depth > MAX_DEPTH)
                rc = fail_at(ld, ev.start_mark, "nested deeper than %d levels", MAX_DEPTH);
        } else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            depth--;
        }
        if (!rc && event_anchor(&ev) && ++anchors > MAX_ANCHORS)
            rc = fail_at(ld, ev.start_mark, "more than %d anchors", MAX_ANCHORS);
        if (!rc && ev.type == YAML_ALIAS_EVENT && ++aliases > MAX_ALIASES)
            rc = fail_at(ld, ev.start_mark, "more than %d aliases", MAX_ALIASES);
        bool end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (end)
            break;
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* The directory of @p path for relative paths in it; NULL for the current one. */
static char *file_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return NULL;
    if (slash == path)
        return fvi_xstrdup("/");
    return fvi_xstrndup(path, (size_t) (slash - path));
}

int fvi_config_load(const char *path, fvi_run_config *cfg, char **err)
{
    char *data = NULL;
    size_t len = 0;
    int rc = read_file(path, &data, &len, err);
    if (rc)
        return rc;

    loader ld = {.file = path, .dir = file_dir(path)};
    fvi_run_config_init(&ld.tmp);
    if (check_bounds(&ld, data, len) < 0) {
        *err = ld.err;
        free(ld.dir);
        free(data);
        return -EINVAL;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        *err = fvi_asprintf("%s: out of memory while parsing", path);
        free(ld.dir);
        free(data);
        return -EINVAL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *) data, len);

    if (!yaml_parser_load(&parser, &ld.doc)) {
        rc = fail_parser(&ld, &parser, data, len);
    } else {
        const yaml_node_t *root = yaml_document_get_root_node(&ld.doc);
        /* An empty file (or one holding only comments) sets nothing. */
        if (root && !is_null(root))
            rc = load_top(&ld, root);
        if (!rc) {
            /* A second document would be silently ignored; say so instead. */
            yaml_document_t next;
            if (!yaml_parser_load(&parser, &next)) {
                rc = fail_parser(&ld, &parser, data, len);
            } else {
                const yaml_node_t *r2 = yaml_document_get_root_node(&next);
                if (r2 && !is_null(r2))
                    rc = FAIL(&ld, r2, "a run file holds one YAML document; found another here");
                yaml_document_delete(&next);
            }
        }
        yaml_document_delete(&ld.doc);
    }
    yaml_parser_delete(&parser);

    if (rc) {
        *err = ld.err;
        rc = -EINVAL;
    } else {
        apply(&ld, cfg);
    }
    fvi_run_config_free(&ld.tmp);
    free(ld.dir);
    free(data);
    return rc;
}
