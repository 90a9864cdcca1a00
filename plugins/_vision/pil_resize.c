/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pillow's Image.resize on 8-bit images (libImaging/Resample.c, Pillow 7 to 10): a
 * separable convolution, horizontal pass first into an 8-bit image, then vertical;
 * weights computed in double, normalised to sum 1, then turned into 22-bit fixed point
 * (PRECISION_BITS = 32 - 8 - 2), sums started at half a unit and clipped to 0..255.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vision.h"

#define PIL_PRECISION_BITS (32 - 8 - 2)

static double sinc_filter(double x)
{
    if (x == 0.0)
        return 1.0;
    x = x * M_PI;
    return sin(x) / x;
}

static double lanczos_filter(double x)
{
    /* truncated sinc, a = 3 */
    if (-3.0 <= x && x < 3.0)
        return sinc_filter(x) * sinc_filter(x / 3);
    return 0.0;
}

/*
 * precompute_coeffs + normalize_coeffs_8bpc for the whole input (box 0..in_size):
 * per output pixel the first input index and the tap count (bounds), and ksize
 * fixed-point weights.  Returns ksize, or -ENOMEM.
 */
static int pil_coeffs(int in_size, int out_size, int **bounds_out, int32_t **kk_out)
{
    double scale = (double) ((float) in_size - 0.0f) / out_size;
    double filterscale = scale < 1.0 ? 1.0 : scale;
    double support = 3.0 * filterscale; /* LANCZOS support 3 */
    int ksize = (int) ceil(support) * 2 + 1;
    double *pre = malloc((size_t) out_size * ksize * sizeof(double));
    int *bounds = malloc((size_t) out_size * 2 * sizeof(int));
    int32_t *kk = malloc((size_t) out_size * ksize * sizeof(int32_t));
    if (!pre || !bounds || !kk) {
        free(pre);
        free(bounds);
        free(kk);
        return -ENOMEM;
    }
    for (int xx = 0; xx < out_size; xx++) {
        double center = 0.0 + (xx + 0.5) * scale;
        double ww = 0.0, ss = 1.0 / filterscale;
        int xmin = (int) (center - support + 0.5); /* C truncation, as Pillow */
        if (xmin < 0)
            xmin = 0;
        int xmax = (int) (center + support + 0.5);
        if (xmax > in_size)
            xmax = in_size;
        xmax -= xmin;
        double *k = &pre[(size_t) xx * ksize];
        int x;
        for (x = 0; x < xmax; x++) {
            double w = lanczos_filter((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        for (x = 0; x < xmax; x++)
            if (ww != 0.0)
                k[x] /= ww;
        for (; x < ksize; x++)
            k[x] = 0;
        bounds[xx * 2 + 0] = xmin;
        bounds[xx * 2 + 1] = xmax;
    }
    for (size_t i = 0; i < (size_t) out_size * ksize; i++)
        kk[i] = pre[i] < 0 ? (int32_t) (-0.5 + pre[i] * (1 << PIL_PRECISION_BITS))
                           : (int32_t) (0.5 + pre[i] * (1 << PIL_PRECISION_BITS));
    free(pre);
    *bounds_out = bounds;
    *kk_out = kk;
    return ksize;
}

static uint8_t clip8(int32_t in)
{
    if (in >= (1 << PIL_PRECISION_BITS) * 256)
        return 255;
    if (in <= 0)
        return 0;
    return (uint8_t) (in >> PIL_PRECISION_BITS);
}

int fvv_pil_resize_lanczos_u8(const uint8_t *src, ptrdiff_t src_linesize, int in_w, int in_h,
                              int cn, uint8_t *dst, ptrdiff_t dst_linesize, int out_w, int out_h)
{
    if (in_w < 1 || in_h < 1 || out_w < 1 || out_h < 1 || cn < 1 || cn > 4)
        return -EINVAL;
    int *bh = NULL, *bv = NULL;
    int32_t *kh = NULL, *kv = NULL;
    int ksh = pil_coeffs(in_w, out_w, &bh, &kh);
    int ksv = ksh < 0 ? ksh : pil_coeffs(in_h, out_h, &bv, &kv);
    uint8_t *tmp = NULL;
    int rc = ksv < 0 ? ksv : 0;
    bool need_h = out_w != in_w, need_v = out_h != in_h;
    const uint8_t *in = src;
    ptrdiff_t in_ls = src_linesize;
    if (rc == 0 && need_h) {
        /* Only the rows the vertical pass reads; its bounds shift with them. */
        int first = bv[0], last = bv[out_h * 2 - 2] + bv[out_h * 2 - 1];
        int rows = need_v ? last - first : in_h;
        if (!need_v)
            first = 0;
        uint8_t *hout = need_v ? (tmp = malloc((size_t) out_w * cn * rows)) : dst;
        ptrdiff_t hls = need_v ? (ptrdiff_t) out_w * cn : dst_linesize;
        if (!hout) {
            rc = -ENOMEM;
        } else {
            for (int y = 0; y < rows; y++) {
                const uint8_t *row = src + (ptrdiff_t) (y + first) * src_linesize;
                for (int xx = 0; xx < out_w; xx++) {
                    int xmin = bh[xx * 2], xmax = bh[xx * 2 + 1];
                    const int32_t *k = &kh[(size_t) xx * ksh];
                    for (int c = 0; c < cn; c++) {
                        int32_t ss = 1 << (PIL_PRECISION_BITS - 1);
                        for (int x = 0; x < xmax; x++)
                            ss += row[(x + xmin) * cn + c] * k[x];
                        hout[y * hls + xx * cn + c] = clip8(ss);
                    }
                }
            }
            if (need_v) {
                for (int i = 0; i < out_h; i++)
                    bv[i * 2] -= first;
                in = tmp;
                in_ls = hls;
            }
        }
    }
    if (rc == 0 && need_v) {
        for (int yy = 0; yy < out_h; yy++) {
            int ymin = bv[yy * 2], ymax = bv[yy * 2 + 1];
            const int32_t *k = &kv[(size_t) yy * ksv];
            for (int xx = 0; xx < out_w * cn; xx++) {
                int32_t ss = 1 << (PIL_PRECISION_BITS - 1);
                for (int y = 0; y < ymax; y++)
                    ss += in[(ptrdiff_t) (y + ymin) * in_ls + xx] * k[y];
                dst[yy * dst_linesize + xx] = clip8(ss);
            }
        }
    }
    if (rc == 0 && !need_h && !need_v)
        for (int y = 0; y < out_h; y++)
            memcpy(dst + y * dst_linesize, src + y * src_linesize, (size_t) out_w * cn);
    free(bh);
    free(bv);
    free(kh);
    free(kv);
    free(tmp);
    return rc;
}
