# SPDX-License-Identifier: Apache-2.0
"""Independent FVD: upstream's preprocessing in torch on ffmpeg-decoded frames,
the stand-in extractor, then scipy's sqrtm formula.

usage: fvd_ref.py FFMPEG EXTRACTOR MODEL_DIR GEN_DIR REF_DIR RESULTS.json [CACHE.npy]
Checks the score (and the cached reference features, when given)."""
import glob
import json
import os
import subprocess
import sys

import numpy as np
import scipy.linalg
import torch
import torch.nn.functional as F

ffmpeg, extractor, model_dir, gen_dir, ref_dir, results = sys.argv[1:7]
cache = sys.argv[7] if len(sys.argv) > 7 else None
FILES = {"i3d": "i3d_torchscript.pt", "clip": "clip_vit_b32_image.pt", "videomae": "videomae_base.pt"}
model = torch.jit.load(f"{model_dir}/{FILES[extractor]}")


def decode(path):
    probe = subprocess.run([os.environ.get("FFPROBE_CLI") or "ffprobe", "-v", "error", "-select_streams", "v:0",
                            "-show_entries", "stream=width,height", "-of", "csv=p=0", path],
                           check=True, capture_output=True, text=True).stdout.split(",")
    w, h = int(probe[0]), int(probe[1])
    raw = subprocess.run([ffmpeg, "-v", "error", "-i", path, "-sws_flags",
                          "bicubic+accurate_rnd+full_chroma_int", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def features(frames):
    video = torch.from_numpy(frames.copy()).permute(0, 3, 1, 2).float() / 255.0  # (T, C, H, W) in [0, 1]
    t = video.shape[0]
    with torch.no_grad():
        if extractor == "i3d":
            v = video * 2.0 - 1.0
            if v.shape[-2:] != (224, 224):
                v = F.interpolate(v, size=(224, 224), mode="bilinear", align_corners=False)
            return model(v.unsqueeze(0).permute(0, 2, 1, 3, 4), rescale=False, resize=False,
                         return_features=True)[0].numpy()
        if extractor == "videomae":
            idx = [int(np.floor(k * (t - 1) / 15.0 + 0.5)) for k in range(16)]
            v = video[idx]
            if v.shape[-2:] != (224, 224):
                v = F.interpolate(v, size=(224, 224), mode="bilinear", align_corners=False)
            mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
            std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
            v = (v - mean) / std
            return model(v.unsqueeze(0))[0].mean(0).numpy()
        # clip: CLIPImageProcessor (PIL bicubic shortest edge 224, centre crop, rescale, normalise)
        from PIL import Image
        u8 = (video.clamp(0, 1) * 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
        out = []
        for f in u8:
            h, w = f.shape[:2]
            short, long = (w, h) if w <= h else (h, w)
            new_long = int(224 * long / short)
            size = (224, new_long) if w <= h else (new_long, 224)
            img = np.array(Image.fromarray(f).resize(size, resample=Image.BICUBIC))
            top, left = (img.shape[0] - 224) // 2, (img.shape[1] - 224) // 2
            img = img[top:top + 224, left:left + 224]
            x = (img.astype(np.float64) * (1 / 255)).astype(np.float32)
            x = (x - np.array([0.48145466, 0.4578275, 0.40821073], np.float32)) / \
                np.array([0.26862954, 0.26130258, 0.27577711], np.float32)
            out.append(x.transpose(2, 0, 1))
        return model(torch.from_numpy(np.stack(out))).mean(0).numpy()


def feats(d):
    return np.stack([features(decode(p)) for p in sorted(glob.glob(d + "/*.mp4"))]).astype(np.float32)


def fd(a, b, eps=1e-6):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1 = np.atleast_2d(np.cov(a, rowvar=False)) + eps * np.eye(a.shape[1])
    s2 = np.atleast_2d(np.cov(b, rowvar=False)) + eps * np.eye(a.shape[1])
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


gen, ref = feats(gen_dir), feats(ref_dir)
corpus = json.load(open(results))["corpus"]["common.fvd"]
got = corpus["score"]
want = fd(gen, ref)
print(f"fveval {got!r}  reference {want!r}  n={len(gen)}/{len(ref)} dim={gen.shape[1]}")
assert corpus["details"]["n_generated"] == len(gen) and corpus["details"]["n_reference"] == len(ref), corpus
assert corpus["details"]["extractor"] == extractor, corpus
if cache:
    # Rows come in worker order, not input order: match each to its nearest.
    cached = np.load(cache)
    err = max(np.abs(ref - row).max(axis=1).min() for row in cached) / max(1.0, np.abs(ref).max())
    print(f"cached reference features: max relative difference {err:.3g}")
    assert cached.shape == ref.shape and err < 2e-5, (cached.shape, ref.shape, err)
assert abs(got - want) <= 1e-3 * max(1.0, abs(want)), (got, want)
print("ok")
