/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plugin instances and the host services table: the only way plugins reach
 * the core (they link nothing of it).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fveval-core.h"

#define INST(ctx) ((fvi_instance *) (ctx))

/* ---- logging --------------------------------------------------------------- */

static void host_log(fveval_ctx *ctx, int level, const char *fmt, va_list ap)
{
    fvi_vlog_prefixed(level, ctx ? INST(ctx)->metric->name : NULL, fmt, ap);
}

/* ---- sample access ---------------------------------------------------------- */

/*
 * What this instance reads of a decoded field: its own view when it declared
 * STREAM or SAMPLED access (ABI 1.2), else the whole clip.
 */
static const fveval_video *frame_access_video(fveval_ctx *ctx, const fveval_sample *s,
                                              const fvi_video_slot *slot)
{
    const fvi_metric *m = ctx ? INST(ctx)->metric : NULL;
    for (size_t i = 0; m && i < s->n_views; i++)
        if (s->views[i].metric == m && strcmp(s->views[i].field, slot->field) == 0)
            return &s->views[i].video;
    if (m && fvi_frame_access(m->desc, slot->field))
        return NULL; /* a STREAM/SAMPLED reader never gets a whole clip it did not ask for */
    return slot->video.data ? &slot->video : NULL;
}

static const fveval_video *host_sample_video(fveval_ctx *ctx, const fveval_sample *s, const char *field)
{
    for (size_t i = 0; s && i < s->n_videos; i++)
        if (strcmp(s->videos[i].field, field) == 0)
            return s->videos[i].error ? NULL : frame_access_video(ctx, s, &s->videos[i]);
    return NULL;
}

/* The audio requested by this instance's declaration of @p field. */
static const fveval_audio *host_sample_audio(fveval_ctx *ctx, const fveval_sample *s, const char *field)
{
    int rate = 0, channels = 0;
    const fveval_field *f = INST(ctx)->metric->desc->fields;
    for (size_t i = 0; f && f[i].name; i++) {
        if (strcmp(f[i].name, field) == 0 && f[i].type == FVEVAL_FIELD_AUDIO) {
            rate = f[i].rate;
            channels = f[i].channels;
            break;
        }
    }
    for (size_t i = 0; s && i < s->n_audios; i++) {
        const fvi_audio_slot *a = &s->audios[i];
        if (strcmp(a->field, field) == 0 && a->want_rate == rate && a->want_channels == channels)
            return a->error ? NULL : &a->audio;
    }
    return NULL;
}

static const char *host_sample_string(fveval_ctx *ctx, const fveval_sample *s, const char *field)
{
    (void) ctx;
    return s ? json_string_value(json_object_get(s->fields, field)) : NULL;
}

static int host_sample_number(fveval_ctx *ctx, const fveval_sample *s, const char *field, double *out)
{
    (void) ctx;
    json_t *v = s ? json_object_get(s->fields, field) : NULL;
    if (!json_is_number(v))
        return -ENOENT;
    *out = json_number_value(v);
    return 0;
}

static const char *host_sample_json(fveval_ctx *ctx, const fveval_sample *cs, const char *field)
{
    (void) ctx;
    fveval_sample *s = (fveval_sample *) cs; /* the text cache is the core's own */
    json_t *v = s ? json_object_get(s->fields, field) : NULL;
    if (!v)
        return NULL;
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text)
        return NULL;
    s->json_texts = fvi_xrealloc(s->json_texts, (s->n_json_texts + 1) * sizeof(char *));
    s->json_texts[s->n_json_texts++] = text;
    return text;
}

static const char *host_sample_role(fveval_ctx *ctx, const fveval_sample *s)
{
    (void) ctx;
    return s && s->is_reference ? "reference" : "generated";
}

static int64_t host_sample_index(fveval_ctx *ctx, const fveval_sample *s)
{
    (void) ctx;
    return s ? s->index : -1;
}

/*
 * A sample is worked on by one worker thread at a time (all its metrics run
 * in sequence there), so the scratch needs no lock.
 */
static void *host_cache_get(fveval_ctx *ctx, const fveval_sample *s, const char *key)
{
    (void) ctx;
    for (size_t i = 0; s && i < s->n_cache; i++)
        if (strcmp(s->cache[i].key, key) == 0)
            return s->cache[i].data;
    return NULL;
}

static int host_cache_put(fveval_ctx *ctx, const fveval_sample *cs, const char *key, void *data,
                          void (*free_fn)(void *))
{
    fveval_sample *s = (fveval_sample *) cs;
    if (!s || !key)
        return -EINVAL;
    if (host_cache_get(ctx, s, key))
        return -EEXIST;
    s->cache = fvi_xrealloc(s->cache, (s->n_cache + 1) * sizeof(*s->cache));
    s->cache[s->n_cache++] = (fvi_cache_entry){fvi_xstrdup(key), data, free_fn};
    return 0;
}

