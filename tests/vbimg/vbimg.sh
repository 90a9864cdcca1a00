#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The image-feature metrics (vbench.subject_consistency, background_consistency,
# aesthetic_quality, appearance_style, imaging_quality, common.lpips) through
# `fveval run` with TorchScript stand-ins of their models (make_models.py, and
# tools/export/lpips_alex.py --random-init for LPIPS): decode -> C preprocessing ->
# forward -> post-processing, checked against ref.py (torch/torchvision on
# ffmpeg-decoded frames); the export scripts against eager torchvision models; skips.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
/usr/bin/python3 -c 'import torch, torchvision, regex' 2>/dev/null \
    || { echo "FAIL: /usr/bin/python3 lacks torch, torchvision or regex" >&2; exit 99; }
cd "$TMPDIR_TEST"
mkdir models empty clips
/usr/bin/python3 "$top_srcdir/tests/vbimg/make_models.py" models || exit 99
VOCAB="$top_srcdir/plugins/_text/data/bpe_simple_vocab_16e6.txt.gz"
R="$FVEVAL --plugin-path $top_builddir/plugins"
VB="vbench.subject_consistency,vbench.background_consistency,vbench.aesthetic_quality,vbench.imaging_quality"
ALL="$VB,vbench.appearance_style:vocab=$VOCAB,common.lpips"

# The export scripts, where Debian has the architecture: exported vs eager.
expect_rc 0 /usr/bin/python3 "$top_srcdir/tools/export/lpips_alex.py" --random-init 7 models/lpips_alex.pt \
    && contains "exported vs eager at 47x90" && pass "lpips_alex.py: traced LPIPS(AlexNet) follows the eager one at a new size"
expect_rc 0 /usr/bin/python3 "$top_srcdir/tools/export/laion_aesthetic.py" --random-init 3 laion.pt \
    && contains "exported vs eager" && pass "laion_aesthetic.py: scripted head equals the eager one"
expect_rc 0 /usr/bin/python3 "$top_srcdir/tools/export/dino_vitb16.py" --random-torchvision 5 vit.pt \
    && contains "(2, 768)" && pass "dino_vitb16.py: scripted ViT-B/16 (DINO's shape) equals the eager one"

