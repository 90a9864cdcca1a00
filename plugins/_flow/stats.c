/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flow statistics (flow.h): fastvideo.eval optical_flow/_shared.py and
 * vbench dynamic_degree's magnitude.  Where upstream works on float32 NumPy
 * arrays element by element, the same float32 operations are done here (the
 * library is built with -ffp-contract=off so none is fused); reductions are
 * accumulated in double, which agrees with NumPy's float32 pairwise sums to
 * ~1e-7 relative.  Means over axis 0 of an (N, 2) array are sequential
 * float32 sums in NumPy, and are done that way here.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "flow.h"

const char *const fvf_stat_names[FVF_N_STATS] = {
    "mf_epe", "mf_angle_err", "mf_cosine", "mf_mag_ratio", "pixel_epe_mean", "pixel_epe_max",
    "px_angle_rmse", "grid_epe_mean", "grid_epe_max", "fl_all", "foe_dist", "flow_kl_2d",
};

void fvf_magnitude(const float *flow, size_t n, float *mag)
{
    const float *u = flow, *v = flow + n;
    for (size_t i = 0; i < n; i++)
        mag[i] = sqrtf(u[i] * u[i] + v[i] * v[i]);
}

static void swapf(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

/* Reorder x so that x[k] is the k-th smallest, smaller ones before it, larger after. */
static void select_kth(float *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three as the pivot, moved to hi */
        if (x[mid] < x[lo])
            swapf(&x[mid], &x[lo]);
        if (x[hi] < x[lo])
            swapf(&x[hi], &x[lo]);
        if (x[mid] < x[hi])
            swapf(&x[mid], &x[hi]);
        float pivot = x[hi];
        /* three-way partition: < pivot | == pivot | > pivot (many equal values are common) */
        size_t lt = lo, i = lo, gt = hi;
        while (i <= gt) {
            if (x[i] < pivot)
                swapf(&x[lt++], &x[i++]);
            else if (x[i] > pivot)
                swapf(&x[i], &x[gt--]);
            else
                i++;
        }
        if (k < lt)
            hi = lt - 1;
        else if (k > gt)
            lo = gt + 1;
        else
            return;
    }
}

double fvf_top_fraction_mean(float *x, size_t n, double frac)
{
    if (!n)
        return NAN;
    size_t cut = (size_t) ((double) n * frac);
    if (cut < 1)
        cut = 1;
    select_kth(x, n, n - cut);
    double s = 0;
    for (size_t i = n - cut; i < n; i++)
        s += x[i];
    return s / (double) cut;
}

static float min_after(const float *x, size_t from, size_t n)
{
    float m = x[from];
    for (size_t i = from + 1; i < n; i++)
        if (x[i] < m)
            m = x[i];
    return m;
}

double fvf_percentile_f32(float *x, size_t n, double q)
{
    if (!n)
        return NAN;
    double virt = (double) (n - 1) * (q / 100.0);
    size_t prev = (size_t) floor(virt);
    if (prev > n - 1)
        prev = n - 1;
    size_t next = prev + 1 < n ? prev + 1 : n - 1;
    double gamma = virt - (double) prev;
    select_kth(x, n, prev);
    float a = x[prev];
    float b = next == prev ? a : min_after(x, prev + 1, n);
    float d = b - a; /* float32 subtract, then float64 lerp (NumPy's _lerp) */
    return gamma >= 0.5 ? (double) b - (double) d * (1.0 - gamma) : (double) a + (double) d * gamma;
}

/* ---- focus of expansion ----------------------------------------------------------- */

int fvf_estimate_foe(const float *flow, int h, int w, double *fx, double *fy)
{
    size_t hw = (size_t) h * w;
    int ny = (h - 4 + 7) / 8, nx = (w - 4 + 7) / 8;
    if (ny < 0)
        ny = 0;
    if (nx < 0)
        nx = 0;
    size_t m = 0, cap = (size_t) ny * nx;
    double *A = malloc((2 * cap + 2) * sizeof(double)), *b = malloc((cap + 2) * sizeof(double));
    if (!A || !b) {
        free(A);
        free(b);
        return -ENOMEM;
    }
    /* A is column-major m x 2 (column 0 = v, column 1 = -u), filled once m is known. */
    double *vs = malloc((cap + 1) * sizeof(double)), *us = malloc((cap + 1) * sizeof(double));
    if (!vs || !us) {
        free(A), free(b), free(vs), free(us);
        return -ENOMEM;
    }
    for (int y = 4; y < h; y += 8)
        for (int x = 4; x < w; x += 8) {
            double u = flow[(size_t) y * w + x], v = flow[hw + (size_t) y * w + x];
            if (sqrt(u * u + v * v) > 0.5) {
                us[m] = u;
                vs[m] = v;
                b[m] = v * x - u * y;
                m++;
            }
        }
    int r = 0;
    if (m < 10) {
        *fx = w / 2.0;
        *fy = h / 2.0;
    } else {
        for (size_t i = 0; i < m; i++) {
            A[i] = vs[i];
            A[m + i] = -us[i];
        }
        double s[2], rcond = DBL_EPSILON * (double) m;
        lapack_int rank;
        lapack_int info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, (lapack_int) m, 2, 1, A, (lapack_int) m, b,
                                         (lapack_int) m, s, rcond, &rank);
        if (info != 0) {
            r = -EDOM;
        } else {
            *fx = b[0];
            *fy = b[1];
        }
    }
    free(A), free(b), free(vs), free(us);
    return r;
}

