# SPDX-License-Identifier: Apache-2.0
"""Independent audio.clap_score with the same stand-in and tokenizer files.

    clap_ref.py MODEL VOCAB MERGES JOBS.json

JOBS.json: a list of [AUDIO, TEXT, MAX_LENGTH or null]; prints one score per job, or
"skip" for silent audio.  Audio is decoded by the ffmpeg CLI at its own rate
(tests/audio/passt_ref.py's load), then upstream's steps: channel mean, soxr HQ to 48 kHz,
pyloudnorm peak(-1) (with NumPy >= 2's float64 product, see peak()), ClapFeatureExtractor
(tests/audio/reference.py's NumPy port, with the middle crops for clips over 10 s) with
is_longer = [[True]] for a batch of one; the text through
tests/text/roberta_tokenizer_ref.py; F.cosine_similarity(eps=1e-8) in torch.
A MAX_LENGTH: truncation=True, max_length=MAX_LENGTH."""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "text"))
import passt_ref as P  # noqa: E402
import reference as R  # noqa: E402
import roberta_tokenizer_ref as T  # noqa: E402


def peak(x):
    """pyloudnorm.normalize.peak(x, -1.0) as ClapFeatureExtractor receives it with NumPy >= 2:
    the float64 gain times float32 samples is float64 (NEP 50), which the extractor casts to
    float32 - one rounding of the exact product.  (NumPy 1.x rounds the gain to float32 first
    and multiplies in float32: samples 1 ulp apart, which the dB of near-silent mel bins can
    turn into a 1e-5 change of the embedding.)"""
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.power(10.0, -1.0 / 20.0) / np.max(np.abs(x)).astype(np.float64)
        return (x.astype(np.float64) * gain).astype(np.float32)


def score(model, enc, audio_path, text, max_length):
    x = peak(P.load(audio_path, 48000))
    if not np.all(np.isfinite(x)):
        return "skip"
    feats = torch.from_numpy(np.ascontiguousarray(R.clap(x), dtype=np.float32))
    ids = enc.encode(text)
    if max_length is not None:
        ids = ids[:max_length - 2]
    ids = torch.tensor([[enc.encoder["<s>"]] + ids + [enc.encoder["</s>"]]], dtype=torch.int64)
    with torch.no_grad():
        a = model.get_audio_features(feats[None], torch.tensor([[1]], dtype=torch.int64))
        t = model.get_text_features(ids, torch.ones_like(ids))
        return repr(F.cosine_similarity(a, t, dim=1, eps=1e-8)[0].item())


def main():
    model = torch.jit.load(sys.argv[1])
    enc = T.Encoder(sys.argv[2], sys.argv[3])
    for audio_path, text, max_length in json.load(open(sys.argv[4], encoding="utf-8")):
        print(score(model, enc, audio_path, text, max_length))


if __name__ == "__main__":
    main()
