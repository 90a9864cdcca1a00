#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Bad inputs in one run: each sample gets its error or skip reason, the others are
# scored, exit code 1, and the output is complete, valid JSON.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
mkdir gen ref
make_clip gen/1_good.mp4 64 48 10 6 audio
make_clip ref/1_good.mp4 64 48 10 6
: > gen/2_empty.mp4
head -c 2000 gen/1_good.mp4 > gen/3_truncated.mp4
echo "not a video" > gen/4_text.mp4
make_clip gen/5_silent.mp4 64 48 10 6
make_clip gen/6_bigger.mp4 64 48 10 6
cp ref/1_good.mp4 ref/2.mp4; cp ref/1_good.mp4 ref/3.mp4; cp ref/1_good.mp4 ref/4.mp4
cp ref/1_good.mp4 ref/5.mp4
make_clip ref/6.mp4 96 64 10 6
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"
expect_rc 1 $R run --videos gen/1_good.mp4 gen/0_missing.mp4 gen/2_empty.mp4 gen/3_truncated.mp4 gen/4_text.mp4 \
    gen/5_silent.mp4 gen/6_bigger.mp4 --reference ref/1_good.mp4 ref/1_good.mp4 ref/2.mp4 ref/3.mp4 ref/4.mp4 \
    ref/5.mp4 ref/6.mp4 -m test.mean,test.audio_rms,test.count -o r.json -q
/usr/bin/python3 - r.json <<'PY' && pass "skips and scores" || fail "skips and scores"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["samples"]
assert len(s) == 7, len(s)
def res(i, m): return s[i]["results"][m]
assert res(0, "test.mean")["score"] is not None and res(0, "test.audio_rms")["score"] is not None
for i, words in ((1, ["No such file"]), (2, ["Invalid data", "cannot", "empty", "no "]),
                 (3, ["Invalid data", "cannot", "no ", "moov"]), (4, ["Invalid data", "cannot"])):
    for m in ("test.mean", "test.audio_rms"):
        r = res(i, m)
        assert r["score"] is None and r["skipped"] is None, (i, m, r)  # unreadable: an error
        reason = r["error"]
        assert any(w.lower() in reason.lower() for w in words), (i, m, reason)
assert res(5, "test.mean")["score"] is not None
assert res(5, "test.audio_rms")["score"] is None and "audio" in res(5, "test.audio_rms")["skipped"].lower()
assert res(6, "test.mean")["score"] is not None  # test.mean ignores the reference
assert d["summary"]["test.mean"]["n"] == 3 and d["summary"]["test.mean"]["skipped"] == 4
assert d["corpus"]["test.count"]["details"]["generated"] == 3
PY
# Missing field: a metric that needs audio on a manifest row without any media key.
printf '{"text_prompt": "no video here"}\n' > rows.jsonl
expect_rc 0 $R run --manifest rows.jsonl -m test.mean -o m.json -q
/usr/bin/python3 -c 'import json; r=json.load(open("m.json"))["samples"][0]["results"]["test.mean"]; assert r["score"] is None and r["skipped"]=="missing field '"'"'video'"'"'", r' \
    && pass "missing field" || fail "missing field"
# A metric error is recorded, the run goes on, exit 1.
expect_rc 1 $R run --videos gen/1_good.mp4 gen/5_silent.mp4 -m test.mean:fail_on_frames=6 -o e.json -q
/usr/bin/python3 -c 'import json; s=json.load(open("e.json"))["samples"]; assert all(x["results"]["test.mean"]["error"] is not None for x in s), s' \
    && pass "metric error recorded" || fail "metric error"
finish
