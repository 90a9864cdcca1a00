# SPDX-License-Identifier: Apache-2.0
"""vbench.scene test case: clips whose first pixel numbers the clip (green = 40 * id)
and the frame (red = 10 * frame), scripted captions, and the checks of the requests
(MP4 at 8 fps, system and scene prompts) and of the hand-computed scores.

  scene_case.py make DIR
  scene_case.py check DIR LOG
"""
import json
import os
import sys

import numpy as np
from PIL import Image

SYSTEM = ("You are Qwen, a virtual human developed by the Qwen Team, Alibaba Group, capable "
          "of perceiving auditory and visual inputs.")
PROMPT = ("Describe the visual scene in this video, including the location, environment, "
          "objects, and overall setting. Be specific and use concrete descriptive words.")


def clip(d, name, cid, n, w=32, h=24):
    os.makedirs(os.path.join(d, name))
    for i in range(n):
        a = np.zeros((h, w, 3), np.uint8)
        a[..., 0] = 10 * i
        a[..., 1] = 40 * cid
        a[..., 2] = 60
        Image.fromarray(a).save(os.path.join(d, name, "f%03d.png" % i))


def chat(text):
    return {"json": {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}}


def make(d):
    clip(d, "c1", 1, 12)
    clip(d, "c2", 2, 4)
    rows = [{"video": "c1", "auxiliary_info": {"scene": "alley"}},
            {"video": "c2", "auxiliary_info": {"scene": {"scene": "food court"}}},
            {"video": "c1", "auxiliary_info": {"scene": {"scene": {"scene": "Alley"}}}},
            {"video": "c2", "auxiliary_info": {"color": "red"}}]
    with open(os.path.join(d, "caption.jsonl"), "w") as f:
        for r in rows:
            r["fps"] = 24
            f.write(json.dumps(r) + "\n")
    with open(os.path.join(d, "vbench.jsonl"), "w") as f:
        f.write(json.dumps({"video": "c2", "auxiliary_info": {"scene": {"scene": "food court"}},
                            "fps": 24}) + "\n")
    answers = {
        "mp4:1": [chat("A narrow ALLEY between brick walls.")],
        "mp4:2": [chat("A busy food market at noon.")],
        "png:2:0": [chat("a food court")],
        "png:2:1": [chat("food")],
        "png:2:2": [chat("Food Court, crowded")],
        "png:2:3": [chat("a court with food stalls")],
    }
    json.dump({"answers": answers}, open(os.path.join(d, "scene.json"), "w"))


def check(d, log):
    reqs = [json.loads(l) for l in open(log, encoding="utf-8")]
    cap = [s["results"]["vbench.scene"] for s in json.load(open(os.path.join(d, "caption.json")))["samples"]]
    vb = json.load(open(os.path.join(d, "vbench.json")))["samples"][0]["results"]["vbench.scene"]
    bad = []

    def want(cond, what):
        if not cond:
            bad.append(what)

    for r in reqs:
        b = r["body"]
        m = b["messages"]
        want(b["model"] == "AVoCaDO-Captioner/AVoCaDO" and b["temperature"] == 0 and
             b["max_tokens"] == 512, "sampling %s" % {k: b[k] for k in ("model", "temperature", "max_tokens")})
        want(m[0] == {"role": "system", "content": [{"type": "text", "text": SYSTEM}]}, "system prompt")
        want(m[1]["role"] == "user" and m[1]["content"][1] == {"type": "text", "text": PROMPT},
             "scene prompt")
        item = m[1]["content"][0]
        if r["key"].startswith("mp4:"):
            mp4 = item["mp4"]
            frames = 12 if r["key"] == "mp4:1" else 4
            want(mp4["codec_name"] == "h264" and mp4["pix_fmt"] == "yuv420p" and
                 mp4["r_frame_rate"] == "8/1" and int(mp4["nb_read_frames"]) == frames and
                 (mp4["width"], mp4["height"]) == (32, 24), "mp4 %s" % mp4)
            want(b["mm_processor_kwargs"] == {"max_pixels": 401408}, "max_pixels")
        else:
            want(r["frames"] == [[32, 24]], "png frame %s" % r["frames"])
    # caption mode: "alley" in the lower-cased caption -> 1.0; "food court": "court"
    # missing -> 0.0; the doubly nested "Alley" lower-cased -> 1.0; no scene -> skipped.
    want(cap[0]["score"] == 1.0 and cap[0]["details"]["keywords"] == ["alley"] and
         cap[0]["details"]["matched"] == ["alley"] and
         cap[0]["details"]["caption"] == "a narrow alley between brick walls.", "caption 0 %s" % cap[0])
    want(cap[1]["score"] == 0.0 and cap[1]["details"]["matched"] == ["food"], "caption 1 %s" % cap[1])
    want(cap[2]["score"] == 1.0, "caption 2 %s" % cap[2])
    want(cap[3]["score"] is None and "scene" in cap[3]["skipped"], "caption 3 %s" % cap[3])
    # vbench mode, 4 frames -> middle 16 = [0, 1, 2, 3] + twelve 3s; frame 1 lacks
    # "court": 15 / 16.
    want(vb["score"] == 15 / 16 and vb["details"]["matching_frames"] == 15 and
         vb["details"]["per_frame"][:4] == [1.0, 0.0, 1.0, 1.0], "vbench mode %s" % vb)
    want(sorted(r["key"] for r in reqs if r["key"].startswith("png:")) ==
         ["png:2:%d" % i for i in range(4)], "one request per distinct frame")
    if bad:
        print("\n".join(bad))
        sys.exit(1)


if __name__ == "__main__":
    make(sys.argv[2]) if sys.argv[1] == "make" else check(sys.argv[2], sys.argv[3])
