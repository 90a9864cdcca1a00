#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# vbench.scene against a scripted OpenAI-compatible server on 127.0.0.1: the clip sent
# as an 8 fps H.264 MP4 with AVoCaDO's prompts, the keyword rule on the scripted caption
# (string and VBench's nested scene), mode=vbench's per-frame captions over the 16
# middle frames, the cache.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/common.sh"
cd "$TMPDIR_TEST"
R="$FVEVAL --plugin-path $top_builddir/plugins"
PY=/usr/bin/python3
CASE="$top_srcdir/tests/remote/scene_case.py"
$PY "$CASE" make . || exit 99
start_server scene.json log.jsonl
export FVEVAL_REMOTE_CACHE="$TMPDIR_TEST/cache"
M="vbench.scene:endpoint=$(esc http://127.0.0.1:$PORT/v1)"
expect_rc 0 $R run --manifest caption.jsonl -m "$M" -o caption.json -q
expect_rc 0 $R run --manifest vbench.jsonl -m "$M:mode=vbench" -o vbench.json -q
$PY "$CASE" check . log.jsonl && pass "requests and hand-computed scores" || fail "scene check"
before=$(requests log.jsonl)
expect_rc 0 $R run --manifest caption.jsonl -m "$M" -o again.json -q
[ "$(requests log.jsonl)" -eq "$before" ] && pass "the same MP4 bytes: answered from the cache" \
    || fail "second run sent requests (is the MP4 encoding deterministic?)"
finish
