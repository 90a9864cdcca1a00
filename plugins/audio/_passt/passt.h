/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PaSST (hear21passt, passt_s_swa_p16_128_ap476) as audio.frechet_distance and
 * audio.kl_divergence call it: librosa's load at 32 kHz with peak
 * normalisation, then AugmentMelSTFT in C (plugins/_audio) and the network
 * from the model file.
 *
 * Model-file contract (PASST_MODEL_FILE): TorchScript of hear21passt's
 * `get_basic_model(mode="all").net` (the network without its mel front-end),
 * forward(mel: float32 (1, 1, 128, T)) -> (logits (1, 527), features (1, 768)),
 * T <= 1000 (10 s at 32 kHz; shorter inputs cut the time positional
 * embedding as upstream does).  Export: tools/export/passt.py.
 */
#ifndef FVEVAL_PASST_H
#define FVEVAL_PASST_H

#include <stddef.h>
#include <stdint.h>

#include <fveval/plugin.h>

#define PASST_MODEL_FILE "passt_s_swa_p16_128_ap476.pt"
#define PASST_MODEL_SOURCE                                                                        \
    "https://github.com/kkoutini/PaSST/releases/download/v0.0.1-audioset/"                        \
    "passt-s-f128-p16-s10-ap.476-swa.pt"
#define PASST_MODEL_RECIPE "python3 tools/export/passt.py --out DIR/" PASST_MODEL_FILE
#define PASST_RATE 32000
#define PASST_WINDOW 320000 /* 10 s */
#define PASST_LOGITS 527
#define PASST_FEATURES 768
#define PASST_MIN_FRAMES 16 /* the patch embedding's kernel: fewer mel frames fail upstream */

/*
 * librosa.load(path, sr=32000, mono=True) then pyloudnorm peak(-1.0): channel
 * mean, soxr HQ to 32 kHz, peak normalisation.  *out malloc'd.  -EDOM: silent
 * (upstream's samples become NaN there, so its PaSST outputs are not finite);
 * -ENOMEM / -EINVAL with a message.
 */
int passt_load(const fveval_audio *a, float **out, int64_t *n, char *err, size_t errlen);

/*
 * One forward on x[0..n): mel in C, the network from @p model.  logits and
 * features (either may be NULL) receive the (1, 527) and (1, 768) outputs.
 * -EINVAL (too few samples for the STFT), -EIO (the model failed or returned
 * other shapes), -ENOMEM; err says which.
 */
int passt_forward(fveval_ctx *ctx, fveval_model *model, const float *x, int64_t n, float *logits,
                  float *features, char *err, size_t errlen);

#endif
