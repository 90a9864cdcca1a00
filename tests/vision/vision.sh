#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# plugins/_vision against torch, torchvision, OpenCV and NumPy (tests/vision/reference.py,
# one Python process): resize in every mode on noisy odd-sized testsrc2 frames and on
# ../shared/media/ltx2.mp4 when it is there (<= 1e-6 on the [0, 1] scale), the CLIP and
# ImageNet chains, cv2.resize INTER_LINEAR byte for byte, the three frame samplers on
# 9600 (T, n) pairs each.
. "$top_srcdir/tests/lib.sh"
need_tool "${FFMPEG_CLI:-ffmpeg}"
PY=/usr/bin/python3
bin="$top_builddir/tests/unit/test_vision"
[ -x "$bin" ] || { echo "FAIL: $bin not built" >&2; exit 99; }
if ! "$PY" -c 'import numpy, cv2, torch, torchvision' 2>/dev/null; then
    echo "FAIL: $PY lacks numpy, cv2, torch or torchvision (python3-opencv, python3-torchvision)" >&2
    exit 99
fi
LTX="$top_srcdir/../shared/media/ltx2.mp4"
if [ -f "$LTX" ]; then
    set -- "$LTX"
else
    echo "note: $LTX absent: synthetic frames only"
    set --
fi
"$PY" "$top_srcdir/tests/vision/reference.py" "$bin" "$TMPDIR_TEST" "$@" || fail "reference comparison"
finish
