#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A plugin that crashes (SIGSEGV in compute) kills the run; the journal names
# the sample and metric, --resume skips that pair with the reason and scores
# the rest, --retry-crashed hands it to the plugin again.  A pair in flight
# when the process is killed (SIGKILL: no record) is scored again on resume,
# unless two runs in a row died on it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
mkdir gen
# Frames 4..8: clip c3 (index 2) has 6 frames.
for i in 1 2 3 4 5; do make_clip gen/c$i.mp4 32 24 10 $((i + 3)) "" $((i * 20)); done
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"
# Sanitizer builds: let the crash end as without them (SIGSEGV), not as ASan's report.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:handle_segv=0"; export ASAN_OPTIONS
M="test.mean:crash_on_frames=6,test.count"

expect_rc 0 $R run --videos gen -m test.mean,test.count -j 1 -q -o clean.json

# The crash: the process dies of SIGSEGV as without the handler.
$R run --videos gen -m "$M" -j 1 -q -o r.json 2>/dev/null; rc=$?
[ "$rc" -gt 128 ] && [ "$((rc - 128))" -eq 11 ] && pass "died of SIGSEGV" || fail "exit $rc (want 139)"
[ ! -e r.json ] && grep -q '"crashed":{"index":2,"metric":"test.mean"},"signal":11' r.json.journal \
    && pass "journal names the sample and metric" || { fail "no crash record"; cat r.json.journal >&2; }

# --resume: the pair is skipped with the reason; everything else is scored.
expect_rc 1 $R run --videos gen -m "$M" -j 1 -q -o r.json --resume && contains "crashed the previous run"
/usr/bin/python3 - clean.json r.json <<'PY' && pass "resume skips the crashed pair only" || fail "resume results"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for i, (sa, sb) in enumerate(zip(a["samples"], b["samples"])):
    rb = sb["results"]["test.mean"]
    if i == 2:
        skip = rb.get("skipped") or rb["details"].get("skipped")
        assert rb["score"] is None and skip.startswith("crashed the previous run (Segmentation fault in test.mean)"), rb
    else:
        assert rb["score"] == sa["results"]["test.mean"]["score"], (i, rb)
# Only the metric that crashed skips the sample: the set metric saw all five.
assert b["corpus"]["test.count"]["details"]["generated"] == 5, b["corpus"]
PY
[ ! -e r.json.journal ] && pass "journal removed after the resumed run" || fail "journal left"

# --retry-crashed: the plugin gets the sample again (and crashes again).
expect_rc 2 $R run --videos gen -m "$M" -j 1 -q -o r.json --retry-crashed && one_line && contains "with --resume"
$R run --videos gen -m "$M" -j 1 -q -o r.json --resume --retry-crashed 2>/dev/null; rc=$?
[ "$rc" -eq 139 ] && grep -q '"crashed":{"index":2' r.json.journal && pass "--retry-crashed ran it again" \
    || fail "--retry-crashed: exit $rc"

# Several workers: the record names the sample the crashing thread had.
rm -f r.json r.json.journal
$R run --videos gen -m "$M" -j 3 -q -o r.json 2>/dev/null; rc=$?
[ "$rc" -eq 139 ] && grep -q '"crashed":{"index":2,"metric":"test.mean"}' r.json.journal \
    && [ "$(grep -c '"crashed"' r.json.journal)" -eq 1 ] && pass "-j 3: one record, the right sample" \
    || { fail "-j 3: exit $rc"; cat r.json.journal >&2; }

# SIGKILL leaves no record: once is scored again, twice in a row is a crash.
# in_flight N: how many journal lines say sample 0 is in flight.
in_flight() { n=$(grep -c '"in_flight":{"index":0' k.json.journal 2>/dev/null); echo "${n:-0}"; }
kill_at_sample0() {
    $R run --videos gen -m test.mean:sleep_ms=5000 -j 1 -q -o k.json "$@" 2>/dev/null & pid=$!
    for _ in $(seq 1 600); do
        [ "$(in_flight)" -ge "$want" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -9 "$pid"; wait "$pid" 2>/dev/null
}
want=1 kill_at_sample0
want=2 kill_at_sample0 --resume
[ "$(in_flight)" -eq 2 ] && pass "killed twice on sample 0" || fail "in flight $(in_flight) times"
expect_rc 1 $R run --videos gen -m test.mean -j 1 -q -o k.json --resume 2>/dev/null
# Options changed (no sleep): nothing is reused, but the crash mark holds per name.
/usr/bin/python3 - k.json <<'PY' && pass "twice killed: skipped" || fail "twice killed: not skipped"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["samples"][0]["results"]["test.mean"]
skip = r.get("skipped") or r["details"].get("skipped")
assert r["score"] is None and "killed while test.mean scored it, 2 times" in skip, r
assert all(s["results"]["test.mean"]["score"] is not None for s in d["samples"][1:])
PY
finish
