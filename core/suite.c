/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prompt suites (suite.h): VBench's prompt set over a directory of generated
 * videos named "<prompt>-<index>.<ext>", routed per dimension, with VBench's
 * per-dimension aggregation.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"

#define SUITE_FILE "vbench/VBench_full_info.json"

/* Videos per prompt in VBench's protocol (metrics-b.md §D). */
#define VIDEOS_PER_PROMPT 5
#define VIDEOS_PER_FLICKER_PROMPT 25

/*
 * Dimensions whose metric reads auxiliary_info (object, colour, scene,
 * spatial relationship, style): a prompt of theirs without it is skipped.
 */
static const char *const aux_dimensions[] = {"color", "object_class", "multiple_objects",
                                             "spatial_relationship", "scene", "appearance_style",
                                             NULL};

/*
 * Upstream VBench aggregates these over frames, not videos (metrics-b.md
 * §0.5, §2): Σ score·w / Σ w with w = the clip's frame count plus offset
 * (consistency_score averages over T-1 frame pairs).  The GRiT dimensions'
 * Σmatching/Σframes use 16 frames per video, so a plain mean is the same.
 */
static const struct {
    const char *dimension;
    int offset;
} frame_weighted[] = {
    {"subject_consistency", -1},
    {"background_consistency", -1},
    {"appearance_style", 0},
    {NULL, 0},
};

static const char *const video_exts[] = {".mp4", ".avi", ".mov", ".mkv", ".gif", ".webm", NULL};

typedef struct suite_prompt {
    char *text;
    fvi_strv dims;     /* its selected dimensions, suite order */
    fvi_strv aux_dims; /* dimensions the file gives auxiliary_info for */
    json_t *aux;       /* the selected dimensions' auxiliary_info objects merged */
    int expected;      /* videos VBench generates for it */
    bool *present;     /* [expected] */
} suite_prompt;

typedef struct suite_dim {
    char *name;
    char *metric;
    bool selected;
    char *not_run; /* why its metric does not run, or NULL */
    size_t missing;
} suite_dim;

typedef struct suite_video {
    size_t prompt;
    long index;
    char *path;
} suite_video;

struct fvi_suite {
    char *name, *file, *dir;
    suite_prompt *prompts;
    size_t n_prompts;
    suite_dim *dims;
    size_t n_dims;
    fvi_strv missing, unmatched;
    size_t other_dims; /* videos of prompts outside the selected dimensions */
    size_t *sample_prompt; /* per sample */
    size_t n_samples;
};

bool fvi_sample_routed(const fvi_sample *s, const char *name)
{
    json_t *m = json_object_get(s->fields, "metrics");
    if (!json_is_array(m))
        return true;
    size_t i;
    json_t *v;
    json_array_foreach(m, i, v) if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
        return true;
    return false;
}

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static suite_dim *find_dim(const fvi_suite *su, const char *name)
{
    for (size_t i = 0; i < su->n_dims; i++)
        if (strcmp(su->dims[i].name, name) == 0)
            return &su->dims[i];
    return NULL;
}

static long find_prompt(const fvi_suite *su, const char *text, size_t len)
{
    for (size_t i = 0; i < su->n_prompts; i++)
        if (strlen(su->prompts[i].text) == len && memcmp(su->prompts[i].text, text, len) == 0)
            return (long) i;
    return -1;
}

static char *suite_path(const fvi_run_config *cfg, char **err)
{
    if (cfg->suite_file)
        return fvi_xstrdup(cfg->suite_file);
    if (strcmp(cfg->suite, "vbench") != 0) {
        *err = fvi_asprintf("run: unknown suite '%s' (known: vbench; or give --suite-file FILE)",
                            cfg->suite);
        return NULL;
    }
    const char *dir = getenv("FVEVAL_DATA_DIR");
    if (dir && *dir) {
        char *p = fvi_asprintf("%s/%s", dir, SUITE_FILE);
        if (access(p, R_OK) == 0)
            return p;
        free(p);
    }
    return fvi_asprintf("%s/%s", FVEVAL_PKGDATADIR, SUITE_FILE);
}

