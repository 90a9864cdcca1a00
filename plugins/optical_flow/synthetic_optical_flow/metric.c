/* SPDX-License-Identifier: Apache-2.0 */
/*
 * optical_flow.synthetic_optical_flow: how far the generated clip's optical
 * flow is from the flow its recorded actions should cause, as fastvideo.eval's
 * synthetic_optical_flow:
 *     observed  = flow model on pairs (t, t + 1) of the clip        (T - 1)
 *     predicted = third-person kinematics of keyboard[t], mouse[t]  (len - 1)
 *     per pair t < n = min of the two: compute_frame_metrics(predicted,
 *               observed)  (the prediction is the "ground truth" argument)
 *     score = mean over pairs of pixel_epe_mean (lower is better)
 * actions and calibration come from the sample (inline JSON, or paths to
 * .json / .npy files); calibration_path gives a calibration for samples
 * without one.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "flow.h"
#include "thirdperson.h"

typedef struct syn_priv {
    fvf_of_common of;            /* options and model */
    const char *calibration_path; /* option */
    tp_calibration cal;          /* from calibration_path */
    int have_cal;
} syn_priv;

static const fveval_field syn_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED, .help = "generated clip"},
    {.name = "actions", .type = FVEVAL_FIELD_JSON,
     .help = "{\"keyboard\": (T, 6) [W, S, A, D, turn_left, turn_right], \"mouse\": (T, 2) [pitch, yaw]}: "
             "arrays of rows or .npy/.json paths, or the path of a .json file holding the object"},
    {.name = "calibration", .type = FVEVAL_FIELD_JSON,
     .help = "ThirdPersonCalibration object (alpha_yaw, alpha_pitch, alpha_turn, beta_fwd, beta_strafe, "
             "focal_length[, r_z, r_y]) or the path of a .json file; overrides calibration_path"},
    {.name = "mouse_pitch_sign", .type = FVEVAL_FIELD_NUMBER, .help = "sign applied to mouse pitch (default +1)"},
    {.name = NULL},
};

static const fveval_option syn_options[] = {
    FVF_OF_OPTIONS(syn_priv, of),
    {.name = "calibration_path", .help = "calibration .json for samples without a 'calibration' field",
     .type = FVEVAL_OPT_STRING, .offset = offsetof(syn_priv, calibration_path), .def.str = NULL},
    {.name = NULL},
};

static const fveval_model_file syn_models[] = {
    {.name = FVF_OF_MODEL,
     .source = "ptlflow DPFlow 'things' checkpoint (dpflow-things-2012b5d6.ckpt, ptlflow release weights1)",
     .recipe = "python3 tools/export/dpflow.py --height H --width W -o dpflow_things.pt "
               "(needs pip ptlflow; see the optical_flow.gt_optical_flow README)"},
    {.name = NULL},
};

static int syn_init(fveval_ctx *ctx)
{
    syn_priv *p = fveval_priv(ctx);
    if (!p->calibration_path || !*p->calibration_path)
        return 0;
    char why[512];
    if (tp_calibration_load(p->calibration_path, &p->cal, why, sizeof(why)) < 0) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "calibration_path: %s", why);
        return -EINVAL;
    }
    p->have_cal = 1;
    return 0;
}

static int syn_setup(fveval_ctx *ctx)
{
    syn_priv *p = fveval_priv(ctx);
    return fvf_of_setup(ctx, &p->of);
}

static void syn_uninit(fveval_ctx *ctx)
{
    syn_priv *p = fveval_priv(ctx);
    fvf_of_uninit(ctx, &p->of);
}

typedef struct predictor {
    const tp_calibration *cal;
    const tp_actions *act;
    double pitch_sign;
} predictor;

static int predict(void *opaque, int t, float *flow, int h, int w)
{
    const predictor *pr = opaque;
    tp_flow(pr->cal, pr->act, t, pr->pitch_sign, h, w, flow);
    return 0;
}

