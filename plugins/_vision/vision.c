/* SPDX-License-Identifier: Apache-2.0 */
/* Crop, normalisation, uint8 -> float, the batched transform chain, frame samplers. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vision.h"

const float fvv_clip_mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
const float fvv_clip_std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
const float fvv_imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
const float fvv_imagenet_std[3] = {0.229f, 0.224f, 0.225f};

void fvv_center_crop_offset(int h, int w, int crop_h, int crop_w, int *top, int *left)
{
    /* int(round((h - crop_h) / 2.0)): nearbyint rounds half to even, as Python does. */
    *top = (int) nearbyint((h - crop_h) / 2.0);
    *left = (int) nearbyint((w - crop_w) / 2.0);
}

int fvv_center_crop(const float *src, int channels, int h, int w, float *dst, int crop_h,
                    int crop_w)
{
    if (channels < 1 || h < 1 || w < 1 || crop_h < 1 || crop_w < 1)
        return -EINVAL;
    /* torchvision pads a too-small image with zeros: (crop - size) // 2 before. */
    int pad_top = crop_h > h ? (crop_h - h) / 2 : 0, pad_left = crop_w > w ? (crop_w - w) / 2 : 0;
    int ph = crop_h > h ? crop_h : h, pw = crop_w > w ? crop_w : w;
    int top, left;
    fvv_center_crop_offset(ph, pw, crop_h, crop_w, &top, &left);
    for (int c = 0; c < channels; c++)
        for (int y = 0; y < crop_h; y++) {
            float *d = dst + ((size_t) c * crop_h + y) * crop_w;
            int sy = top + y - pad_top;
            if (sy < 0 || sy >= h) {
                memset(d, 0, sizeof *d * (size_t) crop_w);
                continue;
            }
            const float *s = src + ((size_t) c * h + sy) * w;
            for (int x = 0; x < crop_w; x++) {
                int sx = left + x - pad_left;
                d[x] = sx < 0 || sx >= w ? 0.0f : s[sx];
            }
        }
    return 0;
}

void fvv_normalize(float *img, int channels, int h, int w, const float *mean, const float *std)
{
    size_t plane = (size_t) h * w;
    for (int c = 0; c < channels; c++) {
        float *p = img + (size_t) c * plane;
        for (size_t i = 0; i < plane; i++)
            p[i] = (p[i] - mean[c]) / std[c];
    }
}

void fvv_rgb_to_chw(const uint8_t *rgb, ptrdiff_t linesize, int w, int h, float divisor,
                    float *dst)
{
    size_t plane = (size_t) h * w;
    float *r = dst, *g = dst + plane, *b = dst + 2 * plane;
    bool divide = divisor != 0.0f && divisor != 1.0f;
    for (int y = 0; y < h; y++) {
        const uint8_t *s = rgb + (ptrdiff_t) y * linesize;
        size_t o = (size_t) y * w;
        for (int x = 0; x < w; x++, s += 3) {
            /* x.float() / 255: a float division, not a multiply by 1/255. */
            r[o + x] = divide ? (float) s[0] / divisor : (float) s[0];
            g[o + x] = divide ? (float) s[1] / divisor : (float) s[1];
            b[o + x] = divide ? (float) s[2] / divisor : (float) s[2];
        }
    }
}

void fvv_video_frame_to_chw(const fveval_video *v, int t, float divisor, float *dst)
{
    fvv_rgb_to_chw(fveval_video_pixel(v, t, 0, 0), v->linesize, v->width, v->height, divisor, dst);
}

/* The size after the resize step (or the frame's own). */
static void resized_size(const fvv_transform *tf, int in_w, int in_h, int *w, int *h)
{
    if (tf->resize_short > 0) {
        fvv_short_side_size(in_w, in_h, tf->resize_short, w, h);
    } else if (tf->resize_h > 0 && tf->resize_w > 0) {
        *w = tf->resize_w;
        *h = tf->resize_h;
    } else {
        *w = in_w;
        *h = in_h;
    }
}

void fvv_transform_size(const fvv_transform *tf, int in_w, int in_h, int *out_w, int *out_h)
{
    resized_size(tf, in_w, in_h, out_w, out_h);
    if (tf->crop_h > 0 && tf->crop_w > 0) {
        *out_w = tf->crop_w;
        *out_h = tf->crop_h;
    }
}

