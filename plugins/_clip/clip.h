/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What VBench's CLIP metrics (background_consistency, aesthetic_quality,
 * appearance_style) do around OpenAI CLIP: the image transform, the choice of
 * precision clip.load makes, and the text side (tokenize, encode_text).
 */
#ifndef FVEVAL_CLIP_H
#define FVEVAL_CLIP_H

#include <stddef.h>

#include <fveval/plugin.h>

#include "clip_tokenizer.h"
#include "vision.h"

/*
 * FastVideo's CLIP transform on the [0, 1] frame tensor (metrics-b.md §1):
 * resize the short side to 224, bicubic, antialias=False; center crop 224;
 * CLIP normalisation.
 */
void fvc_image_transform(fvv_transform *tf);

/* The `precision` option: auto (clip.load's choice: fp16 on CUDA, fp32 on the cpu), fp32, fp16. */
enum { FVC_PRECISION_AUTO, FVC_PRECISION_FP32, FVC_PRECISION_FP16 };
extern const char *const fvc_precision_names[];
/* OpenAI CLIP ViT-B/32 as tools/export/clip.py writes it, and its model-file entry
 * (vbench.background_consistency and vbench.appearance_style declare the same file). */
#define FVC_CLIP_B32_FILE "clip_vit_b32.pt"
#define FVC_CLIP_B32_MODEL_FILE                                                                    \
    {.name = FVC_CLIP_B32_FILE,                                                                     \
     .source = "OpenAI CLIP ViT-B/32 (clip.load(\"ViT-B/32\"): https://openaipublic.azureedge.net/"  \
               "clip/models/40d3657159146b8fcb3ed0dc4f4d87a9ba12cb9ea2a7e3ac4e30ca8efc9be25d/"     \
               "ViT-B-32.pt)",                                                                     \
     .recipe = "python3 tools/export/clip.py ViT-B/32 " FVC_CLIP_B32_FILE                          \
               "  (encode_image and encode_text, fp32; needs the `clip` package)"}

#define FVC_PRECISION_HELP                                                                       \
    "auto: as clip.load (fp16 on a cuda device, fp32 on the cpu); fp32; fp16 (cuda only: "      \
    "libtorch's cpu kernels have no half matmul/convolution)"

/* FVEVAL_PRECISION_FP16 or _FP32 for the option value on this run's device. */
int fvc_precision(fveval_ctx *ctx, int option);

/* Loads model file @p name at the option's precision; NULL with the reason in why. */
fveval_model *fvc_load(fveval_ctx *ctx, const char *name, int precision_option, char *why,
                       size_t whylen);

/* The merges file installed with fveval (plugins/_text/data). */
const char *fvc_default_vocab(void);

/*
 * clip.tokenize([text], truncate=True) then encode_text: the text's embedding
 * (dim floats, not normalised) into a malloc'ed *out; *dim 0 = any width.
 * Negative errno with the reason in why.
 */
int fvc_encode_text(fveval_ctx *ctx, fveval_model *model, clip_tokenizer *tok, const char *text,
                    size_t *dim, float **out, char *why, size_t whylen);

#endif
