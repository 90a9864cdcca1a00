/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building samples from the command line or a JSONL manifest, paired as
 * fastvideo.eval's samples_from does: equal counts zip by position (or by
 * file stem), surplus references become role=reference samples that only
 * set metrics see, and counts that cannot be paired are an error.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fveval-core.h"

static const char *const video_exts[] = {".mp4", ".avi", ".mov", ".mkv", ".gif", ".webm", NULL};

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

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * A directory holds videos (name-sorted) and/or image-sequence
 * subdirectories; a directory of images is itself one image sequence.
 */
static int expand_dir(const char *dir, fvi_strv *out, char **err)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, by_name);
    if (n < 0) {
        *err = fvi_asprintf("cannot read directory '%s': %s", dir, strerror(errno));
        return -EINVAL;
    }
    size_t before = out->n;
    for (int i = 0; i < n; i++) {
        const char *en = list[i]->d_name;
        if (en[0] != '.') {
            char *p = fvi_asprintf("%s/%s", dir, en);
            struct stat st;
            if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && has_video_ext(en))
                fvi_strv_push_owned(out, p);
            else if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && fvi_media_is_image_dir(p))
                fvi_strv_push_owned(out, p);
            else
                free(p);
        }
        free(list[i]);
    }
    free(list);
    if (out->n == before) {
        if (fvi_media_is_image_dir(dir)) {
            fvi_strv_push(out, dir);
            return 0;
        }
        *err = fvi_asprintf("no videos (.mp4 .avi .mov .mkv .gif .webm) or image sequences under '%s'", dir);
        return -EINVAL;
    }
    return 0;
}

int fvi_expand_inputs(const char *spec, fvi_strv *out, char **err)
{
    struct stat st;
    if (strpbrk(spec, "*?[") && stat(spec, &st) != 0) {
        glob_t g;
        int r = glob(spec, 0, NULL, &g);
        if (r == GLOB_NOMATCH || (r == 0 && g.gl_pathc == 0)) {
            globfree(&g);
            *err = fvi_asprintf("no files match '%s'", spec);
            return -EINVAL;
        }
        if (r != 0) {
            globfree(&g);
            *err = fvi_asprintf("cannot expand '%s'", spec);
            return -EINVAL;
        }
        for (size_t i = 0; i < g.gl_pathc; i++) /* glob() sorts */
            fvi_strv_push(out, g.gl_pathv[i]);
        globfree(&g);
        return 0;
    }
    if (stat(spec, &st) == 0 && S_ISDIR(st.st_mode))
        return expand_dir(spec, out, err);
    /* A file, or a path that does not exist: that sample is skipped with the open error. */
    fvi_strv_push(out, spec);
    return 0;
}

static int expand_all(const fvi_strv *specs, fvi_strv *out, char **err)
{
    for (size_t i = 0; i < specs->n; i++)
        if (fvi_expand_inputs(specs->v[i], out, err) < 0)
            return -EINVAL;
    return 0;
}

/* File name without directory and extension. */
static char *stem_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return fvi_xstrndup(base, dot && dot != base ? (size_t) (dot - base) : strlen(base));
}

/* ---- prompts ------------------------------------------------------------------ */

static int prompt_from_json(json_t *item, fvi_strv *out)
{
    if (json_is_string(item)) {
        fvi_strv_push(out, json_string_value(item));
        return 0;
    }
    json_t *p = json_object_get(item, "prompt");
    if (!json_is_string(p))
        p = json_object_get(item, "text_prompt");
    if (!json_is_string(p))
        return -EINVAL;
    fvi_strv_push(out, json_string_value(p));
    return 0;
}

static int load_prompts(const char *path, fvi_strv *out, char **err)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        *err = fvi_asprintf("cannot open prompts file '%s': %s", path, strerror(errno));
        return -EINVAL;
    }
    int ret = 0;
    if (fvi_str_has_suffix(path, ".json")) {
        json_error_t je;
        /* A repeated key would silently pick one of two prompts. */
        json_t *doc = json_loadf(fp, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_array(doc)) {
            *err = doc ? fvi_asprintf("%s: expected a JSON list of prompts", path)
                       : fvi_asprintf("%s:%d:%d: %s", path, je.line, je.column, je.text);
            ret = -EINVAL;
        }
        for (size_t i = 0; !ret && i < json_array_size(doc); i++)
            if (prompt_from_json(json_array_get(doc, i), out) < 0) {
                *err = fvi_asprintf("%s: item %zu is neither a string nor an object with \"prompt\"", path, i);
                ret = -EINVAL;
            }
        json_decref(doc);
    } else {
        bool jsonl = fvi_str_has_suffix(path, ".jsonl");
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        int lineno = 0;
        while (!ret && (len = getline(&line, &cap, fp)) >= 0) {
            lineno++;
            while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                line[--len] = '\0';
            if (!jsonl) {
                fvi_strv_push(out, line); /* .txt: one prompt per line */
                continue;
            }
            if (strspn(line, " \t") == (size_t) len)
                continue;
            json_error_t je;
            json_t *item = json_loads(line, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
            if (!item) {
                *err = fvi_asprintf("%s:%d: %s", path, lineno, je.text);
                ret = -EINVAL;
            } else if (prompt_from_json(item, out) < 0) {
                *err = fvi_asprintf("%s:%d: expected a JSON string or an object with \"prompt\" or \"text_prompt\"",
                                    path, lineno);
                ret = -EINVAL;
            }
            json_decref(item);
        }
        /* A trailing empty line of a .txt file is not a prompt. */
        while (!jsonl && out->n && !*out->v[out->n - 1]) {
            free(out->v[--out->n]);
            out->v[out->n] = NULL;
        }
        free(line);
    }
    fclose(fp);
    return ret;
}

