#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# audio.desync through `fveval run` with a Synchformer stand-in
# (tests/audio/make_synchformer.py), against an independent torch + torchaudio run of
# FastVideo's recipe on frames and PCM the ffmpeg CLI decodes (tests/audio/desync_ref.py):
# ltx2.mp4 (24 fps, AAC 24 kHz stereo: exactly 14 segments each), a 7 s 30 fps clip
# (fps above 25, odd crop offset, 44.1 kHz stereo: 20 segments, overlapping windows) and
# a 12 s 25 fps portrait clip with a separate 16 kHz file (no resampling, 36 segments:
# the last window comes from the end of the stream).  The argmax classes and details must
# be equal, the features given to compare_v_a equal within float rounding, and the
# logits clear of a tie.  Then the skips and errors: a 2 s clip, no audio stream, an
# image directory without fps (and with a sample fps, and with src_fps), 10 frames at 25 fps.
. "$top_srcdir/tests/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import torch, torchaudio' 2>/dev/null || { echo "FAIL: $PY lacks torch or torchaudio" >&2; exit 99; }
FF=${FFMPEG_CLI:-ffmpeg}
need_tool "$FF"
need_tool "${FFPROBE_CLI:-ffprobe}"
media="${FVEVAL_SHARED_DIR:-$top_srcdir/../shared}/media"   # shared/ beside the checkout
cd "$TMPDIR_TEST"
mkdir models feats
"$PY" "$top_srcdir/tests/audio/make_synchformer.py" models || exit 99
mk() { "$FF" -v error -y "$@" || exit 99; }
# 7 s at 30 fps, 338x200 (resized to 379x224: crop offset (379-224)//2 = 77, not round()'s 78)
mk -f lavfi -i testsrc2=size=338x200:rate=30 -f lavfi \
    -i 'aevalsrc=0.4*sin(2*PI*440*t)*sin(2*PI*0.7*t)|0.3*sin(2*PI*(200+90*t)*t):s=44100' \
    -t 7 -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest sync30.mp4
# 12 s at 25 fps, portrait; its sound in a separate 16 kHz mono file
mk -f lavfi -i testsrc2=size=256x320:rate=25 -t 12 -c:v libx264 -preset ultrafast -pix_fmt yuv420p portrait25.mp4
mk -f lavfi -i 'aevalsrc=0.3*sin(2*PI*(500-20*t)*t)+0.1*sin(2*PI*1500*t):s=16000' -t 12 -c:a pcm_s16le portrait25.wav
mk -f lavfi -i testsrc2=size=160x120:rate=30 -f lavfi -i sine=f=500:r=16000 -t 2 \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest short30.mp4
mk -f lavfi -i testsrc2=size=160x120:rate=24 -t 6 -c:v libx264 -preset ultrafast -pix_fmt yuv420p noaudio.mp4
mk -f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=f=500:r=16000 -frames:v 10 -t 0.4 \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac tiny25.mp4
mkdir frames
mk -f lavfi -i testsrc2=size=64x64:rate=25 -frames:v 20 frames/%03d.png
mk -f lavfi -i sine=f=500:r=16000 -t 1 frames.wav
if [ -f "$media/ltx2.mp4" ]; then
    cp "$media/ltx2.mp4" .
else
    echo "note: $media/ltx2.mp4 absent: a 5 s 24 fps 832x480 clip with AAC stands in"
    mk -f lavfi -i testsrc2=size=832x480:rate=24 -f lavfi -i sine=f=300:r=24000 -t 5 -ac 2 \
        -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac ltx2.mp4
fi

R="$FVEVAL --plugin-path $top_builddir/plugins"
cat > m.jsonl <<'JSON'
{"video": "ltx2.mp4"}
{"video": "sync30.mp4"}
{"video": "portrait25.mp4", "audio": "portrait25.wav"}
JSON
expect_rc 0 $R run --manifest m.jsonl -m "audio.desync:features_dir=$TMPDIR_TEST/feats:batch=3" \
    --model-dir models -o d.json -q
