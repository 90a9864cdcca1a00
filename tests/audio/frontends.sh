#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# plugins/_audio against the upstream libraries (tests/audio/reference.py: torchaudio,
# NumPy, libsoxr through ctypes): every front-end on real audio (ltx2.wav and the AAC
# track of ltx2.mp4, decoded by the ffmpeg CLI at their own rate), a tone, noise,
# silence, a 0.1 s clip, a clip too short for an STFT, a 12 s clip (CLAP's long-clip
# path) and a 2-minute clip; <= 1e-5 relative to the largest reference magnitude.
. "$top_srcdir/tests/lib.sh"
PY=/usr/bin/python3
bin="$top_builddir/tests/audio/frontend"
[ -x "$bin" ] || { echo "FAIL: $bin not built" >&2; exit 99; }
"$PY" -c 'import torchaudio' 2>/dev/null ||
    { echo "FAIL: $PY lacks torchaudio (python3-torchaudio)" >&2; exit 99; }
FF=${FFMPEG_CLI:-ffmpeg}
need_tool "$FF"
media="${FVEVAL_SHARED_DIR:-$top_srcdir/../shared}/media"   # shared/ beside the checkout
cd "$TMPDIR_TEST"

expect_rc 1 "$bin" passt absent.f32 out.f32 && contains "cannot read" && one_line

# signals, raw float32
"$PY" - <<'PYEOF' || fail "making signals"
import numpy as np
rng = np.random.default_rng(7)
def save(name, x): np.asarray(x, dtype=np.float32).tofile(name + ".f32")
t = np.arange(2 * 44100) / 44100
save("tone44k", 0.5 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 3001.5 * t))
save("noise48k", rng.standard_normal(3 * 48000) * 0.3)
save("silence16k", np.zeros(16000))
save("short32k", rng.standard_normal(3200) * 0.1)            # 0.1 s
save("tiny", rng.standard_normal(300) * 0.1)                 # below one STFT
save("long12s48k", rng.standard_normal(12 * 48000) * 0.2)    # CLAP's fusion path
save("long2min16k", np.sin(np.arange(120 * 16000) * 0.01) * 0.3 + rng.standard_normal(120 * 16000) * 0.01)
# 8 interleaved channels, different on each
save("eight", rng.standard_normal((4800, 8)) * np.arange(1, 9) / 10)
PYEOF

real=""
if [ -f "$media/ltx2.wav" ] && [ -f "$media/ltx2.mp4" ]; then
    "$FF" -v error -i "$media/ltx2.wav" -f f32le wav2ch.f32 &&
    "$FF" -v error -i "$media/ltx2.mp4" -map 0:a:0 -f f32le aac2ch.f32 || fail "ffmpeg decode"
    real="wav2ch aac2ch"
else
    echo "note: $media/ltx2.wav or ltx2.mp4 absent: synthetic signals only"
fi

jobs=jobs.txt
: > "$jobs"
job() { # OP IN ARGS...
    op=$1; in=$2; shift 2
    out="$op-$in-$(echo "$*" | tr ' ' _).out"
    rm -f "$out"
    "$bin" "$op" "$in.f32" "$out" "$@" 2> "$out.err" || rm -f "$out"
    echo "$op $in.f32 $out $*" >> "$jobs"
}

job mono eight 8
for s in $real; do
    job mono "$s" 2
    "$bin" mono "$s.f32" "${s%2ch}.f32" 2 || fail "mono $s"
done
real=$(echo "$real" | sed 's/2ch//g')      # wav aac: mono, 24 kHz
for s in $real tone44k silence16k; do job peak "$s"; done
for s in $real tone44k noise48k short32k tiny; do
    job soxr "$s" 24000 32000
    job soxr "$s" 24000 48000
    job soxr "$s" 44100 16000
done
job soxr long2min16k 16000 32000
for s in $real tone44k noise48k short32k tiny silence16k; do
    job sinc "$s" 24000 16000 functional
    job sinc "$s" 44100 16000 functional
    job sinc "$s" 48000 16000 transform
    job sinc "$s" 96000 16000 transform
    job sinc "$s" 22050 16000 transform
done
job sinc long2min16k 16000 22050 transform
for s in $real tone44k noise48k silence16k short32k tiny; do
    job passt "$s"
    job fbank "$s" hanning
    job fbank "$s" povey
    job melspec "$s"
done
job melspec long2min16k
job fbank long2min16k hanning
for s in $real noise48k silence16k short32k tiny long12s48k; do job clap "$s"; done

"$PY" "$top_srcdir/tests/audio/reference.py" "$jobs" > result.txt; rc=$?
cat result.txt
[ "$rc" -eq 0 ] || fail "reference comparison ($(grep -c '^FAIL' result.txt) of $(wc -l < result.txt))"
n=$(grep -c '^ok' result.txt)
[ "$n" -ge 60 ] || fail "only $n comparisons passed"
finish
