/* SPDX-License-Identifier: Apache-2.0 */
/*
 * optical_flow.gt_optical_flow: how far the generated clip's optical flow is
 * from the reference clip's, as fastvideo.eval's gt_optical_flow:
 *     n = min(T_video, T_reference) frames; pairs (t, t + 1), t < n - 1
 *     per pair: compute_frame_metrics(flow(reference), flow(video))  (the
 *               reference is the "ground truth" argument)
 *     score = mean over pairs of pixel_epe_mean (lower is better); details:
 *             aggregate_temporal's statistics and the per-pair ones
 * Flows come from the group's flow model (DPFlow "things", plugins/_flow).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <fveval/plugin.h>

#include "flow.h"

typedef struct gt_priv {
    fvf_of_common of; /* options and model */
} gt_priv;

static const fveval_field gt_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED, .help = "generated clip"},
    {.name = "reference", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "reference clip of the same size; its flow is the ground truth"},
    {.name = NULL},
};

static const fveval_option gt_options[] = {
    FVF_OF_OPTIONS(gt_priv, of),
    {.name = NULL},
};

static const fveval_model_file gt_models[] = {
    {.name = FVF_OF_MODEL,
     .source = "ptlflow DPFlow 'things' checkpoint (dpflow-things-2012b5d6.ckpt, ptlflow release weights1)",
     .recipe = "python3 tools/export/dpflow.py --height H --width W -o dpflow_things.pt "
               "(needs pip ptlflow; see the optical_flow.gt_optical_flow README)"},
    {.name = NULL},
};

static int gt_setup(fveval_ctx *ctx)
{
    gt_priv *p = fveval_priv(ctx);
    return fvf_of_setup(ctx, &p->of);
}

static void gt_uninit(fveval_ctx *ctx)
{
    gt_priv *p = fveval_priv(ctx);
    fvf_of_uninit(ctx, &p->of);
}

static int gt_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    gt_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    const fveval_video *ref = fveval_sample_video(ctx, s, "reference");
    if (!v || !ref) {
        fveval_result_skip(ctx, res, "missing field '%s'", v ? "reference" : "video");
        return -ENOTSUP;
    }
    if (v->width != ref->width || v->height != ref->height) {
        fveval_result_skip(ctx, res, "frame size differs: video %dx%d, reference %dx%d", v->width,
                           v->height, ref->width, ref->height);
        return -ENOTSUP;
    }
    int n = v->nb_frames < ref->nb_frames ? v->nb_frames : ref->nb_frames;
    if (n < 2) {
        /* upstream raises ValueError with this text */
        fveval_result_skip(ctx, res, "Need at least 2 frames to compute optical flow (video %d, reference %d)",
                           v->nb_frames, ref->nb_frames);
        return -ENOTSUP;
    }
    int pairs = n - 1, cap = (int) p->of.chunk_size < pairs ? (int) p->of.chunk_size : pairs;
    double *per_frame = malloc((size_t) pairs * FVF_N_STATS * sizeof(double));
    if (!per_frame)
        return -ENOMEM;
    fvf_runner rg, rr;
    int r = fvf_runner_init(&rg, ctx, p->of.model, FVF_PTLFLOW, v->height, v->width, cap, 1.0);
    if (!r && (r = fvf_runner_init(&rr, ctx, p->of.model, FVF_PTLFLOW, v->height, v->width, cap, 1.0)) < 0) {
        fveval_result_error(ctx, res, "%s", rr.err);
        fvf_runner_free(&rg);
    } else if (r < 0) {
        fveval_result_error(ctx, res, "%s", rg.err);
    }
    if (!r) {
        fvf_frame_opts o = fvf_of_frame_opts(&p->of);
        r = fvf_compare_flows(&rg, &rr, v, ref, NULL, NULL, pairs, &o, per_frame);
        if (r < 0)
            fveval_result_error(ctx, res, "%s", rg.err);
        else
            r = fvf_result_flow_summary(ctx, res, per_frame, pairs);
        fvf_runner_free(&rg);
        fvf_runner_free(&rr);
    }
    free(per_frame);
    return r;
}

static const fveval_plugin gt_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "optical_flow.gt_optical_flow",
    .summary = "optical-flow error of the generated clip against the reference clip's flow",
    .description =
        "The flow model (DPFlow 'things') gives the flow of each consecutive frame pair of both clips "
        "(the first min(T_video, T_reference) frames; same size required). Per pair, fastvideo.eval's "
        "compute_frame_metrics compares them with the reference as ground truth: mean-flow EPE, angle, "
        "cosine and magnitude ratio, pixel EPE mean/max and angle RMSE over pixels between min_mag and "
        "the max_mag_pct percentile, grid EPE, Fl-all, focus-of-expansion distance and 2-D "
        "angle/magnitude histogram KL. score = mean pixel EPE (lower is better); details hold each "
        "statistic's mean, std, max and auc over pairs, the divergence onset, and per_frame_metrics.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = gt_fields,
    .options = gt_options,
    .models = gt_models,
    .priv_size = sizeof(gt_priv),
    .setup = gt_setup,
    .compute = gt_compute,
    .uninit = gt_uninit,
};

FVEVAL_PLUGIN_DEFINE(gt_plugin)