/* Checks one entry of the suite file; NULL or what is wrong with it (caller frees). */
static char *entry_problem(json_t *e)
{
    if (!json_is_object(e))
        return fvi_xstrdup("is not an object");
    json_t *p = json_object_get(e, "prompt_en"), *d = json_object_get(e, "dimension"),
           *a = json_object_get(e, "auxiliary_info");
    if (!json_is_string(p) || !*json_string_value(p))
        return fvi_xstrdup("needs \"prompt_en\", a non-empty string");
    if (!json_is_array(d) || !json_array_size(d))
        return fvi_xstrdup("needs \"dimension\", a non-empty list of names");
    size_t i;
    json_t *v;
    json_array_foreach(d, i, v) if (!json_is_string(v) || !*json_string_value(v) ||
                                    strchr(json_string_value(v), ',') || strchr(json_string_value(v), ':'))
        return fvi_xstrdup("\"dimension\" holds something that is not a dimension name");
    if (a && !json_is_object(a))
        return fvi_xstrdup("\"auxiliary_info\" is not an object");
    const char *k;
    json_object_foreach(a, k, v) if (!json_is_object(v))
        return fvi_asprintf("\"auxiliary_info\".\"%s\" is not an object", k);
    return NULL;
}

/* Whether -m item @p item ("name" or "name:key=value...") names metric @p name. */
static bool item_names(const char *item, const char *name)
{
    size_t n = strlen(name);
    return strncmp(item, name, n) == 0 && (item[n] == '\0' || item[n] == ':');
}

/* The -m item for metric @p name (with its options), or NULL. */
static const char *user_item(const fvi_strv *items, const char *name)
{
    for (size_t i = 0; i < items->n; i++)
        if (item_names(items->v[i], name))
            return items->v[i];
    return NULL;
}

static int check_inputs(const fvi_run_config *cfg, char **err)
{
    if (cfg->manifest || cfg->references.n || cfg->audios.n || cfg->text_prompts.n ||
        cfg->prompts_file || cfg->pair_by) {
        *err = fvi_xstrdup("run: --suite builds its samples from the suite file and --videos DIR; "
                           "drop --manifest, --reference, --audio, --text-prompt, --prompts, --pair-by");
        return -EINVAL;
    }
    struct stat st;
    if (cfg->videos.n != 1 || stat(cfg->videos.v[0], &st) < 0 || !S_ISDIR(st.st_mode)) {
        *err = fvi_xstrdup("run: --suite needs --videos DIR, one directory of videos named "
                           "'<prompt>-<index>.mp4'");
        return -EINVAL;
    }
    return 0;
}

static int select_dimensions(fvi_suite *su, const char *list, char **err)
{
    if (!list) {
        for (size_t i = 0; i < su->n_dims; i++)
            su->dims[i].selected = true;
        return 0;
    }
    fvi_strv want = {0};
    fvi_strv_split(&want, list, ',');
    int rc = 0;
    for (size_t i = 0; i < want.n && rc == 0; i++) {
        suite_dim *d = find_dim(su, want.v[i]);
        if (d) {
            d->selected = true;
            continue;
        }
        char *known = fvi_xstrdup("");
        for (size_t k = 0; k < su->n_dims; k++) {
            char *t = fvi_asprintf("%s%s%s", known, k ? ", " : "", su->dims[k].name);
            free(known);
            known = t;
        }
        *err = fvi_asprintf("run: --dimensions: '%s' is not a dimension of %s (known: %s)",
                            want.v[i], su->file, known);
        free(known);
        rc = -EINVAL;
    }
    if (rc == 0 && !want.n) {
        *err = fvi_xstrdup("run: --dimensions needs a comma-separated list of dimensions");
        rc = -EINVAL;
    }
    fvi_strv_free(&want);
    return rc;
}

