#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The model store: lookup order, missing model -> skip (or exit 2 with
# --strict), wrong sha256 -> refused, `fveval models` listing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
make_clip a.mp4 32 32 5 3
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"
unset FVEVAL_MODEL_DIR
export XDG_CACHE_HOME="$TMPDIR_TEST/cache"

expect_rc 1 $R models test.model && contains "missing    test-model.bin" && contains "recipe: printf" \
    && contains "$TMPDIR_TEST/cache/fveval/models"
expect_rc 0 $R run --videos a.mp4 -m test.model,test.mean -o r.json -q
/usr/bin/python3 -c 'import json; r=json.load(open("r.json"))["samples"][0]["results"]; assert r["test.model"]["score"] is None and "missing model file" in r["test.model"]["skipped"] and r["test.mean"]["score"] is not None, r' \
    && pass "missing model skips" || fail "missing model"
expect_rc 2 $R run --videos a.mp4 -m test.model -o r.json --strict && one_line && contains "missing model file 'test-model.bin'"

mkdir models
printf 'tampered\n' > models/test-model.bin
expect_rc 0 $R run --videos a.mp4 -m test.model --model-dir models -o r.json -q
/usr/bin/python3 -c 'import json; r=json.load(open("r.json"))["samples"][0]["results"]["test.model"]; assert r["score"] is None and "refusing to load" in r["skipped"], r' \
    && pass "sha256 mismatch refused" || fail "sha256 mismatch"

printf 'fveval test model\n' > models/test-model.bin
FVEVAL_MODEL_DIR="$TMPDIR_TEST/models" expect_rc 0 $R models test.model && contains "present    test-model.bin"
FVEVAL_MODEL_DIR="$TMPDIR_TEST/models" expect_rc 0 $R run --videos a.mp4 -m test.model -o r.json -q --strict
/usr/bin/python3 -c 'import json; r=json.load(open("r.json"))["samples"][0]["results"]["test.model"]; assert r["score"] == 18, r' \
    && pass "model loaded from FVEVAL_MODEL_DIR" || fail "model present"
finish
