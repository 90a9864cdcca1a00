# SPDX-License-Identifier: Apache-2.0
"""16-bit PCM test audio for the audio metric tests.  Usage: make_wavs.py DIR"""
import os
import sys
import wave

import numpy as np


def save(name, x, rate):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    pcm = np.clip(np.round(x * 32767), -32768, 32767).astype("<i2")
    with wave.open(os.path.join(sys.argv[1], name), "wb") as w:
        w.setnchannels(x.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


rng = np.random.default_rng(11)
t = np.arange(12 * 44100) / 44100
tone = 0.4 * np.sin(2 * np.pi * 440 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.5 * t))
save("tone12s.wav", np.stack([tone, 0.5 * tone + 0.05 * rng.standard_normal(t.size)], 1), 44100)
save("noise8ch96k.wav", rng.standard_normal((2 * 96000, 8)) * np.linspace(0.05, 0.3, 8), 96000)
save("silent.wav", np.zeros(16000), 16000)
save("short.wav", 0.3 * rng.standard_normal(3200), 32000)                      # 0.1 s
t = np.arange(3 * 22050) / 22050
save("chirp22k.wav", 0.5 * np.sin(2 * np.pi * (200 + 900 * t) * t), 22050)
