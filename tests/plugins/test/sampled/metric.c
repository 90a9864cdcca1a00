/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test.sampled: SAMPLED frame access with its own sampler.  The `picks`
 * option lists the frame indices to ask for, separated by '/' ("last" is
 * the clip's last frame); details report what arrived (see frames_report.h).  Score: the
 * number of frames held.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "frames_report.h"

enum { MAX_PICKS = 16 };

typedef struct {
    const char *picks;
} sampled_priv;

static const fveval_option sampled_options[] = {
    {.name = "picks", .help = "frame indices separated by /; 'last' = the last frame",
     .type = FVEVAL_OPT_STRING, .offset = offsetof(sampled_priv, picks), .def.str = "0"},
    {.name = NULL},
};

static const fveval_field sampled_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED, .help = "clip"},
    {.name = NULL},
};

static const fveval_frame_access sampled_access[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_SAMPLED, .count = MAX_PICKS},
    {.field = NULL},
};

static int sampled_select(fveval_ctx *ctx, const fveval_sample *s, const char *field, int nb_frames,
                          double fps, int *indices, int max)
{
    (void) s, (void) field, (void) fps;
    const sampled_priv *p = fveval_priv(ctx);
    int n = 0;
    for (const char *c = p->picks; c && *c && n < max;) {
        indices[n++] = strncmp(c, "last", 4) == 0 ? nb_frames - 1 : atoi(c);
        c = strchr(c, '/');
        c = c ? c + 1 : NULL;
    }
    return n;
}

static int sampled_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    return v ? report_held_frames(ctx, v, res) : -EINVAL;
}

static const fveval_plugin sampled_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "test.sampled",
    .summary = "frames picked by its own sampler (frame access test metric)",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = sampled_fields,
    .options = sampled_options,
    .priv_size = sizeof(sampled_priv),
    .compute = sampled_compute,
    .frame_access = sampled_access,
    .select_frames = sampled_select,
};

FVEVAL_PLUGIN_DEFINE(sampled_plugin)
