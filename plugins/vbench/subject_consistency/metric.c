/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.subject_consistency: how alike a clip's frames look to DINO, as
 * FastVideo's vbench.subject_consistency (metrics-b.md §14):
 *     x_t = normalize_imagenet(resize(frame_t in [0,1], short side 224, bilinear,
 *                                     antialias=False))          # no crop
 *     f_t = DINO ViT-B/16 CLS feature of x_t, L2-normalised
 *     score = consistency_score(f)                                # §0.5
 * A non-square frame reaches the model at its own size (224 x 388 for
 * 832 x 480): DINO's interpolate_pos_encoding is part of the exported model.
 */
#include <errno.h>
#include <stddef.h>

#include <fveval/plugin.h>

#include "frame_features.h"

#define DINO_FILE "dino_vitb16.pt"
#define DINO_DIM 768

typedef struct {
    fvv_features feat; /* first: fvv_features_frame finds it there */
    int64_t chunk_size;
} subject_priv;

static const fveval_option subject_options[] = {
    {.name = "chunk_size", .help = "frames per forward pass (upstream: 64)", .type = FVEVAL_OPT_INT,
     .offset = offsetof(subject_priv, chunk_size), .def.i64 = 64, .min = 1, .max = 4096},
    {.name = NULL},
};

static const fveval_model_file subject_models[] = {
    {.name = DINO_FILE,
     .source = "https://dl.fbaipublicfiles.com/dino/dino_vitbase16_pretrain/dino_vitbase16_pretrain.pth "
               "(torch.hub facebookresearch/dino:main dino_vitb16)",
     .recipe = "python3 tools/export/dino_vitb16.py " DINO_FILE
               "  (torch.jit.script of torch.hub's dino_vitb16; needs network access once)"},
    {.name = NULL},
};

static int subject_setup(fveval_ctx *ctx)
{
    subject_priv *p = fveval_priv(ctx);
    p->feat.model = fveval_model_load(ctx, DINO_FILE);
    if (!p->feat.model) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s", fveval_model_error(ctx));
        return -ENOENT;
    }
    p->feat.method = "forward";
    p->feat.chunk = (int) p->chunk_size;
    p->feat.tf = (fvv_transform){.in_divisor = 255.0f, .resize_short = 224, .interp = FVV_BILINEAR,
                                 .antialias = false, .mean = fvv_imagenet_mean, .std = fvv_imagenet_std};
    return 0;
}

static int subject_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    subject_priv *p = fveval_priv(ctx);
    int r = fvv_features_finish(ctx, &p->feat, fveval_sample_video(ctx, s, "video"), res);
    if (r < 0)
        return r;
    if (p->feat.dim != DINO_DIM)
        fveval_log(ctx, FVEVAL_LOG_DEBUG, "DINO features have %zu values, not %d", p->feat.dim, DINO_DIM);
    fvv_l2_normalize_rows(p->feat.rows, p->feat.nrows, p->feat.dim);
    fveval_result_score(ctx, res, fvv_consistency_score(p->feat.rows, p->feat.nrows, p->feat.dim));
    fveval_result_number(ctx, res, "frames", (double) p->feat.nrows);
    return 0;
}

static void subject_uninit(fveval_ctx *ctx)
{
    subject_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->feat.model);
    fvv_features_free(&p->feat);
}

static const fveval_plugin subject_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.subject_consistency",
    .summary = "subject consistency: DINO ViT-B/16 feature similarity to the previous and the first frame",
    .description =
        "Every frame: [0,1] RGB resized (short side 224, bilinear, no antialias, no crop), ImageNet "
        "normalisation, DINO ViT-B/16 CLS feature, L2-normalised. score = mean over t >= 1 of "
        "(max(0, cos(f_t-1, f_t)) + max(0, cos(f_0, f_t))) / 2; 1.0 for one frame. details.frames "
        "counts the frames. Follows fastvideo.eval vbench.subject_consistency (VBench's dino_transform).",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = fvv_video_fields,
    .options = subject_options,
    .models = subject_models,
    .priv_size = sizeof(subject_priv),
    .setup = subject_setup,
    .compute = subject_compute,
    .uninit = subject_uninit,
    .frame_access = fvv_stream_video,
    .frame = fvv_features_frame,
};

FVEVAL_PLUGIN_DEFINE(subject_plugin)
