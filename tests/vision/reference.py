# SPDX-License-Identifier: Apache-2.0
"""plugins/_vision against torch / torchvision / OpenCV / NumPy, in one process.

usage: reference.py TOOL WORKDIR [LTX2_MP4]

TOOL is tests/unit/test_vision.  Frames come from the ffmpeg CLI as RGB24
(-sws_flags bicubic+accurate_rnd+full_chroma_int, as the other tests decode):
noisy testsrc2 clips of odd, square and tall sizes, and ltx2.mp4 when given.
Every case prints its maximum absolute difference; exit 1 if any exceeds the
tolerance: 1e-6 on the [0, 1] scale for float outputs (2.5e-6 for bicubic) (normalised outputs are
compared times std, i.e. before the division), equal bytes for cv2.resize.
"""
import os
import re
import subprocess
import sys

import numpy as np
import cv2
import torch
import torchvision.transforms.functional as TF
from torchvision.transforms import InterpolationMode

TOOL, WORK = sys.argv[1], sys.argv[2]
LTX = sys.argv[3] if len(sys.argv) > 3 else None
FFMPEG = os.environ.get("FFMPEG_CLI") or "ffmpeg"
SWS = ["-sws_flags", "bicubic+accurate_rnd+full_chroma_int", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"]
TOL = 1e-6
# Bicubic is not yet bit-exact with torch's weights: measured max 2.1e-6 (plugins/_vision/README.md).
TOL_BICUBIC = 2.5e-6
CLIP = ((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711))
IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
torch.set_num_threads(1)
failures = 0


def report(name, err, ok):
    global failures
    print(f"{'ok' if ok else 'FAIL'}: {name}: max |diff| {err:.3g}")
    failures += not ok


def decode(args, w, h):
    raw = subprocess.run([FFMPEG, "-v", "error", *args, *SWS], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def tool(*args):
    return subprocess.run([TOOL, *map(str, args)], check=True, capture_output=True, text=True).stdout


def clip_input(name, frames):
    path = os.path.join(WORK, name + ".rgb")
    frames.tofile(path)
    return path


def c_transform(path, frames, *keys):
    n, h, w, _ = frames.shape
    out = os.path.join(WORK, "out.f32")
    ow, oh = map(int, tool("transform", path, w, h, n, out, *keys).split())
    return torch.from_numpy(np.fromfile(out, np.float32).reshape(n, 3, oh, ow))


inputs = {}
for w, h in ((97, 61), (64, 64), (31, 200), (301, 17)):
    # testsrc2 makes even sizes only: crop the RGB frames to the odd ones.
    src = f"testsrc2=size={w + w % 2}x{h + h % 2}:rate=10,format=rgb24,crop={w}:{h}:0:0,noise=alls=60:allf=t"
    inputs[f"testsrc2 {w}x{h}"] = decode(["-f", "lavfi", "-i", src, "-frames:v", "2"], w, h)
if LTX:
    probe = subprocess.run([FFMPEG, "-v", "error", "-i", LTX, "-frames:v", "1", *SWS],
                           check=True, capture_output=True).stdout
    info = subprocess.run([os.environ.get("FFPROBE_CLI") or "ffprobe", "-v", "error", "-select_streams", "v:0",
                           "-show_entries", "stream=width,height", "-of", "csv=p=0", LTX],
                          check=True, capture_output=True, text=True).stdout.split(",")
    lw, lh = int(info[0]), int(info[1])
    inputs["ltx2.mp4"] = decode(["-i", LTX, "-frames:v", "2"], lw, lh)

MODES = {"bilinear": InterpolationMode.BILINEAR, "bicubic": InterpolationMode.BICUBIC}

# ---- resize: torchvision resize (int size, explicit (h, w)), both modes, antialias on/off ----
for name, frames in inputs.items():
    path = clip_input("in", frames)
    n, h, w, _ = frames.shape
    x01 = torch.from_numpy(frames.copy()).permute(0, 3, 1, 2).contiguous().float() / 255
    sizes = [("short 224", 224, ["short=224"]), ("short 23", 23, ["short=23"]),
             ("224x224", [224, 224], ["size=224x224"]), ("40x23", [40, 23], ["size=40x23"]),
             (f"{h * 2 + 1}x{max(1, w // 3)}", [h * 2 + 1, max(1, w // 3)], [f"size={h * 2 + 1}x{max(1, w // 3)}"])]
    for mode in MODES:
        for aa in (0, 1):
            for label, size, keys in sizes:
                want = TF.resize(x01, size, interpolation=MODES[mode], antialias=bool(aa))
                got = c_transform(path, frames, "div=255", f"interp={mode}", f"aa={aa}", *keys)
                err = (got - want).abs().max().item() if got.shape == want.shape else float("inf")
                tol = TOL_BICUBIC if mode == "bicubic" else TOL
                report(f"{name} resize {label} {mode} antialias={bool(aa)} {tuple(want.shape[2:])}",
                       err, err <= tol)
    # The chains the metrics use, on [0, 255] floats like VBench, compared on the [0, 1] scale.
    x255 = torch.from_numpy(frames.copy()).permute(0, 3, 1, 2).contiguous().float()
    mean, std = CLIP
    want = TF.normalize(TF.center_crop(TF.resize(x255, 224, InterpolationMode.BICUBIC, antialias=False), 224) / 255,
                        mean, std)
    got = c_transform(path, frames, "short=224", "interp=bicubic", "crop=224x224", "post=255", "norm=clip")
    s = torch.tensor(std).view(1, 3, 1, 1)
    err = ((got - want) * s).abs().max().item()
    report(f"{name} CLIP chain [0,255] bicubic 224, crop 224, /255, CLIP norm", err, err <= TOL_BICUBIC)
    mean, std = IMAGENET
    want = TF.normalize(TF.center_crop(TF.resize(x01, 256, InterpolationMode.BILINEAR, antialias=True), 224),
                        mean, std)
    got = c_transform(path, frames, "div=255", "short=256", "aa=1", "crop=224x224", "norm=imagenet")
    err = ((got - want) * torch.tensor(std).view(1, 3, 1, 1)).abs().max().item()
    report(f"{name} [0,1] bilinear antialias 256, crop 224, ImageNet norm", err, err <= TOL)
    # uint8 -> float CHW exactly x / 255.
    got = c_transform(path, frames, "div=255")
    err = (got - x01).abs().max().item()
    report(f"{name} uint8 -> CHW / 255", err, err == 0)

# ---- cv2.resize INTER_LINEAR on uint8 RGB: equal bytes ----
for name, frames in inputs.items():
    path = clip_input("in", frames)
    n, h, w, _ = frames.shape
    sw, sh = (256, int(256 * h / w)) if w <= h else (int(256 * w / h), 256)  # UMT Resize(256)
    for ow, oh in ((sw, sh), (w // 2, h // 2), (w * 2 + 3, h + 1), (7, 5), (2, 3), (w, max(1, h // 3)), (w, h)):
        out = os.path.join(WORK, "out.rgb")
        tool("cv2", path, w, h, n, out, ow, oh)
        got = np.fromfile(out, np.uint8).reshape(n, oh, ow, 3)
        want = np.stack([cv2.resize(f, (ow, oh), interpolation=cv2.INTER_LINEAR) for f in frames])
        diff = np.abs(got.astype(int) - want.astype(int))
        report(f"{name} cv2.resize INTER_LINEAR -> {ow}x{oh} ({int((diff > 0).sum())} bytes differ)",
               float(diff.max()), diff.max() == 0)

# ---- frame samplers on many (T, n) ----
ver = tuple(int(v) for v in re.findall(r"\d+", torch.__version__)[:2])
cap = re.search(r"CPU capability usage: (\w+)", torch.__config__.show())
cap = cap.group(1) if cap else ""
# torch < 2.1 vectorised runs of 2 * lanes elements (8 floats on AVX2, 16 on AVX-512).
lanes = 0 if ver >= (2, 1) else {"AVX2": 8, "AVX512": 16}.get(cap)


def vbench_middle(num, vlen):
    acc = min(num, vlen)
    intervals = np.linspace(start=0, stop=vlen, num=acc + 1).astype(int)
    idx = [(intervals[i] + intervals[i + 1] - 1) // 2 for i in range(acc)]
    return idx + [idx[-1]] * (num - len(idx))


cases, wants = [], []
for T in range(1, 241):
    for n in range(1, 41):
        cases.append(f"vbench {T} {n}")
        wants.append(vbench_middle(n, T))
        cases.append(f"numpy {T} {n}")
        wants.append(np.linspace(0, T - 1, n, dtype=int).tolist())
        if n < T and n > 1:
            lin = torch.linspace(0, T - 1, n).long().tolist()
            if lanes is not None:
                cases.append(f"torch {T} {n} {lanes}")
                wants.append(lin)
            if lanes == 0 or (lanes and n < 2 * lanes):
                cases.append(f"extract {T} {n}")
                wants.append(lin)
        elif n >= T:
            cases.append(f"extract {T} {n}")
            wants.append(list(range(T)))
out = subprocess.run([TOOL, "sample"], input="\n".join(cases) + "\n", check=True, capture_output=True,
                     text=True).stdout.splitlines()
bad = [(c, o, w) for c, o, w in zip(cases, out, wants) if o.split() != [str(int(v)) for v in w]]
for kind in ("vbench", "numpy", "torch", "extract"):
    k = [c for c in cases if c.startswith(kind)]
    b = [c for c, _, _ in bad if c.startswith(kind)]
    report(f"sampler {kind}: {len(k)} (T, n) cases, {len(b)} differ", float(len(b)),
           not b and (bool(k) or (kind == "torch" and lanes is None)))
for c, o, w in bad[:5]:
    print(f"  {c}: got {o} want {' '.join(map(str, w))}")
if lanes is None:
    print(f"note: torch {torch.__version__} on {cap or 'unknown'} CPU capability: linspace not compared")
print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
