/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.background_consistency: how alike a clip's frames look to CLIP, as
 * FastVideo's vbench.background_consistency (metrics-b.md §3):
 *     x_t = clip_normalize(center_crop(resize(frame_t in [0,1], short side 224,
 *                                             bicubic, antialias=False), 224))
 *     f_t = CLIP ViT-B/32 encode_image(x_t), L2-normalised
 *     score = consistency_score(f)                                # §0.5
 * CLIP runs in fp16 on CUDA and fp32 on the cpu, as clip.load (option precision).
 */
#include <errno.h>
#include <stddef.h>

#include <fveval/plugin.h>

#include "clip.h"
#include "frame_features.h"


typedef struct {
    fvv_features feat; /* first: fvv_features_frame finds it there */
    int64_t chunk_size;
    int precision;
} background_priv;

static const fveval_option background_options[] = {
    {.name = "chunk_size", .help = "frames per forward pass (upstream: 64)", .type = FVEVAL_OPT_INT,
     .offset = offsetof(background_priv, chunk_size), .def.i64 = 64, .min = 1, .max = 4096},
    {.name = "precision", .help = FVC_PRECISION_HELP, .type = FVEVAL_OPT_ENUM,
     .offset = offsetof(background_priv, precision), .def.i64 = FVC_PRECISION_AUTO,
     .enum_names = fvc_precision_names},
    {.name = NULL},
};

static const fveval_model_file background_models[] = {
    FVC_CLIP_B32_MODEL_FILE,
    {.name = NULL},
};

static int background_setup(fveval_ctx *ctx)
{
    background_priv *p = fveval_priv(ctx);
    char why[512];
    p->feat.model = fvc_load(ctx, FVC_CLIP_B32_FILE, p->precision, why, sizeof(why));
    if (!p->feat.model) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s", why);
        return -ENOENT;
    }
    p->feat.method = "encode_image";
    p->feat.chunk = (int) p->chunk_size;
    fvc_image_transform(&p->feat.tf);
    return 0;
}

static int background_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    background_priv *p = fveval_priv(ctx);
    int r = fvv_features_finish(ctx, &p->feat, fveval_sample_video(ctx, s, "video"), res);
    if (r < 0)
        return r;
    fvv_l2_normalize_rows(p->feat.rows, p->feat.nrows, p->feat.dim);
    fveval_result_score(ctx, res, fvv_consistency_score(p->feat.rows, p->feat.nrows, p->feat.dim));
    fveval_result_number(ctx, res, "frames", (double) p->feat.nrows);
    return 0;
}

static void background_uninit(fveval_ctx *ctx)
{
    background_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->feat.model);
    fvv_features_free(&p->feat);
}

static const fveval_plugin background_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.background_consistency",
    .summary = "background consistency: CLIP ViT-B/32 image-feature similarity to the previous and the first frame",
    .description =
        "Every frame: [0,1] RGB resized (short side 224, bicubic, no antialias), center crop 224, "
        "CLIP normalisation, CLIP ViT-B/32 encode_image, L2-normalised. score = mean over t >= 1 of "
        "(max(0, cos(f_t-1, f_t)) + max(0, cos(f_0, f_t))) / 2; 1.0 for one frame. details.frames "
        "counts the frames. Follows fastvideo.eval vbench.background_consistency.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = fvv_video_fields,
    .options = background_options,
    .models = background_models,
    .priv_size = sizeof(background_priv),
    .setup = background_setup,
    .compute = background_compute,
    .uninit = background_uninit,
    .frame_access = fvv_stream_video,
    .frame = fvv_features_frame,
};

FVEVAL_PLUGIN_DEFINE(background_plugin)
