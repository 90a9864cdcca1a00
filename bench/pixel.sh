#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Speed of the pixel metrics (common.psnr, common.ssim,
# vbench.temporal_flickering) on a corpus of 20 generated/reference pairs of
# 832x480 clips made from shared/media/ltx2.mp4 (flips, hue and brightness
# shifts as references; blurred, noisy, re-encoded and rescaled copies of
# them as generated clips), timed side by side:
#   (a) ffmpeg -f null decode of every generated and reference file
#   (b) fveval run -m common.psnr,common.ssim,vbench.temporal_flickering
#   (c) bench/pixel_baseline.py, a Python port of what fastvideo.eval does
# and the ratios b/a (target <= 1.3) and b/c (target <= 0.1).  Wall seconds
# and CPU seconds (user + system) are both shown: on a shared machine the
# CPU figures are the steadier ones.
# Run from a built tree:  sh bench/pixel.sh [BUILDDIR]
# Environment: FRAMES (frames per clip, default 48), PAIRS (default 20),
# LTX (source clip), JOBS (fveval -j, default: its own default).
set -eu
build=${1:-.}
src=$(cd "$(dirname "$0")/.." && pwd)
LTX=${LTX:-$src/../shared/media/ltx2.mp4}
FRAMES=${FRAMES:-48}
PAIRS=${PAIRS:-20}
[ -f "$LTX" ] || { echo "bench/pixel.sh: $LTX not found (set LTX)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ff="ffmpeg -nostdin -loglevel error -y"
enc="-c:v libx264 -preset veryfast -pix_fmt yuv420p"
mkdir "$tmp/gen" "$tmp/ref"

echo "making $PAIRS pairs of ${FRAMES}-frame 832x480 clips from $LTX ..."
i=0
while [ $i -lt "$PAIRS" ]; do
    i=$((i + 1))
    n=$(printf %02d $i)
    case $((i % 5)) in
        0) geo=null ;; 1) geo=hflip ;; 2) geo=vflip ;; 3) geo="hflip,vflip" ;; 4) geo="eq=brightness=0.06" ;;
    esac
    $ff -i "$LTX" -frames:v "$FRAMES" -vf "$geo,hue=h=$((i * 17))" $enc -crf 18 "$tmp/ref/c$n.mp4"
    case $((i % 4)) in
        0) deg="gblur=sigma=1.5" ;; 1) deg="noise=alls=12:allf=t" ;;
        2) deg="scale=416:240,scale=832:480" ;; 3) deg="null" ;;
    esac
    $ff -i "$tmp/ref/c$n.mp4" -vf "$deg" $enc -crf $((24 + i % 12)) "$tmp/gen/c$n.mp4"
    echo "$tmp/gen/c$n.mp4 $tmp/ref/c$n.mp4" >> "$tmp/pairs.txt"
done

# clock NAME CMD...: run CMD, record "wall cpu" seconds in $tmp/NAME.
clock() {
    name=$1; shift
    /usr/bin/time -f "%e %U %S" -o "$tmp/$name.t" "$@" > "$tmp/$name.out" 2>&1 \
        || { cat "$tmp/$name.out" >&2; exit 1; }
    awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$tmp/$name.t" > "$tmp/$name"
}

echo "(a) ffmpeg -f null decode of $((2 * PAIRS)) files ..."
cat > "$tmp/decode.sh" <<EOS
for f in "$tmp"/gen/*.mp4 "$tmp"/ref/*.mp4; do ffmpeg -nostdin -loglevel error -i "\$f" -f null - || exit 1; done
EOS
clock a sh "$tmp/decode.sh"
echo "(b) fveval run ..."
clock b env FVEVAL_PLUGIN_SYSTEM_PATH= "$build/core/fveval" --plugin-path "$build/plugins" run \
    --videos "$tmp/gen" --reference "$tmp/ref" -m common.psnr,common.ssim,vbench.temporal_flickering \
    ${JOBS:+-j "$JOBS"} -o "$tmp/results.json" -q
echo "(c) Python baseline ..."
clock c /usr/bin/python3 "$src/bench/pixel_baseline.py" "$tmp/pairs.txt"

read aw ac < "$tmp/a"; read bw bc < "$tmp/b"; read cw cc < "$tmp/c"
printf '\n%-44s %9s %9s\n' "$PAIRS pairs x $FRAMES frames, 832x480" "wall s" "CPU s"
printf '%-44s %9s %9s\n' "(a) ffmpeg -f null, $((2 * PAIRS)) files" "$aw" "$ac"
printf '%-44s %9s %9s\n' "(b) fveval run (3 metrics)" "$bw" "$bc"
printf '%-44s %9s %9s\n' "(c) Python baseline" "$cw" "$cc"
awk -v aw="$aw" -v ac="$ac" -v bw="$bw" -v bc="$bc" -v cw="$cw" -v cc="$cc" 'BEGIN {
    printf "b/a  wall %.2f  CPU %.2f   (target <= 1.3)\n", bw / aw, bc / ac
    printf "b/c  wall %.3f  CPU %.3f   (target <= 0.1)\n", bw / cw, bc / cc
}'
