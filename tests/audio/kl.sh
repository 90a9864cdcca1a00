#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# audio.kl_divergence through `fveval run` with a PaSST stand-in
# (tests/audio/make_passt.py), against an independent torch computation on audio the
# ffmpeg CLI decodes (tests/audio/passt_ref.py): real audio (ltx2.wav, the AAC track
# of ltx2.mp4 through the video fallback), a 12 s clip (two windows), an 8-channel
# 96 kHz reference, identical inputs; silent, 0.1 s and track-less inputs are skips.
. "$top_srcdir/tests/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import torch, torchaudio' 2>/dev/null || { echo "FAIL: $PY lacks torch or torchaudio" >&2; exit 99; }
FF=${FFMPEG_CLI:-ffmpeg}
need_tool "$FF"
media="${FVEVAL_SHARED_DIR:-$top_srcdir/../shared}/media"   # shared/ beside the checkout
cd "$TMPDIR_TEST"
mkdir models
"$PY" "$top_srcdir/tests/audio/make_passt.py" models || exit 99
"$PY" "$top_srcdir/tests/audio/make_wavs.py" . || exit 99
"$FF" -v error -f lavfi -i testsrc=size=64x48:rate=10 -t 1 -pix_fmt yuv420p noaudio.mp4 || exit 99
if [ -f "$media/ltx2.wav" ] && [ -f "$media/ltx2.mp4" ]; then
    cp "$media/ltx2.wav" "$media/ltx2.mp4" .
else
    echo "note: $media/ltx2.wav or ltx2.mp4 absent: tone12s.wav stands in"
    cp tone12s.wav ltx2.wav
    "$FF" -v error -i noaudio.mp4 -i noise8ch96k.wav -c:v copy -c:a aac -shortest ltx2.mp4 || exit 99
fi
cat > m.jsonl <<'JSON'
{"audio": "tone12s.wav", "reference_audio": "ltx2.wav"}
{"video": "ltx2.mp4", "reference_audio": "noise8ch96k.wav"}
{"audio": "ltx2.wav", "reference_audio": "ltx2.wav"}
{"audio": "silent.wav", "reference_audio": "tone12s.wav"}
{"audio": "tone12s.wav", "reference_audio": "silent.wav"}
{"audio": "short.wav", "reference_audio": "tone12s.wav"}
{"video": "noaudio.mp4", "reference_audio": "tone12s.wav"}
JSON
R="$FVEVAL --plugin-path $top_builddir/plugins"
expect_rc 0 $R run --manifest m.jsonl -m audio.kl_divergence --model-dir models -o kl.json -q
res() { # ROW KEY: a field of the row's result (details flattened)
    "$PY" -c 'import json,sys
r = json.load(open("kl.json"))["samples"][int(sys.argv[1])]["results"]["audio.kl_divergence"]
r.update(r.get("details") or {}); print(r.get(sys.argv[2]))' "$1" "$2"
}
check() { # ROW GEN REF
    want=$("$PY" "$top_srcdir/tests/audio/passt_ref.py" kl models/passt_s_swa_p16_128_ap476.pt "$2" "$3") ||
        { fail "reference for row $1"; return; }
    got="$(res "$1" kl_softmax) $(res "$1" kl_sigmoid)"
    if "$PY" -c 'import sys
w = [float(v) for v in sys.argv[1].split()]; g = [float(v) for v in sys.argv[2].split()]
sys.exit(0 if all(abs(a - b) <= 1e-5 * abs(a) + 1e-7 for a, b in zip(w, g)) else 1)' "$want" "$got"; then
        pass "row $1 ($2 vs $3): kl_softmax kl_sigmoid $got = torch $want"
    else
        fail "row $1 ($2 vs $3): fveval $got, torch $want"
    fi
}
check 0 tone12s.wav ltx2.wav
check 1 ltx2.mp4 noise8ch96k.wav
out=$(res 0 windows_audio); [ "$out" = 2 ] && pass "12 s: two windows" || fail "12 s: $out windows"
out=$(res 2 score); "$PY" -c 'import sys; assert abs(float(sys.argv[1])) < 1e-9' "$out" &&
    pass "identical audio: 0" || fail "identical audio: $out"
out=$(res 3 skipped); contains "non-finite PaSST logits on audio (silent or corrupt audio?)" && pass "silent audio: $out"
out=$(res 4 skipped); contains "non-finite PaSST logits on reference_audio (silent" && pass "silent reference: skipped"
out=$(res 5 skipped); contains "audio too short: 3200 samples at 32 kHz give 10 mel frames" && pass "0.1 s: $out"
out=$(res 6 skipped); contains "no audio" && pass "video without a track: $out"
finish
