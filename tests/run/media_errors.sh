#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Damaged and unusual media: an index-first mp4 cut short or overwritten in
# the middle fails its sample by default and is scored with a warning under
# --on-decode-error=partial (also the YAML key); a file without a video
# stream given as a video is a failure; a FIFO is refused unless
# --allow-special-files, and --sample-timeout ends a read that blocks; video
# and reference at different fps get a warning in the sample's entry.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"
PY=/usr/bin/python3

# Index first (+faststart), so a cut keeps the index and loses frames.
$FF -f lavfi -i testsrc2=size=128x96:rate=10 -frames:v 30 -c:v libx264 -pix_fmt yuv420p \
    -movflags +faststart whole.mp4
size=$(wc -c < whole.mp4)
head -c $((size * 2 / 3)) whole.mp4 > cut.mp4
cp whole.mp4 overwritten.mp4
head -c 2000 /dev/zero | tr '\0' '\125' | dd of=overwritten.mp4 bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
$FF -f lavfi -i sine=frequency=440:sample_rate=16000 -t 1 sound.wav
cp sound.wav sound.mp4

# check FILE LABEL PYTHON-ASSERTIONS (d: the document, s: its samples, res(i): sample i's test.mean)
check() {
    $PY - "$1" "$3" <<'PY' && pass "$2" || fail "$2"
import json, sys
d = json.load(open(sys.argv[1])); s = d["samples"]
def res(i): return s[i]["results"]["test.mean"]
exec(sys.argv[2])
PY
}

expect_rc 1 $R run --videos whole.mp4 cut.mp4 overwritten.mp4 sound.mp4 -m test.mean -o skip.json -q
check skip.json "intact file scored" 'assert res(0)["score"] is not None and "warnings" not in s[0]'
for i in 1 2; do
    check skip.json "damaged file $i fails by default" "r = res($i); assert r['score'] is None and r['skipped'] is None, r
assert 'data lost' in r['error'] and 'on-decode-error=partial' in r['error'], r"
done
check skip.json "sound file as video: an error" 'r = res(3); assert r["score"] is None and "no video stream" in r["error"], r'

expect_rc 1 $R run --videos whole.mp4 cut.mp4 overwritten.mp4 sound.mp4 -m test.mean -o partial.json -q \
    --on-decode-error=partial
check partial.json "partial: scored with a warning" 'assert "warnings" not in s[0]
for i, frames in ((1, 18), (2, 26)):
    r = res(i); w = s[i]["warnings"]
    assert r["score"] is not None and r["details"]["frames"] == frames, r
    assert len(w) == 1 and "data lost" in w[0] and "partial" in w[0], w
assert res(3)["score"] is None'
contains "sample 1: 'cut.mp4': data lost"
# Without the file that is not a video, a partial run is a success; --resume keeps the warnings.
expect_rc 0 $R run --videos whole.mp4 cut.mp4 -m test.mean -o ok.json -q --on-decode-error partial
expect_rc 0 $R run --videos whole.mp4 cut.mp4 -m test.mean -o ok.json -q --on-decode-error partial --resume
check ok.json "resume keeps warnings" 'assert len(s[1]["warnings"]) == 1 and res(1)["score"] is not None'
# The YAML key, and a bad value either way.
printf 'inputs:\n  videos: [cut.mp4]\nmetrics: [test.mean]\non_decode_error: partial\n' > partial.yaml
expect_rc 0 $R run --config partial.yaml -o y.json -q && pass "on_decode_error in YAML"
expect_rc 1 $R run --config partial.yaml --on-decode-error skip -o y.json -q && pass "the flag overrides YAML"
printf 'on_decode_error: maybe\n' > bad.yaml
expect_rc 2 $R run --config bad.yaml --videos cut.mp4 -m test.mean -o b.json -q && contains "skip, partial"
expect_rc 2 $R run --videos cut.mp4 -m test.mean -o b.json -q --on-decode-error=maybe && one_line
expect_rc 2 $R run --videos cut.mp4 -m test.mean -o b.json -q --sample-timeout 0 && one_line

# A FIFO nobody writes to: refused at once, or read until the time limit.
mkfifo fifo.mp4
start=$(date +%s)
expect_rc 1 timeout 20 $R run --videos fifo.mp4 whole.mp4 -m test.mean -o fifo.json -q
check fifo.json "FIFO refused" 'r = res(0); assert "a FIFO, not a regular file" in r["error"], r
assert res(1)["score"] is not None'
expect_rc 1 timeout 20 $R run --videos fifo.mp4 whole.mp4 -m test.mean -o fifo2.json -q -j 2 \
    --allow-special-files --sample-timeout 0.5
check fifo2.json "FIFO read times out" 'r = res(0); assert "sample-timeout" in r["error"], r
assert res(1)["score"] is not None'
printf 'inputs:\n  videos: [fifo.mp4]\nmetrics: [test.mean]\nallow_special_files: true\nsample_timeout: 0.5\n' > fifo.yaml
expect_rc 1 timeout 20 $R run --config fifo.yaml -o fifo3.json -q
check fifo3.json "YAML sample_timeout, allow_special_files" 'assert "sample-timeout" in res(0)["error"]'
[ $(($(date +%s) - start)) -lt 15 ] && pass "FIFO runs end promptly" || fail "FIFO runs took too long"
expect_rc 1 $R run --videos /dev/null -m test.mean -o dev.json -q && check dev.json "device refused" 'assert "character device" in res(0)["error"]'

# Different frame rates: scored, with a warning on stderr and in the sample's entry; none with --fps.
P="$FVEVAL --plugin-path $top_builddir/plugins"
make_clip ref24.mp4 128 96 24 30
expect_rc 0 $P run --videos whole.mp4 --reference ref24.mp4 -m common.psnr -o fps.json -q && contains "10 fps, reference 24 fps"
$PY -c 'import json, sys; s = json.load(open("fps.json"))["samples"][0]
assert s["results"]["common.psnr"]["score"] is not None and s["warnings"] == ["video is 10 fps, reference 24 fps: metrics compare them frame by frame"], s' \
    && pass "fps mismatch recorded" || fail "fps mismatch recorded"
expect_rc 0 $P run --videos whole.mp4 --reference ref24.mp4 -m common.psnr -o fps2.json -q --fps 10
$PY -c 'import json; assert "warnings" not in json.load(open("fps2.json"))["samples"][0]' \
    && pass "no fps warning with --fps" || fail "fps warning with --fps"
finish
