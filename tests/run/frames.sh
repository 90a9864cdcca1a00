#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Frame access (ABI 1.2) through the real fveval binary: a SAMPLED plugin
# gets exactly the frames its sampler (or the declared even sampler) picks,
# with the ffmpeg program's pixels; a STREAM plugin gets every frame in
# order through its window; all of it the same whether the core keeps the
# whole clip (another metric reads it, or FVEVAL_FORCE_WHOLE_CLIP=1) or
# converts only what is read; a clip cut short (the sampler is asked again
# with the count that decodes); a clip that fails part-way; a frame()
# failure and an early stop.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
PY=/usr/bin/python3
CHECK="$top_srcdir/tests/run/check_frames.py"
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"
SWS="-sws_flags bicubic+accurate_rnd+full_chroma_int -pix_fmt rgb24 -f rawvideo"
PICKS='0/last/5/5/3'

make_clip clip.mp4 64 48 10 12 "" 0
$FF -i clip.mp4 $SWS clip.rgb

# check NAME RESULTS SAMPLE RAW CHECK-ARGS...: the checker's lines, one pass/fail for the lot.
check() {
    name=$1; shift
    if $PY "$CHECK" "$@" >check.out 2>&1; then
        pass "$name ($(grep -c '^ok' check.out) checks)"
    else
        fail "$name"; sed 's/^/    /' check.out >&2
    fi
}

M="test.sampled:picks=$PICKS,test.uniform,test.stream"
expect_rc 0 $R run --videos clip.mp4 -m "$M" -o only.json -q
check "only frames read: sampled, uniform, stream" only.json 0 clip.rgb 64 48 \
    --picks "$PICKS" --uniform 4 --stream
expect_rc 0 $R run --videos clip.mp4 -m "$M,test.mean" -o withclip.json -q
check "served from the whole clip another metric reads" withclip.json 0 clip.rgb 64 48 \
    --picks "$PICKS" --uniform 4 --stream
expect_rc 0 env FVEVAL_FORCE_WHOLE_CLIP=1 $R run --videos clip.mp4 -m "$M" -o forced.json -q
check "FVEVAL_FORCE_WHOLE_CLIP=1" forced.json 0 clip.rgb 64 48 --picks "$PICKS" --uniform 4 --stream
# Streamed windows carry the clip's rate (the container's, or --fps) on every path.
expect_rc 0 $R run --videos clip.mp4 --fps 7.5 -m test.stream -o fps.json -q
r=$($PY -c 'import json, sys
print(*(json.load(open(f))["samples"][0]["results"]["test.stream"]["details"]["window_fps"]
        for f in sys.argv[1:]))' only.json withclip.json forced.json fps.json)
[ "$r" = "10.0 10.0 10.0 7.5" ] && pass "stream windows carry the rate: 10 fps decoded, served, forced; --fps 7.5" ||
    fail "stream window rates (want 10 10 10 7.5): $r"

# A clip of 3 frames: the even sampler repeats frames, the window never fills.
make_clip three.mp4 64 48 10 3 "" 0
$FF -i three.mp4 $SWS three.rgb
expect_rc 0 $R run --videos three.mp4 -m "test.uniform,test.stream" -o three.json -q
check "3 frames: repeated picks, short windows" three.json 0 three.rgb 64 48 --uniform 4 --stream

# An mp4 with its index first, cut short: the container says 24 frames, fewer decode, so the
# samplers are asked again with the decoded count and a second pass converts their picks.
# (Noise keeps the frames large next to the index, so the cut lands among them.)  The last
# frame that decodes is damaged, so the reference is the whole-clip path's frames.
$FF -f lavfi -i "testsrc2=size=64x48:rate=10,noise=alls=40:allf=t" -frames:v 24 -c:v libx264 \
    -pix_fmt yuv420p -movflags +faststart fast.mp4
size=$(wc -c <fast.mp4)
head -c $((size * 2 / 3)) fast.mp4 >cut.mp4
CM="test.sampled:picks=last,test.uniform,test.stream"
# Damaged media fails the sample by default (tests/run/media_errors.sh); scored here as partial.
expect_rc 1 $R run --videos cut.mp4 -m "$CM" -o cut.json -q && contains "data lost"
expect_rc 0 $R run --videos cut.mp4 -m "$CM" -o cut.json -q --on-decode-error=partial
expect_rc 0 env FVEVAL_FORCE_WHOLE_CLIP=1 $R run --videos cut.mp4 -m "$CM" -o cutclip.json -q \
    --on-decode-error=partial
r=$($PY -c '
import json
a, b = (json.load(open(f))["samples"][0]["results"] for f in ("cut.json", "cutclip.json"))
n = a["test.stream"]["details"]["clip_frames"]
print(int(n), a == b, a["test.sampled"]["details"]["frame_index"] == [n - 1],
      a["test.uniform"]["details"]["frame_index"] == [float(j * (n - 1) // 3) for j in range(4)])')
case $r in
    "24 "*) fail "the cut clip decodes all 24 frames" ;;
    *" True True True") pass "cut short (${r%% *} of 24 frames decode): picks from the decoded count, the whole clip's bytes" ;;
    *) fail "cut short: $r" ;;
esac

# Decoding fails part-way: the third image has another size.  The frames before it were
# streamed; then the sample fails with the decoder's reason and compute is not called.
mkdir seq
$FF -f lavfi -i testsrc2=size=64x48:rate=1 -frames:v 2 seq/%03d.png
$FF -f lavfi -i testsrc2=size=32x24:rate=1 -frames:v 1 seq/003.png
expect_rc 1 $R --log-level debug run --videos seq -m test.stream,test.sampled -o seq.json -q
contains "[test.stream] frame 0 (window of 1)"
contains "[test.stream] frame 1 (window of 2)"
case $out in *"[test.stream] frame 2 ("*) fail "a frame after the failure was streamed" ;; *) pass "streamed frames 0 and 1, then stopped" ;; esac
r=$($PY -c 'import json; r=json.load(open("seq.json"))["samples"][0]["results"]; why = lambda x: x["error"] or x["skipped"] or ""; print(why(r["test.stream"]), "|", "newest" in r["test.stream"]["details"], "|", why(r["test.sampled"]))')
case $r in
    *"is 32x24, the images before it 64x48 | False | "*"is 32x24"*) pass "the sample fails with the decoder's reason, compute not called" ;;
    *) fail "part-way failure recorded as: $r" ;;
esac

# frame() failing is the metric's error on the sample; returning 1 stops the stream early.
expect_rc 1 $R run --videos clip.mp4 -m test.stream:fail_at=4 -o failat.json -q
r=$($PY -c 'import json; d=json.load(open("failat.json"))["samples"][0]["results"]["test.stream"]; print(d["score"], d["error"] is not None, d["skipped"])')
case $r in "None True None") pass "frame() failing: an error result, exit 1" ;; *) fail "frame() failing: $r" ;; esac
expect_rc 0 $R run --videos clip.mp4 -m test.stream:stop_at=4 -o stop.json -q
check "frame() returning 1 stops the stream, compute still runs" stop.json 0 clip.rgb 64 48 --stream 4

# fveval info shows the access.
expect_rc 0 $R info test.stream && contains "video   (streamed, window 3) required"
expect_rc 0 $R info test.sampled && contains "(up to 16 sampled frames)"

# A sampler picking a frame the clip lacks is an error on that sample.
expect_rc 1 $R run --videos clip.mp4 -m test.sampled:picks=0/12 -o range.json -q
contains "select_frames picked frame 12 of a 12-frame clip"
finish
