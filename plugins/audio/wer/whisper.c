/* SPDX-License-Identifier: Apache-2.0 */
#include "whisper.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>
#include <jansson.h>

/* ---- log-mel ----------------------------------------------------------------------- */

#define N_FFT 400
#define HOP 160
#define N_BINS (N_FFT / 2 + 1)

/* FFTW's planner is not thread-safe; executing a plan is. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

/* The Slaney mel scale of librosa / transformers' audio_utils. */
static double hz_to_mel(double f)
{
    const double min_log_hz = 1000.0, min_log_mel = 15.0, logstep = 27.0 / log(6.4);
    return f >= min_log_hz ? min_log_mel + log(f / min_log_hz) * logstep : 3.0 * f / 200.0;
}

static double mel_to_hz(double m)
{
    const double min_log_hz = 1000.0, min_log_mel = 15.0, logstep = log(6.4) / 27.0;
    return m >= min_log_mel ? min_log_hz * exp(logstep * (m - min_log_mel)) : 200.0 * m / 3.0;
}

/*
 * mel_filter_bank(201, 80, 0, 8000, 16000, norm="slaney", mel_scale="slaney")
 * in float64 as transformers computes it: [80][201].  The whole front-end runs
 * in float64 (the extractor's NumPy path) and rounds once at the end; its torch
 * path computes in float32, whose FFT error shows only in bins ~70 dB below a
 * frame's peak (tests/wer/mel_ref.py bounds both).
 */
static void slaney_filters(double *fb)
{
    double mel_min = hz_to_mel(0.0), mel_max = hz_to_mel(8000.0);
    double f[WHISPER_N_MELS + 2];
    for (int i = 0; i < WHISPER_N_MELS + 2; i++)
        f[i] = mel_to_hz(mel_min + (mel_max - mel_min) * i / (WHISPER_N_MELS + 1));
    for (int m = 0; m < WHISPER_N_MELS; m++) {
        double enorm = 2.0 / (f[m + 2] - f[m]);
        for (int k = 0; k < N_BINS; k++) {
            double fft_freq = (double) k * (WHISPER_RATE / 2) / (N_BINS - 1);
            double down = -(f[m] - fft_freq) / (f[m + 1] - f[m]);
            double up = (f[m + 2] - fft_freq) / (f[m + 2] - f[m + 1]);
            double w = fmax(0.0, fmin(down, up));
            fb[m * N_BINS + k] = w * enorm;
        }
    }
}