static int syn_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    syn_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (!v) {
        fveval_result_skip(ctx, res, "missing field 'video'");
        return -ENOTSUP;
    }
    const char *aj = fveval_sample_json(ctx, s, "actions"), *cj = fveval_sample_json(ctx, s, "calibration");
    if (!aj || !*aj || !strcmp(aj, "null")) {
        fveval_result_skip(ctx, res, "missing 'actions' (keyboard + mouse)");
        return -ENOTSUP;
    }
    char why[512];
    tp_calibration cal = p->cal;
    if (cj && *cj && strcmp(cj, "null")) {
        if (tp_calibration_parse(cj, &cal, why, sizeof(why)) < 0) {
            fveval_result_skip(ctx, res, "%s", why);
            return -ENOTSUP;
        }
    } else if (!p->have_cal) {
        fveval_result_skip(ctx, res, "missing 'calibration' (pass calibration_path= or a 'calibration' "
                                     "field per sample)");
        return -ENOTSUP;
    }
    double sign = 1.0;
    if (fveval_sample_number(ctx, s, "mouse_pitch_sign", &sign) < 0)
        sign = 1.0;
    if (v->nb_frames < 2) {
        /* upstream raises ValueError */
        fveval_result_skip(ctx, res, "Need at least 2 frames to compute optical flow (video %d)", v->nb_frames);
        return -ENOTSUP;
    }
    tp_actions act;
    if (tp_actions_parse(aj, &act, why, sizeof(why)) < 0) {
        fveval_result_skip(ctx, res, "%s", why);
        return -ENOTSUP;
    }
    /* one predicted flow per action row but the last; upstream indexes mouse as keyboard */
    int rows = act.kb_rows < act.mouse_rows ? act.kb_rows : act.mouse_rows;
    int pairs = v->nb_frames - 1 < rows - 1 ? v->nb_frames - 1 : rows - 1;
    if (pairs < 0)
        pairs = 0;
    fveval_result_int(ctx, res, "n_predicted", rows > 0 ? rows - 1 : 0);
    int r = 0;
    double *per_frame = malloc(((size_t) pairs + 1) * FVF_N_STATS * sizeof(double));
    if (!per_frame)
        r = -ENOMEM;
    if (!r && pairs > 0) {
        int cap = (int) p->of.chunk_size < pairs ? (int) p->of.chunk_size : pairs;
        fvf_runner run;
        if ((r = fvf_runner_init(&run, ctx, p->of.model, FVF_PTLFLOW, v->height, v->width, cap, 1.0)) < 0) {
            fveval_result_error(ctx, res, "%s", run.err);
        } else {
            predictor pr = {&cal, &act, sign};
            fvf_frame_opts o = fvf_of_frame_opts(&p->of);
            if ((r = fvf_compare_flows(&run, NULL, v, NULL, predict, &pr, pairs, &o, per_frame)) < 0)
                fveval_result_error(ctx, res, "%s", run.err);
            fvf_runner_free(&run);
        }
    }
    if (!r)
        r = fvf_result_flow_summary(ctx, res, per_frame, pairs);
    free(per_frame);
    tp_actions_free(&act);
    return r;
}

static const fveval_plugin syn_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "optical_flow.synthetic_optical_flow",
    .summary = "optical-flow error of the generated clip against the flow its camera actions predict",
    .description =
        "The flow model (DPFlow 'things') gives the observed flow of each consecutive frame pair; the "
        "third-person camera model of fastvideo.eval turns keyboard[t] and mouse[t] (the sample's "
        "'actions') and the calibration into the predicted flow. Per pair, compute_frame_metrics "
        "compares them with the prediction as ground truth; score = mean pixel EPE (lower is better); "
        "details as optical_flow.gt_optical_flow, plus n_predicted.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = syn_fields,
    .options = syn_options,
    .models = syn_models,
    .priv_size = sizeof(syn_priv),
    .init = syn_init,
    .setup = syn_setup,
    .compute = syn_compute,
    .uninit = syn_uninit,
};

FVEVAL_PLUGIN_DEFINE(syn_plugin)
