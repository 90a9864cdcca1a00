/* SPDX-License-Identifier: Apache-2.0 */
/* physics_iq.mse: per-frame MSE of quarter-resolution frames (Physics-IQ).  Preparation and math live in ../_prep. */
#include "../_prep/prep.h"

static int compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *r)
{
    return piq_submetric_compute(ctx, s, r, PIQ_MSE);
}

static const fveval_plugin plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "physics_iq.mse",
    .summary = "per-frame MSE of quarter-resolution frames (Physics-IQ)",
    .description = "Upstream fastvideo.eval physics_iq.mse: see README.md beside the plugin.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = 0,
    .fields = piq_pair_fields,
    .options = piq_pair_options,
    .priv_size = sizeof(piq_opts),
    .init = piq_pair_init,
    .compute = compute,
};

FVEVAL_PLUGIN_DEFINE(plugin)
