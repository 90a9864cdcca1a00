/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.lpips: LPIPS v0.1 (AlexNet) between each frame and the reference's,
 * as FastVideo's common.lpips (metrics-a.md §4.3):
 *     x = frame in [0,1] * 2 - 1 (full resolution, no resize), same for the reference
 *     d_t = LPIPS(x_t, y_t)        (the lpips.LPIPS(net="alex") module, exported)
 *     score = mean_t d_t over t < min(T_video, T_reference);  details.per_frame = d_t
 * Video and reference must be the same size (otherwise skipped, as common.psnr).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <fveval/plugin.h>

#include "../_pixel/pixel.h"
#include "frame_features.h"
#include "vision.h"

#define LPIPS_FILE "lpips_alex.pt"
/* AlexNet's features (11x11/4 convolution, two 3x3/2 max-pools) need 31 pixels per side. */
#define LPIPS_MIN_SIDE 31

typedef struct {
    int64_t chunk_size;
    fveval_model *model;
    float *in0, *in1;
    size_t cap;
} lpips_priv;

static const fveval_option lpips_options[] = {
    {.name = "chunk_size", .help = "frame pairs per forward pass (upstream: 8)", .type = FVEVAL_OPT_INT,
     .offset = offsetof(lpips_priv, chunk_size), .def.i64 = 8, .min = 1, .max = 4096},
    {.name = NULL},
};

static const fveval_model_file lpips_models[] = {
    {.name = LPIPS_FILE,
     .source = "lpips.LPIPS(net=\"alex\", version=\"0.1\"): torchvision AlexNet ImageNet weights "
               "(https://download.pytorch.org/models/alexnet-owt-7be5be79.pth) + "
               "https://github.com/richzhang/PerceptualSimilarity/raw/master/lpips/weights/v0.1/alex.pth",
     .recipe = "python3 tools/export/lpips_alex.py " LPIPS_FILE "  (needs the `lpips` package)"},
    {.name = NULL},
};

static int lpips_setup(fveval_ctx *ctx)
{
    lpips_priv *p = fveval_priv(ctx);
    p->model = fveval_model_load(ctx, LPIPS_FILE);
    if (!p->model) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s", fveval_model_error(ctx));
        return -ENOENT;
    }
    return 0;
}

/* Frames [first, first + n) of v as (n, 3, H, W) of x * 2 - 1, x = byte / 255 in float32. */
static void to_signed_unit(const fveval_video *v, int first, int n, float *dst)
{
    size_t per = 3 * (size_t) v->width * (size_t) v->height;
    for (int i = 0; i < n; i++) {
        float *img = dst + (size_t) i * per;
        fvv_video_frame_to_chw(v, first + i, 255.0f, img);
        for (size_t k = 0; k < per; k++)
            img[k] = img[k] * 2.0f - 1.0f;
    }
}

static int lpips_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    lpips_priv *p = fveval_priv(ctx);
    const fveval_video *v, *ref;
    int n;
    int r = fvpx_get_pair(ctx, s, res, &v, &ref, &n);
    if (r < 0)
        return r;
    if (v->width < LPIPS_MIN_SIDE || v->height < LPIPS_MIN_SIDE) {
        fveval_result_skip(ctx, res, "frames of %dx%d are too small for LPIPS's AlexNet (at least %dx%d)",
                           v->width, v->height, LPIPS_MIN_SIDE, LPIPS_MIN_SIDE);
        return -ENOTSUP;
    }
    size_t per = 3 * (size_t) v->width * (size_t) v->height, chunk = (size_t) p->chunk_size;
    if (chunk * per > p->cap) {
        free(p->in0);
        free(p->in1);
        p->in0 = malloc(chunk * per * sizeof(float));
        p->in1 = malloc(chunk * per * sizeof(float));
        p->cap = p->in0 && p->in1 ? chunk * per : 0;
        if (!p->cap)
            return -ENOMEM;
    }
    double *per_frame = malloc((size_t) (n > 0 ? n : 1) * sizeof(double)), sum = 0;
    if (!per_frame)
        return -ENOMEM;
    for (int t = 0; t < n && r == 0; t += (int) chunk) {
        int m = n - t < (int) chunk ? n - t : (int) chunk;
        to_signed_unit(v, t, m, p->in0);
        to_signed_unit(ref, t, m, p->in1);
        int64_t shape[4] = {m, 3, v->height, v->width};
        fveval_arg args[2] = {FVEVAL_ARG_TENSOR_OF(4, shape, p->in0), FVEVAL_ARG_TENSOR_OF(4, shape, p->in1)};
        size_t one = 1;
        float *d;
        char why[512];
        r = fvv_model_rows(ctx, p->model, "forward", args, 2, (size_t) m, &one, &d, why, sizeof(why));
        if (r < 0) {
            fveval_result_error(ctx, res, "LPIPS: %s", why);
            break;
        }
        for (int i = 0; i < m; i++)
            per_frame[t + i] = d[i];
        free(d);
    }
    if (r == 0) {
        for (int t = 0; t < n; t++)
            sum += per_frame[t];
        fveval_result_score(ctx, res, n ? sum / n : 0.0 / 0.0);
        fveval_result_array(ctx, res, "per_frame", per_frame, (size_t) n);
    }
    free(per_frame);
    return r;
}

static void lpips_uninit(fveval_ctx *ctx)
{
    lpips_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->model);
    free(p->in0);
    free(p->in1);
}

static const fveval_plugin lpips_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "common.lpips",
    .summary = "LPIPS v0.1 (AlexNet) perceptual distance to the reference, mean over frames",
    .description =
        "Per frame pair, at full resolution: both frames scaled to [-1,1] (x*2-1), LPIPS v0.1 with "
        "AlexNet features (the lpips package's LPIPS(net='alex') module, exported). score = mean "
        "of the per-frame distances over the first min(T_video, T_reference) frames; "
        "details.per_frame lists them. Lower is more similar. Follows fastvideo.eval common.lpips. "
        "Video and reference must have the same size (otherwise skipped with both sizes), at "
        "least 31x31 (AlexNet's smallest input; smaller frames are skipped).",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = fvpx_paired_fields,
    .options = lpips_options,
    .models = lpips_models,
    .priv_size = sizeof(lpips_priv),
    .setup = lpips_setup,
    .compute = lpips_compute,
    .uninit = lpips_uninit,
};

FVEVAL_PLUGIN_DEFINE(lpips_plugin)