/* Dimensions in first-seen order and prompts (a repeated prompt merges into one). */
static void read_entries(fvi_suite *su, json_t *root)
{
    size_t i;
    json_t *e;
    json_array_foreach(root, i, e)
    {
        json_t *d = json_object_get(e, "dimension");
        size_t k;
        json_t *v;
        json_array_foreach(d, k, v) if (!find_dim(su, json_string_value(v)))
        {
            su->dims = fvi_xrealloc(su->dims, (su->n_dims + 1) * sizeof(*su->dims));
            su->dims[su->n_dims++] = (suite_dim){
                .name = fvi_xstrdup(json_string_value(v)),
                .metric = fvi_asprintf("vbench.%s", json_string_value(v))};
        }
        const char *text = json_string_value(json_object_get(e, "prompt_en"));
        if (find_prompt(su, text, strlen(text)) < 0) {
            su->prompts = fvi_xrealloc(su->prompts, (su->n_prompts + 1) * sizeof(*su->prompts));
            su->prompts[su->n_prompts++] = (suite_prompt){.text = fvi_xstrdup(text), .aux = json_object()};
        }
    }
}

/* Each prompt's selected dimensions, their auxiliary_info and the number of videos expected. */
static void assign_prompts(fvi_suite *su, json_t *root)
{
    size_t i;
    json_t *e;
    json_array_foreach(root, i, e)
    {
        const char *text = json_string_value(json_object_get(e, "prompt_en"));
        suite_prompt *p = &su->prompts[find_prompt(su, text, strlen(text))];
        json_t *aux = json_object_get(e, "auxiliary_info");
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(e, "dimension"), k, v)
        {
            const char *dim = json_string_value(v);
            if (!find_dim(su, dim)->selected || fvi_strv_contains(&p->dims, dim))
                continue;
            fvi_strv_push(&p->dims, dim);
            json_t *a = json_object_get(aux, dim);
            if (a) {
                fvi_strv_push(&p->aux_dims, dim);
                json_object_update(p->aux, a); /* one level, as FastVideo's dataset flattens it */
            }
        }
    }
    for (i = 0; i < su->n_prompts; i++) {
        suite_prompt *p = &su->prompts[i];
        p->expected = fvi_strv_contains(&p->dims, "temporal_flickering") ? VIDEOS_PER_FLICKER_PROMPT
                                                                          : VIDEOS_PER_PROMPT;
        p->present = fvi_xcalloc((size_t) p->expected, sizeof(bool));
    }
}

