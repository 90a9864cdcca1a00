#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# optical_flow.gt_optical_flow (and synthetic_optical_flow when built) through
# `fveval run` with a TorchScript stand-in of the flow model
# (tests/motion/make_flow_models.py): hand-checked statistics on lossless
# translating clips, every statistic against an independent NumPy port of
# fastvideo.eval's _shared.py on ffmpeg-decoded frames (tests/motion/flow_ref.py),
# and bad inputs.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null || { echo "FAIL: /usr/bin/python3 lacks torch or numpy" >&2; exit 99; }
cd "$TMPDIR_TEST"
mkdir exact models gen ref hand
PY=/usr/bin/python3
$PY "$top_srcdir/tests/motion/make_flow_models.py" exact || exit 99
$PY "$top_srcdir/tests/motion/make_flow_models.py" models 0.05 || exit 99
shift_clip() { $PY "$top_srcdir/tests/motion/make_shift_clip.py" "$FFMPEG_CLI" "$@" || exit 99; }
R="$FVEVAL --plugin-path $top_builddir/plugins"
GT=optical_flow.gt_optical_flow

# ---- hand-checked: (2, 1) a frame against (1, 1) a frame, and a clip against itself ----
shift_clip hand/gen.mkv 70 45 24 5 2 1 7
shift_clip hand/ref.mkv 70 45 24 6 1 1 7
expect_rc 0 $R run --videos hand/gen.mkv --reference hand/ref.mkv -m $GT --model-dir exact -o hand.json -q
expect_rc 0 $R run --videos hand/gen.mkv --reference hand/gen.mkv -m $GT --model-dir exact -o same.json -q
out=$($PY -c '
import json, math
d = json.load(open("hand.json"))["samples"][0]["results"]["optical_flow.gt_optical_flow"]
s = json.load(open("same.json"))["samples"][0]["results"]["optical_flow.gt_optical_flow"]
det = d["details"]
assert det["n_frames"] == 4 and len(det["per_frame_metrics"]) == 4, det["n_frames"]   # min(5, 6) frames
f = det["per_frame_metrics"][0]
close = lambda a, b: abs(a - b) < 1e-5
assert close(d["score"], 1.0) and close(f["pixel_epe_mean"], 1.0) and close(f["pixel_epe_max"], 1.0), f
assert close(f["mf_epe"], 1.0) and close(f["mf_mag_ratio"], math.sqrt(5) / math.sqrt(2)), f
ang = math.degrees(math.acos(3 / math.sqrt(10)))
assert close(f["mf_angle_err"], ang) and abs(f["px_angle_rmse"] - ang) < 1e-3 and close(f["mf_cosine"], 3 / math.sqrt(10)), f
assert f["fl_all"] == 0 and close(f["grid_epe_mean"], 1.0) and close(f["grid_epe_max"], 1.0), f
assert det["pixel_epe_mean_std"] < 1e-6 and det["divergence_onset_frame"] is None and det["divergence_threshold"] == 2.0, det
assert s["score"] == 0.0 and all(v == 0 for k, v in s["details"].items() if k.startswith("pixel_epe")), s
print("ok")' 2>&1) && pass "hand-checked: EPE 1 between (2,1) and (1,1) shifts; a clip against itself scores 0" || fail "hand: $out"
expect_rc 0 $PY "$top_srcdir/tests/motion/flow_ref.py" "$FFMPEG_CLI" gt exact hand.json hand/gen.mkv hand/ref.mkv \
    && pass "parallel flows (rank-deficient focus of expansion) match NumPy" || printf '%s\n' "$out" >&2

# ---- every statistic against the NumPy port (translations, lossy testsrc2, odd sizes, unequal lengths) ----
shift_clip gen/a.mkv 70 45 24 8 2 1 3
shift_clip ref/a.mkv 70 45 24 8 1 1 3
shift_clip gen/b.mkv 64 64 24 7 -1 2 5
shift_clip ref/b.mkv 64 64 24 9 -1 2 5
make_clip gen/c.mp4 80 60 24 6 "" 0
make_clip ref/c.mp4 80 60 24 6 "" 30
expect_rc 0 $R run --videos gen --reference ref -m $GT:chunk_size=3 --model-dir models -o gt.json -q -j 2
expect_rc 0 $PY "$top_srcdir/tests/motion/flow_ref.py" "$FFMPEG_CLI" gt models gt.json \
    gen/a.mkv ref/a.mkv gen/b.mkv ref/b.mkv gen/c.mp4 ref/c.mp4 && printf '%s\n' "$out" \
    && pass "gt_optical_flow: score and statistics match NumPy" || printf '%s\n' "$out" >&2

# ---- bad inputs ----
mkdir odd one
shift_clip odd/x.mkv 64 48 24 5 1 1
shift_clip one/x.mkv 70 45 24 1 1 1
expect_rc 0 $R run --videos odd/x.mkv --reference hand/ref.mkv -m $GT --model-dir exact -o r.json -q
out=$($PY -c 'import json; print(json.load(open("r.json"))["samples"][0]["results"]["optical_flow.gt_optical_flow"]["skipped"])')
contains "frame size differs: video 64x48, reference 70x45"
expect_rc 0 $R run --videos one/x.mkv --reference hand/ref.mkv -m $GT --model-dir exact -o r.json -q
out=$($PY -c 'import json; print(json.load(open("r.json"))["samples"][0]["results"]["optical_flow.gt_optical_flow"]["skipped"])')
contains "Need at least 2 frames to compute optical flow (video 1, reference 6)"
expect_rc 0 $R run --videos hand/gen.mkv -m $GT --model-dir exact -o r.json -q
out=$($PY -c 'import json; print(json.load(open("r.json"))["samples"][0]["results"]["optical_flow.gt_optical_flow"]["skipped"])')
contains "missing field 'reference'"
expect_rc 0 $R run --videos hand/gen.mkv --reference hand/ref.mkv -m $GT --model-dir empty -o r.json -q
out=$($PY -c 'import json; print(json.load(open("r.json"))["samples"][0]["results"]["optical_flow.gt_optical_flow"]["skipped"])')
contains "missing model file 'dpflow_things.pt'"
mkdir wrong && cp exact/raft_things.pt wrong/dpflow_things.pt
expect_rc 1 $R run --videos hand/gen.mkv --reference hand/ref.mkv -m $GT --model-dir wrong -o r.json -q
out=$($PY -c 'import json; print(json.load(open("r.json"))["samples"][0]["results"]["optical_flow.gt_optical_flow"]["error"])')
contains "flow model failed"
finish
