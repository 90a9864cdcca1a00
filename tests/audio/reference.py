# SPDX-License-Identifier: Apache-2.0
"""Upstream front-ends, for tests/audio/frontends.sh.

    reference.py JOBS

Each line of JOBS: ``OP IN.f32 OUT.f32 [ARGS]`` as given to tests/audio/frontend;
OUT.f32 is what fveval's C code wrote (absent when it refused the input).  Every
line is recomputed here the way upstream computes it, with torchaudio, NumPy and
(for soxr) libsoxr through ctypes, and compared: the largest difference divided
by the largest magnitude of the reference must be <= 1e-5, or, for the float32
torch STFT front-ends (passt, fbank, melspec), no more than 1.5 times the same
measure between upstream in float32 and upstream in float64 when that is larger.  Prints one line per
job; exit 1 when any differs.
"""
import ctypes
import ctypes.util
import math
import os
import sys

import numpy as np
import torch
import torchaudio

TOL = 1e-5


def mono(x, ch):
    # librosa.to_mono on soundfile's (channels, n) view
    return np.mean(x.reshape(-1, ch).T, axis=0)


def peak(x):
    # pyloudnorm.normalize.peak(x, -1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.power(10.0, -1.0 / 20.0) / np.max(np.abs(x))
        return gain * x


def soxr_hq(x, in_rate, out_rate):
    """python-soxr's soxr.resample(x, in, out, 'soxr_hq') (csoxr_divide_proc), then
    librosa's fix_length.  The same calls to Debian's libsoxr."""
    lib = ctypes.CDLL(ctypes.util.find_library("soxr") or "libsoxr.so.0")

    class IoSpec(ctypes.Structure):
        _fields_ = [("itype", ctypes.c_int), ("otype", ctypes.c_int), ("scale", ctypes.c_double),
                    ("e", ctypes.c_void_p), ("flags", ctypes.c_ulong)]

    class QSpec(ctypes.Structure):
        _fields_ = [("precision", ctypes.c_double), ("phase_response", ctypes.c_double),
                    ("passband_end", ctypes.c_double), ("stopband_begin", ctypes.c_double),
                    ("e", ctypes.c_void_p), ("flags", ctypes.c_ulong)]

    lib.soxr_io_spec.restype = IoSpec
    lib.soxr_io_spec.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.soxr_quality_spec.restype = QSpec
    lib.soxr_quality_spec.argtypes = [ctypes.c_ulong, ctypes.c_ulong]
    lib.soxr_create.restype = ctypes.c_void_p
    lib.soxr_create.argtypes = [ctypes.c_double, ctypes.c_double, ctypes.c_uint,
                                ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(IoSpec),
                                ctypes.POINTER(QSpec), ctypes.c_void_p]
    lib.soxr_process.restype = ctypes.c_char_p
    lib.soxr_process.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                 ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                 ctypes.POINTER(ctypes.c_size_t)]
    lib.soxr_delete.argtypes = [ctypes.c_void_p]
    n_samples = int(np.ceil(x.shape[-1] * (float(out_rate) / in_rate)))
    if in_rate == out_rate:
        y = x.copy()
    else:
        io = lib.soxr_io_spec(0, 0)                     # SOXR_FLOAT32_I
        q = lib.soxr_quality_spec(4, 0)                 # SOXR_HQ
        err = ctypes.c_char_p()
        s = lib.soxr_create(in_rate, out_rate, 1, ctypes.byref(err), ctypes.byref(io),
                            ctypes.byref(q), None)
        ilen = x.shape[0]
        olen = int(ilen * out_rate / in_rate + 1)
        chunk = int(48000 * in_rate / out_rate)
        y = np.zeros(olen, dtype=np.float32)
        x = np.ascontiguousarray(x, dtype=np.float32)
        pos = 0
        done = ctypes.c_size_t()
        for i in range(0, ilen, chunk):
            m = min(chunk, ilen - i)
            lib.soxr_process(s, x[i:].ctypes.data, m, None, y[pos:].ctypes.data, olen - pos,
                             ctypes.byref(done))
            pos += done.value
        lib.soxr_process(s, None, 0, None, y[pos:].ctypes.data, olen - pos, ctypes.byref(done))
        pos += done.value
        lib.soxr_delete(s)
        y = y[:pos]
    # librosa.util.fix_length
    if y.shape[0] > n_samples:
        return y[:n_samples]
    return np.pad(y, (0, n_samples - y.shape[0]))


