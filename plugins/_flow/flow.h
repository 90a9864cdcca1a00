/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Optical-flow toolkit shared by the motion metrics (vbench.dynamic_degree,
 * vbench.motion_smoothness, optical_flow.gt_optical_flow,
 * optical_flow.synthetic_optical_flow): the model calls on batches of frame
 * pairs with the padding each upstream model wants, and the flow statistics
 * upstream computes on the fields.
 *
 * Flow fields are float32 planar (2, H, W): u (x) at f[y * W + x], v (y) at
 * f[H * W + y * W + x], in input pixels.  A runner holds at most one batch
 * of padded input pairs and one output tensor; nothing keeps a clip's flows.
 *
 * Functions return 0 or a negative errno-style code; a runner's last error
 * text is in its `err`.
 */
#ifndef FVEVAL_FLOW_H
#define FVEVAL_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include <fveval/plugin.h>

/* ---- padding ----------------------------------------------------------------- */

/*
 * RAFT's InputPadder (mode 'sintel') and AMT's InputPadder(divisor): the
 * padded size is the next multiple of @p divisor (unchanged when already a
 * multiple), pad_h = (((H // d) + 1) * d - H) % d, with pad_h // 2 rows on
 * top and the rest at the bottom (columns likewise), filled by replicating
 * the edge.
 */
typedef struct fvf_pad {
    int h, w;       /* frame */
    int hp, wp;     /* padded */
    int top, left;  /* offset of the frame inside the padded one */
} fvf_pad;

void fvf_pad_init(fvf_pad *p, int h, int w, int divisor);

/*
 * Frame @p t of @p v as planar float (3, hp, wp) with replicate padding.
 * Each value is byte / @p divisor in float32 (divisor 1: the byte itself,
 * which is also upstream's (byte / 255.0f) * 255.0f exactly); @p bgr
 * reverses the channel order.
 */
void fvf_frame_padded(const fveval_video *v, int t, const fvf_pad *pad, float divisor, int bgr,
                      float *dst);

/* ---- model runner -------------------------------------------------------------- */

typedef enum fvf_kind {
    /*
     * RAFT (VBench third_party/RAFT, raft-things): forward(image1, image2,
     * iters=20, test_mode=True) -> (flow_low, flow_up); inputs (B, 3, Hp, Wp)
     * RGB 0..255 padded to a multiple of 8; flow_up (B, 2, Hp, Wp) is used.
     */
    FVF_RAFT,
    /*
     * AMT-S: forward(img0, img1, embt (B, 1, 1, 1) = 0.5, scale_factor=s)
     * -> imgt_pred (B, 3, Hp, Wp); inputs RGB byte / 255 padded to a multiple
     * of int(16 / s).
     */
    FVF_AMT,
    /*
     * A ptlflow model (DPFlow, "things"): forward(images (B, 2, 3, H, W) BGR
     * byte / 255) -> flows (B, 2, H, W) or (B, 1, 2, H, W); the model pads
     * inside and returns the unpadded field.
     */
    FVF_PTLFLOW
} fvf_kind;

typedef struct fvf_runner {
    fveval_ctx *ctx;
    fveval_model *model;
    fvf_kind kind;
    fvf_pad pad;
    int cap;             /* pairs per call */
    int n;               /* pairs queued */
    double amt_scale;    /* FVF_AMT: scale_factor */
    float *in;           /* RAFT/AMT: cap first frames then cap second; PTLFLOW: (cap, 2, 3, H, W) */
    float *embt;         /* FVF_AMT: cap halves */
    fveval_tensor *out;  /* the last call's result */
    const float *out_data;
    int out_c, out_h, out_w; /* per pair: out_data + i * out_c * out_h * out_w */
    char err[512];
} fvf_runner;

/*
 * Prepare a runner for frames of h x w, at most @p cap pairs per model call.
 * FVF_AMT: @p amt_scale is the scale_factor (padding divisor int(16 / s)).
 */
