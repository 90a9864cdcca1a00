/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.imaging_quality: MUSIQ (SPAQ) image quality of every frame, as
 * FastVideo's vbench.imaging_quality (metrics-b.md §7):
 *     x_t = frame_t in [0,1]; when max(H, W) > 512: s = 512 / max(H, W),
 *           resize to (int(H s), int(W s)), bilinear, antialias=False
 *     q_t = MUSIQ(x_t)          (MOS, about 0..100; its multiscale patches are in the model)
 *     score = mean_t q_t / 100;  details.per_frame_raw = q_t
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <fveval/plugin.h>

#include "frame_features.h"

#define MUSIQ_FILE "musiq_spaq.pt"
#define MUSIQ_MAX_SIDE 512

typedef struct {
    fvv_features feat; /* first: fvv_features_frame finds it there */
    int64_t chunk_size;
} imaging_priv;

static const fveval_option imaging_options[] = {
    {.name = "chunk_size", .help = "frames per forward pass (upstream: 32)", .type = FVEVAL_OPT_INT,
     .offset = offsetof(imaging_priv, chunk_size), .def.i64 = 32, .min = 1, .max = 4096},
    {.name = NULL},
};

static const fveval_model_file imaging_models[] = {
    {.name = MUSIQ_FILE,
     .source = "https://github.com/chaofengc/IQA-PyTorch/releases/download/v0.1-weights/musiq_spaq_ckpt-358bb6af.pth "
               "(pyiqa.archs.musiq_arch.MUSIQ, as pyiqa.create_metric(\"musiq-spaq\"))",
     .recipe = "python3 tools/export/musiq_spaq.py " MUSIQ_FILE "  (needs the `pyiqa` package)"},
    {.name = NULL},
};

/* Per sample: frames longer than 512 are shrunk so the longer side is (about) 512. */
static void imaging_configure(fvv_features *f, int w, int h)
{
    f->tf = (fvv_transform){.in_divisor = 255.0f, .interp = FVV_BILINEAR, .antialias = false};
    int longer = w > h ? w : h;
    if (longer > MUSIQ_MAX_SIDE) {
        double s = (double) MUSIQ_MAX_SIDE / longer; /* Python float maths, then int() */
        f->tf.resize_h = (int) (h * s);
        f->tf.resize_w = (int) (w * s);
        if (f->tf.resize_h < 1)
            f->tf.resize_h = 1;
        if (f->tf.resize_w < 1)
            f->tf.resize_w = 1;
    }
}

static int imaging_setup(fveval_ctx *ctx)
{
    imaging_priv *p = fveval_priv(ctx);
    p->feat.model = fveval_model_load(ctx, MUSIQ_FILE);
    if (!p->feat.model) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s", fveval_model_error(ctx));
        return -ENOENT;
    }
    p->feat.method = "forward";
    p->feat.chunk = (int) p->chunk_size;
    p->feat.configure = imaging_configure;
    return 0;
}

static int imaging_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    imaging_priv *p = fveval_priv(ctx);
    int r = fvv_features_finish(ctx, &p->feat, fveval_sample_video(ctx, s, "video"), res);
    if (r < 0)
        return r;
    if (p->feat.dim != 1) {
        fveval_result_error(ctx, res, "MUSIQ returned %zu values per frame, want 1", p->feat.dim);
        return -EINVAL;
    }
    size_t n = p->feat.nrows;
    double *raw = malloc(n * sizeof(double)), sum = 0;
    if (!raw)
        return -ENOMEM;
    for (size_t t = 0; t < n; t++)
        sum += raw[t] = p->feat.rows[t];
    fveval_result_score(ctx, res, sum / (double) n / 100.0);
    fveval_result_array(ctx, res, "per_frame_raw", raw, n);
    free(raw);
    return 0;
}

static void imaging_uninit(fveval_ctx *ctx)
{
    imaging_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->feat.model);
    fvv_features_free(&p->feat);
}

static const fveval_plugin imaging_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.imaging_quality",
    .summary = "imaging quality: MUSIQ (SPAQ) quality of every frame, mean / 100",
    .description =
        "Every frame: [0,1] RGB; when the longer side exceeds 512 it is resized to "
        "(int(H*s), int(W*s)), s = 512/max(H,W), bilinear, no antialias; MUSIQ (SPAQ checkpoint, "
        "its own multiscale patch extraction inside the model) gives a MOS of about 0..100. "
        "score = mean over frames / 100; details.per_frame_raw lists the MOS values. "
        "Follows fastvideo.eval vbench.imaging_quality.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = fvv_video_fields,
    .options = imaging_options,
    .models = imaging_models,
    .priv_size = sizeof(imaging_priv),
    .setup = imaging_setup,
    .compute = imaging_compute,
    .uninit = imaging_uninit,
    .frame_access = fvv_stream_video,
    .frame = fvv_features_frame,
};

FVEVAL_PLUGIN_DEFINE(imaging_plugin)
