/* SPDX-License-Identifier: Apache-2.0 */
/*
 * physics_iq: the composite Physics-IQ score of upstream PhysicsIQMetric.
 * Per video it compares generated-vs-reference with the physical variance
 * of two real takes (reference vs reference_take2); the corpus result is
 * PhysicsIQMetric.aggregate() over every scored video, in input order.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "_prep/prep.h"

/*
 * One scored video.  The corpus pools videos in input order: by sample index
 * within this run, shards' saved videos after them in the order they were
 * loaded (batch), arrival order (seq) breaking ties.
 */
typedef struct video_rec {
    uint64_t batch, seq;
    int64_t index;
    double s, ws, pv_s, pv_ws;
    size_t n[4];   /* mse, st, pv_mse, pv_st */
    double *v[4];
} video_rec;

typedef struct {
    piq_opts o; /* first: the shared option entries point into it */
    int take2_bgr;
    video_rec *recs;
    size_t n_recs, cap_recs;
    uint64_t batches, seqs;
} piq_priv;

static const char *const take2_fields[] = {"reference_take2", "real_take2", "take2", NULL};

static const fveval_field fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED, .help = "generated clip"},
    {.name = "reference", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "real take 1; sets the quarter resolution"},
    {.name = "reference_take2", .type = FVEVAL_FIELD_VIDEO,
     .help = "real take 2 (physical-variance pair); needed, aliases real_take2, take2"},
    {.name = "real_take2", .type = FVEVAL_FIELD_VIDEO, .help = "alias of reference_take2"},
    {.name = "take2", .type = FVEVAL_FIELD_VIDEO, .help = "alias of reference_take2"},
    {.name = "video_mask", .type = FVEVAL_FIELD_VIDEO, .help = "precomputed motion masks of video"},
    {.name = "reference_mask", .type = FVEVAL_FIELD_VIDEO, .help = "precomputed motion masks of reference"},
    {.name = "reference_take2_mask", .type = FVEVAL_FIELD_VIDEO,
     .help = "precomputed motion masks of take 2"},
    {.name = "scenario", .type = FVEVAL_FIELD_STRING, .help = "copied into details"},
    {.name = "view", .type = FVEVAL_FIELD_STRING, .help = "copied into details"},
    {.name = NULL},
};

static const fveval_option options[] = {
    PIQ_OPTION_ENTRIES,
    /*
     * Off by default: upstream's benchmark script passes all three clips as
     * paths, so OpenCV reads them in one channel order.  On reproduces a
     * caller that hands video and reference over as RGB tensors while take 2
     * stays a path (read as BGR).  README: "Take 2's channel order".
     */
    {.name = "take2_bgr",
     .help = "compare take 2 channel-swapped in the variance-pair MSE, as upstream does when video "
             "and reference are RGB tensors and reference_take2 a path (OpenCV reads it as BGR); "
             "off: all three in one order, as upstream's benchmark script passes them",
     .type = FVEVAL_OPT_BOOL, .offset = offsetof(piq_priv, take2_bgr), .def.i64 = 0},
    {.name = NULL},
};

static void rec_free(video_rec *r)
{
    for (int k = 0; k < 4; k++)
        free(r->v[k]);
}

