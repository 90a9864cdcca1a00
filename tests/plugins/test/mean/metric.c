/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test.mean: a per-sample metric for pipeline tests.  Score = mean of every
 * RGB byte of the decoded video; details carry what the core handed over
 * (frame count, size, fps, text prompt) so tests can check it against
 * ffprobe and an independent computation.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

#include <fveval/plugin.h>

typedef struct {
    int64_t fail_on_frames; /* compute returns -EIO for clips with this many frames */
    int64_t sleep_ms;       /* slow each sample down (kill/resume tests) */
    int64_t crash_on_frames; /* raise SIGSEGV on clips with this many frames (crash tests) */
} mean_priv;

static const fveval_option mean_options[] = {
    {.name = "fail_on_frames", .help = "error out on clips with this frame count (0: never)",
     .type = FVEVAL_OPT_INT, .offset = offsetof(mean_priv, fail_on_frames), .def.i64 = 0, .min = 0, .max = 1e6},
    {.name = "sleep_ms", .help = "sleep this long per sample", .type = FVEVAL_OPT_INT,
     .offset = offsetof(mean_priv, sleep_ms), .def.i64 = 0, .min = 0, .max = 60000},
    {.name = "crash_on_frames", .help = "crash (SIGSEGV) on clips with this frame count (0: never)",
     .type = FVEVAL_OPT_INT, .offset = offsetof(mean_priv, crash_on_frames), .def.i64 = 0, .min = 0, .max = 1e6},
    {.name = NULL},
};

static const fveval_field mean_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED, .help = "clip to average"},
    {.name = "text_prompt", .type = FVEVAL_FIELD_STRING, .help = "echoed into details"},
    {.name = NULL},
};

static int mean_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *r)
{
    const mean_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (p->sleep_ms) {
        struct timespec ts = {p->sleep_ms / 1000, (p->sleep_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (p->fail_on_frames && v->nb_frames == p->fail_on_frames)
        return -EIO;
    if (p->crash_on_frames && v->nb_frames == p->crash_on_frames)
        raise(SIGSEGV); /* as a bad pointer would, without depending on undefined behaviour */
    double sum = 0;
    for (int t = 0; t < v->nb_frames; t++)
        for (int y = 0; y < v->height; y++) {
            const uint8_t *row = fveval_video_pixel(v, t, y, 0);
            uint64_t acc = 0;
            for (int x = 0; x < v->width * 3; x++)
                acc += row[x];
            sum += (double) acc;
        }
    double n = (double) v->nb_frames * v->height * v->width * 3;
    fveval_result_score(ctx, r, n > 0 ? sum / n : 0);
    fveval_result_number(ctx, r, "frames", v->nb_frames);
    fveval_result_number(ctx, r, "width", v->width);
    fveval_result_number(ctx, r, "height", v->height);
    fveval_result_number(ctx, r, "fps", v->fps);
    const char *prompt = fveval_sample_string(ctx, s, "text_prompt");
    if (prompt)
        fveval_result_string(ctx, r, "text_prompt", prompt);
    return 0;
}

static const fveval_plugin mean_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "test.mean",
    .summary = "mean RGB byte value (pipeline test metric)",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = mean_fields,
    .options = mean_options,
    .priv_size = sizeof(mean_priv),
    .compute = mean_compute,
};

FVEVAL_PLUGIN_DEFINE(mean_plugin)
