/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Audio front-ends of the audio metrics, each reproducing the library its
 * upstream metric calls (see README.md for the exact recipes and the measured
 * agreement).  The core hands plugins the source's own samples (rate 0,
 * channels 0 in the field table); every metric resamples here with its
 * upstream's engine, so no metric changes another's audio.
 *
 * Buffers are float32 as upstream's tensors; functions that allocate return
 * malloc'd memory the caller frees.  Errors: negative errno values with a
 * one-line message in err when err is not NULL.
 *
 * Threads: every function may be called from several threads at once; FFTW's
 * planner (not thread-safe) is serialised inside.
 */
#ifndef FVEVAL_AUDIO_H
#define FVEVAL_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- channels, level ---- */

/* Mean of the channels of interleaved PCM (librosa.to_mono, torch .mean(0)):
 * n frames of @p channels floats -> n floats (malloc'd; NULL on no memory).
 * Sums in double, one rounding to float32. */
float *fva_mono(const float *interleaved, int64_t n, int channels);

/* pyloudnorm.normalize.peak(x, target_db): x *= 10^(target_db/20) / max|x|,
 * the gain in double and each product rounded to float32.  -EDOM when max|x|
 * is 0 (upstream divides by zero and every sample becomes NaN) or not finite;
 * x is then unchanged. */
int fva_peak_normalize(float *x, int64_t n, double target_db);

/* ---- resampling ---- */

/* librosa.resample(x, orig_sr, target_sr, res_type="soxr_hq") as librosa.load
 * calls it: python-soxr's soxr.resample (libsoxr, quality SOXR_HQ, float32 in
 * and out, input fed in chunks of int(48000 * in / out) samples into an output
 * buffer of int(n * out / in) + 1, then flushed), then librosa's fix_length to
 * ceil(n * out / in) (zero-padded or cut).  Same rates: a copy.
 * *out is malloc'd. */
int fva_resample_soxr_hq(const float *x, int64_t n, int in_rate, int out_rate, float **out,
                         int64_t *out_n, char *err, size_t errlen);

/* librosa.load(path, sr=out_rate, mono=True) on decoded PCM: the channel mean
 * (fva_mono), then fva_resample_soxr_hq.  n frames of @p channels interleaved
 * floats at @p in_rate; *out is malloc'd.  -ENOMEM (with a message) or the
 * resampler's error. */
int fva_librosa_load(const float *interleaved, int64_t n, int channels, int in_rate, int out_rate,
                     float **out, int64_t *out_n, char *err, size_t errlen);

/* torchaudio's windowed-sinc resample (Hann window, lowpass_filter_width 6,
 * rolloff 0.99): the kernel of torchaudio.functional.resample (computed in the
 * waveform's float32) or of transforms.Resample (computed in float64, stored
 * as float32). */
typedef enum fva_sinc_kernel {
    FVA_SINC_FUNCTIONAL = 0, /* torchaudio.functional.resample(wav_f32, ...) */
    FVA_SINC_TRANSFORM = 1   /* torchaudio.transforms.Resample(orig, new)(wav) */
} fva_sinc_kernel;

typedef struct fva_sinc fva_sinc;

/* NULL on a rate <= 0 or no memory. */
fva_sinc *fva_sinc_new(int orig_rate, int new_rate, fva_sinc_kernel kind);
void fva_sinc_free(fva_sinc *r);
/* Output length for n input samples: ceil(new * n / orig) with the rates
 * reduced by their gcd (n itself when the rates are equal). */
int64_t fva_sinc_out_len(const fva_sinc *r, int64_t n);
/* Resamples n samples into out (fva_sinc_out_len floats). */
void fva_sinc_run(const fva_sinc *r, const float *x, int64_t n, float *out);

/* ---- spectral front-ends ---- */

