/* SPDX-License-Identifier: Apache-2.0 */
/* RoBERTa's byte-level BPE (transformers' GPT2Tokenizer/RobertaTokenizer, tokenizers'
 * ByteLevel + BPE + RobertaProcessing).  BPE works on symbols: every string the vocabulary
 * names or a merge can produce gets a number, so the merge loop compares integers and still
 * behaves as the Python loop over strings does, including for merge results the vocabulary
 * lacks (they become <unk> at the end, as encoder.get(token, unk) does). */
#include "roberta_tokenizer.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "bpe_common.h"

typedef struct {
    const char *key; /* points into sym_str; NULL = empty */
    size_t len;
    int32_t sym;
} str_slot;

typedef struct {
    const char *text; /* ASCII */
    int64_t id;
    int lstrip; /* eats the whitespace before it (<mask>) */
} special_token;

struct roberta_tokenizer {
    char **sym_str;
    size_t *sym_len;
    int64_t *sym_id; /* vocabulary id, or <unk> for merge results the vocabulary lacks */
    size_t n_sym, sym_cap;
    str_slot *smap;
    size_t smask;
    bpe_pair_slot *pmap;
    size_t pmask;
    int32_t *merged; /* rank -> symbol of the merged string */
    size_t n_merges;
    int32_t byte_sym[256];
    int64_t bos, pad, eos, unk;
    special_token specials[5];
    int n_specials;
};

static size_t pow2_at_least(size_t n)
{
    size_t p = 1024;
    while (p < n) p <<= 1;
    return p;
}

/* The symbol of s[0..n), added with vocabulary id @p id when new (id < 0: <unk>); -1 on
 * no memory.  An existing symbol keeps its id unless @p id is given (vocab.json). */
static int32_t sym_add(roberta_tokenizer *t, const char *s, size_t n, int64_t id)
{
    size_t i = bpe_hash_str(s, n) & t->smask;
    for (;; i = (i + 1) & t->smask) {
        str_slot *sl = &t->smap[i];
        if (!sl->key) break;
        if (sl->len == n && memcmp(sl->key, s, n) == 0) {
            if (id >= 0) t->sym_id[sl->sym] = id;
            return sl->sym;
        }
    }
    if (t->n_sym == t->sym_cap) return -1; /* sized at load: cannot happen */
    char *copy = malloc(n + 1);
    if (!copy) return -1;
    memcpy(copy, s, n);
    copy[n] = '\0';
    int32_t sym = (int32_t)t->n_sym++;
    t->sym_str[sym] = copy;
    t->sym_len[sym] = n;
    t->sym_id[sym] = id >= 0 ? id : t->unk;
    t->smap[i] = (str_slot){copy, n, sym};
    return sym;
}

static int64_t vocab_id(json_t *vocab, const char *token)
{
    json_t *v = json_object_get(vocab, token);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (int64_t)json_integer_value(v) : -1;
}