/* ---- 2-D histogram KL ----------------------------------------------------------------- */

#define KL_ANGLE_BINS 36
#define KL_MAG_BINS 20

/* np.linspace(start, stop, num) (endpoint) into y, then 10 ** y (np.logspace). */
static void logspace(double start, double stop, int num, double *y)
{
    double step = (stop - start) / (num - 1);
    for (int i = 0; i < num; i++)
        y[i] = step != 0 ? (double) i * step + start : (double) i / (num - 1) * (stop - start) + start;
    y[num - 1] = stop;
    for (int i = 0; i < num; i++)
        y[i] = pow(10.0, y[i]);
}

/* Bin of @p v among @p edges (NumPy histogramdd: searchsorted right, the last edge closed); -1 outside. */
static int bin_of(double v, const double *edges, int nedges)
{
    if (!(v >= edges[0]) || v > edges[nedges - 1])
        return -1;
    if (v == edges[nedges - 1])
        return nedges - 2;
    int lo = 0, hi = nedges - 1; /* edges[lo] <= v < edges[hi] */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (edges[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Histogram of one field; 0, or 1 when fewer than 10 vectors have magnitude >= 0.5. */
static int kl_hist(const float *f, size_t n, double *hist)
{
    const float *u = f, *v = f + n;
    size_t kept = 0;
    float mmax = 0;
    for (size_t i = 0; i < n; i++) {
        float m = sqrtf(u[i] * u[i] + v[i] * v[i]);
        if (m >= 0.5f) {
            if (!kept || m > mmax)
                mmax = m;
            kept++;
        }
    }
    if (kept < 10)
        return 1;
    /* max(mag.max(), 1.5): the float32 maximum unless 1.5 is larger (np.log10 then in float32) */
    double stop = 1.5 > mmax ? log10(1.5) : (double) log10f(mmax);
    double mag_edges[KL_MAG_BINS + 1], angle_edges[KL_ANGLE_BINS + 1];
    logspace(log10(0.5), stop, KL_MAG_BINS + 1, mag_edges);
    for (int i = 0; i <= KL_ANGLE_BINS; i++)
        angle_edges[i] = (double) i * (360.0 / KL_ANGLE_BINS);
    angle_edges[KL_ANGLE_BINS] = 360.0;
    memset(hist, 0, sizeof(double) * KL_ANGLE_BINS * KL_MAG_BINS);
    const float to_deg = 180.0f / (float) M_PI;
    for (size_t i = 0; i < n; i++) {
        float m = sqrtf(u[i] * u[i] + v[i] * v[i]);
        if (!(m >= 0.5f))
            continue;
        float ang = atan2f(v[i], u[i]) * to_deg;
        float mod = fmodf(ang, 360.0f); /* NumPy's float32 remainder */
        if (mod != 0) {
            if (mod < 0)
                mod += 360.0f;
        } else {
            mod = 0.0f;
        }
        int ia = bin_of(mod, angle_edges, KL_ANGLE_BINS + 1), im = bin_of(m, mag_edges, KL_MAG_BINS + 1);
        if (ia >= 0 && im >= 0)
            hist[ia * KL_MAG_BINS + im] += 1;
    }
    return 0;
}

int fvf_flow_kl_2d(const float *a, const float *b, int h, int w, double *kl)
{
    size_t n = (size_t) h * w, nb = KL_ANGLE_BINS * KL_MAG_BINS;
    double ha[KL_ANGLE_BINS * KL_MAG_BINS], hb[KL_ANGLE_BINS * KL_MAG_BINS];
    if (kl_hist(a, n, ha) || kl_hist(b, n, hb)) {
        *kl = 0.0;
        return 0;
    }
    double sa = 0, sb = 0;
    for (size_t i = 0; i < nb; i++) {
        sa += ha[i] + 1;
        sb += hb[i] + 1;
    }
    double s = 0;
    for (size_t i = 0; i < nb; i++) {
        double p = (ha[i] + 1) / sa, q = (hb[i] + 1) / sb;
        s += p * log(p / q);
    }
    *kl = s;
    return 0;
}

/* ---- compute_frame_metrics ---------------------------------------------------------------- */

int fvf_frame_metrics(const float *gt, const float *gen, int h, int w, const fvf_frame_opts *o,
                      double *out)
{
    size_t n = (size_t) h * w;
    float *gt_mag = malloc(n * sizeof(float)), *gen_mag = malloc(n * sizeof(float));
    float *max_mag = malloc(n * sizeof(float)), *epe = malloc(n * sizeof(float));
    unsigned char *mask = malloc(n);
    int r = 0;
    if (!gt_mag || !gen_mag || !max_mag || !epe || !mask) {
        r = -ENOMEM;
        goto done;
    }
    const float *gu = gt, *gv = gt + n, *eu = gen, *ev = gen + n;
    fvf_magnitude(gt, n, gt_mag);
    fvf_magnitude(gen, n, gen_mag);
    for (size_t i = 0; i < n; i++) {
        max_mag[i] = gt_mag[i] > gen_mag[i] ? gt_mag[i] : gen_mag[i];
        float du = gu[i] - eu[i], dv = gv[i] - ev[i];
        epe[i] = sqrtf(du * du + dv * dv);
    }
    /* the percentile reorders its input: give it a copy */
    float *tmp = malloc(n * sizeof(float));
    if (!tmp) {
        r = -ENOMEM;
        goto done;
    }
    memcpy(tmp, max_mag, n * sizeof(float));
    /* NumPy compares the float32 array with the float64 scalar in float32 (value-based casting). */
    float mag_hi = (float) fvf_percentile_f32(tmp, n, o->max_mag_pct);
    free(tmp);
    float min_mag = (float) o->min_mag;
    size_t n_valid = 0;
    for (size_t i = 0; i < n; i++) {
        mask[i] = max_mag[i] >= min_mag && max_mag[i] <= mag_hi;
        n_valid += mask[i];
    }
    int use_mask = n_valid > 0;

    /* Mean flows: flow[mask].mean(axis=0), sequential float32 sums as NumPy's axis-0 reduction. */
    float sgu = 0, sgv = 0, seu = 0, sev = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
        if (!use_mask || mask[i]) {
            sgu += gu[i];
            sgv += gv[i];
            seu += eu[i];
            sev += ev[i];
            cnt++;
        }
    float fc = (float) cnt;
    float mgu = sgu / fc, mgv = sgv / fc, meu = seu / fc, mev = sev / fc;
    float dmu = mgu - meu, dmv = mgv - mev;
    out[FVF_MF_EPE] = sqrtf(dmu * dmu + dmv * dmv);
    float m_gt = sqrtf(mgu * mgu + mgv * mgv), m_gen = sqrtf(meu * meu + mev * mev);
    const float thr = 0.1f;
    if (m_gt < thr && m_gen < thr) {
        out[FVF_MF_ANGLE_ERR] = 0;
        out[FVF_MF_COSINE] = 1;
    } else if ((m_gt < thr) != (m_gen < thr)) {
        out[FVF_MF_ANGLE_ERR] = 90;
        out[FVF_MF_COSINE] = 0;
    } else if (m_gt > 1e-6f && m_gen > 1e-6f) {
        float dot = mgu * meu + mgv * mev;
        float c = dot / (m_gt * m_gen);
        c = c < -1.0f ? -1.0f : c > 1.0f ? 1.0f : c;
        out[FVF_MF_ANGLE_ERR] = acosf(c) * (180.0f / (float) M_PI);
        out[FVF_MF_COSINE] = c;
    } else {
        out[FVF_MF_ANGLE_ERR] = 0;
        out[FVF_MF_COSINE] = 1;
    }
    out[FVF_MF_MAG_RATIO] = m_gt > 1e-6f ? (double) (m_gen / m_gt) : 1.0;

    double esum = 0;
    float emax = 0;
    int first = 1;
    for (size_t i = 0; i < n; i++)
        if (!use_mask || mask[i]) {
            esum += epe[i];
            if (first || epe[i] > emax)
                emax = epe[i];
            first = 0;
        }
    out[FVF_PIXEL_EPE_MEAN] = (float) (esum / (double) cnt);
    out[FVF_PIXEL_EPE_MAX] = emax;

    /* Per-pixel angle error where both vectors are longer than 0.5 (hard-coded upstream). */
    double asum = 0;
    size_t acnt = 0;
    const float eps = 1e-8f, to_deg = 180.0f / (float) M_PI;
    for (size_t i = 0; i < n; i++)
        if (mask[i] && gt_mag[i] > 0.5f && gen_mag[i] > 0.5f) {
            float dot = gu[i] * eu[i] + gv[i] * ev[i];
            float c = dot / (gt_mag[i] * gen_mag[i] + eps);
            c = c < -1.0f ? -1.0f : c > 1.0f ? 1.0f : c;
            float a = acosf(c) * to_deg;
            asum += (double) (a * a);
            acnt++;
        }
    out[FVF_PX_ANGLE_RMSE] = acnt ? sqrt((double) (float) (asum / (double) acnt)) : 0.0;

    /* Grid of grid_size x grid_size cells; the remainder rows and columns are ignored. */
    int gs = o->grid_size, gh = h / gs, gw = w / gs;
    double gsum = 0, gmax = -INFINITY;
    for (int gi = 0; gi < gs; gi++)
        for (int gj = 0; gj < gs; gj++) {
            double sm = 0, sa = 0;
            size_t cm = 0, ca = 0;
            for (int y = gi * gh; y < (gi + 1) * gh; y++)
                for (int x = gj * gw; x < (gj + 1) * gw; x++) {
                    size_t i = (size_t) y * w + x;
                    sa += epe[i];
                    ca++;
                    if (mask[i]) {
                        sm += epe[i];
                        cm++;
                    }
                }
            /* an empty cell (h or w < grid_size) is NumPy's mean of nothing: NaN */
            double cell = cm ? (double) (float) (sm / (double) cm) : ca ? (double) (float) (sa / (double) ca) : NAN;
            gsum += cell;
            if (cell > gmax || isnan(cell))
                gmax = isnan(gmax) ? gmax : cell;
        }
    out[FVF_GRID_EPE_MEAN] = gsum / (double) (gs * gs);
    out[FVF_GRID_EPE_MAX] = gmax;

    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        if ((!use_mask || mask[i]) && epe[i] > 3.0f && epe[i] > 0.05f * gt_mag[i])
            bad++;
    out[FVF_FL_ALL] = (double) bad / (double) (use_mask ? n_valid : n);

    double fx1, fy1, fx2, fy2;
    if ((r = fvf_estimate_foe(gt, h, w, &fx1, &fy1)) < 0 || (r = fvf_estimate_foe(gen, h, w, &fx2, &fy2)) < 0)
        goto done;
    out[FVF_FOE_DIST] = hypot(fx1 - fx2, fy1 - fy2);
    r = fvf_flow_kl_2d(gt, gen, h, w, &out[FVF_FLOW_KL_2D]);
done:
    free(gt_mag), free(gen_mag), free(max_mag), free(epe), free(mask);
    return r;
}

/* ---- aggregate_temporal -------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

void fvf_aggregate_temporal(const double *per_frame, int n, double *out, int *onset,
                            double *threshold)
{
    for (int k = 0; k < FVF_N_STATS; k++) {
        double s = 0, mx = -INFINITY, tr = 0;
        for (int t = 0; t < n; t++) {
            double v = per_frame[t * FVF_N_STATS + k];
            s += v;
            if (v > mx || isnan(v))
                mx = isnan(mx) ? mx : v;
            if (t > 0)
                tr += (per_frame[(t - 1) * FVF_N_STATS + k] + v) / 2.0;
        }
        double mean = s / n, ss = 0;
        for (int t = 0; t < n; t++) {
            double d = per_frame[t * FVF_N_STATS + k] - mean;
            ss += d * d;
        }
        out[4 * k] = mean;
        out[4 * k + 1] = sqrt(ss / n);
        out[4 * k + 2] = mx;
        out[4 * k + 3] = tr / (double) (n - 1 > 1 ? n - 1 : 1);
    }
    int window = n < 5 ? n : 5;
    double first[5];
    for (int t = 0; t < window; t++)
        first[t] = per_frame[t * FVF_N_STATS + FVF_PIXEL_EPE_MEAN];
    qsort(first, (size_t) window, sizeof(double), cmp_double);
    double median = window % 2 ? first[window / 2] : (first[window / 2 - 1] + first[window / 2]) / 2.0;
    double thr = 2 * median > 1.0 ? 2 * median : 1.0;
    *threshold = thr;
    *onset = -1;
    for (int i = 0; i + window <= n; i++) {
        double sm = 0;
        for (int j = 0; j < window; j++)
            sm += per_frame[(i + j) * FVF_N_STATS + FVF_PIXEL_EPE_MEAN] * (1.0 / window);
        if (sm > thr) {
            *onset = i;
            break;
        }
    }
}
