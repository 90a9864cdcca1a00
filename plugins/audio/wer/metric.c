/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audio.wer: transcribe the sample's audio with Whisper and score the word
 * error rate against the reference text (FastVideo's audio/wer/metric.py,
 * Whisper backend).  The network is TorchScript (tools/export/whisper.py);
 * the processor's log-mel, greedy decoding, detokenisation, normalisation
 * and WER are C (whisper.c, wer_text.c).  See README.md.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "audio.h"
#include "wer_text.h"
#include "whisper.h"

enum { LONG_FIRST_30S, LONG_CHUNK };
static const char *const long_form_names[] = {"first30s", "chunk", NULL};

/* Checkpoint sizes with an export; file set i is whisper-<name>.* */
static const char *const model_names[] = {"tiny", "base", "small", "medium", "large-v2", NULL};
enum { MODEL_BASE = 1 };

typedef struct {
    int model;
    char *language;
    int use_language_hint;
    int long_form;
    int64_t max_new_tokens;
    int cleanup_spaces;
    fveval_model *net;
    whisper_vocab *vocab;
    fveval_ctx *ctx;      /* for the net callbacks */
    float *logits;        /* the last step's logits */
    size_t logits_cap;
    char setup_error[512];
} wer_priv;

static const fveval_option wer_options[] = {
    {.name = "model", .help = "Whisper checkpoint whose export is used (openai/whisper-<model>)",
     .type = FVEVAL_OPT_ENUM, .offset = offsetof(wer_priv, model), .def.i64 = MODEL_BASE,
     .enum_names = model_names},
    {.name = "language", .help = "Whisper language code forced for every sample (e.g. en); empty: "
                                 "detect it, as upstream",
     .type = FVEVAL_OPT_STRING, .offset = offsetof(wer_priv, language), .def.str = NULL},
    {.name = "use_language_hint", .help = "force Whisper's language from the sample's language field "
                                          "when it is a Whisper code (upstream uses the hint only to "
                                          "choose character-level WER)",
     .type = FVEVAL_OPT_BOOL, .offset = offsetof(wer_priv, use_language_hint), .def.i64 = 0},
    {.name = "long_form", .help = "first30s: transcribe the first 30 s only (upstream); chunk: "
                                  "transcribe every 30 s window and join the texts",
     .type = FVEVAL_OPT_ENUM, .offset = offsetof(wer_priv, long_form), .def.i64 = LONG_FIRST_30S,
     .enum_names = long_form_names},
    {.name = "max_new_tokens", .help = "tokens generated per 30 s window at most (generate()'s "
                                       "max_new_tokens, 1..440)",
     .type = FVEVAL_OPT_INT, .offset = offsetof(wer_priv, max_new_tokens), .def.i64 = 256,
     .min = 1, .max = 440},
    {.name = "cleanup_spaces", .help = "clean_up_tokenization_spaces of the tokenizer (true in "
                                       "openai/whisper-*'s tokenizer_config.json)",
     .type = FVEVAL_OPT_BOOL, .offset = offsetof(wer_priv, cleanup_spaces), .def.i64 = 1},
    {.name = NULL},
};

static const fveval_field wer_fields[] = {
    {.name = "audio", .type = FVEVAL_FIELD_AUDIO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "speech to transcribe: an audio file, or the video's own track (native rate; mixed "
             "to mono and resampled to 16 kHz as librosa.load does)"},
    {.name = "reference_text", .type = FVEVAL_FIELD_STRING, .help = "what the speech should say"},
    {.name = "text_prompt", .type = FVEVAL_FIELD_STRING, .help = "used when reference_text is absent"},
    {.name = "language", .type = FVEVAL_FIELD_STRING,
     .help = "language hint: zh/ja/ko/... score characters, en/de/fr/... words"},
    {.name = NULL},
};

#define WHISPER_FILES(size)                                                                        \
    {.name = "whisper-" size ".pt",                                                                \
     .source = "https://huggingface.co/openai/whisper-" size " (WhisperForConditionalGeneration)", \
     .recipe = "python3 tools/export/whisper.py --model openai/whisper-" size " --out MODEL_DIR"},  \
    {.name = "whisper-" size ".vocab.json",                                                        \
     .source = "https://huggingface.co/openai/whisper-" size "/blob/main/vocab.json",              \
     .recipe = "written by tools/export/whisper.py (a copy of the checkpoint's vocab.json)"},      \
    {.name = "whisper-" size ".added_tokens.json",                                                 \
     .source = "https://huggingface.co/openai/whisper-" size "/blob/main/added_tokens.json",       \
     .recipe = "written by tools/export/whisper.py (a copy of the checkpoint's file)"},            \
    {.name = "whisper-" size ".generation_config.json",                                            \
     .source = "https://huggingface.co/openai/whisper-" size "/blob/main/generation_config.json",  \
     .recipe = "written by tools/export/whisper.py (a copy of the checkpoint's file)"}

