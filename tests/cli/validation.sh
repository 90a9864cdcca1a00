#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# One metric selected twice with other options is refused (a run scores each
# metric once, results are keyed by name); a key repeated in one option list
# is refused.  A run file is held to the same checks as the command line:
# jobs range, a plugin_path that cannot be read.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
make_clip a.mp4 32 24 10 4
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"

expect_rc 2 $R run --videos a.mp4 -m test.mean:sleep_ms=1,test.mean:sleep_ms=2 -o r.json \
    && one_line && contains "metric 'test.mean' is selected twice with different options ('sleep_ms=1' and 'sleep_ms=2')"
expect_rc 2 $R run --videos a.mp4 -m test.mean,test.mean:sleep_ms=2 -o r.json \
    && one_line && contains "('defaults' and 'sleep_ms=2')"
expect_rc 2 $R run --videos a.mp4 -m 'test.*,test.mean:sleep_ms=2' -o r.json && one_line && contains "selected twice"
[ ! -e r.json ] && pass "nothing run" || fail "a refused run wrote results"
# The same options twice are one metric, as before.
expect_rc 0 $R run --videos a.mp4 -m test.mean:sleep_ms=1,test.mean:sleep_ms=1 -o r.json -q
expect_rc 2 $R run --videos a.mp4 -m test.mean:sleep_ms=1:sleep_ms=2 -o r.json \
    && one_line && contains "option 'sleep_ms' is given twice"

# Run files: the command line's limits.
printf 'jobs: 1000000\n' > jobs.yaml
expect_rc 2 $R run --config jobs.yaml --videos a.mp4 -m test.mean -o r.json \
    && one_line && contains "jobs: needs an integer from 1 to 4096, not '1000000'"
expect_rc 2 $R run --jobs 1000000 --videos a.mp4 -m test.mean -o r.json \
    && one_line && contains "--jobs needs an integer from 1 to 4096, not '1000000'"
# A frame rate has one range wherever it is given: flag, run file, manifest row.
expect_rc 2 $R run --fps 5000 --videos a.mp4 -m test.mean -o r.json \
    && one_line && contains "--fps needs a frame rate from 0.001 to 1000, not '5000'"
printf 'inputs:\n  fps: 5000\n' > fps.yaml
expect_rc 2 $R run --config fps.yaml --videos a.mp4 -m test.mean -o r.json \
    && one_line && contains "inputs.fps: needs a frame rate from 0.001 to 1000, not '5000'"
printf '{"video": "a.mp4", "fps": 5000}\n' > fps.jsonl
expect_rc 2 $R run --manifest fps.jsonl -m test.mean -o r.json && one_line && contains "out of range [0.001, 1000]"
expect_rc 0 $R run --fps 1000 --videos a.mp4 -m test.mean -o r.json -q
# A time limit is not a frame rate: long ones are fine.
printf 'sample_timeout: 5000\n' > st.yaml
expect_rc 0 $R run --config st.yaml --sample-timeout 3600 --videos a.mp4 -m test.mean -o r.json -q
printf 'plugin_path: no-such-dir\n' > pp.yaml
expect_rc 2 $R run --config pp.yaml --videos a.mp4 -m test.mean -o r.json \
    && one_line && contains "pp.yaml: plugin path '" && contains "no-such-dir': cannot read directory"
expect_rc 2 $FVEVAL --plugin-path no-such-dir run --videos a.mp4 -m test.mean -o r.json \
    && one_line && contains "plugin path 'no-such-dir': cannot read directory"
finish
