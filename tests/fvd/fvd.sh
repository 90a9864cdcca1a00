#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# common.fvd through `fveval run` with TorchScript stand-ins of the
# extractors (tests/fvd/make_fvd_models.py): decode -> preprocessing ->
# forward -> Fréchet distance, checked against an independent torch + scipy
# computation on ffmpeg-decoded frames (tests/fvd/fvd_ref.py); identical
# sets, sharded runs merged, the reference cache, and every skip.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
/usr/bin/python3 -c 'import torch, scipy' 2>/dev/null || { echo "FAIL: /usr/bin/python3 lacks torch or scipy" >&2; exit 99; }
cd "$TMPDIR_TEST"
mkdir models gen ref short
/usr/bin/python3 "$top_srcdir/tests/fvd/make_fvd_models.py" models || exit 99
for i in 0 1 2 3; do
    make_clip gen/g$i.mp4 64 48 10 12 "" $((i * 40))
    make_clip ref/r$i.mp4 64 48 10 12 "" $((i * 40 + 15))
done
make_clip short/s0.mp4 64 48 10 5
make_clip short/s1.mp4 64 48 10 5
export FVEVAL_CACHE="$TMPDIR_TEST/cache"
unset FVEVAL_FVD_REF_FEATURES
R="$FVEVAL --plugin-path $top_builddir/plugins"
score() { /usr/bin/python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["corpus"]["common.fvd"]; print(c["score"] if c["score"] is not None else "skip: " + (c["skipped"] or ""))' "$1"; }
details() { /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["corpus"]["common.fvd"]))' "$1"; }

# I3D, streamed references, against the independent computation; the cache is written.
expect_rc 0 $R run --videos gen --reference ref -m common.fvd --model-dir models -o i3d.json -j 2 \
    && contains "fewer than 256 videos"
expect_rc 0 /usr/bin/python3 "$top_srcdir/tests/fvd/fvd_ref.py" "$FFMPEG_CLI" i3d models gen ref i3d.json \
    cache/fvd/real_features_i3d.npy && printf "%s\n" "$out" && pass "i3d matches torch + scipy; cached features match" \
    || printf '%s\n' "$out" >&2
out=$(details i3d.json)
contains '"ref_source": "streamed"' && contains '"few_videos_warning": 1' && contains '"cache_written"'
out=$(cat cache/fvd/real_features_i3d.npy.json) && contains '"extractor": "i3d"' && contains '"n_videos": 4'

# No references: the cache answers, with the same score.
expect_rc 0 $R run --videos gen -m common.fvd --model-dir models -o cached.json -q
s1=$(score i3d.json) s2=$(score cached.json)
out=$(details cached.json); contains '"ref_source": "cached"'
/usr/bin/python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); assert abs(a - b) <= 1e-6 * max(1, abs(a)), (a, b)' "$s1" "$s2" \
    && pass "cached reference features give the streamed score" || fail "cached $s2 != streamed $s1"
# The cache is never overwritten.
cp cache/fvd/real_features_i3d.npy before.npy
expect_rc 0 $R run --videos gen --reference gen -m common.fvd --model-dir models -o r.json -q
cmp -s before.npy cache/fvd/real_features_i3d.npy && pass "existing cache kept" || fail "cache overwritten"

# Identical sets: |FVD| < 1e-3.
expect_rc 0 $R run --videos gen --reference gen -m common.fvd:cache_mode=off --model-dir models -o same.json -q
/usr/bin/python3 -c 'import sys; s=float(sys.argv[1]); assert abs(s) < 1e-3, s' "$(score same.json)" \
    && pass "identical sets: |FVD| < 1e-3" || fail "identical sets: $(score same.json)"

# Two shards (pairs 0-1 and 2-3) saved and merged equal one run.
mkdir g01 g23 r01 r23
cp gen/g0.mp4 gen/g1.mp4 g01/; cp gen/g2.mp4 gen/g3.mp4 g23/
cp ref/r0.mp4 ref/r1.mp4 r01/; cp ref/r2.mp4 ref/r3.mp4 r23/
expect_rc 0 $R run --videos g01 --reference r01 -m common.fvd:cache_mode=off --model-dir models -o s1.json -q --save-state st1
expect_rc 0 $R run --videos g23 --reference r23 -m common.fvd:cache_mode=off --model-dir models -o s2.json -q --save-state st2
expect_rc 0 $R merge st1 st2 -o merged.json
/usr/bin/python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); assert abs(a - b) <= 1e-5 * max(1, abs(a)), (a, b)' \
    "$(score merged.json)" "$s1" && pass "merged shards equal one run" || fail "merged $(score merged.json) vs $s1"

# A .pt cache is in torch.save form (upstream's cache files), read back as such.
expect_rc 0 $R run --videos gen --reference ref -m common.fvd:cache_path=$TMPDIR_TEST/feats.pt --model-dir models -o r.json -q
expect_rc 0 /usr/bin/python3 -c 'import sys, torch; t = torch.load(sys.argv[1]); assert tuple(t.shape) == (4, 400), t.shape' feats.pt \
    && pass "torch.load reads a .pt cache"