int fvv_transform_frames(const fveval_video *v, const int *frames, int n,
                         const fvv_transform *tf, float *dst)
{
    int rw, rh, ow, oh;
    resized_size(tf, v->width, v->height, &rw, &rh);
    fvv_transform_size(tf, v->width, v->height, &ow, &oh);
    bool resize = rw != v->width || rh != v->height;
    bool crop = tf->crop_h > 0 && tf->crop_w > 0;
    size_t in_n = (size_t) 3 * v->width * v->height, mid_n = (size_t) 3 * rw * rh;
    float *in = malloc(sizeof *in * in_n);
    float *mid = resize && crop ? malloc(sizeof *mid * mid_n) : NULL;
    int rc = 0;
    if (!in || (resize && crop && !mid)) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (frames[i] < 0 || frames[i] >= v->nb_frames) {
            rc = -EINVAL;
            goto out;
        }
        float *o = dst + (size_t) i * 3 * ow * oh;
        /* Each step writes the next buffer; the last one writes o. */
        float *cur = crop || resize ? in : o;
        fvv_video_frame_to_chw(v, frames[i], tf->in_divisor, cur);
        if (resize) {
            float *next = crop ? mid : o;
            rc = fvv_resize(cur, 3, v->height, v->width, next, rh, rw, tf->interp, tf->antialias);
            if (rc < 0)
                goto out;
            cur = next;
        }
        if (crop) {
            rc = fvv_center_crop(cur, 3, rh, rw, o, tf->crop_h, tf->crop_w);
            if (rc < 0)
                goto out;
        }
        if (tf->post_divisor != 0.0f && tf->post_divisor != 1.0f) {
            size_t m = (size_t) 3 * ow * oh;
            for (size_t k = 0; k < m; k++)
                o[k] /= tf->post_divisor;
        }
        if (tf->mean && tf->std)
            fvv_normalize(o, 3, oh, ow, tf->mean, tf->std);
    }
out:
    free(in);
    free(mid);
    return rc;
}

/* ---- samplers ---------------------------------------------------------------- */

/* NumPy linspace's float64 values (endpoint=True), before any cast. */
static double numpy_linspace_value(double start, double stop, int num, int i)
{
    if (num > 1 && i == num - 1)
        return stop;
    if (num <= 1)
        return start;
    double delta = stop - start, step = delta / (num - 1);
    if (step == 0) /* NumPy: y / div * delta when the step underflows to 0 */
        return (double) i / (num - 1) * delta + start;
    return i * step + start;
}

void fvv_linspace_numpy_int(double start, double stop, int num, int *out)
{
    for (int i = 0; i < num; i++)
        out[i] = (int) floor(numpy_linspace_value(start, stop, num, i));
}

int fvv_sample_vbench_middle(int vlen, int num, int *idx)
{
    if (vlen < 1 || num < 1)
        return -EINVAL;
    int acc = num < vlen ? num : vlen;
    for (int i = 0; i < acc; i++) {
        /* .astype(int) truncates; the values are >= 0, so floor is the same. */
        int a = (int) numpy_linspace_value(0, vlen, acc + 1, i);
        int b = (int) numpy_linspace_value(0, vlen, acc + 1, i + 1);
        int sum = a + b - 1;
        idx[i] = sum >= 0 ? sum / 2 : -((-sum + 1) / 2); /* Python // floors */
    }
    for (int i = acc; i < num; i++)
        idx[i] = idx[acc - 1];
    return num;
}

/* The scalar element of ATen's linspace kernel, contracted to a fused multiply-add. */
static float torch_linspace_scalar(float start, float end, float step, int steps, int i)
{
    if (i < steps / 2)
        return fmaf(step, (float) i, start);
    return fmaf(-step, (float) (steps - 1 - i), end);
}

void fvv_linspace_torch_long(float start, float end, int steps, int vec_lanes, int *out)
{
    if (steps == 1) {
        out[0] = (int) start;
        return;
    }
    float step = (end - start) / (float) (steps - 1);
    int i = 0;
    /* torch < 2.1: Vectorized<float>::arange(base, step) = base + k * step per lane. */
    if (vec_lanes > 0)
        for (; i <= steps - 2 * vec_lanes; i += 2 * vec_lanes) /* two vectors a round */
            for (int v = i; v < i + 2 * vec_lanes; v += vec_lanes) {
                float base = torch_linspace_scalar(start, end, step, steps, v);
                for (int k = 0; k < vec_lanes; k++) {
                    float prod = (float) k * step;
                    out[v + k] = (int) (base + prod);
                }
            }
    for (; i < steps; i++)
        out[i] = (int) torch_linspace_scalar(start, end, step, steps, i);
}

int fvv_sample_extract_frames(int nb_frames, int n, int *idx)
{
    if (n <= 0 || n >= nb_frames) {
        for (int i = 0; i < nb_frames; i++)
            idx[i] = i;
        return nb_frames;
    }
    fvv_linspace_torch_long(0.0f, (float) (nb_frames - 1), n, 0, idx);
    return n;
}
