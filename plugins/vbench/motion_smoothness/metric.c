/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.motion_smoothness: how well each odd frame is predicted by video
 * frame interpolation (AMT-S) from its even neighbours, as fastvideo.eval's
 * vbench.motion_smoothness computes it:
 *     even = frames[0::2];  len(even) <= 1 (T <= 2): score 1.0
 *     pred_i = AMT(even[i], even[i+1], embt=0.5, scale)      (i < len(even) - 1)
 *              inputs byte / 255, padded to a multiple of int(16 / scale) by
 *              edge replication, the prediction cropped back
 *     d_i = mean |frames[2i+1] - uint8(clip(pred_i * 255, 0, 255))|  (truncating)
 *     score = (255 - mean_i d_i) / 255
 * The scale is an option; by default upstream's rule: 1 on CPU, and on CUDA
 * 1024*512/(H*W) * sqrt((free MiB - 2500) / 1500) snapped to 16 / floor(16 /
 * sqrt(s)) below 1 (1/16 at 2500 MiB free or less).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "flow.h"

#define MS_MODEL "amt_s.pt"

typedef struct ms_priv {
    int64_t chunk_size;     /* option */
    double scale;           /* option: 0 = upstream's rule */
    int64_t free_mib;       /* option: 0 = ask the device */
    fveval_model *model;
} ms_priv;

static const fveval_field ms_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED, .help = "clip to score"},
    {.name = NULL},
};

static const fveval_option ms_options[] = {
    {.name = "chunk_size", .help = "frame pairs per AMT call (upstream 8)", .type = FVEVAL_OPT_INT,
     .offset = offsetof(ms_priv, chunk_size), .def.i64 = 8, .min = 1, .max = 1024},
    {.name = "scale", .help = "AMT scale_factor in (0, 1]; 0: upstream's rule (1 on CPU; on CUDA "
                              "from the free GPU memory and the frame size)",
     .type = FVEVAL_OPT_DOUBLE, .offset = offsetof(ms_priv, scale), .def.dbl = 0, .min = 0, .max = 1},
    {.name = "free_memory_mib", .help = "with scale=0: apply upstream's CUDA rule with this much "
                                        "free memory (MiB) instead of asking the device, on any device",
     .type = FVEVAL_OPT_INT, .offset = offsetof(ms_priv, free_mib), .def.i64 = 0, .min = 0, .max = 1 << 30},
    {.name = NULL},
};

static const fveval_model_file ms_models[] = {
    {.name = MS_MODEL,
     .source = "amt-s.pth (HF lalala125/AMT, its 'state_dict') with VBench's "
               "vbench/third_party/amt/networks/AMT-S.py (cfgs/AMT-S.yaml)",
     .recipe = "python3 tools/export/amt_s.py --vbench VBENCH_CHECKOUT --weights amt-s.pth "
               "--height HP --width WP -o amt_s.pt (see the vbench.motion_smoothness README)"},
    {.name = NULL},
};

/* fastvideo.eval's _get_scale with @p free_mib MiB free, for frames of h x w. */
static double upstream_cuda_scale(double free_mib, int h, int w)
{
    if (free_mib <= 2500.0)
        return 1.0 / 16.0;
    double s = 1024.0 * 512.0 / ((double) h * w) * sqrt((free_mib - 2500.0) / 1500.0);
    if (s >= 1.0)
        return 1.0;
    return 1.0 / floor(1.0 / sqrt(s) * 16.0) * 16.0;
}

/*
 * Free memory of CUDA device @p dev in MiB (torch.cuda.mem_get_info), from the
 * CUDA runtime libtorch has already loaded; negative when it cannot be asked.
 */
static double cuda_free_mib(int dev)
{
    static const char *const names[] = {"libcudart.so", "libcudart.so.12", "libcudart.so.11.0", NULL};
    void *h = NULL;
    for (int i = 0; names[i] && !h; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return -1;
    int (*set_device)(int) = (int (*)(int)) dlsym(h, "cudaSetDevice");
    int (*mem_get_info)(size_t *, size_t *) = (int (*)(size_t *, size_t *)) dlsym(h, "cudaMemGetInfo");
    size_t free_b = 0, total_b = 0;
    double r = -1;
    if (set_device && mem_get_info && set_device(dev) == 0 && mem_get_info(&free_b, &total_b) == 0)
        r = (double) free_b / (1024.0 * 1024.0);
    dlclose(h);
    return r;
}

/* The scale for frames of h x w, and how it was chosen (for the details). */
static double choose_scale(fveval_ctx *ctx, const ms_priv *p, int h, int w, const char **rule)
{
    if (p->scale > 0) {
        *rule = "option";
        return p->scale;
    }
    if (p->free_mib > 0) {
        *rule = "free_memory_mib";
        return upstream_cuda_scale((double) p->free_mib, h, w);
    }
    const char *dev = fveval_device(ctx);
    if (strncmp(dev, "cuda", 4) != 0) {
        *rule = "cpu";
        return 1.0;
    }
    int idx = dev[4] == ':' ? atoi(dev + 5) : 0;
    double mib = cuda_free_mib(idx);
    if (mib < 0) {
        fveval_log(ctx, FVEVAL_LOG_WARNING, "cannot read the free memory of %s: scale 1 (set scale= "
                   "or free_memory_mib= to choose)", dev);
        *rule = "cuda, free memory unknown";
        return 1.0;
    }
    *rule = "cuda free memory";
    return upstream_cuda_scale(mib, h, w);
}

static int ms_init(fveval_ctx *ctx)
{
    const ms_priv *p = fveval_priv(ctx);
    /* upstream never goes below 1/16; a smaller scale would pad frames by thousands of pixels */
    if (p->scale != 0 && p->scale < 1.0 / 16.0) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "scale must be 0 (upstream's rule) or in [0.0625, 1], got %g",
                   p->scale);
        return -EINVAL;
    }
    return 0;
}

