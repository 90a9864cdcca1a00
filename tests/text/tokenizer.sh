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
expect_rc 1 "$bin" "$TMPDIR_TEST/absent.txt.gz" "$1" && contains "cannot open BPE merges" && one_line
printf 'not gzip\n' > bad.txt.gz
expect_rc 1 "$bin" bad.txt.gz "$1" && contains "merges" && one_line
for texts in "$@"; do
    "$bin" "$merges" "$texts" > c.txt || { fail "clip_tokenize $texts"; continue; }
    "$PY" "$top_srcdir/tests/text/clip_tokenizer_ref.py" "$merges" "$texts" > py.txt ||
        { fail "reference $texts"; continue; }
    for mode in "77 1" "77 0" "32 1" "32 0"; do
        grep "^$mode:" py.txt > py.mode; grep "^$mode:" c.txt > c.mode
        n=$(wc -l < py.mode)
        errors=$(grep -c ': error$' py.mode)
        ids=$(grep -v ': error$' py.mode | wc -w)
        ids=$((ids - 2 * (n - errors)))
        name="$(basename "$texts") context,truncate=${mode% *},${mode#* }"
        if [ "$n" -gt 0 ] && cmp -s c.mode py.mode; then
            pass "$name: $n texts, $ids ids equal, $errors too long"
        else
            fail "$name: $(diff c.mode py.mode | grep -c '^<') of $n rows differ"
            diff c.mode py.mode | head -6 >&2
        fi
    done
done
finish
