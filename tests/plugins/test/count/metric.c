/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test.count: a set metric for pipeline tests.  Counts generated and
 * reference samples and sums their frame counts; score = total frames /
 * samples.  State is three integers, so sharded runs merge exactly.
 */
#include <errno.h>
#include <string.h>

#include <fveval/plugin.h>

typedef struct {
    int64_t generated, reference, frames;
} count_priv;

static const fveval_field count_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED},
    {.name = NULL},
};

static int count_accumulate(fveval_ctx *ctx, const fveval_sample *s)
{
    count_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (strcmp(fveval_sample_role(ctx, s), "reference") == 0)
        p->reference++;
    else
        p->generated++;
    p->frames += v->nb_frames;
    return 0;
}

static int count_finalize(fveval_ctx *ctx, fveval_result *r)
{
    count_priv *p = fveval_priv(ctx);
    int64_t n = p->generated + p->reference;
    if (!n) {
        fveval_result_skip(ctx, r, "no samples");
        return -ENOTSUP;
    }
    fveval_result_score(ctx, r, (double) p->frames / (double) n);
    fveval_result_number(ctx, r, "generated", (double) p->generated);
    fveval_result_number(ctx, r, "reference", (double) p->reference);
    fveval_result_number(ctx, r, "frames", (double) p->frames);
    return 0;
}

static int count_merge(fveval_ctx *ctx, fveval_ctx *other)
{
    count_priv *p = fveval_priv(ctx), *o = fveval_priv(other);
    p->generated += o->generated;
    p->reference += o->reference;
    p->frames += o->frames;
    return 0;
}

static int count_save(fveval_ctx *ctx, fveval_state *st)
{
    return fveval_state_write(ctx, st, fveval_priv(ctx), sizeof(count_priv));
}

static int count_load(fveval_ctx *ctx, fveval_state *st)
{
    count_priv in, *p = fveval_priv(ctx);
    int r = fveval_state_read(ctx, st, &in, sizeof(in));
    if (r < 0)
        return r;
    p->generated += in.generated;
    p->reference += in.reference;
    p->frames += in.frames;
    return 0;
}

static const fveval_plugin count_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "test.count",
    .summary = "sample and frame counter (pipeline test set metric)",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_SET_METRIC | FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = count_fields,
    .priv_size = sizeof(count_priv),
    .accumulate = count_accumulate,
    .finalize = count_finalize,
    .merge = count_merge,
    .save_state = count_save,
    .load_state = count_load,
};

FVEVAL_PLUGIN_DEFINE(count_plugin)
