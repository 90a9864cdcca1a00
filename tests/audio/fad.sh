#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# audio.frechet_distance through `fveval run` with a PaSST stand-in
# (tests/audio/make_passt.py), against an independent torch + scipy computation on
# audio the ffmpeg CLI decodes (tests/audio/passt_ref.py, scipy's sqrtm formula):
# generated and reference sets with different rates and channel counts (8-channel
# 96 kHz, AAC track through the video fallback, 0.1 s), a silent clip dropped and
# counted, sharded runs merged, the reference cache written and read, too few samples.
. "$top_srcdir/tests/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import torch, torchaudio, scipy' 2>/dev/null ||
    { echo "FAIL: $PY lacks torch, torchaudio or scipy" >&2; exit 99; }
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
# generated: tone, AAC track, 0.1 s, silent (dropped); references: 8-ch 96 kHz, ltx2.wav, chirp
cat > m.jsonl <<'JSON'
{"audio": "tone12s.wav", "reference_audio": "noise8ch96k.wav"}
{"video": "ltx2.mp4", "reference_audio": "ltx2.wav"}
{"audio": "short.wav"}
{"audio": "silent.wav"}
{"audio": "chirp22k.wav", "role": "reference"}
{"video": "noaudio.mp4"}
JSON
R="$FVEVAL --plugin-path $top_builddir/plugins"
corpus() { "$PY" -c 'import json,sys
c = json.load(open(sys.argv[1]))["corpus"]["audio.frechet_distance"]
c.update(c.get("details") or {}); print(c.get(sys.argv[2]))' "$1" "$2"; }
same() { "$PY" -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if abs(a - b) <= 1e-5 * max(1e-3, abs(b)) else 1)' "$1" "$2"; }
unset FVEVAL_FAD_REF_FEATURES FASTVIDEO_FAD_REF_FEATURES
expect_rc 0 $R run --manifest m.jsonl -m audio.frechet_distance:cache_path=$TMPDIR_TEST/ref.pt \
    --model-dir models -o fad.json -q
want=$("$PY" "$top_srcdir/tests/audio/passt_ref.py" fad models/passt_s_swa_p16_128_ap476.pt \
    "tone12s.wav ltx2.mp4 short.wav silent.wav" "noise8ch96k.wav ltx2.wav chirp22k.wav") || fail "reference FAD"
got=$(corpus fad.json score)
same "$got" "$want" && pass "FAD $got = torch + scipy $want" || fail "FAD: fveval $got, torch + scipy $want"
out="$(corpus fad.json n_gen) $(corpus fad.json n_gen_dropped_nonfinite) $(corpus fad.json n_ref) $(corpus fad.json ref_source)"
[ "$out" = "3 1 3 samples" ] && pass "3 generated + 1 silent dropped, 3 references" || fail "counts: $out"
[ -f ref.pt ] && pass "reference cache written" || fail "no cache written"
"$PY" -c 'import sys, torch; t = torch.load(sys.argv[1]); assert tuple(t.shape) == (3, 768), t.shape' ref.pt ||
    fail "cache is not a (3, 768) tensor"

# The cache answers for the references (streamed ones are then ignored, as upstream).
expect_rc 0 $R run --manifest m.jsonl -m audio.frechet_distance:cache_path=$TMPDIR_TEST/ref.pt:cache_mode=read \
    --model-dir models -o cached.json -q
same "$(corpus cached.json score)" "$got" && [ "$(corpus cached.json ref_source)" = cached ] &&
    pass "cached references give the same score" || fail "cached: $(corpus cached.json score) vs $got"
FVEVAL_FAD_REF_FEATURES=$TMPDIR_TEST/ref.pt expect_rc 0 $R run --manifest m.jsonl -m audio.frechet_distance \
    --model-dir models -o env.json -q
[ "$(corpus env.json ref_source)" = cached ] && pass "\$FVEVAL_FAD_REF_FEATURES names the cache" ||
    fail "env cache: $(corpus env.json ref_source)"

# Two shards merged equal one run.
head -3 m.jsonl > a.jsonl; tail -3 m.jsonl > b.jsonl
expect_rc 0 $R run --manifest a.jsonl -m audio.frechet_distance:cache_mode=off --model-dir models -o a.json -q --save-state sa
expect_rc 0 $R run --manifest b.jsonl -m audio.frechet_distance:cache_mode=off --model-dir models -o b.json -q --save-state sb
expect_rc 0 $R merge sa sb -o merged.json
same "$(corpus merged.json score)" "$got" && pass "merged shards equal one run" ||
    fail "merged $(corpus merged.json score) vs $got"

# Too few finite embeddings: a clear skip with upstream's reason.
printf '%s\n' '{"audio": "tone12s.wav", "reference_audio": "ltx2.wav"}' '{"audio": "silent.wav"}' > few.jsonl
expect_rc 0 $R run --manifest few.jsonl -m audio.frechet_distance:cache_mode=off --model-dir models -o few.json -q
out=$(corpus few.json skipped)
contains "FAD needs >=2 finite-embed samples per side (got n_gen=1 valid of 2, n_ref=1 valid of 1)" &&
    pass "too few finite embeddings: $out"
finish
