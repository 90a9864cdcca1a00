/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.human_action: whether a Kinetics-400 classifier (UMT ViT-L/16,
 * 16 frames) recognises the action the clip was asked to show
 * (metrics-b.md §6; upstream vbench/human_action.py, FastVideo's
 * HumanActionMetric):
 *     p = sigmoid(forward(x (1, 3, 16, 224, 224)))[0]     # 400 classes
 *     predictions = labels of the top 5 with p >= 0.85
 *     score = 1.0 if the ground-truth action is among them, else 0.0
 * mode=vbench (upstream, the default): VBench's middle sampler (padded),
 * cv2 INTER_LINEAR resize of the uint8 frames to a short side of 256, centre
 * crop 224, / 255, ImageNet normalisation; top-5 values rounded to 4
 * decimals before the threshold; ground truth from the file name
 * ("A person is riding a bike-0.mp4" -> "riding a bike").
 * mode=fastvideo: torch.linspace sampler (no padding: shorter clips are
 * skipped), bilinear antialiased resize of [0, 1] floats, no rounding;
 * ground truth = text_prompt lower-cased and stripped.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "vbvideo.h"
#include "vision.h"

#define HA_MODEL "umt_l16_k400.pt"
#define HA_LABELS "vbench/kinetics_400_categories.txt"
#define HA_FRAMES 16
#define HA_SHORT 256
#define HA_CROP 224
#define HA_CLASSES 400
#define HA_TOPK 5
#define HA_THRESHOLD 0.85

typedef struct {
    int mode;
    const char *labels_path; /* option: label map, or NULL: the shipped one */
    fveval_model *model;
    char *labels[HA_CLASSES];
} ha_priv;

static const fveval_field ha_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "clip to score; with mode=vbench its file name names the action"},
    {.name = "text_prompt", .type = FVEVAL_FIELD_STRING,
     .help = "mode=fastvideo: the Kinetics-400 class name the clip should show"},
    {.name = NULL},
};

static const fveval_option ha_options[] = {
    {.name = "mode",
     .help = "vbench: upstream VBench (middle sampler, cv2 resize, 4-decimal rounding, label from "
             "the file name); fastvideo: FastVideo's (linspace sampler, antialiased resize, label = "
             "text_prompt)",
     .type = FVEVAL_OPT_ENUM, .offset = offsetof(ha_priv, mode), .def.i64 = VBV_MODE_VBENCH,
     .enum_names = vbv_mode_names},
    {.name = "labels",
     .help = "Kinetics-400 label map, 'name<TAB>index' lines (default: the installed "
             "vbench/kinetics_400_categories.txt)",
     .type = FVEVAL_OPT_STRING, .offset = offsetof(ha_priv, labels_path)},
    {.name = NULL},
};

static const fveval_model_file ha_models[] = {
    {.name = HA_MODEL,
     .source = "l16_ptk710_ftk710_ftk400_f16_res224.pth from "
               "https://huggingface.co/OpenGVLab/VBench_Used_Models (UMT code: Vchitect/VBench "
               "vbench/third_party/umt)",
     .recipe = "python3 tools/export/export_umt.py --vbench-dir VBench "
               "--checkpoint l16_ptk710_ftk710_ftk400_f16_res224.pth -o " HA_MODEL},
    {.name = NULL},
};

static const fveval_frame_access ha_access[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_SAMPLED, .count = HA_FRAMES},
    {.field = NULL},
};

static int ha_select(fveval_ctx *ctx, const fveval_sample *s, const char *field, int nb_frames,
                     double fps, int *indices, int max)
{
    (void) s, (void) field, (void) fps, (void) max;
    const ha_priv *p = fveval_priv(ctx);
    return vbv_pick_frames(p->mode, nb_frames, HA_FRAMES, indices);
}

static char *trim(char *s)
{
    while (isspace((unsigned char) *s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char) s[n - 1]))
        s[--n] = '\0';
    return s;
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        *s = (char) tolower((unsigned char) *s);
}