int fvi_suite_load(const fvi_run_config *cfg, const fvi_registry *reg, fvi_suite **out,
                   char **metrics_spec, char **err)
{
    *out = NULL;
    if (check_inputs(cfg, err) < 0)
        return -EINVAL;
    char *path = suite_path(cfg, err);
    if (!path)
        return -EINVAL;
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        *err = jerr.line > 0 ? fvi_asprintf("%s:%d:%d: suite file does not parse: %s", path, jerr.line,
                                            jerr.column, jerr.text)
                             : fvi_asprintf("cannot read suite file %s: %s", path, jerr.text);
        free(path);
        return -EINVAL;
    }
    if (!json_is_array(root) || !json_array_size(root)) {
        *err = fvi_asprintf("%s: a suite file is a non-empty JSON list of prompt entries", path);
        json_decref(root);
        free(path);
        return -EINVAL;
    }
    size_t i;
    json_t *e;
    json_array_foreach(root, i, e)
    {
        char *why = entry_problem(e);
        if (why) {
            *err = fvi_asprintf("%s: entry %zu %s", path, i + 1, why);
            free(why);
            json_decref(root);
            free(path);
            return -EINVAL;
        }
    }
    fvi_suite *su = fvi_xcalloc(1, sizeof(*su));
    su->name = fvi_xstrdup(cfg->suite ? cfg->suite : "vbench");
    su->file = path;
    su->dir = fvi_xstrdup(cfg->videos.v[0]);
    for (size_t k = strlen(su->dir); k > 1 && su->dir[k - 1] == '/'; k--)
        su->dir[k - 1] = '\0'; /* "dir/" names its videos "dir/x.mp4", not "dir//x.mp4" */
    read_entries(su, root);
    if (select_dimensions(su, cfg->dimensions, err) < 0) {
        json_decref(root);
        fvi_suite_free(su);
        return -EINVAL;
    }
    assign_prompts(su, root);
    json_decref(root);

    /* Each selected dimension's metric, by name: whatever is installed now runs. */
    fvi_strv items = {0};
    if (cfg->metrics)
        fvi_strv_split(&items, cfg->metrics, ',');
    char *spec = NULL;
    for (size_t k = 0; k < items.n; k++) {
        bool known = false;
        for (size_t d = 0; d < su->n_dims; d++)
            known |= su->dims[d].selected && item_names(items.v[k], su->dims[d].metric);
        if (!known) {
            *err = fvi_asprintf("run: with --suite, -m only sets options of the selected dimensions' "
                                "metrics; '%s' is not one of them", items.v[k]);
            fvi_strv_free(&items);
            fvi_suite_free(su);
            return -EINVAL;
        }
    }
    for (size_t d = 0; d < su->n_dims; d++) {
        suite_dim *dim = &su->dims[d];
        if (!dim->selected)
            continue;
        if (!fvi_registry_find(reg, dim->metric)) {
            const fvi_scan_entry *f = fvi_registry_failure(reg, dim->metric);
            dim->not_run = f && f->reason ? fvi_asprintf("metric %s did not load: %s", dim->metric, f->reason)
                                          : fvi_asprintf("metric %s is not installed", dim->metric);
            continue;
        }
        const char *item = user_item(&items, dim->metric);
        char *t = fvi_asprintf("%s%s%s", spec ? spec : "", spec ? "," : "", item ? item : dim->metric);
        free(spec);
        spec = t;
    }
    fvi_strv_free(&items);
    if (!spec) {
        *err = fvi_asprintf("run: no metric of the selected dimensions is installed (looked for "
                            "vbench.<dimension>; `fveval list` shows what is)");
        fvi_suite_free(su);
        return -EINVAL;
    }
    *metrics_spec = spec;
    *out = su;
    return 0;
}

static bool has_video_ext(const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; video_exts[i]; i++) {
        size_t el = strlen(video_exts[i]);
        if (len > el && strcasecmp(name + len - el, video_exts[i]) == 0)
            return true;
    }
    return false;
}

/* "<prompt>-<index>.<ext>": the prompt's index and the video index, or -1. */
static long match_name(const fvi_suite *su, const char *name, long *index)
{
    if (!has_video_ext(name))
        return -1;
    const char *dot = strrchr(name, '.'), *dash = NULL;
    for (const char *c = name; c < dot; c++)
        if (*c == '-')
            dash = c;
    if (!dash || dash + 1 == dot || dot - dash > 10)
        return -1;
    for (const char *c = dash + 1; c < dot; c++)
        if (*c < '0' || *c > '9')
            return -1;
    *index = strtol(dash + 1, NULL, 10);
    return find_prompt(su, name, (size_t) (dash - name));
}

static int by_prompt_then_index(const void *a, const void *b)
{
    const suite_video *x = a, *y = b;
    if (x->prompt != y->prompt)
        return x->prompt < y->prompt ? -1 : 1;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return strcmp(x->path, y->path);
}

static json_t *strv_json(const fvi_strv *sv)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sv->n; i++)
        json_array_append_new(a, json_string(sv->v[i]));
    return a;
}

