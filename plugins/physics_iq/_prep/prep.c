/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prepare_pair_inputs() of upstream fastvideo/eval/metrics/physics_iq/utils.py,
 * the per-pair statistics, and NumPy/Python numerics where the exact double
 * matters (float32 pairwise sums, round()).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prep.h"

const char *const piq_selection_names[] = {"first", "last", NULL};

/* ---------------------------------------------------------------- numerics */

double piq_round(double x, int digits)
{
    /* glibc prints the exact binary value correctly rounded (half to even on
     * exact ties), which is what CPython's round() does through dtoa. */
    char buf[512];
    if (!isfinite(x))
        return x;
    snprintf(buf, sizeof(buf), "%.*f", digits, x);
    return strtod(buf, NULL);
}

/* NumPy's pairwise summation (numpy/core/src/umath/loops_utils.h), in T. */
#define PAIRWISE(name, T)                                                                          \
    static T name(const T *a, size_t n)                                                            \
    {                                                                                              \
        if (n < 8) {                                                                               \
            T res = 0;                                                                             \
            for (size_t i = 0; i < n; i++)                                                         \
                res += a[i];                                                                       \
            return res;                                                                            \
        }                                                                                          \
        if (n <= 128) {                                                                            \
            T r[8];                                                                                \
            size_t i;                                                                              \
            for (i = 0; i < 8; i++)                                                                \
                r[i] = a[i];                                                                       \
            for (i = 8; i < n - (n % 8); i += 8)                                                   \
                for (int k = 0; k < 8; k++)                                                        \
                    r[k] += a[i + k];                                                              \
            T res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));             \
            for (; i < n; i++)                                                                     \
                res += a[i];                                                                       \
            return res;                                                                            \
        }                                                                                          \
        size_t n2 = n / 2;                                                                         \
        n2 -= n2 % 8;                                                                              \
        return name(a, n2) + name(a + n2, n - n2);                                                 \
    }
PAIRWISE(pairwise_f, float)
PAIRWISE(pairwise_d, double)

/* np.add.reduce over a contiguous array: pairwise within 8192-element buffers. */
static float np_sum_f(const float *a, size_t n)
{
    float acc = 0;
    for (size_t i = 0; i < n; i += 8192)
        acc += pairwise_f(a + i, n - i < 8192 ? n - i : 8192);
    return acc;
}

static double np_sum_d(const double *a, size_t n)
{
    double acc = 0;
    for (size_t i = 0; i < n; i += 8192)
        acc += pairwise_d(a + i, n - i < 8192 ? n - i : 8192);
    return acc;
}

double piq_np_mean(const double *x, size_t n)
{
    return n ? np_sum_d(x, n) / (double) n : NAN;
}

double piq_py_sum(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s;
}

/* ------------------------------------------------------------- preparation */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

/* A frame of @p pv as packed 3-channel bytes in upstream's channel order. */
static const uint8_t *frame3(const piq_view *pv, int t, uint8_t *scratch, ptrdiff_t *stride)
{
    const fveval_video *v = pv->v;
    const uint8_t *base = v->data + (size_t) t * v->frame_stride;
    if (!pv->bgr) {
        *stride = v->linesize;
        return base;
    }
    for (int y = 0; y < v->height; y++) {
        const uint8_t *s = base + (ptrdiff_t) y * v->linesize;
        uint8_t *d = scratch + (size_t) y * v->width * 3;
        for (int x = 0; x < v->width; x++)
            d[3 * x] = s[3 * x + 2], d[3 * x + 1] = s[3 * x + 1], d[3 * x + 2] = s[3 * x];
    }
    *stride = (ptrdiff_t) v->width * 3;
    return scratch;
}

/* resize_frames(): every frame to the quarter size, 3 channels. */
static uint8_t *quarter_frames(const piq_view *pv, int t0, int n, int qw, int qh)
{
    const fveval_video *v = pv->v;
    size_t fsz = (size_t) qw * qh * 3;
    uint8_t *out = xmalloc(fsz * (size_t) n);
    uint8_t *scratch = pv->bgr ? xmalloc((size_t) v->width * v->height * 3) : NULL;
    for (int t = 0; t < n; t++) {
        ptrdiff_t stride;
        const uint8_t *f = frame3(pv, t0 + t, scratch, &stride);
        piq_resize(f, v->width, v->height, 3, stride, out + fsz * t, qw, qh);
    }
    free(scratch);
    return out;
}

