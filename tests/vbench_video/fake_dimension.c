/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in for a VBench dimension metric that is not in this tree, built by
 * tests/vbench_video/suite.sh under the name it is given (-DMETRIC_NAME): it
 * shows which auxiliary_info a sample carries (details.aux) and scores
 * 1 / frames, so the suite's frame-weighted aggregation can be checked.
 */
#include <fveval/plugin.h>

static const fveval_field fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED},
    {.name = "auxiliary_info", .type = FVEVAL_FIELD_JSON},
    {.name = NULL},
};

static int compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    const char *aux = fveval_sample_json(ctx, s, "auxiliary_info");
    fveval_result_score(ctx, res, 1.0 / v->nb_frames);
    fveval_result_json(ctx, res, "aux", aux ? aux : "null");
    return 0;
}

static const fveval_plugin plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = METRIC_NAME,
    .summary = "test stand-in",
    .version = "1",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = fields,
    .compute = compute,
};

FVEVAL_PLUGIN_DEFINE(plugin)
