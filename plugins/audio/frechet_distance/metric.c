/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audio.frechet_distance: Fréchet distance between Gaussians fitted to PaSST
 * embeddings of generated and reference audio (FAD with PaSST, FastVideo
 * fastvideo/eval/metrics/audio/frechet_distance).  See README.md.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <fveval/plugin.h>

#include "frechet.h"
#include "passt.h"

#define FAD_STATE_MAGIC "FVFAD\0\0\1"
#define FAD_STATE_VERSION 1u

enum { CACHE_READ_WRITE = 0, CACHE_READ = 1, CACHE_OFF = 2 };
static const char *const cache_modes[] = {"read_write", "read", "off", NULL};

typedef struct fad_priv {
    /* options */
    const char *cache_path_opt;
    int cache_mode;
    /* state */
    char *cache_path;      /* resolved, or NULL: no cache */
    bool cache_exists;     /* the cache answers for the reference side */
    fveval_model *model;
    fv_feature_set *gen, *ref;
    uint64_t gen_dropped, ref_dropped; /* non-finite embeddings (silent audio) */
} fad_priv;

static const fveval_option fad_options[] = {
    {.name = "cache_path",
     .help = "reference embeddings (torch.save of an (N, 768) float tensor); default "
             "$FVEVAL_FAD_REF_FEATURES, else $FASTVIDEO_FAD_REF_FEATURES, else none",
     .type = FVEVAL_OPT_STRING, .offset = offsetof(fad_priv, cache_path_opt)},
    {.name = "cache_mode",
     .help = "read_write: an existing cache answers for the references, else streamed references "
             "are written to it at the end; read: never write; off: ignore it",
     .type = FVEVAL_OPT_ENUM, .offset = offsetof(fad_priv, cache_mode), .enum_names = cache_modes},
    {.name = NULL},
};

static const fveval_field fad_fields[] = {
    {.name = "audio", .type = FVEVAL_FIELD_AUDIO,
     .help = "generated audio (a reference one for role \"reference\"); default: the video's track"},
    {.name = "reference_audio", .type = FVEVAL_FIELD_AUDIO,
     .help = "a reference audio; joins the reference set unless a cache answers for it"},
    {.name = NULL},
};

static const fveval_model_file fad_models[] = {
    {.name = PASST_MODEL_FILE, .source = PASST_MODEL_SOURCE, .recipe = PASST_MODEL_RECIPE},
    {.name = NULL},
};

static int fad_init(fveval_ctx *ctx)
{
    fad_priv *p = fveval_priv(ctx);
    p->gen = fv_feature_set_new(PASST_FEATURES);
    p->ref = fv_feature_set_new(PASST_FEATURES);
    if (!p->gen || !p->ref)
        return -ENOMEM;
    const char *path = p->cache_path_opt;
    if (!path || !*path)
        path = getenv("FVEVAL_FAD_REF_FEATURES");
    if (!path || !*path)
        path = getenv("FASTVIDEO_FAD_REF_FEATURES");
    if (p->cache_mode != CACHE_OFF && path && *path) {
        p->cache_path = strdup(path);
        if (!p->cache_path)
            return -ENOMEM;
        struct stat sb;
        p->cache_exists = stat(path, &sb) == 0;
    }
    return 0;
}

static int fad_setup(fveval_ctx *ctx)
{
    fad_priv *p = fveval_priv(ctx);
    p->model = fveval_model_load(ctx, PASST_MODEL_FILE);
    return p->model ? 0 : -ENOENT;
}

static void fad_uninit(fveval_ctx *ctx)
{
    fad_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->model);
    fv_feature_set_free(p->gen);
    fv_feature_set_free(p->ref);
    free(p->cache_path);
    p->model = NULL;
    p->gen = p->ref = NULL;
    p->cache_path = NULL;
}

static void fad_reset(fveval_ctx *ctx)
{
    fad_priv *p = fveval_priv(ctx);
    fv_feature_set_clear(p->gen);
    fv_feature_set_clear(p->ref);
    p->gen_dropped = p->ref_dropped = 0;
}

