# SPDX-License-Identifier: Apache-2.0
"""The Python path of bench/clap.sh: for each manifest row, tests/audio/clap_ref.py's
score (ffmpeg CLI decode, channel mean, soxr HQ to 48 kHz, peak normalisation, the NumPy
ClapFeatureExtractor, the Python RoBERTa tokenizer, the stand-in in PyTorch eager, cosine).
Prints seconds of audio per second of work (imports and model loading not timed).
Usage: clap_baseline.py MODEL_DIR MANIFEST"""
import json
import os
import sys
import time
import wave

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "audio"))
import clap_ref as C  # noqa: E402

torch.set_num_threads(1)
models, manifest = sys.argv[1:3]
model = torch.jit.load(os.path.join(models, "clap_htsat_fused.pt"))
enc = C.T.Encoder(os.path.join(models, "clap_htsat_fused.vocab.json"),
                  os.path.join(models, "clap_htsat_fused.merges.txt"))
base = os.path.dirname(os.path.abspath(manifest))
rows = [json.loads(line) for line in open(manifest) if line.strip()]
start = time.perf_counter()
seconds = 0.0
for row in rows:
    path = os.path.join(base, row["audio"])
    C.score(model, enc, path, row["text_prompt"], None)
    with wave.open(path) as w:
        seconds += w.getnframes() / w.getframerate()
print(f"{seconds / (time.perf_counter() - start):.1f}")
