/* SPDX-License-Identifier: Apache-2.0 */
/* OpenAI CLIP's simple_tokenizer in C.  Every step mirrors the Python line it replaces;
 * the comments name that line.  Text is handled as arrays of code points so that the
 * Unicode-aware steps (html.unescape, str.strip, regex \s, str.lower, \p{L}, \p{N}) see
 * characters, as Python does. */
#include "clip_tokenizer.h"

#include "bpe_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define N_MERGES (49152 - 256 - 2) /* merges[1:49152-256-2+1] */
#define VOCAB_SIZE (512 + N_MERGES + 2)

/* ---------- string -> id hash (vocab) and pair -> rank hash (bpe_ranks) ---------- */
typedef struct {
    char *key;
    int32_t id;
} str_slot;
struct clip_tokenizer {
    char *strings[VOCAB_SIZE]; /* vocab list, in simple_tokenizer's order */
    str_slot *smap;            /* encoder: string -> id (the last one for repeats, as dict(zip)) */
    size_t smask;
    bpe_pair_slot *pmap; /* bpe_ranks over encoder ids of the two halves */
    size_t pmask;
    int32_t merged[N_MERGES]; /* encoder id of the string a merge produces */
    int32_t byte_id[256];     /* encoder id of byte_encoder[b]; +256 for the '</w>' form */
};

static int32_t smap_get(const clip_tokenizer *t, const char *s, size_t n)
{
    for (size_t i = bpe_hash_str(s, n) & t->smask;; i = (i + 1) & t->smask) {
        const str_slot *sl = &t->smap[i];
        if (!sl->key) return -1;
        if (strlen(sl->key) == n && memcmp(sl->key, s, n) == 0) return sl->id;
    }
}

static void smap_put(clip_tokenizer *t, char *s, int32_t id)
{
    size_t n = strlen(s);
    for (size_t i = bpe_hash_str(s, n) & t->smask;; i = (i + 1) & t->smask) {
        str_slot *sl = &t->smap[i];
        if (!sl->key || strcmp(sl->key, s) == 0) {
            sl->key = s;
            sl->id = id;
            return;
        }
    }
}

static char *dup_utf8(int32_t c, const char *suffix)
{
    char *s = malloc(8 + (suffix ? strlen(suffix) : 0));
    if (!s) return NULL;
    utf8proc_ssize_t k = utf8proc_encode_char(c, (utf8proc_uint8_t *)s);
    s[k] = '\0';
    if (suffix) strcat(s, suffix);
    return s;
}

