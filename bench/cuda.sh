#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Frames/s of the pixel metrics (common.psnr, common.ssim,
# vbench.temporal_flickering) on a CUDA device, end to end (decode, upload,
# kernels), against Python + PyTorch on the same device (bench/cuda_baseline.py:
# fastvideo.eval's torch code) on the same files: PAIRS generated/reference pairs
# of FRAMES-frame 832x480 clips cut from shared/media/ltx2.mp4 (as bench/pixel.sh).
# Timed: (a) fveval --device cpu, (b) fveval --device cuda:N, (c) the baseline on
# cuda:N; prints frames/s and the ratios b/c (target >= 1.5) and b/a.
# Needs a build with the CUDA kernels (configure --with-cuda) and a GPU; exits 1
# with the reason otherwise.  When $PYTHON's torch has no CUDA (Debian's
# python3-torch is CPU-only) the baseline is left out and the output says so
# (BASELINE_ON_CPU=1 runs it on the cpu instead, which takes seconds a frame).
# Run from a built tree:  sh bench/cuda.sh [BUILDDIR]
# Environment: DEVICE (default cuda:0), PAIRS (default 8), FRAMES (default 48),
# REPEAT (best of, default 2), LTX (source clip), PYTHON (default /usr/bin/python3).
set -eu
build=${1:-.}
src=$(cd "$(dirname "$0")/.." && pwd)
LTX=${LTX:-$src/../shared/media/ltx2.mp4}
DEVICE=${DEVICE:-cuda:0}
PAIRS=${PAIRS:-8}
FRAMES=${FRAMES:-48}
REPEAT=${REPEAT:-2}
PYTHON=${PYTHON:-/usr/bin/python3}
probe="$build/tests/cuda/test_cuda"
[ -x "$probe" ] || { echo "bench/cuda.sh: $probe not built (make check TESTS= builds it)" >&2; exit 1; }
if ! why=$("$probe" --probe); then
    echo "bench/cuda.sh: cannot run on a GPU here: $why" >&2
    exit 1
fi
[ -f "$LTX" ] || { echo "bench/cuda.sh: $LTX not found (set LTX)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ff="ffmpeg -nostdin -loglevel error -y"
enc="-c:v libx264 -preset veryfast -pix_fmt yuv420p"
mkdir "$tmp/gen" "$tmp/ref"
echo "making $PAIRS pairs of ${FRAMES}-frame clips from $LTX ..."
i=0
while [ $i -lt "$PAIRS" ]; do
    i=$((i + 1))
    n=$(printf %02d $i)
    $ff -i "$LTX" -frames:v "$FRAMES" -vf "hue=h=$((i * 17))" $enc -crf 18 "$tmp/ref/c$n.mp4"
    case $((i % 3)) in
        0) deg="gblur=sigma=1.5" ;; 1) deg="noise=alls=12:allf=t" ;; 2) deg="null" ;;
    esac
    $ff -i "$tmp/ref/c$n.mp4" -vf "$deg" $enc -crf $((24 + i % 12)) "$tmp/gen/c$n.mp4"
    echo "$tmp/gen/c$n.mp4 $tmp/ref/c$n.mp4" >> "$tmp/pairs.txt"
done
bdev=$DEVICE
if ! "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    # torch's CPU depthwise conv2d takes seconds a frame: not a like-for-like baseline.
    if [ "${BASELINE_ON_CPU:-0}" = 1 ]; then
        bdev=cpu
        echo "note: $PYTHON's torch has no CUDA: the baseline runs on the cpu (BASELINE_ON_CPU=1)"
    else
        bdev=
        echo "note: $PYTHON's torch has no CUDA: no baseline on $DEVICE (set PYTHON to a Python whose" \
            "torch has CUDA; BASELINE_ON_CPU=1 runs it on the cpu, slowly)"
    fi
fi

# best NAME CMD...: the least wall seconds of REPEAT runs of CMD, into $tmp/NAME.
best() {
    name=$1; shift
    b=
    r=0
    while [ $r -lt "$REPEAT" ]; do
        r=$((r + 1))
        /usr/bin/time -f "%e" -o "$tmp/t" "$@" > "$tmp/$name.out" 2>&1 || { cat "$tmp/$name.out" >&2; exit 1; }
        t=$(cat "$tmp/t")
        b=$(awk -v a="${b:-$t}" -v t="$t" 'BEGIN { print (t < a ? t : a) }')
    done
    echo "$b" > "$tmp/$name"
}
R="env FVEVAL_PLUGIN_SYSTEM_PATH= $build/core/fveval --plugin-path $build/plugins run --videos $tmp/gen --reference $tmp/ref -m common.psnr,common.ssim,vbench.temporal_flickering -q"
echo "(a) fveval --device cpu ..."
best a $R -o "$tmp/a.json" --device cpu
echo "(b) fveval --device $DEVICE ..."
best b $R -o "$tmp/b.json" --device "$DEVICE"
if [ -n "$bdev" ]; then
    echo "(c) Python + PyTorch on $bdev ..."
    best c "$PYTHON" "$src/bench/cuda_baseline.py" "$bdev" "$tmp/pairs.txt"
else
    echo 0 > "$tmp/c"
fi
frames=$((PAIRS * FRAMES))
read -r a < "$tmp/a"; read -r b < "$tmp/b"; read -r c < "$tmp/c"
awk -v a="$a" -v b="$b" -v c="$c" -v f="$frames" -v d="$DEVICE" -v bd="$bdev" 'BEGIN {
    printf "\n%d frame pairs, 832x480, 3 metrics       wall s   frames/s\n", f
    printf "(a) fveval --device cpu               %8.2f %10.1f\n", a, f / a
    printf "(b) fveval --device %-17s %8.2f %10.1f\n", d, b, f / b
    if (bd != "") {
        printf "(c) Python + PyTorch on %-13s %8.2f %10.1f\n", bd, c, f / c
        printf "fveval %s / PyTorch %s: %.2fx  (target >= 1.5)\n", d, bd, c / b
    } else
        printf "(c) Python + PyTorch: not run (no CUDA in its torch)\n"
    printf "fveval %s / fveval cpu:  %.2fx\n", d, a / b
}'
