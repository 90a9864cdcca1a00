#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Independent check of common.psnr, common.ssim and vbench.temporal_flickering.

Usage: reference.py RESULTS.json [REL_TOL]

Decodes every scored sample's video and reference again with the ffmpeg CLI
(rgb24, the core's swscale flags), recomputes the three metrics the way
fastvideo.eval does, and compares scores and per-frame values with the
results file within REL_TOL (default 1e-6) relative.

Upstream's maths (fastvideo.eval, see the plugins' README.md):
  frames  float32 = uint8 / 255
  PSNR    mse_t = mean (g - r)^2 over C,H,W;  10 log10(max_val^2 / max(mse_t, 1e-10))
  SSIM    g = exp(-c^2 / 4.5) / sum (float32), K = outer(g, g), depthwise conv with
          zero padding ws//2, C1 = 0.01^2, C2 = 0.03^2, map mean over C,H,W
  flicker mae_t = mean |f_t - f_t+1| over the uint8 values; (255 - mean mae) / 255
evaluated here in float64 (upstream's float32 is itself only good to ~1e-6 on
SSIM), with the SSIM window applied as its two 1-D factors by shifted slices.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np

FFMPEG = os.environ.get("FFMPEG_CLI") or "ffmpeg"
FFPROBE = os.environ.get("FFPROBE_CLI") or "ffprobe"
SWS = "bicubic+accurate_rnd+full_chroma_int"


def source(path):
    # Image directories hold NNN.png frames (the tests make them so).
    return os.path.join(path, "%03d.png") if os.path.isdir(path) else path


def decode(path, nframes=None):
    src = source(path)
    probe = subprocess.run([FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "csv=p=0", src],
                           capture_output=True, check=True, text=True).stdout
    w, h = (int(x) for x in probe.strip().split("\n")[0].split(",")[:2])
    cmd = [FFMPEG, "-nostdin", "-loglevel", "error", "-i", src]
    if nframes is not None:
        cmd += ["-frames:v", str(nframes)]
    cmd += ["-sws_flags", SWS, "-pix_fmt", "rgb24", "-f", "rawvideo", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def unit(frames):
    """uint8 (T,H,W,C) -> upstream's float32 /255 values, as float64 (T,C,H,W)."""
    return (frames.astype(np.float32) / np.float32(255.0)).astype(np.float64).transpose(0, 3, 1, 2)


def psnr(a, b, max_val=1.0):
    x, y = unit(a), unit(b)
    mse = ((x - y) ** 2).mean(axis=(1, 2, 3))
    return 10.0 * np.log10(max_val ** 2 / np.maximum(mse, 1e-10))


def gauss(ws=11, sigma=1.5):
    c = (np.arange(ws) - ws // 2).astype(np.float32)
    arg = -(c * c) / np.float32(2 * sigma ** 2)
    # torch's float32 exp is correctly rounded on these arguments; numpy's SIMD exp is an
    # ulp off on some, which moves SSIM by ~1e-6 (a weight sum != 1 biases the variances).
    e = np.array([np.float32(math.exp(float(a))) for a in arg], dtype=np.float32)
    # torch's float32 sum of a few values is the correctly rounded one.
    return (e / np.float32(e.astype(np.float64).sum())).astype(np.float64)


def filt(z, g):
    """Zero-padded 'same' correlation with outer(g, g) over the last two axes."""
    ws = len(g)
    p = ws // 2
    H, W = z.shape[-2:]
    zp = np.zeros(z.shape[:-2] + (H + 2 * p, W + 2 * p))
    zp[..., p:p + H, p:p + W] = z
    ho = H + 2 * p - ws + 1
    wo = W + 2 * p - ws + 1
    v = sum(g[k] * zp[..., k:k + ho, :] for k in range(ws))
    return sum(g[k] * v[..., :, k:k + wo] for k in range(ws))


def ssim(a, b, ws=11):
    g = gauss(ws)
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    out = []
    for t in range(len(a)):
        x, y = unit(a[t:t + 1])[0], unit(b[t:t + 1])[0]
        mx, my = filt(x, g), filt(y, g)
        sxx = filt(x * x, g) - mx ** 2
        syy = filt(y * y, g) - my ** 2
        sxy = filt(x * y, g) - mx * my
        m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (sxx + syy + c2))
        out.append(m.mean())
    return np.array(out)


def flicker(a):
    if len(a) <= 1:
        return 1.0, np.array([])
    f = a.astype(np.float64)
    mae = np.abs(f[:-1] - f[1:]).mean(axis=(1, 2, 3))
    return (255.0 - mae.mean()) / 255.0, mae


def close(got, want, tol):
    return got is not None and abs(got - want) <= tol * max(abs(want), 1e-300)


def main():
    results = json.load(open(sys.argv[1]))
    tol = float(sys.argv[2]) if len(sys.argv) > 2 else 1e-6
    bad = 0
    checked = 0
    for s in results["samples"]:
        res = s["results"]
        paired = [m for m in ("common.psnr", "common.ssim")
                  if m in res and res[m]["score"] is not None]
        want = {}
        if paired:
            v, r = decode(s["video"]), decode(s["reference"])
            n = min(len(v), len(r))
            v, r = v[:n], r[:n]
            if "common.psnr" in paired:
                pf = psnr(v, r)
                want["common.psnr"] = (pf.mean(), pf, "per_frame")
            if "common.ssim" in paired:
                sf = ssim(v, r)
                want["common.ssim"] = (sf.mean(), sf, "per_frame")
        if "vbench.temporal_flickering" in res and res["vbench.temporal_flickering"]["score"] is not None:
            score, mae = flicker(decode(s["video"]))
            want["vbench.temporal_flickering"] = (score, mae, "per_pair_mae")
        for name, (score, per, key) in want.items():
            got = res[name]
            arr = got["details"].get(key)
            ok = close(got["score"], score, tol) and arr is not None and len(arr) == len(per) \
                and all(close(g, w, tol) for g, w in zip(arr, per))
            checked += 1
            if not ok:
                bad += 1
                print(f"MISMATCH {name} sample {s['index']} ({s['video']}): got {got['score']!r} "
                      f"{arr!r}, want {score!r} {list(per)!r}", file=sys.stderr)
            else:
                err = max([abs(got["score"] - score) / max(abs(score), 1e-300)] +
                          [abs(g - w) / max(abs(w), 1e-300) for g, w in zip(arr, per)])
                print(f"ok {name} sample {s['index']}: {got['score']:.10g} "
                      f"({len(per)} values, max rel err {err:.1e})")
    if checked == 0:
        print("nothing was checked", file=sys.stderr)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
