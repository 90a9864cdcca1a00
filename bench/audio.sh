#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Seconds of audio scored per second: audio.kl_divergence and audio.frechet_distance
# through `fveval run` against the Python path (bench/audio_baseline.py: ffmpeg CLI
# decode, the same soxr recipe, torch's AugmentMelSTFT and the network), both with the
# same PaSST stand-in (tests/audio/make_passt.py), on N stereo 44.1 kHz clips of S
# seconds; audio.audiobox_aesthetics likewise with its stand-in
# (tests/audio/make_audiobox.py) on the N generated clips.  Usage: sh bench/audio.sh [BUILD_DIR] [N] [S]   (run from the source tree)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src}" && pwd)
n=${2:-8}
secs=${3:-30}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/models"
"$PY" "$src/tests/audio/make_passt.py" "$tmp/models"
"$PY" "$src/tests/audio/make_audiobox.py" "$tmp/models"
"$PY" - "$tmp" "$n" "$secs" <<'PYEOF'
import sys, wave, numpy as np
d, n, s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(3)
rows = []
for i in range(n):
    t = np.arange(s * 44100) / 44100
    x = 0.3 * np.sin(2 * np.pi * (200 + 50 * i) * t)[:, None] + 0.05 * rng.standard_normal((t.size, 2))
    for name in (f"g{i}.wav", f"r{i}.wav"):
        with wave.open(f"{d}/{name}", "wb") as w:
            w.setnchannels(2); w.setsampwidth(2); w.setframerate(44100)
            w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
        x = x[:, ::-1].copy()
    rows.append(f'{{"audio": "g{i}.wav", "reference_audio": "r{i}.wav"}}')
open(f"{d}/m.jsonl", "w").write("\n".join(rows) + "\n")
PYEOF
audio_s=$((2 * n * secs))
cd "$tmp"
for metric in audio.kl_divergence audio.frechet_distance; do
    opt=""; [ "$metric" = audio.frechet_distance ] && opt=":cache_mode=off"
    start=$(date +%s.%N)
    "$build/core/fveval" --plugin-path "$build/plugins" run --manifest m.jsonl -m "$metric$opt" \
        --model-dir models -o out.json -q -j 1
    end=$(date +%s.%N)
    c=$(echo "$start $end" | awk -v a="$audio_s" '{printf "%.1f", a / ($2 - $1)}')
    p=$("$PY" "$src/bench/audio_baseline.py" "$metric" models/passt_s_swa_p16_128_ap476.pt m.jsonl)
    echo "$metric: $audio_s s of audio; fveval (-j 1) $c s/s, Python path $p s/s"
done
start=$(date +%s.%N)
"$build/core/fveval" --plugin-path "$build/plugins" run --manifest m.jsonl -m audio.audiobox_aesthetics \
    --model-dir models -o out.json -q -j 1
end=$(date +%s.%N)
c=$(echo "$start $end" | awk -v a="$((n * secs))" '{printf "%.1f", a / ($2 - $1)}')
p=$("$PY" "$src/bench/audio_baseline.py" audio.audiobox_aesthetics models/audiobox_aesthetics.pt m.jsonl)
echo "audio.audiobox_aesthetics: $((n * secs)) s of audio; fveval (-j 1) $c s/s, Python path $p s/s," \
    "ratio $(echo "$c $p" | awk '{printf "%.1f", $1 / $2}')"