/* ---- building ------------------------------------------------------------------- */

static void list_push(fvi_sample_list *l, fvi_sample *s)
{
    l->v = fvi_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    l->v[l->n++] = s;
}

void fvi_sample_list_free(fvi_sample_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        fvi_sample_free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static bool is_path_key(const char *key, const fvi_strv *media_fields)
{
    return fvi_strv_contains(media_fields, key) || strcmp(key, "video") == 0 ||
           strcmp(key, "reference") == 0 || strcmp(key, "audio") == 0 ||
           strcmp(key, "reference_audio") == 0;
}

static const char *json_type_word(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/*
 * Check the keys of a manifest row that the core itself interprets; every
 * other key is free-form data for plugins.  Returns a reason or NULL.
 */
static char *check_manifest_row(json_t *row, const fvi_strv *media_fields)
{
    const char *key;
    json_t *val;
    json_object_foreach(row, key, val) {
        if (is_path_key(key, media_fields) || strcmp(key, "text_prompt") == 0) {
            bool is_path = strcmp(key, "text_prompt") != 0;
            if (!json_is_string(val))
                return fvi_asprintf("\"%s\" must be a string%s, not %s", key,
                                    is_path ? " (a file path)" : "", json_type_word(val));
            if (is_path && !*json_string_value(val))
                return fvi_asprintf("\"%s\" is an empty path", key);
        } else if (strcmp(key, "fps") == 0) {
            if (!json_is_number(val))
                return fvi_asprintf("\"fps\" must be a number, not %s", json_type_word(val));
            double fps = json_number_value(val);
            if (!(fps >= FVI_FPS_MIN && fps <= FVI_FPS_MAX))
                return fvi_asprintf("\"fps\" is %g, out of range [%g, %g]", fps, FVI_FPS_MIN,
                                    FVI_FPS_MAX);
        } else if (strcmp(key, "role") == 0) {
            const char *role = json_string_value(val);
            if (!role || (strcmp(role, "generated") != 0 && strcmp(role, "reference") != 0))
                return fvi_xstrdup("\"role\" must be \"generated\" or \"reference\"");
        }
    }
    return NULL;
}

static int build_from_manifest(const char *path, const fvi_strv *media_fields, fvi_sample_list *out,
                               char **err)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        *err = fvi_asprintf("cannot open manifest '%s': %s", path, strerror(errno));
        return -EINVAL;
    }
    char *copy = fvi_xstrdup(path);
    char *base = fvi_xstrdup(dirname(copy));
    free(copy);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, ret = 0;
    while (!ret && (len = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == (size_t) len)
            continue;
        json_error_t je;
        /* A repeated key would silently keep one of the values. */
        json_t *row = json_loads(line, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(row)) {
            *err = row ? fvi_asprintf("%s:%d: a manifest row must be a JSON object", path, lineno)
                       : fvi_asprintf("%s:%d:%d: %s", path, lineno, je.column, je.text);
            json_decref(row);
            ret = -EINVAL;
            break;
        }
        char *why = check_manifest_row(row, media_fields);
        if (why) {
            *err = fvi_asprintf("%s:%d: %s", path, lineno, why);
            free(why);
            json_decref(row);
            ret = -EINVAL;
            break;
        }
        const char *key;
        json_t *val;
        json_object_foreach(row, key, val) {
            const char *sv = json_string_value(val);
            if (sv && sv[0] != '/' && is_path_key(key, media_fields)) {
                char *abs = fvi_asprintf("%s/%s", base, sv);
                json_object_set_new(row, key, json_string(abs));
                free(abs);
            }
        }
        const char *role = json_string_value(json_object_get(row, "role"));
        bool is_ref = role && strcmp(role, "reference") == 0;
        json_object_del(row, "role");
        list_push(out, fvi_sample_new((int64_t) out->n, row, is_ref));
    }
    if (!ret && out->n == 0) {
        *err = fvi_asprintf("manifest '%s' has no samples", path);
        ret = -EINVAL;
    }
    free(line);
    free(base);
    fclose(fp);
    return ret;
}

static json_t *path_value(const char *p)
{
    return json_string(p);
}