static const fveval_model_file wer_models[] = {
    WHISPER_FILES("tiny"), WHISPER_FILES("base"), WHISPER_FILES("small"),
    WHISPER_FILES("medium"), WHISPER_FILES("large-v2"), {.name = NULL},
};

static int wer_model_needed(fveval_ctx *ctx, const char *name)
{
    const wer_priv *p = fveval_priv(ctx);
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "whisper-%s.", model_names[p->model]);
    return strncmp(name, prefix, strlen(prefix)) == 0;
}

static const char *model_file(fveval_ctx *ctx, const char *suffix, char *buf, size_t len)
{
    const wer_priv *p = fveval_priv(ctx);
    snprintf(buf, len, "whisper-%s.%s", model_names[p->model], suffix);
    return buf;
}

static int wer_setup(fveval_ctx *ctx)
{
    wer_priv *p = fveval_priv(ctx);
    char name[96], err[512] = "";
    p->ctx = ctx;
    p->net = fveval_model_load(ctx, model_file(ctx, "pt", name, sizeof(name)));
    if (!p->net)
        return -ENOENT; /* the core reports fveval_model_error() */
    char v[96], a[96], g[96];
    const char *vp = fveval_model_path(ctx, model_file(ctx, "vocab.json", v, sizeof(v)));
    const char *ap = fveval_model_path(ctx, model_file(ctx, "added_tokens.json", a, sizeof(a)));
    const char *gp = fveval_model_path(ctx, model_file(ctx, "generation_config.json", g, sizeof(g)));
    /* Reasons other than the model's are kept for compute: the core reports a failed
     * setup by errno text alone. */
    if (!vp || !ap || !gp) {
        snprintf(p->setup_error, sizeof(p->setup_error), "the tokenizer files of whisper-%s are missing",
                 model_names[p->model]);
        return 0;
    }
    p->vocab = whisper_vocab_load(vp, ap, gp, err, sizeof(err));
    if (!p->vocab) {
        snprintf(p->setup_error, sizeof(p->setup_error), "%s", err);
        return 0;
    }
    if (p->language && *p->language && whisper_language_id(p->vocab, p->language) < 0)
        snprintf(p->setup_error, sizeof(p->setup_error),
                 "option language: '%s' is not one of the model's language codes", p->language);
    return 0;
}

/* ---- the network through the model services ----------------------------------------- */

static int net_begin(void *opaque, const float *features, char *err, size_t errlen)
{
    wer_priv *p = opaque;
    int64_t shape[3] = {1, WHISPER_N_MELS, WHISPER_N_FRAMES};
    fveval_arg args[] = {FVEVAL_ARG_TENSOR_OF(3, shape, features)};
    fveval_tensor *out = NULL;
    int n = fveval_model_run(p->ctx, p->net, "begin", args, 1, &out, 1);
    fveval_tensor_free(p->ctx, out);
    if (n < 0)
        snprintf(err, errlen, "%s", fveval_model_error(p->ctx));
    return n < 0 ? n : 0;
}

static int net_step(void *opaque, const int64_t *ids, size_t n_ids, float **logits, size_t *n_logits,
                    char *err, size_t errlen)
{
    wer_priv *p = opaque;
    int64_t shape[2] = {1, (int64_t) n_ids};
    fveval_arg args[] = {FVEVAL_ARG_TENSOR_I64_OF(2, shape, ids)};
    fveval_tensor *out = NULL;
    int n = fveval_model_run(p->ctx, p->net, "step", args, 1, &out, 1);
    if (n < 0) {
        snprintf(err, errlen, "%s", fveval_model_error(p->ctx));
        return n;
    }
    int64_t dims[3] = {0, 0, 0};
    int nd = fveval_tensor_shape(p->ctx, out, dims, 3);
    size_t vs = nd >= 1 ? (size_t) dims[nd - 1] : 0;
    if (n < 1 || nd < 1 || nd > 2 || (nd == 2 && dims[0] != 1) || vs == 0) {
        fveval_tensor_free(p->ctx, out);
        snprintf(err, errlen, "step() must return the logits of one position, (1, vocab) or (vocab)");
        return -EINVAL;
    }
    if (vs > p->logits_cap) {
        float *l = realloc(p->logits, vs * sizeof(*l));
        if (!l) {
            fveval_tensor_free(p->ctx, out);
            return -ENOMEM;
        }
        p->logits = l;
        p->logits_cap = vs;
    }
    memcpy(p->logits, fveval_tensor_data(p->ctx, out), vs * sizeof(float));
    fveval_tensor_free(p->ctx, out);
    *logits = p->logits;
    *n_logits = vs;
    return 0;
}

/* ---- compute ------------------------------------------------------------------------ */

static char *append_text(char *all, const char *more)
{
    if (!*more)
        return all;
    size_t la = all ? strlen(all) : 0;
    char *r = realloc(all, la + strlen(more) + 2);
    if (!r)
        return all;
    if (la)
        r[la++] = ' ';
    strcpy(r + la, more);
    return r;
}

