/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test.uniform: SAMPLED frame access with the core's declared sampler (4
 * frames spread evenly); details report what arrived (frames_report.h).
 */
#include <errno.h>
#include <stdlib.h>

#include <fveval/plugin.h>

#include "../sampled/frames_report.h"

static const fveval_field uniform_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED, .help = "clip"},
    {.name = NULL},
};

static const fveval_frame_access uniform_access[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_SAMPLED, .count = 4},
    {.field = NULL},
};

static int uniform_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    return v ? report_held_frames(ctx, v, res) : -EINVAL;
}

static const fveval_plugin uniform_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "test.uniform",
    .summary = "4 evenly spread frames (frame access test metric)",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = uniform_fields,
    .compute = uniform_compute,
    .frame_access = uniform_access,
};

FVEVAL_PLUGIN_DEFINE(uniform_plugin)
