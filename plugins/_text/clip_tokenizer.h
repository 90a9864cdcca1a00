/* SPDX-License-Identifier: Apache-2.0 */
/* OpenAI CLIP's tokenizer (clip/simple_tokenizer.py + clip.tokenize): byte-level BPE over
 * bpe_simple_vocab_16e6.txt.gz, html unescape twice, whitespace collapse, lower-case,
 * CLIP's split pattern.  ftfy.fix_text is not reproduced (see README.md). */
#ifndef FVEVAL_CLIP_TOKENIZER_H
#define FVEVAL_CLIP_TOKENIZER_H
#include <stddef.h>
#include <stdint.h>

#define CLIP_SOT_ID 49406
#define CLIP_EOT_ID 49407
#define CLIP_CONTEXT_LENGTH 77 /* CLIP; ViCLIP uses 32 */

typedef struct clip_tokenizer clip_tokenizer;

/* Reads the gzip'd merges file; NULL with a one-line reason in err on failure. */
clip_tokenizer *clip_tokenizer_load(const char *path, char *err, size_t errlen);
void clip_tokenizer_free(clip_tokenizer *tok);

/* clip.tokenize for one text: SOT, BPE ids, EOT, zeros up to context_length in out[].
 * Too long: with truncate, cut to context_length and force the last id to EOT; without,
 * -1 and a message.  Also -1 for text that is not UTF-8.  Returns the number of non-pad
 * ids on success. */
int clip_tokenize(clip_tokenizer *tok, const char *text, int context_length, int truncate,
                  int64_t *out, char *err, size_t errlen);

/* The BPE ids of text without SOT/EOT (simple_tokenizer's encode); *n_out ids in a
 * malloc'd array; -1 and a message on failure. */
int clip_encode(clip_tokenizer *tok, const char *text, int64_t **ids_out, size_t *n_out,
                char *err, size_t errlen);
#endif
