/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.aesthetic_quality: the LAION aesthetic predictor over every frame,
 * as FastVideo's vbench.aesthetic_quality (metrics-b.md §1):
 *     x_t = CLIP transform of frame_t (short side 224 bicubic, crop 224, CLIP norm)
 *     f_t = CLIP ViT-L/14 encode_image(x_t).float(), L2-normalised
 *     s_t = LAION head (Linear 768 -> 1)(f_t) / 10
 *     score = mean_t s_t;  details.per_frame = s_t
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <fveval/plugin.h>

#include "clip.h"
#include "frame_features.h"

#define CLIP_L14_FILE "clip_vit_l14.pt"
#define LAION_FILE "laion_aesthetic_vit_l14.pt"

typedef struct {
    fvv_features feat; /* first: fvv_features_frame finds it there */
    int64_t chunk_size;
    int precision;
    fveval_model *head;
} aesthetic_priv;

static const fveval_option aesthetic_options[] = {
    {.name = "chunk_size", .help = "frames per forward pass (upstream: 32)", .type = FVEVAL_OPT_INT,
     .offset = offsetof(aesthetic_priv, chunk_size), .def.i64 = 32, .min = 1, .max = 4096},
    {.name = "precision", .help = FVC_PRECISION_HELP " (CLIP only; the LAION head is fp32)",
     .type = FVEVAL_OPT_ENUM, .offset = offsetof(aesthetic_priv, precision),
     .def.i64 = FVC_PRECISION_AUTO, .enum_names = fvc_precision_names},
    {.name = NULL},
};

static const fveval_model_file aesthetic_models[] = {
    {.name = CLIP_L14_FILE,
     .source = "OpenAI CLIP ViT-L/14 (clip.load(\"ViT-L/14\"): https://openaipublic.azureedge.net/clip/models/"
               "b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836/ViT-L-14.pt)",
     .recipe = "python3 tools/export/clip.py ViT-L/14 " CLIP_L14_FILE
               "  (encode_image and encode_text, fp32; needs the `clip` package)"},
    {.name = LAION_FILE,
     .source = "https://raw.githubusercontent.com/LAION-AI/aesthetic-predictor/main/sa_0_4_vit_l_14_linear.pth",
     .recipe = "python3 tools/export/laion_aesthetic.py sa_0_4_vit_l_14_linear.pth " LAION_FILE
               "  (nn.Linear(768, 1) with that state_dict, scripted)"},
    {.name = NULL},
};

static int aesthetic_setup(fveval_ctx *ctx)
{
    aesthetic_priv *p = fveval_priv(ctx);
    char why[512];
    p->feat.model = fvc_load(ctx, CLIP_L14_FILE, p->precision, why, sizeof(why));
    if (!p->feat.model) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s", why);
        return -ENOENT;
    }
    /* Upstream's head is a plain fp32 nn.Linear on the .float() features. */
    p->head = fveval_model_load(ctx, LAION_FILE);
    if (!p->head) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s", fveval_model_error(ctx));
        return -ENOENT;
    }
    p->feat.method = "encode_image";
    p->feat.chunk = (int) p->chunk_size;
    fvc_image_transform(&p->feat.tf);
    return 0;
}

static int aesthetic_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    aesthetic_priv *p = fveval_priv(ctx);
    int r = fvv_features_finish(ctx, &p->feat, fveval_sample_video(ctx, s, "video"), res);
    if (r < 0)
        return r;
    size_t n = p->feat.nrows, dim = p->feat.dim, one = 1;
    fvv_l2_normalize_rows(p->feat.rows, n, dim);
    int64_t shape[2] = {(int64_t) n, (int64_t) dim};
    fveval_arg arg = FVEVAL_ARG_TENSOR_OF(2, shape, p->feat.rows);
    float *head;
    char why[512];
    r = fvv_model_rows(ctx, p->head, "forward", &arg, 1, n, &one, &head, why, sizeof(why));
    if (r < 0) {
        fveval_result_error(ctx, res, "LAION head: %s", why);
        return r;
    }
    double *per_frame = malloc(n * sizeof(double)), sum = 0;
    if (!per_frame) {
        free(head);
        return -ENOMEM;
    }
    for (size_t t = 0; t < n; t++) {
        per_frame[t] = (double) (head[t] / 10.0f); /* upstream divides the float32 tensor */
        sum += per_frame[t];
    }
    fveval_result_score(ctx, res, sum / (double) n);
    fveval_result_array(ctx, res, "per_frame", per_frame, n);
    free(per_frame);
    free(head);
    return 0;
}

static void aesthetic_uninit(fveval_ctx *ctx)
{
    aesthetic_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->feat.model);
    fveval_model_free(ctx, p->head);
    fvv_features_free(&p->feat);
}

static const fveval_plugin aesthetic_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.aesthetic_quality",
    .summary = "aesthetic quality: LAION aesthetic predictor on CLIP ViT-L/14 features, mean over frames / 10",
    .description =
        "Every frame: [0,1] RGB resized (short side 224, bicubic, no antialias), center crop 224, "
        "CLIP normalisation, CLIP ViT-L/14 encode_image, L2-normalised, LAION linear head "
        "(768 -> 1), divided by 10. score = mean over frames; details.per_frame lists them. "
        "Follows fastvideo.eval vbench.aesthetic_quality.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = fvv_video_fields,
    .options = aesthetic_options,
    .models = aesthetic_models,
    .priv_size = sizeof(aesthetic_priv),
    .setup = aesthetic_setup,
    .compute = aesthetic_compute,
    .uninit = aesthetic_uninit,
    .frame_access = fvv_stream_video,
    .frame = fvv_features_frame,
};

FVEVAL_PLUGIN_DEFINE(aesthetic_plugin)
