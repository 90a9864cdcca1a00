/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "passt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"

int passt_load(const fveval_audio *a, float **out, int64_t *n, char *err, size_t errlen)
{
    int ret = fva_librosa_load(a->data, a->nb_samples, a->channels, a->rate, PASST_RATE, out, n, err,
                               errlen);
    if (ret < 0)
        return ret;
    ret = fva_peak_normalize(*out, *n, -1.0);
    if (ret < 0) {
        snprintf(err, errlen, "silent audio: peak normalisation divides by zero");
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return ret;
}

/* Copies an output's data when it has @p want values. */
static int take(fveval_ctx *ctx, fveval_tensor *t, float *dst, int64_t want)
{
    int64_t shape[4];
    int nd = fveval_tensor_shape(ctx, t, shape, 4);
    int64_t count = 1;
    for (int i = 0; i < nd && i < 4; i++)
        count *= shape[i];
    if (nd < 1 || nd > 4 || count != want)
        return -EIO;
    if (dst)
        memcpy(dst, fveval_tensor_data(ctx, t), (size_t) want * sizeof(float));
    return 0;
}

int passt_forward(fveval_ctx *ctx, fveval_model *model, const float *x, int64_t n, float *logits,
                  float *features, char *err, size_t errlen)
{
    int64_t frames = fva_passt_mel_frames(n);
    float *mel = malloc((size_t) (frames > 0 ? frames : 1) * 128 * sizeof(float));
    if (!mel) {
        snprintf(err, errlen, "no memory for a mel spectrogram of %lld frames", (long long) frames);
        return -ENOMEM;
    }
    int ret = fva_passt_mel(x, n, mel, err, errlen);
    if (ret < 0) {
        free(mel);
        return ret;
    }
    const int64_t shape[4] = {1, 1, 128, frames};
    fveval_arg arg = FVEVAL_ARG_TENSOR_OF(4, shape, mel);
    fveval_tensor *outs[2] = {NULL, NULL};
    int got = fveval_model_run(ctx, model, "forward", &arg, 1, outs, 2);
    free(mel);
    if (got < 0) {
        snprintf(err, errlen, "PaSST failed: %s", fveval_model_error(ctx));
        return -EIO;
    }
    ret = 0;
    if (got != 2 || take(ctx, outs[0], logits, PASST_LOGITS) < 0 ||
        take(ctx, outs[1], features, PASST_FEATURES) < 0) {
        snprintf(err, errlen, "PaSST returned %d outputs, not (logits (1, %d), features (1, %d))",
                 got, PASST_LOGITS, PASST_FEATURES);
        ret = -EIO;
    }
    for (int i = 0; i < 2; i++)
        if (outs[i])
            fveval_tensor_free(ctx, outs[i]);
    return ret;
}
