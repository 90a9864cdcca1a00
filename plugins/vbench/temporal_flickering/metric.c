/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.temporal_flickering: how little consecutive frames differ, as
 * fastvideo.eval's vbench.temporal_flickering computes it:
 *     frames = (video * 255).to(uint8)        # the decoded bytes again
 *     mae_t  = mean over (H,W,C) of |frame_t - frame_{t+1}|,  t < T-1
 *     score  = (255 - mean_t mae_t) / 255     # T <= 1: 1.0
 * The float32 round trip byte/255*255 truncates back to the byte exactly, so
 * the bytes the core decoded are upstream's uint8 frames; the absolute
 * differences are summed exactly in integers.
 *
 * Frames are streamed (ABI 1.2 frame access) two at a time: the core never
 * holds the clip for this metric, and each pair's value is computed as the
 * frames arrive, in order, so the sum and the score are those of the
 * whole-clip computation bit for bit.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <fveval/plugin.h>

#include "../../common/_pixel/pixel.h"

static const fveval_field flicker_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "clip to score"},
    {.name = NULL},
};

static const fveval_frame_access flicker_access[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_STREAM, .window = 2},
    {.field = NULL},
};

/* The current sample's per-pair values, filled as frames stream in. */
typedef struct {
    double *mae;
    int n, cap;
    fvcu_frames *ring; /* --device cuda:N: the last two frames on the device, slot t % 2 */
} flicker_priv;

/*
 * Sum of |a - b| over the window's two frames on CUDA device @p dev: each frame is
 * uploaded once, as it arrives, into the two-slot ring.  0 or an error (reason in res).
 */
static int device_pair_sum(flicker_priv *p, int dev, const fveval_video *window, fveval_ctx *ctx,
                           fveval_result *res, uint64_t *sum)
{
    char err[512] = "";
    int t = fveval_video_frame_index(window, window->nb_frames - 1);
    if (p->ring && (p->ring->width != window->width || p->ring->height != window->height)) {
        fvcu_frames_free(p->ring);
        p->ring = NULL;
    }
    if (!p->ring)
        p->ring = fvcu_frames_new(dev, window->width, window->height, 2, err, sizeof(err));
    int rc = p->ring ? 0 : -EIO;
    fvpx_frame last = fvpx_video_frame(window, window->nb_frames - 1);
    if (rc == 0)
        rc = fvcu_frames_upload(p->ring, t % 2, last.data, last.linesize, 0, 1, err, sizeof(err));
    if (rc == 0 && window->nb_frames == 2)
        rc = fvcu_sum_diff(p->ring, (t - 1) % 2, p->ring, t % 2, 1, 0, sum, err, sizeof(err));
    if (rc < 0)
        fveval_result_error(ctx, res, "%s", err);
    return rc;
}

static int flicker_frame(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                         const fveval_video *window, fveval_result *res)
{
    (void) s, (void) field, (void) res;
    flicker_priv *p = fveval_priv(ctx);
    if (fveval_video_frame_index(window, window->nb_frames - 1) == 0)
        p->n = 0; /* a new sample */
    int dev = fvpx_cuda_device(ctx);
    uint64_t sum = 0;
    if (dev >= 0) {
        int rc = device_pair_sum(p, dev, window, ctx, res, &sum);
        if (rc < 0)
            return rc;
    }
    if (window->nb_frames < 2)
        return 0;
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 256;
        double *m = realloc(p->mae, (size_t) cap * sizeof(*m));
        if (!m)
            return -ENOMEM;
        p->mae = m;
        p->cap = cap;
    }
    fvpx_frame a = fvpx_video_frame(window, 0), b = fvpx_video_frame(window, 1);
    if (dev < 0)
        sum = fvpx_sum_abs_diff(&a, &b);
    p->mae[p->n++] = (double) sum / (3.0 * a.width * a.height);
    return 0;
}

static int flicker_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    flicker_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (!v) {
        fveval_result_skip(ctx, res, "missing field 'video'");
        return -ENOTSUP;
    }
    int pairs = v->clip_frames - 1;
    if (pairs < 1) {
        /* Upstream: a single frame cannot flicker. */
        fveval_result_score(ctx, res, 1.0);
        fveval_result_array(ctx, res, "per_pair_mae", NULL, 0);
        return 0;
    }
    if (p->n != pairs)
        return -EIO; /* the core streamed fewer frames than the clip has */
    double sum = 0;
    for (int t = 0; t < pairs; t++)
        sum += p->mae[t];
    fveval_result_score(ctx, res, (255.0 - sum / pairs) / 255.0);
    fveval_result_array(ctx, res, "per_pair_mae", p->mae, (size_t) pairs);
    return 0;
}

static void flicker_uninit(fveval_ctx *ctx)
{
    flicker_priv *p = fveval_priv(ctx);
    free(p->mae);
    fvcu_frames_free(p->ring);
}

static const fveval_plugin flicker_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.temporal_flickering",
    .summary = "temporal flickering: 1 - mean absolute difference of consecutive frames / 255",
    .description =
        "mae_t = mean over RGB bytes (0..255) of |frame_t - frame_t+1|; score = "
        "(255 - mean_t mae_t) / 255, 1.0 for a clip of one frame. Higher means steadier. "
        "details.per_pair_mae lists mae_t. Follows fastvideo.eval vbench.temporal_flickering "
        "(all frames, native resolution, uint8 values).",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = flicker_fields,
    .priv_size = sizeof(flicker_priv),
    .compute = flicker_compute,
    .uninit = flicker_uninit,
    .frame_access = flicker_access,
    .frame = flicker_frame,
};

FVEVAL_PLUGIN_DEFINE(flicker_plugin)
