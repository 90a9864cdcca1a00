#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Manifest values of the wrong type or out of range, and repeated keys, are
# usage errors naming file:line (exit 2, nothing written); keys the core does
# not interpret stay free-form.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
make_clip a.mp4 32 32 10 3
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"

# bad_row ROW MESSAGE-FRAGMENT [METRICS [PLUGIN-ROOT]]: ROW as line 2 is refused.
bad_row() {
    printf '{"video": "a.mp4"}\n%s\n' "$1" > rows.jsonl
    rm -f out.json
    if expect_rc 2 $FVEVAL --plugin-path "${4:-$top_builddir/tests/plugins}" run --manifest rows.jsonl \
        -m "${3:-test.mean}" -o out.json -q && one_line && contains "rows.jsonl:2:" && contains "$2"; then
        pass "refused: $1"
    fi
    [ ! -e out.json ] || fail "output written for: $1"
}
bad_row '{"video": 123}' '"video" must be a string (a file path), not a number'
bad_row '{"video": ["a.mp4"]}' 'not a list'
bad_row '{"video": null}' 'not null'
bad_row '{"video": ""}' '"video" is an empty path'
bad_row '{"video": "a.mp4", "reference": {"path": "a.mp4"}}' '"reference" must be a string'
bad_row '{"video": "a.mp4", "audio": true}' '"audio" must be a string (a file path), not a boolean'
bad_row '{"video": "a.mp4", "text_prompt": 7}' '"text_prompt" must be a string, not a number'
bad_row '{"video": "a.mp4", "fps": "abc"}' '"fps" must be a number, not a string'
bad_row '{"video": "a.mp4", "fps": -5}' '"fps" is -5, out of range'
bad_row '{"video": "a.mp4", "fps": 0}' '"fps" is 0, out of range'
bad_row '{"video": "a.mp4", "fps": 1e308}' '"fps" is 1e+308, out of range'
bad_row '{"video": "a.mp4", "role": 5}' '"role" must be "generated" or "reference"'
bad_row '{"video": "a.mp4", "role": "real"}' '"role" must be "generated" or "reference"'
bad_row '{"video": "a.mp4", "video": "b.mp4"}' 'duplicate object key'
bad_row '{"video": "a.mp4", "auxiliary_info": {"k": 1, "k": 2}}' 'duplicate object key'

# A VIDEO field a selected plugin declares is a path too; unselected, it is free-form.
if $FVEVAL --plugin-path "$top_builddir/plugins" list 2>/dev/null | grep -q '^physics_iq '; then
    bad_row '{"video": "a.mp4", "reference": "a.mp4", "take2": 5}' '"take2" must be a string (a file path)' \
        physics_iq "$top_builddir/plugins"
else
    echo "physics_iq did not load: declared-field check not run"
fi

# Prompt files refuse repeated keys too (one of two prompts would win silently).
printf '%s\n' '{"prompt": "a cat", "prompt": "a dog"}' > dup.jsonl
expect_rc 2 $R run --videos a.mp4 --prompts dup.jsonl -m test.mean -o p.json && one_line \
    && contains "dup.jsonl:1: duplicate object key near '\"prompt\"'"
printf '%s\n' '[{"prompt": "a cat", "prompt": "a dog"}]' > dup.json
expect_rc 2 $R run --videos a.mp4 --prompts dup.json -m test.mean -o p.json && one_line \
    && contains "duplicate object key"

# Valid rows: integer and real fps in range, free-form keys of any type, explicit roles.
printf '%s\n' '{"video": "a.mp4", "fps": 24, "take2": 5, "tags": [1, null], "role": "generated"}' \
    '{"video": "a.mp4", "fps": 0.5, "text_prompt": "p", "role": "reference"}' > ok.jsonl
expect_rc 0 $R run --manifest ok.jsonl -m test.mean,test.count -o ok.json -q && pass "valid rows accepted"
/usr/bin/python3 - ok.json <<'PY' && pass "valid rows scored" || fail "valid rows scored"
import json, sys
s = json.load(open(sys.argv[1]))["samples"]
assert len(s) == 2 and s[0]["results"]["test.mean"]["score"] is not None, s
assert s[1]["role"] == "reference", s
PY
finish
