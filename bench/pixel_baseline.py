#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Python baseline for bench/pixel.sh: what fastvideo.eval does for common.psnr,
common.ssim and vbench.temporal_flickering, on the CPU.

Usage: pixel_baseline.py LIST   (LIST: lines "GENERATED REFERENCE")

Frames come from an ffmpeg pipe (rgb24, the core's swscale flags) and become
float32 (T, C, H, W) / 255 as fastvideo.eval's loader makes them; PSNR and the
flicker are upstream's numpy/torch-equivalent float32 maths.  SSIM is
upstream's formula with its float32 Gaussian applied as two zero-padded 1-D
passes by scipy.ndimage: torch 1.13's CPU depthwise conv2d (upstream's
literal op) runs at about 4-9 s per 832x480 frame here, an order of magnitude
slower still, so this baseline is the fast end of a faithful Python port.
"""
import subprocess
import sys

import numpy as np
import scipy.ndimage as nd

SWS = "bicubic+accurate_rnd+full_chroma_int"


def decode(path):
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "csv=p=0", path],
                           capture_output=True, check=True, text=True).stdout
    w, h = (int(x) for x in probe.strip().split(",")[:2])
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", path, "-sws_flags", SWS,
                          "-pix_fmt", "rgb24", "-f", "rawvideo", "-"],
                         capture_output=True, check=True).stdout
    u8 = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    return u8.transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255.0)


def psnr(x, y):
    mse = ((x - y) ** 2).mean(axis=(1, 2, 3))
    return 10 * np.log10(1.0 / np.maximum(mse, 1e-10))


G = None


def ssim(x, y, ws=11):
    global G
    if G is None:
        c = (np.arange(ws) - ws // 2).astype(np.float32)
        g = np.exp(-(c * c) / np.float32(4.5)).astype(np.float32)
        G = g / g.sum()

    def f(z):
        return nd.correlate1d(nd.correlate1d(z, G, axis=-1, mode="constant"), G, axis=-2,
                              mode="constant")
    out = []
    for t in range(len(x)):
        a, b = x[t], y[t]
        mx, my = f(a), f(b)
        sxx = f(a * a) - mx * mx
        syy = f(b * b) - my * my
        sxy = f(a * b) - mx * my
        m = ((2 * mx * my + 1e-4) * (2 * sxy + 9e-4)) / ((mx * mx + my * my + 1e-4) * (sxx + syy + 9e-4))
        out.append(float(m.mean()))
    return np.array(out)


def flicker(x):
    frames = (x * 255.0).astype(np.uint8).transpose(0, 2, 3, 1).astype(np.float32)
    if len(frames) <= 1:
        return 1.0
    mae = [float(np.mean(np.abs(frames[t] - frames[t + 1]))) for t in range(len(frames) - 1)]
    return (255.0 - float(np.mean(mae))) / 255.0


def main():
    for line in open(sys.argv[1]):
        gen, ref = line.split()
        x, y = decode(gen), decode(ref)
        n = min(len(x), len(y))
        p = psnr(x[:n], y[:n]).mean()
        s = ssim(x[:n], y[:n]).mean()
        f = flicker(x)
        print(f"{gen}: psnr {p:.6f} ssim {s:.8f} flicker {f:.8f}")


if __name__ == "__main__":
    main()