def sinc(x, a, b, kind):
    w = torch.from_numpy(x)[None]
    if kind == "transform":
        return torchaudio.transforms.Resample(a, b)(w)[0].numpy()
    return torchaudio.functional.resample(w, a, b)[0].numpy()


def passt(x, dtype=torch.float32):
    """hear21passt AugmentMelSTFT.forward in eval mode (get_basic_model's settings)."""
    window = torch.hann_window(800, periodic=False, dtype=dtype)
    pre = torch.as_tensor([[[-.97, 1]]], dtype=dtype)
    w = torch.from_numpy(x).to(dtype)[None]
    w = torch.nn.functional.conv1d(w.unsqueeze(1), pre).squeeze(1)
    w = torch.stft(w, 1024, hop_length=320, win_length=800, center=True, normalized=False,
                   window=window, return_complex=False)
    w = (w ** 2).sum(dim=-1)
    fmin, fmax = 0.0, 32000 // 2 - 2000 // 2
    mel_basis, _ = torchaudio.compliance.kaldi.get_mel_banks(128, 1024, 32000, fmin, fmax,
                                                             vtln_low=100.0, vtln_high=-500.,
                                                             vtln_warp_factor=1.0)
    mel_basis = torch.nn.functional.pad(mel_basis, (0, 1), mode="constant", value=0).to(dtype)
    m = torch.matmul(mel_basis, w)
    m = (m + 0.00001).log()
    return ((m + 4.5) / 5.)[0].numpy()


def fbank(x, window, dtype=torch.float32):
    # ImageBind's waveform2melspec call
    return torchaudio.compliance.kaldi.fbank(
        torch.from_numpy(x).to(dtype)[None], htk_compat=True, sample_frequency=16000, use_energy=False,
        window_type=window, num_mel_bins=128, dither=0.0, frame_length=25,
        frame_shift=10).numpy()


def melspec(x, dtype=torch.float32):
    # Synchformer's MelSpectrogram
    t = torchaudio.transforms.MelSpectrogram(sample_rate=16000, win_length=400, hop_length=160,
                                             n_fft=1024, n_mels=128).to(dtype)
    return t(torch.from_numpy(x).to(dtype)[None])[0].numpy()


# ---- transformers ClapFeatureExtractor (4.x), written out with NumPy ----

def hertz_to_mel(f):
    return 2595.0 * np.log10(1.0 + (f / 700.0))


def mel_to_hertz(m):
    return 700.0 * (np.power(10, m / 2595.0) - 1.0)


