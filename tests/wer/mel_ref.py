# SPDX-License-Identifier: Apache-2.0
"""Whisper's log-mel, independently: transformers' WhisperFeatureExtractor
(zero-pad/cut to 30 s, STFT with a periodic Hann window of 400, hop 160,
centred/reflect, last frame dropped, |X|^2, Slaney mel filters of librosa's
construction, log10 clamp 1e-10, max - 8 floor, (x + 4) / 4), compared with
fveval's on several signals, computed twice: in float64 (the extractor's NumPy
path) within 1e-5, and in float32 as its torch path does within 1e-4 — a
float32 FFT loses ~1e-7 of the frame's peak, which in bins 70 dB below it
(kept above the max - 8 floor) moves log10 by up to ~2e-4.

  mel_ref.py DIR CLI    writes DIR/*.f32 inputs, runs CLI on each, compares
"""
import os
import subprocess
import sys

import numpy as np
import torch


def slaney_mel(sr=16000, n_fft=400, n_mels=80, fmin=0.0, fmax=8000.0):
    def hz_to_mel(f):
        f = np.asanyarray(f, dtype=np.float64)
        mels = 3.0 * f / 200.0
        log = f >= 1000.0
        return np.where(log, 15.0 + np.log(np.maximum(f, 1e-12) / 1000.0) / (np.log(6.4) / 27.0), mels)

    def mel_to_hz(m):
        m = np.asanyarray(m, dtype=np.float64)
        f = 200.0 * m / 3.0
        return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), f)

    fftfreqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    w = np.zeros((n_mels, len(fftfreqs)))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        w[i] = np.maximum(0, np.minimum(lower, upper))
    w *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return w  # (80, 201)


def log_mel(x, dtype=torch.float32):
    x = np.asarray(x, dtype=np.float32)[:480000]
    x = np.pad(x, (0, 480000 - len(x)))
    wav = torch.from_numpy(x).to(dtype)
    stft = torch.stft(wav, 400, 160, window=torch.hann_window(400, dtype=dtype), return_complex=True)
    mag = stft[..., :-1].abs() ** 2
    filters = torch.from_numpy(slaney_mel()).to(dtype)
    mel = filters @ mag
    log_spec = torch.clamp(mel, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).numpy()


def signals():
    rng = np.random.default_rng(3)
    t = np.arange(16000 * 5) / 16000
    yield "tone_noise", (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
    yield "silence", np.zeros(16000 * 2, np.float32)
    yield "short", (0.5 * rng.standard_normal(1000)).astype(np.float32)
    yield "long_40s", (0.2 * rng.standard_normal(16000 * 40)).astype(np.float32)
    yield "chirp", (0.8 * np.sin(2 * np.pi * (100 + 3000 * t / 5) * t)).astype(np.float32)
    if len(sys.argv) > 3:
        yield "ltx2", np.fromfile(sys.argv[3], dtype=np.float32)


def main():
    d, cli = sys.argv[1], sys.argv[2]
    bad = 0
    for name, x in signals():
        src, dst = os.path.join(d, name + ".f32"), os.path.join(d, name + ".mel")
        x.astype(np.float32).tofile(src)
        subprocess.run([cli, src, dst], check=True)
        got = np.fromfile(dst, dtype=np.float32).reshape(80, 3000)
        e64 = float(np.abs(got.astype(np.float64) - log_mel(x, torch.float64)).max())
        e32 = float(np.abs(got.astype(np.float64) - log_mel(x, torch.float32)).max())
        print(f"{name}: max |fveval - float64| = {e64:.3g}, max |fveval - torch float32| = {e32:.3g}")
        if not (e64 <= 1e-5 and e32 <= 1e-4):
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