/* Upstream build_dict(): each stripped line "name\tindex"; names lower-cased. */
static int load_labels(fveval_ctx *ctx, ha_priv *p, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "cannot read the label map '%s': %s", path, strerror(errno));
        return -ENOENT;
    }
    char line[512];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *l = trim(line), *tab = strchr(l, '\t'), *end;
        if (!*l)
            continue;
        long idx = tab ? strtol(tab + 1, &end, 10) : -1;
        if (!tab || strchr(tab + 1, '\t') || end == tab + 1 || *end || idx < 0 || idx >= HA_CLASSES ||
            p->labels[idx]) {
            fveval_log(ctx, FVEVAL_LOG_ERROR, "%s:%d: not a 'name<TAB>index' line with a new index "
                       "below %d", path, lineno, HA_CLASSES);
            rc = -EINVAL;
            break;
        }
        *tab = '\0';
        lower_ascii(l);
        if (!(p->labels[idx] = strdup(l))) {
            rc = -ENOMEM;
            break;
        }
    }
    fclose(f);
    for (int i = 0; rc == 0 && i < HA_CLASSES; i++)
        if (!p->labels[i]) {
            fveval_log(ctx, FVEVAL_LOG_ERROR, "%s: no label for class %d", path, i);
            rc = -EINVAL;
        }
    return rc;
}

static int ha_setup(fveval_ctx *ctx)
{
    ha_priv *p = fveval_priv(ctx);
    char path[4096];
    if (vbv_data_path(p->labels_path, HA_LABELS, path, sizeof path) < 0) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "cannot read the label map '%s' (option labels)", path);
        return -ENOENT;
    }
    int r = load_labels(ctx, p, path);
    if (r < 0)
        return r;
    p->model = fveval_model_load(ctx, HA_MODEL);
    return p->model ? 0 : -ENOENT;
}

/*
 * Upstream's ground truth: basename.lower().split('-')[0].split("person is ")[-1]
 * .split('_')[0] ("A person is riding a bike-0.mp4" -> "riding a bike").
 */
static char *label_from_file_name(const char *path)
{
    const char *base = strrchr(path, '/');
    char *s = strdup(base ? base + 1 : path);
    if (!s)
        return NULL;
    lower_ascii(s);
    s[strcspn(s, "-")] = '\0';
    const char *from = s, *hit;
    while ((hit = strstr(from, "person is ")))
        from = hit + strlen("person is ");
    memmove(s, from, strlen(from) + 1);
    s[strcspn(s, "_")] = '\0';
    return s;
}

/* The 16 frames as the (16, 3, 224, 224) batch of mode=vbench: UMT's cv2 path on uint8. */
static int frames_vbench(const fveval_video *v, float *dst)
{
    int rw, rh, top, left;
    fvv_short_side_size(v->width, v->height, HA_SHORT, &rw, &rh);
    fvv_center_crop_offset(rh, rw, HA_CROP, HA_CROP, &top, &left);
    uint8_t *buf = malloc((size_t) rw * rh * 3);
    if (!buf)
        return -ENOMEM;
    int r = 0;
    for (int k = 0; k < HA_FRAMES && r == 0; k++) {
        const uint8_t *src = v->data + (size_t) k * v->frame_stride;
        r = fvv_cv2_resize_linear_u8(src, v->linesize, v->width, v->height, 3, buf,
                                     (ptrdiff_t) rw * 3, rw, rh);
        float *o = dst + (size_t) k * 3 * HA_CROP * HA_CROP;
        for (int c = 0; c < 3 && r == 0; c++)
            for (int y = 0; y < HA_CROP; y++)
                for (int x = 0; x < HA_CROP; x++)
                    o[((size_t) c * HA_CROP + y) * HA_CROP + x] =
                        (float) buf[((size_t) (top + y) * rw + left + x) * 3 + c] / 255.0f;
        if (r == 0)
            fvv_normalize(o, 3, HA_CROP, HA_CROP, fvv_imagenet_mean, fvv_imagenet_std);
    }
    free(buf);
    return r;
}

