/* SPDX-License-Identifier: Apache-2.0 */
/* Test driver for plugins/_text: clip_tokenize MERGES.gz TEXTS.json prints, for context
 * lengths 77 and 32 with truncate on and off, one line per string of the JSON array:
 * "CTX TRUNCATE: " and the context_length ids, or "error" when the text is too long and
 * truncate is off (the line clip.tokenize's RuntimeError stands for). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "clip_tokenizer.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MERGES.gz TEXTS.json\n", argv[0]);
        return 2;
    }
    char err[256];
    clip_tokenizer *tok = clip_tokenizer_load(argv[1], err, sizeof err);
    if (!tok) {
        fprintf(stderr, "clip_tokenize: %s\n", err);
        return 1;
    }
    json_error_t jerr;
    json_t *texts = json_load_file(argv[2], 0, &jerr);
    if (!json_is_array(texts)) {
        fprintf(stderr, "clip_tokenize: %s: not a JSON array of strings\n", argv[2]);
        return 1;
    }
    int64_t ids[CLIP_CONTEXT_LENGTH];
    static const int contexts[] = {CLIP_CONTEXT_LENGTH, 32};
    for (int c = 0; c < 2; c++) {
        for (int truncate = 1; truncate >= 0; truncate--) {
            int ctx = contexts[c];
            size_t i;
            json_t *v;
            json_array_foreach(texts, i, v) {
                printf("%d %d:", ctx, truncate);
                if (clip_tokenize(tok, json_string_value(v), ctx, truncate, ids, err, sizeof err) < 0) {
                    printf(" error\n");
                    continue;
                }
                for (int k = 0; k < ctx; k++) printf(" %lld", (long long)ids[k]);
                printf("\n");
            }
        }
    }
    json_decref(texts);
    clip_tokenizer_free(tok);
    return 0;
}
