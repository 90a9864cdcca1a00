# SPDX-License-Identifier: Apache-2.0
"""Independent scores for the image-feature metrics: ffmpeg-decoded frames, upstream's
preprocessing in torch/torchvision, the same stand-in modules, upstream's post-processing.

usage: ref.py FFMPEG MODEL_DIR VOCAB RESULTS.json METRIC...
For every sample of RESULTS.json with a score for METRIC, recomputes it (and per-frame
values) and checks |fveval - torch| <= 1e-5 relative; prints the largest difference.
bench/vbimg_baseline.py imports it: FNS[metric](sample) -> (score, per-frame values)."""
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from torchvision.transforms import InterpolationMode

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "text"))
from clip_tokenizer_ref import Tokenizer  # noqa: E402  (independent of plugins/_text)

ffmpeg, model_dir, vocab = "ffmpeg", ".", None
CLIP_MEAN, CLIP_STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
_models = {}


def model(name):
    if name not in _models:
        _models[name] = torch.jit.load(os.path.join(model_dir, name))
    return _models[name]


def decode(path):
    probe = subprocess.run([os.environ.get("FFPROBE_CLI") or "ffprobe", "-v", "error", "-select_streams", "v:0",
                            "-show_entries", "stream=width,height", "-of", "csv=p=0", path],
                           check=True, capture_output=True, text=True).stdout.split(",")
    w, h = int(probe[0]), int(probe[1])
    raw = subprocess.run([ffmpeg, "-v", "error", "-i", path, "-sws_flags",
                          "bicubic+accurate_rnd+full_chroma_int", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    return torch.from_numpy(frames.copy()).permute(0, 3, 1, 2).float() / 255.0  # (T, C, H, W) in [0, 1]


def clip_transform(v):
    v = TF.resize(v, 224, interpolation=InterpolationMode.BICUBIC, antialias=False)
    v = TF.center_crop(v, 224)
    return TF.normalize(v, CLIP_MEAN, CLIP_STD)


def chunked(fn, v, n):
    return torch.cat([fn(v[i:i + n]) for i in range(0, v.shape[0], n)])


def consistency_score(f):
    if f.shape[0] <= 1:
        return 1.0
    total = 0.0
    for t in range(1, f.shape[0]):
        sim_prev = max(0.0, F.cosine_similarity(f[t - 1:t], f[t:t + 1]).item())
        sim_first = max(0.0, F.cosine_similarity(f[0:1], f[t:t + 1]).item())
        total += (sim_prev + sim_first) / 2
    return total / (f.shape[0] - 1)


def subject(sample, opts=None):
    v = TF.resize(decode(sample["video"]), 224, interpolation=InterpolationMode.BILINEAR, antialias=False)
    v = TF.normalize(v, IMAGENET_MEAN, IMAGENET_STD)
    f = F.normalize(chunked(model("dino_vitb16.pt"), v, 64), dim=-1, p=2)
    return consistency_score(f), None


def background(sample, opts=None):
    f = chunked(model("clip_vit_b32.pt").encode_image, clip_transform(decode(sample["video"])), 64)
    return consistency_score(F.normalize(f, dim=-1, p=2)), None


def aesthetic(sample, opts=None):
    f = chunked(model("clip_vit_l14.pt").encode_image, clip_transform(decode(sample["video"])), 32).float()
    f = f / f.norm(dim=-1, keepdim=True)
    s = model("laion_aesthetic_vit_l14.pt")(f).squeeze(-1) / 10
    return s.mean().item(), s.tolist()


_tok = []


def style(sample, opts=None):
    if not _tok:
        _tok.append(Tokenizer(vocab))
    m = model("clip_vit_b32.pt")
    img = chunked(m.encode_image, clip_transform(decode(sample["video"])), 64)
    img = img / img.norm(dim=-1, keepdim=True)
    aux = sample.get("auxiliary_info")
    use_aux = isinstance(aux, dict) and "appearance_style" in aux and os.environ.get("TEXT_SOURCE") != "text_prompt"
    text = aux["appearance_style"] if use_aux else sample["text_prompt"]
    ids = torch.tensor([_tok[0].tokenize(text, 77, 1)], dtype=torch.int64)
    txt = m.encode_text(ids)
    txt = txt / txt.norm(dim=-1, keepdim=True)
    cos = (img @ txt.t()).squeeze(-1)
    return cos.mean().item(), cos.tolist()


def imaging(sample, opts=None):
    v = decode(sample["video"])
    h, w = v.shape[-2:]
    if max(h, w) > 512:
        s = 512.0 / max(h, w)
        v = TF.resize(v, [int(h * s), int(w * s)], interpolation=InterpolationMode.BILINEAR, antialias=False)
    q = chunked(model("musiq_spaq.pt"), v, 32).reshape(-1)
    return q.mean().item() / 100, q.tolist()


def lpips(sample, opts=None):
    a, b = decode(sample["video"]), decode(sample["reference"])
    n = min(a.shape[0], b.shape[0])
    a, b = a[:n] * 2 - 1, b[:n] * 2 - 1
    m = model("lpips_alex.pt")
    d = torch.cat([m(a[i:i + 8], b[i:i + 8]).reshape(-1) for i in range(0, n, 8)])
    return d.mean().item(), d.tolist()


FNS = {"vbench.subject_consistency": subject, "vbench.background_consistency": background,
       "vbench.aesthetic_quality": aesthetic, "vbench.appearance_style": style,
       "vbench.imaging_quality": imaging, "common.lpips": lpips}
DETAIL = {"vbench.aesthetic_quality": "per_frame", "vbench.appearance_style": "per_frame",
          "vbench.imaging_quality": "per_frame_raw", "common.lpips": "per_frame"}


def main():
    global ffmpeg, model_dir, vocab
    ffmpeg, model_dir, vocab, results = sys.argv[1:5]
    metrics = sys.argv[5:]
    res = json.load(open(results))
    worst, checked, bad = 0.0, 0, 0
    with torch.no_grad():
        for s in res["samples"]:
            for name in metrics:
                r = s["results"].get(name)
                if not r or r.get("score") is None:
                    continue
                row = dict(s)
                if "auxiliary_info" in s and isinstance(s["auxiliary_info"], str):
                    row["auxiliary_info"] = json.loads(s["auxiliary_info"])
                want, per = FNS[name](row, None)
                pairs = [(r["score"], want)]
                if per is not None:
                    got = r["details"][DETAIL[name]]
                    if len(got) != len(per):
                        print(f"{name} {s['video']}: {len(got)} per-frame values, torch has {len(per)}")
                        bad += 1
                        continue
                    pairs += list(zip(got, per))
                for g, w in pairs:
                    rel = abs(g - w) / max(abs(w), 1e-12)
                    worst = max(worst, rel)
                    if rel > 1e-5:
                        bad += 1
                        print(f"{name} {s['video']}: fveval {g!r} torch {w!r} (relative {rel:.3g})")
                checked += 1
    print(f"{checked} scores checked, largest relative difference {worst:.3g}")
    sys.exit(1 if bad or not checked else 0)


if __name__ == "__main__":
    main()
