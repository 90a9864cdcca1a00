/* SPDX-License-Identifier: Apache-2.0 */
#include "wer_text.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* ---- code points ---------------------------------------------------------- */

typedef struct {
    int32_t *v;
    size_t n, cap;
} cps;

static bool cps_push(cps *a, int32_t c)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        int32_t *v = realloc(a->v, cap * sizeof(*v));
        if (!v)
            return false;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = c;
    return true;
}

/* Decode UTF-8; false on invalid input or no memory. */
static bool cps_from_utf8(cps *a, const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) s;
    utf8proc_ssize_t left = (utf8proc_ssize_t) strlen(s);
    while (left > 0) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &c);
        if (k <= 0 || !cps_push(a, c))
            return false;
        p += k;
        left -= k;
    }
    return true;
}

static char *cps_to_utf8(const cps *a, size_t from, size_t to)
{
    char *out = malloc((to - from) * 4 + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        n += (size_t) utf8proc_encode_char(a->v[i], (utf8proc_uint8_t *) out + n);
    out[n] = '\0';
    return out;
}

/* ---- Python's character predicates ------------------------------------------ */

/* str.isspace(): general category Zs, or bidirectional class WS, B or S. */
bool wer_is_space(int cp)
{
    if (cp < 0 || cp > 0x10FFFF)
        return false;
    const utf8proc_property_t *p = utf8proc_get_property(cp);
    return p->category == UTF8PROC_CATEGORY_ZS || p->bidi_class == UTF8PROC_BIDI_CLASS_WS ||
           p->bidi_class == UTF8PROC_BIDI_CLASS_B || p->bidi_class == UTF8PROC_BIDI_CLASS_S;
}

/* Unicode's Cased property, as far as the database utf8proc carries reaches:
 * letters of categories Lu, Ll, Lt and any character with a case mapping. */
static bool is_cased(int32_t c)
{
    utf8proc_category_t k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LL || k == UTF8PROC_CATEGORY_LT ||
           utf8proc_tolower(c) != c || utf8proc_toupper(c) != c;
}

/* Case_Ignorable: Mn, Me, Cf, Lm, Sk, and the word-break MidLetter/MidNumLet
 * characters (apostrophes, full stop, colon, middle dot, ...). */
static bool is_case_ignorable(int32_t c)
{
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_SK:
        return true;
    default:
        break;
    }
    static const int32_t mid[] = {0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019,
                                  0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A};
    for (size_t i = 0; i < sizeof(mid) / sizeof(mid[0]); i++)
        if (mid[i] == c)
            return true;
    return false;
}

/* Python's Final_Sigma rule for a capital sigma at @p i of @p a. */
static bool final_sigma(const cps *a, size_t i)
{
    size_t j = i;
    bool before = false;
    while (j > 0) {
        int32_t c = a->v[--j];
        if (is_case_ignorable(c))
            continue;
        before = is_cased(c);
        break;
    }
    if (!before)
        return false;
    for (j = i + 1; j < a->n; j++) {
        int32_t c = a->v[j];
        if (is_case_ignorable(c))
            continue;
        return !is_cased(c);
    }
    return true;
}

/* str.lower(): simple lower-case mapping, plus the two full mappings that
 * differ from it in Python (U+0130 to "i̇", capital sigma to final sigma at the
 * end of a word). */
static bool python_lower(const cps *in, cps *out)
{
    for (size_t i = 0; i < in->n; i++) {
        int32_t c = in->v[i];
        if (c == 0x130) {
            if (!cps_push(out, 0x69) || !cps_push(out, 0x307))
                return false;
        } else if (c == 0x3A3) {
            if (!cps_push(out, final_sigma(in, i) ? 0x3C2 : 0x3C3))
                return false;
        } else if (!cps_push(out, utf8proc_tolower(c))) {
            return false;
        }
    }
    return true;
}

