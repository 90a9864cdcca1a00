#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# videoscore2 against a scripted OpenAI-compatible server on 127.0.0.1: the request's
# shape (prompt bytes, frames, sampling), scores equal to hand-computed values, 429
# then success, 500, malformed JSON, a timeout, the cache (no second request), the
# key never shown, an unreachable endpoint, --resume after kill -9.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/common.sh"
cd "$TMPDIR_TEST"
R="$FVEVAL --plugin-path $top_builddir/plugins"
PY=/usr/bin/python3
CASE="$top_srcdir/tests/remote/vs2_case.py"
$PY "$CASE" make . || exit 99
mkdir frames
start_server script.json log.jsonl frames
export FVEVAL_REMOTE_CACHE="$TMPDIR_TEST/cache"
export FVEVAL_VIDEOSCORE2_API_KEY=test-key-123
M="videoscore2:endpoint=$(esc http://127.0.0.1:$PORT/v1):retries=2:retry_delay=0.01:timeout=0.5"

expect_rc 1 $R --log-level debug run --manifest manifest.jsonl -m "$M" -o r1.json -q
contains "HTTP 500"
case "$out" in *test-key-123*) fail "the API key appears in fveval's output" ;; *) pass "key not shown" ;; esac
grep -q test-key-123 r1.json && fail "the API key appears in the results"
# the owl's request timed out twice; wait for the server's sleeping threads to log nothing more
$PY "$CASE" check . log.jsonl r1.json && pass "request shapes and hand-computed scores" \
    || fail "videoscore2 check"
$PY "$CASE" frames frames . && pass "frames sent: indices, PIL LANCZOS byte for byte" || fail "frames"

# Cache: the three answered samples again, no request leaves.
head -n 2 manifest.jsonl > ok.jsonl; sed -n 6p manifest.jsonl >> ok.jsonl
before=$(requests log.jsonl)
expect_rc 0 $R run --manifest ok.jsonl -m "$M" -o r2.json -q
[ "$(requests log.jsonl)" -eq "$before" ] && pass "second run answered from the cache" \
    || fail "second run sent $(( $(requests log.jsonl) - before )) requests"
$PY - r1.json r2.json <<'PY' || fail "cached scores differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sa = {s["text_prompt"]: s["results"] for s in a["samples"]}
for s in b["samples"]:
    assert s["results"] == sa[s["text_prompt"]], s
PY

# Unreachable endpoint: an error per sample, the run finishes, exit 1.
expect_rc 1 $R run --manifest ok.jsonl -m "videoscore2:endpoint=$(esc http://127.0.0.1:1/v1):retries=2:retry_delay=0.01:cache_dir=none" -o r3.json -q
contains "cannot reach http://127.0.0.1:1/v1/chat/completions"
$PY - r3.json <<'PY' && pass "unreachable: error per sample" || fail "unreachable"
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["samples"]) == 3
for s in r["samples"]:
    v = s["results"]["videoscore2"]
    assert v["score"] is None and "cannot reach" in v["error"], v
PY
stop_server

# --resume after kill -9: answers that came back before the kill are not asked again.
rm -f log.jsonl
$PY - <<'PY'
import json
rows = [json.dumps({"video": "c", "text_prompt": "slow %d" % i, "fps": 24}) for i in range(6)]
open("slow.jsonl", "w").write("\n".join(rows) + "\n")
ans = json.load(open("script.json"))["answers"]["a fox"][0]["json"]
json.dump({"default": [{"sleep": 0.3, "json": ans}]}, open("slow.json", "w"))
PY
start_server slow.json log.jsonl
M="videoscore2:endpoint=$(esc http://127.0.0.1:$PORT/v1):retries=1"

# In-flight limit: three workers, one request at a time (then three at a time).
most() { $PY -c 'import json,sys; print(max(json.loads(l)["active"] for l in open(sys.argv[1])))' "$1"; }
expect_rc 0 $R run --manifest slow.jsonl -m "$M:max_in_flight=1:cache_dir=none" -o j.json -q -j 3
[ "$(most log.jsonl)" -eq 1 ] && pass "max_in_flight=1 over -j 3" || fail "$(most log.jsonl) requests in flight, want 1"
rm log.jsonl
expect_rc 0 $R run --manifest slow.jsonl -m "$M:max_in_flight=3:cache_dir=none" -o j.json -q -j 3
[ "$(most log.jsonl)" -gt 1 ] && pass "max_in_flight=3 lets requests overlap" || fail "no overlap with max_in_flight=3"
rm log.jsonl
$R run --manifest slow.jsonl -m "$M" -o part.json -q -j 1 &
pid=$!
for _ in $(seq 1 400); do
    [ "$(requests log.jsonl)" -ge 3 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
sleep 0.1
kill -9 "$pid"; wait "$pid" 2>/dev/null
n=$(requests log.jsonl)
[ "$n" -ge 2 ] && [ "$n" -lt 6 ] && pass "killed after $n of 6 requests" || fail "$n requests before the kill"
expect_rc 0 $R run --manifest slow.jsonl -m "$M" -o part.json -q -j 1 --resume
$PY - log.jsonl part.json <<'PY' && pass "resume re-sent nothing answered" || fail "resume re-sent"
import collections, json, sys
keys = [json.loads(l)["key"] for l in open(sys.argv[1])]
dup = [k for k, c in collections.Counter(keys).items() if c > 1]
# The request in flight at the kill may be asked again; nothing answered is.
assert len(dup) <= 1, dup
assert sorted(set(keys)) == ["slow %d" % i for i in range(6)], keys
r = json.load(open(sys.argv[2]))
assert all(s["results"]["videoscore2"]["score"] == 0.0 for s in r["samples"])
PY
finish
