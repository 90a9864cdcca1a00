/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "preprocess.h"

/* ---- torch bilinear, align_corners=False ---------------------------------------- */

/*
 * ATen's compute_indices_weights_linear: the scale is in/out in float, the
 * source index (dst + 0.5) * scale - 0.5 clamped at 0, and the weights are
 * float.  The kernel then blends along the width and then the height.
 */
typedef struct lin_tap {
    int i0, i1;
    float w0, w1;
} lin_tap;

static void linear_taps(int in, int out, lin_tap *taps)
{
    float scale = (float) in / (float) out;
    for (int d = 0; d < out; d++) {
        float src = scale * ((float) d + 0.5f) - 0.5f;
        if (src < 0)
            src = 0;
        int i0 = (int) src;
        int off = i0 < in - 1 ? 1 : 0;
        float l1 = src - (float) i0;
        if (l1 < 0)
            l1 = 0;
        if (l1 > 1)
            l1 = 1;
        taps[d] = (lin_tap){i0, i0 + off, 1.0f - l1, l1};
    }
}

void fvd_bilinear_plane(const float *src, int h, int w, float *dst, int oh, int ow)
{
    if (h == oh && w == ow) {
        memcpy(dst, src, (size_t) h * w * sizeof(float));
        return;
    }
    lin_tap *tx = malloc(sizeof(*tx) * (size_t) ow), *ty = malloc(sizeof(*ty) * (size_t) oh);
    if (!tx || !ty) {
        free(tx);
        free(ty);
        memset(dst, 0, (size_t) oh * ow * sizeof(float));
        return;
    }
    linear_taps(w, ow, tx);
    linear_taps(h, oh, ty);
    for (int y = 0; y < oh; y++) {
        const float *r0 = src + (size_t) ty[y].i0 * w, *r1 = src + (size_t) ty[y].i1 * w;
        float wy0 = ty[y].w0, wy1 = ty[y].w1;
        float *o = dst + (size_t) y * ow;
        for (int x = 0; x < ow; x++) {
            const lin_tap *t = &tx[x];
            float a = r0[t->i0] * t->w0 + r0[t->i1] * t->w1;
            float b = r1[t->i0] * t->w0 + r1[t->i1] * t->w1;
            o[x] = a * wy0 + b * wy1;
        }
    }
    free(tx);
    free(ty);
}

/* ---- PIL bicubic (Pillow's libImaging/Resample.c) ---------------------------------- */

#define PRECISION_BITS (32 - 8 - 2)

static double bicubic_filter(double x)
{
    const double a = -0.5;
    if (x < 0.0)
        x = -x;
    if (x < 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0)
        return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

/* precompute_coeffs + normalize_coeffs_8bpc for a full-size box. */
static int pil_coeffs(int in, int out, int *ksize_out, int **bounds_out, int **kk_out)
{
    double scale = (double) in / out, filterscale = scale < 1.0 ? 1.0 : scale;
    double support = 2.0 * filterscale;
    int ksize = (int) ceil(support) * 2 + 1;
    double *pre = malloc(sizeof(double) * (size_t) out * ksize);
    int *bounds = malloc(sizeof(int) * 2 * (size_t) out);
    int *kk = malloc(sizeof(int) * (size_t) out * ksize);
    if (!pre || !bounds || !kk) {
        free(pre);
        free(bounds);
        free(kk);
        return -ENOMEM;
    }
    for (int xx = 0; xx < out; xx++) {
        double center = (xx + 0.5) * scale, ww = 0.0, ss = 1.0 / filterscale;
        int xmin = (int) (center - support + 0.5);
        if (xmin < 0)
            xmin = 0;
        int xmax = (int) (center + support + 0.5);
        if (xmax > in)
            xmax = in;
        xmax -= xmin;
        double *k = &pre[(size_t) xx * ksize];
        int x;
        for (x = 0; x < xmax; x++) {
            double wv = bicubic_filter((x + xmin - center + 0.5) * ss);
            k[x] = wv;
            ww += wv;
        }
        for (x = 0; x < xmax; x++)
            if (ww != 0.0)
                k[x] /= ww;
        for (; x < ksize; x++)
            k[x] = 0;
        bounds[xx * 2] = xmin;
        bounds[xx * 2 + 1] = xmax;
    }
    for (size_t i = 0; i < (size_t) out * ksize; i++)
        kk[i] = pre[i] < 0 ? (int) (-0.5 + pre[i] * (1 << PRECISION_BITS))
                           : (int) (0.5 + pre[i] * (1 << PRECISION_BITS));
    free(pre);
    *ksize_out = ksize;
    *bounds_out = bounds;
    *kk_out = kk;
    return 0;
}

static uint8_t clip8(int v)
{
    v >>= PRECISION_BITS;
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t) v;
}

int fvd_pil_bicubic_rgb(const uint8_t *src, int w, int h, ptrdiff_t linesize, uint8_t *dst, int ow,
                        int oh)
{
    int kx_size = 0, ky_size = 0, *bx = NULL, *kx = NULL, *by = NULL, *ky = NULL;
    uint8_t *tmp = NULL;
    int ret = -ENOMEM;
    int need_h = ow != w, need_v = oh != h;
    if (need_h && pil_coeffs(w, ow, &kx_size, &bx, &kx) < 0)
        goto out;
    if (need_v && pil_coeffs(h, oh, &ky_size, &by, &ky) < 0)
        goto out;
    /* Horizontal pass into tmp (h rows of ow pixels), or a plain copy. */
    tmp = malloc((size_t) h * ow * 3);
    if (!tmp)
        goto out;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = src + (ptrdiff_t) y * linesize;
        uint8_t *o = tmp + (size_t) y * ow * 3;
        if (!need_h) {
            memcpy(o, row, (size_t) w * 3);
            continue;
        }
        for (int xx = 0; xx < ow; xx++) {
            int xmin = bx[xx * 2], xmax = bx[xx * 2 + 1];
            const int *k = &kx[(size_t) xx * kx_size];
            int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
            for (int x = 0; x < xmax; x++) {
                const uint8_t *p = row + (size_t) (x + xmin) * 3;
                s0 += p[0] * k[x];
                s1 += p[1] * k[x];
                s2 += p[2] * k[x];
            }
            o[xx * 3] = clip8(s0);
            o[xx * 3 + 1] = clip8(s1);
            o[xx * 3 + 2] = clip8(s2);
        }
    }
    /* Vertical pass. */
    for (int yy = 0; yy < oh; yy++) {
        uint8_t *o = dst + (size_t) yy * ow * 3;
        if (!need_v) {
            memcpy(o, tmp + (size_t) yy * ow * 3, (size_t) ow * 3);
            continue;
        }
        int ymin = by[yy * 2], ymax = by[yy * 2 + 1];
        const int *k = &ky[(size_t) yy * ky_size];
        for (int xx = 0; xx < ow * 3; xx++) {
            int s = 1 << (PRECISION_BITS - 1);
            for (int y = 0; y < ymax; y++)
                s += tmp[(size_t) (y + ymin) * ow * 3 + xx] * k[y];
            o[xx] = clip8(s);
        }
    }
    ret = 0;
out:
    free(bx);
    free(kx);
    free(by);
    free(ky);
    free(tmp);
    return ret;
}
