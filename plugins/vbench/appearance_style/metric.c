/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.appearance_style: how well every frame matches a style text under
 * CLIP ViT-B/32, as FastVideo's vbench.appearance_style (metrics-b.md §2):
 *     img_t = encode_image(CLIP transform of frame_t), L2-normalised
 *     txt   = encode_text(clip.tokenize([text], truncate=True)), L2-normalised
 *     score = mean_t img_t . txt;  details.per_frame = the cosines
 * The text: a sample's auxiliary_info "appearance_style" (VBench's own text,
 * e.g. "Van Gogh style", which upstream VBench scores against) wins over its
 * text_prompt (what FastVideo uses); option text_source picks one of them only.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <fveval/plugin.h>

#include "clip.h"
#include "frame_features.h"


enum { TEXT_AUTO, TEXT_PROMPT, TEXT_AUXILIARY };
static const char *const text_source_names[] = {"auto", "text_prompt", "auxiliary_info", NULL};

typedef struct {
    fvv_features feat; /* first: fvv_features_frame finds it there */
    int64_t chunk_size;
    int precision;
    int text_source;
    const char *vocab;
    clip_tokenizer *tok;
    char tok_error[600];
} style_priv;

static const fveval_option style_options[] = {
    {.name = "chunk_size", .help = "frames per forward pass (upstream: 64)", .type = FVEVAL_OPT_INT,
     .offset = offsetof(style_priv, chunk_size), .def.i64 = 64, .min = 1, .max = 4096},
    {.name = "precision", .help = FVC_PRECISION_HELP, .type = FVEVAL_OPT_ENUM,
     .offset = offsetof(style_priv, precision), .def.i64 = FVC_PRECISION_AUTO,
     .enum_names = fvc_precision_names},
    {.name = "text_source", .help = "auto: auxiliary_info's \"appearance_style\" when the sample has it "
                                    "(upstream VBench), else text_prompt (FastVideo); or only one of them",
     .type = FVEVAL_OPT_ENUM, .offset = offsetof(style_priv, text_source), .def.i64 = TEXT_AUTO,
     .enum_names = text_source_names},
    {.name = "vocab", .help = "CLIP's BPE merges file; empty: the copy installed with fveval, "
                              FVEVAL_CLIP_VOCAB,
     .type = FVEVAL_OPT_STRING, .offset = offsetof(style_priv, vocab), .def.str = NULL},
    {.name = NULL},
};

static const fveval_field style_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "clip to score (every frame is embedded)"},
    {.name = "text_prompt", .type = FVEVAL_FIELD_STRING, .help = "the style text (FastVideo)"},
    {.name = "auxiliary_info", .type = FVEVAL_FIELD_JSON,
     .help = "VBench's per-prompt info; its \"appearance_style\" string is the style text"},
    {.name = NULL},
};

static const fveval_model_file style_models[] = {
    FVC_CLIP_B32_MODEL_FILE,
    {.name = NULL},
};

/*
 * A vocabulary that cannot be read is not a setup failure: `fveval models` and `info`
 * work without it, and each sample's error then names the file and the option.
 */
static int style_setup(fveval_ctx *ctx)
{
    style_priv *p = fveval_priv(ctx);
    char why[512];
    const char *vocab = p->vocab && *p->vocab ? p->vocab : fvc_default_vocab();
    p->tok = clip_tokenizer_load(vocab, why, sizeof(why));
    if (!p->tok) {
        snprintf(p->tok_error, sizeof(p->tok_error), "CLIP vocabulary (option vocab): %s", why);
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s", p->tok_error);
    }
    p->feat.model = fvc_load(ctx, FVC_CLIP_B32_FILE, p->precision, why, sizeof(why));
    if (!p->feat.model) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s", why);
        return -ENOENT;
    }
    p->feat.method = "encode_image";
    p->feat.chunk = (int) p->chunk_size;
    fvc_image_transform(&p->feat.tf);
    return 0;
}

/* The "appearance_style" string of an auxiliary_info object (malloc'ed), or NULL. */
static char *aux_style(const char *json)
{
    if (!json)
        return NULL;
    json_t *root = json_loads(json, JSON_DECODE_ANY, NULL);
    json_t *v = json_is_object(root) ? json_object_get(root, "appearance_style") : NULL;
    char *s = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
    json_decref(root);
    return s;
}