static int wer_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *r)
{
    wer_priv *p = fveval_priv(ctx);
    if (p->setup_error[0]) {
        fveval_result_error(ctx, r, "%s", p->setup_error);
        return -EINVAL;
    }
    const char *reference = fveval_sample_string(ctx, s, "reference_text");
    if (!reference)
        reference = fveval_sample_string(ctx, s, "text_prompt");
    if (!reference) {
        fveval_result_skip(ctx, r, "missing reference_text/text_prompt");
        return -ENOTSUP;
    }
    const fveval_audio *a = fveval_sample_audio(ctx, s, "audio");
    if (!a || a->rate <= 0 || a->channels <= 0) {
        fveval_result_skip(ctx, r, "missing 'audio'");
        return -ENOTSUP;
    }
    const char *hint = fveval_sample_string(ctx, s, "language");
    int64_t language_id = -1;
    if (p->language && *p->language)
        language_id = whisper_language_id(p->vocab, p->language);
    else if (p->use_language_hint && hint)
        language_id = whisper_language_id(p->vocab, hint);

    char err[512] = "";
    int64_t n = 0;
    float *pcm = NULL; /* librosa.load(path, sr=16000, mono=True) */
    fva_librosa_load(a->data, a->nb_samples, a->channels, a->rate, WHISPER_RATE, &pcm, &n, err,
                     sizeof(err));
    float *features = malloc(sizeof(float) * WHISPER_N_MELS * WHISPER_N_FRAMES);
    char *asr = NULL;
    int rc = -ENOMEM;
    int64_t windows = p->long_form == LONG_CHUNK && n > WHISPER_N_SAMPLES
                          ? (n + WHISPER_N_SAMPLES - 1) / WHISPER_N_SAMPLES
                          : 1;
    int64_t tokens = 0;
    const char *detected = NULL;
    whisper_net net = {p, net_begin, net_step};
    if (!pcm || !features) {
        if (err[0])
            fveval_result_error(ctx, r, "cannot resample the audio: %s", err);
        goto done;
    }
    for (int64_t w = 0; w < windows; w++) {
        int64_t off = w * WHISPER_N_SAMPLES;
        if (whisper_log_mel(pcm + off, n - off, features) < 0)
            goto done;
        whisper_transcript t;
        rc = whisper_transcribe(p->vocab, &net, features, language_id, (int) p->max_new_tokens, &t,
                                err, sizeof(err));
        if (rc < 0) {
            fveval_result_error(ctx, r, "whisper: %s", err[0] ? err : "failed");
            goto done;
        }
        if (w == 0)
            detected = whisper_language_code(p->vocab, t.language);
        tokens += (int64_t) t.n_tokens;
        char *text = whisper_decode_text(p->vocab, t.tokens, t.n_tokens, p->cleanup_spaces);
        free(t.tokens);
        if (!text) {
            rc = -ENOMEM;
            goto done;
        }
        asr = append_text(asr, text);
        free(text);
    }
    wer_outcome o;
    rc = wer_evaluate(reference, asr ? asr : "", hint, &o);
    if (rc == -EILSEQ) {
        fveval_result_skip(ctx, r, "the reference text is not valid UTF-8");
        rc = -ENOTSUP;
        goto done;
    }
    if (rc < 0)
        goto done;
    fveval_result_score(ctx, r, o.wer);
    fveval_result_string(ctx, r, "transcription", o.transcription);
    fveval_result_string(ctx, r, "reference_text", o.reference);
    fveval_result_string(ctx, r, "asr_backend", "whisper");
    fveval_result_bool(ctx, r, "char_level", o.char_level);
    fveval_result_int(ctx, r, "reference_words", (int64_t) o.ref_words);
    fveval_result_int(ctx, r, "edits", (int64_t) o.edits);
    if (detected)
        fveval_result_string(ctx, r, "language", detected);
    fveval_result_int(ctx, r, "windows", windows);
    fveval_result_int(ctx, r, "tokens", tokens);
    fveval_result_number(ctx, r, "audio_seconds", (double) n / WHISPER_RATE);
    wer_outcome_free(&o);
    rc = 0;
done:
    free(pcm);
    free(features);
    free(asr);
    return rc;
}

static void wer_uninit(fveval_ctx *ctx)
{
    wer_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->net);
    whisper_vocab_free(p->vocab);
    free(p->logits);
    p->net = NULL;
    p->vocab = NULL;
    p->logits = NULL;
}

static const fveval_plugin wer_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "audio.wer",
    .summary = "word error rate of Whisper's transcription against the reference text",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_NEEDS_MODEL, /* lower is better */
    .fields = wer_fields,
    .options = wer_options,
    .models = wer_models,
    .priv_size = sizeof(wer_priv),
    .setup = wer_setup,
    .compute = wer_compute,
    .uninit = wer_uninit,
    .model_needed = wer_model_needed,
};

FVEVAL_PLUGIN_DEFINE(wer_plugin)
