#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Seconds of audio scored per second by audio.clap_score through `fveval run -j 1` against
# the Python path (bench/clap_baseline.py: ffmpeg CLI decode, the same soxr recipe,
# pyloudnorm's peak, the NumPy ClapFeatureExtractor, the Python tokenizer, PyTorch eager),
# both with the same CLAP stand-in (tests/audio/make_clap.py) and tokenizer files, on N
# stereo 44.1 kHz clips of S seconds (over 10 s: the long-clip path).
# Usage: sh bench/clap.sh [BUILD_DIR] [N] [S]   (run from the source tree)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src}" && pwd)
n=${2:-8}
secs=${3:-8}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/models"
"$PY" - "$tmp" "$n" "$secs" <<'PYEOF'
import json, sys, wave, numpy as np
d, n, s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(3)
rows = []
for i in range(n):
    t = np.arange(s * 44100) / 44100
    x = 0.3 * np.sin(2 * np.pi * (200 + 50 * i) * t)[:, None] + 0.05 * rng.standard_normal((t.size, 2))
    with wave.open(f"{d}/a{i}.wav", "wb") as w:
        w.setnchannels(2); w.setsampwidth(2); w.setframerate(44100)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    rows.append({"audio": f"a{i}.wav", "text_prompt": f"a steady tone number {i} with some hiss, it's loud"})
with open(f"{d}/m.jsonl", "w") as f:
    f.write("\n".join(json.dumps(r) for r in rows) + "\n")
json.dump([r["text_prompt"] for r in rows], open(f"{d}/texts.json", "w"))
PYEOF
"$PY" "$src/tests/text/roberta_tokenizer_ref.py" gen "$tmp/models/clap_htsat_fused.vocab.json" \
    "$tmp/models/clap_htsat_fused.merges.txt" 400 5 "$tmp/texts.json" "$src/tests/text/prompts.json"
"$PY" "$src/tests/audio/make_clap.py" "$tmp/models/clap_htsat_fused.vocab.json" "$tmp/models/clap_htsat_fused.pt"
audio_s=$((n * secs))
cd "$tmp"
start=$(date +%s.%N)
"$build/core/fveval" --plugin-path "$build/plugins" run --manifest m.jsonl -m audio.clap_score \
    --model-dir models -o out.json -q -j 1
end=$(date +%s.%N)
c=$(echo "$start $end" | awk -v a="$audio_s" '{printf "%.1f", a / ($2 - $1)}')
p=$("$PY" "$src/bench/clap_baseline.py" models m.jsonl)
r=$(echo "$c $p" | awk '{printf "%.2f", $1 / $2}')
echo "audio.clap_score: $audio_s s of audio in $n clips; fveval (-j 1) $c s/s, Python path $p s/s ($r x)"
