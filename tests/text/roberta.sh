#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# plugins/_text's RoBERTa byte-level BPE against tests/text/roberta_tokenizer_ref.py (the
# published GPT-2 encoder with the regex module, plus RobertaTokenizerFast's special-token
# split, <s>/</s> and truncation): every id of the checked-in strings (tests/text/prompts.json,
# tests/text/roberta_prompts.json, a 600-word text) at max length 512 and 16, truncation
# off and on, with two vocabularies learnt here: 300 merges from those strings, and up to
# 30000 from every VBench prompt (../shared/data/VBench_full_info.json) when it is there.
. "$top_srcdir/tests/lib.sh"
PY=/usr/bin/python3
bin="$top_builddir/tests/text/roberta_tokenize"
ref="$top_srcdir/tests/text/roberta_tokenizer_ref.py"
[ -x "$bin" ] || { echo "FAIL: $bin not built" >&2; exit 99; }
"$PY" -c 'import regex' 2>/dev/null || { echo "FAIL: $PY lacks regex (python3-regex)" >&2; exit 99; }
cd "$TMPDIR_TEST"
"$PY" -c '
import json, sys
texts = []
for p in sys.argv[1:]:
    texts += json.load(open(p, encoding="utf-8"))
texts += ["word " * 600, " ".join(str(i) for i in range(300)), "<mask> " * 40]
json.dump(texts, open("texts.json", "w"))' "$top_srcdir/tests/text/prompts.json" \
    "$top_srcdir/tests/text/roberta_prompts.json" || exit 99
VB="$top_srcdir/../shared/data/VBench_full_info.json"
"$PY" "$ref" gen small.json small.txt 300 1 texts.json || exit 99
set -- small texts.json
if [ -f "$VB" ]; then
    "$PY" -c '
import json, sys
out = []
def walk(v, key=None):
    if isinstance(v, dict):
        for k, x in v.items(): walk(x, k)
    elif isinstance(v, list):
        for x in v: walk(x, key)
    elif isinstance(v, str) and key != "dimension":
        out.append(v)
walk(json.load(open(sys.argv[1], encoding="utf-8")))
json.dump(out, open("vbench.json", "w"))' "$VB" || fail "reading $VB"
    "$PY" "$ref" gen large.json large.txt 30000 2 vbench.json texts.json || exit 99
    set -- "$@" large texts.json large vbench.json
else
    echo "note: $VB absent: the small vocabulary only"
fi
while [ $# -ge 2 ]; do
    voc=$1 texts=$2
    shift 2
    merges=$(grep -vc '^#version' "$voc.txt")
    "$bin" "$voc.json" "$voc.txt" "$texts" > c.txt || { fail "roberta_tokenize $voc $texts"; continue; }
    "$PY" "$ref" encode "$voc.json" "$voc.txt" "$texts" > py.txt || { fail "reference $voc $texts"; continue; }
    for mode in "512 0" "16 0" "16 1"; do
        grep "^$mode:" py.txt > py.mode; grep "^$mode:" c.txt > c.mode
        n=$(wc -l < py.mode)
        errors=$(grep -c ': error$' py.mode)
        ids=$(grep -v ': error$' py.mode | wc -w)
        ids=$((ids - 2 * (n - errors)))
        name="$voc vocabulary ($merges merges), $texts, max_length,truncate=${mode% *},${mode#* }"
        if [ "$n" -gt 0 ] && cmp -s c.mode py.mode; then
            pass "$name: $n texts, $ids ids equal, $errors too long"
        else
            fail "$name: $(diff c.mode py.mode | grep -c '^<') of $n rows differ"
            diff c.mode py.mode | head -6 >&2
        fi
    done
done
# Files that cannot be used: one clear line each.
expect_rc 1 "$bin" absent.json small.txt texts.json && contains "cannot read the vocabulary absent.json" && one_line
expect_rc 1 "$bin" small.json absent.txt texts.json && contains "cannot open BPE merges absent.txt" && one_line
printf '#version: 0.2\na b c\n' > bad.txt
expect_rc 1 "$bin" small.json bad.txt texts.json && contains "bad.txt: line 2 is not two symbols" && one_line
printf '{"a": 0, "</s>": 1, "<pad>": 2, "<unk>": 3}' > nobos.json
expect_rc 1 "$bin" nobos.json small.txt texts.json && contains "no id for the special token <s>" && one_line
finish
