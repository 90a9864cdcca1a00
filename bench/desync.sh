#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Seconds of video scored per second: audio.desync through `fveval run -j 1` against the
# Python path (bench/desync_baseline.py: FastVideo's recipe in PyTorch eager on ffmpeg CLI
# frames and PCM), both with the Synchformer stand-in (tests/audio/make_synchformer.py), on
# N clips of S seconds, 640x360 at 30 fps with 48 kHz stereo AAC.  The stand-in is cheap, so
# this measures the pre- and post-processing; with the real network the model dominates.
# Usage: sh bench/desync.sh [BUILD_DIR] [N] [S]   (run from the source tree)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src}" && pwd)
n=${2:-4}
secs=${3:-10}
PY=/usr/bin/python3
FF=${FFMPEG_CLI:-ffmpeg}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/models"
"$PY" "$src/tests/audio/make_synchformer.py" "$tmp/models"
cd "$tmp"
: > m.jsonl
i=0
while [ "$i" -lt "$n" ]; do
    "$FF" -v error -f lavfi -i "testsrc2=size=640x360:rate=30,hue=h=$((i * 40))" -f lavfi \
        -i "sine=f=$((300 + 50 * i)):r=48000" -t "$secs" -ac 2 -c:v libx264 -preset ultrafast \
        -pix_fmt yuv420p -c:a aac -shortest "c$i.mp4"
    echo "{\"video\": \"c$i.mp4\"}" >> m.jsonl
    i=$((i + 1))
done
video_s=$((n * secs))
start=$(date +%s.%N)
"$build/core/fveval" --plugin-path "$build/plugins" run --manifest m.jsonl -m audio.desync \
    --model-dir models -o out.json -q -j 1
end=$(date +%s.%N)
c=$(echo "$start $end" | awk -v a="$video_s" '{printf "%.2f", a / ($2 - $1)}')
p=$("$PY" "$src/bench/desync_baseline.py" models/synchformer.pt 30 "$secs" c*.mp4)
echo "audio.desync: $video_s s of video; fveval (-j 1) $c s/s, Python path $p s/s"
