#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Independent reference for vbench.overall_consistency / temporal_style (ViCLIP) and
# vbench.human_action (UMT): frames decoded by the ffmpeg program, upstream's
# preprocessing written with torch / torchvision / OpenCV / NumPy, the TorchScript
# stand-ins of make_models.py, then each mode's maths; compares every sample of an
# fveval results file (score and details) and prints the largest relative difference.
# Usage: reference.py FFMPEG MODELS BPE LABELS RESULTS.json METRIC MODE [RESULTS.json METRIC MODE]...
# (one process for every run: loading torch once keeps the test fast)
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "text"))
from clip_tokenizer_ref import Tokenizer  # noqa: E402

CLIP_MEAN, CLIP_STD = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)
IN_MEAN, IN_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def decode(ffmpeg, path):
    """uint8 (T, H, W, 3) as the SDK README says the core decodes."""
    ffprobe = os.environ.get("FFPROBE_CLI") or "ffprobe"
    wh = subprocess.run([ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries",
                         "stream=width,height", "-of", "csv=p=0", path],
                        capture_output=True, text=True, check=True).stdout
    w, h = map(int, wh.strip().split(","))
    raw = subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-i", path, "-sws_flags",
                          "bicubic+accurate_rnd+full_chroma_int", "-pix_fmt", "rgb24", "-f",
                          "rawvideo", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def vbench_middle(vlen, num):
    """VBench utils.get_frame_indices(sample='middle')."""
    acc = min(num, vlen)
    intervals = np.linspace(start=0, stop=vlen, num=acc + 1).astype(int)
    idx = [(intervals[i] + intervals[i + 1] - 1) // 2 for i in range(acc)]
    return idx + [idx[-1]] * (num - len(idx))


def extract_frames(t, n):
    """FastVideo extract_frames: all frames when n >= T, else torch.linspace(...).long()."""
    if n >= t:
        return list(range(t))
    return torch.linspace(0, t - 1, n).long().tolist()


def short_side(w, h, size):
    if w < h:
        return size, int(size * h / w)
    return int(size * w / h), size


def viclip_input(frames, mode):
    n = frames.shape[0]
    idx = vbench_middle(n, 8) if mode == "vbench" else extract_frames(n, 8)
    if len(idx) < 8:
        return idx, None
    x = torch.from_numpy(frames[idx].copy()).permute(0, 3, 1, 2).float()
    h, w = x.shape[2], x.shape[3]
    ow, oh = short_side(w, h, 224)
    if mode == "vbench":   # clip_transform: [0, 255] floats, antialias=False, crop, / 255
        x = F.interpolate(x, size=(oh, ow), mode="bicubic", align_corners=False, antialias=False)
        x = TF.center_crop(x, [224, 224]) / 255.0
    else:                  # FastVideo: [0, 1] floats, antialiased bicubic, crop
        x = F.interpolate(x / 255.0, size=(oh, ow), mode="bicubic", align_corners=False, antialias=True)
        x = TF.center_crop(x, [224, 224])
    x = TF.normalize(x, CLIP_MEAN, CLIP_STD)
    return idx, x.unsqueeze(0)


def umt_input(frames, mode):
    n = frames.shape[0]
    idx = vbench_middle(n, 16) if mode == "vbench" else extract_frames(n, 16)
    if len(idx) < 16:
        return idx, None
    h, w = frames.shape[1], frames.shape[2]
    ow, oh = short_side(w, h, 256)
    if mode == "vbench":   # UMT: cv2 resize on uint8, crop round((W-224)/2), ClipToTensor (float64 / 255)
        clip = [cv2.resize(f, (ow, oh), interpolation=cv2.INTER_LINEAR) for f in frames[idx]]
        y0, x0 = int(round((oh - 224) / 2.0)), int(round((ow - 224) / 2.0))
        clip = np.stack([c[y0:y0 + 224, x0:x0 + 224] for c in clip]).astype(float) / 255.0
        x = torch.from_numpy(clip).float().permute(3, 0, 1, 2)            # C, T, H, W
        x = TF.normalize(x.permute(1, 0, 2, 3), IN_MEAN, IN_STD).permute(1, 0, 2, 3)
    else:
        x = torch.from_numpy(frames[idx].copy()).permute(0, 3, 1, 2).float() / 255.0
        x = F.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=False, antialias=True)
        x = TF.normalize(TF.center_crop(x, [224, 224]), IN_MEAN, IN_STD).permute(1, 0, 2, 3)
    return idx, x.unsqueeze(0)


