#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# vbench.object_class, multiple_objects, color and spatial_relationship against a
# scripted GRiT detection service on 127.0.0.1: hand-computed scores, the 16 middle
# frames (a padded clip's repeats sent once), the float32 path for resized frames
# (equal to torch's antialiased bilinear), skips, the cache.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/common.sh"
cd "$TMPDIR_TEST"
R="$FVEVAL --plugin-path $top_builddir/plugins"
PY=/usr/bin/python3
CASE="$top_srcdir/tests/remote/grit_case.py"
$PY "$CASE" make . || exit 99
mkdir frames
start_server grit.json log.jsonl frames
export FVEVAL_REMOTE_CACHE="$TMPDIR_TEST/cache"
for m in object_class multiple_objects spatial_relationship color; do
    expect_rc 0 $R run --manifest vbench.$m.jsonl -m "vbench.$m:endpoint=$(esc http://127.0.0.1:$PORT/grit)" \
        -o vbench.$m.json -q
done
$PY "$CASE" check . log.jsonl && pass "hand-computed scores, frames and requests" || fail "grit check"
$PY "$CASE" f32 frames . && pass "resized frame sent as float32, equal to torch" || fail "f32 frame"

# VBench's policy for a colour never seen: drop the clip (a skip).
expect_rc 0 $R run --manifest vbench.color.jsonl -m "vbench.color:undetected=skip:endpoint=$(esc http://127.0.0.1:$PORT/grit)" -o skip.json -q
$PY - skip.json <<'PY' && pass "undetected=skip" || fail "undetected=skip"
import json, sys
s = json.load(open(sys.argv[1]))["samples"]
assert s[0]["results"]["vbench.color"]["score"] is not None
assert "never detected" in s[1]["results"]["vbench.color"]["skipped"], s[1]
PY

# Everything again from the cache: no request.
before=$(requests log.jsonl)
for m in object_class multiple_objects spatial_relationship color; do
    expect_rc 0 $R run --manifest vbench.$m.jsonl -m "vbench.$m:endpoint=$(esc http://127.0.0.1:$PORT/grit)" -o again.json -q
done
[ "$(requests log.jsonl)" -eq "$before" ] && pass "second runs answered from the cache" || fail "cache missed"

# A service that is down: an error per sample with the reason, exit 1.
stop_server
expect_rc 1 $R run --manifest vbench.multiple_objects.jsonl -m "vbench.multiple_objects:endpoint=$(esc http://127.0.0.1:$PORT/grit):retries=1:cache_dir=none" -o down.json -q
contains "cannot reach http://127.0.0.1:$PORT/grit"
finish
