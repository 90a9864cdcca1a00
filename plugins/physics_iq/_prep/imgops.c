/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integer image operations reproducing OpenCV 4.6 bit for bit on uint8
 * images (what upstream's cv2 calls compute on an x86-64 CPU).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prep.h"

/* cv2.cvtColor RGB2GRAY: 15-bit fixed-point weights, rounded. */
void piq_rgb_to_grey(const uint8_t *rgb, ptrdiff_t linesize, int w, int h, uint8_t *grey)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *p = rgb + (ptrdiff_t) y * linesize;
        for (int x = 0; x < w; x++, p += 3)
            grey[(size_t) y * w + x] = (uint8_t) ((9798 * p[0] + 19235 * p[1] + 3735 * p[2] + 16384) >> 15);
    }
}

/* BORDER_REFLECT_101 index. */
static int reflect101(int p, int len)
{
    if (len == 1)
        return 0;
    while (p < 0 || p >= len)
        p = p < 0 ? -p : 2 * len - 2 - p;
    return p;
}

/*
 * cv2.GaussianBlur(ksize=(5,5), sigma=0) on uint8: the fixed-point path with
 * the exact kernel [1 4 6 4 1]/16 in both directions, one rounding at the end.
 */
void piq_gaussian5(const uint8_t *src, int w, int h, uint8_t *dst)
{
    static const int k[5] = {1, 4, 6, 4, 1};
    uint32_t *rows = malloc((size_t) w * h * sizeof(*rows));
    int *xi = malloc((size_t) (w + 4) * sizeof(*xi));
    if (!rows || !xi)
        abort();
    for (int x = -2; x < w + 2; x++)
        xi[x + 2] = reflect101(x, w);
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + (size_t) y * w;
        uint32_t *o = rows + (size_t) y * w;
        for (int x = 0; x < w; x++) {
            uint32_t acc = 0;
            for (int i = 0; i < 5; i++)
                acc += (uint32_t) k[i] * s[xi[x + i]];
            o[x] = acc;
        }
    }
    for (int y = 0; y < h; y++) {
        const uint32_t *r[5];
        for (int j = 0; j < 5; j++)
            r[j] = rows + (size_t) reflect101(y - 2 + j, h) * w;
        for (int x = 0; x < w; x++) {
            uint32_t acc = 0;
            for (int j = 0; j < 5; j++)
                acc += (uint32_t) k[j] * r[j][x];
            dst[(size_t) y * w + x] = (uint8_t) ((acc + 128) >> 8);
        }
    }
    free(xi);
    free(rows);
}

/* cv::saturate_cast<short>(float): round half to even. */
static int16_t coef(float v)
{
    return (int16_t) lrintf(v);
}

static uint8_t sat_u8(int v)
{
    return (uint8_t) (v < 0 ? 0 : v > 255 ? 255 : v);
}

/*
 * cv2.resize(INTER_LINEAR) on uint8.  An exact 2x downscale is OpenCV's
 * area-fast path; anything else is resizeGeneric with 11-bit coefficients:
 * an exact horizontal pass, then the vertical pass rounded as its SIMD code
 * (VResizeLinearVec_32s8u) does, ((h0>>4)*b0>>16) + ((h1>>4)*b1>>16), +2 >> 2,
 * on every element (a plain (h0*b0 + h1*b1 + 2^21) >> 22 is off by one at times).
 */
