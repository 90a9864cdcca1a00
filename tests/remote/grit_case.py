# SPDX-License-Identifier: Apache-2.0
"""GRiT metrics test case: clips whose first pixel numbers the clip (green) and the
frame (red), the detection service's scripted answers per (task, clip, frame), and the
checks.  Expected scores are worked out by hand in the comments.

  grit_case.py make DIR
  grit_case.py check DIR LOG
"""
import json
import os
import sys

import numpy as np
from PIL import Image


def clip(d, name, g, n, w=32, h=24):
    os.makedirs(os.path.join(d, name))
    for i in range(n):
        a = np.full((h, w, 3), 90, np.uint8)
        a[0, 0] = (i, g, 0)
        Image.fromarray(a).save(os.path.join(d, name, "f%03d.png" % i))


def row(video, aux, prompt=None):
    r = {"video": video, "auxiliary_info": aux, "fps": 8}
    if prompt is not None:
        r["text_prompt"] = prompt
    return r


DOG, CAT = "dog", "cat"


def objectdet(k):
    # Clip 1 (20 frames). Even frames: a dog left of a cat; frame 0 overlapping.
    if k == 0:
        return [[DOG, [0, 0, 10, 10], [DOG, CAT]], [CAT, [5, 0, 15, 10], [DOG, CAT]]]
    if k % 2 == 0:
        return [[DOG, [0, 0, 10, 10], [DOG, CAT]], [CAT, [12, 0, 20, 10], [DOG, CAT]]]
    return [[CAT, [0, 0, 10, 10], [CAT]]]


def densecap(k):
    # Clip 2 (10 frames); object_key of "a red car" with colour "red" is "car".
    return {0: [["a red car", [0, 0, 5, 5], ["car"]]],          # object, colour
            1: [["a blue car", [0, 0, 5, 5], ["car"]]],         # object only
            2: [["a car", [0, 0, 5, 5], ["car"]]],              # no colour word: neither
            3: [],                                              # nothing
            4: [["a red truck", [0, 0, 5, 5], ["truck"]]],      # other class: neither
            }.get(k, [["a white car with red stripes", [0, 0, 5, 5], ["car", "person"]]])


def make(d):
    clip(d, "c1", 1, 20)
    clip(d, "c2", 2, 10)
    clip(d, "c3", 3, 4)
    os.makedirs(os.path.join(d, "big"))
    y, x = np.mgrid[0:769, 0:770]
    a = np.stack([(x * 3 + y) % 256, (x ^ y) % 256, (y * 5) % 256], -1).astype(np.uint8)
    Image.fromarray(a).save(os.path.join(d, "big", "f000.png"))
    rows = [
        ("vbench.object_class", row("c1", {"object": "dog"})),
        ("vbench.multiple_objects", row("c1", {"object": "dog and cat"})),
        ("vbench.multiple_objects", row("c1", {"object": "cat and bird"})),
        ("vbench.spatial_relationship", row("c1", {"spatial_relationship": {
            "object_a": "dog", "object_b": "cat", "relationship": "on the left of"}})),
        ("vbench.color", row("c2", {"color": "red"}, "a red car")),
        ("vbench.color", row("c3", {"color": "red"}, "a red car")),
        ("vbench.object_class", row("c3", {"color": "red"})),
        ("vbench.object_class", row("big", {"object": "dog"})),
    ]
    for metric in sorted({m for m, _ in rows}):
        with open(os.path.join(d, metric + ".jsonl"), "w") as f:
            for m, r in rows:
                if m == metric:
                    f.write(json.dumps(r) + "\n")
    answers = {}
    for k in range(20):
        answers["ObjectDet:1:%d" % k] = [{"json": {"result": objectdet(k)}}]
    for k in range(10):
        answers["DenseCap:2:%d" % k] = [{"json": {"result": densecap(k)}}]
    for k in range(4):
        answers["DenseCap:3:%d" % k] = [{"json": {"result": []}}]
    answers["ObjectDet:f32"] = [{"json": {"result": []}}]
    json.dump({"answers": answers}, open(os.path.join(d, "grit.json"), "w"))