/* PaSST's AugmentMelSTFT in eval mode (hear21passt, get_basic_model's
 * settings): pre-emphasis y[i] = x[i+1] - 0.97 x[i] (n - 1 samples), torch.stft
 * (n_fft 1024, hop 320, symmetric Hann 800 centred in 1024, center=True,
 * reflect padding), power, Kaldi mel banks (128, 0..15000 Hz at 32 kHz,
 * torchaudio.compliance.kaldi.get_mel_banks, one zero column added),
 * log(M + 1e-5), (x + 4.5) / 5.  Output row-major [128][frames] with
 * frames = fva_passt_mel_frames(n).  -EINVAL when n - 1 <= 512 (torch's
 * reflect padding needs more samples than it pads). */
int64_t fva_passt_mel_frames(int64_t n);
int fva_passt_mel(const float *x, int64_t n, float *out, char *err, size_t errlen);

/* torchaudio.compliance.kaldi.fbank on one channel with dither 0,
 * energy off, snip_edges, use_power, use_log_fbank, round_to_power_of_two and
 * remove_dc_offset on (its defaults); the fields below are the arguments
 * ImageBind and others set. */
typedef enum fva_kaldi_window { FVA_KALDI_HANNING = 0, FVA_KALDI_POVEY = 1 } fva_kaldi_window;
typedef struct fva_kaldi_opts {
    int num_mel_bins;             /* kaldi default 23; ImageBind 128 */
    double sample_frequency;      /* 16000 */
    double frame_length_ms;       /* 25 */
    double frame_shift_ms;        /* 10 */
    double low_freq, high_freq;   /* 20, 0 (<= 0: relative to Nyquist) */
    double preemphasis;           /* 0.97 */
    fva_kaldi_window window;
} fva_kaldi_opts;
void fva_kaldi_defaults(fva_kaldi_opts *o);
/* Frames kaldi makes from n samples: 1 + (n - window) / shift, 0 when n < window. */
int64_t fva_kaldi_frames(const fva_kaldi_opts *o, int64_t n);
/* out: row-major [frames][num_mel_bins] (torch's (frames, bins)). */
int fva_kaldi_fbank(const fva_kaldi_opts *o, const float *x, int64_t n, float *out, char *err,
                    size_t errlen);

/* torchaudio.transforms.MelSpectrogram(sample_rate, n_fft, win_length,
 * hop_length, f_min, f_max, n_mels) with its other defaults: periodic Hann of
 * win_length centred in n_fft, center=True with reflect padding, power 2,
 * HTK mel scale, no filter normalisation.  out: [n_mels][frames],
 * frames = 1 + n / hop.  -EINVAL when n <= n_fft / 2. */
typedef struct fva_melspec_opts {
    int sample_rate, n_fft, win_length, hop_length, n_mels;
    double f_min, f_max; /* f_max <= 0: sample_rate / 2 */
} fva_melspec_opts;
int64_t fva_melspec_frames(const fva_melspec_opts *o, int64_t n);
int fva_melspec(const fva_melspec_opts *o, const float *x, int64_t n, float *out, char *err,
                size_t errlen);

/* Hugging Face ClapFeatureExtractor for laion/clap-htsat-fused
 * (48 kHz, 64 HTK mel bins 50..14000 Hz, window 1024, hop 480, 10 s,
 * padding "repeatpad", truncation "fusion") on one clip: out holds
 * 4 x 1001 x 64 floats ([4][frames][mel]).  *is_longer is upstream's flag
 * for a batch of one: always true (a clip of <= 10 s is chosen as the
 * "random" longer item of its one-item batch; a longer clip is longer).
 * For clips longer than 10 s upstream picks three random 1001-frame crops
 * (np.random.choice in the front, middle and back thirds of the possible
 * starts); here each crop starts at the middle element of its third
 * (ranges[k][len / 2]), a fixed documented choice.  -EINVAL on n == 0. */
#define FVA_CLAP_SAMPLES 480000
#define FVA_CLAP_FRAMES 1001
#define FVA_CLAP_MELS 64
int fva_clap_features(const float *x, int64_t n, float *out, bool *is_longer, char *err,
                      size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