/* ---- results ---------------------------------------------------------------- */

/* A second score or a repeated detail key replaces the first: almost always
 * a plugin bug, so say it, but once per metric rather than once per sample. */
static void warn_once(fveval_ctx *ctx, unsigned bit, const char *what)
{
    const fvi_metric *m = INST(ctx)->metric;
    if (fvi_metric_warn_once(m, bit))
        fvi_log_prefixed(FVEVAL_LOG_WARNING, m->name,
                         "%s set twice for one result; the last value is kept (warned once per metric)",
                         what);
}

static void set_detail(fveval_ctx *ctx, fveval_result *r, const char *key, json_t *v)
{
    if (!key) {
        json_decref(v);
        return;
    }
    if (json_object_get(r->details, key)) {
        char *what = fvi_asprintf("detail '%s'", key);
        warn_once(ctx, FVI_WARNED_DUP_DETAIL, what);
        free(what);
    }
    json_object_set_new(r->details, key, v);
}

static void host_result_score(fveval_ctx *ctx, fveval_result *r, double score)
{
    if (r->has_score)
        warn_once(ctx, FVI_WARNED_DUP_SCORE, "the score");
    r->score = score;
    r->has_score = true;
}

static void host_result_skip(fveval_ctx *ctx, fveval_result *r, const char *fmt, va_list ap)
{
    (void) ctx;
    free(r->skip);
    r->skip = fvi_vasprintf(fmt, ap);
}

static void host_result_number(fveval_ctx *ctx, fveval_result *r, const char *key, double v)
{
    set_detail(ctx, r, key, fvi_json_number(v));
}

static void host_result_string(fveval_ctx *ctx, fveval_result *r, const char *key, const char *v)
{
    /* Text that is not UTF-8 (a model's raw bytes) is kept, not dropped. */
    json_t *j = v ? json_string(v) : json_null();
    if (!j) {
        fvi_log_prefixed(FVEVAL_LOG_WARNING, INST(ctx)->metric->name,
                         "detail '%s' is not valid UTF-8; stored with invalid bytes replaced",
                         key ? key : "");
        size_t n = strlen(v);
        char *fixed = fvi_xstrdup(v);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char) fixed[i] >= 0x80)
                fixed[i] = '?';
        j = json_string(fixed);
        free(fixed);
    }
    set_detail(ctx, r, key, j);
}

static void host_result_array(fveval_ctx *ctx, fveval_result *r, const char *key, const double *v,
                              size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; v && i < n; i++)
        json_array_append_new(a, fvi_json_number(v[i]));
    set_detail(ctx, r, key, a);
}

static void host_result_error(fveval_ctx *ctx, fveval_result *r, const char *fmt, va_list ap)
{
    (void) ctx;
    fvi_result_set_error(r, fvi_vasprintf(fmt, ap));
}

static void host_result_bool(fveval_ctx *ctx, fveval_result *r, const char *key, int v)
{
    set_detail(ctx, r, key, json_boolean(v));
}

static void host_result_int(fveval_ctx *ctx, fveval_result *r, const char *key, int64_t v)
{
    set_detail(ctx, r, key, json_integer((json_int_t) v));
}

static int host_result_json(fveval_ctx *ctx, fveval_result *r, const char *key, const char *text)
{
    json_error_t jerr;
    json_t *v = text ? json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!v) {
        fvi_log_prefixed(FVEVAL_LOG_WARNING, INST(ctx)->metric->name,
                         "detail '%s' is not valid JSON (%s); not stored", key ? key : "",
                         text ? jerr.text : "NULL text");
        return -EINVAL;
    }
    /* Non-finite numbers cannot come from JSON text, so nothing to map to null. */
    set_detail(ctx, r, key, v);
    return 0;
}

static void host_accumulate_status(fveval_ctx *ctx, const fveval_sample *s, int is_error,
                                   const char *fmt, va_list ap)
{
    (void) s; /* an instance accumulates one sample at a time */
    fvi_instance *inst = INST(ctx);
    free(inst->acc_msg);
    inst->acc_msg = fvi_vasprintf(fmt, ap);
    inst->acc_is_error = is_error != 0;
}

/* ---- state streams ------------------------------------------------------------ */

static int host_state_write(fveval_state *st, const void *data, size_t size)
{
    return fwrite(data, 1, size, st->fp) == size ? 0 : -EIO;
}

static int host_state_read(fveval_state *st, void *data, size_t size)
{
    return fread(data, 1, size, st->fp) == size ? 0 : -EIO;
}

/* ---- environment ---------------------------------------------------------------- */