int fvf_runner_init(fvf_runner *r, fveval_ctx *ctx, fveval_model *model, fvf_kind kind, int h,
                    int w, int cap, double amt_scale);
/* Queue the pair (frame ta of va, frame tb of vb); -ENOSPC when the batch is full. */
int fvf_runner_add(fvf_runner *r, const fveval_video *va, int ta, const fveval_video *vb, int tb);
/*
 * Run the queued pairs (the queue empties either way) and check the output:
 * RAFT (n, 2, Hp, Wp), AMT (n, 3, Hp, Wp), PTLFLOW (n, 2, H, W).  The result
 * stays readable through out_data until the next run or fvf_runner_free.
 */
int fvf_runner_run(fvf_runner *r);
/* The result of queued pair @p i of the last run (out_c planes of out_h x out_w). */
static inline const float *fvf_runner_result(const fvf_runner *r, int i)
{
    return r->out_data + (size_t) i * r->out_c * r->out_h * r->out_w;
}
void fvf_runner_free(fvf_runner *r);

/*
 * RAFT batch cap as fastvideo.eval's dynamic_degree: @p chunk, at most
 * max(1, 2^30 / (h8 * h8 * w8 * w8)) with h8 = max(1, Hp // 8), so the
 * all-pairs correlation volume stays within int32 indexing.
 */
int fvf_raft_pairs_per_call(int hp, int wp, int chunk);

/* ---- statistics ------------------------------------------------------------------ */

/*
 * Per-pixel magnitude sqrt(u^2 + v^2) in float32 (torch's and NumPy's order
 * of operations) into @p mag (n floats).
 */
void fvf_magnitude(const float *flow, size_t n, float *mag);

/*
 * Mean of the `cut` largest values of @p x, cut = max(1, int(n * frac))
 * (torch.topk then mean); @p x is reordered.  NaN when n == 0.
 */
double fvf_top_fraction_mean(float *x, size_t n, double frac);

/*
 * np.percentile(x, q) with the default 'linear' method on float32 data
 * (NumPy 1.24: b - a in float32, the lerp in float64, a float64 result); @p x
 * is reordered.
 */
double fvf_percentile_f32(float *x, size_t n, double q);

/* The 12 statistics of compute_frame_metrics, in upstream's key order. */
enum {
    FVF_MF_EPE, FVF_MF_ANGLE_ERR, FVF_MF_COSINE, FVF_MF_MAG_RATIO, FVF_PIXEL_EPE_MEAN,
    FVF_PIXEL_EPE_MAX, FVF_PX_ANGLE_RMSE, FVF_GRID_EPE_MEAN, FVF_GRID_EPE_MAX, FVF_FL_ALL,
    FVF_FOE_DIST, FVF_FLOW_KL_2D, FVF_N_STATS
};
extern const char *const fvf_stat_names[FVF_N_STATS];

typedef struct fvf_frame_opts {
    int grid_size;       /* 8 */
    double min_mag;      /* 0.5 */
    double max_mag_pct;  /* 80 */
} fvf_frame_opts;

/*
 * fastvideo.eval optical_flow._shared.compute_frame_metrics(flow_gt,
 * flow_gen, grid_size, min_mag, max_mag_pct) on two (2, h, w) fields into
 * @p out (FVF_N_STATS values).  Uses scratch memory of ~8 floats a pixel.
 */
int fvf_frame_metrics(const float *gt, const float *gen, int h, int w, const fvf_frame_opts *o,
                      double *out);

/* Focus of expansion of one field (_estimate_foe, step 8, min_mag 0.5): LAPACK gelsd. */
int fvf_estimate_foe(const float *flow, int h, int w, double *fx, double *fy);

/* _flow_kl_2d(a, b, 36 angle bins, 20 magnitude bins, min_mag 0.5). */
int fvf_flow_kl_2d(const float *a, const float *b, int h, int w, double *kl);