int fvi_samples_build(const fvi_run_config *cfg, const fvi_strv *media_fields, fvi_sample_list *out,
                      char **err)
{
    if (cfg->manifest) {
        if (cfg->videos.n || cfg->references.n) {
            *err = fvi_xstrdup("use either --manifest or --videos/--reference, not both");
            return -EINVAL;
        }
        return build_from_manifest(cfg->manifest, media_fields, out, err);
    }
    if (!cfg->videos.n) {
        *err = fvi_xstrdup("no inputs: give --videos (files, directories, globs) or --manifest FILE");
        return -EINVAL;
    }
    fvi_strv gen = {0}, ref = {0}, aud = {0}, prompts = {0};
    int ret = expand_all(&cfg->videos, &gen, err);
    if (!ret)
        ret = expand_all(&cfg->references, &ref, err);
    if (!ret)
        ret = expand_all(&cfg->audios, &aud, err);
    if (ret)
        goto out;
    size_t n = gen.n;
    if (aud.n && aud.n != n) {
        *err = fvi_asprintf("cannot pair %zu videos with %zu audio files", n, aud.n);
        ret = -EINVAL;
        goto out;
    }
    if (cfg->text_prompts.n && cfg->prompts_file) {
        *err = fvi_xstrdup("use either --text-prompt or --prompts, not both");
        ret = -EINVAL;
        goto out;
    }
    for (size_t i = 0; i < cfg->text_prompts.n; i++)
        fvi_strv_push(&prompts, cfg->text_prompts.v[i]);
    if (cfg->prompts_file && (ret = load_prompts(cfg->prompts_file, &prompts, err)) < 0)
        goto out;
    if (prompts.n > 1 && prompts.n != n) {
        *err = fvi_asprintf("%zu prompts for %zu videos: give one prompt, or one per video", prompts.n, n);
        ret = -EINVAL;
        goto out;
    }

    /* ref_of[i]: index into ref for video i, or -1. */
    long *ref_of = fvi_xmalloc((n ? n : 1) * sizeof(long));
    bool *ref_used = fvi_xcalloc(ref.n ? ref.n : 1, sizeof(bool));
    bool by_stem = cfg->pair_by && strcmp(cfg->pair_by, "stem") == 0;
    if (cfg->pair_by && !by_stem && strcmp(cfg->pair_by, "position") != 0) {
        *err = fvi_asprintf("--pair-by must be 'position' or 'stem', not '%s'", cfg->pair_by);
        ret = -EINVAL;
    } else if (by_stem) {
        for (size_t i = 0; i < n; i++) {
            ref_of[i] = -1;
            char *gs = stem_of(gen.v[i]);
            for (size_t j = 0; j < ref.n && ref_of[i] < 0; j++) {
                char *rs = stem_of(ref.v[j]);
                if (!ref_used[j] && strcmp(gs, rs) == 0) {
                    ref_of[i] = (long) j;
                    ref_used[j] = true;
                }
                free(rs);
            }
            free(gs);
        }
    } else if (ref.n && ref.n < n) {
        *err = fvi_asprintf("cannot pair %zu videos with %zu references by position "
                            "(give as many references as videos, more for set metrics, or --pair-by stem)",
                            n, ref.n);
        ret = -EINVAL;
    } else {
        for (size_t i = 0; i < n; i++) {
            ref_of[i] = i < ref.n ? (long) i : -1;
            if (i < ref.n)
                ref_used[i] = true;
        }
    }
    if (!ret) {
        for (size_t i = 0; i < n; i++) {
            json_t *f = json_object();
            json_object_set_new(f, "video", path_value(gen.v[i]));
            if (ref_of[i] >= 0)
                json_object_set_new(f, "reference", path_value(ref.v[ref_of[i]]));
            if (aud.n)
                json_object_set_new(f, "audio", path_value(aud.v[i]));
            if (prompts.n)
                json_object_set_new(f, "text_prompt", json_string(prompts.v[prompts.n == 1 ? 0 : i]));
            if (cfg->fps > 0)
                json_object_set_new(f, "fps", json_real(cfg->fps));
            list_push(out, fvi_sample_new((int64_t) out->n, f, false));
        }
        /* Surplus references feed set metrics only (e.g. FVD's real set). */
        for (size_t j = 0; j < ref.n; j++) {
            if (ref_used[j])
                continue;
            json_t *f = json_object();
            json_object_set_new(f, "video", path_value(ref.v[j]));
            if (cfg->fps > 0)
                json_object_set_new(f, "fps", json_real(cfg->fps));
            list_push(out, fvi_sample_new((int64_t) out->n, f, true));
        }
    }
    free(ref_of);
    free(ref_used);
out:
    fvi_strv_free(&gen);
    fvi_strv_free(&ref);
    fvi_strv_free(&aud);
    fvi_strv_free(&prompts);
    if (ret)
        fvi_sample_list_free(out);
    return ret;
}
