# SPDX-License-Identifier: Apache-2.0
"""Independent audio.audiobox_aesthetics: upstream's AesPredictor.forward on one file with
the same model file.
Usage: audiobox_ref.py MODEL FILE...  -> one line per file: CE CU PC PQ windows

Audio is decoded by the ffmpeg CLI at its own rate and channel count (float32, as
torchaudio.load gives 16-bit PCM), then upstream's read_wav / audio_resample_mono /
make_inference_batch / weighted mean, in torch, all windows in one batch."""
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchaudio

AXES = ["CE", "CU", "PC", "PQ"]


def load(path):
    probe = subprocess.run([os.environ.get("FFPROBE_CLI") or "ffprobe", "-v", "error",
                            "-select_streams", "a:0", "-show_entries",
                            "stream=sample_rate,channels", "-of", "json", path],
                           check=True, capture_output=True).stdout
    st = json.loads(probe)["streams"][0]
    sr, ch = int(st["sample_rate"]), int(st["channels"])
    raw = subprocess.run([os.environ.get("FFMPEG_CLI") or "ffmpeg", "-v", "error", "-i", path,
                          "-map", "0:a:0", "-f", "f32le", "-"], check=True,
                         capture_output=True).stdout
    x = np.frombuffer(raw, dtype=np.float32).reshape(-1, ch).T
    return torch.from_numpy(x.copy()), sr


def predict(model, path):
    """AesPredictor.forward([{"path": path}])[0] as a list (CE, CU, PC, PQ), and the window count"""
    wav, sr = load(path)
    if wav.shape[0] > 1:                                          # read_wav
        wav = wav.mean(0, keepdim=True)
    wav = torchaudio.functional.resample(wav, orig_freq=sr, new_freq=16000)
    wav = wav.mean(dim=0, keepdim=True)
    wavs, masks, weights = [], [], []                             # make_inference_batch
    offset = winlen = 10 * 16000
    for ii in range(0, wav.shape[-1], offset):
        w = wav[..., ii: ii + winlen]
        n = w.shape[-1]
        if n < winlen:
            w = F.pad(w, (0, winlen - n))
        m = torch.zeros_like(w, dtype=torch.bool)
        m[:, 0:n] = True
        wavs.append(w)
        masks.append(m)
        weights.append(n / winlen)
    with torch.inference_mode():
        raw = model(torch.stack(wavs), torch.stack(masks))
        tt = model.target_transform()
        weights = torch.tensor(weights)
        out = []
        for a in range(4):
            preds = raw[a] * tt[a, 1].item() + tt[a, 0].item()   # Normalize.inverse
            out.append(((preds * weights).sum() / weights.sum()).item())
    return out, len(wavs)


def main():
    model = torch.jit.load(sys.argv[1]).eval()
    for path in sys.argv[2:]:
        out, windows = predict(model, path)
        print(" ".join(repr(v) for v in out), windows)


if __name__ == "__main__":
    main()
