#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# vbench.dynamic_degree and vbench.motion_smoothness through `fveval run` with
# TorchScript stand-ins of RAFT and AMT-S (tests/motion/make_flow_models.py):
# hand-checked flows on lossless translating clips, every score against an
# independent torch/NumPy computation on ffmpeg-decoded frames
# (tests/motion/motion_ref.py), the AMT scale rule, and bad inputs.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null || { echo "FAIL: /usr/bin/python3 lacks torch or numpy" >&2; exit 99; }
cd "$TMPDIR_TEST"
mkdir exact models clips hand
PY=/usr/bin/python3
$PY "$top_srcdir/tests/motion/make_flow_models.py" exact || exit 99
$PY "$top_srcdir/tests/motion/make_flow_models.py" models 0.05 || exit 99
shift_clip() { $PY "$top_srcdir/tests/motion/make_shift_clip.py" "$FFMPEG_CLI" "$@" || exit 99; }
R="$FVEVAL --plugin-path $top_builddir/plugins"
# field FILE METRIC EXPR: a Python expression over r (the first sample's result of METRIC)
field() { $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["samples"][0]["results"][sys.argv[2]]; print(eval(sys.argv[3]))' "$@"; }

# ---- hand-checked: a static clip and a constant translation (sizes not multiples of 8 or 16) ----
shift_clip hand/static.mkv 70 45 24 13 0 0
shift_clip hand/move.mkv 70 45 24 13 1 -1
expect_rc 0 $R run --videos hand -m vbench.dynamic_degree,vbench.motion_smoothness --model-dir exact -o hand.json -q
out=$($PY -c '
import json, math
s = {x["video"].split("/")[-1]: x["results"] for x in json.load(open("hand.json"))["samples"]}
dd, ms = s["move.mkv"]["vbench.dynamic_degree"], s["move.mkv"]["vbench.motion_smoothness"]
# 24 fps: interval 3, frames 0,3,6,9,12 (n 5), 4 pairs each moved by (3, -3) at every pixel
want = math.sqrt(18.0)
assert dd["details"]["interval"] == 3 and dd["details"]["n_frames_used"] == 5, dd
assert all(abs(m - want) < 1e-6 for m in dd["details"]["per_pair_magnitude"]), dd
assert dd["details"]["count_needed"] == 1 and dd["details"]["count_above"] == 4, dd  # round(1.25) = 1
assert abs(dd["details"]["threshold"] - 6 * 45 / 256) < 1e-12 and dd["score"] == 1.0, dd
st = s["static.mkv"]["vbench.dynamic_degree"]
assert st["score"] == 0.0 and st["details"]["per_pair_magnitude"] == [0.0] * 4, st
sm = s["static.mkv"]["vbench.motion_smoothness"]
assert sm["score"] == 1.0 and sm["details"]["vfi_score"] == 0.0 and sm["details"]["n_pairs"] == 6, sm
assert sm["details"]["scale"] == 1.0 and sm["details"]["scale_rule"] == "cpu", sm
assert ms["score"] < 0.99, ms   # the average of shifted neighbours is not the middle frame
print("ok")
' 2>&1) && pass "hand-checked: static 0 / moving 1 with flow sqrt(18); static smoothness 1" || fail "hand-checked: $out"

# ---- whole scores against the independent computation (lossy clips, odd sizes, several rates) ----
make_clip clips/a.mp4 64 48 24 20 "" 0
make_clip clips/b.mp4 70 45 30 17 "" 60
make_clip clips/c.mp4 33 40 12 9 "" 120
shift_clip clips/d.mkv 72 56 24 25 2 1 3
expect_rc 0 $R run --videos clips -m vbench.dynamic_degree:chunk_size=3 --model-dir models -o dd.json -q -j 2
expect_rc 0 $PY "$top_srcdir/tests/motion/motion_ref.py" "$FFMPEG_CLI" dynamic_degree models dd.json -- \
    clips/a.mp4 clips/b.mp4 clips/c.mp4 clips/d.mkv && printf '%s\n' "$out" && pass "dynamic_degree matches torch" \
    || printf '%s\n' "$out" >&2
# --fps overrides the container's rate: 60 fps -> interval 8 (and 20 -> 2: round half to even of 2.5)
expect_rc 0 $R run --videos clips/a.mp4 --fps 60 -m vbench.dynamic_degree --model-dir models -o dd60.json -q
out=$(field dd60.json vbench.dynamic_degree 'r["details"]["interval"], r["details"]["n_frames_used"], r["details"]["count_needed"]')
[ "$out" = "(8, 3, 1)" ] && pass "--fps 60: interval 8, 3 frames, count_needed 1" || fail "--fps 60: $out"
expect_rc 0 $R run --videos clips/a.mp4 --fps 20 -m vbench.dynamic_degree --model-dir models -o dd20.json -q
out=$(field dd20.json vbench.dynamic_degree 'r["details"]["interval"]')
[ "$out" = "2" ] && pass "--fps 20: interval round(2.5) = 2" || fail "--fps 20: $out"
expect_rc 0 $PY "$top_srcdir/tests/motion/motion_ref.py" "$FFMPEG_CLI" dynamic_degree models dd60.json fps=60 -- clips/a.mp4 \
    && pass "dynamic_degree at --fps 60 matches torch" || printf '%s\n' "$out" >&2

expect_rc 0 $R run --videos clips -m vbench.motion_smoothness:chunk_size=3 --model-dir models -o ms.json -q -j 2
expect_rc 0 $PY "$top_srcdir/tests/motion/motion_ref.py" "$FFMPEG_CLI" motion_smoothness models ms.json chunk=3 -- \
    clips/a.mp4 clips/b.mp4 clips/c.mp4 clips/d.mkv && printf '%s\n' "$out" && pass "motion_smoothness matches torch + NumPy" \
    || printf '%s\n' "$out" >&2
# scale 0.5: padding to multiples of 32, AMT's own resize
expect_rc 0 $R run --videos clips -m vbench.motion_smoothness:scale=0.5 --model-dir models -o ms05.json -q
expect_rc 0 $PY "$top_srcdir/tests/motion/motion_ref.py" "$FFMPEG_CLI" motion_smoothness models ms05.json scale=0.5 -- \
    clips/a.mp4 clips/b.mp4 clips/c.mp4 clips/d.mkv && pass "motion_smoothness at scale 0.5 matches" || printf '%s\n' "$out" >&2

# ---- the RAFT export path: torchvision's raft_large, random weights, behind raft_things.pt's contract ----
# (RAFT's 4-level correlation pyramid needs padded frames of at least 128x128: at 64 to 127
# pixels its 1-pixel coarsest level gives NaN flows, below 64 it fails)
mkdir tv
$PY "$top_srcdir/tools/export/raft.py" --torchvision-random -o tv/raft_things.pt >/dev/null || exit 99
shift_clip tv/m.mkv 128 120 24 4 1 1 9
expect_rc 0 $R run --videos tv/m.mkv -m vbench.dynamic_degree --model-dir tv -o tv.json -q
expect_rc 0 $PY "$top_srcdir/tests/motion/motion_ref.py" "$FFMPEG_CLI" dynamic_degree tv tv.json -- tv/m.mkv \
    && printf '%s\n' "$out" && pass "exported torchvision RAFT: fveval matches torch" || printf '%s\n' "$out" >&2

# ---- upstream's CUDA scale rule, fed a free-memory figure ----
for mib in 2000 2600 4000 40000; do
    expect_rc 0 $R run --videos clips/a.mp4 -m vbench.motion_smoothness:free_memory_mib=$mib --model-dir exact -o fm.json -q
    got=$(field fm.json vbench.motion_smoothness 'repr(r["details"]["scale"])')
    want=$($PY -c '
import sys, numpy as np
free, h, w = float(sys.argv[1]), 48, 64
if free <= 2500: s = 1 / 16
else:
    s = 1024 * 512 / (h * w) * np.sqrt((free - 2500) / 1500)
    s = 1.0 if s >= 1 else 1 / np.floor(1 / np.sqrt(s) * 16) * 16
print(repr(float(s)))' $mib)
    [ "$got" = "$want" ] && pass "free_memory_mib=$mib: scale $got" || fail "free_memory_mib=$mib: scale $got, want $want"
done
shift_clip hand/big.mkv 1024 600 24 3 0 0
expect_rc 0 $R run --videos hand/big.mkv -m vbench.motion_smoothness:free_memory_mib=2620 --model-dir exact -o fm.json -q
out=$(field fm.json vbench.motion_smoothness 'r["details"]["scale"], r["details"]["scale_rule"]')
[ "$out" = "(0.5, 'free_memory_mib')" ] && pass "1024x600 with 2620 MiB free: scale 0.5" || fail "big frame scale: $out"

# ---- bad inputs: 1- and 2-frame clips, missing or broken models, bad options ----
mkdir short
shift_clip short/one.mkv 70 45 24 1 1 1
shift_clip short/two.mkv 70 45 24 2 1 1
expect_rc 0 $R run --videos short -m vbench.dynamic_degree,vbench.motion_smoothness --model-dir exact -o short.json -q
out=$($PY -c '
import json
s = {x["video"].split("/")[-1]: x["results"] for x in json.load(open("short.json"))["samples"]}
one, two = s["one.mkv"], s["two.mkv"]
# upstream: n <= 2 frames used gives count_needed 0, so 1.0 even without pairs; T <= 2 smoothness 1.0
assert one["vbench.dynamic_degree"]["score"] == 1.0 and one["vbench.dynamic_degree"]["details"]["per_pair_magnitude"] == []
assert two["vbench.dynamic_degree"]["score"] == 1.0 and two["vbench.dynamic_degree"]["details"]["n_frames_used"] == 1
assert one["vbench.motion_smoothness"]["score"] == 1.0 and two["vbench.motion_smoothness"]["score"] == 1.0
assert two["vbench.motion_smoothness"]["details"]["n_pairs"] == 0
print("ok")' 2>&1) && pass "1- and 2-frame clips score 1.0 as upstream" || fail "short clips: $out"
expect_rc 0 $R run --videos hand/move.mkv -m vbench.dynamic_degree,vbench.motion_smoothness --model-dir empty -o r.json -q
out=$(field r.json vbench.dynamic_degree 'r["skipped"]'); contains "missing model file 'raft_things.pt'"
out=$(field r.json vbench.motion_smoothness 'r["skipped"]'); contains "missing model file 'amt_s.pt'"
# a model of the wrong kind: a clear error for the sample, the run goes on
mkdir wrong && cp exact/amt_s.pt wrong/raft_things.pt && cp exact/raft_things.pt wrong/amt_s.pt
expect_rc 1 $R run --videos hand/move.mkv -m vbench.dynamic_degree,vbench.motion_smoothness --model-dir wrong -o r.json -q
out=$(field r.json vbench.dynamic_degree 'r["error"]'); contains "RAFT failed"
out=$(field r.json vbench.motion_smoothness 'r["error"]'); contains "AMT failed"
expect_rc 2 $R run --videos hand -m vbench.motion_smoothness:scale=0.01 --model-dir exact -o r.json
contains "scale must be 0 (upstream's rule) or in [0.0625, 1], got 0.01"
finish
