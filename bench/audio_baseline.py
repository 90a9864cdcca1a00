# SPDX-License-Identifier: Apache-2.0
"""The Python path of bench/audio.sh: for each manifest row, ffmpeg CLI decode, channel
mean, soxr HQ to 32 kHz, peak normalisation, torch AugmentMelSTFT, the network
(tests/audio/passt_ref.py), KL windows or the FAD embedding; for audio.audiobox_aesthetics
the "audio" files only, through upstream's AesPredictor steps (tests/audio/audiobox_ref.py:
torchaudio resample to 16 kHz, 10 s masked windows in one batch, the model, the weighted mean).  Prints seconds of audio per
second of work (model loading and imports excluded).
Usage: audio_baseline.py METRIC MODEL MANIFEST"""
import json
import os
import sys
import time

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "audio"))
import audiobox_ref as A  # noqa: E402
import passt_ref as P  # noqa: E402

torch.set_num_threads(1)
metric, model_path, manifest = sys.argv[1:4]
model = torch.jit.load(model_path)
base = os.path.dirname(os.path.abspath(manifest))
rows = [json.loads(line) for line in open(manifest) if line.strip()]
start = time.perf_counter()
seconds = 0.0
for row in rows:
    for key in ("audio",) if metric == "audio.audiobox_aesthetics" else ("audio", "reference_audio"):
        path = os.path.join(base, row[key])
        if metric == "audio.audiobox_aesthetics":
            A.predict(model, path)
        elif metric == "audio.kl_divergence":
            P.collect_logits(model, path)
        else:
            a = P.R.peak(P.load(path))
            a = a[:320000] if len(a) >= 320000 else np.pad(a, (0, 320000 - len(a)))
            P.passt(model, a.astype(np.float32))
        with open(path, "rb") as f:
            f.seek(0, 2)
            seconds += (f.tell() - 44) / (2 * 2 * 44100)
print(f"{seconds / (time.perf_counter() - start):.1f}")
