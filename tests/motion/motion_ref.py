# SPDX-License-Identifier: Apache-2.0
"""Independent vbench.dynamic_degree and vbench.motion_smoothness: upstream's
pipeline in torch/NumPy (fastvideo.eval, metrics-b.md §5 and §8) on frames
the ffmpeg program decodes, with the same TorchScript models.

usage: motion_ref.py FFMPEG METRIC MODEL_DIR RESULTS.json [key=value...] -- CLIP...
  METRIC: dynamic_degree | motion_smoothness; options: fps=F (dynamic_degree),
  scale=S (motion_smoothness), chunk=N.
Checks every sample's score (and per-pair values) against fveval's results."""
import json
import math
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

def decode(path, ffmpeg="ffmpeg"):
    probe = subprocess.run([os.environ.get("FFPROBE_CLI") or "ffprobe", "-v", "error", "-select_streams", "v:0",
                            "-show_entries", "stream=width,height,r_frame_rate", "-of", "csv=p=0", path],
                           check=True, capture_output=True, text=True).stdout.strip().split(",")
    w, h = int(probe[0]), int(probe[1])
    num, den = probe[2].split("/")
    raw = subprocess.run([ffmpeg, "-v", "error", "-i", path, "-sws_flags",
                          "bicubic+accurate_rnd+full_chroma_int", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    # fastvideo.eval's tensor: (T, C, H, W) float32 in [0, 1]
    return torch.from_numpy(frames.copy()).permute(0, 3, 1, 2).float() / 255.0, int(num) / int(den)


def pad_sintel(x, d):
    h, w = x.shape[-2:]
    ph = (((h // d) + 1) * d - h) % d
    pw = (((w // d) + 1) * d - w) % d
    p = [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2]
    return F.pad(x, p, mode="replicate"), p


def dynamic_degree(video, fps, model, chunk):
    t, _, h, w = video.shape
    interval = max(1, round(fps / 8.0))
    frames = [video[i] * 255.0 for i in range(0, t, interval)]
    n = len(frames)
    mags = []
    for s in range(0, n - 1, chunk):
        e = min(s + chunk, n - 1)
        a, _ = pad_sintel(torch.stack(frames[s:e]), 8)
        b, _ = pad_sintel(torch.stack(frames[s + 1:e + 1]), 8)
        with torch.no_grad():
            _, flow = model(a, b, iters=20, test_mode=True)
        for f in flow:
            u, v = f[0], f[1]
            rad = torch.sqrt(u ** 2 + v ** 2).flatten()
            cut = max(1, int(rad.numel() * 0.05))
            mags.append(float(torch.topk(rad, cut).values.mean()))
    thres = 6.0 * (min(h, w) / 256.0)
    count_needed = round(4 * (n / 16.0))
    count = sum(m > thres for m in mags)
    return (1.0 if count >= count_needed else 0.0), mags


def motion_smoothness(video, model, scale, chunk):
    frames = (video * 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()  # (T, H, W, 3) uint8
    even = frames[0::2]
    if len(even) <= 1:
        return 1.0, None
    inputs = [torch.tensor(f).permute(2, 0, 1)[None] / 255.0 for f in even]
    d = int(16 / scale)
    h, w = frames.shape[1:3]
    diffs = []
    pairs = list(range(len(even) - 1))
    for s in range(0, len(pairs), chunk):
        idx = pairs[s:s + chunk]
        a, p = pad_sintel(torch.cat([inputs[i] for i in idx]), d)
        b, _ = pad_sintel(torch.cat([inputs[i + 1] for i in idx]), d)
        embt = torch.full((len(idx), 1, 1, 1), 0.5)
        with torch.no_grad():
            pred = model(a, b, embt, scale_factor=scale)
        pred = pred[:, :, p[2]:p[2] + h, p[0]:p[0] + w]
        for k, i in enumerate(idx):
            img = (pred[k] * 255.).permute(1, 2, 0).numpy().clip(0, 255).astype(np.uint8)
            gt = frames[2 * i + 1]
            diffs.append(np.mean(np.abs(gt.astype(np.int16) - img.astype(np.int16))))
    vfi = float(np.mean(diffs))
    return (255.0 - vfi) / 255.0, vfi


def main():
    ffmpeg, metric, model_dir, results = sys.argv[1:5]
    rest = sys.argv[5:]
    sep = rest.index("--")
    opts = dict(a.split("=", 1) for a in rest[:sep])
    clips = rest[sep + 1:]
    res = json.load(open(results))
    by_video = {os.path.basename(s["video"]): s for s in res["samples"]}
    chunk = int(opts.get("chunk", 16 if metric == "dynamic_degree" else 8))
    name = "vbench." + metric
    model = torch.jit.load(os.path.join(model_dir, "raft_things.pt" if metric == "dynamic_degree" else "amt_s.pt"))
    bad = 0
    for clip in clips:
        video, rate = decode(clip, ffmpeg)
        r = by_video[os.path.basename(clip)]["results"][name]
        if metric == "dynamic_degree":
            fps = float(opts.get("fps", rate))
            score, mags = dynamic_degree(video, fps, model, chunk)
            got = r["details"]["per_pair_magnitude"]
            ok = r["score"] == score and len(got) == len(mags) and \
                all(abs(a - b) <= 1e-5 * max(1.0, abs(b)) for a, b in zip(got, mags))
            print(f"{clip}: fveval {r['score']} {np.round(got, 5).tolist()} / reference {score} "
                  f"{np.round(mags, 5).tolist()}")
        else:
            scale = float(opts.get("scale", 1.0))
            score, vfi = motion_smoothness(video, model, scale, chunk)
            ok = abs(r["score"] - score) <= 1e-5 * abs(score)
            print(f"{clip}: fveval {r['score']!r} / reference {score!r} (vfi {vfi})")
        if not ok:
            print(f"MISMATCH {clip}", file=sys.stderr)
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