def vbench_middle(vlen, num):
    # VBench get_frame_indices(sample="middle"), written out again for the check.
    acc = min(num, vlen)
    iv = np.linspace(0, vlen, acc + 1).astype(int)
    idx = [(iv[i] + iv[i + 1] - 1) // 2 for i in range(acc)]
    return idx + [idx[-1]] * (num - len(idx))


def check(d, log):
    reqs = [json.loads(l) for l in open(log, encoding="utf-8")]
    res = {}
    for metric in ("object_class", "multiple_objects", "spatial_relationship", "color"):
        r = json.load(open(os.path.join(d, "vbench.%s.json" % metric)))
        res[metric] = [s["results"]["vbench." + metric] for s in r["samples"]]
    bad = []

    def want(cond, what):
        if not cond:
            bad.append(what)

    # 16 middle frames of 20: [0,1,2,3,5,6,7,8,10,11,12,13,15,16,17,18], 8 even.
    assert vbench_middle(20, 16) == [0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18]
    oc, mo, sr, co = (res[m] for m in ("object_class", "multiple_objects",
                                       "spatial_relationship", "color"))
    want(oc[0]["score"] == 0.5 and oc[0]["details"]["matching_frames"] == 8, "object_class %s" % oc[0])
    want(mo[0]["score"] == 0.5, "multiple_objects dog and cat %s" % mo[0])
    want(mo[1]["score"] == 0.0, "multiple_objects cat and bird %s" % mo[1])
    # Frame 0: centres 5 and 10 (dx 5, dy 0), IoU 50 / 150 -> 0.1 / (1/3) = 0.3; the other
    # seven even frames 1.0; odd frames 0: (0.3 + 7) / 16 = 0.45625.
    want(abs(sr[0]["score"] - 7.3 / 16) < 1e-12, "spatial %s" % sr[0])
    want(abs(sr[0]["details"]["per_frame"][0] - 0.3) < 1e-12 and
         sr[0]["details"]["per_frame"][1:4] == [0.0, 1.0, 0.0], "spatial per_frame %s" % sr[0])
    # 10 frames -> [0..9, 9 x 6]: object in frames 0, 1, 5..9 and six repeats of 9 = 13;
    # colour in 0, 5..9 and the repeats = 12.
    want(abs(co[0]["score"] - 12 / 13) < 1e-15 and co[0]["details"]["object_detected"] == 13
         and co[0]["details"]["color_correct"] == 12, "color %s" % co[0])
    want(co[1]["score"] == 0.0, "color, never detected: 0.0 %s" % co[1])
    want(oc[1]["score"] is None and "object" in oc[1]["skipped"], "skip without object %s" % oc[1])
    # Requests: each distinct frame once per task (repeats of a padded clip not sent).
    keys = [r["key"] for r in reqs]
    want(sorted(k for k in keys if k.startswith("DenseCap:2:")) ==
         sorted("DenseCap:2:%d" % k for k in range(10)), "densecap requests %s" % keys)
    want(all(r["path"] == "/grit" for r in reqs), "path")
    # The big frame: short side 769 > 768 -> s = 720 / 769, float32 at int(s*769) x int(s*770).
    s = 720.0 / 769
    size = [int(s * 770), int(s * 769)]
    f32 = [r for r in reqs if r["key"] == "ObjectDet:f32"]
    want(len(f32) == 1 and f32[0]["frames"] == [size], "f32 frame %s, want %s" % (
        [r["frames"] for r in f32], size))
    if bad:
        print("\n".join(bad))
        sys.exit(1)


def check_f32(frames_dir, d):
    """The resized frame equals torchvision Resize (bilinear, antialias) on 0..255 floats."""
    import torch
    import torch.nn.functional as F
    f = [n for n in os.listdir(frames_dir) if n.endswith(".f32")]
    if len(f) != 1:
        sys.exit("want one float frame, got %s" % f)
    src = np.asarray(Image.open(os.path.join(d, "big", "f000.png")).convert("RGB"))
    s = 720.0 / 769
    h, w = int(s * 769), int(s * 770)
    t = torch.from_numpy(src.astype(np.float32)).permute(2, 0, 1)[None]
    ref = F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False, antialias=True)
    got = np.fromfile(os.path.join(frames_dir, f[0]), dtype="<f4").reshape(h, w, 3)
    diff = np.abs(got - ref[0].permute(1, 2, 0).numpy()).max()
    print("f32 frame vs torch interpolate(bilinear, antialias): max %.3g" % diff)
    if diff > 1e-4:  # 0..255 scale; _vision matches torch to ~1 ulp
        sys.exit("resized frame differs from torch by %g" % diff)


if __name__ == "__main__":
    {"make": lambda: make(sys.argv[2]),
     "check": lambda: check(*sys.argv[2:4]),
     "f32": lambda: check_f32(sys.argv[2], sys.argv[3])}[sys.argv[1]]()
