/* SPDX-License-Identifier: Apache-2.0 */
/* Test driver for plugins/_text: clip_tokenize MERGES.gz CONTEXT_LENGTH TRUNCATE(0|1) TEXTS.json
 * prints one line per string of the JSON array: the context_length ids, or "error" when the
 * text is too long and truncate is 0 (the line clip.tokenize's RuntimeError stands for). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "clip_tokenizer.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s MERGES.gz CONTEXT_LENGTH TRUNCATE TEXTS.json\n", argv[0]);
        return 2;
    }
    char err[256];
    clip_tokenizer *tok = clip_tokenizer_load(argv[1], err, sizeof err);
    if (!tok) {
        fprintf(stderr, "clip_tokenize: %s\n", err);
        return 1;
    }
    int ctx = atoi(argv[2]), truncate = atoi(argv[3]);
    json_error_t jerr;
    json_t *texts = json_load_file(argv[4], 0, &jerr);
    if (!json_is_array(texts)) {
        fprintf(stderr, "clip_tokenize: %s: not a JSON array of strings\n", argv[4]);
        return 1;
    }
    int64_t *ids = malloc((size_t)ctx * sizeof *ids);
    size_t i;
    json_t *v;
    json_array_foreach(texts, i, v) {
        if (clip_tokenize(tok, json_string_value(v), ctx, truncate, ids, err, sizeof err) < 0) {
            printf("error\n");
            continue;
        }
        for (int k = 0; k < ctx; k++) printf(k ? " %lld" : "%lld", (long long)ids[k]);
        printf("\n");
    }
    free(ids);
    json_decref(texts);
    clip_tokenizer_free(tok);
    return 0;
}
