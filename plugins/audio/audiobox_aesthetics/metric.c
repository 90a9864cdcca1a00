/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audio.audiobox_aesthetics: Meta's Audiobox Aesthetics predictor (WavLM +
 * four heads: content enjoyment, content usefulness, production complexity,
 * production quality) as FastVideo's
 * fastvideo/eval/metrics/audio/audiobox_aesthetics calls it, which is
 * audiobox_aesthetics' AesPredictor.forward.  See README.md.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "audio.h"

#define AES_MODEL_FILE "audiobox_aesthetics.pt"
#define AES_MODEL_SOURCE                                                                          \
    "https://huggingface.co/facebook/audiobox-aesthetics (checkpoint.pt, also "                   \
    "https://dl.fbaipublicfiles.com/audiobox-aesthetics/checkpoint.pt)"
#define AES_MODEL_RECIPE                                                                          \
    "python3 tools/export/audiobox_aesthetics.py --checkpoint checkpoint.pt --out DIR/" AES_MODEL_FILE
#define AES_RATE 16000
#define AES_WINDOW (10 * AES_RATE) /* upstream's window and hop: 10 s at 16 kHz */
#define AES_AXES 4

/* upstream's AXES_NAME, the order of the model's outputs and of target_transform() */
static const char *const aes_axes[AES_AXES] = {"CE", "CU", "PC", "PQ"};

typedef struct aes_priv {
    int64_t batch_windows;
    fveval_model *model;
    double mean[AES_AXES], std[AES_AXES]; /* target_transform: pred = raw * std + mean */
} aes_priv;

static const fveval_option aes_options[] = {
    {.name = "batch_windows",
     .help = "10 s windows per forward call (upstream runs all of a file's windows at once; the "
             "result does not depend on it, the memory held does)",
     .type = FVEVAL_OPT_INT, .offset = offsetof(aes_priv, batch_windows), .def.i64 = 8, .min = 1,
     .max = 256},
    {.name = NULL},
};

static const fveval_field aes_fields[] = {
    {.name = "audio", .type = FVEVAL_FIELD_AUDIO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "audio to rate (a path, else the video's own track), at its own rate"},
    {.name = NULL},
};

static const fveval_model_file aes_models[] = {
    {.name = AES_MODEL_FILE, .source = AES_MODEL_SOURCE, .recipe = AES_MODEL_RECIPE},
    {.name = NULL},
};

/* The element count of an output tensor, or -1 past 4 dimensions. */
static int64_t tensor_count(fveval_ctx *ctx, const fveval_tensor *t)
{
    int64_t shape[4];
    int nd = fveval_tensor_shape(ctx, t, shape, 4);
    if (nd < 0 || nd > 4)
        return -1;
    int64_t count = 1;
    for (int i = 0; i < nd; i++)
        count *= shape[i];
    return count;
}

static void free_outputs(fveval_ctx *ctx, fveval_tensor **outs, int n)
{
    for (int i = 0; i < n; i++)
        if (outs[i])
            fveval_tensor_free(ctx, outs[i]);
}

/* The checkpoint's per-axis target_transform, read once from the model file. */
static int read_target_transform(fveval_ctx *ctx, aes_priv *p)
{
    fveval_tensor *out = NULL;
    int got = fveval_model_run(ctx, p->model, "target_transform", NULL, 0, &out, 1);
    if (got < 0) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s: target_transform() failed: %s", AES_MODEL_FILE,
                   fveval_model_error(ctx));
        return -EIO;
    }
    int ret = 0;
    if (got != 1 || tensor_count(ctx, out) != 2 * AES_AXES) {
        fveval_log(ctx, FVEVAL_LOG_ERROR,
                   "%s: target_transform() must return one (4, 2) tensor of (mean, std) for CE, "
                   "CU, PC, PQ",
                   AES_MODEL_FILE);
        ret = -EIO;
    } else {
        const float *v = fveval_tensor_data(ctx, out);
        for (int a = 0; a < AES_AXES; a++) {
            p->mean[a] = v[2 * a];
            p->std[a] = v[2 * a + 1];
        }
    }
    free_outputs(ctx, &out, got > 0 ? 1 : 0);
    return ret;
}

