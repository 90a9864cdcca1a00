#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# judge.third_person_separation against a scripted Gemini generateContent on 127.0.0.1:
# the prompts byte for byte, the key header, k order-swapped calls from the sha1 seed,
# the verdicts, win rate and per-action breakdown, the verdict cache (k reuse rule),
# shards merged, no key, a failing service.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/common.sh"
cd "$TMPDIR_TEST"
R="$FVEVAL --plugin-path $top_builddir/plugins"
PY=/usr/bin/python3
CASE="$top_srcdir/tests/remote/judge_case.py"
$PY "$CASE" make . || exit 99
start_server judge.json log.jsonl
export FVEVAL_REMOTE_CACHE="$TMPDIR_TEST/cache" GEMINI_API_KEY=gem-key-9 HOME="$TMPDIR_TEST"
unset GOOGLE_API_KEY
M="judge.third_person_separation:endpoint=$(esc http://127.0.0.1:$PORT/v1beta)"

expect_rc 0 $R --log-level debug run --manifest pairs.jsonl -m "$M" -o r1.json -q
case "$out" in *gem-key-9*) fail "the API key appears in fveval's output" ;; esac
$PY "$CASE" check . log.jsonl r1.json && pass "prompts, call order, verdicts, win rate" || fail "judge check"
[ "$(requests log.jsonl)" -eq 9 ] && pass "3 pairs x k=3 calls" || fail "$(requests log.jsonl) requests, want 9"
ls cache/judge/third_person_separation/*.json >/dev/null 2>&1 && pass "verdicts cached" || fail "no verdict cache"

# Cached verdicts: no request; a larger k judges again (the record's k is too small).
expect_rc 0 $R run --manifest pairs.jsonl -m "$M" -o r2.json -q
[ "$(requests log.jsonl)" -eq 9 ] && pass "second run from the verdict cache" || fail "cache missed"
rm log.jsonl
expect_rc 0 $R run --manifest pairs.jsonl -m "$M:k=5" -o r3.json -q
[ "$(requests log.jsonl)" -eq 15 ] && pass "k=5 re-judges pairs cached with k=3" || fail "k rule: $(requests log.jsonl)"
$PY "$CASE" check . log.jsonl r3.json 5 && pass "k=5 order and verdicts" || fail "k=5 check"

# Shards with --save-state, merged: the same corpus result as one run.
head -n 1 pairs.jsonl > s1.jsonl; tail -n 2 pairs.jsonl > s2.jsonl
expect_rc 0 $R run --manifest s1.jsonl -m "$M" -o s1.json --save-state st1 -q
expect_rc 0 $R run --manifest s2.jsonl -m "$M" -o s2.json --save-state st2 -q
expect_rc 0 $R merge st1 st2 -o merged.json
$PY - r1.json merged.json <<'PY' && pass "merged shards equal one run" || fail "merge differs"
import json, sys
a, b = (json.load(open(p))["corpus"]["judge.third_person_separation"] for p in sys.argv[1:3])
assert a == b, (a, b)
PY

# No key (environment and ~/.gemini_token): an error for the sample, exit 1.
expect_rc 1 env -u GEMINI_API_KEY $R run --manifest down.jsonl -m "$M" -o nokey.json -q
contains "no Gemini API key"
# The key from ~/.gemini_token, and a service failing with 500: the server's message, exit 1.
printf 'gem-key-9\n' > .gemini_token
expect_rc 1 env -u GEMINI_API_KEY $R run --manifest down.jsonl -m "$M:retries=2:retry_delay=0.01" -o down.json -q
contains "HTTP 500" && contains "backend unavailable"
[ "$(grep -c 'down a4' log.jsonl)" -eq 2 ] && pass "500 retried, key from ~/.gemini_token" || fail "retries"
finish
