/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.ssim: mean over frames of per-frame SSIM between a video and its
 * reference, as fastvideo.eval's common.ssim computes it: an 11x11 Gaussian
 * window (sigma 1.5, float32 weights g = exp(-c^2/4.5) / sum) applied to
 * each RGB channel with zero padding and same-size output, C1 = 0.01^2,
 * C2 = 0.03^2 (data range 1), the SSIM map averaged over channels, rows and
 * columns (borders included), then over frames [0, min(T_video, T_ref)).
 *
 * How it is computed here, and why it still gives upstream's numbers:
 *  - The window is outer(g, g), so the 2-D filter is a vertical pass then a
 *    horizontal pass of g (zero padding is separable too).
 *  - Values are taken in byte units (x = byte, not byte / 255): the moments
 *    scale by 255 and 255^2, so C1 and C2 are scaled by 255^2 and the ratio
 *    is unchanged.  The per-row inputs x, y, x^2 + y^2 and x*y are then
 *    small integers, exact in float32.  (Upstream's inputs are float32
 *    byte / 255, which is byte / 255 to 3e-8; frame values move by up to
 *    ~2e-8 relative for it.)  Only sxx + syy enters the formula, so x^2 and
 *    y^2 are filtered as one sum.
 *  - The filter sums and the map are evaluated in double: the variances
 *    are differences of nearly equal numbers (E[x^2] - E[x]^2), and float32
 *    (what upstream runs in) is off by up to ~1e-6 relative on a frame's
 *    mean; double gives the exact value that float32 approximates.
 *  - All three channels are filtered at once on the interleaved RGB row
 *    (neighbours of a channel value are 3 apart), a ring of window-size
 *    rows holds the inputs, and one output row is produced at a time, so
 *    the memory used is a few rows whatever the clip length.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include <fveval/plugin.h>

#include "../_pixel/pixel.h"

/*
 * The filter loops are most of the run time: on x86-64 build the frame
 * function also for AVX2+FMA and AVX-512 and let the loader pick the
 * variant the CPU has (the helpers below are inlined into it).
 */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute(target_clones) && !defined(__SANITIZE_ADDRESS__) && !defined(__clang__)
#define SSIM_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
#endif
#ifndef SSIM_CLONES
#define SSIM_CLONES
#endif
#define ALWAYS_INLINE inline __attribute__((always_inline))

#define MAX_WINDOW 63
#define BLOCK 32  /* outputs per inner block of the vertical pass (see vertical_sum) */
#define HBLOCK 8  /* same for the horizontal pass: 4 accumulators each, kept in registers */
#define MARGIN 64 /* spare values past each row: >= BLOCK, HBLOCK */
#define NQ 4 /* filtered quantities: x, y, x^2 + y^2, x*y */

typedef struct {
    int64_t window_size;
    /* Per-instance scratch, kept between samples of the same size. */
    int ws, pad;            /* window size, zero padding (ws / 2) */
    double g[MAX_WINDOW];   /* 1-D weights (float32 values, as upstream) */
    int width, height;      /* what the scratch was sized for */
    float *ring;            /* ws rows x NQ x (3 * width) inputs, in byte units */
    double *vsum;           /* NQ rows of vertical sums, zero-padded on both sides */
    size_t vstride;         /* doubles from one vsum row to the next */
    size_t vlead;           /* zeros before element 0 of a vsum row */
} ssim_priv;

static const fveval_option ssim_options[] = {
    {.name = "window_size", .help = "Gaussian window side in pixels (sigma stays 1.5)",
     .type = FVEVAL_OPT_INT, .offset = offsetof(ssim_priv, window_size), .def.i64 = 11,
     .min = 1, .max = MAX_WINDOW},
    {.name = NULL},
};

/* C1 = 0.01^2 and C2 = 0.03^2 for data range 1, in byte units (x 255^2). */
static const double C1 = 0.01 * 0.01 * 255.0 * 255.0;
static const double C2 = 0.03 * 0.03 * 255.0 * 255.0;

static int ssim_init(fveval_ctx *ctx)
{
    ssim_priv *p = fveval_priv(ctx);
    p->ws = (int) p->window_size;
    p->pad = p->ws / 2;
    /*
     * Upstream: coords = arange(ws) - ws//2; g = exp(-coords^2 / (2 * 1.5^2)); g /= g.sum(),
     * in float32.  torch's sum of a few floats is the correctly rounded one, which a double
     * sum rounded once gives too; a float loop would be an ulp off, and a uniform scale of
     * the weights moves SSIM by about 1e-7 (it does not cancel in E[x^2] - E[x]^2).
     */
    float e[MAX_WINDOW];
    double sum = 0.0;
    for (int k = 0; k < p->ws; k++) {
        float c = (float) (k - p->pad);
        e[k] = expf(-(c * c) / 4.5f);
        sum += e[k];
    }
    for (int k = 0; k < p->ws; k++)
        p->g[k] = (double) (e[k] / (float) sum);
    return 0;
}