static int aes_setup(fveval_ctx *ctx)
{
    aes_priv *p = fveval_priv(ctx);
    /* fp32 always: upstream's autocast switch never turns on (README, "Precision") */
    p->model = fveval_model_load(ctx, AES_MODEL_FILE);
    if (!p->model)
        return -ENOENT;
    return read_target_transform(ctx, p);
}

static void aes_uninit(fveval_ctx *ctx)
{
    aes_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->model);
    p->model = NULL;
}

/*
 * AesPredictor.audio_resample_mono: channel mean, torchaudio.functional.resample
 * to 16 kHz (the mean again is a no-op on one channel).  *out malloc'd.
 */
static int load_16k(const fveval_audio *a, float **out, int64_t *n, char *err, size_t errlen)
{
    float *mono = fva_mono(a->data, a->nb_samples, a->channels);
    fva_sinc *rs = fva_sinc_new(a->rate, AES_RATE, FVA_SINC_FUNCTIONAL);
    int ret = 0;
    if (!mono || !rs) {
        snprintf(err, errlen, "no memory to resample %lld samples at %d Hz to 16 kHz",
                 (long long) a->nb_samples, a->rate);
        ret = -ENOMEM;
    } else {
        *n = fva_sinc_out_len(rs, a->nb_samples);
        *out = malloc((size_t) (*n > 0 ? *n : 1) * sizeof(float));
        if (!*out) {
            snprintf(err, errlen, "no memory for %lld samples at 16 kHz", (long long) *n);
            ret = -ENOMEM;
        } else {
            fva_sinc_run(rs, mono, a->nb_samples, *out);
        }
    }
    fva_sinc_free(rs);
    free(mono);
    return ret;
}

/*
 * One forward call on @p count windows starting at sample @p first: wav
 * zero-padded to 160000 samples, mask 1 on the valid ones (upstream's
 * make_inference_batch).  Adds pred * weight to sum[axis] per window.
 */
static int run_batch(fveval_ctx *ctx, aes_priv *p, const float *x, int64_t n, int64_t first,
                     int count, float *wav, float *mask, double *sum, char *err, size_t errlen)
{
    memset(wav, 0, sizeof(float) * (size_t) count * AES_WINDOW);
    memset(mask, 0, sizeof(float) * (size_t) count * AES_WINDOW);
    int64_t len[256];
    for (int b = 0; b < count; b++) {
        int64_t start = first + (int64_t) b * AES_WINDOW;
        len[b] = n - start < AES_WINDOW ? n - start : AES_WINDOW;
        memcpy(wav + (size_t) b * AES_WINDOW, x + start, sizeof(float) * (size_t) len[b]);
        for (int64_t i = 0; i < len[b]; i++)
            mask[(size_t) b * AES_WINDOW + (size_t) i] = 1.0f;
    }
    const int64_t shape[3] = {count, 1, AES_WINDOW};
    fveval_arg args[2] = {FVEVAL_ARG_TENSOR_OF(3, shape, wav), FVEVAL_ARG_TENSOR_OF(3, shape, mask)};
    fveval_tensor *outs[AES_AXES] = {NULL};
    int got = fveval_model_run(ctx, p->model, "forward", args, 2, outs, AES_AXES);
    if (got < 0) {
        snprintf(err, errlen, "audiobox model failed: %s", fveval_model_error(ctx));
        return -EIO;
    }
    /* four (B,) tensors, one per axis, or one (B, 4) tensor */
    const float *axis_data[AES_AXES];
    int64_t stride = 1;
    bool ok = false;
    if (got == AES_AXES) {
        ok = true;
        for (int a = 0; a < AES_AXES; a++) {
            ok = ok && tensor_count(ctx, outs[a]) == count;
            axis_data[a] = fveval_tensor_data(ctx, outs[a]);
        }
    } else if (got == 1 && tensor_count(ctx, outs[0]) == (int64_t) count * AES_AXES) {
        ok = true;
        stride = AES_AXES;
        for (int a = 0; a < AES_AXES; a++)
            axis_data[a] = fveval_tensor_data(ctx, outs[0]) + a;
    }
    if (!ok) {
        snprintf(err, errlen,
                 "audiobox returned unexpected shape: %d outputs for %d windows, not four (%d,) "
                 "or one (%d, 4)",
                 got, count, count, count);
        free_outputs(ctx, outs, got);
        return -EIO;
    }
    for (int a = 0; a < AES_AXES; a++)
        for (int b = 0; b < count; b++) {
            double pred = axis_data[a][b * stride] * p->std[a] + p->mean[a];
            sum[a] += pred * ((double) len[b] / AES_WINDOW);
        }
    free_outputs(ctx, outs, got);
    return 0;
}