# Clips: square and non-square, odd sizes, one frame, smaller than the crop, larger than 512.
make_clip clips/a.mp4 64 48 10 9 "" 0
make_clip clips/b.mp4 90 58 10 7 "" 60
make_clip clips/b_ref.mp4 90 58 10 5 "" 90
make_clip clips/one.mp4 48 64 10 1 "" 30
make_clip clips/tiny.mp4 20 12 10 3 "" 120
make_clip clips/big.mp4 1280 720 10 2 "" 200
cat > m.jsonl <<JSON
{"video": "clips/a.mp4", "reference": "clips/a.mp4", "text_prompt": "a colourful test pattern"}
{"video": "clips/b.mp4", "reference": "clips/b_ref.mp4", "text_prompt": "a photo", "auxiliary_info": {"appearance_style": "Van Gogh style"}}
{"video": "clips/one.mp4", "reference": "clips/one.mp4", "text_prompt": "one frame"}
{"video": "clips/tiny.mp4", "reference": "clips/tiny.mp4", "text_prompt": "tiny"}
{"video": "clips/big.mp4", "reference": "clips/big.mp4", "text_prompt": "oil painting of a big pattern"}
JSON
field() { /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["samples"][int(sys.argv[2])]["results"][sys.argv[3]]; print(json.dumps(r))' "$@"; }

expect_rc 0 $R run --manifest m.jsonl -m "$ALL" --model-dir models -o all.json -q
expect_rc 0 /usr/bin/python3 "$top_srcdir/tests/vbimg/ref.py" "$FFMPEG_CLI" models "$VOCAB" all.json \
    vbench.subject_consistency vbench.background_consistency vbench.aesthetic_quality \
    vbench.appearance_style vbench.imaging_quality common.lpips \
    && contains "29 scores checked" && pass "every score and per-frame value matches torch/torchvision: $out" \
    || printf '%s\n' "$out" >&2
# Small chunks (several batches, a partial last one) give the same scores.
expect_rc 0 $R run --manifest m.jsonl -m "vbench.subject_consistency:chunk_size=2,vbench.aesthetic_quality:chunk_size=4,common.lpips:chunk_size=3" \
    --model-dir models -o chunks.json -q
expect_rc 0 /usr/bin/python3 "$top_srcdir/tests/vbimg/ref.py" "$FFMPEG_CLI" models "$VOCAB" chunks.json \
    vbench.subject_consistency vbench.aesthetic_quality common.lpips && pass "chunk sizes 2, 3, 4 give the same scores"

# One frame: consistency 1.0; aesthetic/imaging/style/lpips the frame's own value.
out=$(field all.json 2 vbench.subject_consistency); contains '"score": 1.0'
out=$(field all.json 2 vbench.background_consistency); contains '"score": 1.0'
# Smaller than LPIPS's AlexNet: a clear skip; the resize-first metrics still score it.
out=$(field all.json 3 common.lpips); contains '"skipped": "frames of 20x12 are too small for LPIPS'
out=$(field all.json 3 vbench.background_consistency); contains '"skipped": null, "error": null'
# The text: auxiliary_info's appearance_style wins over text_prompt; text_source picks one.
out=$(field all.json 1 vbench.appearance_style); contains '"text": "Van Gogh style"' && contains '"text_source": "auxiliary_info"'
out=$(field all.json 0 vbench.appearance_style); contains '"text": "a colourful test pattern"' && contains '"text_source": "text_prompt"'
expect_rc 0 $R run --manifest m.jsonl -m "vbench.appearance_style:vocab=$VOCAB:text_source=text_prompt" --model-dir models -o tp.json -q
out=$(field tp.json 1 vbench.appearance_style); contains '"text": "a photo"'
TEXT_SOURCE=text_prompt expect_rc 0 /usr/bin/python3 "$top_srcdir/tests/vbimg/ref.py" "$FFMPEG_CLI" models "$VOCAB" tp.json \
    vbench.appearance_style && pass "text_source=text_prompt scores against the prompt"
printf '{"video": "clips/a.mp4"}\n{"video": "clips/b.mp4", "auxiliary_info": {"color": "red"}}\n' > notext.jsonl
expect_rc 0 $R run --manifest notext.jsonl -m "vbench.appearance_style:vocab=$VOCAB" --model-dir models -o nt.json -q
out=$(field nt.json 0 vbench.appearance_style); contains '"skipped": "missing text_prompt (and no auxiliary_info appearance_style)"'
out=$(field nt.json 1 vbench.appearance_style); contains '"skipped": "missing text_prompt'
expect_rc 0 $R run --manifest m.jsonl -m "vbench.appearance_style:vocab=$VOCAB:text_source=auxiliary_info" --model-dir models -o ax.json -q
out=$(field ax.json 0 vbench.appearance_style); contains '"skipped": "missing auxiliary_info appearance_style"'
# A vocabulary that is not there: each sample an error naming it, no crash.
expect_rc 1 $R run --videos clips/a.mp4 --text-prompt x -m "vbench.appearance_style:vocab=$TMPDIR_TEST/none.gz" --model-dir models -o r.json -q
out=$(field r.json 0 vbench.appearance_style); contains "CLIP vocabulary (option vocab)" && contains "none.gz"

# Missing model files: a skip naming the file (or exit 2 under --strict).
expect_rc 0 $R run --manifest m.jsonl -m "$ALL" --model-dir empty -o miss.json -q
for pair in subject_consistency:dino_vitb16.pt background_consistency:clip_vit_b32.pt aesthetic_quality:clip_vit_l14.pt \
            imaging_quality:musiq_spaq.pt appearance_style:clip_vit_b32.pt; do
    out=$(field miss.json 0 "vbench.${pair%%:*}"); contains "missing model file '${pair#*:}'"
done
out=$(field miss.json 0 common.lpips); contains "missing model file 'lpips_alex.pt'"
mkdir half && cp models/clip_vit_l14.pt half/
expect_rc 0 $R run --videos clips/a.mp4 -m vbench.aesthetic_quality --model-dir half -o r.json -q
out=$(field r.json 0 vbench.aesthetic_quality); contains "missing model file 'laion_aesthetic_vit_l14.pt'"
expect_rc 2 $R run --videos clips/a.mp4 -m vbench.subject_consistency --model-dir empty -o r.json --strict \
    && one_line && contains "missing model file 'dino_vitb16.pt'"
# fp16 on the cpu: libtorch has no half kernels there; a clear per-sample error, no crash.
expect_rc 1 $R run --videos clips/a.mp4 -m vbench.background_consistency:precision=fp16 --model-dir models -o r.json -q
out=$(field r.json 0 vbench.background_consistency); contains '"error": "encode_image failed:'
expect_rc 2 $R run --videos clips/a.mp4 -m vbench.background_consistency:precision=bf16 --model-dir models -o r.json \
    && contains "auto, fp32, fp16"

# `fveval models` and `fveval info`.
expect_rc 1 $R models --model-dir empty vbench.aesthetic_quality common.lpips \
    && contains "missing    clip_vit_l14.pt" && contains "tools/export/clip.py ViT-L/14" \
    && contains "missing    laion_aesthetic_vit_l14.pt" && contains "sa_0_4_vit_l_14_linear.pth" \
    && contains "tools/export/lpips_alex.py"
expect_rc 0 $R models --model-dir models vbench.subject_consistency vbench.imaging_quality \
    && contains "present    dino_vitb16.pt" && contains "present    musiq_spaq.pt"
expect_rc 0 $R info vbench.appearance_style && contains "precision" && contains "text_source" \
    && contains "auxiliary_info" && contains "clip_vit_b32.pt"
expect_rc 0 $R info common.lpips && contains "chunk_size" && contains "lpips_alex.pt" && contains "reference"
finish
