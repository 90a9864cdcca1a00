#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# --max-memory (and the YAML key max_memory): a sample whose decoded frames
# would exceed the budget is skipped with the reason in its result (exit 1),
# estimated from the headers before anything is decoded; a metric that
# streams needs only its window, so it still runs; samples that each fit
# but not together wait for each other instead of failing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
PY=/usr/bin/python3
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"
# r FILE SAMPLE METRIC: score and skip reason of one result.
r() {
    $PY -c 'import json,sys; d=json.load(open(sys.argv[1]))["samples"][int(sys.argv[2])]["results"][sys.argv[3]]; print(d["score"], "|", d["skipped"])' "$@"
}

# 64x48 RGB, 12 frames: 110592 bytes (108 KiB) for the whole clip.
make_clip clip.mp4 64 48 10 12 "" 0

expect_rc 1 $R run --videos clip.mp4 -m test.mean --max-memory 100K -o small.json -q
got=$(r small.json 0 test.mean)
case $got in
    "None | decoded frames would need 108 KiB (video 64x48, 12 frames), over --max-memory 100 KiB")
        pass "over the budget: skipped with the reason, exit 1" ;;
    *) fail "over the budget: $got" ;;
esac
contains "sample 0 skipped: decoded frames would need 108 KiB"

expect_rc 0 $R run --videos clip.mp4 -m test.mean --max-memory 200K -o fits.json -q
case $(r fits.json 0 test.mean) in "None"*) fail "within the budget: not scored" ;; *) pass "within the budget: scored" ;; esac
expect_rc 0 $R run --videos clip.mp4 -m test.mean --max-memory none -o none.json -q \
    && pass "--max-memory none: no budget"

# A window of 3 (7 frames of buffer, 63 KiB) fits where the whole clip does not.
expect_rc 0 $R run --videos clip.mp4 -m test.stream --max-memory 100K -o stream.json -q
case $(r stream.json 0 test.stream) in "12.0 | None") pass "a streaming metric runs under a budget the clip exceeds" ;;
    *) fail "streaming under the budget: $(r stream.json 0 test.stream)" ;; esac

# Four samples that fit one at a time, with four workers: they take turns.
expect_rc 0 $R run --videos clip.mp4 clip.mp4 clip.mp4 clip.mp4 -m test.mean --max-memory 120K -j 4 \
    -o turns.json -q && pass "samples that fit one at a time take turns (-j 4)"

# The YAML key, and bad values (exit 2, one line, before any work).
printf 'max_memory: 100K\n' >small.yaml
expect_rc 1 $R run --config small.yaml --videos clip.mp4 -m test.mean -o yaml.json -q
case $(r yaml.json 0 test.mean) in *"over --max-memory 100 KiB") pass "YAML max_memory" ;; *) fail "YAML max_memory: $(r yaml.json 0 test.mean)" ;; esac
expect_rc 0 $R run --config small.yaml --max-memory 1G --videos clip.mp4 -m test.mean -o flag.json -q \
    && pass "the flag overrides the YAML key"
printf 'max_memory: lots\n' >bad.yaml
expect_rc 2 $R run --config bad.yaml --videos clip.mp4 -m test.mean -o bad.json -q \
    && contains "bad.yaml:1:13: max_memory: expected a size such as 8G, 512M or none, not 'lots'" && one_line
expect_rc 2 $R run --videos clip.mp4 -m test.mean --max-memory 12X -o bad.json -q \
    && contains "run: --max-memory needs a size such as 8G, 512M or none, not '12X'" && one_line
[ ! -e bad.json ] && pass "bad values: nothing written" || fail "bad values wrote bad.json"
finish
