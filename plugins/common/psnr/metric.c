/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.psnr: mean over frames of per-frame PSNR between a video and its
 * reference, as fastvideo.eval's common.psnr computes it:
 *     mse_t  = mean over (C,H,W) of (g_t - r_t)^2,  pixels as byte / 255
 *     psnr_t = 10 log10(max_val^2 / max(mse_t, 1e-10))
 *     score  = mean_t psnr_t
 * over frames [0, min(T_video, T_reference)).
 *
 * The squared differences are summed exactly in integers on the decoded
 * bytes ((a - b)^2 / 255^2 is the same quantity), which is both the exact
 * value upstream's float32 sum approximates and much faster.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include <fveval/plugin.h>

#include "../_pixel/pixel.h"

typedef struct {
    double max_val;
} psnr_priv;

static const fveval_option psnr_options[] = {
    {.name = "max_val", .help = "peak signal value on the [0,1] pixel scale (upstream max_val)",
     .type = FVEVAL_OPT_DOUBLE, .offset = offsetof(psnr_priv, max_val), .def.dbl = 1.0,
     .min = 1e-6, .max = 1e6},
    {.name = NULL},
};

/* PSNR of a frame of width x height RGB pixels from its exact sum of squared byte differences. */
static double psnr_of_sum(const psnr_priv *p, uint64_t sum, int width, int height)
{
    double n = 3.0 * width * height;
    double mse = (double) sum / (255.0 * 255.0) / n;
    return 10.0 * log10(p->max_val * p->max_val / fmax(mse, 1e-10));
}

static double frame_psnr(void *state, const fvpx_frame *a, const fvpx_frame *b)
{
    return psnr_of_sum(state, fvpx_sum_squared_diff(a, b), a->width, a->height);
}

/* --device cuda:N: the same integer sums, on the device. */
static int device_psnr(void *state, const fvcu_frames *a, const fvcu_frames *b, int n,
                       double *values, char *err, size_t errlen)
{
    uint64_t *sums = malloc((size_t) n * sizeof(*sums));
    if (!sums)
        return -ENOMEM;
    int rc = fvcu_sum_diff(a, 0, b, 0, n, 1, sums, err, errlen);
    for (int i = 0; rc == 0 && i < n; i++)
        values[i] = psnr_of_sum(state, sums[i], a->width, a->height);
    free(sums);
    return rc;
}

static int psnr_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    int dev = fvpx_cuda_device(ctx);
    if (dev >= 0)
        return fvpx_compute_paired_cuda(ctx, s, res, dev, device_psnr, fveval_priv(ctx));
    return fvpx_compute_paired(ctx, s, res, frame_psnr, fveval_priv(ctx), NULL);
}

static const fveval_plugin psnr_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "common.psnr",
    .summary = "peak signal-to-noise ratio against the reference (dB, mean of per-frame PSNR)",
    .description =
        "Per frame: mse = mean over RGB pixels in [0,1] of (video - reference)^2, "
        "psnr = 10*log10(max_val^2 / max(mse, 1e-10)) (identical frames give 100 dB with "
        "max_val=1); score = mean of the per-frame values, details.per_frame lists them. "
        "Follows fastvideo.eval common.psnr. Frame counts may differ: like upstream, only "
        "the first min(T_video, T_reference) frames are compared. Video and reference must "
        "have the same width and height (no resizing): otherwise the sample is skipped "
        "with the two sizes as the reason.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = fvpx_paired_fields,
    .options = psnr_options,
    .priv_size = sizeof(psnr_priv),
    .compute = psnr_compute,
};

FVEVAL_PLUGIN_DEFINE(psnr_plugin)
