#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# audio.audiobox_aesthetics through `fveval run` with a stand-in of the real signatures
# (tests/audio/make_audiobox.py), against upstream's AesPredictor steps in torch on audio the
# ffmpeg CLI decodes (tests/audio/audiobox_ref.py): ltx2.wav, the AAC track of ltx2.mp4 (the
# video's own track), a 23 s clip (three windows, the last one 3 s of 10), 8-channel 96 kHz,
# 0.1 s, silence; each of CE, CU, PC, PQ within 1e-5 relative.  Windows batched 2 per call
# (so 23 s takes two calls) give the same numbers.  A video without audio is a skip; a
# missing file fails the sample; a manifest row without audio is a skip.
. "$top_srcdir/tests/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import torch, torchaudio' 2>/dev/null || { echo "FAIL: $PY lacks torch or torchaudio" >&2; exit 99; }
FF=${FFMPEG_CLI:-ffmpeg}
need_tool "$FF"
media="${FVEVAL_SHARED_DIR:-$top_srcdir/../shared}/media"   # shared/ beside the checkout
cd "$TMPDIR_TEST"
mkdir models
"$PY" "$top_srcdir/tests/audio/make_audiobox.py" models || exit 99
"$PY" "$top_srcdir/tests/audio/make_wavs.py" . || exit 99
"$FF" -v error -f lavfi -i testsrc=size=64x48:rate=10 -t 1 -pix_fmt yuv420p noaudio.mp4 || exit 99
# 23 s of 44.1 kHz stereo: a tone on the left, noise on the right (aevalsrc is deterministic)
"$FF" -v error -f lavfi -i "aevalsrc=0.3*sin(2*PI*330*t)*(1+0.5*sin(2*PI*0.3*t))|0.2*sin(2*PI*1234*t)+0.05*sin(2*PI*7*t*t):s=44100:d=23" \
    -c:a pcm_s16le long23s.wav || exit 99
if [ -f "$media/ltx2.wav" ] && [ -f "$media/ltx2.mp4" ]; then
    cp "$media/ltx2.wav" "$media/ltx2.mp4" .
else
    echo "note: $media/ltx2.wav or ltx2.mp4 absent: tone12s.wav stands in"
    cp tone12s.wav ltx2.wav
    "$FF" -v error -i noaudio.mp4 -i tone12s.wav -c:v copy -c:a aac -shortest ltx2.mp4 || exit 99
fi
cat > m.jsonl <<'JSON'
{"audio": "ltx2.wav"}
{"video": "ltx2.mp4"}
{"audio": "long23s.wav"}
{"audio": "noise8ch96k.wav"}
{"audio": "short.wav"}
{"audio": "silent.wav"}
{"video": "noaudio.mp4"}
{"reference": "noaudio.mp4", "text_prompt": "no audio here"}
JSON
files="ltx2.wav ltx2.mp4 long23s.wav noise8ch96k.wav short.wav silent.wav"
R="$FVEVAL --plugin-path $top_builddir/plugins"
M=audio.audiobox_aesthetics
expect_rc 0 $R run --manifest m.jsonl -m $M --model-dir models -o a.json -q
expect_rc 0 $R run --manifest m.jsonl -m $M:batch_windows=2 --model-dir models -o b.json -q
res() { # FILE ROW KEY: a field of the row's result (details flattened)
    "$PY" -c 'import json,sys
r = json.load(open(sys.argv[1]))["samples"][int(sys.argv[2])]["results"]["audio.audiobox_aesthetics"]
r.update(r.get("details") or {}); print(r.get(sys.argv[3]))' "$1" "$2" "$3"
}
close() { # WANT GOT: equal lists of numbers within 1e-5 relative
    "$PY" -c 'import sys
w = [float(v) for v in sys.argv[1].split()]; g = [float(v) for v in sys.argv[2].split()]
sys.exit(0 if len(w) == len(g) and all(abs(a - b) <= 1e-5 * abs(a) for a, b in zip(w, g)) else 1)' "$1" "$2"
}
"$PY" "$top_srcdir/tests/audio/audiobox_ref.py" models/audiobox_aesthetics.pt $files > want.txt ||
    { fail "reference"; finish; }
row=0
for f in $files; do
    want=$(sed -n "$((row + 1))p" want.txt)
    for out in a.json b.json; do
        got="$(res $out $row CE) $(res $out $row CU) $(res $out $row PC) $(res $out $row PQ) $(res $out $row windows)"
        if close "$want" "$got" && [ "$(res $out $row score)" = "$(res $out $row PQ)" ]; then
            pass "$f ($out): CE CU PC PQ windows $got = torch $want; score = PQ"
        else
            fail "$f ($out): fveval $got, torch $want, score $(res $out $row score)"
        fi
    done
    row=$((row + 1))
done
out=$(res a.json 2 windows); [ "$out" = 3 ] && pass "23 s: three windows" || fail "23 s: $out windows"
out=$(res a.json 6 skipped); contains "no audio" && pass "video without a track: $out"
out=$(res a.json 7 skipped); contains "missing field 'audio'" && pass "no audio in the row: $out"
# a file that does not exist fails its sample (upstream: "audio file not found: PATH")
echo '{"audio": "absent.wav"}' > gone.jsonl
expect_rc 1 $R run --manifest gone.jsonl -m $M --model-dir models -o g.json -q
out=$(res g.json 0 error); contains "absent.wav" && pass "absent file: error $out"
# 0-sample audio fails in the core's decode (upstream: torch.stack of no windows raises)
"$PY" -c 'import wave; w = wave.open("empty.wav", "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.close()'
echo '{"audio": "empty.wav"}' > empty.jsonl
expect_rc 1 $R run --manifest empty.jsonl -m $M --model-dir models -o e.json -q
out=$(res e.json 0 error); contains "no audio decodes in './empty.wav'" && pass "empty audio: error $out"
finish
