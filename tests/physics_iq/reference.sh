#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Physics-IQ metrics against tests/physics_iq/reference.py, an independent
# NumPy + cv2 (OpenCV 4.6) restatement of upstream on the same decoded frames:
# every per-frame value, score and corpus component must be equal as doubles,
# with motion masks computed directly and through cv2's own mp4v
# VideoWriter/VideoCapture round trip.  Odd sizes, size and length
# mismatches, time selection, precomputed mask videos, and the real clip
# (../shared/media/ltx2.mp4, with degraded copies) when it is there.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
. "$top_srcdir/tests/physics_iq/common.sh"
cd "$TMPDIR_TEST"
D=$PWD
src() { $FF -f lavfi -i "testsrc2=size=$2:rate=30,hue=h=$3" -frames:v "$4" -c:v libx264 -pix_fmt yuv420p "$1"; }
src a.mp4 96x64 0 40
src b.mp4 96x64 40 40
src c.mp4 100x70 90 40
src d.mp4 101x71 60 30
src e.mp4 34x22 0 30
src f.mp4 96x64 20 50
# Mask videos: a white box moving over black, stored losslessly (gray).
$FF -f lavfi -i "color=black:s=80x48:r=30[bg];color=white:s=20x12:r=30[sq];[bg][sq]overlay=x=2*n:y=10" \
    -frames:v 40 -c:v ffv1 -pix_fmt gray gm.mkv
$FF -f lavfi -i "color=black:s=96x64:r=30[bg];color=white:s=16x16:r=30[sq];[bg][sq]overlay=x=3*n:y=30" \
    -frames:v 40 -c:v ffv1 -pix_fmt gray rm.mkv
row() { printf '{"video": "%s", "reference": "%s", "reference_take2": "%s"%s}\n' "$D/$1" "$D/$2" "$D/$3" "${4:-}"; }
{
    row a.mp4 b.mp4 c.mp4
    row c.mp4 a.mp4 b.mp4
    row d.mp4 e.mp4 d.mp4
    row e.mp4 d.mp4 c.mp4
    row f.mp4 a.mp4 b.mp4
    row b.mp4 a.mp4 c.mp4 ", \"video_mask\": \"$D/gm.mkv\", \"reference_mask\": \"$D/rm.mkv\""
} > rows.jsonl
check direct ":roundtrip_generated_masks=0" '{"roundtrip_generated_masks": false}'
check roundtrip "" '{}'
check window ":roundtrip_generated_masks=0:video_time_selection=last:target_fps=10:duration_seconds=3:threshold=6:alpha=0.5" \
    '{"roundtrip_generated_masks": false, "video_time_selection": "last", "target_fps": 10, "duration_seconds": 3, "threshold": 6, "alpha": 0.5}'
# take2_bgr: video and reference as RGB tensors, take 2 read from its path as BGR.
check take2_bgr ":roundtrip_generated_masks=0" '{"roundtrip_generated_masks": false, "take2_bgr": true}' rows.jsonl ":take2_bgr=1"

finish
