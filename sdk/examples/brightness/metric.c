/* SPDX-License-Identifier: Apache-2.0 */
/*
 * example.brightness: mean luma of a video.
 *
 * For every pixel of every frame the core decoded (8-bit RGB), luma is
 * Y = 0.299 R + 0.587 G + 0.114 B (the BT.601 weights); the score is the mean
 * of Y over all frames, in [0, 255], or [0, 1] with normalize=1.  Details
 * hold the per-frame means and the darkest and brightest frame.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <fveval/plugin.h>

/* Per-instance state: the option values the core fills in, nothing else. */
typedef struct {
    int normalize;      /* FVEVAL_OPT_BOOL is stored as int */
    int64_t frame_step; /* FVEVAL_OPT_INT is stored as int64_t */
} brightness_priv;

static const fveval_option brightness_options[] = {
    {.name = "normalize", .help = "report luma in [0, 1] instead of [0, 255]",
     .type = FVEVAL_OPT_BOOL, .offset = offsetof(brightness_priv, normalize), .def.i64 = 0},
    {.name = "frame_step", .help = "use every Nth frame (1: all)", .type = FVEVAL_OPT_INT,
     .offset = offsetof(brightness_priv, frame_step), .def.i64 = 1, .min = 1, .max = 1000},
    {.name = NULL},
};

static const fveval_field brightness_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "the clip to measure"},
    {.name = NULL},
};

/* Mean luma of frame @p t. */
static double frame_luma(const fveval_video *v, int t)
{
    double sum = 0;
    for (int y = 0; y < v->height; y++) {
        const uint8_t *px = fveval_video_pixel(v, t, y, 0);
        double row = 0;
        for (int x = 0; x < v->width; x++, px += 3)
            row += 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
        sum += row;
    }
    return sum / ((double) v->width * v->height);
}

static int brightness_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    const brightness_priv *p = fveval_priv(ctx);
    /* "video" is a required field: the core never calls us without it. */
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (!v || v->nb_frames == 0 || v->width == 0 || v->height == 0) {
        fveval_result_skip(ctx, res, "no frames");
        return -ENOTSUP; /* not applicable: a skip, not an error */
    }
    int n = (v->nb_frames + (int) p->frame_step - 1) / (int) p->frame_step;
    double *per_frame = malloc((size_t) n * sizeof(*per_frame));
    if (!per_frame)
        return -ENOMEM;
    double scale = p->normalize ? 1.0 / 255.0 : 1.0, total = 0;
    int darkest = 0, brightest = 0;
    for (int k = 0; k < n; k++) {
        per_frame[k] = frame_luma(v, k * (int) p->frame_step) * scale;
        total += per_frame[k];
        if (per_frame[k] < per_frame[darkest])
            darkest = k;
        if (per_frame[k] > per_frame[brightest])
            brightest = k;
    }
    fveval_result_score(ctx, res, total / n);
    /* Result calls copy their arguments, so the buffer can go right after. */
    fveval_result_array(ctx, res, "frame_luma", per_frame, (size_t) n);
    fveval_result_number(ctx, res, "darkest_frame", (double) darkest * (double) p->frame_step);
    fveval_result_number(ctx, res, "brightest_frame", (double) brightest * (double) p->frame_step);
    free(per_frame);
    fveval_log(ctx, FVEVAL_LOG_DEBUG, "%s: %d frames used", v->path, n);
    return 0;
}

static const fveval_plugin brightness_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "example.brightness", /* must equal the install path example/brightness */
    .summary = "mean BT.601 luma of the decoded frames",
    .description = "Score: mean of Y = 0.299 R + 0.587 G + 0.114 B over every pixel of "
                   "every used frame, in [0, 255] (or [0, 1] with normalize=1).",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = 0, /* neither higher nor lower is better */
    .fields = brightness_fields,
    .options = brightness_options,
    .priv_size = sizeof(brightness_priv),
    .compute = brightness_compute,
};

FVEVAL_PLUGIN_DEFINE(brightness_plugin)