int fvi_suite_build_samples(fvi_suite *su, fvi_sample_list *out, char **err)
{
    struct dirent **list = NULL;
    int n = scandir(su->dir, &list, NULL, alphasort);
    if (n < 0) {
        *err = fvi_asprintf("cannot read directory '%s': %s", su->dir, strerror(errno));
        return -EINVAL;
    }
    suite_video *vids = fvi_xcalloc((size_t) n + 1, sizeof(*vids));
    size_t nv = 0;
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        char *path = fvi_asprintf("%s/%s", su->dir, name);
        struct stat st;
        long index = -1, p = -1;
        if (name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            p = match_name(su, name, &index);
            if (p < 0)
                fvi_strv_push(&su->unmatched, name);
            else if (!su->prompts[p].dims.n)
                su->other_dims++; /* a suite video, of dimensions not selected */
        }
        if (p >= 0 && su->prompts[p].dims.n) {
            vids[nv++] = (suite_video){.prompt = (size_t) p, .index = index, .path = path};
            if (index < su->prompts[p].expected)
                su->prompts[p].present[index] = true;
        } else {
            free(path);
        }
        free(list[i]);
    }
    free(list);
    qsort(vids, nv, sizeof(*vids), by_prompt_then_index);

    su->sample_prompt = fvi_xcalloc(nv + 1, sizeof(size_t));
    for (size_t i = 0; i < nv; i++) {
        const suite_prompt *p = &su->prompts[vids[i].prompt];
        json_t *f = json_object(), *metrics = json_array();
        json_object_set_new(f, "video", json_string(vids[i].path));
        json_object_set_new(f, "text_prompt", json_string(p->text));
        if (json_object_size(p->aux))
            json_object_set(f, "auxiliary_info", p->aux);
        json_object_set_new(f, "dimensions", strv_json(&p->dims));
        for (size_t d = 0; d < p->dims.n; d++)
            json_array_append_new(metrics, json_string(find_dim(su, p->dims.v[d])->metric));
        json_object_set_new(f, "metrics", metrics);
        su->sample_prompt[out->n] = vids[i].prompt;
        out->v = fvi_xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
        out->v[out->n] = fvi_sample_new((int64_t) out->n, f, false);
        out->n++;
        free(vids[i].path);
    }
    su->n_samples = out->n;
    free(vids);

    for (size_t i = 0; i < su->n_prompts; i++) {
        const suite_prompt *p = &su->prompts[i];
        for (int k = 0; p->dims.n && k < p->expected; k++) {
            if (p->present[k])
                continue;
            fvi_strv_push_owned(&su->missing, fvi_asprintf("%s-%d.mp4", p->text, k));
            for (size_t d = 0; d < p->dims.n; d++)
                find_dim(su, p->dims.v[d])->missing++;
        }
    }
    if (su->unmatched.n)
        fvi_log(FVEVAL_LOG_WARNING, "suite %s: skipping %zu file%s of %s that match%s no prompt "
                "(listed in the results' suite.unmatched_files), e.g. '%s'", su->name,
                su->unmatched.n, su->unmatched.n == 1 ? "" : "s", su->dir,
                su->unmatched.n == 1 ? "es" : "", su->unmatched.v[0]);
    if (su->missing.n)
        fvi_log(FVEVAL_LOG_WARNING, "suite %s: %zu video%s missing (listed in the results' "
                "suite.missing_videos), e.g. '%s'", su->name, su->missing.n,
                su->missing.n == 1 ? "" : "s", su->missing.v[0]);
    if (!out->n) {
        *err = fvi_asprintf("no video under '%s' is named after a prompt of the selected dimensions "
                            "('<prompt>-<index>.mp4')", su->dir);
        return -EINVAL;
    }
    return 0;
}

static long run_metric(const fvi_run *run, const char *name)
{
    for (size_t m = 0; m < run->n_metrics; m++)
        if (strcmp(run->metrics[m].metric->name, name) == 0)
            return (long) m;
    return -1;
}

