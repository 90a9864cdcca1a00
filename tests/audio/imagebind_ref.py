# SPDX-License-Identifier: Apache-2.0
"""Independent audio.imagebind_score with the same model file (a stand-in in tests).

    imagebind_ref.py MODEL VIDEO AUDIO [VIDEO AUDIO ...]   -> one score per line
    (AUDIO may be the video itself: its first audio stream)

ImageBind's load_and_transform_video_data / load_and_transform_audio_data
(facebookresearch/ImageBind@53680b0 data.py, with pytorchvideo@f3142bb's
ConstantClipsPerVideoSampler, EncodedVideoDecord.get_clip, UniformTemporalSubsample
and ShortSideScale) written out in torch, on frames and samples the ffmpeg CLI
decodes: rgb24 with the core's swscale flags (the frame count is what decodes,
the rate the stream's avg_frame_rate), audio as float32 at its own rate and
channel count (what torchaudio.load gives).  Then FastVideo's metric: the mean of
the per-clip embeddings and F.cosine_similarity."""
import json
import math
import os
import subprocess
import sys
from fractions import Fraction

import numpy as np
import torch
import torch.nn.functional as F
import torchaudio
from torchvision import transforms

FFMPEG = os.environ.get("FFMPEG_CLI") or "ffmpeg"
FFPROBE = os.environ.get("FFPROBE_CLI") or "ffprobe"


def probe(path, stream, entries):
    out = subprocess.run([FFPROBE, "-v", "error", "-select_streams", stream, "-show_entries",
                          "stream=" + entries, "-of", "json", path],
                         check=True, capture_output=True).stdout
    return json.loads(out)["streams"][0]


class ConstantClipsPerVideoSampler:
    """pytorchvideo.data.clip_sampling.ConstantClipsPerVideoSampler (augs_per_clip 1)."""

    def __init__(self, clip_duration, clips_per_video):
        self._clip_duration = Fraction(clip_duration)
        self._clips_per_video = clips_per_video
        self._current_clip_index = 0

    def __call__(self, last_clip_end_time, video_duration, annotation):
        max_possible_clip_start = Fraction(max(video_duration - self._clip_duration, 0))
        uniform_clip = Fraction(max_possible_clip_start, max(self._clips_per_video - 1, 1))
        clip_start_sec = uniform_clip * self._current_clip_index
        self._current_clip_index += 1
        is_last_clip = False
        if (self._current_clip_index >= self._clips_per_video
                or uniform_clip * self._current_clip_index > max_possible_clip_start):
            self._current_clip_index = 0
            is_last_clip = True
        return clip_start_sec, clip_start_sec + self._clip_duration, 0, 0, is_last_clip


def get_clip_timepoints(clip_sampler, duration):
    all_clips_timepoints = []
    is_last_clip = False
    end = 0.0
    while not is_last_clip:
        start, end, _, _, is_last_clip = clip_sampler(end, duration, annotation=None)
        all_clips_timepoints.append((start, end))
    return all_clips_timepoints


