# SPDX-License-Identifier: Apache-2.0
"""Independent audio.kl_divergence / audio.frechet_distance with the same PaSST stand-in.

    passt_ref.py kl MODEL GEN REF            -> prints kl_softmax kl_sigmoid
    passt_ref.py fad MODEL "GEN..." "REF..." -> prints the Fréchet distance (scipy's sqrtm)

Audio is decoded by the ffmpeg CLI at its own rate and channel count (float32, as
the core decodes it, and as soundfile loads 16-bit PCM), then upstream's steps:
channel mean, librosa's soxr HQ resample to 32 kHz, pyloudnorm peak(-1), the
windows, hear21passt's AugmentMelSTFT and the network, in torch."""
import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as R  # noqa: E402  (front-end oracles)

FFMPEG = os.environ.get("FFMPEG_CLI") or "ffmpeg"


def load(path, sr_out=32000):
    """librosa.load(path, sr=sr_out, mono=True)"""
    probe = subprocess.run([os.environ.get("FFPROBE_CLI") or "ffprobe", "-v", "error",
                            "-select_streams", "a:0", "-show_entries",
                            "stream=sample_rate,channels", "-of", "json", path],
                           check=True, capture_output=True).stdout
    st = json.loads(probe)["streams"][0]
    sr, ch = int(st["sample_rate"]), int(st["channels"])
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", path, "-map", "0:a:0", "-f", "f32le", "-"],
                         check=True, capture_output=True).stdout
    x = np.frombuffer(raw, dtype=np.float32)
    x = R.mono(x, ch).astype(np.float32)
    return R.soxr_hq(x, sr, sr_out)


def passt(model, w):
    mel = torch.from_numpy(R.passt(np.ascontiguousarray(w, dtype=np.float32)))
    with torch.no_grad():
        logits, feats = model(mel[None, None])
    return logits[0], feats[0]


def collect_logits(model, path):
    audio = R.peak(load(path))
    step, win = 5 * 32000, 320000
    out = []
    for i in range(0, max(step, len(audio) - step), step):
        w = audio[i:i + win]
        if len(w) < win and len(w) > int(win * 0.15):
            w = np.pad(w, (0, win - len(w)))
        out.append(passt(model, w)[0])
    return torch.stack(out).mean(0)


def main():
    model = torch.jit.load(sys.argv[2])
    if sys.argv[1] == "kl":
        pred = collect_logits(model, sys.argv[3])
        gt = collect_logits(model, sys.argv[4])
        f = torch.nn.functional
        kl_softmax = f.kl_div(f.log_softmax(pred, -1), f.log_softmax(gt, -1), log_target=True,
                              reduction="sum").item()
        kl_sigmoid = f.kl_div(f.logsigmoid(pred), f.logsigmoid(gt), log_target=True,
                              reduction="sum").item()
        print(f"{kl_softmax!r} {kl_sigmoid!r}")
    elif sys.argv[1] == "fad":
        import scipy.linalg

        def embeds(paths):
            rows = []
            for path in paths.split():
                a = R.peak(load(path))
                a = a[:320000] if len(a) >= 320000 else np.pad(a, (0, 320000 - len(a)))
                rows.append(passt(model, a.astype(np.float32))[1].numpy())
            x = np.stack(rows)
            return x[np.all(np.isfinite(x), axis=1)]

        gen, ref = embeds(sys.argv[3]), embeds(sys.argv[4])
        mu1, mu2 = gen.mean(0), ref.mean(0)
        s1 = np.cov(gen, rowvar=False) + 1e-6 * np.eye(768)
        s2 = np.cov(ref, rowvar=False) + 1e-6 * np.eye(768)
        covmean = scipy.linalg.sqrtm(s1 @ s2)
        diff = mu1 - mu2
        fd = diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(np.real(covmean))
        print(repr(float(fd)))


if __name__ == "__main__":
    main()
