/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whisper driven from C: the processor's log-mel front-end, the tokenizer's
 * decode (byte-level BPE vocabulary of the checkpoint's tokenizer files) and
 * transformers' greedy generate() for transcription (language detection,
 * task token, no timestamps, suppressed and begin-suppressed tokens, stop at
 * end-of-text or max_new_tokens).  The network is a TorchScript module with a
 * key/value cache behind two methods (see README.md): begin(features) and
 * step(new token ids) -> logits of the last position.
 */
#ifndef FVEVAL_WHISPER_H
#define FVEVAL_WHISPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WHISPER_RATE 16000
#define WHISPER_N_SAMPLES 480000 /* 30 s */
#define WHISPER_N_MELS 80
#define WHISPER_N_FRAMES 3000

/*
 * WhisperFeatureExtractor on 16 kHz mono: zero-pad or cut to 30 s, STFT
 * (periodic Hann 400, hop 160, centred with reflect padding, last frame
 * dropped), power, Slaney mel 80 x 201 (0–8 kHz), log10(max(mel, 1e-10)),
 * floor at max − 8, (x + 4) / 4.  out: [80][3000] floats.  0 or -ENOMEM.
 */
int whisper_log_mel(const float *pcm, int64_t n, float *out);

/* The checkpoint's tokenizer and generation settings (Hugging Face files). */
typedef struct whisper_vocab whisper_vocab;

/* vocab.json (required), added_tokens.json (may be NULL), generation_config.json
 * (required).  NULL with a message in err on failure. */
whisper_vocab *whisper_vocab_load(const char *vocab_json, const char *added_tokens_json,
                                  const char *generation_config_json, char *err, size_t errlen);
void whisper_vocab_free(whisper_vocab *v);

/* The id of language token <|code|> ("en") or of a language named in full
 * ("english", as Whisper's LANGUAGES table), or -1. */
int64_t whisper_language_id(const whisper_vocab *v, const char *language);
/* "en" for a language token id, NULL when it is none. */
const char *whisper_language_code(const whisper_vocab *v, int64_t id);

/*
 * batch_decode(ids, skip_special_tokens=True)[0].strip(): tokens joined,
 * byte-level decoded (invalid UTF-8 replaced with U+FFFD as Python's
 * errors="replace"), clean_up_tokenization_spaces when the tokenizer asks
 * for it, stripped.  malloc'd.
 */
char *whisper_decode_text(const whisper_vocab *v, const int64_t *ids, size_t n, bool cleanup_spaces);

/* The calls the decoder loop makes into the network. */
typedef struct whisper_net {
    void *opaque;
    /* Run the encoder on [1][80][3000] features and reset the cache; 0 or negative. */
    int (*begin)(void *opaque, const float *features, char *err, size_t errlen);
    /* Feed n new token ids; *logits: the last position's logits (*n_logits
     * floats, owned by the net, writable, valid until its next call). */
    int (*step)(void *opaque, const int64_t *ids, size_t n, float **logits, size_t *n_logits,
                char *err, size_t errlen);
} whisper_net;

typedef struct whisper_transcript {
    int64_t *tokens; /* generated ids (end-of-text included when reached), malloc'd */
    size_t n_tokens;
    int64_t language; /* the language token used */
    bool detected;    /* language found by detection (not forced) */
} whisper_transcript;

/* Greedy transcription of one 30 s window.  @p language_id < 0: detect. */
int whisper_transcribe(const whisper_vocab *v, const whisper_net *net, const float *features,
                       int64_t language_id, int max_new_tokens, whisper_transcript *out, char *err,
                       size_t errlen);


#endif /* FVEVAL_WHISPER_H */
