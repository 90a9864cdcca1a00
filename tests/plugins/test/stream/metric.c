/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test.stream: STREAM frame access with a window of 3.  For each call it
 * records the newest frame's index, how many frames the window held,
 * the newest frame's sums (frames_report.h), and whether every older frame
 * in the window still has the sums it had when it was newest (the window
 * buffer must not corrupt frames it shifts), and the rate the first window
 * carries.  Options make frame() fail (fail_at) or stop asking (stop_at) at
 * a frame index.  Score: calls.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "../sampled/frames_report.h"

enum { MAX_FRAMES = 1024, WINDOW = 3 };

typedef struct {
    int64_t fail_at, stop_at; /* -1: never */
    int n;
    double fps; /* the rate the first window carried */
    double newest[MAX_FRAMES], held[MAX_FRAMES], sums[MAX_FRAMES], wsums[MAX_FRAMES];
    double intact[MAX_FRAMES];
} stream_priv;

static const fveval_option stream_options[] = {
    {.name = "fail_at", .help = "frame() returns -EIO at this frame", .type = FVEVAL_OPT_INT,
     .offset = offsetof(stream_priv, fail_at), .def.i64 = -1, .min = -1, .max = 1e6},
    {.name = "stop_at", .help = "frame() returns 1 (enough) at this frame", .type = FVEVAL_OPT_INT,
     .offset = offsetof(stream_priv, stop_at), .def.i64 = -1, .min = -1, .max = 1e6},
    {.name = NULL},
};

static const fveval_field stream_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED, .help = "clip"},
    {.name = NULL},
};

static const fveval_frame_access stream_access[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_STREAM, .window = WINDOW},
    {.field = NULL},
};

static int stream_frame(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                        const fveval_video *w, fveval_result *res)
{
    (void) s, (void) field, (void) res;
    stream_priv *p = fveval_priv(ctx);
    int t = fveval_video_frame_index(w, w->nb_frames - 1);
    if (t == 0) {
        p->n = 0;
        p->fps = w->fps;
    }
    fveval_log(ctx, FVEVAL_LOG_DEBUG, "frame %d (window of %d)", t, w->nb_frames);
    if (t == p->fail_at)
        return -EIO;
    if (p->n == MAX_FRAMES)
        return -ENOSPC;
    int i = p->n++;
    p->newest[i] = t;
    p->held[i] = w->nb_frames;
    frame_sums(w, w->nb_frames - 1, &p->sums[i], &p->wsums[i]);
    /* Older frames: consecutive indices, bytes unchanged since they were newest. */
    p->intact[i] = w->clip_frames == -1 && w->nb_frames <= WINDOW;
    for (int k = 0; k + 1 < w->nb_frames; k++) {
        int back = w->nb_frames - 1 - k, j = i - back;
        double su, ws;
        frame_sums(w, k, &su, &ws);
        if (j < 0 || fveval_video_frame_index(w, k) != t - back || su != p->sums[j] || ws != p->wsums[j])
            p->intact[i] = 0;
    }
    return t == p->stop_at ? 1 : 0;
}

static int stream_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    stream_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (!v)
        return -EINVAL;
    fveval_result_array(ctx, res, "newest", p->newest, (size_t) p->n);
    fveval_result_array(ctx, res, "held", p->held, (size_t) p->n);
    fveval_result_array(ctx, res, "sums", p->sums, (size_t) p->n);
    fveval_result_array(ctx, res, "wsums", p->wsums, (size_t) p->n);
    fveval_result_array(ctx, res, "intact", p->intact, (size_t) p->n);
    fveval_result_number(ctx, res, "clip_frames", v->clip_frames);
    fveval_result_number(ctx, res, "nb_frames", v->nb_frames);
    fveval_result_number(ctx, res, "has_data", v->data != NULL);
    fveval_result_number(ctx, res, "window_fps", p->fps);
    fveval_result_score(ctx, res, p->n);
    return 0;
}

static const fveval_plugin stream_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "test.stream",
    .summary = "every frame through a window of 3 (frame access test metric)",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = stream_fields,
    .options = stream_options,
    .priv_size = sizeof(stream_priv),
    .compute = stream_compute,
    .frame_access = stream_access,
    .frame = stream_frame,
};

FVEVAL_PLUGIN_DEFINE(stream_plugin)