int whisper_log_mel(const float *pcm, int64_t n, float *out)
{
    /* 30 s, zero-padded, then centred: reflect-padded by n_fft / 2 on both sides. */
    const int64_t padded = WHISPER_N_SAMPLES + N_FFT;
    float *x = calloc((size_t) padded, sizeof(*x));
    double *fb = malloc(sizeof(double) * WHISPER_N_MELS * N_BINS);
    double *frame = fftw_malloc(sizeof(double) * N_FFT);
    fftw_complex *spec = fftw_malloc(sizeof(fftw_complex) * N_BINS);
    double *power = malloc(sizeof(double) * N_BINS);
    double *logspec = malloc(sizeof(double) * WHISPER_N_MELS * WHISPER_N_FRAMES);
    int rc = -ENOMEM;
    fftw_plan plan = NULL;
    if (!x || !fb || !frame || !spec || !power || !logspec)
        goto done;
    int64_t keep = n < WHISPER_N_SAMPLES ? n : WHISPER_N_SAMPLES;
    if (keep > 0)
        memcpy(x + N_FFT / 2, pcm, (size_t) keep * sizeof(*x));
    for (int i = 1; i <= N_FFT / 2; i++) {
        x[N_FFT / 2 - i] = x[N_FFT / 2 + i];
        x[N_FFT / 2 + WHISPER_N_SAMPLES - 1 + i] = x[N_FFT / 2 + WHISPER_N_SAMPLES - 1 - i];
    }
    slaney_filters(fb);
    pthread_mutex_lock(&plan_lock);
    plan = fftw_plan_dft_r2c_1d(N_FFT, frame, spec, FFTW_ESTIMATE);
    pthread_mutex_unlock(&plan_lock);
    if (!plan)
        goto done;
    double window[N_FFT]; /* torch.hann_window(400): periodic */
    for (int i = 0; i < N_FFT; i++)
        window[i] = 0.5 - 0.5 * cos(2.0 * M_PI * i / N_FFT);
    double max = -INFINITY;
    for (int t = 0; t < WHISPER_N_FRAMES; t++) {
        const float *src = x + (int64_t) t * HOP;
        for (int i = 0; i < N_FFT; i++)
            frame[i] = src[i] * window[i];
        fftw_execute(plan);
        for (int k = 0; k < N_BINS; k++)
            power[k] = spec[k][0] * spec[k][0] + spec[k][1] * spec[k][1];
        for (int m = 0; m < WHISPER_N_MELS; m++) {
            double mel = 0;
            const double *w = fb + m * N_BINS;
            for (int k = 0; k < N_BINS; k++)
                mel += w[k] * power[k];
            double v = log10(mel > 1e-10 ? mel : 1e-10);
            logspec[(int64_t) m * WHISPER_N_FRAMES + t] = v;
            if (v > max)
                max = v;
        }
    }
    for (int64_t i = 0; i < (int64_t) WHISPER_N_MELS * WHISPER_N_FRAMES; i++) {
        double v = logspec[i] > max - 8.0 ? logspec[i] : max - 8.0;
        out[i] = (float) ((v + 4.0) / 4.0);
    }
    rc = 0;
done:
    if (plan) {
        pthread_mutex_lock(&plan_lock);
        fftw_destroy_plan(plan);
        pthread_mutex_unlock(&plan_lock);
    }
    free(x);
    free(fb);
    fftw_free(frame);
    fftw_free(spec);
    free(power);
    free(logspec);
    return rc;
}

/* ---- tokenizer files and generation settings ----------------------------------------- */

struct whisper_vocab {
    char **token;      /* id -> byte-level token text (UTF-8), NULL when unused */
    unsigned char *special; /* id -> added/special token */
    size_t size;       /* ids 0..size-1 */
    int64_t sot, eot, transcribe, no_timestamps;
    bool multilingual;
    int64_t *suppress, *begin_suppress;
    size_t n_suppress, n_begin_suppress;
    int64_t *lang_ids;
    char **lang_codes; /* "en" for <|en|> */
    size_t n_langs;
};

static void set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a, b);
}

static bool put_token(whisper_vocab *v, const char *text, json_int_t id, bool special)
{
    if (id < 0 || id > 10000000)
        return false;
    if ((size_t) id >= v->size) {
        size_t size = (size_t) id + 1;
        char **t = realloc(v->token, size * sizeof(*t));
        if (!t)
            return false;
        v->token = t;
        unsigned char *s = realloc(v->special, size);
        if (!s)
            return false;
        v->special = s;
        memset(v->token + v->size, 0, (size - v->size) * sizeof(*t));
        memset(v->special + v->size, 0, size - v->size);
        v->size = size;
    }
    free(v->token[id]);
    v->token[id] = strdup(text);
    v->special[id] = v->special[id] || special;
    return v->token[id] != NULL;
}

static int64_t *int_array(json_t *a, size_t *n)
{
    *n = json_array_size(a);
    int64_t *v = calloc(*n ? *n : 1, sizeof(*v));
    for (size_t i = 0; v && i < *n; i++)
        v[i] = json_integer_value(json_array_get(a, i));
    return v;
}

