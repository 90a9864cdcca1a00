#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The CUDA kernels (plugins/_cuda) against the CPU code they stand for
# (tests/cuda/test_cuda.c): transforms bit for bit, integer sums exactly, SSIM
# within 1e-10, on odd-sized noise and on 6 decoded frames of
# ../shared/media/ltx2.mp4 when it is there.  SKIP (77), with the reason, when the
# kernels are not built or no GPU is usable: never a pass without running them.
. "$top_srcdir/tests/lib.sh"
bin="$top_builddir/tests/cuda/test_cuda"
[ -x "$bin" ] || { echo "FAIL: $bin not built" >&2; exit 99; }
"$bin" --probe
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
LTX=${LTX:-$top_srcdir/../shared/media/ltx2.mp4} # LTX: another clip (tests/cuda/device-check.sh)
if [ -f "$LTX" ]; then
    need_tool "${FFPROBE_CLI:-ffprobe}"
    . "$top_srcdir/tests/run/clips.sh"
    size=$("${FFPROBE_CLI:-ffprobe}" -v error -select_streams v:0 -show_entries stream=width,height \
        -of csv=p=0:s=' ' "$LTX")
    $FF -i "$LTX" -frames:v 6 -f rawvideo -pix_fmt rgb24 "$TMPDIR_TEST/frames.rgb" || exit 99
    # shellcheck disable=SC2086 # size is "W H"
    "$bin" "$TMPDIR_TEST/frames.rgb" $size 6 || fail "kernels differ from the CPU code"
else
    echo "note: $LTX absent: synthetic frames only"
    "$bin" || fail "kernels differ from the CPU code"
fi
finish
