# SPDX-License-Identifier: Apache-2.0
"""The Python path of bench/desync.sh: FastVideo's audio.desync recipe in PyTorch eager
(tests/audio/desync_ref.py: ffmpeg CLI decode of frames and PCM, nearest resample to 25 fps,
torch's antialiased bicubic resize, torchaudio Resample and MelSpectrogram, the stand-in's
three methods with every segment of the clip, as upstream encodes them).  Prints seconds
of video scored per second of work (imports and model loading excluded).
Usage: desync_baseline.py MODEL FPS SECONDS VIDEO..."""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "audio"))
import desync_ref as D  # noqa: E402

torch.set_num_threads(1)
model_path, fps, secs, videos = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
model = torch.jit.load(model_path)
start = time.perf_counter()
for v in videos:
    result, _ = D.desync(model, v, v, fps)
    if "score" not in result:
        sys.exit(f"{v}: {result}")
print(f"{secs * len(videos) / (time.perf_counter() - start):.2f}")
