#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# plugins/_text (CLIP's BPE tokenizer) against tests/text/clip_tokenizer_ref.py, an
# independent Python version of simple_tokenizer + clip.tokenize: every token id of the
# checked-in tricky strings (tests/text/prompts.json) and of every prompt in
# ../shared/data/VBench_full_info.json when it is there, at context length 77 and 32
# (ViCLIP), with truncate on and off.
. "$top_srcdir/tests/lib.sh"
PY=/usr/bin/python3
bin="$top_builddir/tests/text/clip_tokenize"
merges="$top_srcdir/plugins/_text/data/bpe_simple_vocab_16e6.txt.gz"
[ -x "$bin" ] || { echo "FAIL: $bin not built" >&2; exit 99; }
"$PY" -c 'import regex' 2>/dev/null || { echo "FAIL: $PY lacks regex (python3-regex)" >&2; exit 99; }
cd "$TMPDIR_TEST"
set -- "$top_srcdir/tests/text/prompts.json"
VB="$top_srcdir/../shared/data/VBench_full_info.json"
if [ -f "$VB" ]; then
    # every string of the file that is a prompt: prompt_en and the auxiliary texts
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
    set -- "$@" vbench.json
else
    echo "note: $VB absent: checked-in strings only"
fi
for texts in "$@"; do
    for ctx in 77 32; do
        for trunc in 1 0; do
            "$bin" "$merges" $ctx $trunc "$texts" > c.txt || { fail "clip_tokenize $texts"; continue; }
            "$PY" "$top_srcdir/tests/text/clip_tokenizer_ref.py" "$merges" $ctx $trunc "$texts" > py.txt ||
                { fail "reference $texts"; continue; }
            n=$(wc -l < py.txt)
            errors=$(grep -c '^error$' py.txt)
            ids=$(grep -v '^error$' py.txt | wc -w)
            if cmp -s c.txt py.txt; then
                pass "$(basename "$texts") ctx=$ctx truncate=$trunc: $n texts, $ids ids equal, $errors too long"
            else
                fail "$(basename "$texts") ctx=$ctx truncate=$trunc: $(diff c.txt py.txt | grep -c '^<') of $n rows differ"
                diff c.txt py.txt | head -6 >&2
            fi
        done
    done
done
finish
