/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image transforms and frame samplers that the vision metrics' upstream code
 * applies, each a C copy of one named upstream function, so that a model sees
 * the same input tensor as under Python (README.md gives the measured
 * differences against Debian's torch 1.13, torchvision 0.14, OpenCV 4.6).
 *
 * Float images are planar and contiguous, CHW: channel c, row y, column x at
 * img[(c * h + y) * w + x], the layout a model takes; a batch is N such images
 * back to back (NCHW).  Sizes are given as (h, w) in that order, as torch does.
 *
 * Functions that allocate return 0 or -ENOMEM; bad sizes give -EINVAL.
 */
#ifndef FVEVAL_VISION_H
#define FVEVAL_VISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fveval/plugin.h>

/* ---- resize (float CHW) ---------------------------------------------------- */

typedef enum fvv_interp {
    FVV_BILINEAR, /**< mode="bilinear" / InterpolationMode.BILINEAR */
    FVV_BICUBIC,  /**< mode="bicubic" / InterpolationMode.BICUBIC */
} fvv_interp;

/*
 * torch.nn.functional.interpolate(x, size=(out_h, out_w), mode, align_corners=False,
 * antialias) on a float32 NCHW-contiguous tensor, CPU kernel, for the C channels of one
 * image.  dst holds channels * out_h * out_w floats.
 *
 * antialias=false: bilinear takes the two neighbours of src = scale * (x + 0.5) - 0.5
 * (clamped at 0; the upper one clamped to the edge), bicubic the four around floor(src)
 * with Keys' kernel A = -0.75, edge indices clamped; nothing clamps the output, so
 * bicubic overshoots [0, 1] as torch's does.  antialias=true: PyTorch's separable
 * kernels ported from Pillow (triangle filter for bilinear, cubic a = -0.5 for
 * bicubic), support widened by in/out when downscaling, weights normalised to sum 1;
 * width pass first, then height, as torch.  Weights and sums are float32 with torch's
 * operation order.  Bilinear matches torch to ~1 ulp; bicubic to 2.1e-6 (README.md).
 */
int fvv_resize(const float *src, int channels, int in_h, int in_w, float *dst, int out_h,
               int out_w, fvv_interp interp, bool antialias);

/*
 * The weights fvv_resize applies along one axis (in -> out samples), for another
 * implementation of it (the CUDA kernels, plugins/_cuda) that must give the same floats:
 * output i is the sum over j < count[i] of x[index[i * taps + j]] * w[i * taps + j] in
 * float32, in order, acc = x0 * w0 then acc += xj * wj (never a fused multiply-add).
 * fvv_resize does the width pass over every input row first, then the height pass.
 * 0, -EINVAL or -ENOMEM; release with fvv_resize_weights_free.
 */
typedef struct fvv_axis_weights {
    int taps;   /**< slots per output */
    int *count; /**< [out] taps used */
    int *index; /**< [out * taps] input indices */
    float *w;   /**< [out * taps] */
} fvv_axis_weights;

int fvv_resize_weights(fvv_axis_weights *a, int in, int out, fvv_interp interp, bool antialias);
void fvv_resize_weights_free(fvv_axis_weights *a);

/*
 * torchvision.transforms.functional.resize(x, size) with an int size: the shorter side
 * becomes @p size, the longer int(size * long / short) (truncated, Python float
 * division): 832x480 -> 388x224 (w x h).  A square image gives size x size.  The same
 * rule is VBench UMT's resize_clip(clip, size).  (Explicit (h, w) needs no helper.)
 */
void fvv_short_side_size(int in_w, int in_h, int size, int *out_w, int *out_h);

/*
 * cv2.resize(img, (out_w, out_h), interpolation=cv2.INTER_LINEAR) on packed uint8
 * (HWC, @p cn channels), byte for byte as OpenCV 4.x on x86-64 (SSE2 baseline) computes
 * it: 11-bit fixed-point weights (INTER_RESIZE_COEF_BITS), horizontal sums exact, the
 * vertical pass in OpenCV's SIMD arithmetic (>> 4, 16-bit multiply-high, (x + 2) >> 2);
 * an exact halving of both sides is OpenCV's INTER_AREA 2x2 mean
 * ((a + b + c + d + 2) >> 2), the same size a copy.
 */
int fvv_cv2_resize_linear_u8(const uint8_t *src, ptrdiff_t src_linesize, int in_w, int in_h,
                             int cn, uint8_t *dst, ptrdiff_t dst_linesize, int out_w, int out_h);

/*
 * PIL Image.resize((out_w, out_h), Image.LANCZOS) on packed 8-bit images (@p cn
 * channels, RGB: 3), byte for byte as Pillow 7..10 computes it (pil_resize.c): Lanczos
 * a = 3 with support widened by the downscale factor, double weights normalised then
 * 22-bit fixed point, horizontal pass first into 8 bits, then vertical.
 */
int fvv_pil_resize_lanczos_u8(const uint8_t *src, ptrdiff_t src_linesize, int in_w, int in_h,
                              int cn, uint8_t *dst, ptrdiff_t dst_linesize, int out_w, int out_h);

/* ---- crop, normalise, convert ---------------------------------------------- */

/*
 * torchvision center_crop(img, [crop_h, crop_w]): top = int(round((h - crop_h) / 2)),
 * left likewise (Python round: half to even).  A crop larger than the image first pads
 * it with zeros, (crop - size) // 2 before and the rest after, as torchvision does.
 */
int fvv_center_crop(const float *src, int channels, int h, int w, float *dst, int crop_h,
                    int crop_w);

/* The top-left corner center_crop takes, for an image at least as large as the crop. */
void fvv_center_crop_offset(int h, int w, int crop_h, int crop_w, int *top, int *left);

/* OpenAI CLIP's and ImageNet's per-channel mean and std (RGB), as float32 tensors. */
extern const float fvv_clip_mean[3], fvv_clip_std[3];
extern const float fvv_imagenet_mean[3], fvv_imagenet_std[3];

/* torchvision normalize: x = (x - mean[c]) / std[c] in float32, in place. */
void fvv_normalize(float *img, int channels, int h, int w, const float *mean, const float *std);

/*
 * Packed RGB24 (row y at rgb + y * linesize) to float CHW: x / divisor in float32
 * (255: x.float() / 255, the [0, 1] tensors of to_tensor; 1: the [0, 255] floats that
 * VBench's transforms take).
 */
void fvv_rgb_to_chw(const uint8_t *rgb, ptrdiff_t linesize, int w, int h, float divisor,
                    float *dst);

/* Frame t of a decoded video (fveval_video_pixel layout) to float CHW, as above. */
void fvv_video_frame_to_chw(const fveval_video *v, int t, float divisor, float *dst);

/* ---- the usual chain, batched ---------------------------------------------- */

/*
 * uint8 frame -> float (/in_divisor) -> resize -> center crop -> / post_divisor ->
 * normalise; every step optional.  Zero-initialise and set what upstream does, e.g.
 * VBench's CLIP transform on [0, 255] floats: in_divisor 1, resize_short 224 bicubic,
 * crop 224, post_divisor 255, CLIP mean/std.
 */
typedef struct fvv_transform {
    float in_divisor;         /**< 0 or 1: values stay 0..255; 255: [0, 1] */
    int resize_short;         /**< > 0: fvv_short_side_size(resize_short) */
    int resize_h, resize_w;   /**< both > 0 (and resize_short 0): exactly this size */
    fvv_interp interp;
    bool antialias;
    int crop_h, crop_w;       /**< both > 0: fvv_center_crop */
    float post_divisor;       /**< 0 or 1: none; else x / post_divisor after the crop */
    const float *mean, *std;  /**< both non-NULL: fvv_normalize with 3 channels */
} fvv_transform;

/* The (w, h) of the images @p tf makes from w x h frames. */
void fvv_transform_size(const fvv_transform *tf, int in_w, int in_h, int *out_w, int *out_h);

/*
 * Applies @p tf to frames frames[0..n) of @p v into dst, an (n, 3, h, w) float buffer
 * with (w, h) from fvv_transform_size: the batch a model call takes.  Callers chunk by
 * passing a slice of their index list.  Frame indices must be in [0, v->nb_frames).
 */
int fvv_transform_frames(const fveval_video *v, const int *frames, int n,
                         const fvv_transform *tf, float *dst);

/* ---- frame samplers ---------------------------------------------------------- */

/*
 * VBench utils.get_frame_indices(num, vlen, sample="middle"): acc = min(num, vlen),
 * intervals = np.linspace(0, vlen, acc + 1).astype(int), idx[i] = (intervals[i] +
 * intervals[i + 1] - 1) // 2, padded with the last index up to num.  Writes num
 * indices; returns num, or -EINVAL when vlen < 1 or num < 1.
 */
int fvv_sample_vbench_middle(int vlen, int num, int *idx);

/*
 * np.linspace(start, stop, num, dtype=int) (NumPy >= 1.20): float64 values i * step +
 * start with step = (stop - start) / (num - 1), the last exactly stop, floored.  Also
 * VBench's np.linspace(...).astype(int) wherever values are >= 0 (truncation).
 */
void fvv_linspace_numpy_int(double start, double stop, int num, int *out);

/*
 * torch.linspace(start, end, steps) (float32) on the CPU, then .long() (truncation).
 * step = (end - start) / (steps - 1) in float32; element i is start + step * i for
 * i < steps / 2 and end - step * (steps - 1 - i) after, each a fused multiply-add (torch's
 * AVX2 and AVX-512 kernels are built that way).  @p vec_lanes = 0 is that formula for
 * every i (torch >= 2.1); torch < 2.1 computed runs of 2 * vec_lanes elements as
 * base + k * step (vec_lanes 8 on AVX2, 16 on AVX-512), which moves about one T in
 * twenty by a frame when steps >= 2 * vec_lanes.
 */
void fvv_linspace_torch_long(float start, float end, int steps, int vec_lanes, int *out);

/*
 * fastvideo.eval.io.video.extract_frames(video, n): all T frames when n >= T (no
 * padding: returns T), else torch.linspace(0, T - 1, n).long() (returns n).
 */
int fvv_sample_extract_frames(int nb_frames, int n, int *idx);

#endif