/* load_mask_frames(): first frames, resized, channel 0 of OpenCV's BGR (blue) > 127. */
static uint8_t *load_masks(const piq_view *pv, int n, int qw, int qh)
{
    const fveval_video *v = pv->v;
    size_t q = (size_t) qw * qh;
    uint8_t *out = xmalloc(q * (size_t) n), *tmp = xmalloc(q * 3);
    uint8_t *scratch = xmalloc((size_t) v->width * v->height * 3);
    piq_view bgr = {v, 1};
    for (int t = 0; t < n; t++) {
        ptrdiff_t stride;
        const uint8_t *f = frame3(&bgr, t, scratch, &stride);
        piq_resize(f, v->width, v->height, 3, stride, tmp, qw, qh);
        for (size_t i = 0; i < q; i++)
            out[q * t + i] = tmp[3 * i] > 127;
    }
    free(scratch);
    free(tmp);
    return out;
}

/* Where finished full-resolution motion masks go: resized now, or into the round trip. */
typedef struct mask_sink {
    int qw, qh, n;
    uint8_t *out; /* n * qh * qw */
    uint8_t *tmp;
    piq_roundtrip *rt;
    char *err;
    size_t errlen;
} mask_sink;

static int sink_put(mask_sink *ms, const uint8_t *m, int w, int h)
{
    size_t q = (size_t) ms->qw * ms->qh;
    if (ms->rt)
        return piq_roundtrip_write(ms->rt, m, ms->err, ms->errlen);
    piq_resize(m, w, h, 1, w, ms->tmp, ms->qw, ms->qh);
    for (size_t i = 0; i < q; i++)
        ms->out[q * ms->n + i] = ms->tmp[i] > 127;
    ms->n++;
    return 0;
}

static int sink_decoded(void *opaque, const uint8_t *bgr, int w, int h)
{
    mask_sink *ms = opaque;
    size_t q = (size_t) ms->qw * ms->qh;
    ms->out = realloc(ms->out, q * (size_t) (ms->n + 1));
    if (!ms->out)
        abort();
    piq_resize(bgr, w, h, 3, (ptrdiff_t) w * 3, ms->tmp, ms->qw, ms->qh);
    for (size_t i = 0; i < q; i++)
        ms->out[q * ms->n + i] = ms->tmp[3 * i] > 127;
    ms->n++;
    return 0;
}

/*
 * cv2.convertScaleAbs of a double image.  Its SIMD code (used for the whole
 * continuous image once it has 16 pixels; the last vector overlaps) converts
 * to float before rounding half to even; smaller images round the double.
 */
static uint8_t scale_abs(double v, int simd)
{
    if (simd) {
        float f = fabsf((float) v);
        return f >= 255.f ? 255 : (uint8_t) lrintf(f);
    }
    double d = fabs(v);
    return d >= 255. ? 255 : (uint8_t) lrint(d);
}

/*
 * generate_motion_mask() on frames [t0, t0+n) of @p pv at full resolution.
 * cv2.accumulateWeighted(uint8 -> float64) on an AVX2 CPU: 16-element SIMD
 * body fma(avg, 1-a, src*a), scalar tail fma(src, a, avg*(1-a)).
 */
static int motion_masks(const piq_view *pv, int t0, int n, double alpha, int threshold,
                        mask_sink *ms)
{
    const fveval_video *v = pv->v;
    int w = v->width, h = v->height;
    size_t np = (size_t) w * h, simd_end = np / 16 * 16;
    uint8_t *grey = xmalloc(np), *g = xmalloc(np), *m = xmalloc(np), *tmp = xmalloc(2 * np);
    double *avg = xmalloc(np * sizeof(double));
    double beta = 1.0 - alpha;
    int r = 0;
    for (int t = 0; t < n && r >= 0; t++) {
        /* Grey honours the channel order, so a BGR view gives the same grey. */
        piq_rgb_to_grey(v->data + (size_t) (t0 + t) * v->frame_stride, v->linesize, w, h, grey);
        piq_gaussian5(grey, w, h, g);
        if (t == 0) {
            for (size_t i = 0; i < np; i++)
                avg[i] = g[i];
            memset(m, 0, np);
        } else {
            for (size_t i = 0; i < np; i++) {
                double s = g[i];
                avg[i] = i < simd_end ? fma(avg[i], beta, s * alpha) : fma(s, alpha, avg[i] * beta);
            }
            int simd = np >= 16;
            for (size_t i = 0; i < np; i++) {
                int a = scale_abs(avg[i], simd);
                int d = g[i] > a ? g[i] - a : a - g[i];
                m[i] = d > threshold ? 255 : 0;
            }
            piq_morph_open_close(m, w, h, tmp);
        }
        r = sink_put(ms, m, w, h);
    }
    free(avg);
    free(tmp);
    free(m);
    free(g);
    free(grey);
    return r;
}

