#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Frame pairs per second of the motion metrics against the Python path, with
# the same TorchScript stand-in models (tests/motion/make_flow_models.py, wiggle
# on) on translating clips, side by side:
#   (a) fveval run -m vbench.dynamic_degree / optical_flow.gt_optical_flow
#   (b) the Python path of tests/motion/motion_ref.py / flow_ref.py (upstream's
#       pipeline in torch + NumPy), on frames the ffmpeg program decodes
# Wall and CPU seconds (user + system) are shown; on a shared machine the CPU
# figures are the steadier ones.  The stand-ins cost the same in both, so the
# difference is the preprocessing, batching and the flow statistics.
# Run from a built tree:  sh bench/flow.sh [BUILDDIR]
# Environment: W, H (default 320x240), FRAMES (default 49), CLIPS (default 2).
set -eu
build=$(cd "${1:-.}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
W=${W:-320} H=${H:-240} FRAMES=${FRAMES:-49} CLIPS=${CLIPS:-2}
PY=/usr/bin/python3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/models" "$tmp/gen" "$tmp/ref"
$PY "$src/tests/motion/make_flow_models.py" "$tmp/models" 0.05
i=0
while [ $i -lt "$CLIPS" ]; do
    $PY "$src/tests/motion/make_shift_clip.py" ffmpeg "$tmp/gen/c$i.mkv" "$W" "$H" 24 "$FRAMES" 2 1 $((i + 1))
    $PY "$src/tests/motion/make_shift_clip.py" ffmpeg "$tmp/ref/c$i.mkv" "$W" "$H" 24 "$FRAMES" 1 1 $((i + 1))
    i=$((i + 1))
done
# seconds of wall and CPU time of a command: "wall cpu"
timed() {
    /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; cat "$tmp/t" >&2; exit 1; }
    awk '{printf "%.2f %.2f", $1, $2 + $3}' "$tmp/t"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }
gen=$(ls "$tmp"/gen/*.mkv)
dd_pairs=$(( CLIPS * ((FRAMES - 1) / 3) ))   # 24 fps: every 3rd frame
of_pairs=$(( CLIPS * (FRAMES - 1) ))
F="$build/core/fveval"; O="--plugin-path $build/plugins --model-dir $tmp/models -q -j 1"
echo "clips: $CLIPS x $FRAMES frames of ${W}x${H}; one worker each side"
printf '%-32s %10s %10s %12s %12s\n' "" "wall s" "cpu s" "pairs/s" "pairs/cpu-s"
row() { set -- "$1" "$2" $3; printf '%-32s %10s %10s %12s %12s\n' "$1" "$3" "$4" "$(rate "$2" "$3")" "$(rate "$2" "$4")"; }
t=$(timed $F run $O --videos "$tmp/gen" -m vbench.dynamic_degree -o "$tmp/dd.json")
row "fveval dynamic_degree" $dd_pairs "$t"
t=$(timed $PY "$src/tests/motion/motion_ref.py" ffmpeg dynamic_degree "$tmp/models" "$tmp/dd.json" -- $gen)
row "python dynamic_degree" $dd_pairs "$t"
t=$(timed $F run $O --videos "$tmp/gen" --reference "$tmp/ref" -m optical_flow.gt_optical_flow:chunk_size=4 -o "$tmp/gt.json")
row "fveval gt_optical_flow" $of_pairs "$t"
args=""
for g in $gen; do args="$args $g $tmp/ref/$(basename "$g")"; done
t=$(timed $PY "$src/tests/motion/flow_ref.py" ffmpeg gt "$tmp/models" "$tmp/gt.json" $args)
row "python gt_optical_flow" $of_pairs "$t"
echo "(the Python rows include checking fveval's results, a small part of their time)"