static int push_rec(piq_priv *p, const video_rec *r)
{
    if (p->n_recs == p->cap_recs) {
        size_t cap = p->cap_recs ? 2 * p->cap_recs : 16;
        video_rec *n = realloc(p->recs, cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        p->recs = n, p->cap_recs = cap;
    }
    p->recs[p->n_recs] = *r;
    p->recs[p->n_recs++].seq = p->seqs++;
    return 0;
}

static double *dup_array(const double *v, size_t n)
{
    double *d = malloc(n * sizeof(double) + 1);
    if (d && n)
        memcpy(d, v, n * sizeof(double));
    return d;
}

/* Upstream's score formula; -EDOM where Python would raise ZeroDivisionError. */
static int physics_iq_score(double st, double pv_st, double s, double pv_s, double ws, double pv_ws,
                            double mse, double pv_mse, double *out)
{
    if (pv_st == 0 || pv_s == 0 || pv_ws == 0)
        return -EDOM;
    double score = 100.0 * ((((st / pv_st) + (s / pv_s) + (ws / pv_ws)) / 3.0) - (mse - pv_mse));
    if (score < 0.0)
        score = 0.0;
    else if (score > 100.0)
        score = 100.0;
    *out = piq_round(score, 2);
    return 0;
}

static int compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *r)
{
    piq_priv *p = fveval_priv(ctx);
    long long idx = (long long) fveval_sample_index(ctx, s);
    const char *take2 = NULL, *broken = NULL;
    for (int k = 0; take2_fields[k] && !take2 && !broken; k++)
        if (piq_sample_video(ctx, s, take2_fields[k], &broken))
            take2 = take2_fields[k];
    if (broken) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "sample %lld: field '%s' could not be decoded", idx, broken);
        return -EINVAL;
    }
    if (!take2) {
        fveval_result_skip(ctx, r, "missing field 'reference_take2' (or real_take2, take2)");
        return -ENOTSUP;
    }
    char err[256] = "";
    const piq_pair *pair = piq_pair_get(ctx, s, "video", "reference", "video_mask", "reference_mask", 0,
                                        &p->o, err, sizeof(err));
    const piq_pair *var = pair ? piq_pair_get(ctx, s, "reference", take2, "reference_mask",
                                              "reference_take2_mask", p->take2_bgr, &p->o, err,
                                              sizeof(err))
                               : NULL;
    if (!var) {
        fveval_result_error(ctx, r, "%s", err); /* the result carries the reason */
        return -EINVAL;
    }
    piq_values a, b;
    int ra = piq_values_compute(pair, &a, err, sizeof(err));
    int rb = ra < 0 ? 0 : piq_values_compute(var, &b, err, sizeof(err));
    if (ra < 0 || rb < 0) {
        fveval_result_error(ctx, r, "%s%s", ra < 0 ? "" : "variance pair: ", err);
        piq_values_free(&a);
        if (ra >= 0)
            piq_values_free(&b);
        return -EINVAL;
    }
    double score;
    int rc = physics_iq_score(piq_np_mean(a.st, a.n_st), piq_np_mean(b.st, b.n_st), a.spatial, b.spatial,
                              a.weighted, b.weighted, piq_np_mean(a.mse, a.n_mse),
                              piq_np_mean(b.mse, b.n_mse), &score);
    if (rc < 0) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "sample %lld: division by zero: a physical-variance IoU is 0", idx);
    } else {
        fveval_result_score(ctx, r, score);
        const piq_values *pv[2] = {&a, &b};
        for (int k = 0; k < 2; k++) {
            const char *pre = k ? "pv_" : "";
            char key[64];
#define PIQ_KEY(name) (snprintf(key, sizeof(key), "%s%s", pre, name), key)
            fveval_result_array(ctx, r, PIQ_KEY("mse_per_frame"), pv[k]->mse, pv[k]->n_mse);
            fveval_result_array(ctx, r, PIQ_KEY("spatiotemporal_iou_per_frame"), pv[k]->st, pv[k]->n_st);
            fveval_result_number(ctx, r, PIQ_KEY("spatial_iou"), pv[k]->spatial);
            fveval_result_number(ctx, r, PIQ_KEY("weighted_spatial_iou"), pv[k]->weighted);
            fveval_result_number(ctx, r, PIQ_KEY("mse_mean"), pv[k]->mse_score);
            fveval_result_number(ctx, r, PIQ_KEY("spatiotemporal_iou_mean"), pv[k]->st_score);
#undef PIQ_KEY
        }
        const char *sc = fveval_sample_string(ctx, s, "scenario"), *vw = fveval_sample_string(ctx, s, "view");
        if (sc)
            fveval_result_string(ctx, r, "scenario", sc);
        if (vw)
            fveval_result_string(ctx, r, "view", vw);
        video_rec rec = {.index = idx, .s = a.spatial, .ws = a.weighted, .pv_s = b.spatial, .pv_ws = b.weighted,
                         .n = {a.n_mse, a.n_st, b.n_mse, b.n_st}};
        const double *src[4] = {a.mse, a.st, b.mse, b.st};
        for (int k = 0; k < 4; k++)
            rec.v[k] = dup_array(src[k], rec.n[k]);
        if (!rec.v[0] || !rec.v[1] || !rec.v[2] || !rec.v[3] || push_rec(p, &rec) < 0) {
            rec_free(&rec);
            rc = -ENOMEM;
        }
    }
    piq_values_free(&a);
    piq_values_free(&b);
    return rc;
}

