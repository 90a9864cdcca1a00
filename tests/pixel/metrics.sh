#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# common.psnr, common.ssim, vbench.temporal_flickering through the real
# fveval binary: hand-derived values on flat PNG clips, the frame-count and
# frame-size policies, then every score and per-frame value against an
# independent numpy recomputation (tests/pixel/reference.py) on generated
# clips with blurred, noisy and re-encoded copies, and on the shared ltx2.mp4
# when it is there.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
PY=/usr/bin/python3
REF="$top_srcdir/tests/pixel/reference.py"
M=common.psnr,common.ssim,vbench.temporal_flickering
R="$FVEVAL --plugin-path $top_builddir/plugins"
cd "$TMPDIR_TEST"

# get FILE SAMPLE METRIC [EXPR]: print a value of the results (python expression on r, the
# metric's result).
get() {
    $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["samples"][int(sys.argv[2])]["results"][sys.argv[3]]; print(eval(sys.argv[4]))' \
        "$1" "$2" "$3" "${4:-r[\"score\"]}"
}
# near A B [TOL]: |A - B| <= TOL * max(|B|, 1).
near() {
    awk -v a="$1" -v b="$2" -v t="${3:-1e-9}" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; if (m < 1) m = 1; exit !(d <= t * m) }'
}

# ---- flat PNG clips: exact RGB values, hand-derived results ----
# grey/: 4 frames of RGB 128; grey10/: RGB 138 (offset 10); blink/: 128,138,128,138.
png() { # DIR COLOR FRAMES
    mkdir -p "$1"
    $FF -f lavfi -i "color=c=$2:size=40x30:rate=1" -frames:v "$3" -pix_fmt rgb24 "$1/%03d.png"
}
png grey 0x808080 4
png grey10 0x8a8a8a 4
mkdir blink
cp grey/001.png blink/001.png; cp grey10/002.png blink/002.png
cp grey/003.png blink/003.png; cp grey10/004.png blink/004.png

expect_rc 0 $R run --videos grey grey10 blink --reference grey grey grey -m $M -o flat.json -q \
    || { finish; }
# Identical clips: mse = 0 is clamped to 1e-10, so PSNR = 10 log10(1 / 1e-10) = 100 dB.
near "$(get flat.json 0 common.psnr)" 100 && pass "identical clips: PSNR 100 dB" \
    || fail "identical PSNR $(get flat.json 0 common.psnr), want 100"
near "$(get flat.json 0 common.ssim)" 1 1e-12 && pass "identical clips: SSIM 1" \
    || fail "identical SSIM $(get flat.json 0 common.ssim), want 1"
# A static clip does not flicker.
near "$(get flat.json 0 vbench.temporal_flickering)" 1 1e-12 && pass "static clip: flicker 1" \
    || fail "static flicker $(get flat.json 0 vbench.temporal_flickering), want 1"
# Offset 10 on every value: mse = (10/255)^2, PSNR = 20 log10(255/10).
want=$(awk 'BEGIN { printf "%.15g", 20 * log(25.5) / log(10) }')
near "$(get flat.json 1 common.psnr)" "$want" && pass "offset 10: PSNR $want dB" \
    || fail "offset PSNR $(get flat.json 1 common.psnr), want $want"
[ "$(get flat.json 1 common.psnr 'len(r["details"]["per_frame"])')" = 4 ] \
    && pass "per_frame has one value per frame" || fail "per_frame length"
# Frames alternate 128/138: every pair differs by 10, flicker = (255 - 10) / 255.
want=$(awk 'BEGIN { printf "%.15g", 245 / 255 }')
near "$(get flat.json 2 vbench.temporal_flickering)" "$want" && pass "alternating frames: flicker $want" \
    || fail "alternating flicker $(get flat.json 2 vbench.temporal_flickering), want $want"
[ "$(get flat.json 2 vbench.temporal_flickering 'r["details"]["per_pair_mae"]')" = "[10.0, 10.0, 10.0]" ] \
    && pass "per_pair_mae" || fail "per_pair_mae $(get flat.json 2 vbench.temporal_flickering 'r["details"]')"

