/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Set metrics that lack merge, built twice: test.nomerge (no merge, no
 * state functions: the core must feed one instance) and test.statemerge
 * (no merge but save/load state: the core derives merge from them).  Both
 * count the samples they took in; a sample's `behave` field can make
 * accumulate skip (acc_skip) or fail (acc_error) with a reason.
 */
#include <errno.h>
#include <string.h>

#include <fveval/plugin.h>

#ifndef SET_NAME
#error "define SET_NAME"
#endif

typedef struct {
    int64_t n;
} set_priv;

static const fveval_field set_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED},
    {.name = "behave", .type = FVEVAL_FIELD_STRING},
    {.name = NULL},
};

static int set_accumulate(fveval_ctx *ctx, const fveval_sample *s)
{
    const char *b = fveval_sample_string(ctx, s, "behave");
    if (b && strcmp(b, "acc_skip") == 0) {
        fveval_accumulate_skip(ctx, s, "no faces found");
        return -ENOTSUP;
    }
    if (b && strcmp(b, "acc_error") == 0) {
        fveval_accumulate_error(ctx, s, "feature extractor failed on frame %d", 2);
        return -EIO;
    }
    ((set_priv *) fveval_priv(ctx))->n++;
    return 0;
}

static int set_finalize(fveval_ctx *ctx, fveval_result *r)
{
    fveval_result_score(ctx, r, (double) ((set_priv *) fveval_priv(ctx))->n);
    return 0;
}

#ifdef WITH_STATE
static int set_save(fveval_ctx *ctx, fveval_state *st)
{
    return fveval_state_write(ctx, st, fveval_priv(ctx), sizeof(set_priv));
}

static int set_load(fveval_ctx *ctx, fveval_state *st)
{
    set_priv in;
    int r = fveval_state_read(ctx, st, &in, sizeof(in));
    if (r < 0)
        return r;
    if (in.n < 0)
        return -EINVAL;
    ((set_priv *) fveval_priv(ctx))->n += in.n;
    return 0;
}
#endif

static const fveval_plugin set_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = SET_NAME,
    .summary = "counts the samples it took in (set metric without merge)",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_SET_METRIC | FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = set_fields,
    .priv_size = sizeof(set_priv),
    .accumulate = set_accumulate,
    .finalize = set_finalize,
#ifdef WITH_STATE
    .save_state = set_save,
    .load_state = set_load,
#endif
};

FVEVAL_PLUGIN_DEFINE(set_plugin)
