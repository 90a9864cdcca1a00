#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Check what the frame-access test plugins received against the ffmpeg CLI's frames.

check_frames.py RESULTS SAMPLE RAW W H [--picks LIST] [--uniform N] [--stream [STOP]]

RAW is `ffmpeg ... -sws_flags bicubic+accurate_rnd+full_chroma_int -pix_fmt rgb24
-f rawvideo` of the sample's video (T = its size / (W * H * 3) frames).
--picks: test.sampled was run with picks=LIST (/-separated; "last" = T - 1).
--uniform: test.uniform (count N) ran.  --stream: test.stream ran (stopping at STOP).
Prints one ok/FAIL line per check; exits 1 on any failure.
"""
import json
import sys

import numpy as np

args = sys.argv[1:]
results, sample, raw, w, h = args[0], int(args[1]), args[2], int(args[3]), int(args[4])
opts = args[5:]
frames = np.fromfile(raw, dtype=np.uint8).reshape(-1, h * w * 3).astype(np.uint64)
T = frames.shape[0]
weights = (np.arange(h * w * 3, dtype=np.uint64) % 65521) + 1
sums = frames.sum(axis=1)
wsums = (frames * weights).sum(axis=1)
res = json.load(open(results))["samples"][sample]["results"]
bad = 0


def check(ok, what):
    global bad
    print(("ok: " if ok else "FAIL: ") + what)
    bad += not ok


def same_frames(name, det, indices):
    check(det.get("frame_index") == [float(i) for i in indices],
          f"{name}: frame_index {det.get('frame_index')} == {indices}")
    check(det.get("sums") == [float(sums[i]) for i in indices] and
          det.get("wsums") == [float(wsums[i]) for i in indices],
          f"{name}: the frames' bytes are ffmpeg's frames {indices}")
    check(det.get("clip_frames") == T, f"{name}: clip_frames {det.get('clip_frames')} == {T}")


i = 0
while i < len(opts):
    o = opts[i]
    if o == "--picks":
        picks = [T - 1 if p == "last" else int(p) for p in opts[i + 1].split("/")]
        same_frames("test.sampled", res["test.sampled"]["details"], picks)
        i += 2
    elif o == "--uniform":
        n = int(opts[i + 1])
        same_frames("test.uniform", res["test.uniform"]["details"],
                    [j * (T - 1) // (n - 1) for j in range(n)])
        i += 2
    elif o == "--stream":
        stop = T - 1
        if i + 1 < len(opts) and not opts[i + 1].startswith("--"):
            stop = int(opts[i + 1])
            i += 1
        det = res["test.stream"]["details"]
        want = list(range(stop + 1))
        check(det.get("newest") == [float(t) for t in want], f"test.stream: frames {want} in order")
        check(det.get("held") == [float(min(t + 1, 3)) for t in want],
              "test.stream: windows of 1, 2, then 3 frames")
        check(det.get("sums") == [float(sums[t]) for t in want] and
              det.get("wsums") == [float(wsums[t]) for t in want],
              "test.stream: each newest frame is ffmpeg's")
        check(det.get("intact") == [1.0] * len(want), "test.stream: older window frames intact")
        check(det.get("clip_frames") == T and det.get("nb_frames") == 0 and det.get("has_data") == 0,
              f"test.stream: compute sees clip_frames {T}, no frame data")
        i += 1
    else:
        sys.exit(f"check_frames.py: unknown option {o}")
sys.exit(1 if bad else 0)
