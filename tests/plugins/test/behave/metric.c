/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test.behave: a per-sample metric whose behaviour on each sample is chosen
 * by the sample's `behave` field (a manifest key), so one run exercises
 * every way a compute call can end: score, skip, error with or without a
 * text, an invalid positive code, duplicate keys and every details type.
 * A descriptive metric: no direction.
 */
#include <errno.h>
#include <string.h>

#include <fveval/plugin.h>

static const fveval_field behave_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED},
    {.name = "behave", .type = FVEVAL_FIELD_STRING, .help = "what to do with this sample"},
    {.name = NULL},
};

static int behave_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    const char *b = fveval_sample_string(ctx, s, "behave");
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (!b || strcmp(b, "score") == 0) {
        fveval_result_score(ctx, res, v->nb_frames);
        return 0;
    }
    if (strcmp(b, "error_text") == 0) {
        fveval_result_error(ctx, res, "model output had %d NaNs", 3);
        return -EIO;
    }
    if (strcmp(b, "error_code") == 0)
        return -ERANGE;
    if (strcmp(b, "skip_then_error") == 0) {
        fveval_result_skip(ctx, res, "frames too dark to score");
        return -EINVAL;
    }
    if (strcmp(b, "error_zero") == 0) { /* an error text wins over a 0 return */
        fveval_result_score(ctx, res, 1.0);
        fveval_result_error(ctx, res, "inconsistent input");
        return 0;
    }
    if (strcmp(b, "positive") == 0)
        return 7;
    if (strcmp(b, "skip") == 0) {
        fveval_result_skip(ctx, res, "not my kind of clip");
        return -ENOTSUP;
    }
    if (strcmp(b, "details") == 0) {
        static const double arr[] = {1.5, 2.5};
        fveval_result_score(ctx, res, 0.5);
        fveval_result_number(ctx, res, "skipped", 4); /* plugin's own key: no clash any more */
        fveval_result_string(ctx, res, "label", "juggling");
        fveval_result_bool(ctx, res, "matched", 1);
        fveval_result_int(ctx, res, "frames", 9007199254740993LL); /* exact beyond 2^53 */
        fveval_result_array(ctx, res, "values", arr, 2);
        if (fveval_result_json(ctx, res, "nested", "{\"top5\": [\"a\", \"b\"], \"p\": 0.25}") != 0)
            return -EINVAL;
        if (fveval_result_json(ctx, res, "broken", "{not json") != -EINVAL)
            return -EINVAL;
        return 0;
    }
    if (strcmp(b, "duplicates") == 0) {
        fveval_result_score(ctx, res, 1.0);
        fveval_result_score(ctx, res, 2.0);
        fveval_result_number(ctx, res, "x", 1);
        fveval_result_number(ctx, res, "x", 2);
        return 0;
    }
    fveval_result_error(ctx, res, "unknown behave value '%s'", b);
    return -EINVAL;
}

static const fveval_plugin behave_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "test.behave",
    .summary = "scripted outcomes per sample (SDK 1.2 test)",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_NO_DIRECTION,
    .fields = behave_fields,
    .compute = behave_compute,
};

FVEVAL_PLUGIN_DEFINE(behave_plugin)
