/* SPDX-License-Identifier: Apache-2.0 */
/*
 * torch interpolate (bilinear/bicubic, with and without antialias) and OpenCV's
 * INTER_LINEAR on uint8.  Mixed float/double expressions below copy the C++ they
 * reproduce (ATen's UpSample.h and cpu/UpSampleKernel.cpp, OpenCV's resize.cpp):
 * where ATen adds a double literal to a float, the sum is a double rounded back
 * to float on assignment, and changing that moves results by an ulp.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vision.h"

/* One output index of a 1-D pass: taps input indices and weights, summed in order. */
typedef fvv_axis_weights axis_weights;

static void axis_free(axis_weights *a)
{
    free(a->count);
    free(a->index);
    free(a->w);
}

static int axis_alloc(axis_weights *a, int out, int taps)
{
    a->taps = taps;
    a->count = malloc(sizeof *a->count * (size_t) out);
    a->index = malloc(sizeof *a->index * (size_t) out * (size_t) taps);
    a->w = malloc(sizeof *a->w * (size_t) out * (size_t) taps);
    if (!a->count || !a->index || !a->w) {
        axis_free(a);
        return -ENOMEM;
    }
    return 0;
}

/* compute_scales_value without a scale factor: static_cast<float>(in) / out. */
static float torch_scale(int in, int out)
{
    return (float) in / (float) out;
}

/* UpSample.h compute_source_index_and_lambda (source index in double, accscalar_t). */
static void weights_bilinear(axis_weights *a, int in, int out)
{
    float scale = torch_scale(in, out);
    for (int i = 0; i < out; i++) {
        int *ix = a->index + (size_t) i * 2;
        float *w = a->w + (size_t) i * 2;
        a->count[i] = 2;
        if (in == out) {
            ix[0] = ix[1] = i;
            w[0] = 1.0f;
            w[1] = 0.0f;
            continue;
        }
        double real = (double) scale * ((double) i + 0.5) - 0.5;
        if (real < 0)
            real = 0;
        int i0 = (int) real;
        ix[0] = i0;
        ix[1] = i0 + (i0 < in - 1 ? 1 : 0);
        w[1] = (float) (real - i0);
        w[0] = 1.0f - w[1];
    }
}

/* UpSample.h cubic_convolution1/2, float. */
static float cubic_conv1(float x, float A)
{
    return ((A + 2) * x - (A + 3)) * x * x + 1;
}

static float cubic_conv2(float x, float A)
{
    return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}

/* HelperInterpCubic::compute_indices_weights, A = -0.75. */
static void weights_bicubic(axis_weights *a, int in, int out)
{
    const float A = -0.75f;
    float scale = torch_scale(in, out);
    for (int i = 0; i < out; i++) {
        int *ix = a->index + (size_t) i * 4;
        float *w = a->w + (size_t) i * 4;
        /* The source index in double (ATen's accscalar_t), as for bilinear. */
        double real = (double) scale * ((double) i + 0.5) - 0.5;
        int i0 = (int) floor(real);
        float t = (float) (real - i0);
        float x2 = (float) (1.0 - t);
        w[0] = cubic_conv2((float) (t + 1.0), A);
        w[1] = cubic_conv1(t, A);
        w[2] = cubic_conv1(x2, A);
        w[3] = cubic_conv2((float) (x2 + 1.0), A);
        for (int j = 0; j < 4; j++) {
            int k = i0 - 1 + j;
            ix[j] = k < 0 ? 0 : k > in - 1 ? in - 1 : k;
        }
        a->count[i] = 4;
    }
}

/* The antialias filters (Pillow's, via UpSampleKernel.cpp): argument float, double maths. */
static float aa_triangle(float x)
{
    if (x < 0.0f)
        x = -x;
    if (x < 1.0f)
        return (float) (1.0 - x);
    return 0.0f;
}

