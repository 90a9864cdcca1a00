#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `fveval report` without a browser: the page's data and tables equal the
# results files (schema 2 and schema 1, one run and a comparison), a page
# from a real `fveval run`, PNG and SVG charts, 10 000 samples, and the
# errors: unusable input or -o is exit 2 with one line and nothing written.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
PY=/usr/bin/python3
CHECK="$PY $top_srcdir/tests/report/check_report.py"
$PY "$top_srcdir/tests/report/make_results.py" . || exit 99
F=$FVEVAL

# ---- the page's content equals the files ----
expect_rc 0 $F report a.json -o a.html && $CHECK data a.html a.json && pass "one run: data, summary, charts"
expect_rc 0 $F report a.json b.json -o ab.html && $CHECK data ab.html a.json b.json && pass "schema 2 vs schema 1: one column per run, deltas"
grep -q 'class="long diff">1.2</td>' ab.html && pass "provenance: a different metric version is highlighted" \
    || fail "provenance difference not highlighted"
grep -q 'class="long diff">b.json</td>' ab.html && fail "provenance: file names highlighted" || pass "file names not highlighted"
grep -q '<b>bad</b>' ab.html && fail "text from the results reached the page unescaped" || pass "text escaped"
# The default name, as `fveval run`'s results.json.
mkdir def && (cd def && $F report ../a.json) && [ -s def/report.html ] && pass "default -o report.html" || fail "no report.html"
expect_rc 0 $F report a.json -o - && contains "<!DOCTYPE html>" && pass "-o - writes to stdout"
expect_rc 0 $F report a.json --metric test.mse -o mse.html && ! grep -q 'data-metric="test.psnr"' mse.html \
    && grep -q 'data-metric="test.mse"' mse.html && pass "--metric limits the page" || fail "--metric"

expect_rc 0 $F report a.json --page-size 7 -o p7.html && grep -q '"id":"samples-table","page":7' p7.html \
    && grep -q '40 rows, 7 a page' p7.html && pass "--page-size" || fail "--page-size"

# ---- matching samples of several files ----
expect_rc 0 $F report a.json b.json --match stem -o stem.html && $CHECK data stem.html a.json b.json && pass "--match stem"
sed 's/clip00004.mp4/clip00003.mp4/' a.json > dup.json
expect_rc 2 $F report dup.json b.json --match video -o x.html && one_line && contains "same video 'gen/clip00003.mp4'"

# ---- charts for papers ----
expect_rc 0 $F report a.json --format png --metric test.psnr -o c.png --size 1000x500 \
    && $CHECK png c.png 1000 500 1f77b4 && pass "PNG chart of the size asked"
expect_rc 0 $F report a.json b.json --format svg --metric test.mse -o c.svg && grep -q '<svg' c.svg && pass "SVG chart"
expect_rc 2 $F report a.json --format png -o c2.png && one_line && contains "choose one with --metric (test.psnr, test.mse)"
[ ! -e c2.png ] || fail "an image was written after an error"

# ---- 10 000 samples: every value in the histograms, the table paged in the page ----
start=$(date +%s)
expect_rc 0 $F report big.json -o big.html && $CHECK data big.html big.json && pass "10 000 samples"
size=$(wc -c < big.html)
[ "$size" -lt 4000000 ] && pass "10 000 samples: $size bytes" || fail "10 000 samples make a $size byte page"
grep -q '10000 rows, 100 a page' big.html && pass "the page says it pages" || fail "no paging note"
grep -q '22 more distinct reasons in the list below' big.html && pass "the 30 most frequent reasons, and how many more" \
    || fail "no note of the reasons left out"
echo "10 000 samples: $(( $(date +%s) - start )) s"

# ---- a real run's results ----
mkdir gen
for i in 1 2 3; do make_clip gen/c$i.mp4 32 24 10 4 "" $((i * 20)); done
$F --plugin-path "$top_builddir/tests/plugins" run --videos gen -m test.mean -j 1 -q -o run.json || fail "fveval run"
expect_rc 0 $F report run.json -o run.html && $CHECK data run.html run.json && pass "a page from fveval run"

# ---- unusable input: exit 2, one line, nothing written ----
bad() { msg=$1; shift; expect_rc 2 $F report "$@" -o bad.html && one_line && contains "$msg" && pass "refused: $msg"; [ ! -e bad.html ] || { fail "bad.html written"; rm -f bad.html; }; }
bad "cannot read 'missing.json': No such file" missing.json
mkdir adir
bad "'adir' is a directory" adir
printf '{"fveval": ' > trunc.json
bad "'trunc.json' is not valid JSON (line 1" trunc.json
printf '[1, 2]\n' > list.json
bad "not an fveval results document" list.json
printf '{"fveval": {"schema": 9}, "samples": []}\n' > new.json
bad "results schema 9; this fveval reads schemas 1 to 2 (a newer fveval wrote it)" new.json
printf '{"fveval": {"schema": 2}, "samples": [{"results": {"m": {"score": "high"}}}]}\n' > score.json
bad "samples[0].results.m is not a result" score.json
printf '{"fveval": {"schema": 2}}\n' > nosamples.json
bad "\"samples\" is missing" nosamples.json
bad "no metric 'nope' in the results (they have: test.psnr, test.mse, test.set)" a.json --metric nope
bad "--format must be html, png or svg" a.json --format pdf
bad "--match must be index, video or stem" a.json --match name
bad "--size needs WIDTHxHEIGHT" a.json --format png --size 10x10
bad "--page-size needs a number of rows" a.json --page-size 0
bad "unknown option '--bogus'" a.json --bogus
bad "give one or more results files"
# A loaded file, then an error in the second: still nothing written.
bad "cannot read 'missing.json'" a.json missing.json

# ---- -o as `fveval run`: refused before any work, never replaced when read-only ----
expect_rc 2 $F report a.json -o adir && one_line && contains "report: output 'adir' is a directory"
expect_rc 2 $F report a.json -o nodir/r.html && one_line && contains "nodir"
printf 'keep\n' > ro.html && chmod 0444 ro.html
expect_rc 2 $F report a.json -o ro.html && one_line && contains "read-only (mode 0444)"
[ "$(cat ro.html)" = keep ] && pass "read-only output kept" || fail "read-only output replaced"
ln -s "$TMPDIR_TEST/target.html" link.html
expect_rc 0 $F report a.json -o link.html && [ -L link.html ] && [ -s target.html ] && pass "a link's target is written"
ln -s /dev/full full
expect_rc 1 $F report a.json -o full && contains "No space left on device"
ln -s /dev/null null
expect_rc 0 $F report a.json --format png --metric test.mse -o null && [ -L null ] && pass "written through a device"

# ---- help ----
expect_rc 0 $F report --help && contains "--format html|png|svg" && contains "--page-size N"
expect_rc 0 $F --help && contains "report RESULTS.json"
finish