/* Python's round(x, 4): the correctly rounded 4-decimal value (printf rounds exactly). */
static double round4(double x)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.4f", x);
    return strtod(buf, NULL);
}

/* Appends "text" as a JSON string to buf (labels are plain ASCII; quotes escaped anyway). */
static void json_append_string(char *buf, size_t len, const char *text)
{
    size_t n = strlen(buf);
    if (n + 1 < len)
        buf[n++] = '"';
    for (; *text && n + 3 < len; text++) {
        if (*text == '"' || *text == '\\')
            buf[n++] = '\\';
        buf[n++] = *text;
    }
    if (n + 1 < len)
        buf[n++] = '"';
    buf[n] = '\0';
}

static int ha_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    ha_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (!v) {
        fveval_result_skip(ctx, res, "missing field 'video'");
        return -ENOTSUP;
    }
    char *truth;
    if (p->mode == VBV_MODE_FASTVIDEO) {
        const char *prompt = fveval_sample_string(ctx, s, "text_prompt");
        if (!prompt) {
            fveval_result_skip(ctx, res, "missing text_prompt (mode=fastvideo compares it with the "
                                         "predicted Kinetics-400 labels)");
            return -ENOTSUP;
        }
        truth = strdup(prompt);
        if (truth) {
            lower_ascii(truth);
            memmove(truth, trim(truth), strlen(trim(truth)) + 1);
        }
    } else {
        truth = label_from_file_name(v->path ? v->path : "");
    }
    if (!truth)
        return -ENOMEM;
    if (v->nb_frames != HA_FRAMES) {
        free(truth);
        fveval_result_skip(ctx, res,
                           "clip has %d frames; UMT takes %d and mode=fastvideo does not pad "
                           "(mode=vbench repeats the last frame)",
                           v->clip_frames, HA_FRAMES);
        return -ENOTSUP;
    }
    size_t per = (size_t) 3 * HA_CROP * HA_CROP;
    float *tchw = malloc(HA_FRAMES * per * sizeof(float));
    float *ctchw = malloc(HA_FRAMES * per * sizeof(float));
    int r = tchw && ctchw ? 0 : -ENOMEM;
    if (r == 0 && p->mode == VBV_MODE_FASTVIDEO) {
        fvv_transform tf = {.in_divisor = 255.0f, .resize_short = HA_SHORT, .interp = FVV_BILINEAR,
                            .antialias = true, .crop_h = HA_CROP, .crop_w = HA_CROP,
                            .mean = fvv_imagenet_mean, .std = fvv_imagenet_std};
        int frames[HA_FRAMES];
        for (int k = 0; k < HA_FRAMES; k++)
            frames[k] = k;
        r = fvv_transform_frames(v, frames, HA_FRAMES, &tf, tchw);
    } else if (r == 0) {
        r = frames_vbench(v, tchw);
    }
    /* (T, C, H, W) -> (C, T, H, W): the classifier's (1, 3, 16, 224, 224). */
    for (int t = 0; r == 0 && t < HA_FRAMES; t++)
        for (int c = 0; c < 3; c++)
            memcpy(ctchw + ((size_t) c * HA_FRAMES + t) * HA_CROP * HA_CROP,
                   tchw + ((size_t) t * 3 + c) * HA_CROP * HA_CROP, sizeof(float) * HA_CROP * HA_CROP);
    free(tchw);
    fveval_tensor *out = NULL;
    if (r == 0) {
        int64_t shape[5] = {1, 3, HA_FRAMES, HA_CROP, HA_CROP};
        fveval_arg arg = FVEVAL_ARG_TENSOR_OF(5, shape, ctchw);
        int n = fveval_model_run(ctx, p->model, "forward", &arg, 1, &out, 1);
        int64_t dims[4] = {0};
        int nd = n >= 1 ? fveval_tensor_shape(ctx, out, dims, 4) : 0;
        int64_t numel = 1;
        for (int i = 0; i < nd && i < 4; i++)
            numel *= dims[i];
        if (n < 1)
            fveval_result_error(ctx, res, "forward failed: %s", fveval_model_error(ctx));
        else if (numel != HA_CLASSES)
            fveval_result_error(ctx, res, "forward returned %lld values, not %d", (long long) numel,
                                HA_CLASSES);
        if (n < 1 || numel != HA_CLASSES)
            r = -EIO;
    }
    free(ctchw);
    if (r < 0) {
        if (out)
            fveval_tensor_free(ctx, out);
        free(truth);
        return r;
    }
    /* sigmoid in float32 as torch.sigmoid, then the top 5 (ties: lower index first). */
    const float *logits = fveval_tensor_data(ctx, out);
    float prob[HA_CLASSES];
    for (int i = 0; i < HA_CLASSES; i++)
        prob[i] = 1.0f / (1.0f + expf(-logits[i]));
    fveval_tensor_free(ctx, out);
    int top[HA_TOPK];
    double top_p[HA_TOPK], top_idx[HA_TOPK];
    bool taken[HA_CLASSES] = {false};
    for (int k = 0; k < HA_TOPK; k++) {
        int best = -1;
        for (int i = 0; i < HA_CLASSES; i++)
            if (!taken[i] && (best < 0 || prob[i] > prob[best]))
                best = i;
        taken[best] = true;
        top[k] = best;
        top_idx[k] = best;
        top_p[k] = p->mode == VBV_MODE_VBENCH ? round4(prob[best]) : (double) prob[best];
    }
    char preds[2048] = "[";
    double score = 0.0;
    for (int k = 0; k < HA_TOPK; k++) {
        if (!(top_p[k] >= HA_THRESHOLD))
            continue;
        if (preds[1])
            strcat(preds, ",");
        json_append_string(preds, sizeof preds - 1, p->labels[top[k]]);
        if (strcmp(p->labels[top[k]], truth) == 0)
            score = 1.0;
    }
    strcat(preds, "]");
    fveval_result_score(ctx, res, score);
    fveval_result_json(ctx, res, "predictions", preds);
    fveval_result_string(ctx, res, "ground_truth", truth);
    fveval_result_array(ctx, res, "top5_indices", top_idx, HA_TOPK);
    fveval_result_array(ctx, res, "top5_scores", top_p, HA_TOPK);
    double picked[HA_FRAMES];
    for (int k = 0; k < HA_FRAMES; k++)
        picked[k] = fveval_video_frame_index(v, k);
    fveval_result_array(ctx, res, "frames", picked, HA_FRAMES);
    free(truth);
    return 0;
}

