/* SPDX-License-Identifier: Apache-2.0 */
/* Samples (fields + decoded media + per-sample scratch) and results. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fveval-core.h"

fvi_sample *fvi_sample_new(int64_t index, json_t *fields_owned, bool is_reference)
{
    fvi_sample *s = fvi_xcalloc(1, sizeof(*s));
    s->index = index;
    s->is_reference = is_reference;
    s->fields = fields_owned ? fields_owned : json_object();
    json_t *fps = json_object_get(s->fields, "fps");
    if (json_is_number(fps) && json_number_value(fps) > 0)
        s->fps_override = json_number_value(fps);
    return s;
}

void fvi_sample_release_media(fvi_sample *s)
{
    for (size_t i = 0; i < s->n_videos; i++) {
        free(s->videos[i].field);
        free(s->videos[i].buffer);
        free(s->videos[i].error);
        free(s->videos[i].damage);
    }
    free(s->videos);
    s->videos = NULL;
    s->n_videos = 0;
    for (size_t i = 0; i < s->n_audios; i++) {
        free(s->audios[i].field);
        free(s->audios[i].buffer);
        free(s->audios[i].error);
        free(s->audios[i].damage);
    }
    free(s->audios);
    s->audios = NULL;
    s->n_audios = 0;
    for (size_t i = 0; i < s->n_cache; i++) {
        if (s->cache[i].free_fn)
            s->cache[i].free_fn(s->cache[i].data);
        free(s->cache[i].key);
    }
    free(s->cache);
    s->cache = NULL;
    s->n_cache = 0;
    for (size_t i = 0; i < s->n_json_texts; i++)
        free(s->json_texts[i]);
    free(s->json_texts);
    s->json_texts = NULL;
    s->n_json_texts = 0;
    for (size_t i = 0; i < s->n_views; i++) {
        free(s->views[i].field);
        free(s->views[i].buffer);
        free(s->views[i].index);
    }
    free(s->views);
    s->views = NULL;
    s->n_views = 0;
}

void fvi_sample_free(fvi_sample *s)
{
    if (!s)
        return;
    fvi_sample_release_media(s);
    json_decref(s->fields);
    fvi_strv_free(&s->warnings);
    free(s);
}

const char *fvi_sample_path(const fvi_sample *s, const char *field)
{
    return json_string_value(json_object_get(s->fields, field));
}

void fvi_sample_warn(fvi_sample *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = fvi_vasprintf(fmt, ap);
    va_end(ap);
    /* A sample decoded again (a resumed run) must not list the same warning twice. */
    if (fvi_strv_contains(&s->warnings, msg)) {
        free(msg);
        return;
    }
    fvi_log(FVEVAL_LOG_WARNING, "sample %lld: %s", (long long) s->index, msg);
    fvi_strv_push_owned(&s->warnings, msg);
}

json_t *fvi_sample_warnings_json(const fvi_sample *s)
{
    json_t *a = json_array();
    for (size_t k = 0; k < s->warnings.n; k++)
        json_array_append_new(a, json_string(s->warnings.v[k]));
    return a;
}

void fvi_sample_adopt_warnings(fvi_sample *s, const json_t *warnings)
{
    size_t k;
    json_t *w;
    json_array_foreach(warnings, k, w) {
        if (json_is_string(w) && !fvi_strv_contains(&s->warnings, json_string_value(w)))
            fvi_strv_push(&s->warnings, json_string_value(w));
    }
}

void fvi_result_init(fvi_result *r)
{
    memset(r, 0, sizeof(*r));
    r->score = NAN;
    r->details = json_object();
}

void fvi_result_clear(fvi_result *r)
{
    free(r->skip);
    free(r->error);
    json_decref(r->details);
    memset(r, 0, sizeof(*r));
}

void fvi_result_set_error(fvi_result *r, char *msg_owned)
{
    free(r->error);
    r->error = msg_owned;
    free(r->skip);
    r->skip = NULL;
}

bool fvi_result_scored(const fvi_result *r)
{
    return r->has_score && !r->skip && !r->error && isfinite(r->score);
}

json_t *fvi_json_number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *fvi_result_to_json(const fvi_result *r)
{
    json_t *o = json_object();
    bool plain = !r->skip && !r->error;
    json_object_set_new(o, "score", (r->has_score && plain) ? fvi_json_number(r->score) : json_null());
    json_object_set_new(o, "skipped", string_or_null(r->skip));
    json_object_set_new(o, "error", string_or_null(r->error));
    if (r->failed_samples)
        json_object_set_new(o, "failed_samples", json_integer((json_int_t) r->failed_samples));
    json_object_set_new(o, "details", json_deep_copy(r->details));
    return o;
}

bool fvi_result_from_json(fvi_result *r, json_t *j)
{
    if (!json_is_object(j))
        return false;
    json_t *details = json_object_get(j, "details");
    if (json_is_object(details))
        json_object_update(r->details, details);
    json_t *skip = json_object_get(j, "skipped"), *error = json_object_get(j, "error");
    json_t *score = json_object_get(j, "score");
    /* Schema 1 kept the skip reason and an error flag inside details. */
    json_t *old_skip = json_object_get(r->details, "skipped");
    json_t *old_error = json_object_get(r->details, "error");
    if (!json_is_string(skip) && json_is_string(old_skip) && !json_object_get(j, "error")) {
        const char *text = json_string_value(old_skip);
        if (json_is_true(old_error))
            r->error = fvi_xstrdup(fvi_str_has_prefix(text, "error: ") ? text + 7 : text);
        else
            r->skip = fvi_xstrdup(text);
        json_object_del(r->details, "skipped");
        json_object_del(r->details, "error");
    }
    if (json_is_string(skip))
        r->skip = fvi_xstrdup(json_string_value(skip));
    if (json_is_string(error))
        r->error = fvi_xstrdup(json_string_value(error));
    json_t *failed = json_object_get(j, "failed_samples");
    if (json_is_integer(failed))
        r->failed_samples = json_integer_value(failed);
    if (json_is_number(score)) {
        r->score = json_number_value(score);
        r->has_score = true;
    } else if (!r->skip && !r->error) {
        r->has_score = true; /* a non-finite score was written as null */
    }
    return true;
}
