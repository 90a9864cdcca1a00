/* SPDX-License-Identifier: Apache-2.0 */
/* Per-frame model features, batched as upstream does; see frame_features.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_features.h"

void fvv_features_reset(fvv_features *f)
{
    f->batch_n = 0;
    f->nrows = 0;
    f->dim = 0;
    f->in_w = f->in_h = 0;
    f->error[0] = '\0';
}

void fvv_features_free(fvv_features *f)
{
    free(f->batch);
    free(f->rows);
    f->batch = f->rows = NULL;
    f->rows_cap = 0;
    fvv_features_reset(f);
}

int fvv_model_rows(fveval_ctx *ctx, fveval_model *model, const char *method,
                   const fveval_arg *args, size_t nargs, size_t n, size_t *dim, float **out,
                   char *why, size_t whylen)
{
    fveval_tensor *t = NULL;
    *out = NULL;
    int r = fveval_model_run(ctx, model, method, args, nargs, &t, 1);
    if (r < 1) {
        snprintf(why, whylen, "%s failed: %s", method, r < 0 ? fveval_model_error(ctx) : "it returned no tensor");
        fveval_tensor_free(ctx, t);
        return r < 0 ? r : -EINVAL;
    }
    int64_t shape[8];
    int nd = fveval_tensor_shape(ctx, t, shape, 8);
    size_t width = 1;
    for (int i = 1; i < nd && i < 8; i++)
        width *= (size_t) shape[i];
    if (nd < 1 || nd > 8 || (size_t) shape[0] != n || width == 0 || (*dim && width != *dim)) {
        snprintf(why, whylen, "%s returned a %d-d tensor of %lld x %zu values; want %zu x %zu",
                 method, nd, nd > 0 ? (long long) shape[0] : 0LL, width, n, *dim ? *dim : width);
        fveval_tensor_free(ctx, t);
        return -EINVAL;
    }
    float *rows = malloc(n * width * sizeof(float));
    if (!rows) {
        fveval_tensor_free(ctx, t);
        return -ENOMEM;
    }
    memcpy(rows, fveval_tensor_data(ctx, t), n * width * sizeof(float));
    fveval_tensor_free(ctx, t);
    size_t bad = 0;
    for (size_t i = 0; i < n * width; i++)
        bad += !isfinite(rows[i]);
    if (bad) {
        snprintf(why, whylen, "%s output had %zu non-finite values", method, bad);
        free(rows);
        return -EDOM;
    }
    *dim = width;
    *out = rows;
    return 0;
}

int fvv_features_flush(fveval_ctx *ctx, fvv_features *f)
{
    if (!f->batch_n)
        return 0;
    size_t n = (size_t) f->batch_n;
    f->batch_n = 0;
    int64_t shape[4] = {(int64_t) n, 3, f->img_h, f->img_w};
    fveval_arg arg = FVEVAL_ARG_TENSOR_OF(4, shape, f->batch);
    float *rows;
    size_t dim = f->dim;
    int r = fvv_model_rows(ctx, f->model, f->method, &arg, 1, n, &dim, &rows, f->error, sizeof(f->error));
    if (r < 0)
        return r;
    if ((f->nrows + n) * dim > f->rows_cap) {
        size_t cap = f->rows_cap ? f->rows_cap : 64 * dim;
        while (cap < (f->nrows + n) * dim)
            cap *= 2;
        float *g = realloc(f->rows, cap * sizeof(float));
        if (!g) {
            free(rows);
            return -ENOMEM;
        }
        f->rows = g;
        f->rows_cap = cap;
    }
    memcpy(f->rows + f->nrows * dim, rows, n * dim * sizeof(float));
    free(rows);
    f->nrows += n;
    f->dim = dim;
    return 0;
}

int fvv_features_push(fveval_ctx *ctx, fvv_features *f, const fveval_video *v, int t)
{
    /* One size per sample: the core decodes a clip at one size. */
    if (!f->in_w) {
        f->in_w = v->width, f->in_h = v->height;
        if (f->configure)
            f->configure(f, v->width, v->height);
        fvv_transform_size(&f->tf, v->width, v->height, &f->img_w, &f->img_h);
        free(f->batch);
        size_t chunk = (size_t) (f->chunk > 0 ? f->chunk : 1);
        f->batch = malloc(chunk * 3 * (size_t) f->img_w * (size_t) f->img_h * sizeof(float));
        if (!f->batch) {
            snprintf(f->error, sizeof(f->error), "no memory for %zu images of %dx%d", chunk, f->img_w, f->img_h);
            return -ENOMEM;
        }
    }
    float *dst = f->batch + (size_t) f->batch_n * 3 * (size_t) f->img_w * (size_t) f->img_h;
    int r = fvv_transform_frames(v, &t, 1, &f->tf, dst);
    if (r < 0) {
        snprintf(f->error, sizeof(f->error), "cannot transform a %dx%d frame: %s", v->width, v->height, strerror(-r));
        return r;
    }
    if (++f->batch_n >= f->chunk)
        return fvv_features_flush(ctx, f);
    return 0;
}

void fvv_l2_normalize_rows(float *rows, size_t n, size_t dim)
{
    for (size_t i = 0; i < n; i++) {
        float *x = rows + i * dim;
        double ss = 0;
        for (size_t d = 0; d < dim; d++)
            ss += (double) x[d] * x[d];
        float norm = (float) sqrt(ss);
        for (size_t d = 0; d < dim; d++)
            x[d] = x[d] / norm;
    }
}

double fvv_cosine(const float *a, const float *b, size_t dim)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t d = 0; d < dim; d++) {
        ab += (double) a[d] * b[d];
        aa += (double) a[d] * a[d];
        bb += (double) b[d] * b[d];
    }
    return ab / fmax(sqrt(aa) * sqrt(bb), 1e-8);
}

double fvv_consistency_score(const float *rows, size_t n, size_t dim)
{
    if (n <= 1)
        return 1.0;
    double total = 0;
    for (size_t t = 1; t < n; t++) {
        double prev = fmax(0.0, fvv_cosine(rows + (t - 1) * dim, rows + t * dim, dim));
        double first = fmax(0.0, fvv_cosine(rows, rows + t * dim, dim));
        total += (prev + first) / 2;
    }
    return total / (double) (n - 1);
}

int fvv_features_frame(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                       const fveval_video *window, fveval_result *res)
{
    (void) s, (void) field;
    fvv_features *f = fveval_priv(ctx);
    int newest = window->nb_frames - 1;
    if (fveval_video_frame_index(window, newest) == 0)
        fvv_features_reset(f);
    int r = fvv_features_push(ctx, f, window, newest);
    if (r < 0 && res)
        fveval_result_error(ctx, res, "%s", f->error[0] ? f->error : strerror(-r));
    return r;
}

int fvv_features_finish(fveval_ctx *ctx, fvv_features *f, const fveval_video *clip, fveval_result *res)
{
    int r = fvv_features_flush(ctx, f);
    if (r < 0) {
        fveval_result_error(ctx, res, "%s", f->error[0] ? f->error : strerror(-r));
        return r;
    }
    if (clip->clip_frames < 1 || f->nrows != (size_t) clip->clip_frames) {
        fveval_result_error(ctx, res, "%zu frames embedded of %d decoded", f->nrows, clip->clip_frames);
        return -EIO;
    }
    return 0;
}

const fveval_field fvv_video_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "clip to score (every frame is embedded)"},
    {.name = NULL},
};

const fveval_frame_access fvv_stream_video[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_STREAM, .window = 1},
    {.field = NULL},
};
