/* SPDX-License-Identifier: Apache-2.0 */
/* Flow comparison over a clip and its result, shared by the optical_flow metrics (flow.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

int fvf_compare_flows(fvf_runner *run_gen, fvf_runner *run_ref, const fveval_video *v,
                      const fveval_video *ref, fvf_gt_fn make_gt, void *opaque, int n_pairs,
                      const fvf_frame_opts *o, double *per_frame)
{
    int h = v->height, w = v->width, r = 0;
    float *gt_buf = NULL;
    if (!ref && !(gt_buf = malloc(2 * (size_t) h * w * sizeof(float))))
        return -ENOMEM;
    for (int done = 0; !r && done < n_pairs;) {
        int b = 0;
        for (; b < run_gen->cap && done + b < n_pairs; b++) {
            fvf_runner_add(run_gen, v, done + b, v, done + b + 1);
            if (ref)
                fvf_runner_add(run_ref, ref, done + b, ref, done + b + 1);
        }
        if ((r = fvf_runner_run(run_gen)) < 0)
            break;
        if (ref && (r = fvf_runner_run(run_ref)) < 0) {
            memcpy(run_gen->err, run_ref->err, sizeof(run_gen->err));
            break;
        }
        for (int i = 0; !r && i < b; i++) {
            const float *gt = gt_buf;
            if (ref)
                gt = fvf_runner_result(run_ref, i);
            else if ((r = make_gt(opaque, done + i, gt_buf, h, w)) < 0)
                snprintf(run_gen->err, sizeof(run_gen->err), "cannot make the predicted flow of pair %d", done + i);
            if (!r && (r = fvf_frame_metrics(gt, fvf_runner_result(run_gen, i), h, w, o,
                                             per_frame + (size_t) (done + i) * FVF_N_STATS)) < 0)
                snprintf(run_gen->err, sizeof(run_gen->err), "flow statistics of pair %d failed: %s", done + i,
                         strerror(-r));
        }
        done += b;
    }
    free(gt_buf);
    return r;
}

/* A growing text buffer for the per-frame JSON. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) FVEVAL_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || b->len + (size_t) n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (n >= 0 && b->len + (size_t) n + 1 > cap)
            cap *= 2;
        char *s = n < 0 ? NULL : realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t) n;
}

static void sb_number(sbuf *b, double v)
{
    if (isfinite(v))
        sb_printf(b, "%.17g", v);
    else
        sb_printf(b, "null");
}

int fvf_result_flow_summary(fveval_ctx *ctx, fveval_result *res, const double *per_frame, int n)
{
    fveval_result_int(ctx, res, "n_frames", n);
    if (n == 0) {
        fveval_result_skip(ctx, res, "no frame pairs to compare");
        return 0;
    }
    double agg[4 * FVF_N_STATS], thr;
    int onset;
    fvf_aggregate_temporal(per_frame, n, agg, &onset, &thr);
    static const char *const suffix[4] = {"mean", "std", "max", "auc"};
    char key[64];
    for (int k = 0; k < FVF_N_STATS; k++)
        for (int j = 0; j < 4; j++) {
            snprintf(key, sizeof(key), "%s_%s", fvf_stat_names[k], suffix[j]);
            fveval_result_number(ctx, res, key, agg[4 * k + j]);
        }
    if (onset >= 0)
        fveval_result_int(ctx, res, "divergence_onset_frame", onset);
    else if (fveval_result_json(ctx, res, "divergence_onset_frame", "null") < 0)
        fveval_result_string(ctx, res, "divergence_onset_frame", "none");
    fveval_result_number(ctx, res, "divergence_threshold", thr);
    sbuf b = {0};
    sb_printf(&b, "[");
    for (int t = 0; t < n; t++) {
        sb_printf(&b, t ? ", {" : "{");
        for (int k = 0; k < FVF_N_STATS; k++) {
            sb_printf(&b, "%s\"%s\": ", k ? ", " : "", fvf_stat_names[k]);
            sb_number(&b, per_frame[(size_t) t * FVF_N_STATS + k]);
        }
        sb_printf(&b, "}");
    }
    sb_printf(&b, "]");
    int r = b.oom ? -ENOMEM : fveval_result_json(ctx, res, "per_frame_metrics", b.s);
    free(b.s);
    if (r < 0 && r != -ENOSYS)
        return r;
    fveval_result_score(ctx, res, agg[4 * FVF_PIXEL_EPE_MEAN]);
    return 0;
}

int fvf_of_setup(fveval_ctx *ctx, fvf_of_common *c)
{
    c->model = fveval_model_load(ctx, FVF_OF_MODEL);
    return c->model ? 0 : -ENOENT;
}

void fvf_of_uninit(fveval_ctx *ctx, fvf_of_common *c)
{
    fveval_model_free(ctx, c->model);
    c->model = NULL;
}

fvf_frame_opts fvf_of_frame_opts(const fvf_of_common *c)
{
    return (fvf_frame_opts){.grid_size = (int) c->grid_size, .min_mag = c->min_mag,
                            .max_mag_pct = c->max_mag_pct};
}
