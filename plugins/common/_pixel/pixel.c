/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "pixel.h"

const fveval_field fvpx_paired_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "generated clip"},
    {.name = "reference", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "ground-truth clip of the same size"},
    {.name = NULL},
};

fvpx_frame fvpx_video_frame(const fveval_video *v, int t)
{
    fvpx_frame f = {
        .data = v->data + (size_t) t * v->frame_stride,
        .linesize = v->linesize,
        .width = v->width,
        .height = v->height,
    };
    return f;
}

int fvpx_get_pair(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res,
                  const fveval_video **video, const fveval_video **reference, int *n)
{
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    const fveval_video *r = fveval_sample_video(ctx, s, "reference");
    if (!v || !r) {
        /* Both fields are required, so the core should never let this through. */
        fveval_result_skip(ctx, res, "missing field '%s'", v ? "reference" : "video");
        return -ENOTSUP;
    }
    if (v->width != r->width || v->height != r->height) {
        fveval_result_skip(ctx, res, "frame size differs: video %dx%d, reference %dx%d",
                           v->width, v->height, r->width, r->height);
        return -ENOTSUP;
    }
    *video = v;
    *reference = r;
    *n = v->nb_frames < r->nb_frames ? v->nb_frames : r->nb_frames;
    if (*n <= 0) {
        fveval_result_skip(ctx, res, "no frames to compare");
        return -ENOTSUP;
    }
    return 0;
}

double *fvpx_map_frames(const fveval_video *a, int a_first, const fveval_video *b, int b_first,
                        int n, fvpx_frame_fn fn, void *state)
{
    if (n <= 0)
        return NULL;
    double *values = malloc((size_t) n * sizeof(*values));
    if (!values)
        return NULL;
    for (int i = 0; i < n; i++) {
        fvpx_frame fa = fvpx_video_frame(a, a_first + i);
        fvpx_frame fb = fvpx_video_frame(b, b_first + i);
        values[i] = fn(state, &fa, &fb);
    }
    return values;
}

void fvpx_report_mean(fveval_ctx *ctx, fveval_result *res, const char *key, const double *values,
                      int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += values[i];
    fveval_result_score(ctx, res, n > 0 ? sum / n : 0.0);
    fveval_result_array(ctx, res, key, values, (size_t) n);
}

int fvpx_compute_paired(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res,
                        fvpx_frame_fn fn, void *state,
                        int (*prepare)(void *state, const fveval_video *video))
{
    const fveval_video *v, *r;
    int n;
    int ret = fvpx_get_pair(ctx, s, res, &v, &r, &n);
    if (ret < 0)
        return ret;
    if (prepare && (ret = prepare(state, v)) < 0)
        return ret;
    double *values = fvpx_map_frames(v, 0, r, 0, n, fn, state);
    if (!values)
        return -ENOMEM;
    fvpx_report_mean(ctx, res, "per_frame", values, n);
    free(values);
    return 0;
}

int fvpx_cuda_device(fveval_ctx *ctx)
{
    return fvcu_toolkit() ? fvcu_device_index(fveval_device(ctx)) : -1;
}

int fvpx_compute_paired_cuda(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res, int dev,
                             fvpx_device_fn fn, void *state)
{
    const fveval_video *v, *r;
    int n;
    int ret = fvpx_get_pair(ctx, s, res, &v, &r, &n);
    if (ret < 0)
        return ret;
    char err[512] = "";
    double *values = malloc((size_t) n * sizeof(*values));
    fvcu_frames *gv = values ? fvcu_video_upload(dev, v, err, sizeof(err)) : NULL;
    fvcu_frames *gr = gv ? fvcu_video_upload(dev, r, err, sizeof(err)) : NULL;
    if (!values)
        ret = -ENOMEM;
    else if (!gr)
        ret = -EIO;
    else
        ret = fn(state, gv, gr, n, values, err, sizeof(err));
    fvcu_frames_free(gv);
    fvcu_frames_free(gr);
    if (ret == 0)
        fvpx_report_mean(ctx, res, "per_frame", values, n);
    else if (err[0])
        fveval_result_error(ctx, res, "%s", err);
    free(values);
    return ret;
}

/*
 * Sum over a frame of (a - b)^2 or |a - b|.  Per row, 32-bit partial sums
 * (which vectorise well) over blocks short enough not to overflow:
 * 65536 * 255^2 < 2^32.
 */
static inline __attribute__((always_inline)) uint64_t
sum_diff(const fvpx_frame *fa, const fvpx_frame *fb, int square)
{
    const int n = 3 * fa->width;
    uint64_t total = 0;
    for (int y = 0; y < fa->height; y++) {
        const uint8_t *restrict a = fa->data + y * fa->linesize;
        const uint8_t *restrict b = fb->data + y * fb->linesize;
        for (int i0 = 0; i0 < n; i0 += 65536) {
            int end = n - i0 < 65536 ? n : i0 + 65536;
            uint32_t part = 0;
            for (int i = i0; i < end; i++) {
                int d = (int) a[i] - (int) b[i];
                part += (uint32_t) (square ? d * d : d < 0 ? -d : d);
            }
            total += part;
        }
    }
    return total;
}

uint64_t fvpx_sum_squared_diff(const fvpx_frame *a, const fvpx_frame *b)
{
    return sum_diff(a, b, 1);
}

uint64_t fvpx_sum_abs_diff(const fvpx_frame *a, const fvpx_frame *b)
{
    return sum_diff(a, b, 0);
}
