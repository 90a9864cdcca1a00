/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure half of audio.wer (FastVideo's audio/wer/metric.py): text
 * normalisation as Python computes it (unicodedata NFKC, str.strip,
 * str.lower, the punctuation set, re.sub(r"\s+", " ")), the character-level
 * decision, and jiwer 4's word error rate.  UTF-8 in, UTF-8 out.
 */
#ifndef FVEVAL_WER_TEXT_H
#define FVEVAL_WER_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* upstream: `if set(asr) <= set(string.punctuation): asr = ""` (ASCII only; "" too). */
bool wer_only_ascii_punctuation(const char *s);

/*
 * normalize(t): NFKC, strip, lower-case, drop every character of
 * string.punctuation + "，。！？、；：「」『』（）《》【】—…", collapse
 * whitespace runs to one space (the strip came first, so a trailing space
 * left by a removed character survives, as upstream).  malloc'd; NULL when
 * @p s is not valid UTF-8 or memory runs out.
 */
char *wer_normalize(const char *s);

/* 1 / 0 from a language hint (lower-cased substring test, CJK names first),
 * -1 when the hint decides nothing (NULL included). */
int wer_char_level_hint(const char *language);

/* Does normalised text hold a CJK character (4E00–9FFF, 3400–4DBF, 3040–309F,
 * 30A0–30FF, AC00–D7AF)? */
bool wer_has_cjk(const char *s);

/* " ".join(ch for ch in t if not ch.isspace()): malloc'd, NULL on no memory. */
char *wer_char_split(const char *s);

/*
 * jiwer.wer(reference, hypothesis) of jiwer 4: both split into words on
 * single spaces after collapsing whitespace runs and stripping; word-level
 * Levenshtein distance (unit costs) over the reference's word count; an
 * empty reference gives the number of hypothesis words (0 when both are
 * empty).  -1 when memory runs out.
 */
double wer_word_error_rate(const char *reference, const char *hypothesis, size_t *ref_words,
                           size_t *edits);

/* The whole pure part in upstream's order, from the ASR text and the reference. */
typedef struct wer_outcome {
    char *transcription; /* normalize(asr), malloc'd */
    char *reference;     /* normalize(reference), malloc'd */
    bool char_level;
    double wer;
    size_t ref_words, edits; /* after the character split when char_level */
} wer_outcome;

/* 0, or -ENOMEM / -EILSEQ (text not UTF-8).  @p language may be NULL. */
int wer_evaluate(const char *reference, const char *asr, const char *language, wer_outcome *o);
void wer_outcome_free(wer_outcome *o);

/* Python's str.isspace() for one code point. */
bool wer_is_space(int cp);

#endif /* FVEVAL_WER_TEXT_H */
