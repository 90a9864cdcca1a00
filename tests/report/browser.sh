#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `fveval report` in a real browser: Debian's chromium, headless, loads a
# page comparing two runs of 10 000 samples from file:// (the page allows
# no network), runs its script, and leaves a screenshot and the DOM it
# drew.  Checked: nothing on the console (errors, CSP refusals), the
# charts' bar colours of both runs on screen, the table pages and its
# cells equal the results files, with run 2 highlighted against run 1.
# About 10 s on an idle machine: one browser start.
. "$top_srcdir/tests/lib.sh"
need_tool chromium
cd "$TMPDIR_TEST"
PY=/usr/bin/python3
CHECK="$PY $top_srcdir/tests/report/check_report.py"
$PY "$top_srcdir/tests/report/make_results.py" . || exit 99

# browse PAGE: screenshot PAGE.png, the drawn DOM in PAGE.dom, the console in PAGE.log
browse() {
    # Debian's chromium runs as root only with --no-sandbox; a profile and a
    # HOME of its own keep the test away from the user's.
    HOME="$TMPDIR_TEST" timeout 120 chromium --headless --disable-gpu --no-sandbox --no-first-run \
        --user-data-dir="$TMPDIR_TEST/profile" --window-size=1280,1400 \
        --virtual-time-budget=5000 --enable-logging=stderr --v=0 \
        --screenshot="$TMPDIR_TEST/$1.png" --dump-dom "file://$TMPDIR_TEST/$1" \
        > "$1.dom" 2> "$1.log" || { fail "chromium failed on $1"; sed 's/^/    /' "$1.log" | tail -20 >&2; }
    # Every console message (console.*, uncaught errors, CSP violations) is an INFO:CONSOLE line.
    if grep -q 'CONSOLE' "$1.log"; then
        fail "$1: console messages"; grep 'CONSOLE' "$1.log" | sed 's/^/    /' >&2
    else
        pass "$1: no console messages"
    fi
    [ -s "$1.png" ] || fail "$1: no screenshot"
}

# One page that has it all, as one browser start costs seconds: two runs of
# 10 000 samples (schema 2 and schema 1), compared.
"$FVEVAL" report big.json bigb.json -o report.html || fail "report"
# A person's clicks: run 2's test.psnr heading (column 3) twice, sorting by it, highest first.
sed 's|</body>|<script>var h = document.querySelectorAll("#samples-table th.sortable")[3]; h.click(); h.click();</script></body>|' \
    report.html > big.html
start=$(date +%s)
browse big.html
# The charts: run 1's blue and run 2's orange bars, far more than the legends' swatches.
$CHECK pixels big.html.png 5000 1f77b4 ff7f0e && pass "screenshot shows both runs' bars" || fail "bars not on screen"
$CHECK dom big.html.dom 100 sort=3:desc big.json bigb.json \
    && pass "one page of 100 rows drawn, sorted as clicked, equal to the files" || fail "table drawn"
echo "browser: $(( $(date +%s) - start )) s"
finish
