/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ViCLIP text-video similarity behind vbench.overall_consistency and
 * vbench.temporal_style (metrics-b.md §11, §16; upstream
 * vbench/overall_consistency.py, FastVideo's OverallConsistencyMetric):
 *     v = encode_vision(frames (1, 8, 3, 224, 224), test=True)    # (1, 768)
 *     t = encode_text(clip tokenize(prompt, context 32, truncate)) # (1, 768)
 *     score = <v / |v|, t / |t|>
 * The two modes differ only in which frames are read and how they are resized.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clip_tokenizer.h"
#include "vbvideo.h"
#include "vision.h"

#define VICLIP_SIZE 224
#define BPE_FILE "clip/bpe_simple_vocab_16e6.txt.gz"

const fveval_field vbv_viclip_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "clip to score"},
    {.name = "text_prompt", .type = FVEVAL_FIELD_STRING, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "the prompt the clip was generated from"},
    {.name = NULL},
};

const fveval_option vbv_viclip_options[] = {
    {.name = "mode",
     .help = "vbench: upstream VBench (middle sampler, no antialias); fastvideo: FastVideo's "
             "(linspace sampler, antialiased resize)",
     .type = FVEVAL_OPT_ENUM, .offset = offsetof(vbv_viclip_priv, mode),
     .def.i64 = VBV_MODE_VBENCH, .enum_names = vbv_mode_names},
    {.name = "vocab",
     .help = "CLIP BPE merges file (default: the installed clip/bpe_simple_vocab_16e6.txt.gz)",
     .type = FVEVAL_OPT_STRING, .offset = offsetof(vbv_viclip_priv, vocab)},
    {.name = NULL},
};

const fveval_model_file vbv_viclip_models[] = {
    {.name = VBV_VICLIP_MODEL,
     .source = "ViClip-InternVid-10M-FLT.pth from https://huggingface.co/OpenGVLab/VBench_Used_Models "
               "(ViCLIP code: Vchitect/VBench vbench/third_party/ViCLIP)",
     .recipe = "python3 tools/export/export_viclip.py --vbench-dir VBench "
               "--checkpoint ViClip-InternVid-10M-FLT.pth -o " VBV_VICLIP_MODEL},
    {.name = NULL},
};

const fveval_frame_access vbv_viclip_access[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_SAMPLED, .count = VBV_VICLIP_FRAMES},
    {.field = NULL},
};

int vbv_viclip_select(fveval_ctx *ctx, const fveval_sample *s, const char *field, int nb_frames,
                      double fps, int *indices, int max)
{
    (void) s, (void) field, (void) fps, (void) max;
    const vbv_viclip_priv *p = fveval_priv(ctx);
    return vbv_pick_frames(p->mode, nb_frames, VBV_VICLIP_FRAMES, indices);
}

int vbv_viclip_setup(fveval_ctx *ctx)
{
    vbv_viclip_priv *p = fveval_priv(ctx);
    char path[4096], err[256];
    if (vbv_data_path(p->vocab, BPE_FILE, path, sizeof path) < 0) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "cannot read the CLIP BPE merges file '%s' (option vocab)",
                   path);
        return -ENOENT;
    }
    p->tok = clip_tokenizer_load(path, err, sizeof err);
    if (!p->tok) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s", err);
        return -EINVAL;
    }
    p->model = fveval_model_load(ctx, VBV_VICLIP_MODEL);
    return p->model ? 0 : -ENOENT;
}

/* Runs @p method on one argument and copies its (1, 768) result to @p out. */
static int run_768(fveval_ctx *ctx, fveval_result *res, fveval_model *m, const char *method,
                   const fveval_arg *arg, float *out)
{
    fveval_tensor *t = NULL;
    int n = fveval_model_run(ctx, m, method, arg, 1, &t, 1);
    if (n < 1) {
        fveval_result_error(ctx, res, "%s failed: %s", method, fveval_model_error(ctx));
        if (t)
            fveval_tensor_free(ctx, t);
        return -EIO;
    }
    int64_t dims[4] = {0};
    int nd = fveval_tensor_shape(ctx, t, dims, 4);
    int64_t numel = 1;
    for (int i = 0; i < nd && i < 4; i++)
        numel *= dims[i];
    if (numel != VBV_VICLIP_DIM) {
        fveval_result_error(ctx, res, "%s returned %lld values, not %d", method, (long long) numel,
                            VBV_VICLIP_DIM);
        fveval_tensor_free(ctx, t);
        return -EIO;
    }
    memcpy(out, fveval_tensor_data(ctx, t), sizeof(float) * VBV_VICLIP_DIM);
    fveval_tensor_free(ctx, t);
    return 0;
}