void fvi_suite_apply_skips(const fvi_suite *su, fvi_run *run)
{
    for (size_t i = 0; i < su->n_samples && i < run->samples.n; i++) {
        const suite_prompt *p = &su->prompts[su->sample_prompt[i]];
        for (size_t d = 0; d < p->dims.n; d++) {
            const char *dim = p->dims.v[d];
            long m = run_metric(run, find_dim(su, dim)->metric);
            if (m < 0 || !in_list(aux_dimensions, dim) || fvi_strv_contains(&p->aux_dims, dim))
                continue;
            fvi_result *r = &run->results[i * run->n_metrics + (size_t) m];
            fvi_result_clear(r);
            fvi_result_init(r);
            r->skip = fvi_asprintf("the suite gives this prompt no auxiliary_info for dimension '%s'", dim);
            run->has_result[i * run->n_metrics + (size_t) m] = true;
        }
    }
}

/* The frames of a clip: its header's count, else a decode that only counts. */
static uint8_t *count_only(void *ctx, int t, int width, int height)
{
    (void) ctx, (void) t, (void) width, (void) height;
    return NULL;
}

static long clip_frames(const char *path)
{
    fvi_video_probe probe;
    if (fvi_media_probe_video(path, &probe) == 0 && probe.frames > 0)
        return (long) probe.frames;
    fvi_video_slot slot = {.field = (char *) "video"};
    fvi_frame_sink sink = {.target = count_only};
    long n = fvi_media_decode_frames(path, 0, &sink, &slot) == 0 ? slot.video.nb_frames : -1;
    free(slot.error);
    free(slot.damage);
    return n;
}

static int weight_offset(const char *dim, bool *weighted)
{
    for (size_t i = 0; frame_weighted[i].dimension; i++)
        if (strcmp(frame_weighted[i].dimension, dim) == 0) {
            *weighted = true;
            return frame_weighted[i].offset;
        }
    *weighted = false;
    return 0;
}

/* One dimension's entry of the report; *score_out its score (NAN: none). */
static json_t *dimension_report(const fvi_suite *su, const fvi_run *run, const suite_dim *dim,
                                double *score_out, size_t *n_out)
{
    json_t *o = json_object();
    json_object_set_new(o, "metric", json_string(dim->metric));
    *score_out = NAN;
    *n_out = 0;
    if (dim->not_run) {
        json_object_set_new(o, "status", json_string("not run"));
        json_object_set_new(o, "reason", json_string(dim->not_run));
        json_object_set_new(o, "missing_videos", json_integer((json_int_t) dim->missing));
        return o;
    }
    long m = run_metric(run, dim->metric);
    bool weighted;
    int offset = weight_offset(dim->name, &weighted);
    size_t n = 0, videos = 0, skipped = 0, errors = 0;
    double sum = 0, wsum = 0;
    const char *first_reason = NULL;
    bool weights_ok = true;
    for (size_t i = 0; m >= 0 && i < su->n_samples; i++) {
        if (!fvi_strv_contains(&su->prompts[su->sample_prompt[i]].dims, dim->name))
            continue;
        videos++;
        size_t cell = i * run->n_metrics + (size_t) m;
        const fvi_result *r = run->has_result[cell] ? &run->results[cell] : NULL;
        if (!r || !fvi_result_scored(r)) {
            skipped++;
            errors += r && r->error;
            if (!first_reason && r)
                first_reason = r->error ? r->error : r->skip;
            continue;
        }
        double w = 1.0;
        if (weighted) {
            long t = clip_frames(fvi_sample_path(run->samples.v[i], "video"));
            w = t > 0 ? (double) (t + offset) : -1.0;
            if (w < 0)
                weights_ok = false;
            if (w <= 0) /* a single-frame clip has no pairs: upstream counts nothing for it */
                w = 0.0;
        }
        n++;
        sum += w * r->score;
        wsum += w;
    }
    if (n && wsum > 0)
        *score_out = sum / wsum;
    else if (n && weighted) /* every clip a single frame: consistency is 1 by definition */
        *score_out = 1.0;
    *n_out = n;
    json_object_set_new(o, "status", json_string("run"));
    json_object_set_new(o, "score", fvi_json_number(*score_out));
    json_object_set_new(o, "n", json_integer((json_int_t) n));
    json_object_set_new(o, "videos", json_integer((json_int_t) videos));
    json_object_set_new(o, "skipped", json_integer((json_int_t) skipped));
    json_object_set_new(o, "errors", json_integer((json_int_t) errors));
    json_object_set_new(o, "missing_videos", json_integer((json_int_t) dim->missing));
    json_object_set_new(o, "aggregation",
                        json_string(!weighted ? "mean over videos"
                                    : offset ? "frame-weighted: sum(score * (frames - 1)) / sum(frames - 1)"
                                             : "frame-weighted: sum(score * frames) / sum(frames)"));
    if (!weights_ok)
        json_object_set_new(o, "warning", json_string("some clips' frame counts could not be read; "
                                                      "they were left out of the weighted mean"));
    if (!n && first_reason)
        json_object_set_new(o, "reason", json_string(first_reason));
    return o;
}