def gt_from_name(path):
    return path.split("/")[-1].lower().split("-")[0].split("person is ")[-1].split("_")[0]


def check(ffmpeg, tok, viclip, umt, cats, results, metric, mode, frames_of):
    doc = json.load(open(results))
    worst, checked, skipped = 0.0, 0, 0
    for s in doc["samples"]:
        r = s["results"].get(metric)
        if r is None:
            continue
        if s["video"] not in frames_of:
            frames_of[s["video"]] = decode(ffmpeg, s["video"])
        frames = frames_of[s["video"]]
        if metric == "vbench.human_action":
            idx, x = umt_input(frames, mode)
        else:
            idx, x = viclip_input(frames, mode)
        if x is None:
            assert r["score"] is None and "does not pad" in r["skipped"], (s["video"], r)
            skipped += 1
            continue
        assert r["details"]["frames"] == idx, (s["video"], idx, r["details"]["frames"])
        with torch.no_grad():
            if metric == "vbench.human_action":
                p = torch.sigmoid(umt(x))
                vals, ind = torch.topk(p, 5, dim=1)
                vals, ind = vals.squeeze().tolist(), ind.squeeze().tolist()
                if mode == "vbench":
                    vals = [round(v, 4) for v in vals]
                    gt = gt_from_name(s["video"])
                else:
                    gt = s["text_prompt"].lower().strip()
                preds = [cats[str(ind[i])] for i in range(5) if vals[i] >= 0.85]
                want = 1.0 if gt in preds else 0.0
                d = r["details"]
                assert d["predictions"] == preds and d["ground_truth"] == gt, (s["video"], preds, gt, d)
                assert d["top5_indices"] == ind, (s["video"], ind, d)
                for a, b in zip(vals, d["top5_scores"]):
                    worst = max(worst, abs(a - b) / max(abs(a), 1e-12))
                assert r["score"] == want, (s["video"], want, r)
            else:
                v = viclip.encode_vision(x).float()
                v = v / v.norm(dim=-1, keepdim=True)
                ids = torch.tensor([tok.tokenize(s["text_prompt"], 32, True)], dtype=torch.int64)
                t = viclip.encode_text(ids).float()
                t = t / t.norm(dim=-1, keepdim=True)
                want = float((v @ t.T)[0][0])
                worst = max(worst, abs(want - r["score"]) / max(abs(want), 1e-12))
        checked += 1
    print("%s mode=%s: %d samples checked, %d skipped, max relative difference %.3g"
          % (metric, mode, checked, skipped, worst))
    assert checked > 0
    assert worst <= 1e-5, worst


def main():
    ffmpeg, models, bpe, labels = sys.argv[1:5]
    tok = Tokenizer(bpe)
    viclip = torch.jit.load(os.path.join(models, "viclip_l14_internvid_10m_flt.pt"))
    umt = torch.jit.load(os.path.join(models, "umt_l16_k400.pt"))
    cats = {}
    for line in open(labels):
        cat, number = line.strip().split("\t")
        cats[number] = cat.lower()
    frames_of = {}
    runs = sys.argv[5:]
    for k in range(0, len(runs), 3):
        check(ffmpeg, tok, viclip, umt, cats, runs[k], runs[k + 1], runs[k + 2], frames_of)


if __name__ == "__main__":
    main()