void piq_resize(const uint8_t *src, int sw, int sh, int cn, ptrdiff_t sstride, uint8_t *dst, int dw,
                int dh)
{
    size_t drow = (size_t) dw * cn;
    if (sw == dw && sh == dh) {
        for (int y = 0; y < dh; y++)
            memcpy(dst + y * drow, src + (ptrdiff_t) y * sstride, drow);
        return;
    }
    double scale_x = 1.0 / ((double) dw / sw), scale_y = 1.0 / ((double) dh / sh);
    int iscale_x = (int) lrint(scale_x), iscale_y = (int) lrint(scale_y);
    if (fabs(scale_x - iscale_x) < 2.220446049250313e-16 && fabs(scale_y - iscale_y) < 2.220446049250313e-16 &&
        iscale_x == 2 && iscale_y == 2) {
        for (int y = 0; y < dh; y++) {
            const uint8_t *s0 = src + (ptrdiff_t) (2 * y) * sstride, *s1 = s0 + sstride;
            for (int x = 0; x < dw; x++)
                for (int c = 0; c < cn; c++) {
                    int a = 2 * x * cn + c;
                    dst[y * drow + (size_t) x * cn + c] =
                        (uint8_t) ((s0[a] + s0[a + cn] + s1[a] + s1[a + cn] + 2) >> 2);
                }
        }
        return;
    }
    int *xofs = malloc((size_t) dw * sizeof(*xofs));
    int16_t *alpha = malloc((size_t) dw * 2 * sizeof(*alpha));
    int *yofs = malloc((size_t) dh * sizeof(*yofs));
    int16_t *beta = malloc((size_t) dh * 2 * sizeof(*beta));
    int *rows = malloc(2 * drow * sizeof(*rows));
    if (!xofs || !alpha || !yofs || !beta || !rows)
        abort();
    int xmax = dw;
    for (int dx = 0; dx < dw; dx++) {
        float fx = (float) ((dx + 0.5) * scale_x - 0.5);
        int sx = (int) floorf(fx);
        fx -= (float) sx;
        if (sx < 0)
            fx = 0, sx = 0;
        if (sx + 1 >= sw) {
            if (xmax > dx)
                xmax = dx;
            if (sx >= sw - 1)
                fx = 0, sx = sw - 1;
        }
        xofs[dx] = sx;
        alpha[2 * dx] = coef((1.f - fx) * 2048.f);
        alpha[2 * dx + 1] = coef(fx * 2048.f);
    }
    for (int dy = 0; dy < dh; dy++) {
        float fy = (float) ((dy + 0.5) * scale_y - 0.5);
        int sy = (int) floorf(fy);
        fy -= (float) sy;
        yofs[dy] = sy;
        beta[2 * dy] = coef((1.f - fy) * 2048.f);
        beta[2 * dy + 1] = coef(fy * 2048.f);
    }
    for (int dy = 0; dy < dh; dy++) {
        int *h[2] = {rows, rows + drow};
        for (int k = 0; k < 2; k++) {
            int sy = yofs[dy] + k;
            sy = sy < 0 ? 0 : sy >= sh ? sh - 1 : sy;
            const uint8_t *s = src + (ptrdiff_t) sy * sstride;
            for (int dx = 0; dx < dw; dx++) {
                int sx = xofs[dx] * cn;
                for (int c = 0; c < cn; c++) {
                    int v;
                    if (dx < xmax)
                        v = s[sx + c] * alpha[2 * dx] + s[sx + cn + c] * alpha[2 * dx + 1];
                    else
                        v = s[sx + c] * 2048;
                    h[k][(size_t) dx * cn + c] = v;
                }
            }
        }
        int b0 = beta[2 * dy], b1 = beta[2 * dy + 1];
        uint8_t *d = dst + dy * drow;
        for (size_t x = 0; x < drow; x++) {
            int y0 = ((h[0][x] >> 4) * b0) >> 16, y1 = ((h[1][x] >> 4) * b1) >> 16;
            d[x] = sat_u8((y0 + y1 + 2) >> 2);
        }
    }
    free(rows);
    free(beta);
    free(yofs);
    free(alpha);
    free(xofs);
}

/* 5x5 erosion or dilation, outside pixels neutral (255 for erode, 0 for dilate). */
static void morph5(const uint8_t *src, int w, int h, uint8_t *dst, uint8_t *tmp, int dilate)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = dilate ? 0 : 255;
            for (int i = x - 2; i <= x + 2; i++) {
                if (i < 0 || i >= w)
                    continue;
                int p = src[(size_t) y * w + i];
                v = dilate ? (p > v ? p : v) : (p < v ? p : v);
            }
            tmp[(size_t) y * w + x] = (uint8_t) v;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = dilate ? 0 : 255;
            for (int j = y - 2; j <= y + 2; j++) {
                if (j < 0 || j >= h)
                    continue;
                int p = tmp[(size_t) j * w + x];
                v = dilate ? (p > v ? p : v) : (p < v ? p : v);
            }
            dst[(size_t) y * w + x] = (uint8_t) v;
        }
}

/* morphologyEx(MORPH_OPEN) then morphologyEx(MORPH_CLOSE), ones(5,5), in place. */
void piq_morph_open_close(uint8_t *img, int w, int h, uint8_t *tmp)
{
    size_t n = (size_t) w * h;
    uint8_t *a = tmp, *b = tmp + n;
    morph5(img, w, h, a, b, 0);
    morph5(a, w, h, img, b, 1);
    morph5(img, w, h, a, b, 1);
    morph5(a, w, h, img, b, 0);
}
