#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What a build says about CUDA, on a machine with or without a GPU: `fveval
# --version` names the toolkit the kernels were built with (or "not built"), and
# --device cuda:N that nothing can use is refused up front (exit 2, one line)
# with libtorch's reason and, in a build with the kernels, the driver's.
. "$top_srcdir/tests/lib.sh"
bin="$top_builddir/tests/cuda/test_cuda"
[ -x "$bin" ] || { echo "FAIL: $bin not built" >&2; exit 99; }
probe=$("$bin" --probe)
probe_rc=$?
R="$FVEVAL --plugin-path $top_builddir/plugins"
expect_rc 0 $FVEVAL --version
case $probe in
    *"not built"*) contains "CUDA: not built" && pass "--version: CUDA not built" ;;
    *) contains "CUDA: built (toolkit " && pass "--version: $(printf '%s\n' "$out" | tail -n 1)" ;;
esac
cd "$TMPDIR_TEST" || exit 99
. "$top_srcdir/tests/run/clips.sh"
make_clip a.mp4 32 24 5 3
if [ "$probe_rc" -eq 77 ]; then
    expect_rc 2 $R run --videos a.mp4 --reference a.mp4 -m common.psnr --device cuda:0 -o r.json \
        && one_line && contains "device 'cuda:0' is not available" && pass "cuda:0 refused: $out"
    case $probe in
        *"not built"*) case $out in *"CUDA kernels"*) fail "a build without the kernels names them" ;; esac ;;
        *) contains "; CUDA kernels: " ;;
    esac
else
    # A usable GPU: the pixel metrics run there (tests/cuda/metrics.sh compares the values).
    expect_rc 0 $R run --videos a.mp4 --reference a.mp4 -m common.psnr --device cuda:0 -o r.json -q \
        && pass "cuda:0 accepted"
fi
expect_rc 2 $R run --videos a.mp4 --reference a.mp4 -m common.psnr --device cuda:x -o r.json \
    && one_line && contains "malformed device 'cuda:x'"
finish