/*
 * Upstream's windows: starts 0, 160000, ... < n, each weighted by its valid
 * length / 160000; the result per axis is sum(pred * weight) / sum(weight).
 * Holds the 16 kHz copy and one batch of windows (wav + mask).
 */
static int predict(fveval_ctx *ctx, aes_priv *p, const float *x, int64_t n, double *result,
                   int *n_windows, char *err, size_t errlen)
{
    int64_t windows = (n + AES_WINDOW - 1) / AES_WINDOW;
    int per_call = (int) (p->batch_windows < windows ? p->batch_windows : windows);
    float *wav = malloc(sizeof(float) * (size_t) per_call * AES_WINDOW);
    float *mask = malloc(sizeof(float) * (size_t) per_call * AES_WINDOW);
    int ret = 0;
    if (!wav || !mask) {
        snprintf(err, errlen, "no memory for a batch of %d windows", per_call);
        ret = -ENOMEM;
    }
    double sum[AES_AXES] = {0};
    for (int64_t w = 0; ret == 0 && w < windows; w += per_call) {
        int count = (int) (windows - w < per_call ? windows - w : per_call);
        ret = run_batch(ctx, p, x, n, w * AES_WINDOW, count, wav, mask, sum, err, errlen);
    }
    free(wav);
    free(mask);
    if (ret < 0)
        return ret;
    /* sum of the weights: full windows count 1, the last one its valid fraction */
    double weight = (double) (windows - 1) + (double) (n - (windows - 1) * AES_WINDOW) / AES_WINDOW;
    for (int a = 0; a < AES_AXES; a++)
        result[a] = sum[a] / weight;
    *n_windows = (int) windows;
    return 0;
}

static int aes_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    aes_priv *p = fveval_priv(ctx);
    const fveval_audio *a = fveval_sample_audio(ctx, s, "audio");
    if (!a) {
        fveval_result_skip(ctx, res, "missing 'audio'");
        return -ENOTSUP;
    }
    if (a->nb_samples <= 0) {
        /* upstream: no windows, and torch.stack of the empty list raises */
        fveval_result_skip(ctx, res,
                           "audiobox predictor failed: RuntimeError: stack expects a non-empty "
                           "TensorList");
        return -ENOTSUP;
    }
    char err[512] = "";
    float *x = NULL;
    int64_t n = 0;
    int ret = load_16k(a, &x, &n, err, sizeof(err));
    double pred[AES_AXES];
    int windows = 0;
    if (ret == 0)
        ret = predict(ctx, p, x, n, pred, &windows, err, sizeof(err));
    free(x);
    if (ret < 0) {
        fveval_result_error(ctx, res, "%s", err);
        return ret;
    }
    for (int k = 0; k < AES_AXES; k++)
        if (!isfinite(pred[k])) {
            fveval_result_skip(ctx, res, "audiobox returned a non-finite %s", aes_axes[k]);
            return -ENOTSUP;
        }
    fveval_result_score(ctx, res, pred[3]); /* PQ */
    for (int k = 0; k < AES_AXES; k++)
        fveval_result_number(ctx, res, aes_axes[k], pred[k]);
    fveval_result_int(ctx, res, "windows", windows);
    return 0;
}

static const fveval_plugin aes_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "audio.audiobox_aesthetics",
    .summary = "Audiobox Aesthetics (WavLM): production quality of the audio, with CE/CU/PC/PQ",
    .description =
        "Channel mean, torchaudio resample to 16 kHz, 10 s windows every 10 s (the last one "
        "zero-padded with a mask), the Audiobox Aesthetics model on each, predictions "
        "de-normalised per axis and averaged weighted by each window's valid fraction. "
        "Score: PQ (production quality); details: CE (content enjoyment), CU (content "
        "usefulness), PC (production complexity), PQ, windows.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL |
             FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .options = aes_options,
    .fields = aes_fields,
    .models = aes_models,
    .priv_size = sizeof(aes_priv),
    .setup = aes_setup,
    .compute = aes_compute,
    .uninit = aes_uninit,
};

FVEVAL_PLUGIN_DEFINE(aes_plugin)