static void ssim_uninit(fveval_ctx *ctx)
{
    ssim_priv *p = fveval_priv(ctx);
    free(p->ring);
    free(p->vsum);
    p->ring = NULL;
    p->vsum = NULL;
}

static int ssim_scratch(ssim_priv *p, int width, int height)
{
    if (p->ring && p->width == width && p->height == height)
        return 0;
    free(p->ring);
    free(p->vsum);
    size_t row = (size_t) 3 * (size_t) width;
    p->vlead = (size_t) 3 * (size_t) p->pad;
    /* Right margin: the window reaches 3 * (ws - 1 - pad) past the last output, and a
     * block of the horizontal pass up to BLOCK - 1 further. */
    p->vstride = p->vlead + row + (size_t) 3 * (size_t) p->ws + MARGIN;
    p->ring = malloc(((size_t) p->ws * NQ * row + MARGIN) * sizeof(float));
    p->vsum = calloc(NQ * p->vstride, sizeof(double));
    if (!p->ring || !p->vsum) {
        free(p->ring);
        free(p->vsum);
        p->ring = NULL;
        p->vsum = NULL;
        return -ENOMEM;
    }
    p->width = width;
    p->height = height;
    return 0;
}

/*
 * The NQ inputs of one RGB row pair, into ring slot @p q (NQ rows of n
 * values): x, y, x^2 + y^2, x*y in byte units, integers below 2^17 and so
 * exact in float32 (half the memory traffic of doubles, which is what the
 * vertical pass is bound by).
 */
static ALWAYS_INLINE void load_row(float *restrict q, const uint8_t *restrict a,
                                   const uint8_t *restrict b, size_t n)
{
    float *restrict qx = q, *restrict qy = q + n, *restrict qs = q + 2 * n,
                    *restrict qp = q + 3 * n;
    for (size_t i = 0; i < n; i++) {
        int x = a[i], y = b[i];
        qx[i] = (float) x;
        qy[i] = (float) y;
        qs[i] = (float) (x * x + y * y);
        qp[i] = (float) (x * y);
    }
}

/*
 * Loops below work on blocks of BLOCK outputs with the taps outside and the
 * block inside: the block loop has a constant trip count, so it vectorises
 * and its accumulators stay in registers, whatever the window size.
 */

/* v[i] = sum over the nk rows r of w[r] * q[r][i], i < n: one quantity's vertical sums. */
static ALWAYS_INLINE void vertical_sum(double *restrict v, const float *const *q,
                                       const double *w, int nk, size_t n)
{
    size_t i0 = 0;
    for (; i0 + BLOCK <= n; i0 += BLOCK) {
        double acc[BLOCK] = {0};
#pragma GCC unroll 16
        for (int r = 0; r < nk; r++) {
            const float *restrict qr = q[r] + i0;
            const double wr = w[r];
            for (int l = 0; l < BLOCK; l++)
                acc[l] += wr * (double) qr[l];
        }
        for (int l = 0; l < BLOCK; l++)
            v[i0 + l] = acc[l];
    }
    for (; i0 < n; i0++) {
        double acc = 0;
        for (int r = 0; r < nk; r++)
            acc += w[r] * (double) q[r][i0];
        v[i0] = acc;
    }
}

/*
 * Horizontal pass over one row of vertical sums and the SSIM map of that
 * row: returns the sum of the map over n outputs.  v points at output 0 of
 * quantity 0 minus 3 * pad (the zero margin), so tap k of output i is
 * v[i + 3k].  The last block reads into the zero margin and drops the
 * lanes past n.
 */
static ALWAYS_INLINE double row_ssim(const double *restrict v, size_t vstride,
                                     const double *restrict g, int ws, size_t n)
{
    const double *restrict vx = v, *restrict vy = v + vstride, *restrict vs = v + 2 * vstride,
                           *restrict vp = v + 3 * vstride;
    double part[HBLOCK] = {0}; /* per-lane sums: no serial FP reduction chain */
    for (size_t i0 = 0; i0 < n; i0 += HBLOCK) {
        double mx[HBLOCK] = {0}, my[HBLOCK] = {0}, ms[HBLOCK] = {0}, mp[HBLOCK] = {0};
        for (int k = 0; k < ws; k++) {
            const size_t o = i0 + 3 * (size_t) k;
            const double gk = g[k];
            for (int l = 0; l < HBLOCK; l++) {
                mx[l] += gk * vx[o + l];
                my[l] += gk * vy[o + l];
                ms[l] += gk * vs[o + l];
                mp[l] += gk * vp[o + l];
            }
        }
        const size_t m = n - i0;
        for (int l = 0; l < HBLOCK; l++) {
            double mxy = mx[l] * my[l], mm = mx[l] * mx[l] + my[l] * my[l];
            double num = (2.0 * mxy + C1) * (2.0 * (mp[l] - mxy) + C2);
            double den = (mm + C1) * ((ms[l] - mm) + C2);
            part[l] += (size_t) l < m ? num / den : 0.0;
        }
    }
    double sum = 0;
    for (int l = 0; l < HBLOCK; l++)
        sum += part[l];
    return sum;
}

