#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Python + PyTorch baseline for bench/cuda.sh: fastvideo.eval's common.psnr,
common.ssim and vbench.temporal_flickering as torch code on a device.

Usage: cuda_baseline.py DEVICE LIST   (DEVICE: cuda:N or cpu; LIST: lines "GENERATED REFERENCE")

Frames come from an ffmpeg pipe (rgb24, the core's swscale flags), go to the device
as uint8 once and become float32 (T, C, H, W) / 255 there, as fastvideo.eval's
loader makes them; PSNR is the mean squared error in float32, SSIM upstream's
depthwise conv2d with the 11x11 Gaussian window (zero padding), the flicker the
mean absolute difference of the uint8 frames.  Prints one line per pair.
"""
import subprocess
import sys

import torch
import torch.nn.functional as F

SWS = "bicubic+accurate_rnd+full_chroma_int"


def decode(path, device):
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "csv=p=0", path],
                           capture_output=True, check=True, text=True).stdout
    w, h = (int(x) for x in probe.strip().split(",")[:2])
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", path, "-sws_flags", SWS,
                          "-pix_fmt", "rgb24", "-f", "rawvideo", "-"],
                         capture_output=True, check=True).stdout
    u8 = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(-1, h, w, 3).to(device)
    return u8.permute(0, 3, 1, 2).float() / 255.0


def window(ws, device):
    c = torch.arange(ws, dtype=torch.float32) - ws // 2
    g = torch.exp(-(c * c) / 4.5)
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(3, 1, ws, ws).contiguous().to(device)


def ssim(x, y, w):
    pad = w.shape[-1] // 2
    f = lambda z: F.conv2d(z, w, padding=pad, groups=3)  # noqa: E731
    mx, my = f(x), f(y)
    sxx, syy, sxy = f(x * x) - mx * mx, f(y * y) - my * my, f(x * y) - mx * my
    m = ((2 * mx * my + 1e-4) * (2 * sxy + 9e-4)) / ((mx * mx + my * my + 1e-4) * (sxx + syy + 9e-4))
    return m.mean(dim=(1, 2, 3))


def main():
    device = torch.device(sys.argv[1])
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("cuda_baseline.py: this PyTorch has no CUDA device (torch %s)" % torch.__version__)
    w = window(11, device)
    with torch.no_grad():
        for line in open(sys.argv[2]):
            gen, ref = line.split()
            x, y = decode(gen, device), decode(ref, device)
            n = min(len(x), len(y))
            mse = ((x[:n] - y[:n]) ** 2).mean(dim=(1, 2, 3))
            p = (10 * torch.log10(1.0 / mse.clamp(min=1e-10))).mean().item()
            s = torch.cat([ssim(x[i:i + 8], y[i:i + 8], w) for i in range(0, n, 8)]).mean().item()
            u8 = (x * 255.0).to(torch.uint8).float()
            f = 1.0 if len(u8) <= 1 else (255.0 - (u8[1:] - u8[:-1]).abs().mean().item()) / 255.0
            print(f"{gen}: psnr {p:.6f} ssim {s:.8f} flicker {f:.8f}")


if __name__ == "__main__":
    main()