roberta_tokenizer *roberta_tokenizer_load(const char *vocab_json, const char *merges_txt, char *err,
                                          size_t errlen)
{
    json_error_t je;
    json_t *vocab = json_load_file(vocab_json, 0, &je);
    if (!json_is_object(vocab)) {
        bpe_set_err(err, errlen, "cannot read the vocabulary %s: %s", vocab_json,
                vocab ? "not a JSON object" : je.text);
        json_decref(vocab);
        return NULL;
    }
    size_t len = 0;
    char *text = bpe_read_merges(merges_txt, &len, err, errlen);
    if (!text) {
        json_decref(vocab);
        return NULL;
    }
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    roberta_tokenizer *t = calloc(1, sizeof *t);
    if (!t) goto oom;
    t->sym_cap = json_object_size(vocab) + 3 * lines + 256;
    t->smask = pow2_at_least(2 * t->sym_cap) - 1;
    t->pmask = pow2_at_least(2 * lines) - 1;
    t->sym_str = calloc(t->sym_cap, sizeof *t->sym_str);
    t->sym_len = calloc(t->sym_cap, sizeof *t->sym_len);
    t->sym_id = calloc(t->sym_cap, sizeof *t->sym_id);
    t->smap = calloc(t->smask + 1, sizeof *t->smap);
    t->pmap = calloc(t->pmask + 1, sizeof *t->pmap);
    t->merged = calloc(lines, sizeof *t->merged);
    if (!t->sym_str || !t->sym_len || !t->sym_id || !t->smap || !t->pmap || !t->merged) goto oom;

    static const char *const names[4] = {"<s>", "<pad>", "</s>", "<unk>"};
    int64_t ids[4];
    for (int k = 0; k < 4; k++) {
        if ((ids[k] = vocab_id(vocab, names[k])) < 0) {
            bpe_set_err(err, errlen, "%s: no id for the special token %s", vocab_json, names[k]);
            goto fail;
        }
    }
    t->bos = ids[0];
    t->pad = ids[1];
    t->eos = ids[2];
    t->unk = ids[3];
    /* The special tokens split the text before BPE (RoBERTa's five; <mask> lstrip). */
    static const char *const split[5] = {"<s>", "<pad>", "</s>", "<unk>", "<mask>"};
    for (int k = 0; k < 5; k++) {
        int64_t id = vocab_id(vocab, split[k]);
        if (id >= 0) t->specials[t->n_specials++] = (special_token){split[k], id, k == 4};
    }

    const char *key;
    json_t *val;
    json_object_foreach(vocab, key, val) {
        if (!json_is_integer(val) || json_integer_value(val) < 0) {
            bpe_set_err(err, errlen, "%s: the id of '%.40s' is not a non-negative integer", vocab_json, key);
            goto fail;
        }
        if (sym_add(t, key, strlen(key), (int64_t)json_integer_value(val)) < 0) goto oom;
    }
    int32_t bs[256], cs[256];
    bpe_bytes_to_unicode(bs, cs);
    for (int i = 0; i < 256; i++) {
        char u[8];
        utf8proc_ssize_t k = utf8proc_encode_char(cs[i], (utf8proc_uint8_t *)u);
        if ((t->byte_sym[bs[i]] = sym_add(t, u, (size_t)k, -1)) < 0) goto oom;
    }

    /* merges.txt: an optional "#version" header, then "A B" per line; blank lines (the
     * file's final newline) carry no merge. */
    char *line = text;
    int lineno = 0;
    while (line && *line) {
        char *end = strchr(line, '\n');
        if (end) *end = '\0';
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r') line[--ll] = '\0';
        lineno++;
        if (ll == 0 || (lineno == 1 && strncmp(line, "#version", 8) == 0)) {
            line = end ? end + 1 : NULL;
            continue;
        }
        char *sp = strchr(line, ' ');
        if (!sp || sp == line || sp[1] == '\0' || strchr(sp + 1, ' ')) {
            bpe_set_err(err, errlen, "%s: line %d is not two symbols: '%.40s'", merges_txt, lineno, line);
            goto fail;
        }
        size_t la = (size_t)(sp - line), lb = ll - la - 1;
        int32_t a = sym_add(t, line, la, -1);
        int32_t b = sym_add(t, sp + 1, lb, -1);
        memmove(sp, sp + 1, lb + 1); /* line is now A + B */
        int32_t ab = sym_add(t, line, la + lb, -1);
        if (a < 0 || b < 0 || ab < 0) goto oom;
        bpe_pair_rank_put(t->pmap, t->pmask, a, b, (int32_t)t->n_merges);
        t->merged[t->n_merges++] = ab;
        line = end ? end + 1 : NULL;
    }
    free(text);
    json_decref(vocab);
    return t;
oom:
    bpe_set_err(err, errlen, "out of memory loading %s", vocab_json);
fail:
    free(text);
    json_decref(vocab);
    roberta_tokenizer_free(t);
    return NULL;
}

void roberta_tokenizer_free(roberta_tokenizer *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n_sym; i++) free(t->sym_str[i]);
    free(t->sym_str);
    free(t->sym_len);
    free(t->sym_id);
    free(t->smap);
    free(t->pmap);
    free(t->merged);
    free(t);
}

int64_t roberta_bos_id(const roberta_tokenizer *t) { return t->bos; }
int64_t roberta_pad_id(const roberta_tokenizer *t) { return t->pad; }
int64_t roberta_eos_id(const roberta_tokenizer *t) { return t->eos; }

typedef struct {
    int64_t *v;
    size_t n, cap;
} id_list;

static int ids_push(id_list *l, int64_t id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        int64_t *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = id;
    return 0;
}

/* BPE ids of the pre-token a[i..end). */
static int encode_piece(const roberta_tokenizer *t, const bpe_cps *a, size_t i, size_t end, id_list *out,
                        int32_t **word, size_t *wcap)
{
    size_t need = (end - i) * 4;
    if (*wcap < need) {
        int32_t *w = realloc(*word, need * sizeof *w);
        if (!w) return -1;
        *word = w;
        *wcap = need;
    }
    size_t nb = 0;
    for (size_t m = i; m < end; m++) {
        unsigned char u[4];
        utf8proc_ssize_t k = utf8proc_encode_char(a->v[m], u);
        for (utf8proc_ssize_t q = 0; q < k; q++) (*word)[nb++] = t->byte_sym[u[q]];
    }
    size_t wn = bpe_merge_word(t->pmap, t->pmask, t->merged, *word, nb);
    for (size_t m = 0; m < wn; m++)
        if (ids_push(out, t->sym_id[(*word)[m]])) return -1;
    return 0;
}

