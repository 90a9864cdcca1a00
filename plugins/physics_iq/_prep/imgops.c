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
    uint16_t *rows = malloc((size_t) w * h * sizeof(*rows));
    if (!rows)
        abort();
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + (size_t) y * w;
        uint16_t *o = rows + (size_t) y * w;
        for (int x = 0; x < w; x++) {
            if (x >= 2 && x + 2 < w) {
                /* interior: the bulk of the work, kept branch-free for the vectorizer */
                for (; x + 2 < w; x++)
                    o[x] = (uint16_t) (s[x - 2] + 4 * s[x - 1] + 6 * s[x] + 4 * s[x + 1] + s[x + 2]);
                x--;
                continue;
            }
            o[x] = (uint16_t) (s[reflect101(x - 2, w)] + 4 * s[reflect101(x - 1, w)] + 6 * s[x] +
                               4 * s[reflect101(x + 1, w)] + s[reflect101(x + 2, w)]);
        }
    }
    for (int y = 0; y < h; y++) {
        const uint16_t *r0 = rows + (size_t) reflect101(y - 2, h) * w;
        const uint16_t *r1 = rows + (size_t) reflect101(y - 1, h) * w;
        const uint16_t *r2 = rows + (size_t) y * w;
        const uint16_t *r3 = rows + (size_t) reflect101(y + 1, h) * w;
        const uint16_t *r4 = rows + (size_t) reflect101(y + 2, h) * w;
        uint8_t *d = dst + (size_t) y * w;
        for (int x = 0; x < w; x++)
            d[x] = (uint8_t) (((uint32_t) r0[x] + 4u * r1[x] + 6u * r2[x] + 4u * r3[x] + r4[x] + 128) >> 8);
    }
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

static inline uint64_t load8(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/*
 * 5x5 erosion or dilation of a 0/255 image, outside pixels neutral (255 for
 * erode, 0 for dilate).  On two-level images min is AND and max is OR, so
 * eight pixels go at a time.
 */
static void morph5(const uint8_t *src, int w, int h, uint8_t *dst, uint8_t *tmp, int dilate)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + (size_t) y * w;
        uint8_t *o = tmp + (size_t) y * w;
        for (int x = 0; x < w; x++) {
            if (x >= 2 && x + 10 <= w) {
                for (; x + 10 <= w; x += 8) {
                    uint64_t v = load8(s + x - 2), a = load8(s + x - 1), b = load8(s + x),
                             c = load8(s + x + 1), d = load8(s + x + 2);
                    v = dilate ? v | a | b | c | d : v & a & b & c & d;
                    memcpy(o + x, &v, 8);
                }
                x--;
                continue;
            }
            uint8_t v = s[x];
            for (int i = x - 2; i <= x + 2; i++)
                if (i >= 0 && i < w)
                    v = dilate ? v | s[i] : v & s[i];
            o[x] = v;
        }
    }
    for (int y = 0; y < h; y++) {
        const uint8_t *r[5];
        int n = 0;
        for (int j = y - 2; j <= y + 2; j++)
            if (j >= 0 && j < h)
                r[n++] = tmp + (size_t) j * w;
        uint8_t *d = dst + (size_t) y * w;
        int x = 0;
        for (; x + 8 <= w; x += 8) {
            uint64_t v = load8(r[0] + x);
            for (int k = 1; k < n; k++)
                v = dilate ? v | load8(r[k] + x) : v & load8(r[k] + x);
            memcpy(d + x, &v, 8);
        }
        for (; x < w; x++) {
            uint8_t v = r[0][x];
            for (int k = 1; k < n; k++)
                v = dilate ? v | r[k][x] : v & r[k][x];
            d[x] = v;
        }
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
