# SPDX-License-Identifier: Apache-2.0
"""Independent audio.desync: FastVideo's recipe (shared/reference/metrics-a.md §3.3)
in torch + torchaudio on frames and PCM the ffmpeg CLI decodes, with the stand-in
model.  Each segment is fed as its own batch item, all at once, as upstream does.

usage: desync_ref.py MODEL VIDEO AUDIO FPS OUT_PREFIX
Prints {"score", "front_desync_s", "back_desync_s", "num_segments_used", "margin",
"segments"} as JSON (or {"skipped": reason}, {"error": reason}) and writes
OUT_PREFIX.{vfeats,afeats,logits}.pt in the layout of the plugin's features_dir files,
(2, 14, ...) front then back.  bench/desync_baseline.py imports desync()."""
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchaudio

FFMPEG = os.environ.get("FFMPEG_CLI") or "ffmpeg"
FFPROBE = os.environ.get("FFPROBE_CLI") or "ffprobe"


def probe(path, stream, entries):
    out = subprocess.run([FFPROBE, "-v", "error", "-select_streams", stream, "-show_entries",
                          "stream=" + entries, "-of", "csv=p=0", path],
                         check=True, capture_output=True, text=True).stdout.strip().split("\n")[0]
    return out.split(",")


def decode_video(path):
    w, h = (int(v) for v in probe(path, "v:0", "width,height"))
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", path, "-map", "0:v:0", "-sws_flags",
                          "bicubic+accurate_rnd+full_chroma_int", "-f", "rawvideo", "-pix_fmt", "rgb24",
                          "-"], check=True, capture_output=True).stdout
    u8 = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    return torch.from_numpy(u8.copy()).permute(0, 3, 1, 2).float() / 255.0  # (T, C, H, W) [0, 1]


def decode_audio(path):
    rate, channels = (int(v) for v in probe(path, "a:0", "sample_rate,channels"))
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", path, "-map", "0:a:0", "-f", "f32le", "-"],
                         check=True, capture_output=True).stdout
    pcm = np.frombuffer(raw, np.float32).reshape(-1, channels).T   # librosa's (channels, n)
    return np.mean(pcm, axis=0), rate                               # librosa.to_mono


def desync(model, video_path, audio_path, src_fps):
    """FastVideo's compute(): a result dict, and (vfeats, afeats, logits) of the windows or None."""
    frames = decode_video(video_path)
    # temporal nearest resample to 25 fps
    if abs(src_fps - 25.0) >= 1e-6:
        t = frames.shape[0]
        target_t = max(16, int(round(t / src_fps * 25.0)))
        idx = np.clip((np.arange(target_t) * (src_fps / 25.0)).astype(np.int64), 0, t - 1)
        frames = frames[idx]
    # shortest side to 224, bicubic antialiased, centre crop with //, (x - 0.5) / 0.5
    t, c, h, w = frames.shape
    scale = 224 / min(h, w)
    nh, nw = int(round(h * scale)), int(round(w * scale))
    frames = F.interpolate(frames, size=(nh, nw), mode="bicubic", align_corners=False, antialias=True)
    top, left = (nh - 224) // 2, (nw - 224) // 2
    frames = (frames[:, :, top:top + 224, left:left + 224] - 0.5) / 0.5
    s_v = (frames.shape[0] - 16) // 8 + 1
    if s_v <= 0:
        return {"error": f"video too short for Synchformer segmenting (got {frames.shape[0]} frames)"}, None
    vsegs = torch.stack([frames[8 * i:8 * i + 16] for i in range(s_v)])       # (S, 16, C, H, W)

    wave, sr = decode_audio(audio_path)
    wave = torch.from_numpy(np.ascontiguousarray(wave))
    if sr != 16000:
        wave = torchaudio.transforms.Resample(sr, 16000)(wave)
    n = wave.shape[0]
    s_a = max(1, (n - 10240) // 5120 + 1)
    if min(s_v, s_a) < 14:
        return {"skipped": f"too few segments for Synchformer pos_emb (need 14, got v={s_v} a={s_a}); "
                           "use clips of at least ~5 s"}, None

    with torch.no_grad():
        vfeats = model.extract_vfeats(vsegs.unsqueeze(1)).reshape(1, s_v, 8, 768)   # (S, 1, ...) items
        segs = []
        for i in range(s_a):
            seg = wave[5120 * i:5120 * i + 10240].unsqueeze(0)
            if seg.shape[1] < 10240:
                seg = F.pad(seg, (0, 10240 - seg.shape[1]))
            segs.append(seg)
        x = torch.stack(segs, dim=1)                                                # (1, S, 10240)
        mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, win_length=400, hop_length=160,
                                                   n_fft=1024, n_mels=128)
        x = torch.log(mel(x) + 1e-6)
        x = F.pad(x, (0, 66 - x.shape[-1]), value=x.min().item())
        x = (x - (-4.2677393)) / (2 * 4.5689974)
        afeats = model.extract_afeats(x.unsqueeze(2))
        front = model.compare_v_a(vfeats[:, :14], afeats[:, :14])
        back = model.compare_v_a(vfeats[:, -14:], afeats[:, -14:])

    grid = torch.from_numpy(np.linspace(-2.0, 2.0, 21)).float()
    fd = abs(float(grid[int(torch.argmax(front, dim=-1).item())].item()))
    bd = abs(float(grid[int(torch.argmax(back, dim=-1).item())].item()))
    margin = min(float((l.topk(2).values[0, 0] - l.topk(2).values[0, 1]) / (l.max() - l.min()))
                 for l in (front, back))
    windows = (torch.cat([vfeats[:, :14], vfeats[:, -14:]]), torch.cat([afeats[:, :14], afeats[:, -14:]]),
               torch.cat([front, back]))
    return {"score": (fd + bd) / 2.0, "front_desync_s": fd, "back_desync_s": bd, "num_segments_used": 14,
            "margin": margin, "segments": [s_v, s_a]}, windows


if __name__ == "__main__":
    model_path, video_path, audio_path, fps_arg, prefix = sys.argv[1:6]
    result, windows = desync(torch.jit.load(model_path), video_path, audio_path, float(fps_arg))
    if windows:
        for name, t in zip(("vfeats", "afeats", "logits"), windows):
            torch.save(t, f"{prefix}.{name}.pt")
    print(json.dumps(result))