whisper_vocab *whisper_vocab_load(const char *vocab_json, const char *added_tokens_json,
                                  const char *generation_config_json, char *err, size_t errlen)
{
    json_error_t je;
    whisper_vocab *v = calloc(1, sizeof(*v));
    json_t *vocab = json_load_file(vocab_json, 0, &je);
    json_t *added = NULL, *gen = NULL;
    if (!v)
        goto fail;
    if (!json_is_object(vocab)) {
        set_err(err, errlen, "cannot read the vocabulary %s: %s", vocab_json, vocab ? "not an object" : je.text);
        goto fail;
    }
    const char *key;
    json_t *val;
    json_object_foreach(vocab, key, val) {
        if (!json_is_integer(val) || !put_token(v, key, json_integer_value(val), false)) {
            set_err(err, errlen, "%s: bad entry '%s'", vocab_json, key);
            goto fail;
        }
    }
    if (added_tokens_json) {
        added = json_load_file(added_tokens_json, 0, &je);
        if (!json_is_object(added)) {
            set_err(err, errlen, "cannot read %s: %s", added_tokens_json, added ? "not an object" : je.text);
            goto fail;
        }
        json_object_foreach(added, key, val) {
            if (!json_is_integer(val) || !put_token(v, key, json_integer_value(val), true)) {
                set_err(err, errlen, "%s: bad entry '%s'", added_tokens_json, key);
                goto fail;
            }
        }
    }
    gen = json_load_file(generation_config_json, 0, &je);
    if (!json_is_object(gen)) {
        set_err(err, errlen, "cannot read %s: %s", generation_config_json, gen ? "not an object" : je.text);
        goto fail;
    }
    json_t *sot = json_object_get(gen, "decoder_start_token_id");
    json_t *eot = json_object_get(gen, "eos_token_id");
    json_t *nots = json_object_get(gen, "no_timestamps_token_id");
    if (!json_is_integer(sot) || !json_is_integer(eot)) {
        set_err(err, errlen, "%s: %s", generation_config_json,
                "decoder_start_token_id or eos_token_id is missing");
        goto fail;
    }
    v->sot = json_integer_value(sot);
    v->eot = json_integer_value(eot);
    v->no_timestamps = json_is_integer(nots) ? json_integer_value(nots) : -1;
    v->multilingual = json_is_true(json_object_get(gen, "is_multilingual"));
    json_t *task = json_object_get(json_object_get(gen, "task_to_id"), "transcribe");
    v->transcribe = json_is_integer(task) ? json_integer_value(task) : -1;
    v->suppress = int_array(json_object_get(gen, "suppress_tokens"), &v->n_suppress);
    v->begin_suppress = int_array(json_object_get(gen, "begin_suppress_tokens"), &v->n_begin_suppress);
    json_t *langs = json_object_get(gen, "lang_to_id");
    size_t nl = json_object_size(langs);
    v->lang_ids = calloc(nl ? nl : 1, sizeof(*v->lang_ids));
    v->lang_codes = calloc(nl ? nl : 1, sizeof(*v->lang_codes));
    if (!v->suppress || !v->begin_suppress || !v->lang_ids || !v->lang_codes)
        goto fail;
    json_object_foreach(langs, key, val) {
        size_t len = strlen(key);
        if (!json_is_integer(val) || len < 5 || strncmp(key, "<|", 2) || strcmp(key + len - 2, "|>"))
            continue;
        v->lang_ids[v->n_langs] = json_integer_value(val);
        v->lang_codes[v->n_langs] = strndup(key + 2, len - 4);
        if (!v->lang_codes[v->n_langs++])
            goto fail;
    }
    if (v->multilingual && (!v->n_langs || v->transcribe < 0)) {
        set_err(err, errlen, "%s: %s", generation_config_json,
                "a multilingual model without lang_to_id or task_to_id.transcribe");
        goto fail;
    }
    /* The network must give logits for every id the loop can pick or force. */
    json_decref(vocab);
    json_decref(added);
    json_decref(gen);
    return v;
fail:
    if (err && errlen && !err[0])
        snprintf(err, errlen, "out of memory reading the tokenizer files");
    json_decref(vocab);
    json_decref(added);
    json_decref(gen);
    whisper_vocab_free(v);
    return NULL;
}