expect_rc 0 $R run --videos gen -m common.fvd:cache_path=$TMPDIR_TEST/feats.pt --model-dir models -o r.json -q
out=$(details r.json); contains '"ref_source": "cached"'
/usr/bin/python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); assert abs(a - b) <= 1e-6 * max(1, abs(a)), (a, b)' "$s1" "$(score r.json)" \
    && pass ".pt cache gives the streamed score" || fail ".pt cache: $(score r.json) vs $s1"
# A cache made by another extractor is refused.
cp cache/fvd/real_features_i3d.npy cache/fvd/real_features_clip.npy
cp cache/fvd/real_features_i3d.npy.json cache/fvd/real_features_clip.npy.json
expect_rc 0 $R run --videos gen -m common.fvd:extractor=clip --model-dir models -o r.json -q
out=$(score r.json); contains "was made with extractor 'i3d', not 'clip'"
rm cache/fvd/real_features_clip.npy*

# CLIP (PIL bicubic shrinking 320x240 frames) and VideoMAE (16 of 20 frames) against the same computation.
mkdir cgen cref vgen vref
for i in 0 1 2; do
    make_clip cgen/g$i.mp4 320 240 10 3 "" $((i * 50))
    make_clip cref/r$i.mp4 320 240 10 3 "" $((i * 50 + 20))
    make_clip vgen/g$i.mp4 64 48 10 20 "" $((i * 50))
    make_clip vref/r$i.mp4 64 48 10 20 "" $((i * 50 + 20))
done
expect_rc 0 $R run --videos cgen --reference cref -m common.fvd:extractor=clip:chunk_size=2 --model-dir models -o clip.json -q
expect_rc 0 /usr/bin/python3 "$top_srcdir/tests/fvd/fvd_ref.py" "$FFMPEG_CLI" clip models cgen cref clip.json \
    cache/fvd/real_features_clip.npy && printf "%s\n" "$out" && pass "clip matches torch + PIL + scipy; cached features match" \
    || printf '%s\n' "$out" >&2
expect_rc 0 $R run --videos vgen --reference vref -m common.fvd:extractor=videomae --model-dir models -o vmae.json -q
expect_rc 0 /usr/bin/python3 "$top_srcdir/tests/fvd/fvd_ref.py" "$FFMPEG_CLI" videomae models vgen vref vmae.json \
    cache/fvd/real_features_videomae.npy && printf "%s\n" "$out" && pass "videomae matches torch + scipy; cached features match" \
    || printf '%s\n' "$out" >&2
expect_rc 0 $R run --videos short --reference ref -m common.fvd:extractor=videomae:cache_mode=off --model-dir models -o r.json -q
out=$(score r.json); contains "VideoMAE needs 16 frames, got"

# Skips and errors: clear reasons, no crash.
expect_rc 0 $R run --videos gen --reference ref -m common.fvd --model-dir empty -o r.json -q
out=$(score r.json); contains "missing model file 'i3d_torchscript.pt'"
expect_rc 2 $R run --videos gen --reference ref -m common.fvd --model-dir empty -o r.json --strict \
    && one_line && contains "missing model file 'i3d_torchscript.pt'"
expect_rc 0 $R run --videos short --reference ref -m common.fvd:cache_mode=off --model-dir models -o r.json
contains "I3D needs at least 10 frames, got 5"
out=$(score r.json); contains "No generated videos accumulated" && contains "I3D needs at least 10 frames, got 5"
expect_rc 0 $R run --videos gen -m common.fvd:cache_mode=off --model-dir models -o r.json -q
out=$(score r.json); contains "No reference features available" && contains "real_features_i3d.npy"
expect_rc 0 $R run --videos gen -m common.fvd:cache_path=$TMPDIR_TEST/none.npy --model-dir models -o r.json -q
out=$(score r.json); contains "pre-build the cache at: $TMPDIR_TEST/none.npy"
expect_rc 2 $R run --videos gen -m common.fvd:extractor=r3d --model-dir models -o r.json \
    && one_line && contains "i3d, clip, videomae"
printf 'not a model\n' > bad.pt
mkdir badmodels && cp bad.pt badmodels/i3d_torchscript.pt
expect_rc 1 $R run --videos gen --reference ref -m common.fvd:cache_mode=off --model-dir badmodels -o r.json -q
out=$(score r.json); contains "cannot load"
# `fveval models`: only the selected extractor's file is needed.
expect_rc 1 $R models --model-dir empty common.fvd:extractor=clip && contains "missing    clip_vit_b32_image.pt" \
    && contains "videomae_base.pt  (not needed with these options)"
expect_rc 0 $R models --model-dir models common.fvd && contains "present    i3d_torchscript.pt"
finish
