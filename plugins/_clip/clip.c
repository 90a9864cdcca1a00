/* SPDX-License-Identifier: Apache-2.0 */
/* CLIP around the network: transform, precision, text side.  See clip.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clip.h"
#include "frame_features.h"

const char *const fvc_precision_names[] = {"auto", "fp32", "fp16", NULL};

void fvc_image_transform(fvv_transform *tf)
{
    *tf = (fvv_transform){.in_divisor = 255.0f, .resize_short = 224, .interp = FVV_BICUBIC,
                          .antialias = false, .crop_h = 224, .crop_w = 224,
                          .mean = fvv_clip_mean, .std = fvv_clip_std};
}

int fvc_precision(fveval_ctx *ctx, int option)
{
    if (option == FVC_PRECISION_FP16)
        return FVEVAL_PRECISION_FP16;
    if (option == FVC_PRECISION_FP32)
        return FVEVAL_PRECISION_FP32;
    /* clip.load calls model.float() only when str(device) == "cpu". */
    const char *dev = fveval_device(ctx);
    return dev && strncmp(dev, "cuda", 4) == 0 ? FVEVAL_PRECISION_FP16 : FVEVAL_PRECISION_FP32;
}

fveval_model *fvc_load(fveval_ctx *ctx, const char *name, int precision_option, char *why,
                       size_t whylen)
{
    int prec = fvc_precision(ctx, precision_option);
    fveval_model *m = fveval_model_load_precision(ctx, name, prec);
    if (!m)
        snprintf(why, whylen, "%s", prec == FVEVAL_PRECISION_FP16 && !fveval_model_error(ctx)
                                        ? "this fveval cannot load models in fp16"
                                        : fveval_model_error(ctx));
    return m;
}

const char *fvc_default_vocab(void) { return FVEVAL_CLIP_VOCAB; }

int fvc_encode_text(fveval_ctx *ctx, fveval_model *model, clip_tokenizer *tok, const char *text,
                    size_t *dim, float **out, char *why, size_t whylen)
{
    int64_t ids[CLIP_CONTEXT_LENGTH];
    char err[256];
    *out = NULL;
    if (clip_tokenize(tok, text, CLIP_CONTEXT_LENGTH, 1, ids, err, sizeof(err)) < 0) {
        snprintf(why, whylen, "cannot tokenize the text: %s", err);
        return -EINVAL;
    }
    int64_t shape[2] = {1, CLIP_CONTEXT_LENGTH};
    fveval_arg arg = FVEVAL_ARG_TENSOR_I64_OF(2, shape, ids);
    return fvv_model_rows(ctx, model, "encode_text", &arg, 1, 1, dim, out, why, whylen);
}
