#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# common.psnr, common.ssim, vbench.temporal_flickering with --device cuda:0 against
# the same run on the cpu, through the fveval binary: per-frame PSNR and
# flickering values identical (exact integer sums on both), SSIM within 1e-10 per
# frame (double on both, summed in another order).  Clips: 8-frame degraded copies
# of ../shared/media/ltx2.mp4 when it is there, else odd-sized generated clips.
# SKIP (77), with the reason, when the kernels are not built or no GPU is usable.
. "$top_srcdir/tests/lib.sh"
bin="$top_builddir/tests/cuda/test_cuda"
[ -x "$bin" ] || { echo "FAIL: $bin not built" >&2; exit 99; }
"$bin" --probe
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
. "$top_srcdir/tests/run/clips.sh"
M=common.psnr,common.ssim,vbench.temporal_flickering
R="$FVEVAL --plugin-path $top_builddir/plugins"
cd "$TMPDIR_TEST" || exit 99
LTX=${LTX:-$top_srcdir/../shared/media/ltx2.mp4} # LTX: another clip (tests/cuda/device-check.sh)
if [ -f "$LTX" ]; then
    $FF -i "$LTX" -frames:v 8 -vf gblur=sigma=2 -c:v libx264 -crf 23 -pix_fmt yuv420p a.mp4
    $FF -i "$LTX" -frames:v 8 -c:v libx264 -crf 38 -pix_fmt yuv420p b.mp4
    ref=$LTX
else
    make_clip ref.mp4 97 61 10 8
    $FF -i ref.mp4 -vf gblur=sigma=2 -c:v libx264 -crf 23 -pix_fmt yuv420p a.mp4
    $FF -i ref.mp4 -c:v libx264 -crf 38 -pix_fmt yuv420p b.mp4
    ref=ref.mp4
fi
expect_rc 0 $R run --videos a.mp4 b.mp4 --reference "$ref" "$ref" -m $M -o cpu.json -q || finish
expect_rc 0 $R run --videos a.mp4 b.mp4 --reference "$ref" "$ref" -m $M -o gpu.json -q --device cuda:0 \
    || finish
/usr/bin/python3 - cpu.json gpu.json <<'PY' && pass "cuda:0 equals the cpu" || fail "cuda:0 differs from the cpu"
import json, sys
cpu, gpu = (json.load(open(p)) for p in sys.argv[1:3])
bad = 0
for sc, sg in zip(cpu["samples"], gpu["samples"]):
    for m, key, tol in (("common.psnr", "per_frame", 0.0), ("vbench.temporal_flickering", "per_pair_mae", 0.0),
                        ("common.ssim", "per_frame", 1e-10)):
        a, b = sc["results"][m], sg["results"][m]
        va, vb = a["details"][key], b["details"][key]
        if b.get("error") or len(va) != len(vb) or any(abs(x - y) > tol for x, y in zip(va, vb)) \
                or abs(a["score"] - b["score"]) > tol:
            print(m, "cpu", a, "gpu", b, file=sys.stderr)
            bad += 1
sys.exit(1 if bad else 0)
PY
finish