/* The text to score against and where it came from, per text_source; NULL: none. */
static char *style_text(fveval_ctx *ctx, const style_priv *p, const fveval_sample *s, const char **from)
{
    char *t = NULL;
    if (p->text_source != TEXT_PROMPT && (t = aux_style(fveval_sample_json(ctx, s, "auxiliary_info")))) {
        *from = "auxiliary_info";
        return t;
    }
    const char *prompt = p->text_source != TEXT_AUXILIARY ? fveval_sample_string(ctx, s, "text_prompt") : NULL;
    *from = "text_prompt";
    return prompt ? strdup(prompt) : NULL;
}

static void skip_no_text(fveval_ctx *ctx, const style_priv *p, fveval_result *res)
{
    fveval_result_skip(ctx, res, p->text_source == TEXT_AUXILIARY
                                     ? "missing auxiliary_info appearance_style"
                                     : p->text_source == TEXT_PROMPT
                                           ? "missing text_prompt"
                                           : "missing text_prompt (and no auxiliary_info appearance_style)");
}

/* A sample without a text is skipped at its first frame, before any frame is embedded. */
static int style_frame(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                       const fveval_video *window, fveval_result *res)
{
    style_priv *p = fveval_priv(ctx);
    if (fveval_video_frame_index(window, window->nb_frames - 1) == 0) {
        if (!p->tok) {
            fveval_result_error(ctx, res, "%s", p->tok_error);
            return -ENOENT;
        }
        const char *from;
        char *text = style_text(ctx, p, s, &from);
        if (!text) {
            skip_no_text(ctx, p, res);
            return -ENOTSUP;
        }
        free(text);
    }
    return fvv_features_frame(ctx, s, field, window, res);
}

/* Mean over frames of cos(image_t, text), both L2-normalised rows. */
static int style_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    style_priv *p = fveval_priv(ctx);
    const char *from;
    char *text = style_text(ctx, p, s, &from);
    if (!text) {
        skip_no_text(ctx, p, res);
        return -ENOTSUP;
    }
    if (!p->tok) {
        fveval_result_error(ctx, res, "%s", p->tok_error);
        free(text);
        return -ENOENT;
    }
    int r = fvv_features_finish(ctx, &p->feat, fveval_sample_video(ctx, s, "video"), res);
    float *txt = NULL;
    char why[512];
    size_t dim = p->feat.dim;
    if (r == 0 && (r = fvc_encode_text(ctx, p->feat.model, p->tok, text, &dim, &txt, why, sizeof(why))) < 0)
        fveval_result_error(ctx, res, "%s", why);
    double *per_frame = r == 0 ? malloc(p->feat.nrows * sizeof(double)) : NULL;
    if (r == 0 && !per_frame)
        r = -ENOMEM;
    if (r == 0) {
        size_t n = p->feat.nrows;
        fvv_l2_normalize_rows(p->feat.rows, n, dim);
        fvv_l2_normalize_rows(txt, 1, dim);
        double sum = 0;
        for (size_t t = 0; t < n; t++) {
            float dot = 0; /* float32, as the torch matmul of two unit vectors */
            for (size_t d = 0; d < dim; d++)
                dot += p->feat.rows[t * dim + d] * txt[d];
            per_frame[t] = dot;
            sum += dot;
        }
        fveval_result_score(ctx, res, sum / (double) n);
        fveval_result_array(ctx, res, "per_frame", per_frame, n);
        fveval_result_string(ctx, res, "text", text);
        fveval_result_string(ctx, res, "text_source", from);
    }
    free(per_frame);
    free(txt);
    free(text);
    return r;
}

static void style_uninit(fveval_ctx *ctx)
{
    style_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->feat.model);
    fvv_features_free(&p->feat);
    clip_tokenizer_free(p->tok);
}

static const fveval_plugin style_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.appearance_style",
    .summary = "appearance style: mean CLIP ViT-B/32 cosine between every frame and the style text",
    .description =
        "Every frame: [0,1] RGB resized (short side 224, bicubic, no antialias), center crop 224, "
        "CLIP normalisation, CLIP ViT-B/32 encode_image; the text: clip.tokenize(truncate=True), "
        "encode_text; both L2-normalised. score = mean over frames of the cosine; details.per_frame "
        "lists them, details.text and details.text_source say which text was used. The text is the "
        "sample's auxiliary_info \"appearance_style\" when present (upstream VBench), else its "
        "text_prompt (FastVideo); a sample with neither is skipped (missing text_prompt).",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = style_fields,
    .options = style_options,
    .models = style_models,
    .priv_size = sizeof(style_priv),
    .setup = style_setup,
    .compute = style_compute,
    .uninit = style_uninit,
    .frame_access = fvv_stream_video,
    .frame = style_frame,
};

FVEVAL_PLUGIN_DEFINE(style_plugin)