/* Only declared files are handed out, and only once their sha256 checks out. */
static const char *host_model_path(fveval_ctx *ctx, const char *name)
{
    fvi_instance *inst = INST(ctx);
    const fveval_model_file *mf = inst->metric->desc->models;
    const char *dir = inst->env && inst->env->model_dir ? inst->env->model_dir : NULL;
    for (size_t i = 0; dir && mf && mf[i].name; i++) {
        if (strcmp(mf[i].name, name) != 0)
            continue;
        char *path = NULL, *why = NULL;
        if (fvi_model_check(dir, &mf[i], &path, &why) != FVI_MODEL_PRESENT) {
            fvi_log_prefixed(FVEVAL_LOG_WARNING, inst->metric->name, "%s", why);
            free(why);
            return NULL;
        }
        fvi_strv_push_owned(&inst->model_paths, path);
        return path;
    }
    return NULL;
}

static const char *host_device(fveval_ctx *ctx)
{
    const fvi_env *env = INST(ctx)->env;
    return env && env->device ? env->device : "cpu";
}

/* ---- model runtime ------------------------------------------------------------------- */

static void set_model_err(fvi_instance *inst, char *why_owned)
{
    free(inst->model_err);
    inst->model_err = why_owned;
}

static fveval_model *host_model_load_precision(fveval_ctx *ctx, const char *name, int precision)
{
    fvi_instance *inst = INST(ctx);
    set_model_err(inst, NULL);
    const fveval_model_file *mf = inst->metric->desc->models;
    const fveval_model_file *decl = NULL;
    for (size_t i = 0; name && mf && mf[i].name && !decl; i++)
        if (strcmp(mf[i].name, name) == 0)
            decl = &mf[i];
    if (!decl) {
        set_model_err(inst, fvi_asprintf("model file '%s' is not declared by %s", name ? name : "(null)",
                                         inst->metric->name));
        return NULL;
    }
    if (!fvi_torch_api()->available) {
        char err[256];
        fvi_torch_api()->module_load(NULL, NULL, err, sizeof(err));
        set_model_err(inst, fvi_xstrdup(err));
        return NULL;
    }
    const char *dir = inst->env && inst->env->model_dir ? inst->env->model_dir : ".";
    char *path = NULL, *why = NULL;
    if (fvi_model_check(dir, decl, &path, &why) != FVI_MODEL_PRESENT) {
        set_model_err(inst, why);
        return NULL;
    }
    char err[1024];
    fvt_module *m = fvi_torch_api()->module_load_precision(path, host_device(ctx), precision, err,
                                                           sizeof(err));
    free(path);
    if (!m)
        set_model_err(inst, fvi_xstrdup(err));
    return (fveval_model *) m;
}

static fveval_model *host_model_load(fveval_ctx *ctx, const char *name)
{
    return host_model_load_precision(ctx, name, FVEVAL_PRECISION_FP32);
}

static int host_model_run(fveval_ctx *ctx, fveval_model *m, const char *method, const fveval_arg *args,
                          size_t n_args, fveval_tensor **outs, size_t max_outs)
{
    fvi_instance *inst = INST(ctx);
    set_model_err(inst, NULL);
    char err[1024];
    int r = fvi_torch_api()->module_run((fvt_module *) m, method, args, n_args, (fvt_tensor **) outs, max_outs,
                                  err, sizeof(err));
    if (r < 0)
        set_model_err(inst, fvi_xstrdup(err));
    return r;
}

static void host_model_free(fveval_ctx *ctx, fveval_model *m)
{
    (void) ctx;
    fvi_torch_api()->module_free((fvt_module *) m);
}

static int host_tensor_shape(fveval_ctx *ctx, const fveval_tensor *t, int64_t *shape, int max_dims)
{
    (void) ctx;
    int nd = fvi_torch_api()->tensor_ndim((const fvt_tensor *) t);
    const int64_t *s = fvi_torch_api()->tensor_shape((const fvt_tensor *) t);
    for (int i = 0; shape && s && i < nd && i < max_dims; i++)
        shape[i] = s[i];
    return nd;
}

static const float *host_tensor_data(fveval_ctx *ctx, const fveval_tensor *t)
{
    (void) ctx;
    return fvi_torch_api()->tensor_data((const fvt_tensor *) t);
}

static void host_tensor_free(fveval_ctx *ctx, fveval_tensor *t)
{
    (void) ctx;
    fvi_torch_api()->tensor_free((fvt_tensor *) t);
}

static int host_tensor_save(fveval_ctx *ctx, const fveval_arg *t, const char *path)
{
    fvi_instance *inst = INST(ctx);
    set_model_err(inst, NULL);
    char err[1024];
    int r = fvi_torch_api()->tensor_save(t, path, err, sizeof(err));
    if (r < 0)
        set_model_err(inst, fvi_xstrdup(err));
    return r;
}

