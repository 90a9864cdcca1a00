#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `fveval report` in a real browser: Debian's chromium, headless, loads a
# comparison page and a 10 000-sample page from file:// (the page allows
# no network), runs their script, and leaves a screenshot and the DOM it
# drew.  Checked: nothing on the console (errors, CSP refusals), the
# charts' bar colours of both runs on screen, the table pages and its
# cells equal the results files, with runs 2.. highlighted against run 1.
# About 10-30 s: two browser starts.
. "$top_srcdir/tests/lib.sh"
need_tool chromium
cd "$TMPDIR_TEST"
PY=/usr/bin/python3
CHECK="$PY $top_srcdir/tests/report/check_report.py"
$PY "$top_srcdir/tests/report/make_results.py" . || exit 99

# browse PAGE: screenshot PAGE.png, the drawn DOM in PAGE.dom, the console in PAGE.log
browse() {
    # The wrapper script of Debian's chromium runs as root only with --no-sandbox;
    # a profile of its own keeps the test away from the user's.
    timeout 120 chromium --headless --disable-gpu --no-sandbox --no-first-run \
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

"$FVEVAL" report a.json b.json -o ab.html || fail "report"
start=$(date +%s)
browse ab.html
# The charts: run 1's blue and run 2's orange bars, far more than the legends' swatches.
$CHECK pixels ab.html.png 5000 1f77b4 ff7f0e && pass "screenshot shows both runs' bars" || fail "bars not on screen"
$CHECK dom ab.html.dom 100 a.json b.json && pass "the table drawn equals the files" || fail "table drawn"

"$FVEVAL" report big.json -o big.html || fail "report big"
browse big.html
$CHECK pixels big.html.png 5000 1f77b4 && pass "10 000 samples: chart on screen" || fail "big: no chart"
$CHECK dom big.html.dom 100 big.json && pass "10 000 samples: one page of 100 rows drawn" || fail "big: table"
echo "browser: $(( $(date +%s) - start )) s"
finish