/*
 * Upstream's _passt_embed: librosa load at 32 kHz, peak(-1), cut or zero-pad
 * to 10 s, PaSST, the 768 features.  Silent audio (NaN upstream) and
 * non-finite features count as dropped rows, as upstream drops them in
 * finalize.  Other failures are errors of the sample.
 */
static int embed_into(fveval_ctx *ctx, fad_priv *p, const fveval_sample *s, const char *field,
                      bool to_ref)
{
    const fveval_audio *a = fveval_sample_audio(ctx, s, field);
    if (!a)
        return 0;
    char err[256] = "";
    float *x = NULL;
    int64_t n = 0;
    int ret = passt_load(a, &x, &n, err, sizeof(err));
    float features[PASST_FEATURES];
    if (ret == 0) {
        float *window = calloc(PASST_WINDOW, sizeof(float));
        if (!window) {
            ret = -ENOMEM;
            snprintf(err, sizeof(err), "no memory for a PaSST window");
        } else {
            memcpy(window, x, (size_t) (n < PASST_WINDOW ? n : PASST_WINDOW) * sizeof(float));
            ret = passt_forward(ctx, p->model, window, PASST_WINDOW, NULL, features, err,
                                sizeof(err));
            free(window);
        }
        for (int i = 0; ret == 0 && i < PASST_FEATURES; i++)
            if (!isfinite(features[i]))
                ret = -EDOM;
    }
    free(x);
    if (ret == -EDOM) {
        if (to_ref)
            p->ref_dropped++;
        else
            p->gen_dropped++;
        return 0;
    }
    if (ret < 0) {
        fveval_accumulate_error(ctx, s, "%s: %s", field, err);
        return ret;
    }
    ret = fv_feature_set_add(to_ref ? p->ref : p->gen, features, 1);
    if (ret < 0)
        fveval_accumulate_error(ctx, s, "no memory for an embedding");
    return ret;
}

static int fad_accumulate(fveval_ctx *ctx, const fveval_sample *s)
{
    fad_priv *p = fveval_priv(ctx);
    const char *role = fveval_sample_role(ctx, s);
    if (role && strcmp(role, "reference") == 0) {
        if (p->cache_exists)
            return 0; /* the cache answers for the reference side */
        const char *field = fveval_sample_audio(ctx, s, "audio") ? "audio" : "reference_audio";
        if (!fveval_sample_audio(ctx, s, field)) {
            fveval_accumulate_skip(ctx, s, "no audio");
            return -ENOTSUP;
        }
        return embed_into(ctx, p, s, field, true);
    }
    bool has_gen = fveval_sample_audio(ctx, s, "audio") != NULL;
    bool has_ref = !p->cache_exists && fveval_sample_audio(ctx, s, "reference_audio") != NULL;
    if (!has_gen && !has_ref) {
        fveval_accumulate_skip(ctx, s, "no audio");
        return -ENOTSUP;
    }
    int ret = has_gen ? embed_into(ctx, p, s, "audio", false) : 0;
    if (ret == 0 && has_ref)
        ret = embed_into(ctx, p, s, "reference_audio", true);
    return ret;
}

/* The cached (N, 768) tensor, its non-finite rows dropped. */
static fv_feature_set *cache_load(fveval_ctx *ctx, const fad_priv *p, char *why, size_t whylen)
{
    fveval_tensor *t = fveval_tensor_load(ctx, p->cache_path);
    if (!t) {
        snprintf(why, whylen, "cannot read the reference cache %s: %s", p->cache_path,
                 fveval_model_error(ctx));
        return NULL;
    }
    int64_t shape[2] = {0, 0};
    int nd = fveval_tensor_shape(ctx, t, shape, 2);
    fv_feature_set *set = NULL;
    if (nd != 2 || shape[1] != PASST_FEATURES) {
        snprintf(why, whylen, "the reference cache %s is not an (N, %d) tensor", p->cache_path,
                 PASST_FEATURES);
    } else if ((set = fv_feature_set_new(PASST_FEATURES))) {
        const float *rows = fveval_tensor_data(ctx, t);
        for (int64_t r = 0; r < shape[0]; r++) {
            const float *row = rows + r * PASST_FEATURES;
            bool finite = true;
            for (int i = 0; i < PASST_FEATURES && finite; i++)
                finite = isfinite(row[i]);
            if (finite && fv_feature_set_add(set, row, 1) < 0) {
                fv_feature_set_free(set);
                set = NULL;
                snprintf(why, whylen, "no memory for the reference cache");
                break;
            }
        }
        if (set && fv_feature_set_count(set) < 2) {
            snprintf(why, whylen, "the reference cache %s has %zu finite rows (needs >= 2)",
                     p->cache_path, fv_feature_set_count(set));
            fv_feature_set_free(set);
            set = NULL;
        }
    } else {
        snprintf(why, whylen, "no memory for the reference cache");
    }
    fveval_tensor_free(ctx, t);
    return set;
}