static float aa_cubic(float x)
{
    const double a = -0.5;
    if (x < 0.0f)
        x = -x;
    if (x < 1.0f)
        return (float) (((a + 2.0) * x - (a + 3.0)) * x * x + 1);
    if (x < 2.0f)
        return (float) ((((x - 5) * x + 8) * x - 4) * a); /* the bracket is float in ATen */
    return 0.0f;
}

/* _compute_indices_weights_aa / _compute_weights_aa. */
static int weights_aa(axis_weights *a, int in, int out, fvv_interp interp)
{
    int base = interp == FVV_BICUBIC ? 4 : 2;
    float (*filter)(float) = interp == FVV_BICUBIC ? aa_cubic : aa_triangle;
    float scale = torch_scale(in, out);
    float support = scale >= 1.0f ? (float) ((base * 0.5) * scale) : (float) (base * 0.5);
    int taps = (int) ceilf(support) * 2 + 1;
    int rc = axis_alloc(a, out, taps);
    if (rc < 0)
        return rc;
    float invscale = scale >= 1.0f ? (float) (1.0 / scale) : 1.0f;
    for (int i = 0; i < out; i++) {
        float center = (float) (scale * (i + 0.5));
        long long xmin = (long long) ((double) (center - support) + 0.5);
        if (xmin < 0)
            xmin = 0;
        long long xmax = (long long) ((double) (center + support) + 0.5);
        if (xmax > in)
            xmax = in;
        int xsize = (int) (xmax - xmin);
        float *w = a->w + (size_t) i * taps;
        int *ix = a->index + (size_t) i * taps;
        float total = 0.0f;
        for (int j = 0; j < xsize; j++) {
            float arg = (float) (((double) ((float) (j + xmin) - center) + 0.5) * invscale);
            w[j] = filter(arg);
            ix[j] = (int) xmin + j;
            total += w[j];
        }
        if (total != 0.0f)
            for (int j = 0; j < xsize; j++)
                w[j] /= total;
        a->count[i] = xsize;
    }
    return 0;
}

static int axis_weights_make(axis_weights *a, int in, int out, fvv_interp interp, bool antialias)
{
    if (antialias)
        return weights_aa(a, in, out, interp);
    int taps = interp == FVV_BICUBIC ? 4 : 2;
    int rc = axis_alloc(a, out, taps);
    if (rc < 0)
        return rc;
    if (interp == FVV_BICUBIC)
        weights_bicubic(a, in, out);
    else
        weights_bilinear(a, in, out);
    return 0;
}

int fvv_resize_weights(fvv_axis_weights *a, int in, int out, fvv_interp interp, bool antialias)
{
    *a = (fvv_axis_weights){0};
    if (in < 1 || out < 1)
        return -EINVAL;
    return axis_weights_make(a, in, out, interp, antialias);
}

void fvv_resize_weights_free(fvv_axis_weights *a)
{
    axis_free(a);
    *a = (fvv_axis_weights){0};
}

/* One weighted sum in torch's order: acc = x0 * w0, then acc += xj * wj. */
static inline float dot(const float *row, ptrdiff_t step, const int *ix, const float *w, int n)
{
    float acc = row[(ptrdiff_t) ix[0] * step] * w[0];
    for (int j = 1; j < n; j++)
        acc += row[(ptrdiff_t) ix[j] * step] * w[j];
    return acc;
}

