/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared code of the pixel metrics (common.psnr, common.ssim,
 * vbench.temporal_flickering): fetching a video and its reference with
 * fastvideo.eval's pairing rules, running a per-frame function over frame
 * pairs, and reporting the mean of the per-frame values.
 *
 * Frames stay the core's packed uint8 RGB: every metric here reads the
 * bytes directly, so no float copy of a clip is ever made.
 */
#ifndef FVEVAL_PIXEL_H
#define FVEVAL_PIXEL_H

#include <stddef.h>
#include <stdint.h>

#include <fveval/plugin.h>

#include "../../_cuda/fvcuda.h"

/* The sample fields of a paired metric: "video" and "reference", both required. */
extern const fveval_field fvpx_paired_fields[];

/* One frame's geometry and bytes: RGB24, row y at data + y * linesize. */
typedef struct fvpx_frame {
    const uint8_t *data;
    ptrdiff_t linesize;
    int width, height;
} fvpx_frame;

/* Frame t of @p v. */
fvpx_frame fvpx_video_frame(const fveval_video *v, int t);

/*
 * The sample's "video" and "reference" for a paired metric.  fastvideo.eval
 * compares frames [0, min(T_video, T_reference)), so *n is that minimum.  A
 * size mismatch (upstream raises on the tensor shapes) is a skip: the reason
 * is recorded in @p res and -ENOTSUP returned.
 */
int fvpx_get_pair(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res,
                  const fveval_video **video, const fveval_video **reference, int *n);

/* Computes one value from frame a and frame b (same size). */
typedef double (*fvpx_frame_fn)(void *state, const fvpx_frame *a, const fvpx_frame *b);

/*
 * values[i] = fn(state, frame a_first + i of a, frame b_first + i of b) for
 * i in [0, n).  Returns a malloc'ed array (NULL on no memory, or n == 0).
 */
double *fvpx_map_frames(const fveval_video *a, int a_first, const fveval_video *b, int b_first,
                        int n, fvpx_frame_fn fn, void *state);

/* Score = mean of values[0..n) (in order, double), details[key] = values. */
void fvpx_report_mean(fveval_ctx *ctx, fveval_result *res, const char *key, const double *values,
                      int n);

/*
 * The whole compute of a paired per-frame metric: fvpx_get_pair, then
 * @p prepare (may be NULL; sizes scratch for the video's geometry, returns
 * 0 or a negative errno), then fn over the compared frames, reported with
 * fvpx_report_mean under "per_frame".
 */
int fvpx_compute_paired(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res,
                        fvpx_frame_fn fn, void *state,
                        int (*prepare)(void *state, const fveval_video *video));

/*
 * The CUDA device these metrics run on: N for `--device cuda:N` in a build with
 * the CUDA kernels, else -1 (the CPU; without the kernels the CPU gives the same
 * values, so a cuda device is no reason to fail).
 */
int fvpx_cuda_device(fveval_ctx *ctx);

/* values[0..n) for the frame pairs (i, i) of two clips uploaded to the device. */
typedef int (*fvpx_device_fn)(void *state, const fvcu_frames *a, const fvcu_frames *b, int n,
                              double *values, char *err, size_t errlen);

/*
 * fvpx_compute_paired on CUDA device @p dev: both clips uploaded once (uint8),
 * @p fn for the per-frame values, reported as fvpx_compute_paired does.  A device
 * failure is the sample's error, with CUDA's reason.
 */
int fvpx_compute_paired_cuda(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res, int dev,
                             fvpx_device_fn fn, void *state);

/* Exact sums over all bytes of two same-size frames: of (a - b)^2, and of |a - b|. */
uint64_t fvpx_sum_squared_diff(const fvpx_frame *a, const fvpx_frame *b);
uint64_t fvpx_sum_abs_diff(const fvpx_frame *a, const fvpx_frame *b);

#endif
