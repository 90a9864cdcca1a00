#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# SIGKILL halfway, then --resume: the same results as an uninterrupted run.
# Two shards with --save-state merged by `fveval merge`: the same corpus
# result as one run over all samples.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
mkdir gen
for i in 1 2 3 4 5 6; do make_clip gen/c$i.mp4 48 32 10 $((i + 3)) "" $((i * 20)); done
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"
M="test.mean:sleep_ms=300,test.count"

expect_rc 0 $R run --videos gen -m "$M" -j 1 -o full.json -q

$R run --videos gen -m "$M" -j 1 -o part.json -q &
pid=$!
# Wait until a few samples are journaled (finished-sample lines start with
# "index"; in-flight records do not), then kill without warning.  grep -c
# prints 0 and fails on no match, so take its output alone.  The wait is long
# because sanitizer builds start slowly; it ends as soon as 3 are in.
journaled() { n=$(grep -c '^{"index"' part.json.journal 2>/dev/null); echo "${n:-0}"; }
for _ in $(seq 1 600); do
    [ "$(journaled)" -ge 3 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
kill -9 "$pid"; wait "$pid" 2>/dev/null
[ -f part.json ] && fail "output written despite the kill"
n=$(journaled)
[ "$n" -ge 1 ] && [ "$n" -lt 6 ] && pass "killed after $n of 6 samples" || fail "journal holds $n samples"
expect_rc 0 $R --log-level info run --videos gen -m "$M" -j 1 -o part.json -q --resume
contains "resume: reusing"
[ -f part.json.journal ] && fail "journal left behind"

cmp_results() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("samples", "corpus", "summary"):
    assert a[k] == b[k], (k, a[k], b[k])
PY
}
cmp_results full.json part.json && pass "resumed run equals uninterrupted run" || fail "resume differs"

# Resuming a finished file reuses every per-sample result.
expect_rc 0 $R --log-level info run --videos gen -m "$M" -j 1 -o part.json -q --resume
contains "reusing 6 earlier results"
cmp_results full.json part.json && pass "second resume unchanged" || fail "second resume differs"

# Shards.
expect_rc 0 $R run --videos gen/c1.mp4 gen/c2.mp4 gen/c3.mp4 -m test.count -o s1.json --save-state st1 -q
expect_rc 0 $R run --videos gen/c4.mp4 gen/c5.mp4 gen/c6.mp4 -m test.count -o s2.json --save-state st2 -q -j 2
expect_rc 0 $R merge st1 st2 -o merged.json
/usr/bin/python3 - full.json merged.json <<'PY' && pass "merged shards equal one run" || fail "merge differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["corpus"]["test.count"] == b["corpus"]["test.count"], (a["corpus"], b["corpus"])
PY
expect_rc 2 $R merge st1 nowhere -o x.json && one_line && contains "nowhere"
printf 'garbage\n' > st1/bad.state
expect_rc 2 $R merge st1 -o x.json && one_line && contains "not an fveval state file"
finish