/* string.punctuation + "，。！？、；：「」『』（）《》【】—…" */
static bool is_removed_punctuation(int32_t c)
{
    if (c < 0x80)
        return strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) && c != 0;
    static const int32_t cjk[] = {0xFF0C, 0x3002, 0xFF01, 0xFF1F, 0x3001, 0xFF1B, 0xFF1A, 0x300C,
                                  0x300D, 0x300E, 0x300F, 0xFF08, 0xFF09, 0x300A, 0x300B, 0x3010,
                                  0x3011, 0x2014, 0x2026};
    for (size_t i = 0; i < sizeof(cjk) / sizeof(cjk[0]); i++)
        if (cjk[i] == c)
            return true;
    return false;
}

static char *lower_utf8(const char *s)
{
    cps a = {0}, low = {0};
    char *r = NULL;
    if (cps_from_utf8(&a, s) && python_lower(&a, &low))
        r = cps_to_utf8(&low, 0, low.n);
    free(a.v);
    free(low.v);
    return r;
}

/* ---- the metric's text steps --------------------------------------------------- */

bool wer_only_ascii_punctuation(const char *s)
{
    for (; *s; s++)
        if ((unsigned char) *s >= 0x80 || !strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", *s))
            return false;
    return true;
}

char *wer_normalize(const char *s)
{
    utf8proc_uint8_t *nfkc = utf8proc_NFKC((const utf8proc_uint8_t *) s);
    if (!nfkc)
        return NULL;
    cps a = {0}, low = {0}, out = {0};
    char *result = NULL;
    if (!cps_from_utf8(&a, (const char *) nfkc))
        goto done;
    /* strip */
    size_t from = 0, to = a.n;
    while (from < to && wer_is_space(a.v[from]))
        from++;
    while (to > from && wer_is_space(a.v[to - 1]))
        to--;
    cps stripped = {a.v + from, to - from, 0};
    if (!python_lower(&stripped, &low))
        goto done;
    /* drop punctuation, then collapse \s+ to one space */
    bool in_space = false;
    for (size_t i = 0; i < low.n; i++) {
        int32_t c = low.v[i];
        if (is_removed_punctuation(c))
            continue;
        if (wer_is_space(c)) {
            if (!in_space && !cps_push(&out, ' '))
                goto done;
            in_space = true;
            continue;
        }
        in_space = false;
        if (!cps_push(&out, c))
            goto done;
    }
    result = cps_to_utf8(&out, 0, out.n);
done:
    free(nfkc);
    free(a.v);
    free(low.v);
    free(out.v);
    return result;
}

int wer_char_level_hint(const char *language)
{
    if (!language)
        return -1;
    char *lower = lower_utf8(language); /* language.lower() */
    if (!lower)
        return -1;
    static const char *const cjk[] = {"zh", "cn", "ja", "jp", "ko", "cjk", "yue", "cantonese"};
    static const char *const latin[] = {"en", "de", "fr", "es", "it", "pt"};
    int r = -1;
    for (size_t i = 0; r < 0 && i < sizeof(cjk) / sizeof(cjk[0]); i++)
        if (strstr(lower, cjk[i]))
            r = 1;
    for (size_t i = 0; r < 0 && i < sizeof(latin) / sizeof(latin[0]); i++)
        if (strstr(lower, latin[i]))
            r = 0;
    free(lower);
    return r;
}

bool wer_has_cjk(const char *s)
{
    cps a = {0};
    bool found = false;
    if (cps_from_utf8(&a, s))
        for (size_t i = 0; i < a.n && !found; i++) {
            int32_t c = a.v[i];
            found = (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
                    (c >= 0x3040 && c <= 0x309F) || (c >= 0x30A0 && c <= 0x30FF) ||
                    (c >= 0xAC00 && c <= 0xD7AF);
        }
    free(a.v);
    return found;
}

char *wer_char_split(const char *s)
{
    cps a = {0}, out = {0};
    char *r = NULL;
    if (!cps_from_utf8(&a, s))
        goto done;
    for (size_t i = 0; i < a.n; i++) {
        if (wer_is_space(a.v[i]))
            continue;
        if ((out.n && !cps_push(&out, ' ')) || !cps_push(&out, a.v[i]))
            goto done;
    }
    r = cps_to_utf8(&out, 0, out.n);
done:
    free(a.v);
    free(out.v);
    return r;
}

/* jiwer's default transform, literally: RemoveMultipleSpaces (re.sub(r"\s\s+", " ")),
 * Strip (str.strip), then str.split(" ") dropping empty words.  A lone tab
 * between words therefore stays inside a word, as in jiwer. */
typedef struct {
    int32_t *p;
    size_t len;
} word;

static word *split_words(const char *s, cps *text, size_t *n_out)
{
    cps a = {0};
    word *w = NULL;
    if (!cps_from_utf8(&a, s))
        goto fail;
    for (size_t i = 0; i < a.n;) {
        size_t run = 0;
        while (i + run < a.n && wer_is_space(a.v[i + run]))
            run++;
        if (run >= 2) {
            if (!cps_push(text, ' '))
                goto fail;
            i += run;
        } else if (!cps_push(text, a.v[i++])) {
            goto fail;
        }
    }
    size_t from = 0, to = text->n;
    while (from < to && wer_is_space(text->v[from]))
        from++;
    while (to > from && wer_is_space(text->v[to - 1]))
        to--;
    w = malloc(((to - from) / 2 + 2) * sizeof(*w));
    if (!w)
        goto fail;
    size_t n = 0, start = from;
    for (size_t i = from; i <= to; i++) {
        if (i < to && text->v[i] != ' ')
            continue;
        if (i > start) {
            w[n].p = text->v + start;
            w[n].len = i - start;
            n++;
        }
        start = i + 1;
    }
    free(a.v);
    *n_out = n;
    return w;
fail:
    free(a.v);
    free(w);
    return NULL;
}

static bool same_word(const word *a, const word *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len * sizeof(*a->p)) == 0;
}

double wer_word_error_rate(const char *reference, const char *hypothesis, size_t *ref_words,
                           size_t *edits)
{
    size_t nr = 0, nh = 0;
    cps rt = {0}, ht = {0};
    word *r = split_words(reference, &rt, &nr);
    word *h = split_words(hypothesis, &ht, &nh);
    size_t *row = r && h ? malloc((nh + 1) * sizeof(*row)) : NULL;
    double result = -1;
    if (!row)
        goto done;
    /* Levenshtein distance over words, one row at a time. */
    for (size_t j = 0; j <= nh; j++)
        row[j] = j;
    for (size_t i = 1; i <= nr; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nh; j++) {
            size_t up = row[j];
            size_t best = diag + (same_word(&r[i - 1], &h[j - 1]) ? 0 : 1);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t dist = row[nh];
    if (ref_words)
        *ref_words = nr;
    if (edits)
        *edits = dist;
    /* jiwer 4: an empty reference scores the insertions, i.e. the hypothesis' words. */
    result = nr ? (double) dist / (double) nr : (double) dist;
done:
    free(row);
    free(r);
    free(h);
    free(rt.v);
    free(ht.v);
    return result;
}

int wer_evaluate(const char *reference, const char *asr, const char *language, wer_outcome *o)
{
    memset(o, 0, sizeof(*o));
    const char *hyp = wer_only_ascii_punctuation(asr) ? "" : asr;
    o->transcription = wer_normalize(hyp);
    o->reference = wer_normalize(reference);
    if (!o->transcription || !o->reference) {
        wer_outcome_free(o);
        return -EILSEQ;
    }
    int hint = wer_char_level_hint(language);
    o->char_level = hint >= 0 ? hint == 1 : wer_has_cjk(o->reference) || wer_has_cjk(o->transcription);
    char *ref = o->reference, *tr = o->transcription;
    char *ref_split = NULL, *tr_split = NULL;
    if (o->char_level) {
        ref = ref_split = wer_char_split(o->reference);
        tr = tr_split = wer_char_split(o->transcription);
    }
    o->wer = ref && tr ? wer_word_error_rate(ref, tr, &o->ref_words, &o->edits) : -1;
    free(ref_split);
    free(tr_split);
    if (o->wer < 0) {
        wer_outcome_free(o);
        return -ENOMEM;
    }
    return 0;
}

void wer_outcome_free(wer_outcome *o)
{
    free(o->transcription);
    free(o->reference);
    o->transcription = o->reference = NULL;
}
