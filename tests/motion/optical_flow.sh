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

# ---- optical_flow.synthetic_optical_flow ----
if [ -e "$top_builddir/plugins/optical_flow/synthetic_optical_flow/metric.la" ]; then
SY=optical_flow.synthetic_optical_flow
mkdir syn
# hand-checked: D held, strafe only: u = -focal * beta_strafe = -2 a frame, v = 0; the clip moves (-2, 0)
shift_clip syn/strafe.mkv 64 48 24 6 -2 0 11
cat > syn/hand.jsonl <<'ROWS'
{"video": "strafe.mkv", "actions": {"keyboard": [[0,0,0,1,0,0],[0,0,0,1,0,0],[0,0,0,1,0,0],[0,0,0,1,0,0],[0,0,0,1,0,0],[0,0,0,1,0,0]], "mouse": [[0,0],[0,0],[0,0],[0,0],[0,0],[0,0]]}, "calibration": {"alpha_yaw": 0, "alpha_pitch": 0, "alpha_turn": 0, "beta_fwd": 0, "beta_strafe": 0.02, "focal_length": 100, "notes": "dropped"}}
ROWS
expect_rc 0 $R run --manifest syn/hand.jsonl -m $SY --model-dir exact -o syn_hand.json -q
out=$($PY -c '
import json
d = json.load(open("syn_hand.json"))["samples"][0]["results"]["optical_flow.synthetic_optical_flow"]
assert d["score"] == 0.0 and d["details"]["n_frames"] == 5 and d["details"]["n_predicted"] == 5, d
f = d["details"]["per_frame_metrics"][0]
assert f["mf_epe"] == 0 and f["mf_mag_ratio"] == 1 and f["fl_all"] == 0, f
print("ok")' 2>&1) && pass "hand-checked: strafing prediction equals the clip's (-2, 0) flow" || fail "synthetic hand: $out"

# several parameter sets against the NumPy port: inline JSON, .npy and .json files, r_y/r_z, turning,
# pitch sign -1, fewer action rows than frames, a calibration_path default
shift_clip syn/a.mkv 64 48 24 7 1 -1 12
make_clip syn/b.mp4 80 60 24 6 "" 20
$PY - syn <<'PYEOF' || exit 99
import json, sys
import numpy as np
d = sys.argv[1]
rng = np.random.default_rng(5)
kb = (rng.random((7, 6)) > 0.5)
mo = rng.normal(0, 3, (7, 2))
np.save(f"{d}/kb.npy", kb)                       # bool, as recorded games store keys
np.save(f"{d}/mouse.npy", mo.astype(np.float32))
json.dump(mo[:4].tolist(), open(f"{d}/mouse4.json", "w"))
cal1 = {"alpha_yaw": 0.08734091699186919, "alpha_pitch": 0.08169667696275307, "alpha_turn": 5.724587470723463e-17,
        "beta_fwd": 0.02842768078408099, "beta_strafe": 0.022531015077067108, "focal_length": 457.0}
cal2 = dict(cal1, alpha_turn=0.05, r_z=-2.5, r_y=0.7, focal_length=120.0)
json.dump(cal2, open(f"{d}/cal2.json", "w"))
rows = [
    {"video": "a.mkv", "actions": {"keyboard": kb.astype(int).tolist(), "mouse": mo.tolist()}, "calibration": cal1},
    {"video": "a.mkv", "actions": {"keyboard": f"{d}/kb.npy", "mouse": f"{d}/mouse.npy"}, "calibration": f"{d}/cal2.json",
     "mouse_pitch_sign": -1},
    {"video": "b.mp4", "actions": {"keyboard": kb[:4, :].astype(float).tolist(), "mouse": f"{d}/mouse4.json"},
     "calibration": cal2},
]
with open(f"{d}/rows.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps(r) + "\n")
# the reference reads the same rows with paths from here
with open(f"{d}/rows_ref.jsonl", "w") as f:
    for r in rows:
        r = dict(r, video=f"{d}/" + r["video"])
        f.write(json.dumps(r) + "\n")
PYEOF
expect_rc 0 $R run --manifest syn/rows.jsonl -m $SY:chunk_size=2 --model-dir models -o syn.json -q
expect_rc 0 $PY "$top_srcdir/tests/motion/flow_ref.py" "$FFMPEG_CLI" synthetic models syn.json syn/rows_ref.jsonl \
    && printf '%s\n' "$out" && pass "synthetic_optical_flow: kinematics, score and statistics match NumPy" || printf '%s\n' "$out" >&2
expect_rc 0 $R run --videos syn/a.mkv -m $SY:calibration_path=syn/cal2.json --model-dir models -o r.json -q
out=$($PY -c 'import json; print(json.load(open("r.json"))["samples"][0]["results"]["optical_flow.synthetic_optical_flow"]["skipped"])')
contains "missing 'actions' (keyboard + mouse)"

# bad actions and calibrations: clear skips
$PY -c 'import numpy as np; a = np.zeros((5, 2)); a[2, 1] = np.nan; np.save("syn/nan.npy", a)'
cat > syn/bad.jsonl <<'ROWS'
{"video": "a.mkv", "actions": {"keyboard": [[0,0,0,1,0,0],[0,0,0,1,0,0]], "mouse": [[0,0],[0,0]]}}
{"video": "a.mkv", "actions": {"keyboard": [[0,0,0,1,0,0]], "mouse": [[0,0,0]]}, "calibration": {"alpha_yaw": 0, "alpha_pitch": 0, "alpha_turn": 0, "beta_fwd": 0, "beta_strafe": 0.02, "focal_length": 100}}
{"video": "a.mkv", "actions": {"keyboard": [[0,0,0,1,0,0],[1,0,0,1,0,0]], "mouse": "SYN/nan.npy"}, "calibration": {"alpha_yaw": 0, "alpha_pitch": 0, "alpha_turn": 0, "beta_fwd": 0, "beta_strafe": 0.02, "focal_length": 100}}
{"video": "a.mkv", "actions": {"keyboard": [[0,0,0,1,0,0]], "mouse": [[0,0]]}, "calibration": {"alpha_yaw": 0, "alpha_pitch": 0, "beta_fwd": 0, "beta_strafe": 0.02, "focal_length": 100}}
{"video": "a.mkv", "actions": {"keyboard": [[0,0,0,1,0,0]], "mouse": [[0,0]]}, "calibration": "SYN/none.json"}
{"video": "a.mkv", "actions": [1, 2], "calibration": "SYN/cal2.json"}
ROWS
sed -i "s|SYN/|$TMPDIR_TEST/syn/|" syn/bad.jsonl
expect_rc 0 $R run --manifest syn/bad.jsonl -m $SY --model-dir models -o r.json -q
out=$($PY -c 'import json; [print(s["results"]["optical_flow.synthetic_optical_flow"]["skipped"]) for s in json.load(open("r.json"))["samples"]]')
contains "missing 'calibration' (pass calibration_path= or a 'calibration' field per sample)"
contains "actions 'mouse' has 3 columns, want 2 (pitch, yaw)"
contains "actions 'mouse'[2][1] is not finite"
contains "calibration lacks 'alpha_turn'"
contains "calibration' file $TMPDIR_TEST/syn/none.json"
contains "'actions' must be an object with 'keyboard' (T, 6) and 'mouse' (T, 2)"
expect_rc 2 $R run --videos syn/a.mkv -m $SY:calibration_path=syn/none.json --model-dir models -o r.json
contains "calibration_path: calibration file syn/none.json"
fi
finish
