# SPDX-License-Identifier: Apache-2.0
"""A lossless clip (FFV1) of a smooth random texture moving by (dx, dy)
pixels a frame (circular shift, so the interior is an exact translation).

usage: make_shift_clip.py FFMPEG OUT W H FPS FRAMES DX DY [SEED]"""
import subprocess
import sys

import numpy as np

ffmpeg, out = sys.argv[1:3]
w, h = int(sys.argv[3]), int(sys.argv[4])
fps = sys.argv[5]
n, dx, dy = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
seed = int(sys.argv[9]) if len(sys.argv) > 9 else 1
rng = np.random.default_rng(seed)
noise = rng.random((h, w, 3))
# smooth it a little (circular box blur) so neighbouring pixels correlate but shifts stay unique
tex = sum(np.roll(np.roll(noise, i, 0), j, 1) for i in (-1, 0, 1) for j in (-1, 0, 1)) / 9.0
tex = np.clip((tex - tex.min()) / (tex.max() - tex.min()) * 255.0, 0, 255).astype(np.uint8)
frames = np.stack([np.roll(np.roll(tex, t * dy, 0), t * dx, 1) for t in range(n)])
subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                "-s", f"{w}x{h}", "-r", fps, "-i", "-", "-c:v", "ffv1", out],
               input=frames.tobytes(), check=True)
