#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The progress line: drawn on stderr when it is a terminal (done/total,
# samples/s, ETA, a final line with the time taken), never when stderr is a
# pipe or file, never with --quiet; log messages erase it rather than being
# glued to it.  script(1) gives the run a pseudo-terminal.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
command -v script >/dev/null 2>&1 || { echo "SKIP: script(1) is not installed"; exit 77; }
script -qec true /dev/null >/dev/null 2>&1 || { echo "SKIP: script(1) cannot open a pseudo-terminal"; exit 77; }
cd "$TMPDIR_TEST"
mkdir gen
for i in 1 2 3 4; do make_clip gen/c$i.mp4 48 32 10 4 "" $((i * 30)); done
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"
M=test.mean:sleep_ms=300
CR=$(printf '\r')
ESC=$(printf '\033')

# On a terminal.
script -qec "$R run --videos gen -m $M -j 1 -o tty.json" /dev/null >tty.out 2>&1; rc=$?
[ "$rc" -eq 0 ] && pass "run on a terminal" || fail "run on a terminal: exit $rc"
out=$(tr "$CR" '\n' <tty.out)
contains "[0/4] -- samples/s, ETA -:--"
printf '%s\n' "$out" | grep -Eq '^\[[1-3]/4\] [0-9]+\.[0-9]{2} samples/s, ETA [0-9]+:[0-5][0-9]' &&
    pass "intermediate line: done/total, rate, ETA" || fail "no intermediate progress line"
printf '%s\n' "$out" | grep -Eq '^\[4/4\] [0-9]+\.[0-9]{2} samples/s, took [0-9]+:[0-5][0-9]' &&
    pass "final line with the time taken" || fail "no final progress line"
grep -q "took [0-9:]*${ESC}\[K${CR}\$" tty.out && pass "the final line ends with a newline" ||
    fail "final progress line not ended"

# --quiet on a terminal, and stderr to a file: no progress.
script -qec "$R run --videos gen -m $M -j 1 -o q.json -q" /dev/null >q.out 2>&1
grep -q "samples/s" q.out && fail "--quiet drew progress" || pass "--quiet: no progress line"
$R run --videos gen -m $M -j 2 -o p.json 2>err.txt >/dev/null
grep -q "samples/s" err.txt && fail "progress drawn into a file" || pass "stderr not a terminal: no progress line"
grep -q "$CR" err.txt && fail "carriage return in piped stderr" || pass "piped stderr has no carriage returns"
$R run --videos gen -m $M -j 2 -o p.json 2>&1 | grep -q "samples/s" && fail "progress drawn into a pipe" ||
    pass "stderr a pipe: no progress line"
/usr/bin/python3 - tty.json p.json q.json <<'PY' && pass "same results on a terminal and off it" || fail "results differ"
import json, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
assert a["samples"] == b["samples"] == c["samples"]
PY

# Log messages during the run (FFmpeg's complaints about a damaged stream at
# debug level) start on a line of their own.
$FF -f lavfi -i testsrc2=size=160x120:rate=10 -frames:v 20 -c:v libx264 -f mpegts full.ts
/usr/bin/python3 - full.ts gen/c5.mp4 <<'PY'
import random, sys
d = bytearray(open(sys.argv[1], "rb").read())
rnd = random.Random(1)
for i in range(len(d) // 4, len(d) * 3 // 4, 7):
    d[i] = rnd.randrange(256)
open(sys.argv[2], "wb").write(d)
PY
script -qec "$R --log-level debug run --videos gen -m $M -j 1 -o d.json" /dev/null >d.out 2>&1
after=$(sed -n "/\[0\/5\]/,\$p" d.out | tr "$CR" '\n')
glued=$(printf '%s\n' "$after" | grep -c "[^K]fveval: ")
msgs=$(printf '%s\n' "$after" | grep -c "fveval: ")
[ "$glued" -eq 0 ] && pass "$msgs log line(s) during the run, none glued to the progress line" ||
    { fail "$glued log line(s) glued to the progress line"; printf '%s\n' "$after" | grep "[^K]fveval: " | head -3 >&2; }
finish