# ---- policies: one frame, different lengths, different sizes ----
make_clip ref.mp4 96 64 10 12 "" 0
make_clip short.mp4 96 64 10 5 "" 0
make_clip one.mp4 96 64 10 1 "" 0
make_clip big.mp4 112 64 10 12 "" 0
$FF -i ref.mp4 -vf gblur=sigma=1.5 -c:v libx264 -crf 20 -pix_fmt yuv420p blur.mp4
$FF -i ref.mp4 -vf noise=alls=20:allf=t -c:v libx264 -crf 18 -pix_fmt yuv420p noise.mp4
$FF -i ref.mp4 -c:v libx264 -crf 40 -pix_fmt yuv420p crf.mp4
$FF -i ref.mp4 -vf hue=h=40,eq=brightness=0.1 -c:v libx264 -crf 23 -pix_fmt yuv420p hue.mp4

expect_rc 0 $R run --videos one.mp4 short.mp4 big.mp4 --reference ref.mp4 ref.mp4 ref.mp4 \
    -m $M -o pol.json -q || finish
[ "$(get pol.json 0 vbench.temporal_flickering)" = 1.0 ] && pass "one frame: flicker 1.0" \
    || fail "one-frame flicker $(get pol.json 0 vbench.temporal_flickering)"
# Different lengths: upstream compares frames [0, min(T)).
[ "$(get pol.json 1 common.psnr 'len(r["details"]["per_frame"])')" = 5 ] \
    && [ "$(get pol.json 1 common.ssim 'len(r["details"]["per_frame"])')" = 5 ] \
    && [ "$(get pol.json 0 common.ssim 'len(r["details"]["per_frame"])')" = 1 ] \
    && pass "different lengths: first min(T) frames compared" || fail "frame-count policy"
for m in common.psnr common.ssim; do
    reason=$(get pol.json 2 $m 'r["skipped"]')
    case "$reason" in
        "frame size differs: video 112x64, reference 96x64") pass "$m: size mismatch skipped" ;;
        *) fail "$m: size mismatch gave '$reason'" ;;
    esac
done
[ "$(get pol.json 2 vbench.temporal_flickering 'r["score"] is not None')" = True ] \
    && pass "flicker needs no reference" || fail "flicker on the odd-sized clip"

# Options: the window and the peak value are upstream's constructor arguments.
expect_rc 2 $R run --videos blur.mp4 --reference ref.mp4 -m common.ssim:window_size=0 -o x.json -q \
    && pass "window_size range checked"
expect_rc 0 $R run --videos blur.mp4 --reference ref.mp4 -m common.psnr:max_val=255 -o mv.json -q
a=$(get mv.json 0 common.psnr); b=$(get pol.json 1 common.psnr)
expect_rc 0 $R run --videos blur.mp4 --reference ref.mp4 -m common.psnr -o m1.json -q
b=$(get m1.json 0 common.psnr)
want=$(awk -v b="$b" 'BEGIN { printf "%.15g", b + 20 * log(255) / log(10) }')
near "$a" "$want" && pass "max_val=255 adds 20 log10(255) dB" || fail "max_val: $a, want $want"

# ---- independent recomputation on degraded copies ----
expect_rc 0 $R run --videos blur.mp4 noise.mp4 crf.mp4 hue.mp4 short.mp4 one.mp4 grey10 \
    --reference ref.mp4 ref.mp4 ref.mp4 ref.mp4 ref.mp4 ref.mp4 grey -m $M -o gen.json -j 2 -q || finish
$PY "$REF" gen.json && pass "generated clips match the numpy reference" \
    || fail "generated clips disagree with the numpy reference"

# ---- the shared real clip, when present: 8-frame degraded copies vs the full clip ----
LTX="$top_srcdir/../shared/media/ltx2.mp4"
if [ -f "$LTX" ]; then
    $FF -i "$LTX" -frames:v 8 -vf gblur=sigma=2 -c:v libx264 -crf 23 -pix_fmt yuv420p l_blur.mp4
    $FF -i "$LTX" -frames:v 8 -vf noise=alls=15:allf=t -c:v libx264 -crf 20 -pix_fmt yuv420p l_noise.mp4
    $FF -i "$LTX" -frames:v 8 -c:v libx264 -crf 38 -pix_fmt yuv420p l_crf.mp4
    expect_rc 0 $R run --videos l_blur.mp4 l_noise.mp4 l_crf.mp4 --reference "$LTX" "$LTX" "$LTX" \
        -m $M -o ltx.json -j 2 -q || finish
    $PY "$REF" ltx.json && pass "ltx2.mp4 copies match the numpy reference" \
        || fail "ltx2.mp4 copies disagree with the numpy reference"
else
    echo "note: $LTX absent, real-clip comparison skipped"
fi
finish