static fveval_tensor *host_tensor_load(fveval_ctx *ctx, const char *path)
{
    fvi_instance *inst = INST(ctx);
    set_model_err(inst, NULL);
    char err[1024];
    fvt_tensor *t = fvi_torch_api()->tensor_load(path, err, sizeof(err));
    if (!t)
        set_model_err(inst, fvi_xstrdup(err));
    return (fveval_tensor *) t;
}

static const char *host_model_error(fveval_ctx *ctx) { return INST(ctx)->model_err; }

const fveval_host fvi_host = {
    .size = sizeof(fveval_host),
    .abi_version = FVEVAL_ABI_VERSION,
    .log = host_log,
    .sample_video = host_sample_video,
    .sample_audio = host_sample_audio,
    .sample_string = host_sample_string,
    .sample_number = host_sample_number,
    .sample_json = host_sample_json,
    .sample_role = host_sample_role,
    .sample_index = host_sample_index,
    .sample_cache_get = host_cache_get,
    .sample_cache_put = host_cache_put,
    .result_score = host_result_score,
    .result_skip = host_result_skip,
    .result_number = host_result_number,
    .result_string = host_result_string,
    .result_array = host_result_array,
    .state_write = host_state_write,
    .state_read = host_state_read,
    .model_path = host_model_path,
    .device = host_device,
    .model_load = host_model_load,
    .model_run = host_model_run,
    .model_free = host_model_free,
    .tensor_shape = host_tensor_shape,
    .tensor_data = host_tensor_data,
    .tensor_free = host_tensor_free,
    .tensor_save = host_tensor_save,
    .tensor_load = host_tensor_load,
    .model_error = host_model_error,
    .result_error = host_result_error,
    .result_bool = host_result_bool,
    .result_int = host_result_int,
    .result_json = host_result_json,
    .accumulate_status = host_accumulate_status,
    .model_load_precision = host_model_load_precision,
};

/* ---- instances ---------------------------------------------------------------------- */

fvi_instance *fvi_instance_new_env(const fvi_metric *m, const char *options, const fvi_env *env,
                                   char **err)
{
    const fveval_plugin *d = m->desc;
    fvi_instance *inst = fvi_xcalloc(1, sizeof(*inst));
    inst->pub.host = &fvi_host;
    inst->pub.priv = fvi_xcalloc(1, d->priv_size ? d->priv_size : 1);
    inst->metric = m;
    inst->env = env;
    inst->options_spec = fvi_xstrdup(options);
    fvi_options_apply_defaults(d->options, inst->pub.priv);
    if (options && fvi_options_parse(m->name, d->options, inst->pub.priv, options, err) < 0) {
        fvi_instance_free(inst);
        return NULL;
    }
    if (d->init) {
        inst->init_called = true;
        int ret = d->init(&inst->pub);
        if (ret < 0) {
            *err = fvi_asprintf("%s: init failed: %s", m->name, strerror(-ret));
            fvi_instance_free(inst);
            return NULL;
        }
    }
    return inst;
}

fvi_instance *fvi_instance_new(const fvi_metric *m, const char *options, char **err)
{
    return fvi_instance_new_env(m, options, NULL, err);
}

void fvi_instance_free(fvi_instance *inst)
{
    if (!inst)
        return;
    /* A plugin without init still releases in uninit what its setup acquired. */
    if ((inst->init_called || inst->setup_done) && inst->metric->desc->uninit)
        inst->metric->desc->uninit(&inst->pub);
    fvi_options_free(inst->metric->desc->options, inst->pub.priv);
    free(inst->pub.priv);
    free(inst->options_spec);
    free(inst->setup_reason);
    fvi_strv_free(&inst->model_paths);
    free(inst->model_err);
    free(inst->acc_msg);
    free(inst);
}

json_t *fvi_instance_options_json(const fvi_instance *inst)
{
    json_t *o = json_object();
    const fveval_option *opts = inst->metric->desc->options;
    for (size_t i = 0; opts && opts[i].name; i++) {
        const fveval_option *op = &opts[i];
        const void *priv = inst->pub.priv;
        json_t *v;
        switch (op->type) {
        case FVEVAL_OPT_BOOL:
            v = json_boolean(*(const int *) ((const char *) priv + op->offset));
            break;
        case FVEVAL_OPT_INT:
            v = json_integer(*(const int64_t *) ((const char *) priv + op->offset));
            break;
        case FVEVAL_OPT_DOUBLE:
            v = fvi_json_number(*(const double *) ((const char *) priv + op->offset));
            break;
        default: {
            char *s = fvi_option_value_string(op, priv);
            v = json_string(s);
            free(s);
        }
        }
        json_object_set_new(o, op->name, v);
    }
    return o;
}
