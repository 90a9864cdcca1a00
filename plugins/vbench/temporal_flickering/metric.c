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
 */
#include <errno.h>
#include <stdlib.h>

#include <fveval/plugin.h>

#include "../../common/_pixel/pixel.h"

static const fveval_field flicker_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "clip to score"},
    {.name = NULL},
};

static double pair_mae(void *state, const fvpx_frame *a, const fvpx_frame *b)
{
    (void) state;
    return (double) fvpx_sum_abs_diff(a, b) / (3.0 * a->width * a->height);
}

static int flicker_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (!v) {
        fveval_result_skip(ctx, res, "missing field 'video'");
        return -ENOTSUP;
    }
    int pairs = v->nb_frames - 1;
    if (pairs < 1) {
        /* Upstream: a single frame cannot flicker. */
        fveval_result_score(ctx, res, 1.0);
        fveval_result_array(ctx, res, "per_pair_mae", NULL, 0);
        return 0;
    }
    double *mae = fvpx_map_frames(v, 0, v, 1, pairs, pair_mae, NULL);
    if (!mae)
        return -ENOMEM;
    double sum = 0;
    for (int t = 0; t < pairs; t++)
        sum += mae[t];
    fveval_result_score(ctx, res, (255.0 - sum / pairs) / 255.0);
    fveval_result_array(ctx, res, "per_pair_mae", mae, (size_t) pairs);
    free(mae);
    return 0;
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
    .priv_size = 0,
    .compute = flicker_compute,
};

FVEVAL_PLUGIN_DEFINE(flicker_plugin)