static void cache_write(fveval_ctx *ctx, fad_priv *p, fveval_result *res)
{
    struct stat sb;
    if (p->cache_mode != CACHE_READ_WRITE || !p->cache_path || stat(p->cache_path, &sb) == 0)
        return;
    const int64_t shape[2] = {(int64_t) fv_feature_set_count(p->ref), PASST_FEATURES};
    fveval_arg arg = FVEVAL_ARG_TENSOR_OF(2, shape, fv_feature_set_rows(p->ref));
    if (fveval_tensor_save(ctx, &arg, p->cache_path) == 0)
        fveval_result_string(ctx, res, "cache_written", p->cache_path);
    else
        fveval_log(ctx, FVEVAL_LOG_WARNING, "cannot write the reference cache %s: %s",
                   p->cache_path, fveval_model_error(ctx));
}

static int fad_finalize(fveval_ctx *ctx, fveval_result *res)
{
    fad_priv *p = fveval_priv(ctx);
    size_t n_gen = fv_feature_set_count(p->gen), n_ref = fv_feature_set_count(p->ref);
    uint64_t all_gen = n_gen + p->gen_dropped, all_ref = n_ref + p->ref_dropped;
    fv_feature_set *cached = NULL;
    char why[512];
    if (p->cache_exists) {
        cached = cache_load(ctx, p, why, sizeof(why));
        if (!cached) {
            fveval_result_skip(ctx, res, "%s", why);
            return -ENOTSUP;
        }
        n_ref = fv_feature_set_count(cached);
        all_ref = n_ref;
    }
    fveval_result_int(ctx, res, "n_gen", (int64_t) n_gen);
    fveval_result_int(ctx, res, "n_ref", (int64_t) n_ref);
    fveval_result_int(ctx, res, "n_gen_dropped_nonfinite", (int64_t) p->gen_dropped);
    fveval_result_int(ctx, res, "n_ref_dropped_nonfinite", cached ? 0 : (int64_t) p->ref_dropped);
    fveval_result_string(ctx, res, "ref_source", cached ? "cached" : "samples");
    if (!cached && (n_ref < 2 || n_gen < 2)) {
        fveval_result_skip(ctx, res,
                           "FAD needs >=2 finite-embed samples per side (got n_gen=%zu valid of %llu, "
                           "n_ref=%zu valid of %llu)",
                           n_gen, (unsigned long long) all_gen, n_ref,
                           (unsigned long long) all_ref);
        return -ENOTSUP;
    }
    if (n_gen < 2) {
        fv_feature_set_free(cached);
        fveval_result_skip(ctx, res, "FAD needs >=2 finite-embed gen samples (got %zu valid of %llu)",
                           n_gen, (unsigned long long) all_gen);
        return -ENOTSUP;
    }
    double fd = 0;
    char err[256] = "";
    int ret = fv_frechet_distance(p->gen, cached ? cached : p->ref, &fd, err, sizeof(err));
    fv_feature_set_free(cached);
    if (ret < 0) {
        fveval_result_error(ctx, res, "Fréchet distance: %s", err);
        return ret;
    }
    fveval_result_score(ctx, res, fd);
    if (!p->cache_exists)
        cache_write(ctx, p, res);
    return 0;
}

