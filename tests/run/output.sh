#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Where results go (-o): regular files are replaced atomically; devices, FIFOs
# and stdout are written through, never replaced; links are followed; a
# read-only file, a directory or an empty name is refused before any work.
# Two runs on one output: the second is refused (the journal is locked).
# A journal that cannot be written (file size limit, as a full disk would)
# stops the run at once and keeps what it holds for --resume.
# Every -o here names something inside the test's temporary directory; the
# devices are reached through links made there, so a regression replaces the
# link, never the device.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
mkdir gen
for i in 1 2 3 4; do make_clip gen/c$i.mp4 32 24 10 $((i + 3)) "" $((i * 20)); done
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"
run() { $R run --videos gen -m test.mean -j 1 -q "$@"; }
is_results() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["samples"]) == 4' "$1"; }

# ---- refused before any work: exit 2, one line, nothing created ----
expect_rc 2 run -o "" && one_line && contains "empty"
mkdir outdir
expect_rc 2 run -o outdir && one_line && contains "is a directory"
[ -z "$(ls outdir)" ] && pass "nothing written into the directory" || fail "directory touched"
expect_rc 2 run -o nodir/r.json && one_line && contains "nodir"
printf 'keep\n' > ro.json && chmod 0444 ro.json
# Root passes access(2) checks, so this also covers the explicit mode-bit test.
expect_rc 2 run -o ro.json && one_line && contains "read-only (mode 0444)"
[ "$(cat ro.json)" = keep ] && [ ! -e ro.json.journal ] && pass "read-only file kept" || fail "read-only file replaced"
expect_rc 2 run -o - --format table && one_line && contains "mix"

# ---- written through, not replaced ----
ln -s /dev/null null
expect_rc 0 run -o null
[ -L null ] && [ "$(readlink null)" = /dev/null ] && [ -c /dev/null ] && pass "link to /dev/null kept" \
    || fail "the link to /dev/null was replaced"
[ ! -e null.journal ] && [ ! -e /dev/null.journal ] && pass "no journal beside a device" || fail "journal beside a device"
ln -s /dev/full full
expect_rc 1 run -o full && contains "No space left on device"
[ -L full ] && [ -c /dev/full ] && pass "/dev/full: error reported, link kept" || fail "/dev/full: link replaced"
expect_rc 2 run -o full --resume && one_line && contains "needs -o naming a regular file"

out=$(run -o - 2>/dev/null); rc=$?
[ "$rc" -eq 0 ] && printf '%s' "$out" > stdout.json && is_results stdout.json && [ ! -e ./- ] \
    && pass "-o - writes to stdout" || fail "-o - (exit $rc)"

mkfifo fifo
timeout 60 cat fifo > from_fifo & reader=$!
expect_rc 0 run -o fifo
wait "$reader"
[ -p fifo ] && is_results from_fifo && pass "FIFO written through" || fail "FIFO replaced or empty"

# fveval merge takes -o the same way.
expect_rc 0 $R run --videos gen -m test.count -q -o s.json --save-state st
expect_rc 2 $R merge st -o outdir && one_line && contains "is a directory"
expect_rc 1 $R merge st -o full && contains "No space left on device"
[ -L full ] && pass "merge: link to /dev/full kept" || fail "merge replaced the link"

# ---- links are followed; modes are kept ----
printf '{}' > real.json && chmod 0600 real.json
ln -s real.json link.json
expect_rc 0 run -o link.json
[ -L link.json ] && is_results real.json && pass "link followed, target written" || fail "link replaced"
[ "$(stat -c %a real.json)" = 600 ] && pass "mode 0600 kept" || fail "mode now $(stat -c %a real.json)"
ln -s new_target.json dangling.json
expect_rc 0 run -o dangling.json
[ -L dangling.json ] && is_results new_target.json && pass "dangling link: target created" || fail "dangling link"

# ---- two runs on one output ----
$R run --videos gen -m test.mean:sleep_ms=1500 -j 1 -q -o busy.json & first=$!
for _ in $(seq 1 600); do
    grep -q '"index"' busy.json.journal 2>/dev/null && break
    kill -0 "$first" 2>/dev/null || break
    sleep 0.05
done
expect_rc 2 run -o busy.json && one_line && contains "another fveval run is writing 'busy.json'"
ln -s busy.json busy_link.json
expect_rc 2 run -o busy_link.json && one_line && contains "is locked"
expect_rc 2 run -o busy.json --resume && contains "is locked"
wait "$first"; rc=$?
[ "$rc" -eq 0 ] && is_results busy.json && [ ! -e busy.json.journal ] \
    && pass "the first run finished undisturbed" || fail "first run: exit $rc"

# ---- the journal cannot grow: stop at once, keep it for --resume ----
# A file size limit makes writes fail with EFBIG as a full disk fails them
# with ENOSPC (SIGXFSZ ignored, so write(2) returns the error).  A long
# prompt makes each journal line ~3 KB, so the limit (4 or 8 KB, as the
# shell counts ulimit blocks) is hit at the second or third sample.  The
# fourth clip (7 frames) crashes test.mean: reaching it would mean the run
# went on after the failure, and would end in SIGSEGV instead of exit 1.
prompt=$(printf '%03000d' 0)
M="test.mean:crash_on_frames=7"
first3="gen/c1.mp4 gen/c2.mp4 gen/c3.mp4"
expect_rc 0 $R run --videos $first3 -m test.mean --text-prompt "$prompt" -j 1 -q -o full_run.json
out=$( (trap '' XFSZ; ulimit -f 8; exec $R run --videos gen -m "$M" --text-prompt "$prompt" -j 1 -q -o fsz.json) 2>&1)
rc=$?
[ "$rc" -eq 1 ] && pass "stopped with exit 1" || { fail "exit $rc (want 1)"; printf '%s\n' "$out" >&2; }
contains "cannot write the journal"
contains "File too large; stopping"
[ "$(printf '%s\n' "$out" | grep -c 'cannot write the journal')" -eq 1 ] && pass "reported once" || fail "reported more than once"
[ ! -e fsz.json ] && [ -s fsz.json.journal ] && pass "no output, journal kept" || fail "output written or journal lost"
# Resume over the first three clips (sample identities match by position).
expect_rc 0 $R --log-level info run --videos $first3 -m "$M" --text-prompt "$prompt" -j 1 -q -o fsz.json --resume
contains "resume: reusing"
/usr/bin/python3 - full_run.json fsz.json <<'PY' && pass "resumed run completes the stopped one" || fail "resume after a full journal differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert len(a["samples"]) == len(b["samples"]) == 3
for sa, sb in zip(a["samples"], b["samples"]):
    assert sa["results"]["test.mean"]["score"] == sb["results"]["test.mean"]["score"], (sa, sb)
PY
finish
