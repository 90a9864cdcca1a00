#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# vbench.overall_consistency, vbench.temporal_style and vbench.human_action through
# `fveval run` with TorchScript stand-ins of ViCLIP and UMT (make_models.py), in both
# modes, against an independent torch / torchvision / OpenCV computation on frames
# decoded by the ffmpeg program (reference.py); short clips, the label rules and the
# 4-decimal rounding of mode=vbench, missing files.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
/usr/bin/python3 -c 'import torch, torchvision, cv2, regex' 2>/dev/null \
    || { echo "FAIL: /usr/bin/python3 lacks torch, torchvision, cv2 or regex" >&2; exit 99; }
cd "$TMPDIR_TEST"
mkdir models clips data data/clip data/vbench
/usr/bin/python3 "$top_srcdir/tests/vbench_video/make_models.py" models || exit 99
bpe="$top_srcdir/plugins/_text/data/bpe_simple_vocab_16e6.txt.gz"
labels="$top_srcdir/plugins/vbench/data/kinetics_400_categories.txt"
ln -s "$bpe" data/clip/ && ln -s "$labels" data/vbench/
export FVEVAL_DATA_DIR="$TMPDIR_TEST/data"
make_clip "clips/A person is riding a bike-0.mp4" 64 48 10 20 "" 0
make_clip "clips/A person is marching-0.mp4" 48 64 10 16 "" 60
make_clip "clips/A person is dodgeball_x-1.mp4" 80 40 10 30 "" 120
make_clip "clips/short-0.mp4" 64 48 10 5 "" 200
make_clip "clips/mid-0.mp4" 40 40 10 10 "" 250
long="a very long prompt about a person who is riding a bike along the sea at dawn while gulls circle overhead and the waves roll in slowly"
cat > manifest.jsonl <<EOM
{"video": "clips/A person is riding a bike-0.mp4", "text_prompt": "riding a bike"}
{"video": "clips/A person is marching-0.mp4", "text_prompt": " Marching "}
{"video": "clips/A person is dodgeball_x-1.mp4", "text_prompt": "$long"}
{"video": "clips/short-0.mp4", "text_prompt": "dodgeball"}
{"video": "clips/mid-0.mp4", "text_prompt": "riding a bike"}
EOM
R="$FVEVAL --plugin-path $top_builddir/plugins"
ref() { /usr/bin/python3 "$top_srcdir/tests/vbench_video/reference.py" "$FFMPEG_CLI" models "$bpe" "$labels" "$@"; }
score() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join("%s" % s["results"][sys.argv[2]]["score"] for s in d["samples"]))' "$1" "$2"; }

runs=
for m in overall_consistency temporal_style human_action; do
    for mode in vbench fastvideo; do
        expect_rc 0 $R run --manifest manifest.jsonl -m vbench.$m:mode=$mode --model-dir models -o $m-$mode.json -q -j 2
        runs="$runs $m-$mode.json vbench.$m $mode"
    done
done
# shellcheck disable=SC2086
expect_rc 0 ref $runs && printf '%s\n' "$out" && pass "all three metrics in both modes match the reference" \
    || printf '%s\n' "$out" >&2

# Label rules: the file name (vbench; "marching" passes only after rounding 0.849996 to 0.85)
# and the text prompt (fastvideo, no rounding); 5 frames are padded by vbench, skipped by fastvideo.
out=$(score human_action-vbench.json vbench.human_action)
[ "$out" = "1.0 1.0 0.0 0.0 0.0" ] && pass "mode=vbench: labels from file names, rounding" || fail "mode=vbench scores: $out"
out=$(score human_action-fastvideo.json vbench.human_action)
[ "$out" = "1.0 0.0 0.0 None None" ] && pass "mode=fastvideo: labels from text_prompt, no rounding, short clip skipped" \
    || fail "mode=fastvideo scores: $out"
out=$(cat human_action-fastvideo.json)
contains "clip has 5 frames; UMT takes 16 and mode=fastvideo does not pad" \
    && contains "clip has 10 frames; UMT takes 16"
out=$(cat overall_consistency-fastvideo.json)
contains "clip has 5 frames; ViCLIP takes 8 and mode=fastvideo does not pad"
out=$(cat human_action-vbench.json)
contains '"ground_truth": "dodgeball"' && contains '"predictions": [
              "riding a bike",
              "marching"'

# The shipped data files are found through the option too; a missing one fails setup clearly.
expect_rc 0 $R run --manifest manifest.jsonl -m "vbench.human_action:labels=$labels" --model-dir models -o l.json -q
a=$(score l.json vbench.human_action)
[ "$a" = "1.0 1.0 0.0 0.0 0.0" ] && pass "labels= option" || fail "labels= option: $a"
expect_rc 1 $R run --manifest manifest.jsonl -m vbench.human_action:labels=nowhere.txt --model-dir models -o l.json
contains "cannot read the label map 'nowhere.txt'"
printf 'riding a bike\t0\nmarching 1\n' > bad_labels.txt
expect_rc 1 $R run --manifest manifest.jsonl -m vbench.human_action:labels=bad_labels.txt --model-dir models -o l.json
contains "bad_labels.txt:2: not a 'name<TAB>index' line"
expect_rc 1 $R run --manifest manifest.jsonl -m vbench.overall_consistency:vocab=nowhere.gz --model-dir models -o l.json
contains "cannot read the CLIP BPE merges file 'nowhere.gz'"
# Missing model files: skipped with the file named; `fveval models` gives the recipe.
expect_rc 0 $R run --manifest manifest.jsonl -m vbench.temporal_style,vbench.human_action --model-dir empty -o m.json -q
out=$(cat m.json); contains "missing model file 'viclip_l14_internvid_10m_flt.pt'" && contains "missing model file 'umt_l16_k400.pt'"
expect_rc 1 $R models --model-dir empty vbench.human_action && contains "tools/export/export_umt.py"
expect_rc 2 $R run --manifest manifest.jsonl -m vbench.human_action:mode=vbench2 --model-dir models -o m.json \
    && one_line && contains "vbench, fastvideo"
finish