void whisper_vocab_free(whisper_vocab *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->size; i++)
        free(v->token[i]);
    for (size_t i = 0; i < v->n_langs; i++)
        free(v->lang_codes[i]);
    free(v->token);
    free(v->special);
    free(v->suppress);
    free(v->begin_suppress);
    free(v->lang_ids);
    free(v->lang_codes);
    free(v);
}


int64_t whisper_language_id(const whisper_vocab *v, const char *language)
{
    for (size_t i = 0; language && i < v->n_langs; i++)
        if (strcasecmp(v->lang_codes[i], language) == 0)
            return v->lang_ids[i];
    return -1;
}

const char *whisper_language_code(const whisper_vocab *v, int64_t id)
{
    for (size_t i = 0; i < v->n_langs; i++)
        if (v->lang_ids[i] == id)
            return v->lang_codes[i];
    return NULL;
}

/* ---- ids to text ------------------------------------------------------------------- */

/* GPT-2's bytes_to_unicode, inverted: code point -> byte, -1 for none. */
static int unicode_to_byte(int cp)
{
    if ((cp >= '!' && cp <= '~') || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0xFF))
        return cp;
    /* the other bytes, in order, took 256, 257, ... */
    int k = 0;
    for (int b = 0; b < 256; b++) {
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
            continue;
        if (cp == 256 + k)
            return b;
        k++;
    }
    return -1;
}

/* Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), or, when
 * ill-formed, -(length of its maximal subpart, at least 1): Python's
 * errors="replace" puts one U+FFFD per maximal subpart. */
static int utf8_sequence(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    int need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else
        return -1;
    for (int i = 1; i <= need; i++) {
        if ((size_t) i >= left)
            return -i;
        unsigned char b = p[i];
        unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (b < l || b > h)
            return -i;
    }
    return need + 1;
}

static char *replace_all(char *s, const char *from, const char *to)
{
    size_t lf = strlen(from), lt = strlen(to);
    char *out = malloc(strlen(s) + 1); /* every replacement here shortens */
    if (!out)
        return s;
    size_t n = 0;
    for (const char *p = s; *p;) {
        if (strncmp(p, from, lf) == 0) {
            memcpy(out + n, to, lt);
            n += lt;
            p += lf;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    free(s);
    return out;
}

static bool py_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F); }

char *whisper_decode_text(const whisper_vocab *v, const int64_t *ids, size_t n, bool cleanup_spaces)
{
    size_t cap = 16;
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= 0 && (size_t) ids[i] < v->size && v->token[ids[i]])
            cap += strlen(v->token[ids[i]]);
    unsigned char *bytes = malloc(cap);
    if (!bytes)
        return NULL;
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t id = ids[i];
        /* skip_special_tokens: the added tokens and everything from end-of-text on
         * (task, language, timestamp tokens) */
        if (id < 0 || (size_t) id >= v->size || !v->token[id] || v->special[id] || id >= v->eot)
            continue;
        const unsigned char *t = (const unsigned char *) v->token[id];
        size_t left = strlen((const char *) t);
        while (left) {
            int k = utf8_sequence(t, left);
            int cp = 0;
            if (k == 1)
                cp = t[0];
            else if (k == 2)
                cp = ((t[0] & 0x1F) << 6) | (t[1] & 0x3F);
            else if (k == 3)
                cp = ((t[0] & 0x0F) << 12) | ((t[1] & 0x3F) << 6) | (t[2] & 0x3F);
            else
                cp = -1;
            int b = cp >= 0 ? unicode_to_byte(cp) : -1;
            if (b >= 0)
                bytes[nb++] = (unsigned char) b;
            size_t adv = k > 0 ? (size_t) k : (size_t) -k;
            t += adv;
            left -= adv;
        }
    }
    /* bytes.decode("utf-8", errors="replace") */
    char *text = malloc(nb * 3 + 1);
    if (!text) {
        free(bytes);
        return NULL;
    }
    size_t nt = 0;
    for (size_t i = 0; i < nb;) {
        int k = utf8_sequence(bytes + i, nb - i);
        if (k > 0) {
            memcpy(text + nt, bytes + i, (size_t) k);
            nt += (size_t) k;
            i += (size_t) k;
        } else {
            memcpy(text + nt, "\xEF\xBF\xBD", 3);
            nt += 3;
            i += (size_t) -k;
        }
    }
    text[nt] = '\0';
    free(bytes);
    if (cleanup_spaces) {
        /* transformers' clean_up_tokenization, in its order */
        static const char *const pairs[][2] = {{" .", "."},   {" ?", "?"},   {" !", "!"},
                                               {" ,", ","},   {" ' ", "'"},  {" n't", "n't"},
                                               {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"},
                                               {" 're", "'re"}};
        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
            text = replace_all(text, pairs[i][0], pairs[i][1]);
    }
    /* .strip(): the transcription's whitespace is ASCII (byte-level BPE of
     * Whisper's text); Unicode spaces at the ends are left to the normaliser,
     * which strips them too. */
    char *s = text;
    while (*s && py_space((unsigned char) *s))
        s++;
    size_t len = strlen(s);
    while (len && py_space((unsigned char) s[len - 1]))
        len--;
    memmove(text, s, len);
    text[len] = '\0';
    return text;
}