clip_tokenizer *clip_tokenizer_load(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = bpe_read_merges(path, &len, err, errlen);
    if (!text) return NULL;
    clip_tokenizer *t = calloc(1, sizeof *t);
    if (t) {
        t->smask = (1u << 17) - 1;
        t->pmask = (1u << 17) - 1;
        t->smap = calloc(t->smask + 1, sizeof *t->smap);
        t->pmap = calloc(t->pmask + 1, sizeof *t->pmap);
    }
    if (!t || !t->smap || !t->pmap) goto oom;
    int32_t bs[256], cs[256];
    bpe_bytes_to_unicode(bs, cs);
    for (int i = 0; i < 256; i++) {
        if (!(t->strings[i] = dup_utf8(cs[i], NULL))) goto oom;
        if (!(t->strings[256 + i] = dup_utf8(cs[i], "</w>"))) goto oom;
    }
    /* merges = text.split('\n')[1:49152-256-2+1]: skip the header line. */
    char *line = strchr(text, '\n');
    char *firsts[N_MERGES], *seconds[N_MERGES];
    int n = 0;
    while (line && n < N_MERGES) {
        line++;
        if (*line == '\0') break; /* end of file: counted below */
        char *end = strchr(line, '\n');
        if (end) *end = '\0';
        char *sp = strchr(line, ' ');
        if (!sp || strchr(sp + 1, ' ') || sp == line || sp[1] == '\0') {
            bpe_set_err(err, errlen, "%s: merge line %d is not two symbols: '%.40s'", path, n + 2, line);
            goto fail;
        }
        *sp = '\0';
        firsts[n] = line;
        seconds[n] = sp + 1;
        size_t la = strlen(line), lb = strlen(sp + 1);
        char *joined = malloc(la + lb + 1);
        if (!joined) goto oom;
        memcpy(joined, line, la);
        memcpy(joined + la, sp + 1, lb + 1);
        t->strings[512 + n] = joined;
        n++;
        line = end;
    }
    if (n < N_MERGES) {
        bpe_set_err(err, errlen, "%s: %d BPE merges, CLIP needs %d", path, n, N_MERGES);
        goto fail;
    }
    if (!(t->strings[VOCAB_SIZE - 2] = strdup("<|startoftext|>"))) goto oom;
    if (!(t->strings[VOCAB_SIZE - 1] = strdup("<|endoftext|>"))) goto oom;
    /* encoder = dict(zip(vocab, range(len(vocab)))): a repeated string keeps its last id. */
    for (int i = 0; i < VOCAB_SIZE; i++) smap_put(t, t->strings[i], i);
    for (int i = 0; i < 256; i++) {
        t->byte_id[bs[i]] = smap_get(t, t->strings[i], strlen(t->strings[i]));
    }
    /* bpe_ranks keyed by strings; each string has one encoder id, so ids stand in for them. */
    for (int r = 0; r < N_MERGES; r++) {
        int32_t a = smap_get(t, firsts[r], strlen(firsts[r]));
        int32_t b = smap_get(t, seconds[r], strlen(seconds[r]));
        if (a < 0 || b < 0) {
            bpe_set_err(err, errlen, "%s: merge line %d uses a symbol not in the vocabulary", path, r + 2);
            goto fail;
        }
        bpe_pair_rank_put(t->pmap, t->pmask, a, b, r);
        t->merged[r] = smap_get(t, t->strings[512 + r], strlen(t->strings[512 + r]));
    }
    free(text);
    return t;
oom:
    bpe_set_err(err, errlen, "out of memory loading %s", path);
fail:
    free(text);
    clip_tokenizer_free(t);
    return NULL;
}

void clip_tokenizer_free(clip_tokenizer *t)
{
    if (!t) return;
    for (int i = 0; i < VOCAB_SIZE; i++) free(t->strings[i]);
    free(t->smap);
    free(t->pmap);
    free(t);
}

/* ---------- html.unescape ---------- */
typedef struct {
    const char *name;
    int32_t cp[2];
} entity;
static const entity entities[] = {
#include "html_entities.inc"
};

static int entity_cmp(const void *key, const void *e)
{
    return strcmp(key, ((const entity *)e)->name);
}

static const entity *find_entity(const char *name)
{
    return bsearch(name, entities, sizeof entities / sizeof *entities, sizeof *entities, entity_cmp);
}

/* html._invalid_charrefs: C1 references read as Windows-1252, as browsers do. */
static int32_t invalid_charref(uint64_t num)
{
    static const int32_t c1[32] = {0x20ac, 0x81,   0x201a, 0x192,  0x201e, 0x2026, 0x2020, 0x2021,
                                   0x2c6,  0x2030, 0x160,  0x2039, 0x152,  0x8d,   0x17d,  0x8f,
                                   0x90,   0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
                                   0x2dc,  0x2122, 0x161,  0x203a, 0x153,  0x9d,   0x17e,  0x178};
    if (num == 0) return 0xfffd;
    if (num == 0x0d) return 0x0d;
    if (num >= 0x80 && num <= 0x9f) return c1[num - 0x80];
    return -1;
}

/* html._invalid_codepoints: replaced by nothing. */
static int invalid_codepoint(uint64_t c)
{
    return (c >= 0x1 && c <= 0x8) || c == 0xb || (c >= 0xe && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) ||
           (c >= 0xfdd0 && c <= 0xfdef) || (c <= 0x10ffff && (c & 0xfffe) == 0xfffe);
}

