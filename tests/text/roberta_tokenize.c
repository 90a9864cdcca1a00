/* SPDX-License-Identifier: Apache-2.0 */
/* Test driver for plugins/_text's RoBERTa tokenizer: roberta_tokenize VOCAB.json MERGES.txt
 * TEXTS.json prints, for max lengths 512 and 16 with truncation off and on, one line per
 * string of the JSON array: "MAX TRUNCATE:" and the ids with <s> and </s>, or "error" when
 * the text is longer than MAX and truncation is off. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "roberta_tokenizer.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s VOCAB.json MERGES.txt TEXTS.json\n", argv[0]);
        return 2;
    }
    char err[256];
    roberta_tokenizer *tok = roberta_tokenizer_load(argv[1], argv[2], err, sizeof err);
    if (!tok) {
        fprintf(stderr, "roberta_tokenize: %s\n", err);
        return 1;
    }
    json_error_t jerr;
    json_t *texts = json_load_file(argv[3], 0, &jerr);
    if (!json_is_array(texts)) {
        fprintf(stderr, "roberta_tokenize: %s: not a JSON array of strings\n", argv[3]);
        roberta_tokenizer_free(tok);
        return 1;
    }
    static const struct { size_t max; int truncate; } modes[] = {{ROBERTA_MAX_LENGTH, 0}, {16, 0}, {16, 1}};
    int rc = 0;
    for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
        size_t i;
        json_t *v;
        json_array_foreach(texts, i, v) {
            int64_t *ids = NULL;
            size_t n = 0;
            int r = roberta_tokenize(tok, json_string_value(v), modes[m].max, modes[m].truncate, &ids, &n,
                                     err, sizeof err);
            printf("%zu %d:", modes[m].max, modes[m].truncate);
            if (r == -E2BIG) {
                printf(" error\n");
                continue;
            }
            if (r < 0) {
                fprintf(stderr, "roberta_tokenize: text %zu: %s\n", i, err);
                rc = 1;
                printf(" failed\n");
                continue;
            }
            for (size_t k = 0; k < n; k++) printf(" %lld", (long long)ids[k]);
            printf("\n");
            free(ids);
        }
    }
    json_decref(texts);
    roberta_tokenizer_free(tok);
    return rc;
}
