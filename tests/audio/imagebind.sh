#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# audio.imagebind_score through `fveval run` with an ImageBind stand-in
# (tests/audio/make_imagebind.py), against an independent torch computation on frames
# and audio the ffmpeg CLI decodes (tests/audio/imagebind_ref.py): ltx2.mp4 with its
# own AAC track and with ltx2.wav, an odd-size portrait clip, a clip shorter than 2 s
# with audio shorter than 2 s, 8-channel 96 kHz audio, silence and 0.1 s audio (both
# scored, as upstream scores them); 10 ms audio, a video without a track and a missing
# audio file are skips.  Also: the same scores when the core decodes whole clips.
. "$top_srcdir/tests/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import torch, torchaudio, torchvision' 2>/dev/null ||
    { echo "FAIL: $PY lacks torch, torchaudio or torchvision" >&2; exit 99; }
FF=${FFMPEG_CLI:-ffmpeg}
need_tool "$FF"
media="${FVEVAL_SHARED_DIR:-$top_srcdir/../shared}/media"   # shared/ beside the checkout
cd "$TMPDIR_TEST"
mkdir models
"$PY" "$top_srcdir/tests/audio/make_imagebind.py" models || exit 99
"$PY" "$top_srcdir/tests/audio/make_wavs.py" . || exit 99
"$FF" -v error -f lavfi -i testsrc2=size=97x161:rate=7 -t 3.3 -c:v libx264 -pix_fmt yuv444p \
    portrait.mp4 || exit 99
"$FF" -v error -f lavfi -i testsrc2=size=160x90:rate=12 -f lavfi -i sine=frequency=330:sample_rate=22050 \
    -t 1.5 -c:v libx264 -pix_fmt yuv420p -c:a pcm_s16le -shortest short.mkv || exit 99
"$FF" -v error -f lavfi -i sine=frequency=500:sample_rate=16000 -t 1.2 short1s.wav || exit 99
"$FF" -v error -f lavfi -i sine=frequency=500:sample_rate=16000 -t 0.01 tiny.wav || exit 99
"$FF" -v error -f lavfi -i testsrc=size=64x48:rate=10 -t 1 -pix_fmt yuv420p noaudio.mp4 || exit 99
if [ -f "$media/ltx2.wav" ] && [ -f "$media/ltx2.mp4" ]; then
    cp "$media/ltx2.wav" "$media/ltx2.mp4" .
else
    echo "note: $media/ltx2.wav or ltx2.mp4 absent: a testsrc2 clip stands in"
    "$FF" -v error -f lavfi -i testsrc2=size=320x180:rate=24 -t 5 -pix_fmt yuv420p v.mp4 || exit 99
    "$FF" -v error -i v.mp4 -i tone12s.wav -c:v copy -c:a aac -shortest ltx2.mp4 || exit 99
    "$FF" -v error -i tone12s.wav -t 5 -ar 24000 ltx2.wav || exit 99
fi
cat > m.jsonl <<'JSON'
{"video": "ltx2.mp4"}
{"video": "ltx2.mp4", "audio": "ltx2.wav"}
{"video": "portrait.mp4", "audio": "tone12s.wav"}
{"video": "short.mkv", "audio": "short1s.wav"}
{"video": "short.mkv"}
{"video": "ltx2.mp4", "audio": "noise8ch96k.wav"}
{"video": "portrait.mp4", "audio": "silent.wav"}
{"video": "portrait.mp4", "audio": "short.wav"}
{"video": "portrait.mp4", "audio": "tiny.wav"}
{"video": "noaudio.mp4"}
{"video": "portrait.mp4", "audio": "absent.wav"}
JSON
R="$FVEVAL --plugin-path $top_builddir/plugins"
expect_rc 1 $R run --manifest m.jsonl -m audio.imagebind_score --model-dir models -o ib.json -q
res() { # FILE ROW KEY
    "$PY" -c 'import json,sys
r = json.load(open(sys.argv[1]))["samples"][int(sys.argv[2])]["results"]["audio.imagebind_score"]
print(r.get(sys.argv[3]))' "$1" "$2" "$3"
}
want=$("$PY" "$top_srcdir/tests/audio/imagebind_ref.py" models/imagebind_huge.pt \
    ltx2.mp4 ltx2.mp4  ltx2.mp4 ltx2.wav  portrait.mp4 tone12s.wav  short.mkv short1s.wav \
    short.mkv short.mkv  ltx2.mp4 noise8ch96k.wav  portrait.mp4 silent.wav \
    portrait.mp4 short.wav) || { fail "reference"; want=""; }
row=0
for w in $want; do
    got=$(res ib.json $row score)
    if "$PY" -c 'import sys; w, g = float(sys.argv[1]), float(sys.argv[2])
sys.exit(0 if abs(w - g) <= 1e-5 * abs(w) + 1e-7 else 1)' "$w" "$got" 2>/dev/null; then
        pass "row $row: fveval $got = torch $w"
    else
        fail "row $row: fveval $got, torch $w"
    fi
    row=$((row + 1))
done
[ "$row" = 8 ] || fail "the reference gave $row scores, want 8"
out=$(res ib.json 8 skipped)
contains "audio too short: 160 samples at 16 kHz, fewer than one 25 ms Kaldi window (400)" &&
    pass "10 ms audio: $out"
out=$(res ib.json 9 skipped); contains "no audio" && pass "video without a track: $out"
out="$(res ib.json 10 skipped) $(res ib.json 10 error)"; contains "absent.wav" && pass "missing audio file: $out"
# Whole-clip decoding serves the sampled frames from the same bytes.
FVEVAL_FORCE_WHOLE_CLIP=1 expect_rc 0 $R run --videos short.mkv -m audio.imagebind_score \
    --model-dir models -o whole.json -q
a=$(res whole.json 0 score); b=$(res ib.json 4 score)
[ "$a" = "$b" ] && pass "whole-clip decode: short.mkv $a" || fail "whole-clip decode: $a, sampled $b"
finish