static int is_hex(int32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* html.unescape: '&' followed by the charref pattern
 * (#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?), replaced as _replace_charref. */
static int html_unescape(const bpe_cps *in, bpe_cps *out)
{
    out->n = 0;
    size_t i = 0;
    while (i < in->n) {
        int32_t c = in->v[i];
        if (c != '&' || i + 1 >= in->n) {
            if (bpe_cps_push(out, c)) return -1;
            i++;
            continue;
        }
        size_t j = i + 1;
        if (in->v[j] == '#') {
            int hex = j + 1 < in->n && (in->v[j + 1] == 'x' || in->v[j + 1] == 'X');
            size_t k = j + 1 + (size_t)hex, d = k;
            uint64_t num = 0;
            while (d < in->n && (hex ? is_hex(in->v[d]) : (in->v[d] >= '0' && in->v[d] <= '9'))) {
                int32_t ch = in->v[d];
                int v = ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10;
                if (num <= 0x110000) num = num * (hex ? 16 : 10) + (uint64_t)v; /* saturate */
                d++;
            }
            if (d == k) { /* no digits: not a reference */
                if (bpe_cps_push(out, c)) return -1;
                i++;
                continue;
            }
            if (d < in->n && in->v[d] == ';') d++;
            int32_t r = invalid_charref(num);
            if (r < 0) {
                if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) r = 0xfffd;
                else if (invalid_codepoint(num)) r = -2;
                else r = (int32_t)num;
            }
            if (r >= 0 && bpe_cps_push(out, r)) return -1;
            i = d;
            continue;
        }
        /* named: up to 32 characters other than \t \n \f space < & # ;, then an optional ';' */
        size_t k = j;
        while (k < in->n && k - j < 32) {
            int32_t ch = in->v[k];
            if (ch == '\t' || ch == '\n' || ch == '\f' || ch == ' ' || ch == '<' || ch == '&' || ch == '#' ||
                ch == ';')
                break;
            k++;
        }
        if (k == j) {
            if (bpe_cps_push(out, c)) return -1;
            i++;
            continue;
        }
        size_t end = k < in->n && in->v[k] == ';' ? k + 1 : k; /* s = in[j, end) */
        char name[32 * 4 + 2];
        size_t nb = 0;
        for (size_t m = j; m < end; m++)
            nb += (size_t)utf8proc_encode_char(in->v[m], (utf8proc_uint8_t *)name + nb);
        name[nb] = '\0';
        const entity *e = find_entity(name);
        size_t used = end - j;
        if (!e) {
            /* the longest prefix s[:x], len(s)-1 >= x >= 2, that is a name (one without ';') */
            for (size_t x = end - j - 1; x >= 2 && !e; x--) {
                nb = 0;
                for (size_t m = j; m < j + x; m++)
                    nb += (size_t)utf8proc_encode_char(in->v[m], (utf8proc_uint8_t *)name + nb);
                name[nb] = '\0';
                if ((e = find_entity(name))) used = x;
            }
        }
        if (!e) { /* '&' + s: unchanged */
            for (size_t m = i; m < end; m++)
                if (bpe_cps_push(out, in->v[m])) return -1;
        } else {
            if (bpe_cps_push(out, e->cp[0])) return -1;
            if (e->cp[1] && bpe_cps_push(out, e->cp[1])) return -1;
            for (size_t m = j + used; m < end; m++)
                if (bpe_cps_push(out, in->v[m])) return -1;
        }
        i = end;
    }
    return 0;
}

/* ---------- character classes ---------- */
static int is_cased(int32_t c)
{
    utf8proc_category_t k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LL || k == UTF8PROC_CATEGORY_LT ||
           utf8proc_tolower(c) != c || utf8proc_toupper(c) != c;
}

static int is_case_ignorable(int32_t c)
{
    utf8proc_category_t k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_ME || k == UTF8PROC_CATEGORY_CF ||
           k == UTF8PROC_CATEGORY_LM || k == UTF8PROC_CATEGORY_SK || c == '\'' || c == '.' || c == ':' ||
           c == 0xb7 || c == 0x2019;
}

/* Python's str.lower: simple mappings, plus the two special cases it applies:
 * U+0130 becomes "i" + U+0307, and a capital sigma that ends a word becomes final sigma. */
static int py_lower(const bpe_cps *in, bpe_cps *out)
{
    out->n = 0;
    for (size_t i = 0; i < in->n; i++) {
        int32_t c = in->v[i];
        if (c == 0x130) {
            if (bpe_cps_push(out, 'i') || bpe_cps_push(out, 0x307)) return -1;
            continue;
        }
        if (c == 0x3a3) {
            size_t j = i;
            int before = 0, after = 0;
            while (j > 0 && is_case_ignorable(in->v[j - 1])) j--;
            before = j > 0 && is_cased(in->v[j - 1]);
            j = i + 1;
            while (j < in->n && is_case_ignorable(in->v[j])) j++;
            after = j < in->n && is_cased(in->v[j]);
            if (bpe_cps_push(out, before && !after ? 0x3c2 : 0x3c3)) return -1;
            continue;
        }
        if (bpe_cps_push(out, utf8proc_tolower(c))) return -1;
    }
    return 0;
}

/* ---------- BPE over encoder ids ---------- */
static int bpe(const clip_tokenizer *t, const unsigned char *bytes, size_t n, int32_t **word, size_t *wcap,
               size_t *wn)
{
    if (*wcap < n) {
        int32_t *w = realloc(*word, n * sizeof *w);
        if (!w) return -1;
        *word = w;
        *wcap = n;
    }
    int32_t *w = *word;
    /* word = tuple(token[:-1]) + (token[-1] + '</w>',) */
    for (size_t i = 0; i < n; i++) w[i] = t->byte_id[bytes[i]];
    char tail[16];
    snprintf(tail, sizeof tail, "%s</w>", t->strings[w[n - 1]]);
    w[n - 1] = smap_get(t, tail, strlen(tail));
    *wn = bpe_merge_word(t->pmap, t->pmask, t->merged, w, n);
    return 0;
}

static int match_literal(const bpe_cps *s, size_t i, const char *lit)
{
    size_t n = strlen(lit);
    if (i + n > s->n) return 0;
    for (size_t k = 0; k < n; k++)
        if (s->v[i + k] != (unsigned char)lit[k]) return 0;
    return 1;
}

int clip_encode(clip_tokenizer *t, const char *text, int64_t **ids_out, size_t *n_out, char *err, size_t errlen)
{
    bpe_cps a = {0}, b = {0};
    int64_t *ids = NULL;
    size_t nids = 0, idcap = 0;
    int32_t *word = NULL;
    size_t wcap = 0;
    unsigned char *bytes = NULL;
    int rc = -1;
    /* decode UTF-8 */
    size_t bad = 0;
    int dr = bpe_decode_utf8(text, &a, &bad);
    if (dr < 0) goto oom;
    if (dr > 0) {
        bpe_set_err(err, errlen, "text is not valid UTF-8 (byte %zu)", bad);
        goto out;
    }
    /* basic_clean: html.unescape(html.unescape(text)).strip()  (ftfy.fix_text not done) */
    if (html_unescape(&a, &b) || html_unescape(&b, &a)) goto oom;
    /* whitespace_clean: re.sub(r'\s+', ' ', text).strip(); the strip before it only removes
     * characters this one removes too. */
    b.n = 0;
    for (size_t i = 0; i < a.n; i++) {
        if (bpe_is_space(a.v[i])) {
            if (bpe_cps_push(&b, ' ')) goto oom;
            while (i + 1 < a.n && bpe_is_space(a.v[i + 1])) i++;
        } else if (bpe_cps_push(&b, a.v[i])) {
            goto oom;
        }
    }
    size_t s0 = 0, s1 = b.n;
    while (s0 < s1 && bpe_is_py_space(b.v[s0])) s0++;
    while (s1 > s0 && bpe_is_py_space(b.v[s1 - 1])) s1--;
    bpe_cps stripped = {b.v + s0, s1 - s0, 0};
    if (py_lower(&stripped, &a)) goto oom; /* .lower() */
    /* re.findall(pat, text), leftmost alternative first at each position */
    static const char *const specials[] = {"<|startoftext|>", "<|endoftext|>"};
    static const char *const contractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
    bytes = malloc(a.n * 4 + 1);
    if (!bytes) goto oom;
    size_t i = 0;
    while (i < a.n) {
        size_t end = i;
        int special = -1;
        for (int k = 0; k < 2 && end == i; k++)
            if (match_literal(&a, i, specials[k])) {
                end = i + strlen(specials[k]);
                special = k;
            }
        for (int k = 0; k < 7 && end == i; k++)
            if (match_literal(&a, i, contractions[k])) end = i + strlen(contractions[k]);
        if (end == i && bpe_is_letter(a.v[i])) {
            while (end < a.n && bpe_is_letter(a.v[end])) end++;
        } else if (end == i && bpe_is_number(a.v[i])) {
            end = i + 1;
        } else if (end == i && !bpe_is_space(a.v[i])) {
            while (end < a.n && !bpe_is_space(a.v[end]) && !bpe_is_letter(a.v[end]) && !bpe_is_number(a.v[end])) end++;
        }
        if (end == i) { /* whitespace: no match here */
            i++;
            continue;
        }
        size_t need = nids + (special >= 0 ? 1 : (end - i) * 4);
        if (need > idcap) {
            size_t cap = need * 2 + 16;
            int64_t *v = realloc(ids, cap * sizeof *v);
            if (!v) goto oom;
            ids = v;
            idcap = cap;
        }
        if (special >= 0) { /* the bpe cache holds these two as themselves */
            ids[nids++] = special == 0 ? CLIP_SOT_ID : CLIP_EOT_ID;
        } else {
            size_t nb = 0, wn = 0;
            for (size_t m = i; m < end; m++)
                nb += (size_t)utf8proc_encode_char(a.v[m], bytes + nb);
            if (bpe(t, bytes, nb, &word, &wcap, &wn)) goto oom;
            for (size_t m = 0; m < wn; m++) ids[nids++] = word[m];
        }
        i = end;
    }
    *ids_out = ids;
    *n_out = nids;
    ids = NULL;
    rc = 0;
    goto out;
oom:
    bpe_set_err(err, errlen, "out of memory tokenizing text");
out:
    free(a.v);
    free(b.v);
    free(ids);
    free(word);
    free(bytes);
    return rc;
}

int clip_tokenize(clip_tokenizer *t, const char *text, int context_length, int truncate, int64_t *out, char *err,
                  size_t errlen)
{
    if (context_length < 2) {
        bpe_set_err(err, errlen, "context length %d is too short for start and end tokens", context_length);
        return -1;
    }
    int64_t *ids;
    size_t n;
    if (clip_encode(t, text, &ids, &n, err, errlen)) return -1;
    size_t total = n + 2;
    if (total > (size_t)context_length && !truncate) {
        bpe_set_err(err, errlen, "text is %zu tokens, more than the context length %d", total, context_length);
        free(ids);
        return -1;
    }
    memset(out, 0, (size_t)context_length * sizeof *out);
    out[0] = CLIP_SOT_ID;
    size_t keep = total > (size_t)context_length ? (size_t)context_length : total;
    for (size_t k = 1; k < keep; k++) out[k] = k - 1 < n ? ids[k - 1] : CLIP_EOT_ID;
    out[keep - 1] = CLIP_EOT_ID; /* tokens[-1] = eot_token when cut */
    free(ids);
    return (int)keep;
}
