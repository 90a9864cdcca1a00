#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The mask round trip's MPEG-4 Part 2 limits give their real reason: frames
# wider than 8191 pixels fail each sample with it (not "Invalid argument"),
# and a target_fps above 65535 is refused before any work; without the
# round trip both are fine.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
R="$FVEVAL --plugin-path $top_builddir/plugins"
$FF -f lavfi -i testsrc2=size=16000x16:rate=30 -frames:v 4 -c:v ffv1 wide.mkv
printf '{"video": "%s/wide.mkv", "reference": "%s/wide.mkv"}\n' "$PWD" "$PWD" > wide.jsonl
expect_rc 1 $R run --manifest wide.jsonl -m physics_iq.mse -o w.json -q && contains "at most 8191 pixels a side"
/usr/bin/python3 -c 'import json; r = json.load(open("w.json"))["samples"][0]["results"]["physics_iq.mse"]
assert r["score"] is None and "MPEG-4 Part 2 codes at most 8191 pixels a side, the frames are 16000x16" in r["error"], r' \
    && pass "too wide for the round trip: the reason" || fail "too wide for the round trip: the reason"
expect_rc 0 $R run --manifest wide.jsonl -m physics_iq.mse:roundtrip_generated_masks=0 -o w0.json -q \
    && pass "too wide without the round trip: scored"
expect_rc 2 $R run --manifest wide.jsonl -m physics_iq.mse:target_fps=100000 -o f.json -q \
    && contains "time base allows at most 65535" && pass "target_fps above 65535 refused before any work"
[ ! -e f.json ] || fail "a refused run wrote results"
expect_rc 0 $R run --manifest wide.jsonl -m physics_iq.mse:target_fps=100000:roundtrip_generated_masks=0 -o f0.json -q \
    && pass "target_fps 100000 without the round trip"
finish