def mel_filter_bank(n_bins, n_mels, fmin, fmax, sr):
    mel_freqs = np.linspace(hertz_to_mel(fmin), hertz_to_mel(fmax), n_mels + 2)
    filter_freqs = mel_to_hertz(mel_freqs)
    fft_freqs = np.linspace(0, sr // 2, n_bins)
    filter_diff = np.diff(filter_freqs)
    slopes = np.expand_dims(filter_freqs, 0) - np.expand_dims(fft_freqs, 1)
    down = -slopes[:, :-2] / filter_diff[:-1]
    up = slopes[:, 2:] / filter_diff[1:]
    return np.maximum(np.zeros(1), np.minimum(down, up))


def spectrogram(wave, window, frame_length, hop, mel_filters):
    wave = np.pad(wave, [(frame_length // 2, frame_length // 2)], mode="reflect")
    wave = wave.astype(np.float64)
    window = window.astype(np.float64)
    num_frames = int(1 + np.floor((wave.size - frame_length) / hop))
    spec = np.empty((num_frames, frame_length // 2 + 1), dtype=np.complex64)
    buf = np.zeros(frame_length)
    ts = 0
    for i in range(num_frames):
        buf[:frame_length] = wave[ts:ts + frame_length]
        buf[:frame_length] *= window
        spec[i] = np.fft.rfft(buf)
        ts += hop
    spec = np.abs(spec, dtype=np.float64) ** 2.0
    spec = spec.T
    spec = np.maximum(1e-10, np.dot(mel_filters.T, spec))
    spec = 10.0 * np.log10(np.clip(spec, a_min=1e-10, a_max=None))
    return spec.astype(np.float32)


def clap(x):
    max_length, hop = 480000, 480
    filters = mel_filter_bank(513, 64, 50, 14000, 48000)
    window = np.hanning(1025)[:-1]

    def fbank_np(w):
        return spectrogram(w, window, 1024, hop, filters).T

    if x.shape[0] > max_length:
        mel = fbank_np(x)
        chunk_frames = max_length // hop + 1
        total = mel.shape[0]
        if chunk_frames == total:
            return np.stack([mel] * 4)
        ranges = np.array_split(list(range(0, total - chunk_frames + 1)), 3)
        for k in (1, 2):
            if len(ranges[k]) == 0:
                ranges[k] = [0]
        # upstream: np.random.choice(ranges[k]); fveval: the middle element
        idx = [ranges[k][len(ranges[k]) // 2] for k in range(3)]
        chunks = [mel[i:i + chunk_frames, :] for i in idx]
        shrink = torch.nn.functional.interpolate(torch.tensor(mel[None, None, :]),
                                                 size=[chunk_frames, 64], mode="bilinear",
                                                 align_corners=False)[0][0].numpy()
        return np.stack([shrink] + chunks)
    n_repeat = int(max_length / len(x))
    w = np.tile(x, n_repeat)
    w = np.pad(w, (0, max_length - w.shape[0]), mode="constant", constant_values=0)
    m = fbank_np(w)
    return np.stack([m] * 4)


def expected64(op, x, args):
    """The torch front-ends run in float64: upstream's own float32 spread."""
    if op == "passt":
        return passt(x, torch.float64)
    if op == "fbank":
        return fbank(x, args[0], torch.float64)
    if op == "melspec":
        return melspec(x, torch.float64)
    return None


def rel_diff(a, ref):
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    diff = float(np.max(np.abs(a.astype(np.float64) - ref))) if ref.size else 0.0
    return diff, (diff / scale if scale > 0 else diff)


def expected(op, x, args):
    if op == "mono":
        return mono(x, int(args[0]))
    if op == "peak":
        return peak(x)
    if op == "soxr":
        return soxr_hq(x, int(args[0]), int(args[1]))
    if op == "sinc":
        return sinc(x, int(args[0]), int(args[1]), args[2])
    if op == "passt":
        return passt(x)
    if op == "fbank":
        return fbank(x, args[0])
    if op == "melspec":
        return melspec(x)
    if op == "clap":
        return clap(x)
    raise ValueError(op)


def main():
    failures = 0
    for line in open(sys.argv[1]):
        f = line.split()
        if not f:
            continue
        op, src, out, args = f[0], f[1], f[2], f[3:]
        x = np.fromfile(src, dtype=np.float32)
        name = " ".join([op, os.path.basename(src)] + args)
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                ref = np.asarray(expected(op, x, args), dtype=np.float32).ravel()
            if op == "peak" and not np.all(np.isfinite(ref)):
                raise ValueError("non-finite output (silent input)")
        except Exception as e:  # upstream refuses the input: fveval must too
            if os.path.exists(out):
                print(f"FAIL: {name}: upstream raises ({type(e).__name__}: {str(e)[:80]}) "
                      "but fveval gave a result")
                failures += 1
            else:
                print(f"ok: {name}: refused by both ({type(e).__name__})")
            continue
        if not os.path.exists(out):
            print(f"FAIL: {name}: fveval refused an input upstream accepts")
            failures += 1
            continue
        got = np.fromfile(out, dtype=np.float32)
        if got.shape != ref.shape:
            print(f"FAIL: {name}: {got.size} values, upstream {ref.size}")
            failures += 1
            continue
        diff, rel = rel_diff(got, ref)
        # A float32 torch front-end is itself only as exact as its float32 FFT: where
        # it is further than TOL from its own float64 result, fveval may be as far
        # (1.5x) from it, never further.
        tol, note = TOL, ""
        ref64 = expected64(op, x, args)
        if ref64 is not None:
            spread = rel_diff(ref.astype(np.float32), np.asarray(ref64, np.float64).ravel())[1]
            tol = max(TOL, 1.5 * spread)
            note = f" (upstream float32 vs float64: {spread:.3g})"
        ok = np.all(np.isfinite(got)) and rel <= tol
        print(f"{'ok' if ok else 'FAIL'}: {name}: {ref.size} values, max|diff| {diff:.3g}, "
              f"relative {rel:.3g}{note}")
        failures += not ok
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