static void ha_uninit(fveval_ctx *ctx)
{
    ha_priv *p = fveval_priv(ctx);
    if (p->model)
        fveval_model_free(ctx, p->model);
    for (int i = 0; i < HA_CLASSES; i++)
        free(p->labels[i]);
}

static const fveval_plugin ha_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.human_action",
    .summary = "human action: 1 when UMT's Kinetics-400 top 5 (p >= 0.85) holds the intended action",
    .description =
        "UMT ViT-L/16 Kinetics-400 classifier on 16 frames at 224; sigmoid, top 5, threshold "
        "0.85; score 1.0 when the ground-truth action is predicted, else 0.0. mode=vbench "
        "(default, upstream VBench): middle sampler, cv2 bilinear resize to short side 256, "
        "top-5 rounded to 4 decimals, ground truth from the file name ('A person is riding a "
        "bike-0.mp4' -> 'riding a bike'). mode=fastvideo: linspace sampler (shorter clips "
        "skipped), antialiased bilinear resize, ground truth = text_prompt. details: "
        "predictions, ground_truth, top5_indices, top5_scores, frames.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL |
             FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = ha_fields,
    .options = ha_options,
    .models = ha_models,
    .priv_size = sizeof(ha_priv),
    .setup = ha_setup,
    .compute = ha_compute,
    .uninit = ha_uninit,
    .frame_access = ha_access,
    .select_frames = ha_select,
};

FVEVAL_PLUGIN_DEFINE(ha_plugin)