SSIM_CLONES static double frame_ssim(void *state, const fvpx_frame *a, const fvpx_frame *b)
{
    ssim_priv *p = state;
    const int ws = p->ws, pad = p->pad, h = a->height;
    const size_t row = (size_t) 3 * (size_t) a->width;
    /* Output size with padding ws/2 on each side: H + 2*pad - ws + 1 (H + 1 for even ws). */
    const int out_h = h + 2 * pad - ws + 1;
    const size_t out_row = (size_t) 3 * (size_t) (a->width + 2 * pad - ws + 1);
    int loaded = 0; /* input rows [0, loaded) have been put in the ring */
    double total = 0;
    for (int o = 0; o < out_h; o++) {
        /* Inputs o - pad + k, k in [0, ws), that lie inside the frame. */
        int k0 = pad - o > 0 ? pad - o : 0;
        int k1 = h - o + pad < ws ? h - o + pad : ws;
        for (; loaded < o - pad + k1; loaded++)
            load_row(p->ring + (size_t) (loaded % ws) * NQ * row, a->data + loaded * a->linesize,
                     b->data + loaded * b->linesize, row);
        double *v0 = p->vsum + p->vlead;
        for (int j = 0; j < NQ; j++) {
            const float *q[MAX_WINDOW];
            for (int k = k0; k < k1; k++)
                q[k - k0] = p->ring + ((size_t) ((o - pad + k) % ws) * NQ + (size_t) j) * row;
            if (ws == 11 && k1 - k0 == 11) /* away from the top and bottom edges */
                vertical_sum(v0 + j * p->vstride, q, p->g, 11, row);
            else
                vertical_sum(v0 + j * p->vstride, q, p->g + k0, k1 - k0, row);
        }
        /* Output column c reads columns c - pad + k: element i reads v0[i - 3 pad + 3k]. */
        if (ws == 11) /* the default: taps unrolled */
            total += row_ssim(p->vsum, p->vstride, p->g, 11, out_row);
        else
            total += row_ssim(p->vsum, p->vstride, p->g, ws, out_row);
    }
    return total / ((double) out_row * out_h);
}

static int ssim_prepare(void *state, const fveval_video *v)
{
    return ssim_scratch(state, v->width, v->height);
}

/* --device cuda:N: the same map in double on the device (summed in another order). */
static int device_ssim(void *state, const fvcu_frames *a, const fvcu_frames *b, int n,
                       double *values, char *err, size_t errlen)
{
    const ssim_priv *p = state;
    return fvcu_ssim(a, 0, b, 0, n, p->ws, p->g, values, err, errlen);
}

static int ssim_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    int dev = fvpx_cuda_device(ctx);
    if (dev >= 0)
        return fvpx_compute_paired_cuda(ctx, s, res, dev, device_ssim, fveval_priv(ctx));
    return fvpx_compute_paired(ctx, s, res, frame_ssim, fveval_priv(ctx), ssim_prepare);
}

static const fveval_plugin ssim_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "common.ssim",
    .summary = "structural similarity against the reference (mean of per-frame SSIM)",
    .description =
        "Per frame: SSIM map of each RGB channel with an 11x11 Gaussian window (sigma 1.5, "
        "zero padding, same-size output, borders included), C1=0.01^2, C2=0.03^2 on the "
        "[0,1] scale; the frame value is the mean of the map over channels and pixels; "
        "score = mean of the frame values, details.per_frame lists them. Follows "
        "fastvideo.eval common.ssim (computed in double precision; upstream's float32 "
        "is off the exact value by about 1e-6 relative on clean content and, on low-bitrate "
        "and noisy content, by up to 1.35e-4 on a frame and 1.2e-4 on a score). Frame counts may differ: like upstream, "
        "only the first min(T_video, T_reference) frames are compared. Video and reference "
        "must have the same width and height (no resizing): otherwise the sample is "
        "skipped with the two sizes as the reason.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = fvpx_paired_fields,
    .options = ssim_options,
    .priv_size = sizeof(ssim_priv),
    .init = ssim_init,
    .compute = ssim_compute,
    .uninit = ssim_uninit,
};

FVEVAL_PLUGIN_DEFINE(ssim_plugin)
