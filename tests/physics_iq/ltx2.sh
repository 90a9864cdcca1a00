#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Physics-IQ metrics on the real clip ../shared/media/ltx2.mp4 and degraded
# copies of it, against tests/physics_iq/reference.py (see reference.sh),
# with upstream's default mp4v mask round trip.  Skipped when the clip is absent.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
. "$top_srcdir/tests/physics_iq/common.sh"
cd "$TMPDIR_TEST"
D=$PWD
LTX="$top_srcdir/../shared/media/ltx2.mp4"
if [ -f "$LTX" ]; then
    $FF -i "$LTX" -frames:v 60 -c:v libx264 -crf 38 -pix_fmt yuv420p l_crf.mp4
    $FF -i "$LTX" -frames:v 60 -vf "scale=418:238,hue=h=20" -c:v libx264 -crf 30 -pix_fmt yuv420p l_small.mp4
    $FF -i "$LTX" -frames:v 60 -vf "eq=brightness=0.06,boxblur=2" -c:v libx264 -crf 30 -pix_fmt yuv420p l_blur.mp4
    {
        printf '{"video": "%s", "reference": "%s", "reference_take2": "%s"}\n' "$D/l_crf.mp4" "$LTX" "$D/l_small.mp4"
        printf '{"video": "%s", "reference": "%s", "reference_take2": "%s"}\n' "$D/l_small.mp4" "$D/l_blur.mp4" "$LTX"
    } > ltx.jsonl
    check ltx2 ":duration_seconds=2" '{"duration_seconds": 2}' ltx.jsonl
else
    echo "SKIP: $LTX absent"; exit 77
fi
finish