static int text_features(fveval_ctx *ctx, fveval_result *res, const char *prompt)
{
    vbv_viclip_priv *p = fveval_priv(ctx);
    if (p->last_prompt && strcmp(p->last_prompt, prompt) == 0)
        return 0;
    free(p->last_prompt);
    p->last_prompt = NULL;
    int64_t ids[VBV_VICLIP_CONTEXT];
    char err[256];
    if (clip_tokenize(p->tok, prompt, VBV_VICLIP_CONTEXT, 1, ids, err, sizeof err) < 0) {
        fveval_result_error(ctx, res, "text_prompt: %s", err);
        return -EINVAL;
    }
    int64_t shape[2] = {1, VBV_VICLIP_CONTEXT};
    fveval_arg arg = FVEVAL_ARG_TENSOR_I64_OF(2, shape, ids);
    int r = run_768(ctx, res, p->model, "encode_text", &arg, p->text_feat);
    if (r == 0)
        p->last_prompt = strdup(prompt); /* NULL on no memory: no cache, still correct */
    return r;
}

int vbv_viclip_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    vbv_viclip_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    const char *prompt = fveval_sample_string(ctx, s, "text_prompt");
    if (!v || !prompt) {
        fveval_result_skip(ctx, res, "missing field '%s'", v ? "text_prompt" : "video");
        return -ENOTSUP;
    }
    if (v->nb_frames != VBV_VICLIP_FRAMES) {
        /* Only FastVideo's sampler returns fewer: its model call would fail on the
         * temporal position embedding, so the sample is skipped instead. */
        fveval_result_skip(ctx, res,
                           "clip has %d frames; ViCLIP takes %d and mode=fastvideo does not pad "
                           "(mode=vbench repeats the last frame)",
                           v->clip_frames, VBV_VICLIP_FRAMES);
        return -ENOTSUP;
    }
    fvv_transform tf = {.resize_short = VICLIP_SIZE, .interp = FVV_BICUBIC,
                        .crop_h = VICLIP_SIZE, .crop_w = VICLIP_SIZE,
                        .mean = fvv_clip_mean, .std = fvv_clip_std};
    if (p->mode == VBV_MODE_FASTVIDEO) {
        tf.in_divisor = 255.0f; /* resize on [0, 1] floats, antialiased (torchvision >= 0.17) */
        tf.antialias = true;
    } else {
        tf.in_divisor = 1.0f; /* clip_transform: [0, 255] floats, antialias=False, then / 255 */
        tf.post_divisor = 255.0f;
    }
    int frames[VBV_VICLIP_FRAMES];
    double picked[VBV_VICLIP_FRAMES];
    for (int k = 0; k < VBV_VICLIP_FRAMES; k++) {
        frames[k] = k;
        picked[k] = fveval_video_frame_index(v, k);
    }
    size_t n = (size_t) VBV_VICLIP_FRAMES * 3 * VICLIP_SIZE * VICLIP_SIZE;
    float *x = malloc(n * sizeof *x);
    if (!x)
        return -ENOMEM;
    int r = fvv_transform_frames(v, frames, VBV_VICLIP_FRAMES, &tf, x);
    float vis[VBV_VICLIP_DIM];
    if (r == 0) {
        int64_t shape[5] = {1, VBV_VICLIP_FRAMES, 3, VICLIP_SIZE, VICLIP_SIZE};
        fveval_arg arg = FVEVAL_ARG_TENSOR_OF(5, shape, x);
        r = run_768(ctx, res, p->model, "encode_vision", &arg, vis);
    }
    free(x);
    if (r == 0)
        r = text_features(ctx, res, prompt);
    if (r < 0)
        return r;
    double vv = 0, tt = 0, vt = 0;
    for (int i = 0; i < VBV_VICLIP_DIM; i++) {
        vv += (double) vis[i] * vis[i];
        tt += (double) p->text_feat[i] * p->text_feat[i];
        vt += (double) vis[i] * p->text_feat[i];
    }
    if (!(vv > 0) || !(tt > 0)) {
        fveval_result_error(ctx, res, "a ViCLIP feature is zero or not finite");
        return -EIO;
    }
    fveval_result_score(ctx, res, vt / (sqrt(vv) * sqrt(tt)));
    fveval_result_array(ctx, res, "frames", picked, VBV_VICLIP_FRAMES);
    return 0;
}

void vbv_viclip_uninit(fveval_ctx *ctx)
{
    vbv_viclip_priv *p = fveval_priv(ctx);
    if (p->model)
        fveval_model_free(ctx, p->model);
    clip_tokenizer_free(p->tok);
    free(p->last_prompt);
}
