/* SPDX-License-Identifier: Apache-2.0 */
/* RoBERTa's byte-level BPE tokenizer (GPT-2's encoder with RoBERTa's special tokens), as
 * Hugging Face's RobertaTokenizer / RobertaTokenizerFast encode one text with default
 * settings (add_prefix_space=False, no normaliser): the special-token strings of the
 * vocabulary split the text, GPT-2's pattern pre-tokenises each piece, BPE with the merge
 * ranks of merges.txt, then <s> ... </s>.  See README.md. */
#ifndef FVEVAL_ROBERTA_TOKENIZER_H
#define FVEVAL_ROBERTA_TOKENIZER_H
#include <stddef.h>
#include <stdint.h>

/* model_max_length of RoBERTa checkpoints (514 position embeddings, offset by pad + 1). */
#define ROBERTA_MAX_LENGTH 512

typedef struct roberta_tokenizer roberta_tokenizer;

/* Reads vocab.json (token -> id; it must hold <s>, <pad>, </s> and <unk>) and merges.txt
 * (an optional "#version" line, then one "A B" merge per line, rank = order).  NULL with a
 * one-line reason in err on failure. */
roberta_tokenizer *roberta_tokenizer_load(const char *vocab_json, const char *merges_txt, char *err,
                                          size_t errlen);
void roberta_tokenizer_free(roberta_tokenizer *tok);

/* Ids of the special tokens: <s> (bos), <pad>, </s> (eos), <unk>. */
int64_t roberta_bos_id(const roberta_tokenizer *tok);
int64_t roberta_pad_id(const roberta_tokenizer *tok);
int64_t roberta_eos_id(const roberta_tokenizer *tok);

/* The BPE ids of text without <s>/</s> (tokenizer.encode(text, add_special_tokens=False));
 * *n_out ids in a malloc'd array.  -ENOMEM, or -EILSEQ for text that is not UTF-8, with a
 * message. */
int roberta_encode(const roberta_tokenizer *tok, const char *text, int64_t **ids_out, size_t *n_out,
                   char *err, size_t errlen);

/* tokenizer(text) for one text: <s>, the ids, </s> (no padding: padding=True pads a batch to
 * its longest text, and one text is its own longest).  More than max_length ids: with
 * truncate, the BPE ids are cut to max_length - 2 (truncation=True, max_length=...);
 * without, -E2BIG and a message (upstream passes the ids on and the text encoder's position
 * embeddings fail).  The attention mask of the result is all ones. */
int roberta_tokenize(const roberta_tokenizer *tok, const char *text, size_t max_length, int truncate,
                     int64_t **ids_out, size_t *n_out, char *err, size_t errlen);
#endif
