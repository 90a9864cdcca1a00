/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "pixel.h"

fvpx_frame fvpx_video_frame(const fveval_video *v, int t)
{
    fvpx_frame f = {
        .data = v->data + (size_t) t * v->frame_stride,
        .linesize = v->linesize,
        .width = v->width,
        .height = v->height,
    };
    return f;
}

int fvpx_get_pair(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res,
                  const fveval_video **video, const fveval_video **reference, int *n)
{
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    const fveval_video *r = fveval_sample_video(ctx, s, "reference");
    if (!v || !r) {
        /* Both fields are required, so the core should never let this through. */
        fveval_result_skip(ctx, res, "missing field '%s'", v ? "reference" : "video");
        return -ENOTSUP;
    }
    if (v->width != r->width || v->height != r->height) {
        fveval_result_skip(ctx, res, "frame size differs: video %dx%d, reference %dx%d",
                           v->width, v->height, r->width, r->height);
        return -ENOTSUP;
    }
    *video = v;
    *reference = r;
    *n = v->nb_frames < r->nb_frames ? v->nb_frames : r->nb_frames;
    if (*n <= 0) {
        fveval_result_skip(ctx, res, "no frames to compare");
        return -ENOTSUP;
    }
    return 0;
}

double *fvpx_map_frames(const fveval_video *a, int a_first, const fveval_video *b, int b_first,
                        int n, fvpx_frame_fn fn, void *state)
{
    if (n <= 0)
        return NULL;
    double *values = malloc((size_t) n * sizeof(*values));
    if (!values)
        return NULL;
    for (int i = 0; i < n; i++) {
        fvpx_frame fa = fvpx_video_frame(a, a_first + i);
        fvpx_frame fb = fvpx_video_frame(b, b_first + i);
        values[i] = fn(state, &fa, &fb);
    }
    return values;
}

void fvpx_report_mean(fveval_ctx *ctx, fveval_result *res, const char *key, const double *values,
                      int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += values[i];
    fveval_result_score(ctx, res, n > 0 ? sum / n : 0.0);
    fveval_result_array(ctx, res, key, values, (size_t) n);
}
