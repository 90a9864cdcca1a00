/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audio.clap_score: cosine similarity of the CLAP (laion/clap-htsat-fused)
 * embeddings of a sample's audio and its text prompt (FastVideo
 * fastvideo/eval/metrics/audio/clap_score).  The audio front-end
 * (librosa load at 48 kHz, peak normalisation, ClapFeatureExtractor) is
 * plugins/_audio, the RoBERTa tokenizer plugins/_text; the two encoders with
 * their projections come from the model file (tools/export/clap.py).
 * See README.md.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "audio.h"
#include "roberta_tokenizer.h"

#define CLAP_RATE 48000
#define CLAP_MODEL_FILE "clap_htsat_fused.pt"
#define CLAP_VOCAB_FILE "clap_htsat_fused.vocab.json"
#define CLAP_MERGES_FILE "clap_htsat_fused.merges.txt"
#define CLAP_CHECKPOINT "https://huggingface.co/laion/clap-htsat-fused"
#define CLAP_EPS 1e-8 /* F.cosine_similarity(..., eps=1e-8) */

typedef struct {
    int truncate;
    fveval_model *model;
    roberta_tokenizer *tok;
    char setup_error[512];
} clap_priv;

static const fveval_option clap_options[] = {
    {.name = "truncate",
     .help = "cut prompts of more than 512 tokens to 512 (truncation=True); off: such a prompt is "
             "skipped, as upstream's text encoder fails on it",
     .type = FVEVAL_OPT_BOOL, .offset = offsetof(clap_priv, truncate), .def.i64 = 0},
    {.name = NULL},
};

static const fveval_field clap_fields[] = {
    {.name = "audio", .type = FVEVAL_FIELD_AUDIO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "generated audio (a path, else the video's own track), at its own rate; mixed to "
             "mono and resampled to 48 kHz as librosa.load does"},
    {.name = "text_prompt", .type = FVEVAL_FIELD_STRING,
     .help = "the text the audio should match (required: a sample without it is skipped)"},
    {.name = NULL},
};

static const fveval_model_file clap_models[] = {
    {.name = CLAP_MODEL_FILE, .source = CLAP_CHECKPOINT " (ClapModel, pytorch_model.bin)",
     .recipe = "python3 tools/export/clap.py --out MODEL_DIR"},
    {.name = CLAP_VOCAB_FILE, .source = CLAP_CHECKPOINT "/blob/main/vocab.json",
     .recipe = "written by tools/export/clap.py (a copy of the checkpoint's vocab.json)"},
    {.name = CLAP_MERGES_FILE, .source = CLAP_CHECKPOINT "/blob/main/merges.txt",
     .recipe = "written by tools/export/clap.py (a copy of the checkpoint's merges.txt)"},
    {.name = NULL},
};

static int clap_setup(fveval_ctx *ctx)
{
    clap_priv *p = fveval_priv(ctx);
    p->model = fveval_model_load(ctx, CLAP_MODEL_FILE);
    if (!p->model)
        return -ENOENT; /* the core reports fveval_model_error() */
    const char *vocab = fveval_model_path(ctx, CLAP_VOCAB_FILE);
    const char *merges = fveval_model_path(ctx, CLAP_MERGES_FILE);
    /* The core reports a failed setup by its errno text alone: keep the reason for compute. */
    if (!vocab || !merges) {
        snprintf(p->setup_error, sizeof(p->setup_error), "the tokenizer files %s and %s are missing",
                 CLAP_VOCAB_FILE, CLAP_MERGES_FILE);
        return 0;
    }
    char err[400] = "";
    p->tok = roberta_tokenizer_load(vocab, merges, err, sizeof(err));
    if (!p->tok)
        snprintf(p->setup_error, sizeof(p->setup_error), "%s", err);
    return 0;
}

static void clap_uninit(fveval_ctx *ctx)
{
    clap_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->model);
    roberta_tokenizer_free(p->tok);
    p->model = NULL;
    p->tok = NULL;
}

