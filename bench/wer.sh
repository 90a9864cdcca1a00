#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# audio.wer's decode loop: fveval (C loop, C log-mel, libsoxr) against Python
# + PyTorch driving the same TorchScript module (torch log-mel, a torch greedy
# loop), on N 30 s clips, one thread each (torch.set_num_threads and fveval -j 1
# with OMP_NUM_THREADS=1).  The module is a whisper-base-sized random export
# (tools/export/whisper.py's cached decoder: 6 layers of 512, 51 865 logits; a small
# stand-in encoder: the loop is what is compared), so
# both run the full 256 tokens per clip; prints the real-time factor (seconds of
# compute per second of audio) of each side and the ratio.
# Run from a configured build tree after `make`:  sh bench/wer.sh [BUILDDIR] [N]
set -eu
build=${1:-.}
n=${2:-3}
src=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
"$py" "$src/bench/wer_baseline.py" model "$tmp"
: > "$tmp/m.jsonl"
i=0
while [ "$i" -lt "$n" ]; do
    ffmpeg -v error -f lavfi -i "sine=frequency=$((300 + 50 * i)):sample_rate=44100:duration=30" "$tmp/c$i.wav"
    printf '{"audio": "c%d.wav", "reference_text": "hello world"}\n' "$i" >> "$tmp/m.jsonl"
    i=$((i + 1))
done
FVEVAL_TORCH_MODULE=${FVEVAL_TORCH_MODULE:-$build/core/torch/.libs/fveval-torch}
export FVEVAL_TORCH_MODULE
t0=$(date +%s.%N)
"$build/core/fveval" run --plugin-path "$build/plugins" -m audio.wer --model-dir "$tmp" -j 1 -q \
    --manifest "$tmp/m.jsonl" -o "$tmp/r.json"
t1=$(date +%s.%N)
c_tokens=$("$py" -c 'import json,sys; print(sum(s["results"]["audio.wer"]["details"]["tokens"] for s in json.load(open(sys.argv[1]))["samples"]))' "$tmp/r.json")
set -- $("$py" "$src/bench/wer_baseline.py" run "$tmp" $(i=0; while [ "$i" -lt "$n" ]; do echo "$tmp/c$i.wav"; i=$((i + 1)); done))
py_s=$1 py_tokens=$2
"$py" - "$t0" "$t1" "$py_s" "$n" "$c_tokens" "$py_tokens" <<'PY'
import sys
t0, t1, py_s, n, ct, pt = map(float, sys.argv[1:])
c_s = t1 - t0
audio = 30 * n
print(f"audio.wer, {int(n)} x 30 s clips, whisper-base-sized random export, 1 thread")
print(f"  fveval (whole run, incl. start-up): {c_s:7.2f} s  RTF {c_s / audio:.4f}  tokens {int(ct)}")
print(f"  Python + PyTorch (decode + loop):   {py_s:7.2f} s  RTF {py_s / audio:.4f}  tokens {int(pt)}")
print(f"  speed-up: {py_s / c_s:.2f}x")
PY