int fvv_resize(const float *src, int channels, int in_h, int in_w, float *dst, int out_h,
               int out_w, fvv_interp interp, bool antialias)
{
    if (channels < 1 || in_h < 1 || in_w < 1 || out_h < 1 || out_w < 1)
        return -EINVAL;
    axis_weights ax = {0}, ay = {0};
    int rc = axis_weights_make(&ax, in_w, out_w, interp, antialias);
    if (rc == 0)
        rc = axis_weights_make(&ay, in_h, out_h, interp, antialias);
    /*
     * Width first, then height.  For the antialiased kernels that is torch's own
     * order; without antialias torch sums over height of per-row width sums for each
     * output pixel, which is the same arithmetic done once per row.
     */
    float *tmp = rc == 0 ? malloc(sizeof *tmp * (size_t) in_h * (size_t) out_w) : NULL;
    if (rc == 0 && !tmp)
        rc = -ENOMEM;
    if (rc < 0)
        goto out;
    for (int c = 0; c < channels; c++) {
        const float *plane = src + (size_t) c * in_h * in_w;
        float *oplane = dst + (size_t) c * out_h * out_w;
        for (int y = 0; y < in_h; y++) {
            const float *row = plane + (size_t) y * in_w;
            float *trow = tmp + (size_t) y * out_w;
            for (int x = 0; x < out_w; x++)
                trow[x] = dot(row, 1, ax.index + (size_t) x * ax.taps, ax.w + (size_t) x * ax.taps,
                              ax.count[x]);
        }
        for (int y = 0; y < out_h; y++) {
            const int *ix = ay.index + (size_t) y * ay.taps;
            const float *w = ay.w + (size_t) y * ay.taps;
            float *orow = oplane + (size_t) y * out_w;
            for (int x = 0; x < out_w; x++)
                orow[x] = dot(tmp + x, out_w, ix, w, ay.count[y]);
        }
    }
out:
    free(tmp);
    axis_free(&ax);
    axis_free(&ay);
    return rc;
}

void fvv_short_side_size(int in_w, int in_h, int size, int *out_w, int *out_h)
{
    /* torchvision: short, long = (w, h) if w <= h else (h, w); int(size * long / short). */
    int shorter = in_w <= in_h ? in_w : in_h, longer = in_w <= in_h ? in_h : in_w;
    int new_long = (int) ((double) size * longer / shorter);
    *out_w = in_w <= in_h ? size : new_long;
    *out_h = in_w <= in_h ? new_long : size;
}

/* ---- OpenCV INTER_LINEAR, uint8 ---------------------------------------------------- */

enum { CV_COEF_BITS = 11, CV_COEF_SCALE = 1 << CV_COEF_BITS };

/* saturate_cast<short>(float): cvRound (nearest, ties to even), then saturate. */
static short cv_round_short(float v)
{
    long r = lrintf(v);
    return (short) (r < -32768 ? -32768 : r > 32767 ? 32767 : r);
}

static inline int sat16(int v)
{
    return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}

static inline uint8_t sat_u8(int v)
{
    return (uint8_t) (v < 0 ? 0 : v > 255 ? 255 : v);
}

/* VResizeLinearVec_32s8u on one element: >> 4, pack, mulhi, saturating add, (x + 2) >> 2. */
static inline uint8_t cv_vertical_simd(int s0, int s1, int b0, int b1)
{
    int a = sat16(s0 >> 4), b = sat16(s1 >> 4);
    int sum = sat16(((a * b0) >> 16) + ((b * b1) >> 16));
    return sat_u8(sat16(sum + 2) >> 2);
}

/* OpenCV's "INTER_LINEAR at exactly 1/2 is INTER_AREA" path: rounded 2x2 means. */
static void cv_half_area(const uint8_t *src, ptrdiff_t sls, int cn, uint8_t *dst,
                         ptrdiff_t dls, int out_w, int out_h)
{
    for (int y = 0; y < out_h; y++) {
        const uint8_t *s0 = src + (ptrdiff_t) 2 * y * sls, *s1 = s0 + sls;
        uint8_t *d = dst + (ptrdiff_t) y * dls;
        for (int x = 0; x < out_w; x++)
            for (int k = 0; k < cn; k++) {
                int i = 2 * x * cn + k;
                d[x * cn + k] = (uint8_t) ((s0[i] + s0[i + cn] + s1[i] + s1[i + cn] + 2) >> 2);
            }
    }
}