static int ms_setup(fveval_ctx *ctx)
{
    ms_priv *p = fveval_priv(ctx);
    p->model = fveval_model_load(ctx, MS_MODEL);
    return p->model ? 0 : -ENOENT;
}

static void ms_uninit(fveval_ctx *ctx)
{
    ms_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->model);
    p->model = NULL;
}

/* Sum over H x W x 3 of |gt - uint8(clip(pred * 255, 0, 255))|, pred cropped from the padded output. */
static uint64_t abs_diff_sum(const fveval_video *v, int t, const float *pred, const fvf_pad *pad)
{
    uint64_t sum = 0;
    size_t plane = (size_t) pad->hp * pad->wp;
    for (int y = 0; y < pad->h; y++) {
        const uint8_t *row = fveval_video_pixel(v, t, y, 0);
        for (int c = 0; c < 3; c++) {
            const float *pr = pred + c * plane + (size_t) (y + pad->top) * pad->wp + pad->left;
            for (int x = 0; x < pad->w; x++) {
                float f = pr[x] * 255.0f;
                f = f < 0.0f ? 0.0f : f > 255.0f ? 255.0f : f;
                int q = (int) f; /* astype(uint8) truncates */
                int d = (int) row[3 * x + c] - q;
                sum += (uint64_t) (d < 0 ? -d : d);
            }
        }
    }
    return sum;
}

static int ms_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    ms_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (!v) {
        fveval_result_skip(ctx, res, "missing field 'video'");
        return -ENOTSUP;
    }
    const char *rule = "";
    double scale = choose_scale(ctx, p, v->height, v->width, &rule);
    int even = (v->nb_frames + 1) / 2, pairs = even > 1 ? even - 1 : 0;
    fveval_result_number(ctx, res, "scale", scale);
    fveval_result_string(ctx, res, "scale_rule", rule);
    fveval_result_int(ctx, res, "n_pairs", pairs);
    if (!pairs) {
        /* upstream: two frames or fewer leave nothing to interpolate */
        fveval_result_score(ctx, res, 1.0);
        return 0;
    }
    int cap = (int) p->chunk_size < pairs ? (int) p->chunk_size : pairs;
    fvf_runner run;
    int r = fvf_runner_init(&run, ctx, p->model, FVF_AMT, v->height, v->width, cap, scale);
    if (r < 0) {
        fveval_result_error(ctx, res, "%s", run.err);
        return r;
    }
    double vfi_sum = 0, per_pixel = 3.0 * v->width * v->height;
    for (int done = 0; done < pairs;) {
        int b = 0;
        for (; b < cap && done + b < pairs; b++)
            fvf_runner_add(&run, v, 2 * (done + b), v, 2 * (done + b) + 2);
        if ((r = fvf_runner_run(&run)) < 0) {
            fveval_result_error(ctx, res, "%s", run.err);
            break;
        }
        for (int i = 0; i < b; i++)
            vfi_sum += (double) abs_diff_sum(v, 2 * (done + i) + 1, fvf_runner_result(&run, i), &run.pad) / per_pixel;
        done += b;
    }
    fvf_runner_free(&run);
    if (r < 0)
        return r;
    double vfi = vfi_sum / pairs;
    fveval_result_score(ctx, res, (255.0 - vfi) / 255.0);
    fveval_result_number(ctx, res, "vfi_score", vfi);
    return 0;
}

static const fveval_plugin ms_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.motion_smoothness",
    .summary = "motion smoothness: how well AMT-S interpolation predicts each odd frame",
    .description =
        "AMT-S interpolates frame 2i+1 from frames 2i and 2i+2 (byte/255, padded to a multiple of "
        "int(16/scale) by edge replication); the prediction is cropped, scaled by 255, clipped and "
        "truncated to bytes, and compared with the real frame: d_i = mean |real - predicted| over "
        "H*W*3. score = (255 - mean_i d_i)/255; 1.0 for clips of 1 or 2 frames. details: vfi_score "
        "(mean d_i), scale, scale_rule, n_pairs. Follows fastvideo.eval vbench.motion_smoothness.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = ms_fields,
    .options = ms_options,
    .models = ms_models,
    .priv_size = sizeof(ms_priv),
    .init = ms_init,
    .setup = ms_setup,
    .compute = ms_compute,
    .uninit = ms_uninit,
};

FVEVAL_PLUGIN_DEFINE(ms_plugin)
