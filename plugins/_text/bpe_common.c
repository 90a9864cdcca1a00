/* SPDX-License-Identifier: Apache-2.0 */
#include "bpe_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <zlib.h>

void bpe_bytes_to_unicode(int32_t bs[256], int32_t cs[256])
{
    int n = 0;
    for (int b = '!'; b <= '~'; b++) bs[n++] = b;
    for (int b = 0xA1; b <= 0xAC; b++) bs[n++] = b;
    for (int b = 0xAE; b <= 0xFF; b++) bs[n++] = b;
    for (int i = 0; i < n; i++) cs[i] = bs[i];
    int extra = 0, m = n;
    for (int b = 0; b < 256; b++) {
        int found = 0;
        for (int i = 0; i < n; i++) found |= bs[i] == b;
        if (!found) {
            bs[m] = b;
            cs[m++] = 256 + extra++;
        }
    }
}

int bpe_is_space(int32_t c)
{
    return (c >= 0x9 && c <= 0xd) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
           c == 0x3000;
}

int bpe_is_py_space(int32_t c)
{
    return bpe_is_space(c) || (c >= 0x1c && c <= 0x1f);
}

int bpe_is_letter(int32_t c)
{
    utf8proc_category_t k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LL || k == UTF8PROC_CATEGORY_LT ||
           k == UTF8PROC_CATEGORY_LM || k == UTF8PROC_CATEGORY_LO;
}

int bpe_is_number(int32_t c)
{
    utf8proc_category_t k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_NO;
}

uint64_t bpe_hash_str(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

uint64_t bpe_hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

int bpe_cps_push(bpe_cps *a, int32_t c)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        int32_t *v = realloc(a->v, cap * sizeof *v);
        if (!v) return -1;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = c;
    return 0;
}

int bpe_decode_utf8(const char *text, bpe_cps *out, size_t *bad_offset)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
    utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(text);
    while (left > 0) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &c);
        if (k < 0) {
            *bad_offset = (size_t)(p - (const utf8proc_uint8_t *)text);
            return 1;
        }
        if (bpe_cps_push(out, c)) return -1;
        p += k;
        left -= k;
    }
    return 0;
}

static uint64_t pair_key(int32_t a, int32_t b)
{
    return (((uint64_t) (uint32_t) a << 32) | (uint32_t) b) + 1;
}

int32_t bpe_pair_rank(const bpe_pair_slot *map, size_t mask, int32_t a, int32_t b)
{
    uint64_t key = pair_key(a, b);
    for (size_t i = bpe_hash_u64(key) & mask;; i = (i + 1) & mask) {
        if (map[i].key == 0) return -1;
        if (map[i].key == key) return map[i].rank;
    }
}

void bpe_pair_rank_put(bpe_pair_slot *map, size_t mask, int32_t a, int32_t b, int32_t rank)
{
    uint64_t key = pair_key(a, b);
    for (size_t i = bpe_hash_u64(key) & mask;; i = (i + 1) & mask) {
        if (map[i].key == 0 || map[i].key == key) {
            map[i].key = key;
            map[i].rank = rank;
            return;
        }
    }
}

size_t bpe_merge_word(const bpe_pair_slot *map, size_t mask, const int32_t *merged,
                      int32_t *w, size_t n)
{
    while (n > 1) {
        /* bigram = min(pairs, key=rank); stop when no pair is a merge */
        int32_t best = -1;
        for (size_t i = 0; i + 1 < n; i++) {
            int32_t r = bpe_pair_rank(map, mask, w[i], w[i + 1]);
            if (r >= 0 && (best < 0 || r < best)) best = r;
        }
        if (best < 0) break;
        int32_t first = -1, second = -1;
        for (size_t i = 0; i + 1 < n; i++) {
            if (bpe_pair_rank(map, mask, w[i], w[i + 1]) == best) {
                first = w[i];
                second = w[i + 1];
                break;
            }
        }
        size_t o = 0;
        for (size_t i = 0; i < n;) {
            if (i + 1 < n && w[i] == first && w[i + 1] == second) {
                w[o++] = merged[best];
                i += 2;
            } else {
                w[o++] = w[i++];
            }
        }
        n = o;
    }
    return n;
}

void bpe_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

char *bpe_read_merges(const char *path, size_t *len, char *err, size_t errlen)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        bpe_set_err(err, errlen, "cannot open BPE merges %s: %s", path, strerror(errno ? errno : ENOENT));
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) break;
        if (n == cap) {
            char *b = realloc(buf, cap * 2 + 1);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
        int r = gzread(f, buf + n, (unsigned)(cap - n));
        if (r < 0) {
            int code;
            bpe_set_err(err, errlen, "cannot read BPE merges %s: %s", path, gzerror(f, &code));
            free(buf);
            gzclose(f);
            return NULL;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    gzclose(f);
    if (!buf) {
        bpe_set_err(err, errlen, "out of memory reading %s", path);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