/* ---- greedy generate() ---------------------------------------------------------------- */

static int64_t argmax(const float *x, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (x[i] > x[best]) /* the first of equal maxima, as torch.argmax */
            best = i;
    return (int64_t) best;
}

static void suppress(float *logits, size_t vs, const int64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= 0 && (size_t) ids[i] < vs)
            logits[ids[i]] = -INFINITY;
}

int whisper_transcribe(const whisper_vocab *v, const whisper_net *net, const float *features,
                       int64_t language_id, int max_new_tokens, whisper_transcript *out, char *err,
                       size_t errlen)
{
    memset(out, 0, sizeof(*out));
    float *logits = NULL;
    size_t vs = 0;
    out->tokens = malloc(((size_t) max_new_tokens + 1) * sizeof(*out->tokens));
    if (!out->tokens)
        return -ENOMEM;
    int rc = net->begin(net->opaque, features, err, errlen);
    int64_t prompt[4];
    size_t np = 0;
    if (rc < 0)
        goto done;
    if (v->multilingual) {
        if (language_id < 0) {
            /* detect_language: the start token alone, every non-language logit masked */
            int64_t sot = v->sot;
            if ((rc = net->step(net->opaque, &sot, 1, &logits, &vs, err, errlen)) < 0)
                goto done;
            int64_t best = -1;
            for (size_t i = 0; i < v->n_langs; i++) {
                int64_t id = v->lang_ids[i];
                if (id >= 0 && (size_t) id < vs && (best < 0 || logits[id] > logits[best] ||
                                                    (logits[id] == logits[best] && id < best)))
                    best = id;
            }
            if (best < 0) {
                rc = -EINVAL;
                snprintf(err, errlen, "the model's %zu logits cover no language token", vs);
                goto done;
            }
            language_id = best;
            out->detected = true;
        } else {
            prompt[np++] = v->sot;
        }
        prompt[np++] = language_id;
        prompt[np++] = v->transcribe;
    } else {
        prompt[np++] = v->sot;
    }
    if (v->no_timestamps >= 0)
        prompt[np++] = v->no_timestamps;
    out->language = v->multilingual ? language_id : -1;
    for (int i = 0;; i++) {
        if ((rc = net->step(net->opaque, prompt, np, &logits, &vs, err, errlen)) < 0)
            goto done;
        suppress(logits, vs, v->suppress, v->n_suppress);
        if (i == 0)
            suppress(logits, vs, v->begin_suppress, v->n_begin_suppress);
        int64_t next = argmax(logits, vs);
        out->tokens[out->n_tokens++] = next;
        if (next == v->eot || (int) out->n_tokens >= max_new_tokens)
            break;
        prompt[0] = next;
        np = 1;
    }
    rc = 0;
done:
    if (rc < 0) {
        free(out->tokens);
        out->tokens = NULL;
        out->n_tokens = 0;
    }
    return rc;
}