def video_input(path):
    st = probe(path, "v:0", "width,height,avg_frame_rate")
    w, h = int(st["width"]), int(st["height"])
    num, den = (int(v) for v in st["avg_frame_rate"].split("/"))
    fps = num / den
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", path, "-map", "0:v:0", "-sws_flags",
                          "bicubic+accurate_rnd+full_chroma_int", "-pix_fmt", "rgb24",
                          "-f", "rawvideo", "-"], check=True, capture_output=True).stdout
    frames = torch.from_numpy(np.frombuffer(raw, dtype=np.uint8).reshape(-1, h, w, 3).copy())
    n = frames.shape[0]
    duration = float(n) / float(fps)
    sampler = ConstantClipsPerVideoSampler(clip_duration=2, clips_per_video=5)
    all_video = []
    for start, end in get_clip_timepoints(sampler, duration):
        # EncodedVideoDecord.get_clip
        start_idx = math.ceil(fps * start)
        end_idx = min(math.ceil(fps * end), n)
        clip = frames[list(range(start_idx, end_idx))].to(torch.float32).permute(3, 0, 1, 2)
        # UniformTemporalSubsample(2)
        t = clip.shape[-3]
        idx = torch.clamp(torch.linspace(0, t - 1, 2), 0, t - 1).long()
        clip = torch.index_select(clip, -3, idx)
        all_video.append(clip / 255.0)
    out = []
    for clip in all_video:
        # ShortSideScale(224)
        c, t, hh, ww = clip.shape
        if ww < hh:
            new_h, new_w = int(math.floor((float(hh) / ww) * 224)), 224
        else:
            new_h, new_w = 224, int(math.floor((float(ww) / hh) * 224))
        clip = F.interpolate(clip, size=(new_h, new_w), mode="bilinear", align_corners=False)
        # NormalizeVideo
        mean = torch.as_tensor((0.48145466, 0.4578275, 0.40821073), dtype=clip.dtype)
        std = torch.as_tensor((0.26862954, 0.26130258, 0.27577711), dtype=clip.dtype)
        clip = clip.clone().sub_(mean[:, None, None, None]).div_(std[:, None, None, None])
        # SpatialCrop(224, 3): uniform_crop for spatial_idx 0, 1, 2
        height, width = clip.shape[2], clip.shape[3]
        for spatial_idx in (0, 1, 2):
            y_offset = int(math.ceil((height - 224) / 2))
            x_offset = int(math.ceil((width - 224) / 2))
            if height > width:
                y_offset = 0 if spatial_idx == 0 else height - 224 if spatial_idx == 2 else y_offset
            else:
                x_offset = 0 if spatial_idx == 0 else width - 224 if spatial_idx == 2 else x_offset
            out.append(clip[:, :, y_offset:y_offset + 224, x_offset:x_offset + 224])
    return torch.stack(out, dim=0)[None]


def waveform2melspec(waveform, sample_rate, num_mel_bins, target_length):
    waveform -= waveform.mean()  # in place, on a view of the whole waveform, as upstream
    fbank = torchaudio.compliance.kaldi.fbank(
        waveform, htk_compat=True, sample_frequency=sample_rate, use_energy=False,
        window_type="hanning", num_mel_bins=num_mel_bins, dither=0.0, frame_length=25,
        frame_shift=10)
    fbank = fbank.transpose(0, 1)
    p = target_length - fbank.size(1)
    if p > 0:
        fbank = torch.nn.functional.pad(fbank, (0, p), mode="constant", value=0)
    elif p < 0:
        fbank = fbank[:, 0:target_length]
    return fbank.unsqueeze(0)


def audio_input(path):
    st = probe(path, "a:0", "sample_rate,channels")
    sr, ch = int(st["sample_rate"]), int(st["channels"])
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", path, "-map", "0:a:0", "-f", "f32le", "-"],
                         check=True, capture_output=True).stdout
    waveform = torch.from_numpy(np.frombuffer(raw, dtype=np.float32).reshape(-1, ch).T.copy())
    sample_rate = 16000
    if sample_rate != sr:
        waveform = torchaudio.functional.resample(waveform, orig_freq=sr, new_freq=sample_rate)
    sampler = ConstantClipsPerVideoSampler(clip_duration=2, clips_per_video=3)
    clips = []
    for start, end in get_clip_timepoints(sampler, waveform.size(1) / sample_rate):
        wclip = waveform[:, int(start * sample_rate):int(end * sample_rate)]
        clips.append(waveform2melspec(wclip, sample_rate, 128, 204))
    normalize = transforms.Normalize(mean=-4.268, std=9.138)
    return torch.stack([normalize(c) for c in clips], dim=0)[None]


def main():
    model = torch.jit.load(sys.argv[1])
    for video, audio in zip(sys.argv[2::2], sys.argv[3::2]):
        with torch.no_grad():
            a = model.embed_audio(audio_input(audio)).reshape(1, 3, -1).mean(dim=1)
            v = model.embed_vision(video_input(video)).reshape(1, 15, -1).mean(dim=1)
        print(repr(F.cosine_similarity(v, a, dim=-1)[0].item()))


if __name__ == "__main__":
    main()
