#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Videos scored per second by audio.imagebind_score through `fveval run` (-j 1, whole
# process) against the Python + PyTorch eager path (tests/audio/imagebind_ref.py:
# ffmpeg CLI decode, torch interpolate/normalise/crops, torchaudio resample and
# kaldi.fbank, the model; imports and model loading excluded), both with the same
# ImageBind stand-in (tests/audio/make_imagebind.py), on N copies of a W x H clip of
# S seconds with a 44.1 kHz stereo AAC track.  Prints both rates and their ratio.
# Usage: sh bench/imagebind.sh [BUILD_DIR] [N] [S]   (run from the source tree; W, H env)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src}" && pwd)
n=${2:-4}
secs=${3:-5}
W=${W:-832}
H=${H:-480}
PY=/usr/bin/python3
FF=${FFMPEG_CLI:-ffmpeg}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/models"
"$PY" "$src/tests/audio/make_imagebind.py" "$tmp/models"
cd "$tmp"
: > m.jsonl
i=0
while [ "$i" -lt "$n" ]; do
    "$FF" -v error -f lavfi -i "testsrc2=size=${W}x${H}:rate=24" \
        -f lavfi -i "sine=frequency=$((300 + 40 * i)):sample_rate=44100" -t "$secs" \
        -c:v libx264 -pix_fmt yuv420p -c:a aac -ac 2 "v$i.mp4"
    echo "{\"video\": \"v$i.mp4\"}" >> m.jsonl
    i=$((i + 1))
done
start=$(date +%s.%N)
"$build/core/fveval" --plugin-path "$build/plugins" run --manifest m.jsonl \
    -m audio.imagebind_score --model-dir models -o out.json -q -j 1
end=$(date +%s.%N)
c=$(echo "$start $end" | awk -v n="$n" '{printf "%.3f", n / ($2 - $1)}')
p=$("$PY" - "$src/tests/audio" models/imagebind_huge.pt "$n" <<'PYEOF'
import sys, time
sys.path.insert(0, sys.argv[1])
import torch
import imagebind_ref as R
torch.set_num_threads(1)
model = torch.jit.load(sys.argv[2])
n = int(sys.argv[3])
start = time.perf_counter()
with torch.no_grad():
    for i in range(n):
        a = model.embed_audio(R.audio_input(f"v{i}.mp4")).reshape(1, 3, -1).mean(dim=1)
        v = model.embed_vision(R.video_input(f"v{i}.mp4")).reshape(1, 15, -1).mean(dim=1)
        torch.nn.functional.cosine_similarity(v, a, dim=-1)
print(f"{n / (time.perf_counter() - start):.3f}")
PYEOF
)
ratio=$(echo "$c $p" | awk '{printf "%.2f", $1 / $2}')
echo "audio.imagebind_score: $n videos of ${W}x${H}, $secs s; fveval (-j 1) $c videos/s, Python path $p videos/s, ratio ${ratio}x"
