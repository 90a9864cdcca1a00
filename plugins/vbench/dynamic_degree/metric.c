/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.dynamic_degree: whether a clip moves, as fastvideo.eval's
 * vbench.dynamic_degree decides it with RAFT (raft-things):
 *     interval = max(1, round(fps / 8))             # Python round: half to even
 *     frames   = 0, interval, 2 * interval, ...  (n of them)
 *     s_pair   = mean of the top 5% flow magnitudes of RAFT(frame_i, frame_i+1)
 *                over the padded field (cut = max(1, int(Hp * Wp * 0.05)))
 *     thres    = 6 * min(H, W) / 256;  count_needed = round(4 * n / 16)
 *     score    = 1 if #(s_pair > thres) >= count_needed else 0
 * RAFT sees the frames as 0..255 floats padded to a multiple of 8 by edge
 * replication (InputPadder 'sintel'); pairs go through the model in batches.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <fveval/plugin.h>

#include "flow.h"

#define DD_MODEL "raft_things.pt"

typedef struct dd_priv {
    int64_t chunk_size; /* option */
    fveval_model *model;
} dd_priv;

static const fveval_field dd_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "clip to score (its frame rate sets the sampling interval; --fps or a manifest "
             "`fps` overrides the container's)"},
    {.name = NULL},
};

static const fveval_option dd_options[] = {
    {.name = "chunk_size", .help = "frame pairs per RAFT call (upstream 16; capped so the "
                                   "correlation volume stays within int32 indexing)",
     .type = FVEVAL_OPT_INT, .offset = offsetof(dd_priv, chunk_size), .def.i64 = 16, .min = 1, .max = 1024},
    {.name = NULL},
};

static const fveval_model_file dd_models[] = {
    {.name = DD_MODEL,
     .source = "raft-things.pth (HF sbalani/raft-things; VBench's RAFT models.zip) with VBench's "
               "vbench/third_party/RAFT code",
     .recipe = "python3 tools/export/raft.py --vbench VBENCH_CHECKOUT --weights raft-things.pth "
               "--height H --width W -o raft_things.pt (see the vbench.dynamic_degree README)"},
    {.name = NULL},
};

static int dd_setup(fveval_ctx *ctx)
{
    dd_priv *p = fveval_priv(ctx);
    p->model = fveval_model_load(ctx, DD_MODEL);
    return p->model ? 0 : -ENOENT;
}

static void dd_uninit(fveval_ctx *ctx)
{
    dd_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->model);
    p->model = NULL;
}

static int dd_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    dd_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (!v) {
        fveval_result_skip(ctx, res, "missing field 'video'");
        return -ENOTSUP;
    }
    double fps = v->fps;
    if (!(fps > 0) || !isfinite(fps)) {
        fveval_result_skip(ctx, res, "no frame rate (give --fps or a manifest 'fps')");
        return -ENOTSUP;
    }
    double iv = nearbyint(fps / 8.0); /* Python round(): half to even in the default mode */
    int interval = iv < 1 ? 1 : iv > 1e6 ? 1000000 : (int) iv;
    int n = v->nb_frames > 0 ? (v->nb_frames - 1) / interval + 1 : 0;
    int pairs = n > 1 ? n - 1 : 0;
    double thres = 6.0 * ((v->width < v->height ? v->width : v->height) / 256.0);
    int count_needed = (int) nearbyint(4.0 * (n / 16.0));
    double *mag = calloc(pairs ? (size_t) pairs : 1, sizeof(double));
    if (!mag)
        return -ENOMEM;
    int r = 0, count = 0;
    if (pairs) {
        fvf_runner run;
        fvf_pad pad;
        fvf_pad_init(&pad, v->height, v->width, 8);
        int cap = fvf_raft_pairs_per_call(pad.hp, pad.wp, (int) p->chunk_size);
        if (cap > pairs)
            cap = pairs;
        if ((r = fvf_runner_init(&run, ctx, p->model, FVF_RAFT, v->height, v->width, cap, 1.0)) < 0) {
            fveval_result_error(ctx, res, "%s", run.err);
            free(mag);
            return r;
        }
        size_t hw = (size_t) pad.hp * pad.wp;
        float *rad = malloc(hw * sizeof(float));
        if (!rad)
            r = -ENOMEM;
        for (int done = 0; !r && done < pairs;) {
            int b = 0;
            for (; b < cap && done + b < pairs; b++)
                fvf_runner_add(&run, v, (done + b) * interval, v, (done + b + 1) * interval);
            if ((r = fvf_runner_run(&run)) < 0) {
                fveval_result_error(ctx, res, "%s", run.err);
                break;
            }
            for (int i = 0; i < b; i++) {
                fvf_magnitude(fvf_runner_result(&run, i), hw, rad);
                mag[done + i] = fvf_top_fraction_mean(rad, hw, 0.05);
            }
            done += b;
        }
        free(rad);
        fvf_runner_free(&run);
    }
    if (!r) {
        for (int i = 0; i < pairs; i++)
            count += mag[i] > thres;
        fveval_result_score(ctx, res, count >= count_needed ? 1.0 : 0.0);
        fveval_result_array(ctx, res, "per_pair_magnitude", mag, (size_t) pairs);
        fveval_result_number(ctx, res, "threshold", thres);
        fveval_result_int(ctx, res, "count_above", count);
        fveval_result_int(ctx, res, "count_needed", count_needed);
        fveval_result_number(ctx, res, "fps", fps);
        fveval_result_int(ctx, res, "interval", interval);
        fveval_result_int(ctx, res, "n_frames_used", n);
    }
    free(mag);
    return r;
}

static const fveval_plugin dd_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.dynamic_degree",
    .summary = "dynamic degree: 1 when RAFT flow shows enough large motion, else 0",
    .description =
        "Frames every round(fps/8) (at least 1) go through RAFT in consecutive pairs at full "
        "resolution (padded to a multiple of 8 by edge replication); each pair's value is the mean "
        "of the top 5% flow magnitudes. The score is 1 when at least round(4*n/16) pairs (n frames "
        "used; Python rounding, half to even) exceed 6*min(H,W)/256, else 0. details: "
        "per_pair_magnitude, threshold, count_above, count_needed, fps, interval, n_frames_used. "
        "Follows fastvideo.eval vbench.dynamic_degree.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = dd_fields,
    .options = dd_options,
    .models = dd_models,
    .priv_size = sizeof(dd_priv),
    .setup = dd_setup,
    .compute = dd_compute,
    .uninit = dd_uninit,
};

FVEVAL_PLUGIN_DEFINE(dd_plugin)
