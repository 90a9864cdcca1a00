/* SPDX-License-Identifier: Apache-2.0 */
/* What the byte-level BPE tokenizers of plugins/_text share: GPT-2's bytes_to_unicode
 * table, the Unicode character classes their split patterns use (regex module semantics,
 * general categories from utf8proc) and the hashes of their lookup tables. */
#ifndef FVEVAL_BPE_COMMON_H
#define FVEVAL_BPE_COMMON_H
#include <stddef.h>
#include <stdint.h>

/* bytes_to_unicode(): bs[i] is a byte, cs[i] the code point standing for it.  Printable
 * Latin-1 bytes ('!'..'~', 0xA1..0xAC, 0xAE..0xFF) come first and map to themselves, the
 * other bytes follow in byte order and map to 256, 257, ...  (the order in which CLIP
 * lists them in its vocabulary). */
void bpe_bytes_to_unicode(int32_t bs[256], int32_t cs[256]);

/* The regex module's \s: Unicode White_Space. */
int bpe_is_space(int32_t c);
/* str.isspace (used by str.strip): \s plus the information separators 0x1C..0x1F. */
int bpe_is_py_space(int32_t c);
/* \p{L}: general category L*. */
int bpe_is_letter(int32_t c);
/* \p{N}: general category N*. */
int bpe_is_number(int32_t c);

/* A growable array of code points. */
typedef struct {
    int32_t *v;
    size_t n, cap;
} bpe_cps;
/* Appends c; -1 on no memory. */
int bpe_cps_push(bpe_cps *a, int32_t c);
/* Appends the code points of NUL-terminated UTF-8 text; 0, -1 on no memory, or 1 when the
 * text is not valid UTF-8 (*bad_offset: the byte where it stops being). */
int bpe_decode_utf8(const char *text, bpe_cps *out, size_t *bad_offset);

/* vsnprintf into err (nothing when err is NULL or errlen 0). */
void bpe_set_err(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The whole merges file, gzip-compressed (CLIP's .txt.gz) or plain (zlib reads those
 * transparently), NUL-terminated; *len bytes.  NULL with a one-line reason in err. */
char *bpe_read_merges(const char *path, size_t *len, char *err, size_t errlen);

/* FNV-1a over n bytes, and a 64-bit mixer, for the open-addressing tables. */
uint64_t bpe_hash_str(const char *s, size_t n);
uint64_t bpe_hash_u64(uint64_t x);

/* bpe_ranks: an open-addressing table from a pair of symbol ids to the rank of their
 * merge, mask + 1 slots (a power of two, more than the merges), zeroed when empty. */
typedef struct {
    uint64_t key; /* (first << 32 | second) + 1; 0 = empty */
    int32_t rank;
} bpe_pair_slot;
/* The rank of merging (a, b), or -1 when there is no such merge. */
int32_t bpe_pair_rank(const bpe_pair_slot *map, size_t mask, int32_t a, int32_t b);
/* Sets the rank of (a, b); a repeated pair keeps the last rank, as dict(zip(merges, ...)). */
void bpe_pair_rank_put(bpe_pair_slot *map, size_t mask, int32_t a, int32_t b, int32_t rank);
/* GPT-2's bpe(): merges the lowest-ranked adjacent pair everywhere, left to right without
 * overlap, until no adjacent pair is a merge.  w holds n symbols; merged[rank] is the symbol
 * a merge produces.  Returns the number of symbols left in w. */
size_t bpe_merge_word(const bpe_pair_slot *map, size_t mask, const int32_t *merged,
                      int32_t *w, size_t n);

#endif
