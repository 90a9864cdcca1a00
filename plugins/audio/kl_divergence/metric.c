/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audio.kl_divergence: KL divergence between PaSST's AudioSet class
 * distributions of a reference and a generated audio (FastVideo
 * fastvideo/eval/metrics/audio/kl_divergence).  See README.md.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "audio.h"
#include "passt.h"

#define STEP (5 * PASST_RATE)               /* 5 s hop */
#define TAIL_MIN ((int64_t) (PASST_WINDOW * 0.15)) /* int(win * 0.15) = 48000 */

typedef struct kl_priv {
    fveval_model *model;
} kl_priv;

static const fveval_field kl_fields[] = {
    {.name = "audio", .type = FVEVAL_FIELD_AUDIO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "generated audio (a path, else the video's own track), at its own rate"},
    {.name = "reference_audio", .type = FVEVAL_FIELD_AUDIO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "ground-truth audio (a path, else the reference video's track)"},
    {.name = NULL},
};

static const fveval_model_file kl_models[] = {
    {.name = PASST_MODEL_FILE, .source = PASST_MODEL_SOURCE, .recipe = PASST_MODEL_RECIPE},
    {.name = NULL},
};

static int kl_setup(fveval_ctx *ctx)
{
    kl_priv *p = fveval_priv(ctx);
    p->model = fveval_model_load(ctx, PASST_MODEL_FILE);
    return p->model ? 0 : -ENOENT;
}

static void kl_uninit(fveval_ctx *ctx)
{
    kl_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->model);
    p->model = NULL;
}

/*
 * Upstream's _collect_logits: 10 s windows every 5 s over
 * range(0, max(step, len - step), step); a window shorter than 10 s is
 * zero-padded to 10 s when longer than 1.5 s, else run as it is; the mean of
 * the raw logits.  0, -EDOM (not finite: silent audio), or another error
 * with err set.  Holds one window at a time.
 */
static int mean_logits(fveval_ctx *ctx, kl_priv *p, const fveval_audio *a, double *mean,
                       int *n_windows, char *err, size_t errlen)
{
    float *x = NULL;
    int64_t n = 0;
    int ret = passt_load(a, &x, &n, err, errlen);
    if (ret < 0)
        return ret;
    float *window = calloc(PASST_WINDOW, sizeof(float));
    if (!window) {
        free(x);
        snprintf(err, errlen, "no memory for a PaSST window");
        return -ENOMEM;
    }
    float logits[PASST_LOGITS];
    memset(mean, 0, sizeof(double) * PASST_LOGITS);
    int count = 0;
    int64_t end = n - STEP > STEP ? n - STEP : STEP;
    for (int64_t i = 0; i < end && ret == 0; i += STEP) {
        int64_t len = n - i < PASST_WINDOW ? n - i : PASST_WINDOW;
        if (len < 0)
            len = 0;
        int64_t feed = len;
        memset(window, 0, sizeof(float) * PASST_WINDOW);
        if (len > 0)
            memcpy(window, x + i, (size_t) len * sizeof(float));
        if (len < PASST_WINDOW && len > TAIL_MIN)
            feed = PASST_WINDOW;
        if (fva_passt_mel_frames(feed) < PASST_MIN_FRAMES) {
            /* upstream's network raises here (its 16x16 patch is wider than the input) */
            snprintf(err, errlen,
                     "%lld samples at 32 kHz give %lld mel frames, fewer than PaSST's 16-frame "
                     "patch",
                     (long long) feed, (long long) fva_passt_mel_frames(feed));
            ret = -ERANGE;
            break;
        }
        ret = passt_forward(ctx, p->model, window, feed, logits, NULL, err, errlen);
        for (int c = 0; ret == 0 && c < PASST_LOGITS; c++) {
            if (!isfinite(logits[c]))
                ret = -EDOM;
            mean[c] += logits[c];
        }
        count++;
    }
    free(window);
    free(x);
    if (ret < 0)
        return ret;
    for (int c = 0; c < PASST_LOGITS; c++)
        mean[c] /= count;
    *n_windows = count;
    return 0;
}