static size_t literal_at(const bpe_cps *a, size_t i, size_t end, const char *lit)
{
    size_t n = strlen(lit);
    if (i + n > end) return 0;
    for (size_t k = 0; k < n; k++)
        if (a->v[i + k] != (unsigned char)lit[k]) return 0;
    return n;
}

/* GPT-2's pattern on a[s..e), as the regex module runs it (leftmost alternative first):
 * 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * e is the end of the piece the special tokens left, which is the end of the string for
 * the lookahead. */
static int encode_segment(const roberta_tokenizer *t, const bpe_cps *a, size_t s, size_t e, id_list *out,
                          int32_t **word, size_t *wcap)
{
    static const char *const contractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
    size_t i = s;
    while (i < e) {
        size_t end = i;
        for (int k = 0; k < 7 && end == i; k++) end = i + literal_at(a, i, e, contractions[k]);
        if (end == i) {
            size_t j = i + (a->v[i] == ' ' && i + 1 < e); /* the optional leading space */
            int32_t c = a->v[j];
            if (j < e && bpe_is_letter(c)) {
                for (end = j; end < e && bpe_is_letter(a->v[end]);) end++;
            } else if (j < e && bpe_is_number(c)) {
                for (end = j; end < e && bpe_is_number(a->v[end]);) end++;
            } else if (j < e && !bpe_is_space(c)) {
                for (end = j; end < e && !bpe_is_space(a->v[end]) && !bpe_is_letter(a->v[end]) &&
                              !bpe_is_number(a->v[end]);)
                    end++;
            }
        }
        if (end == i) { /* whitespace: \s+(?!\S) leaves the last space to the next word */
            size_t k = i;
            while (k < e && bpe_is_space(a->v[k])) k++;
            end = k < e && k - i >= 2 ? k - 1 : k;
        }
        if (encode_piece(t, a, i, end, out, word, wcap)) return -1;
        i = end;
    }
    return 0;
}

int roberta_encode(const roberta_tokenizer *t, const char *text, int64_t **ids_out, size_t *n_out, char *err,
                   size_t errlen)
{
    bpe_cps a = {0};
    id_list ids = {0};
    int32_t *word = NULL;
    size_t wcap = 0, bad = 0;
    int rc = bpe_decode_utf8(text, &a, &bad);
    if (rc > 0) {
        bpe_set_err(err, errlen, "text is not valid UTF-8 (byte %zu)", bad);
        free(a.v);
        return -EILSEQ;
    }
    if (rc < 0) goto oom;
    /* Special-token strings split the text (the longest at the leftmost place); the pieces
     * between them are pre-tokenised on their own. */
    size_t start = 0;
    for (size_t i = 0; i <= a.n; i++) {
        int hit = -1;
        size_t hit_len = 0;
        for (int k = 0; i < a.n && k < t->n_specials; k++) {
            size_t l = literal_at(&a, i, a.n, t->specials[k].text);
            if (l > hit_len) {
                hit = k;
                hit_len = l;
            }
        }
        if (hit < 0 && i < a.n) continue;
        size_t piece_end = i;
        if (hit >= 0 && t->specials[hit].lstrip)
            while (piece_end > start && bpe_is_space(a.v[piece_end - 1])) piece_end--;
        if (encode_segment(t, &a, start, piece_end, &ids, &word, &wcap)) goto oom;
        if (hit < 0) break;
        if (ids_push(&ids, t->specials[hit].id)) goto oom;
        start = i + hit_len;
        i = start - 1;
    }
    free(a.v);
    free(word);
    *ids_out = ids.v;
    *n_out = ids.n;
    return 0;
oom:
    bpe_set_err(err, errlen, "out of memory tokenizing text");
    free(a.v);
    free(word);
    free(ids.v);
    return -ENOMEM;
}

int roberta_tokenize(const roberta_tokenizer *t, const char *text, size_t max_length, int truncate,
                     int64_t **ids_out, size_t *n_out, char *err, size_t errlen)
{
    int64_t *bpe_ids = NULL;
    size_t n = 0;
    int rc = roberta_encode(t, text, &bpe_ids, &n, err, errlen);
    if (rc < 0) return rc;
    if (n + 2 > max_length && !truncate) {
        bpe_set_err(err, errlen, "the text is %zu tokens with <s> and </s>, more than the %zu the text encoder takes",
                n + 2, max_length);
        free(bpe_ids);
        return -E2BIG;
    }
    if (n + 2 > max_length) n = max_length >= 2 ? max_length - 2 : 0;
    int64_t *out = malloc((n + 2) * sizeof *out);
    if (!out) {
        free(bpe_ids);
        bpe_set_err(err, errlen, "out of memory tokenizing text");
        return -ENOMEM;
    }
    out[0] = t->bos;
    if (n) memcpy(out + 1, bpe_ids, n * sizeof *out);
    out[n + 1] = t->eos;
    free(bpe_ids);
    *ids_out = out;
    *n_out = n + 2;
    return 0;
}