static int by_index(const void *x, const void *y)
{
    const video_rec *a = x, *b = y;
    if (a->batch != b->batch)
        return a->batch < b->batch ? -1 : 1;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* PhysicsIQMetric.aggregate(): frames pooled for MSE and spatiotemporal IoU, per-video means else. */
static int finalize(fveval_ctx *ctx, fveval_result *r)
{
    piq_priv *p = fveval_priv(ctx);
    if (!p->n_recs) {
        fveval_result_skip(ctx, r, "no video was scored");
        return -ENOTSUP;
    }
    qsort(p->recs, p->n_recs, sizeof(*p->recs), by_index);
    double pooled[4], per[4];
    for (int k = 0; k < 4; k++) {
        size_t tot = 0, at = 0;
        for (size_t i = 0; i < p->n_recs; i++)
            tot += p->recs[i].n[k];
        double *all = malloc(tot * sizeof(double) + 1);
        if (!all)
            return -ENOMEM;
        for (size_t i = 0; i < p->n_recs; i++) {
            memcpy(all + at, p->recs[i].v[k], p->recs[i].n[k] * sizeof(double));
            at += p->recs[i].n[k];
        }
        pooled[k] = piq_np_mean(all, tot);
        free(all);
    }
    double *vals = malloc(p->n_recs * sizeof(double));
    if (!vals)
        return -ENOMEM;
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < p->n_recs; i++) {
            const video_rec *v = &p->recs[i];
            vals[i] = k == 0 ? v->s : k == 1 ? v->ws : k == 2 ? v->pv_s : v->pv_ws;
        }
        per[k] = piq_np_mean(vals, p->n_recs);
    }
    free(vals);
    double a_mse = pooled[0], a_st = pooled[1], v_mse = pooled[2], v_st = pooled[3];
    double a_s = per[0], a_ws = per[1], v_s = per[2], v_ws = per[3], score;
    if (physics_iq_score(a_st, v_st, a_s, v_s, a_ws, v_ws, a_mse, v_mse, &score) < 0) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "corpus: division by zero: a physical-variance IoU mean is 0");
        return -EDOM;
    }
    fveval_result_score(ctx, r, score);
    const char *names[8] = {"a_mse", "a_st", "a_s", "a_ws", "v_mse", "v_st", "v_s", "v_ws"};
    const double vals8[8] = {a_mse, a_st, a_s, a_ws, v_mse, v_st, v_s, v_ws};
    for (int k = 0; k < 8; k++)
        fveval_result_number(ctx, r, names[k], vals8[k]);
    fveval_result_number(ctx, r, "videos", (double) p->n_recs);
    return 0;
}

static int merge(fveval_ctx *ctx, fveval_ctx *other)
{
    piq_priv *p = fveval_priv(ctx), *o = fveval_priv(other);
    for (size_t i = 0; i < o->n_recs; i++)
        if (push_rec(p, &o->recs[i]) < 0)
            return -ENOMEM;
    free(o->recs); /* the arrays moved to ctx */
    o->recs = NULL;
    o->n_recs = o->cap_recs = 0;
    return 0;
}

