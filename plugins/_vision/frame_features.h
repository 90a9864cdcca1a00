/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-frame image features from a TorchScript model, for the metrics that
 * embed every frame of a clip (DINO, CLIP, MUSIQ): frames are transformed
 * (vision.h) one at a time as the core streams them, gathered into batches
 * of `chunk` images of one size, run through one model method, and the
 * (chunk, D) outputs appended to a (T, D) feature table.  Plus the pure
 * maths those metrics share: L2 normalisation and VBench's consistency_score.
 *
 * The batch is the only copy of pixels held, so a long clip costs one chunk
 * of 3 x h x w floats and its T x D features, whatever its length.
 */
#ifndef FVEVAL_VISION_FRAME_FEATURES_H
#define FVEVAL_VISION_FRAME_FEATURES_H

#include <stddef.h>

#include <fveval/plugin.h>

#include "vision.h"

struct fvv_features;
typedef struct fvv_features {
    /* set by the caller */
    fveval_model *model;
    const char *method;        /**< "forward", "encode_image", ... */
    fvv_transform tf;          /**< frame -> model input */
    int chunk;                 /**< images per call (upstream's batch size) */
    /** Called with a sample's frame size before its first frame (may be NULL): set tf. */
    void (*configure)(struct fvv_features *f, int width, int height);
    /* filled as frames arrive */
    int in_w, in_h;            /**< frame size of the current sample */
    int img_w, img_h;          /**< model input size (fvv_transform_size) */
    float *batch;              /**< up to chunk images (N, 3, img_h, img_w) */
    int batch_n;
    float *rows;               /**< rows x dim features, in frame order */
    size_t nrows, rows_cap, dim;
    char error[512];           /**< why the last call failed */
} fvv_features;

/* Forget the previous sample's frames and features (keeps the buffers). */
void fvv_features_reset(fvv_features *f);

/*
 * Transforms frame @p t of @p v (a streamed window or a whole clip) into the
 * batch; runs the model when the batch holds `chunk` images.  Negative errno
 * on failure, with the reason in f->error.
 */
int fvv_features_push(fveval_ctx *ctx, fvv_features *f, const fveval_video *v, int t);

/* Runs what is left in the batch.  After it, rows holds one row per frame pushed. */
int fvv_features_flush(fveval_ctx *ctx, fvv_features *f);

/* Frees the buffers (not the model). */
void fvv_features_free(fvv_features *f);

/*
 * Runs @p method of @p model on @p args and copies its first output, which
 * must hold @p n rows (first dimension n; the rest flattened to *dim), into a
 * malloc'ed n x dim float array.  *dim must be 0 (any) or the width wanted.
 * Negative errno with the reason in @p why on failure.
 */
int fvv_model_rows(fveval_ctx *ctx, fveval_model *model, const char *method,
                   const fveval_arg *args, size_t nargs, size_t n, size_t *dim, float **out,
                   char *why, size_t whylen);

/* Each row of rows (n x dim) divided by its L2 norm (torch: x / x.norm(dim=-1, keepdim=True)). */
void fvv_l2_normalize_rows(float *rows, size_t n, size_t dim);

/*
 * FastVideo vbench/_utils.py consistency_score on L2-normalised rows
 * (metrics-b.md §0.5): 1.0 for n <= 1, else the mean over t >= 1 of
 * (max(0, cos(f[t-1], f[t])) + max(0, cos(f[0], f[t]))) / 2, where cos is
 * F.cosine_similarity (dot / max(|a| |b|, 1e-8), float32 rows).
 */
double fvv_consistency_score(const float *rows, size_t n, size_t dim);

/* F.cosine_similarity(a, b, eps=1e-8) of two dim-vectors, in double. */
double fvv_cosine(const float *a, const float *b, size_t dim);

/* ---- streamed per-frame metrics ---------------------------------------------------- */

/*
 * A plugin whose priv BEGINS with an fvv_features can use these as they are:
 * fields = fvv_video_fields, frame_access = fvv_stream_video (the core streams
 * the clip one frame at a time and never holds it), frame = fvv_features_frame
 * (a new sample resets, each frame is transformed into the batch, full batches
 * run), and in compute fvv_features_finish (runs the last batch and checks
 * that every frame of the clip was embedded), then the metric's own maths.
 * Failures are recorded in the sample's result with their reason.
 */
extern const fveval_field fvv_video_fields[];
extern const fveval_frame_access fvv_stream_video[];
int fvv_features_frame(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                       const fveval_video *window, fveval_result *res);
int fvv_features_finish(fveval_ctx *ctx, fvv_features *f, const fveval_video *clip,
                        fveval_result *res);

#endif