void piq_pair_free(void *pp)
{
    piq_pair *p = pp;
    if (!p)
        return;
    free(p->gen_q);
    free(p->ref_q);
    free(p->gen_mask);
    free(p->ref_mask);
    free(p);
}

/* Motion masks of frames [t0, t0+n) of @p pv at qw x qh, optionally round-tripped. */
static int computed_masks(const piq_view *pv, int t0, int n, const piq_opts *o, int roundtrip,
                          int qw, int qh, uint8_t **out, int *n_out, char *err, size_t errlen)
{
    mask_sink ms = {.qw = qw, .qh = qh, .err = err, .errlen = errlen};
    size_t q = (size_t) qw * qh;
    ms.tmp = xmalloc(q * 3);
    int r;
    if (roundtrip) {
        ms.rt = piq_roundtrip_open(pv->v->width, pv->v->height, (int) o->target_fps, err, errlen);
        if (!ms.rt) {
            free(ms.tmp);
            return -EINVAL;
        }
        r = motion_masks(pv, t0, n, o->alpha, (int) o->threshold, &ms);
        if (r >= 0)
            r = piq_roundtrip_finish(ms.rt, sink_decoded, &ms, err, errlen);
        piq_roundtrip_free(ms.rt);
        if (r >= 0 && ms.n == 0) {
            snprintf(err, errlen, "mask round trip decoded no frames");
            r = -EINVAL;
        }
    } else {
        ms.out = xmalloc(q * (size_t) n);
        r = motion_masks(pv, t0, n, o->alpha, (int) o->threshold, &ms);
    }
    free(ms.tmp);
    if (r < 0) {
        free(ms.out);
        return r < -4095 ? -EINVAL : r;
    }
    *out = ms.out;
    *n_out = ms.n;
    return 0;
}

int piq_prepare(const piq_view *gen, const piq_view *ref, const piq_view *gen_mask,
                const piq_view *ref_mask, const piq_opts *o, piq_pair **out, char *err,
                size_t errlen)
{
    int64_t F = o->target_fps * o->duration_seconds;
    int tg = gen->v->nb_frames, tr = ref->v->nb_frames;
    int g0 = 0, ng = (int) (tg < F ? tg : F), nr = (int) (tr < F ? tr : F);
    if (o->selection == 1)
        g0 = tg > F ? (int) (tg - F) : 0;
    if (ng <= 0 || nr <= 0 || gen->v->width <= 0 || ref->v->width <= 0) {
        snprintf(err, errlen, "Physics-IQ pair metrics require non-empty generated and reference videos");
        return -EINVAL;
    }
    piq_pair *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->qw = ref->v->width / 4 > 1 ? ref->v->width / 4 : 1;
    p->qh = ref->v->height / 4 > 1 ? ref->v->height / 4 : 1;
    p->n_gen = ng, p->n_ref = nr;
    p->gen_q = quarter_frames(gen, g0, ng, p->qw, p->qh);
    p->ref_q = quarter_frames(ref, 0, nr, p->qw, p->qh);
    int r = 0;
    if (gen_mask && gen_mask->v) {
        p->n_gen_mask = gen_mask->v->nb_frames < F ? gen_mask->v->nb_frames : (int) F;
        p->gen_mask = load_masks(gen_mask, p->n_gen_mask, p->qw, p->qh);
    } else {
        r = computed_masks(gen, g0, ng, o, o->roundtrip, p->qw, p->qh, &p->gen_mask, &p->n_gen_mask,
                           err, errlen);
    }
    if (r >= 0 && ref_mask && ref_mask->v) {
        p->n_ref_mask = ref_mask->v->nb_frames < F ? ref_mask->v->nb_frames : (int) F;
        p->ref_mask = load_masks(ref_mask, p->n_ref_mask, p->qw, p->qh);
    } else if (r >= 0) {
        r = computed_masks(ref, 0, nr, o, 0, p->qw, p->qh, &p->ref_mask, &p->n_ref_mask, err, errlen);
    }
    if (r >= 0 && (p->n_gen_mask <= 0 || p->n_ref_mask <= 0)) {
        snprintf(err, errlen, "a mask video has no frames");
        r = -EINVAL;
    }
    if (r < 0) {
        piq_pair_free(p);
        return r;
    }
    *out = p;
    return 0;
}