static int save_state(fveval_ctx *ctx, fveval_state *st)
{
    piq_priv *p = fveval_priv(ctx);
    uint64_t n = p->n_recs;
    qsort(p->recs, p->n_recs, sizeof(*p->recs), by_index);
    int r = fveval_state_write(ctx, st, &n, sizeof(n));
    for (size_t i = 0; r >= 0 && i < p->n_recs; i++) {
        const video_rec *v = &p->recs[i];
        uint64_t cnt[4] = {v->n[0], v->n[1], v->n[2], v->n[3]};
        double sc[4] = {v->s, v->ws, v->pv_s, v->pv_ws};
        r = fveval_state_write(ctx, st, &v->index, sizeof(v->index));
        if (r >= 0)
            r = fveval_state_write(ctx, st, cnt, sizeof(cnt));
        if (r >= 0)
            r = fveval_state_write(ctx, st, sc, sizeof(sc));
        for (int k = 0; r >= 0 && k < 4; k++)
            r = fveval_state_write(ctx, st, v->v[k], v->n[k] * sizeof(double));
    }
    return r;
}

static int load_state(fveval_ctx *ctx, fveval_state *st)
{
    piq_priv *p = fveval_priv(ctx);
    uint64_t n;
    int r = fveval_state_read(ctx, st, &n, sizeof(n));
    p->batches++;
    for (uint64_t i = 0; r >= 0 && i < n; i++) {
        video_rec v = {.batch = p->batches};
        uint64_t cnt[4];
        double sc[4];
        if ((r = fveval_state_read(ctx, st, &v.index, sizeof(v.index))) < 0 ||
            (r = fveval_state_read(ctx, st, cnt, sizeof(cnt))) < 0 ||
            (r = fveval_state_read(ctx, st, sc, sizeof(sc))) < 0)
            break;
        v.s = sc[0], v.ws = sc[1], v.pv_s = sc[2], v.pv_ws = sc[3];
        for (int k = 0; r >= 0 && k < 4; k++) {
            if (cnt[k] > ((uint64_t) 1 << 32)) {
                r = -EINVAL;
                break;
            }
            v.n[k] = (size_t) cnt[k];
            v.v[k] = malloc(v.n[k] * sizeof(double) + 1);
            r = v.v[k] ? fveval_state_read(ctx, st, v.v[k], v.n[k] * sizeof(double)) : -ENOMEM;
        }
        if (r >= 0)
            r = push_rec(p, &v);
        if (r < 0)
            rec_free(&v);
    }
    return r;
}

static void reset(fveval_ctx *ctx)
{
    piq_priv *p = fveval_priv(ctx);
    for (size_t i = 0; i < p->n_recs; i++)
        rec_free(&p->recs[i]);
    p->n_recs = 0;
}

static void uninit(fveval_ctx *ctx)
{
    piq_priv *p = fveval_priv(ctx);
    reset(ctx);
    free(p->recs);
    p->recs = NULL;
    p->cap_recs = 0;
}

static const fveval_plugin plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "physics_iq",
    .summary = "Physics-IQ score: generated vs real motion, relative to two real takes",
    .description = "Upstream fastvideo.eval PhysicsIQMetric: per-video score from the four "
                   "Physics-IQ statistics of (video, reference) over those of (reference, "
                   "reference_take2); the corpus result is PhysicsIQMetric.aggregate().  See README.md.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = fields,
    .options = options,
    .priv_size = sizeof(piq_priv),
    .init = piq_pair_init,
    .compute = compute,
    .finalize = finalize,
    .reset = reset,
    .merge = merge,
    .save_state = save_state,
    .load_state = load_state,
    .uninit = uninit,
};

FVEVAL_PLUGIN_DEFINE(plugin)
