# SPDX-License-Identifier: Apache-2.0
"""Check a results file against ffprobe and an independent numpy computation."""
import json
import math
import subprocess
import sys

import numpy as np

doc = json.load(open(sys.argv[1]))
ffprobe, ffmpeg = sys.argv[2], sys.argv[3]

assert doc["fveval"]["schema"] == 2, doc["fveval"]
assert set(doc) == {"fveval", "run", "samples", "corpus", "summary"}, list(doc)
for key in ("started", "finished", "device", "argv", "metrics"):
    assert key in doc["run"], key
assert doc["run"]["metrics"]["test.mean"]["version"] == "1.0"

samples = doc["samples"]
assert [s["index"] for s in samples] == [0, 1, 2]
assert [s["role"] for s in samples] == ["generated", "generated", "reference"]
assert samples[0]["video"] == "gen/a.mp4" and samples[0]["reference"] == "ref/a.mp4"
assert samples[2]["video"] == "ref/c.mp4" and samples[2]["results"] == {}


def probe(path):
    out = subprocess.run([ffprobe, "-v", "error", "-select_streams", "v:0", "-count_frames",
                          "-show_entries", "stream=nb_read_frames,avg_frame_rate,width,height",
                          "-of", "json", path], check=True, capture_output=True, text=True).stdout
    st = json.loads(out)["streams"][0]
    num, den = st["avg_frame_rate"].split("/")
    return int(st["nb_read_frames"]), float(num) / float(den), st["width"], st["height"]


def mean_rgb(path, w, h):
    raw = subprocess.run([ffmpeg, "-v", "error", "-i", path, "-sws_flags",
                          "bicubic+accurate_rnd+full_chroma_int", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).astype(np.float64).mean()


for s in samples[:2]:
    frames, fps, w, h = probe(s["video"])
    r = s["results"]["test.mean"]
    d = r["details"]
    assert d["frames"] == frames and d["width"] == w and d["height"] == h, (d, frames, w, h)
    assert abs(d["fps"] - fps) < 1e-9, (d["fps"], fps)
    ref = mean_rgb(s["video"], w, h)
    assert abs(r["score"] - ref) <= 1e-9 * ref, (r["score"], ref)
    assert d["text_prompt"] == "a red ball"

# Audio: the first clip has a track (16 kHz mono requested), the second none.
a = samples[0]["results"]["test.audio_rms"]
assert a["details"]["rate"] == 16000 and a["details"]["channels"] == 1, a
pcm = np.frombuffer(subprocess.run([ffmpeg, "-v", "error", "-i", "gen/a.mp4", "-vn", "-ac", "1", "-ar", "16000",
                                    "-f", "f32le", "-"], check=True, capture_output=True).stdout, np.float32)
assert abs(a["details"]["samples"] - len(pcm)) <= 32, (a, len(pcm))
rms = math.sqrt(float(np.mean(pcm.astype(np.float64) ** 2)))
assert abs(a["score"] - rms) <= 1e-3 * rms, (a["score"], rms)
b = samples[1]["results"]["test.audio_rms"]
assert b["score"] is None and "audio" in b["skipped"].lower(), b

c = doc["corpus"]["test.count"]
f_all = sum(probe(p)[0] for p in ("gen/a.mp4", "gen/b.mp4", "ref/c.mp4"))
assert c["details"] == {"generated": 2, "reference": 1, "frames": f_all}, c
assert abs(c["score"] - f_all / 3) < 1e-12

sm = doc["summary"]["test.mean"]
vals = [s["results"]["test.mean"]["score"] for s in samples[:2]]
assert sm["n"] == 2 and sm["skipped"] == 0 and sm["higher_is_better"] is True
assert abs(sm["mean"] - np.mean(vals)) < 1e-9 and abs(sm["std"] - np.std(vals)) < 1e-9
assert sm["min"] == min(vals) and sm["max"] == max(vals)
assert "test.count" not in doc["summary"]
print("ok")