static void log_softmax(const double *x, double *out)
{
    double m = x[0];
    for (int c = 1; c < PASST_LOGITS; c++)
        if (x[c] > m)
            m = x[c];
    double s = 0;
    for (int c = 0; c < PASST_LOGITS; c++)
        s += exp(x[c] - m);
    double lse = m + log(s);
    for (int c = 0; c < PASST_LOGITS; c++)
        out[c] = x[c] - lse;
}

/* logsigmoid(x) = -softplus(-x), without overflow */
static double log_sigmoid(double x)
{
    return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x));
}

static int kl_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    kl_priv *p = fveval_priv(ctx);
    const fveval_audio *gen = fveval_sample_audio(ctx, s, "audio");
    const fveval_audio *ref = fveval_sample_audio(ctx, s, "reference_audio");
    if (!gen || !ref) {
        fveval_result_skip(ctx, res, "missing '%s'", !gen ? "audio" : "reference_audio");
        return -ENOTSUP;
    }
    double lg[PASST_LOGITS], lr[PASST_LOGITS];
    char eg[256] = "", er[256] = "";
    int wg = 0, wr = 0;
    int rr = mean_logits(ctx, p, ref, lr, &wr, er, sizeof(er));
    int rg = mean_logits(ctx, p, gen, lg, &wg, eg, sizeof(eg));
    if (rr == -EDOM || rg == -EDOM) {
        /* upstream names each non-finite side, reference first */
        fveval_result_skip(ctx, res, "non-finite PaSST logits on %s (silent or corrupt audio?)",
                           rr == -EDOM && rg == -EDOM ? "reference_audio+audio"
                           : rr == -EDOM            ? "reference_audio"
                                                    : "audio");
        return -ENOTSUP;
    }
    if (rr == -ERANGE || rg == -ERANGE) {
        fveval_result_skip(ctx, res, "%s too short: %s", rr == -ERANGE ? "reference_audio" : "audio",
                           rr == -ERANGE ? er : eg);
        return -ENOTSUP;
    }
    if (rr < 0 || rg < 0) {
        fveval_result_error(ctx, res, "%s: %s", rr < 0 ? "reference_audio" : "audio",
                            rr < 0 ? er : eg);
        return rr < 0 ? rr : rg;
    }
    double pl[PASST_LOGITS], ql[PASST_LOGITS];
    log_softmax(lr, pl);
    log_softmax(lg, ql);
    double kl_softmax = 0, kl_sigmoid = 0;
    for (int c = 0; c < PASST_LOGITS; c++) {
        kl_softmax += exp(pl[c]) * (pl[c] - ql[c]);
        double a = log_sigmoid(lr[c]), b = log_sigmoid(lg[c]);
        kl_sigmoid += exp(a) * (a - b);
    }
    fveval_result_score(ctx, res, kl_softmax);
    fveval_result_number(ctx, res, "kl_softmax", kl_softmax);
    fveval_result_number(ctx, res, "kl_sigmoid", kl_sigmoid);
    fveval_result_int(ctx, res, "windows_audio", wg);
    fveval_result_int(ctx, res, "windows_reference_audio", wr);
    return 0;
}

static const fveval_plugin kl_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "audio.kl_divergence",
    .summary = "KL divergence of PaSST AudioSet class distributions, reference vs generated audio",
    .description =
        "Both audios: channel mean, soxr HQ to 32 kHz (librosa), peak normalisation to -1 dBFS, "
        "10 s windows every 5 s (tails over 1.5 s zero-padded), PaSST logits averaged over the "
        "windows. Score: KL(softmax(reference) || softmax(generated)); details: kl_softmax, "
        "kl_sigmoid (positive-class terms only, as upstream). Silent audio is skipped.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = kl_fields,
    .models = kl_models,
    .priv_size = sizeof(kl_priv),
    .setup = kl_setup,
    .compute = kl_compute,
    .uninit = kl_uninit,
};

FVEVAL_PLUGIN_DEFINE(kl_plugin)
