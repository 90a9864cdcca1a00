/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the frame-access test plugins (test.sampled, test.uniform,
 * test.stream) report about the frames they were handed: per frame the
 * plain sum of its RGB bytes and a position-weighted sum (byte i times
 * (i mod 65521) + 1), exact in a double for the small test clips, so a
 * test recomputes both from the ffmpeg CLI's rawvideo output.
 */
#ifndef FVEVAL_TEST_FRAMES_REPORT_H
#define FVEVAL_TEST_FRAMES_REPORT_H

#include <stdlib.h>

#include <fveval/plugin.h>

static inline void frame_sums(const fveval_video *v, int k, double *sum, double *wsum)
{
    uint64_t s = 0, w = 0, i = 0;
    for (int y = 0; y < v->height; y++) {
        const uint8_t *row = fveval_video_pixel(v, k, y, 0);
        for (int x = 0; x < 3 * v->width; x++, i++) {
            s += row[x];
            w += (uint64_t) row[x] * (i % 65521 + 1);
        }
    }
    *sum = (double) s;
    *wsum = (double) w;
}

/* details: frame_index, sums, wsums of the held frames, and clip_frames. */
static inline int report_held_frames(fveval_ctx *ctx, const fveval_video *v, fveval_result *res)
{
    int n = v->nb_frames;
    double *buf = malloc((size_t) (3 * n + 1) * sizeof(double));
    if (!buf)
        return -ENOMEM;
    for (int k = 0; k < n; k++) {
        buf[k] = fveval_video_frame_index(v, k);
        frame_sums(v, k, &buf[n + k], &buf[2 * n + k]);
    }
    fveval_result_array(ctx, res, "frame_index", buf, (size_t) n);
    fveval_result_array(ctx, res, "sums", buf + n, (size_t) n);
    fveval_result_array(ctx, res, "wsums", buf + 2 * n, (size_t) n);
    fveval_result_number(ctx, res, "clip_frames", v->clip_frames);
    fveval_result_score(ctx, res, n);
    free(buf);
    return 0;
}

#endif