static int fad_merge(fveval_ctx *ctx, fveval_ctx *other)
{
    fad_priv *p = fveval_priv(ctx), *o = fveval_priv(other);
    int r;
    if ((r = fv_feature_set_merge(p->gen, o->gen)) < 0 ||
        (r = fv_feature_set_merge(p->ref, o->ref)) < 0)
        return r;
    p->gen_dropped += o->gen_dropped;
    p->ref_dropped += o->ref_dropped;
    return 0;
}

typedef struct state_header {
    char magic[8];
    uint32_t version, dim;
    uint64_t n_gen, n_ref, gen_dropped, ref_dropped;
} state_header;

static int fad_save_state(fveval_ctx *ctx, fveval_state *st)
{
    fad_priv *p = fveval_priv(ctx);
    state_header h = {.version = FAD_STATE_VERSION, .dim = PASST_FEATURES,
                      .n_gen = fv_feature_set_count(p->gen), .n_ref = fv_feature_set_count(p->ref),
                      .gen_dropped = p->gen_dropped, .ref_dropped = p->ref_dropped};
    memcpy(h.magic, FAD_STATE_MAGIC, 8);
    int r = fveval_state_write(ctx, st, &h, sizeof(h));
    if (r == 0 && h.n_gen)
        r = fveval_state_write(ctx, st, fv_feature_set_rows(p->gen),
                               h.n_gen * PASST_FEATURES * sizeof(float));
    if (r == 0 && h.n_ref)
        r = fveval_state_write(ctx, st, fv_feature_set_rows(p->ref),
                               h.n_ref * PASST_FEATURES * sizeof(float));
    return r;
}

static int read_rows(fveval_ctx *ctx, fveval_state *st, fv_feature_set *into, uint64_t n)
{
    if (!n)
        return 0;
    if (n > SIZE_MAX / sizeof(float) / PASST_FEATURES)
        return -EINVAL;
    float *rows = malloc((size_t) n * PASST_FEATURES * sizeof(float));
    if (!rows)
        return -ENOMEM;
    int r = fveval_state_read(ctx, st, rows, (size_t) n * PASST_FEATURES * sizeof(float));
    if (r == 0)
        r = fv_feature_set_add(into, rows, (size_t) n);
    free(rows);
    return r;
}

static int fad_load_state(fveval_ctx *ctx, fveval_state *st)
{
    fad_priv *p = fveval_priv(ctx);
    state_header h;
    int r = fveval_state_read(ctx, st, &h, sizeof(h));
    if (r < 0)
        return r;
    if (memcmp(h.magic, FAD_STATE_MAGIC, 8) != 0 || h.version != FAD_STATE_VERSION ||
        h.dim != PASST_FEATURES) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "state is not audio.frechet_distance state");
        return -EINVAL;
    }
    if ((r = read_rows(ctx, st, p->gen, h.n_gen)) < 0 || (r = read_rows(ctx, st, p->ref, h.n_ref)) < 0)
        return r;
    p->gen_dropped += h.gen_dropped;
    p->ref_dropped += h.ref_dropped;
    return 0;
}

static const fveval_plugin fad_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "audio.frechet_distance",
    .summary = "Fréchet audio distance on PaSST embeddings, generated vs reference set",
    .description =
        "Each audio: channel mean, soxr HQ to 32 kHz (librosa), peak normalisation to -1 dBFS, "
        "cut or zero-padded to 10 s, PaSST's 768-d embedding. Non-finite embeddings (silent "
        "audio) are dropped and counted. Score: ||mu_g - mu_r||^2 + tr(S_g + S_r - 2 sqrt(S_g "
        "S_r)) with 1e-6 added to both covariance diagonals. A reference cache (cache_path) "
        "answers for the reference side when it exists.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_SET_METRIC | FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = fad_fields,
    .options = fad_options,
    .models = fad_models,
    .priv_size = sizeof(fad_priv),
    .init = fad_init,
    .setup = fad_setup,
    .accumulate = fad_accumulate,
    .finalize = fad_finalize,
    .reset = fad_reset,
    .merge = fad_merge,
    .save_state = fad_save_state,
    .load_state = fad_load_state,
    .uninit = fad_uninit,
};

FVEVAL_PLUGIN_DEFINE(fad_plugin)