/*
 * aggregate_temporal over @p n frames of per-frame statistics (n rows of
 * FVF_N_STATS): for each statistic k, out[4k..4k+3] = mean, std (ddof 0),
 * max, trapz / max(n - 1, 1).  *onset = first smoothed index above the
 * threshold or -1; *threshold = max(2 * median(first min(5, n)), 1).
 */
void fvf_aggregate_temporal(const double *per_frame, int n, double *out, int *onset,
                            double *threshold);

/*
 * A flow-comparison result as fastvideo.eval's optical_flow metrics give it:
 * score = pixel_epe_mean_mean (none when n == 0), details = n_frames, the
 * aggregate_temporal statistics (<key>_{mean,std,max,auc}),
 * divergence_onset_frame (null when none), divergence_threshold, and
 * per_frame_metrics (one object of the 12 statistics per frame pair).
 */
int fvf_result_flow_summary(fveval_ctx *ctx, fveval_result *res, const double *per_frame, int n);

/*
 * Compare the flows of frame pairs (t, t + 1), t < n_pairs, through @p run:
 * the model's flow of @p v is the "gen" field; the "gt" field is the
 * model's flow of @p ref (when not NULL) or what @p make_gt writes into its
 * (2, H, W) buffer for pair t.  Statistics into per_frame (n_pairs rows).
 */
typedef int (*fvf_gt_fn)(void *opaque, int t, float *flow, int h, int w);
int fvf_compare_flows(fvf_runner *run_gen, fvf_runner *run_ref, const fveval_video *v,
                      const fveval_video *ref, fvf_gt_fn make_gt, void *opaque, int n_pairs,
                      const fvf_frame_opts *o, double *per_frame);

/* ---- what the optical_flow plugins share ------------------------------------------------ */

/* The flow model file of the optical_flow group (DPFlow "things", or any model of that contract). */
#define FVF_OF_MODEL "dpflow_things.pt"

/* Options and model of an optical_flow plugin: the first member of its priv. */
typedef struct fvf_of_common {
    double min_mag, max_mag_pct;
    int64_t grid_size, chunk_size;
    fveval_model *model;
} fvf_of_common;

/* The shared entries of an options table, for a priv of type @p PRIV whose member @p MEMBER is an fvf_of_common. */
#define FVF_OF_OPTIONS(PRIV, MEMBER)                                                                        \
    {.name = "min_mag", .help = "smallest flow magnitude (pixels) a pixel needs to count",             \
     .type = FVEVAL_OPT_DOUBLE, .offset = offsetof(PRIV, MEMBER.min_mag), .def.dbl = 0.5, .min = 0,         \
     .max = 1e6},                                                                                      \
    {.name = "max_mag_pct", .help = "pixels above this percentile of the larger magnitude are left out", \
     .type = FVEVAL_OPT_DOUBLE, .offset = offsetof(PRIV, MEMBER.max_mag_pct), .def.dbl = 80.0, .min = 0,    \
     .max = 100},                                                                                      \
    {.name = "grid_size", .help = "cells per side of the grid EPE statistics", .type = FVEVAL_OPT_INT, \
     .offset = offsetof(PRIV, MEMBER.grid_size), .def.i64 = 8, .min = 1, .max = 256},                       \
    {.name = "chunk_size", .help = "frame pairs per flow-model call (upstream 1; results do not depend on it)", \
     .type = FVEVAL_OPT_INT, .offset = offsetof(PRIV, MEMBER.chunk_size), .def.i64 = 1, .min = 1, .max = 256}

/* setup / uninit of the flow model. */
int fvf_of_setup(fveval_ctx *ctx, fvf_of_common *c);
void fvf_of_uninit(fveval_ctx *ctx, fvf_of_common *c);
/* The frame statistics options of @p c. */
fvf_frame_opts fvf_of_frame_opts(const fvf_of_common *c);

#endif /* FVEVAL_FLOW_H */
