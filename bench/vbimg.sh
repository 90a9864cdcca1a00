#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Speed of the image-feature metrics, end to end (decode, preprocessing, model, maths):
# fveval against a Python + PyTorch eager baseline with torchvision preprocessing
# (bench/vbimg_baseline.py, i.e. tests/vbimg/ref.py) on the same files and the same models:
#   1. the stand-ins of tests/vbimg/make_models.py (cheap networks: the figure is the
#      pipeline around the model), per metric, on CLIPS clips of FRAMES 832x480 frames
#      cut from shared/media/ltx2.mp4;
#   2. vbench.subject_consistency with a random-weight torchvision vit_b_16 (DINO
#      ViT-B/16's shape; scripted by tools/export/dino_vitb16.py for fveval, eager in
#      Python) on 256x256 clips (resized to 224x224, which torchvision's ViT requires).
# Prints frames/s of each side and fveval / Python; wall seconds on a shared machine vary,
# so each timing is the best of REPEAT runs.
# Run from a built tree:  sh bench/vbimg.sh [BUILDDIR]
# Environment: CLIPS (default 4), FRAMES (default 24), REPEAT (default 2), LTX.
set -eu
build=${1:-.}
src=$(cd "$(dirname "$0")/.." && pwd)
LTX=${LTX:-$src/../shared/media/ltx2.mp4}
CLIPS=${CLIPS:-4}
FRAMES=${FRAMES:-24}
REPEAT=${REPEAT:-2}
[ -f "$LTX" ] || { echo "bench/vbimg.sh: $LTX not found (set LTX)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ff="ffmpeg -nostdin -loglevel error -y"
mkdir "$tmp/v" "$tmp/sq" "$tmp/models" "$tmp/vit"
i=0
while [ $i -lt "$CLIPS" ]; do
    $ff -ss $((i * 1)) -i "$LTX" -frames:v "$FRAMES" -vf "hue=h=$((i * 40))" -c:v libx264 -preset veryfast -pix_fmt yuv420p "$tmp/v/c$i.mp4"
    $ff -i "$tmp/v/c$i.mp4" -vf "crop=480:480,scale=256:256" -c:v libx264 -preset veryfast -pix_fmt yuv420p "$tmp/sq/c$i.mp4"
    i=$((i + 1))
done
/usr/bin/python3 "$src/tests/vbimg/make_models.py" "$tmp/models"
/usr/bin/python3 "$src/tools/export/lpips_alex.py" --random-init 7 "$tmp/models/lpips_alex.pt" > /dev/null
/usr/bin/python3 "$src/tools/export/dino_vitb16.py" --random-torchvision 5 "$tmp/vit/dino_vitb16.pt" > /dev/null
VOCAB="$src/plugins/_text/data/bpe_simple_vocab_16e6.txt.gz"
nframes=$((CLIPS * FRAMES))

# best NAME CMD...: the lowest wall seconds of REPEAT runs of CMD.
best() {
    b=
    r=0
    while [ $r -lt "$REPEAT" ]; do
        /usr/bin/time -f "%e" -o "$tmp/t" "$@" > "$tmp/out" 2>&1 || { cat "$tmp/out" >&2; exit 1; }
        t=$(cat "$tmp/t")
        b=$(awk -v a="$t" -v b="${b:-1e9}" 'BEGIN { print (a < b) ? a : b }')
        r=$((r + 1))
    done
    echo "$b"
}

# row LABEL METRIC OPTIONS MODELDIR CLIPDIR [ENV]
row() {
    label=$1 metric=$2 opts=$3 mdir=$4 cdir=$5 envs=${6:-}
    fv=$(best env FVEVAL_PLUGIN_SYSTEM_PATH= "$build/core/fveval" --plugin-path "$build/plugins" run \
        --videos "$cdir" --reference "$cdir" -m "$metric$opts" --model-dir "$mdir" -o "$tmp/r.json" -q)
    py=$(best env $envs /usr/bin/python3 "$src/bench/vbimg_baseline.py" "$mdir" "$VOCAB" "$metric" "$cdir"/*.mp4)
    awk -v l="$label" -v n="$nframes" -v a="$fv" -v b="$py" \
        'BEGIN { printf "%-34s %8.1f %8.1f %7.2fx\n", l, n / a, n / b, b / a }'
}

echo "$CLIPS clips x $FRAMES frames; frames/s (best of $REPEAT), fveval / Python+PyTorch eager"
printf "%-34s %8s %8s %8s\n" "metric (model)" fveval python ratio
row "subject_consistency (stand-in)" vbench.subject_consistency "" "$tmp/models" "$tmp/v"
row "background_consistency (stand-in)" vbench.background_consistency "" "$tmp/models" "$tmp/v"
row "aesthetic_quality (stand-in)" vbench.aesthetic_quality "" "$tmp/models" "$tmp/v"
row "appearance_style (stand-in)" vbench.appearance_style ":vocab=$VOCAB" "$tmp/models" "$tmp/v"
row "imaging_quality (stand-in)" vbench.imaging_quality "" "$tmp/models" "$tmp/v"
row "lpips (LPIPS AlexNet, random)" common.lpips "" "$tmp/models" "$tmp/v"
row "subject_consistency (ViT-B/16)" vbench.subject_consistency "" "$tmp/vit" "$tmp/sq" VIT_SEED=5
