/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CUDA kernels for `--device cuda:N`: the pixel metrics' per-frame sums
 * (common.psnr, common.ssim, vbench.temporal_flickering) and the vision
 * toolkit's transform chain (plugins/_vision), each the counterpart of the CPU
 * code it names, giving the same values (README.md states the bounds).
 *
 * Frames are uploaded once, as the core's packed uint8 RGB (3 bytes a pixel,
 * a quarter of the bytes of float32); every kernel reads those bytes.
 *
 * In a build without CUDA (configure found no nvcc, or --without-cuda) every
 * function exists and fails with the reason "this fveval was built without
 * CUDA"; fvcu_device_index() works in both.
 *
 * Functions that can fail take (err, errlen) and return a negative errno-style
 * code (NULL for constructors) with a one-line reason there.
 */
#ifndef FVEVAL_FVCUDA_H
#define FVEVAL_FVCUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" { /* vision.h is a C header without a guard of its own */
#endif

#include "../_vision/vision.h"

/* "cuda" -> 0, "cuda:N" -> N; -1 for "cpu", NULL or anything else. */
int fvcu_device_index(const char *device);

/* The toolkit version the kernels were built with ("13.0"), or NULL without CUDA. */
const char *fvcu_toolkit(void);

/* 0 when CUDA device @p index can run the kernels; -ENODEV / -ENOSYS with the reason. */
int fvcu_check(int index, char *err, size_t errlen);

/* ---- frames on the device -------------------------------------------------------- */

/* @p capacity packed RGB24 frames of width x height on device @p index (read only). */
typedef struct fvcu_frames {
    int device;
    int width, height, capacity;
    size_t frame_bytes; /* 3 * width * height: rows packed */
    uint8_t *data;      /* device memory */
} fvcu_frames;

fvcu_frames *fvcu_frames_new(int index, int width, int height, int capacity, char *err,
                             size_t errlen);
void fvcu_frames_free(fvcu_frames *f);

/*
 * Copies @p n frames into slots [slot, slot + n): frame i's row y at
 * data + i * frame_stride + y * linesize (the fveval_video layout).  One copy of
 * the bytes; rows are packed on the device.
 */
int fvcu_frames_upload(fvcu_frames *f, int slot, const uint8_t *data, ptrdiff_t linesize,
                       size_t frame_stride, int n, char *err, size_t errlen);

/* Whole-video convenience: fvcu_frames_new + upload of all v->nb_frames frames. */
fvcu_frames *fvcu_video_upload(int index, const fveval_video *v, char *err, size_t errlen);

/* ---- pixel metrics -------------------------------------------------------------------- */

/*
 * sums[i] = exact sum over the bytes of frames a_first + i of @p a and b_first + i of
 * @p b of (x - y)^2 (@p square) or |x - y|: fvpx_sum_squared_diff / fvpx_sum_abs_diff,
 * integer for integer.  @p a and @p b may be the same frames (temporal differences).
 */
int fvcu_sum_diff(const fvcu_frames *a, int a_first, const fvcu_frames *b, int b_first, int n,
                  int square, uint64_t *sums, char *err, size_t errlen);

/*
 * values[i] = mean SSIM of frame pair i (as fvcu_sum_diff) with window @p ws, weights
 * g[0..ws) (common.ssim's), zero padding ws / 2, in byte units with C1, C2 scaled by
 * 255^2: common.ssim's frame_ssim in double (the sums in another order: README.md).
 */
int fvcu_ssim(const fvcu_frames *a, int a_first, const fvcu_frames *b, int b_first, int n,
              int ws, const double *g, double *values, char *err, size_t errlen);

/* ---- vision transforms ------------------------------------------------------------------ */

typedef enum fvcu_layout {
    FVCU_LAYOUT_TCHW, /**< (n, 3, h, w): a batch of images, or a clip as (T, C, H, W) */
    FVCU_LAYOUT_CTHW, /**< (3, n, h, w): a clip channel-first, the (C, T, H, W) video models take */
} fvcu_layout;

/*
 * fvv_transform_frames on the device: slots frames[0..n) of @p f through @p tf into
 * @p dst (device memory of @p f's device, 3 * n * h * w floats with (w, h) from
 * fvv_transform_size) in @p layout.  Bit for bit fvv_transform_frames' floats (TCHW).
 */
int fvcu_transform(const fvcu_frames *f, const int *frames, int n, const fvv_transform *tf,
                   fvcu_layout layout, float *dst, char *err, size_t errlen);

/* Device memory on @p f's device, and copies between it and the host. */
float *fvcu_alloc_floats(const fvcu_frames *f, size_t n, char *err, size_t errlen);
void fvcu_free(const fvcu_frames *f, void *device_ptr);
int fvcu_copy_to_host(const fvcu_frames *f, void *host, const void *device_ptr, size_t bytes,
                      char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