/* Runs @p method and returns its (1, D) output as a malloc'd float array of *dim values;
 * NULL with err set when it fails or returns something else. */
static float *embedding(fveval_ctx *ctx, fveval_model *model, const char *method, const fveval_arg *args,
                        size_t n_args, int64_t *dim, char *err, size_t errlen)
{
    fveval_tensor *out = NULL;
    int got = fveval_model_run(ctx, model, method, args, n_args, &out, 1);
    if (got < 0) {
        snprintf(err, errlen, "%s failed: %s", method, fveval_model_error(ctx));
        return NULL;
    }
    int64_t shape[3] = {0, 0, 0};
    int nd = got == 1 ? fveval_tensor_shape(ctx, out, shape, 3) : 0;
    float *v = NULL;
    if (nd != 2 || shape[0] != 1 || shape[1] < 1) {
        snprintf(err, errlen, "%s returned %d outputs, not one (1, D) embedding", method, got);
    } else if ((v = malloc((size_t) shape[1] * sizeof(*v)))) {
        memcpy(v, fveval_tensor_data(ctx, out), (size_t) shape[1] * sizeof(*v));
        *dim = shape[1];
    } else {
        snprintf(err, errlen, "no memory for an embedding");
    }
    fveval_tensor_free(ctx, out);
    return v;
}

/* torch's F.cosine_similarity(a, b, dim=1, eps): each vector divided by max(|x|, eps),
 * then the dot product (in double here; upstream in float32). */
static double cosine(const float *a, const float *b, int64_t n)
{
    double aa = 0, bb = 0, ab = 0;
    for (int64_t i = 0; i < n; i++) {
        aa += (double) a[i] * a[i];
        bb += (double) b[i] * b[i];
        ab += (double) a[i] * b[i];
    }
    return ab / (fmax(sqrt(aa), CLAP_EPS) * fmax(sqrt(bb), CLAP_EPS));
}

