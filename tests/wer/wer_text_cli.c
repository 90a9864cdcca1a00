/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs audio.wer's text half on cases from a JSON file
 * ([[reference, asr, language-or-null], ...]) and prints one JSON object per
 * case: the normalised texts, the char-level decision and the WER, for
 * tests/wer/text.sh to compare with tests/wer/wer_ref.py.
 */
#include <stdio.h>

#include <jansson.h>

#include "wer_text.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CASES.json\n", argv[0]);
        return 2;
    }
    json_error_t jerr;
    json_t *cases = json_load_file(argv[1], 0, &jerr);
    if (!json_is_array(cases)) {
        fprintf(stderr, "%s: %s\n", argv[1], jerr.text);
        return 2;
    }
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *lang = json_string_value(json_array_get(c, 2));
        wer_outcome o;
        int r = wer_evaluate(json_string_value(json_array_get(c, 0)),
                             json_string_value(json_array_get(c, 1)), lang, &o);
        if (r < 0) {
            json_array_append_new(out, json_pack("{s:i}", "error", r));
            continue;
        }
        json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:f, s:I}", "reference", o.reference,
                                             "transcription", o.transcription, "char_level",
                                             o.char_level, "wer", o.wer, "ref_words",
                                             (json_int_t) o.ref_words));
        wer_outcome_free(&o);
    }
    char *s = json_dumps(out, JSON_ENSURE_ASCII);
    puts(s);
    free(s);
    json_decref(out);
    json_decref(cases);
    return 0;
}