res() { # ROW KEY: a field of the row's result (details flattened)
    "$PY" -c 'import json,sys
r = json.load(open(sys.argv[1]))["samples"][int(sys.argv[2])]["results"]["audio.desync"]
r.update(r.get("details") or {}); print(r.get(sys.argv[3]))' "$@"
}
check() { # ROW VIDEO AUDIO FPS SEGMENTS
    want=$("$PY" "$top_srcdir/tests/audio/desync_ref.py" models/synchformer.pt "$2" "$3" "$4" ref$1) ||
        { fail "reference for row $1"; return; }
    got="$(res d.json "$1" score) $(res d.json "$1" front_desync_s) $(res d.json "$1" back_desync_s) $(res d.json "$1" num_segments_used)"
    if out=$("$PY" - "$want" "$got" "$5" feats/$1 ref$1 <<'EOF'
import json, sys, torch
want, got, segs, mine, ref = json.loads(sys.argv[1]), sys.argv[2].split(), sys.argv[3], sys.argv[4], sys.argv[5]
errors = []
if [want["score"], want["front_desync_s"], want["back_desync_s"], want["num_segments_used"]] != \
        [float(got[0]), float(got[1]), float(got[2]), int(got[3])]:
    errors.append(f"fveval {got}, torch {want}")
if "%d %d" % tuple(want["segments"]) != segs:
    errors.append(f"segments {want['segments']}, want {segs}")
if want["margin"] < 1e-3:  # 10x the logits' tolerance: within it no class can flip
    errors.append(f"logits of the reference nearly tie (margin {want['margin']:.3g})")
for name, tol in (("vfeats", 1e-5), ("afeats", 1e-4), ("logits", 1e-4)):
    a, b = torch.load(f"{mine}.{name}.pt"), torch.load(f"{ref}.{name}.pt")
    if a.shape != b.shape:
        errors.append(f"{name}: shape {tuple(a.shape)} vs {tuple(b.shape)}")
        continue
    d = ((a - b).abs().max() / b.abs().max()).item()
    print(f"{name} {d:.2g}", end="; ")
    if d > tol:
        errors.append(f"{name} differ by {d:.3g} of their largest value")
print(f"margin {want['margin']:.2g}")
sys.exit("; ".join(errors) if errors else 0)
EOF
    ); then
        pass "row $1 ($2, $5 segments): score front back = $got as torch; $out"
    else
        fail "row $1 ($2): $out"
    fi
}
check 0 ltx2.mp4 ltx2.mp4 24 "14 14"
check 1 sync30.mp4 sync30.mp4 30 "20 20"
check 2 portrait25.mp4 portrait25.wav 25 "36 36"

# skips and errors: each with upstream's reason
cat > bad.jsonl <<'JSON'
{"video": "short30.mp4"}
{"video": "noaudio.mp4"}
{"video": "frames", "audio": "frames.wav"}
{"video": "frames", "audio": "frames.wav", "fps": 25}
{"video": "tiny25.mp4"}
JSON
expect_rc 1 $R run --manifest bad.jsonl -m audio.desync --model-dir models -o bad.json -q
out=$(res bad.json 0 skipped)
contains "too few segments for Synchformer pos_emb (need 14, got v=5 a=5); use clips of at least ~5 s" &&
    pass "2 s clip: $out"
out=$(res bad.json 1 skipped)
contains "audio" && pass "no audio stream: skipped ($out)"
out=$(res bad.json 2 skipped)
contains "missing 'fps' (set sample fps or pass src_fps=)" && pass "image directory without fps: $out"
out=$(res bad.json 3 skipped)
contains "got v=1 a=2" && pass "image directory with a sample fps of 25: $out"
out=$(res bad.json 4 error)
contains "video too short for Synchformer segmenting (got 10 frames)" && pass "10 frames at 25 fps: $out"
want=$("$PY" "$top_srcdir/tests/audio/desync_ref.py" models/synchformer.pt short30.mp4 short30.mp4 30 refshort)
out=$want; contains "got v=5 a=5" && pass "the torch recipe agrees on the 2 s clip's segments"
want=$("$PY" "$top_srcdir/tests/audio/desync_ref.py" models/synchformer.pt tiny25.mp4 tiny25.mp4 25 reftiny)
out=$want; contains "(got 10 frames)" && pass "and on the 10 frames"
printf '%s\n' '{"video": "frames", "audio": "frames.wav"}' > src.jsonl
expect_rc 0 $R run --manifest src.jsonl -m audio.desync:src_fps=25 --model-dir models -o src.json -q
out=$(res src.json 0 skipped)
contains "got v=1 a=2" && pass "src_fps=25 supplies the missing rate"
finish