const fveval_video *piq_sample_video(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                                     const char **broken)
{
    const fveval_video *v = fveval_sample_video(ctx, s, field);
    const char *json = v ? NULL : fveval_sample_json(ctx, s, field);
    if (!v && json && strcmp(json, "null") != 0 && !*broken)
        *broken = field;
    return v;
}

const piq_pair *piq_pair_get(fveval_ctx *ctx, const fveval_sample *s, const char *gen_field,
                             const char *ref_field, const char *gen_mask_field,
                             const char *ref_mask_field, int ref_bgr, const piq_opts *o,
                             char *err, size_t errlen)
{
    char key[512];
    snprintf(key, sizeof(key), "physics_iq/pair/1:%s:%s:%s:%s:%d:fps=%lld:dur=%lld:sel=%d:thr=%lld:alpha=%.17g:rt=%d",
             gen_field, ref_field, gen_mask_field ? gen_mask_field : "", ref_mask_field ? ref_mask_field : "",
             ref_bgr, (long long) o->target_fps, (long long) o->duration_seconds, o->selection,
             (long long) o->threshold, o->alpha, o->roundtrip);
    piq_pair *p = fveval_sample_cache_get(ctx, s, key);
    if (p)
        return p;
    const char *broken = NULL;
    piq_view gen = {piq_sample_video(ctx, s, gen_field, &broken), 0};
    piq_view ref = {piq_sample_video(ctx, s, ref_field, &broken), ref_bgr};
    piq_view gm = {gen_mask_field ? piq_sample_video(ctx, s, gen_mask_field, &broken) : NULL, 1};
    piq_view rm = {ref_mask_field ? piq_sample_video(ctx, s, ref_mask_field, &broken) : NULL, 1};
    if (broken) {
        snprintf(err, errlen, "field '%s' could not be decoded", broken);
        return NULL;
    }
    if (!gen.v || !ref.v) {
        snprintf(err, errlen, "missing field '%s'", gen.v ? ref_field : gen_field);
        return NULL;
    }
    if (piq_prepare(&gen, &ref, &gm, &rm, o, &p, err, errlen) < 0)
        return NULL;
    if (fveval_sample_cache_put(ctx, s, key, p, piq_pair_free) < 0) {
        piq_pair_free(p);
        snprintf(err, errlen, "cannot cache the prepared pair");
        return NULL;
    }
    return p;
}

/* ---------------------------------------------------------------- values */

static double iou_counts(size_t inter, size_t uni)
{
    return uni == 0 ? 1.0 : (double) inter / (double) uni;
}

int piq_values_compute(const piq_pair *p, piq_values *v, char *err, size_t errlen)
{
    memset(v, 0, sizeof(*v));
    size_t q = (size_t) p->qw * p->qh, n3 = q * 3;
    /* MSE: float32 (ref/255 - gen/255)^2, np.mean per frame, round(., 4). */
    int mse_ok = p->n_gen == p->n_ref;
    if (!mse_ok)
        snprintf(err, errlen, "Videos must have the same number of frames (generated %d, reference %d)",
                 p->n_gen, p->n_ref);
    v->n_mse = mse_ok ? (size_t) p->n_ref : 0;
    v->mse = xmalloc(v->n_mse * sizeof(double));
    float *sq = xmalloc(n3 * sizeof(float));
    for (int t = 0; t < (int) v->n_mse; t++) {
        const uint8_t *a = p->ref_q + n3 * t, *b = p->gen_q + n3 * t;
        for (size_t i = 0; i < n3; i++) {
            volatile float d = (float) a[i] / 255.0f - (float) b[i] / 255.0f;
            sq[i] = d * d;
        }
        float sum = np_sum_f(sq, n3);
        float mean = (float) ((double) sum / (double) n3);
        v->mse[t] = piq_round((double) mean, 4);
    }
    free(sq);
    v->mse_score = mse_ok ? piq_py_sum(v->mse, v->n_mse) / (double) v->n_mse : NAN;

    /* Spatiotemporal IoU over zip(ref, gen). */
    int nz = p->n_ref_mask < p->n_gen_mask ? p->n_ref_mask : p->n_gen_mask;
    v->n_st = (size_t) nz;
    v->st = xmalloc(v->n_st * sizeof(double) + 1);
    for (int t = 0; t < nz; t++) {
        const uint8_t *a = p->ref_mask + q * t, *b = p->gen_mask + q * t;
        size_t in = 0, un = 0;
        for (size_t i = 0; i < q; i++)
            in += a[i] & b[i], un += a[i] | b[i];
        v->st[t] = piq_round(iou_counts(in, un), 4);
    }
    v->st_score = nz ? piq_py_sum(v->st, v->n_st) / (double) nz : NAN;

    /* Spatial IoU of the any-frame masks; weighted IoU of the per-pixel frequencies. */
    size_t in = 0, un = 0, nvalid = 0;
    double *wi = xmalloc(q * sizeof(double)), *wu = xmalloc(q * sizeof(double));
    for (size_t i = 0; i < q; i++) {
        unsigned ca = 0, cb = 0;
        for (int t = 0; t < p->n_ref_mask; t++)
            ca += p->ref_mask[q * t + i];
        for (int t = 0; t < p->n_gen_mask; t++)
            cb += p->gen_mask[q * t + i];
        in += ca && cb, un += ca || cb;
        double w1 = (double) (uint16_t) ca / p->n_ref_mask, w2 = (double) (uint16_t) cb / p->n_gen_mask;
        double hi = w1 > w2 ? w1 : w2;
        if (hi > 0) {
            wi[nvalid] = w1 < w2 ? w1 : w2;
            wu[nvalid] = hi;
            nvalid++;
        }
    }
    v->spatial = iou_counts(in, un);
    v->weighted = nvalid ? np_sum_d(wi, nvalid) / np_sum_d(wu, nvalid) : 1.0;
    free(wi);
    free(wu);
    return mse_ok ? 0 : -EINVAL;
}