static int clap_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    clap_priv *p = fveval_priv(ctx);
    if (p->setup_error[0]) {
        fveval_result_error(ctx, res, "%s", p->setup_error);
        return -EINVAL;
    }
    const fveval_audio *a = fveval_sample_audio(ctx, s, "audio");
    const char *text = fveval_sample_string(ctx, s, "text_prompt");
    if (!a || !text) { /* upstream names whichever is missing */
        fveval_result_skip(ctx, res, "missing %s", !a && !text ? "'audio', 'text_prompt'"
                                                   : !a        ? "'audio'"
                                                               : "'text_prompt'");
        return -ENOTSUP;
    }
    char err[512] = "";
    int64_t *ids = NULL;
    size_t n_ids = 0;
    int ret = roberta_tokenize(p->tok, text, ROBERTA_MAX_LENGTH, p->truncate, &ids, &n_ids, err, sizeof(err));
    if (ret == -E2BIG || ret == -EILSEQ) {
        fveval_result_skip(ctx, res, "text_prompt: %s", err);
        return -ENOTSUP;
    }
    if (ret < 0) {
        fveval_result_error(ctx, res, "text_prompt: %s", err);
        return ret;
    }
    float *x = NULL, *features = NULL, *audio_emb = NULL, *text_emb = NULL;
    int64_t *mask = NULL, n = 0, audio_dim = 0, text_dim = 0;
    /* librosa.load(path, sr=48000, mono=True), then pyloudnorm's peak(-1.0) */
    ret = fva_librosa_load(a->data, a->nb_samples, a->channels, a->rate, CLAP_RATE, &x, &n, err,
                           sizeof(err));
    if (ret < 0) {
        fveval_result_error(ctx, res, "audio: %s", err);
        goto done;
    }
    if (n == 0) {
        fveval_result_skip(ctx, res, "audio too short: no samples");
        ret = -ENOTSUP;
        goto done;
    }
    if (fva_peak_normalize(x, n, -1.0) < 0) {
        /* upstream divides by a zero peak: NaN features, a NaN embedding and score */
        fveval_result_skip(ctx, res, "silent audio: peak normalisation divides by zero");
        ret = -ENOTSUP;
        goto done;
    }
    features = malloc(sizeof(float) * 4 * FVA_CLAP_FRAMES * FVA_CLAP_MELS);
    mask = malloc(n_ids * sizeof(*mask));
    if (!features || !mask) {
        ret = -ENOMEM;
        goto done;
    }
    bool longer = false;
    ret = fva_clap_features(x, n, features, &longer, err, sizeof(err));
    if (ret < 0) {
        fveval_result_error(ctx, res, "audio features: %s", err);
        goto done;
    }
    const int64_t feat_shape[4] = {1, 4, FVA_CLAP_FRAMES, FVA_CLAP_MELS};
    const int64_t flag_shape[2] = {1, 1};
    const int64_t is_longer = longer;
    fveval_arg audio_args[2] = {FVEVAL_ARG_TENSOR_OF(4, feat_shape, features),
                                FVEVAL_ARG_TENSOR_I64_OF(2, flag_shape, &is_longer)};
    audio_emb = embedding(ctx, p->model, "get_audio_features", audio_args, 2, &audio_dim, err, sizeof(err));
    for (size_t i = 0; i < n_ids; i++)
        mask[i] = 1; /* one text: no padding */
    const int64_t text_shape[2] = {1, (int64_t) n_ids};
    fveval_arg text_args[2] = {FVEVAL_ARG_TENSOR_I64_OF(2, text_shape, ids),
                               FVEVAL_ARG_TENSOR_I64_OF(2, text_shape, mask)};
    if (audio_emb)
        text_emb = embedding(ctx, p->model, "get_text_features", text_args, 2, &text_dim, err, sizeof(err));
    if (!audio_emb || !text_emb) {
        fveval_result_error(ctx, res, "%s", err);
        ret = -EIO;
        goto done;
    }
    if (audio_dim != text_dim) {
        fveval_result_error(ctx, res, "the audio embedding has %lld values, the text embedding %lld",
                            (long long) audio_dim, (long long) text_dim);
        ret = -EIO;
        goto done;
    }
    double score = cosine(audio_emb, text_emb, audio_dim);
    if (!isfinite(score)) {
        fveval_result_skip(ctx, res, "non-finite CLAP embedding (corrupt audio?)");
        ret = -ENOTSUP;
        goto done;
    }
    fveval_result_score(ctx, res, score);
    fveval_result_int(ctx, res, "text_tokens", (int64_t) n_ids);
    fveval_result_number(ctx, res, "audio_seconds", (double) n / CLAP_RATE);
    ret = 0;
done:
    free(ids);
    free(mask);
    free(x);
    free(features);
    free(audio_emb);
    free(text_emb);
    return ret;
}

static const fveval_plugin clap_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "audio.clap_score",
    .summary = "cosine similarity of CLAP (laion/clap-htsat-fused) audio and text embeddings",
    .description =
        "Audio: channel mean, soxr HQ to 48 kHz (librosa), peak normalisation to -1 dBFS, "
        "ClapFeatureExtractor (repeat-pad to 10 s, 64 HTK mel bins in dB, the fusion stack; "
        "longer clips: fixed middle crops). Text: RoBERTa byte-level BPE, <s> ... </s>. "
        "Score: cosine similarity of the projected embeddings, in [-1, 1]. Silent audio and "
        "samples without text_prompt are skipped.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = clap_fields,
    .options = clap_options,
    .models = clap_models,
    .priv_size = sizeof(clap_priv),
    .setup = clap_setup,
    .compute = clap_compute,
    .uninit = clap_uninit,
};

FVEVAL_PLUGIN_DEFINE(clap_plugin)