int fvv_cv2_resize_linear_u8(const uint8_t *src, ptrdiff_t src_linesize, int in_w, int in_h,
                             int cn, uint8_t *dst, ptrdiff_t dst_linesize, int out_w, int out_h)
{
    if (in_w < 1 || in_h < 1 || out_w < 1 || out_h < 1 || cn < 1)
        return -EINVAL;
    if (in_w == out_w && in_h == out_h) {
        for (int y = 0; y < in_h; y++)
            memcpy(dst + (ptrdiff_t) y * dst_linesize, src + (ptrdiff_t) y * src_linesize,
                   (size_t) in_w * cn);
        return 0;
    }
    /* cv::resize: inv_scale = dsize / ssize, hal::resize: scale = 1 / inv_scale. */
    double scale_x = 1.0 / ((double) out_w / in_w), scale_y = 1.0 / ((double) out_h / in_h);
    long iscale_x = lrint(scale_x), iscale_y = lrint(scale_y);
    if (fabs(scale_x - iscale_x) < 2.220446049250313e-16 &&
        fabs(scale_y - iscale_y) < 2.220446049250313e-16 && iscale_x == 2 && iscale_y == 2) {
        cv_half_area(src, src_linesize, cn, dst, dst_linesize, out_w, out_h);
        return 0;
    }

    int width = out_w * cn;
    int *xofs = malloc(sizeof *xofs * (size_t) out_w);
    short *alpha = malloc(sizeof *alpha * 2 * (size_t) out_w);
    int *rows = malloc(sizeof *rows * 2 * (size_t) width);
    if (!xofs || !alpha || !rows) {
        free(xofs);
        free(alpha);
        free(rows);
        return -ENOMEM;
    }
    for (int dx = 0; dx < out_w; dx++) {
        float fx = (float) ((dx + 0.5) * scale_x - 0.5);
        int sx = (int) floorf(fx);
        fx -= (float) sx;
        if (sx < 0)
            fx = 0, sx = 0;
        if (sx >= in_w - 1)
            fx = 0, sx = in_w - 1;
        xofs[dx] = sx;
        alpha[2 * dx] = cv_round_short((1.f - fx) * CV_COEF_SCALE);
        alpha[2 * dx + 1] = cv_round_short(fx * CV_COEF_SCALE);
    }
    for (int dy = 0; dy < out_h; dy++) {
        float fy = (float) ((dy + 0.5) * scale_y - 0.5);
        int sy = (int) floorf(fy);
        fy -= (float) sy;
        int b0 = cv_round_short((1.f - fy) * CV_COEF_SCALE);
        int b1 = cv_round_short(fy * CV_COEF_SCALE);
        /* resizeGeneric_: source rows clipped, the weights kept as computed. */
        for (int k = 0; k < 2; k++) {
            int r = sy + k < 0 ? 0 : sy + k > in_h - 1 ? in_h - 1 : sy + k;
            const uint8_t *s = src + (ptrdiff_t) r * src_linesize;
            int *d = rows + (size_t) k * width;
            for (int dx = 0; dx < out_w; dx++) {
                int sx = xofs[dx], a0 = alpha[2 * dx], a1 = alpha[2 * dx + 1];
                for (int c = 0; c < cn; c++) {
                    /* HResizeLinear: the last columns take S[sx] * ONE. */
                    d[dx * cn + c] = sx + 1 < in_w
                                         ? s[sx * cn + c] * a0 + s[(sx + 1) * cn + c] * a1
                                         : s[sx * cn + c] * CV_COEF_SCALE;
                }
            }
        }
        const int *s0 = rows, *s1 = rows + width;
        uint8_t *d = dst + (ptrdiff_t) dy * dst_linesize;
        /*
         * Every element in VResizeLinearVec_32s8u's arithmetic: OpenCV 4.6 as Debian
         * builds it gives these bytes for whole rows, the last < 16 elements included
         * (the exact (s0 * b0 + s1 * b1 + 2^21) >> 22 of its scalar loop differs there).
         */
        for (int x = 0; x < width; x++)
            d[x] = cv_vertical_simd(s0[x], s1[x], b0, b1);
    }
    free(xofs);
    free(alpha);
    free(rows);
    return 0;
}