void piq_values_free(piq_values *v)
{
    free(v->mse);
    free(v->st);
    memset(v, 0, sizeof(*v));
}

/* ------------------------------------------------------- the sub-metrics */

const fveval_field piq_pair_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "generated clip"},
    {.name = "reference", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "real clip; sets the quarter resolution"},
    {.name = "video_mask", .type = FVEVAL_FIELD_VIDEO,
     .help = "precomputed motion masks of the generated clip (else computed)"},
    {.name = "reference_mask", .type = FVEVAL_FIELD_VIDEO,
     .help = "precomputed motion masks of the reference (else computed)"},
    {.name = NULL},
};

const fveval_option piq_pair_options[] = {
    PIQ_OPTION_ENTRIES,
    {.name = NULL},
};

int piq_pair_init(fveval_ctx *ctx)
{
    const piq_opts *o = fveval_priv(ctx);
    if (o->target_fps * o->duration_seconds > 1000000) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "target_fps * duration_seconds is too large");
        return -EINVAL;
    }
    /* Else every sample would fail the same way, in the mask round trip's encoder. */
    if (o->roundtrip && o->target_fps > PIQ_MPEG4_MAX_FPS) {
        fveval_log(ctx, FVEVAL_LOG_ERROR,
                   "target_fps %lld: the mask round trip's MPEG-4 time base allows at most %d "
                   "(or set roundtrip_generated_masks=false)",
                   (long long) o->target_fps, PIQ_MPEG4_MAX_FPS);
        return -EINVAL;
    }
    return 0;
}

int piq_submetric_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *r, piq_kind kind)
{
    const piq_opts *o = fveval_priv(ctx);
    char err[256] = "";
    const piq_pair *p = piq_pair_get(ctx, s, "video", "reference", "video_mask", "reference_mask", 0, o,
                                     err, sizeof(err));
    if (!p) {
        fveval_result_error(ctx, r, "%s", err); /* the result carries the reason */
        return -EINVAL;
    }
    piq_values v;
    if (piq_values_compute(p, &v, err, sizeof(err)) < 0 && kind == PIQ_MSE) {
        fveval_result_error(ctx, r, "%s", err);
        piq_values_free(&v);
        return -EINVAL;
    }
    switch (kind) {
    case PIQ_MSE:
        fveval_result_score(ctx, r, v.mse_score);
        fveval_result_array(ctx, r, "per_frame", v.mse, v.n_mse);
        break;
    case PIQ_SPATIOTEMPORAL:
        fveval_result_score(ctx, r, v.st_score);
        fveval_result_array(ctx, r, "per_frame", v.st, v.n_st);
        break;
    case PIQ_SPATIAL:
        fveval_result_score(ctx, r, v.spatial);
        break;
    case PIQ_WEIGHTED:
        fveval_result_score(ctx, r, v.weighted);
        break;
    }
    piq_values_free(&v);
    return 0;
}