void fvi_suite_report(const fvi_suite *su, const fvi_run *run, json_t *doc, FILE *human)
{
    json_t *rep = json_object(), *dims = json_object();
    json_object_set_new(rep, "name", json_string(su->name));
    json_object_set_new(rep, "file", json_string(su->file));
    json_object_set_new(rep, "videos_dir", json_string(su->dir));
    json_object_set_new(rep, "samples", json_integer((json_int_t) su->n_samples));
    if (human)
        fprintf(human, "suite %s: %zu videos, %zu missing, %zu files matching no prompt\n"
                       "%-24s %-34s %6s %10s\n",
                su->name, su->n_samples, su->missing.n, su->unmatched.n, "dimension", "metric", "n",
                "score");
    for (size_t d = 0; d < su->n_dims; d++) {
        const suite_dim *dim = &su->dims[d];
        if (!dim->selected)
            continue;
        double score;
        size_t n;
        json_object_set_new(dims, dim->name, dimension_report(su, run, dim, &score, &n));
        if (!human)
            continue;
        if (dim->not_run)
            fprintf(human, "%-24s %-34s %6s %10s  (%s)\n", dim->name, dim->metric, "-", "not run",
                    dim->not_run);
        else if (isnan(score))
            fprintf(human, "%-24s %-34s %6zu %10s\n", dim->name, dim->metric, n, "-");
        else
            fprintf(human, "%-24s %-34s %6zu %10.6f\n", dim->name, dim->metric, n, score);
    }
    json_object_set_new(rep, "dimensions", dims);
    json_t *miss = json_object(), *unm = json_object();
    json_object_set_new(miss, "count", json_integer((json_int_t) su->missing.n));
    json_object_set_new(miss, "videos", strv_json(&su->missing));
    json_object_set_new(unm, "count", json_integer((json_int_t) su->unmatched.n));
    json_object_set_new(unm, "files", strv_json(&su->unmatched));
    json_object_set_new(rep, "missing_videos", miss);
    json_object_set_new(rep, "unmatched_files", unm);
    json_object_set_new(rep, "other_dimension_videos", json_integer((json_int_t) su->other_dims));
    json_object_set_new(doc, "suite", rep);
}

void fvi_suite_free(fvi_suite *su)
{
    if (!su)
        return;
    for (size_t i = 0; i < su->n_prompts; i++) {
        free(su->prompts[i].text);
        fvi_strv_free(&su->prompts[i].dims);
        fvi_strv_free(&su->prompts[i].aux_dims);
        json_decref(su->prompts[i].aux);
        free(su->prompts[i].present);
    }
    for (size_t i = 0; i < su->n_dims; i++) {
        free(su->dims[i].name);
        free(su->dims[i].metric);
        free(su->dims[i].not_run);
    }
    free(su->prompts);
    free(su->dims);
    fvi_strv_free(&su->missing);
    fvi_strv_free(&su->unmatched);
    free(su->sample_prompt);
    free(su->name);
    free(su->file);
    free(su->dir);
    free(su);
}
