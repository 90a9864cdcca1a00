#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# audio.wer's text half (NFKC, Python's strip/lower/isspace, the punctuation
# set, the CJK decision, jiwer 4's WER) on a few hundred strings — accents,
# Greek final sigma, dotted capital I, full-width forms, CJK, emoji, empty and
# whitespace-only texts — against tests/wer/wer_ref.py (unicodedata, str.lower, re).
. "$top_srcdir/tests/lib.sh"
cd "$TMPDIR_TEST"
/usr/bin/python3 "$top_srcdir/tests/wer/wer_ref.py" cases cases.json || exit 99
"$top_builddir/tests/wer/wer_text_cli" cases.json > out.json || fail "wer_text_cli exit $?"
/usr/bin/python3 "$top_srcdir/tests/wer/wer_ref.py" check cases.json out.json && pass "normalisation and WER equal Python's on every case" \
    || fail "normalisation or WER differ from Python's"
# hand-computed: one substitution and one deletion over 4 reference words
printf '[["The cat sat down.", "the bat sat", null], ["", "two words", null], ["", "", null], ["你好世界", "你好", "zh"]]' > hand.json
"$top_builddir/tests/wer/wer_text_cli" hand.json > hand_out.json
/usr/bin/python3 - <<'PY' && pass "hand-computed WERs" || fail "hand-computed WERs"
import json
o = json.load(open("hand_out.json"))
assert o[0]["wer"] == 0.5 and o[0]["ref_words"] == 4, o[0]
assert o[1]["wer"] == 2.0, o[1]          # jiwer 4: empty reference -> insertions
assert o[2]["wer"] == 0.0, o[2]
assert o[3]["char_level"] is True and o[3]["wer"] == 0.5, o[3]   # 2 of 4 characters deleted
PY
finish
