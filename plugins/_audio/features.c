/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Spectral front-ends of audio.h: PaSST's mel, Kaldi fbank, torchaudio's
 * MelSpectrogram and CLAP's feature extractor.  The FFT is FFTW's, in double
 * (see rfft below); frames, windows and filter banks follow the upstream
 * float32 (torch) or float64 (NumPy) operation order.
 */
#include "config.h"

#include "audio.h"
#include "vision.h"

#include <errno.h>
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* FFTW's planner is not thread-safe; executing a plan is. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- real FFT frames ---- */

/*
 * The torch front-ends run in float32, but their FFT (PocketFFT inside torch)
 * rounds in its own order: a float32 FFT of another library differs from it by
 * float32 noise of the frame's whole energy, which in a bin thousands of times
 * weaker than the frame is a large relative error (measured: up to 2e-3 in a
 * log-mel, against 4e-4 between torch's own float32 and float64 results).
 * Frames are therefore formed in float32 exactly as upstream forms them and
 * transformed in double, so the result is the exact spectrum of upstream's
 * frame: within upstream's own float32 noise of its value.
 */
typedef struct rfft {
    int n;
    fftw_plan plan;
    double *in;
    fftw_complex *out;
} rfft;

static int rfft_open(rfft *f, int n)
{
    memset(f, 0, sizeof(*f));
    f->n = n;
    f->in = fftw_malloc(sizeof(double) * (size_t) n);
    f->out = fftw_malloc(sizeof(fftw_complex) * (size_t) (n / 2 + 1));
    if (!f->in || !f->out)
        return -ENOMEM;
    /* FFTW_ESTIMATE: the same plan, so the same rounding, on every run. */
    pthread_mutex_lock(&planner_lock);
    f->plan = fftw_plan_dft_r2c_1d(n, f->in, f->out, FFTW_ESTIMATE);
    pthread_mutex_unlock(&planner_lock);
    return f->plan ? 0 : -ENOMEM;
}

static void rfft_close(rfft *f)
{
    if (f->plan) {
        pthread_mutex_lock(&planner_lock);
        fftw_destroy_plan(f->plan);
        pthread_mutex_unlock(&planner_lock);
    }
    fftw_free(f->in);
    fftw_free(f->out);
    memset(f, 0, sizeof(*f));
}

/* f->in -> power spectrum re^2 + im^2 in pw[n / 2 + 1]. */
static void rfft_power(rfft *f, double *pw)
{
    fftw_execute(f->plan);
    for (int b = 0; b <= f->n / 2; b++) {
        double re = f->out[b][0], im = f->out[b][1];
        pw[b] = re * re + im * im;
    }
}

/* torch.hann_window(len, periodic) in float32: arange * (2 pi / denom), cos,
 * * -0.5, + 0.5 (torch's hamming_window with alpha = beta = 0.5). */
static void torch_hann(float *w, int len, int periodic)
{
    if (len == 1) {
        w[0] = 1.0f;
        return;
    }
    double denom = periodic ? len : len - 1;
    float step = (float) (3.141592653589793 * 2.0 / denom);
    for (int k = 0; k < len; k++) {
        float v = (float) k * step;
        w[k] = cosf(v) * -0.5f + 0.5f;
    }
}

/* torch.stft(center=True, pad_mode="reflect") frame @p t of x into in[0..n_fft),
 * window win (length win_len) centred in n_fft as torch pads it. */
static void stft_frame(const float *x, int64_t n, int n_fft, int hop, const float *win, int win_len,
                       int64_t t, double *in)
{
    int left = (n_fft - win_len) / 2;
    int64_t origin = t * hop - n_fft / 2;
    for (int k = 0; k < n_fft; k++) {
        if (k < left || k >= left + win_len) {
            in[k] = 0;
            continue;
        }
        int64_t src = origin + k;
        if (src < 0)
            src = -src;
        if (src >= n)
            src = 2 * (n - 1) - src;
        in[k] = x[src] * win[k - left]; /* the float32 product torch forms */
    }
}

/* out[m][t] = sum_b bank[m][b] * pw[t][b] (double sums, one rounding). */
static void apply_bank(const float *bank, int n_mels, int n_bins, const double *pw, int64_t frames,
                       float *out)
{
    for (int m = 0; m < n_mels; m++) {
        const float *row = bank + (size_t) m * n_bins;
        int lo = 0, hi = n_bins;
        while (lo < hi && row[lo] == 0)
            lo++;
        while (hi > lo && row[hi - 1] == 0)
            hi--;
        for (int64_t t = 0; t < frames; t++) {
            const double *p = pw + (size_t) t * n_bins;
            double acc = 0;
            for (int b = lo; b < hi; b++)
                acc += (double) row[b] * p[b];
            out[(size_t) m * frames + t] = (float) acc;
        }
    }
}

/* ---- torchaudio.compliance.kaldi.get_mel_banks (float32, vtln off) ---- */

static float kaldi_mel_f(float f)
{
    return 1127.0f * logf(1.0f + f / 700.0f);
}

/* bank: [num_bins][padded / 2 + 1], the last column zero (as both PaSST and
 * fbank pad it). */
static void kaldi_mel_banks(int num_bins, int padded, double sample_freq, double low_freq,
                            double high_freq, float *bank)
{
    int n_fft_bins = padded / 2;
    double nyquist = 0.5 * sample_freq;
    if (high_freq <= 0.0)
        high_freq += nyquist;
    double fft_bin_width = sample_freq / padded;
    double mel_low = 1127.0 * log(1.0 + low_freq / 700.0);
    double mel_high = 1127.0 * log(1.0 + high_freq / 700.0);
    double delta = (mel_high - mel_low) / (num_bins + 1);
    for (int b = 0; b < num_bins; b++) {
        float left = (float) mel_low + (float) b * (float) delta;
        float center = (float) mel_low + ((float) b + 1.0f) * (float) delta;
        float right = (float) mel_low + ((float) b + 2.0f) * (float) delta;
        float *row = bank + (size_t) b * (n_fft_bins + 1);
        for (int k = 0; k < n_fft_bins; k++) {
            float mel = kaldi_mel_f((float) fft_bin_width * (float) k);
            float up = (mel - left) / (center - left);
            float down = (right - mel) / (right - center);
            float v = up < down ? up : down;
            row[k] = v > 0 ? v : 0;
        }
        row[n_fft_bins] = 0;
    }
}

/* ---- PaSST AugmentMelSTFT ---- */

enum { PASST_NFFT = 1024, PASST_HOP = 320, PASST_WIN = 800, PASST_MELS = 128 };

int64_t fva_passt_mel_frames(int64_t n)
{
    return n >= 2 ? 1 + (n - 1) / PASST_HOP : 0;
}

int fva_passt_mel(const float *x, int64_t n, float *out, char *err, size_t errlen)
{
    int64_t len = n - 1; /* after the 2-tap pre-emphasis conv1d */
    if (len <= PASST_NFFT / 2)
        return set_err(err, errlen, -EINVAL,
                       "%lld samples are too few for PaSST's STFT (needs more than %d)",
                       (long long) n, PASST_NFFT / 2 + 1);
    int64_t frames = fva_passt_mel_frames(n);
    const int bins = PASST_NFFT / 2 + 1;
    float *pre = malloc((size_t) len * sizeof(float));
    double *pw = malloc((size_t) frames * bins * sizeof(double));
    float *bank = malloc((size_t) PASST_MELS * bins * sizeof(float));
    float win[PASST_WIN];
    rfft f;
    int ret = rfft_open(&f, PASST_NFFT);
    if (!pre || !pw || !bank || ret < 0) {
        ret = set_err(err, errlen, -ENOMEM, "no memory for PaSST's mel of %lld samples",
                      (long long) n);
        goto out;
    }
    /* conv1d with weight [-0.97, 1]: y[i] = -0.97 x[i] + x[i+1] */
    for (int64_t i = 0; i < len; i++)
        pre[i] = -0.97f * x[i] + x[i + 1];
    torch_hann(win, PASST_WIN, 0);
    for (int64_t t = 0; t < frames; t++) {
        stft_frame(pre, len, PASST_NFFT, PASST_HOP, win, PASST_WIN, t, f.in);
        rfft_power(&f, pw + (size_t) t * bins);
    }
    /* fmax = sr // 2 - fmax_aug_range // 2 = 16000 - 1000 */
    kaldi_mel_banks(PASST_MELS, PASST_NFFT, 32000.0, 0.0, 15000.0, bank);
    apply_bank(bank, PASST_MELS, bins, pw, frames, out);
    for (int64_t i = 0; i < (int64_t) PASST_MELS * frames; i++)
        out[i] = (logf(out[i] + 0.00001f) + 4.5f) / 5.0f;
    ret = 0;
out:
    rfft_close(&f);
    free(pre);
    free(pw);
    free(bank);
    return ret;
}

/* ---- torchaudio.compliance.kaldi.fbank ---- */

void fva_kaldi_defaults(fva_kaldi_opts *o)
{
    o->num_mel_bins = 23;
    o->sample_frequency = 16000.0;
    o->frame_length_ms = 25.0;
    o->frame_shift_ms = 10.0;
    o->low_freq = 20.0;
    o->high_freq = 0.0;
    o->preemphasis = 0.97;
    o->window = FVA_KALDI_POVEY;
}

static void kaldi_sizes(const fva_kaldi_opts *o, int *size, int *shift, int *padded)
{
    /* int(sample_frequency * frame_length * MILLISECONDS_TO_SECONDS) */
    *size = (int) (o->sample_frequency * o->frame_length_ms * 0.001);
    *shift = (int) (o->sample_frequency * o->frame_shift_ms * 0.001);
    int p = 1;
    while (p < *size)
        p <<= 1;
    *padded = p;
}

int64_t fva_kaldi_frames(const fva_kaldi_opts *o, int64_t n)
{
    int size, shift, padded;
    kaldi_sizes(o, &size, &shift, &padded);
    if (n < size || shift <= 0)
        return 0;
    return 1 + (n - size) / shift;
}

int fva_kaldi_fbank(const fva_kaldi_opts *o, const float *x, int64_t n, float *out, char *err,
                    size_t errlen)
{
    int size, shift, padded;
    kaldi_sizes(o, &size, &shift, &padded);
    if (o->num_mel_bins <= 3 || size < 2 || shift <= 0)
        return set_err(err, errlen, -EINVAL, "bad kaldi fbank options");
    if (n < size)
        return set_err(err, errlen, -EINVAL,
                       "%lld samples are fewer than one %d-sample kaldi fbank window",
                       (long long) n, size);
    int64_t frames = fva_kaldi_frames(o, n);
    const int bins = padded / 2 + 1;
    float *win = malloc((size_t) size * sizeof(float));
    float *frame = malloc((size_t) size * sizeof(float));
    double *pw = calloc((size_t) (frames > 0 ? frames : 1) * bins, sizeof(double));
    float *bank = malloc((size_t) o->num_mel_bins * bins * sizeof(float));
    float *mel = malloc((size_t) o->num_mel_bins * (frames > 0 ? frames : 1) * sizeof(float));
    rfft f;
    int ret = rfft_open(&f, padded);
    if (!win || !frame || !pw || !bank || !mel || ret < 0) {
        ret = set_err(err, errlen, -ENOMEM, "no memory for a kaldi fbank of %lld samples",
                      (long long) n);
        goto out;
    }
    torch_hann(win, size, 0);
    if (o->window == FVA_KALDI_POVEY)
        for (int k = 0; k < size; k++)
            win[k] = powf(win[k], 0.85f);
    const float preemph = (float) o->preemphasis;
    for (int64_t t = 0; t < frames; t++) {
        const float *src = x + t * shift;
        double sum = 0;
        for (int k = 0; k < size; k++)
            sum += src[k];
        float mean = (float) (sum / size);
        for (int k = 0; k < size; k++)
            frame[k] = src[k] - mean;
        /* replicate-padded offset: y[0] = x[0] - c x[0], y[k] = x[k] - c x[k-1] */
        if (preemph != 0.0f)
            for (int k = size - 1; k >= 0; k--)
                frame[k] = frame[k] - preemph * frame[k > 0 ? k - 1 : 0];
        for (int k = 0; k < padded; k++)
            f.in[k] = k < size ? frame[k] * win[k] : 0.0f; /* float32 product */
        rfft_power(&f, pw + (size_t) t * bins);
    }
    kaldi_mel_banks(o->num_mel_bins, padded, o->sample_frequency, o->low_freq, o->high_freq,
                    bank);
    apply_bank(bank, o->num_mel_bins, bins, pw, frames, mel);
    /* max(x, float32 eps).log(), transposed to (frames, bins) */
    for (int64_t t = 0; t < frames; t++)
        for (int m = 0; m < o->num_mel_bins; m++) {
            float v = mel[(size_t) m * frames + t];
            if (!(v >= 1.1920928955078125e-07f))
                v = v != v ? v : 1.1920928955078125e-07f;
            out[(size_t) t * o->num_mel_bins + m] = logf(v);
        }
    ret = 0;
out:
    rfft_close(&f);
    free(win);
    free(frame);
    free(pw);
    free(bank);
    free(mel);
    return ret;
}

/* ---- torchaudio MelSpectrogram ---- */

/* torch.linspace in float32: start + step * i below the halfway point, end -
 * step * (steps - 1 - i) from it. */
static void torch_linspace_f(float start, float end, int steps, float *out)
{
    if (steps == 1) {
        out[0] = start;
        return;
    }
    float step = (end - start) / (float) (steps - 1);
    int halfway = steps / 2;
    for (int i = 0; i < steps; i++)
        out[i] = i < halfway ? start + step * (float) i : end - step * (float) (steps - i - 1);
}

int64_t fva_melspec_frames(const fva_melspec_opts *o, int64_t n)
{
    return o->hop_length > 0 ? 1 + n / o->hop_length : 0;
}

/* melscale_fbanks(n_freqs, f_min, f_max, n_mels, sr, norm=None, "htk"),
 * stored transposed as bank[n_mels][n_freqs]. */
static void htk_fbanks_torch(const fva_melspec_opts *o, double f_max, float *bank)
{
    int n_freqs = o->n_fft / 2 + 1, n_mels = o->n_mels;
    float *all = malloc(sizeof(float) * (size_t) n_freqs);
    float *m_pts = malloc(sizeof(float) * (size_t) (n_mels + 2));
    if (!all || !m_pts)
        goto out;
    torch_linspace_f(0.0f, (float) (o->sample_rate / 2), n_freqs, all);
    double m_min = 2595.0 * log10(1.0 + o->f_min / 700.0);
    double m_max = 2595.0 * log10(1.0 + f_max / 700.0);
    torch_linspace_f((float) m_min, (float) m_max, n_mels + 2, m_pts);
    float *f_pts = m_pts; /* converted in place */
    for (int i = 0; i < n_mels + 2; i++)
        f_pts[i] = 700.0f * (powf(10.0f, m_pts[i] / 2595.0f) - 1.0f);
    for (int m = 0; m < n_mels; m++) {
        float d0 = f_pts[m + 1] - f_pts[m], d1 = f_pts[m + 2] - f_pts[m + 1];
        for (int k = 0; k < n_freqs; k++) {
            float down = (-1.0f * (f_pts[m] - all[k])) / d0;
            float up = (f_pts[m + 2] - all[k]) / d1;
            float v = down < up ? down : up;
            bank[(size_t) m * n_freqs + k] = v > 0 ? v : 0;
        }
    }
out:
    free(all);
    free(m_pts);
}

int fva_melspec(const fva_melspec_opts *o, const float *x, int64_t n, float *out, char *err,
                size_t errlen)
{
    if (o->n_fft < 2 || o->win_length < 1 || o->win_length > o->n_fft || o->hop_length < 1 ||
        o->n_mels < 1 || o->sample_rate <= 0)
        return set_err(err, errlen, -EINVAL, "bad MelSpectrogram options");
    if (n <= o->n_fft / 2)
        return set_err(err, errlen, -EINVAL,
                       "%lld samples are too few for a %d-point STFT with reflect padding",
                       (long long) n, o->n_fft);
    double f_max = o->f_max > 0 ? o->f_max : o->sample_rate / 2;
    int64_t frames = fva_melspec_frames(o, n);
    const int bins = o->n_fft / 2 + 1;
    float *win = malloc(sizeof(float) * (size_t) o->win_length);
    double *pw = malloc((size_t) frames * bins * sizeof(double));
    float *bank = calloc((size_t) o->n_mels * bins, sizeof(float));
    rfft f;
    int ret = rfft_open(&f, o->n_fft);
    if (!win || !pw || !bank || ret < 0) {
        ret = set_err(err, errlen, -ENOMEM, "no memory for a mel spectrogram of %lld samples",
                      (long long) n);
        goto out;
    }
    torch_hann(win, o->win_length, 1);
    for (int64_t t = 0; t < frames; t++) {
        stft_frame(x, n, o->n_fft, o->hop_length, win, o->win_length, t, f.in);
        rfft_power(&f, pw + (size_t) t * bins);
    }
    htk_fbanks_torch(o, f_max, bank);
    apply_bank(bank, o->n_mels, bins, pw, frames, out);
    ret = 0;
out:
    rfft_close(&f);
    free(win);
    free(pw);
    free(bank);
    return ret;
}

/* ---- Hugging Face ClapFeatureExtractor (NumPy, float64) ---- */

enum { CLAP_NFFT = 1024, CLAP_HOP = 480, CLAP_BINS = CLAP_NFFT / 2 + 1 };

/* mel_filter_bank(513, 64, 50, 14000, 48000, norm=None, mel_scale="htk"),
 * bank[mel][bin], float64 as NumPy. */
static void clap_mel_filters(double *bank)
{
    const int n_mels = FVA_CLAP_MELS;
    double mel_min = 2595.0 * log10(1.0 + 50.0 / 700.0);
    double mel_max = 2595.0 * log10(1.0 + 14000.0 / 700.0);
    double filt[FVA_CLAP_MELS + 2];
    /* np.linspace: start + i * step, the last point exactly stop */
    double step = (mel_max - mel_min) / (n_mels + 1);
    for (int i = 0; i < n_mels + 2; i++) {
        double m = i == n_mels + 1 ? mel_max : mel_min + i * step;
        filt[i] = 700.0 * (pow(10.0, m / 2595.0) - 1.0);
    }
    double fstep = (48000 / 2) / (double) (CLAP_BINS - 1);
    for (int m = 0; m < n_mels; m++)
        for (int k = 0; k < CLAP_BINS; k++) {
            double fft_freq = k == CLAP_BINS - 1 ? 24000.0 : k * fstep;
            double down = -(filt[m] - fft_freq) / (filt[m + 1] - filt[m]);
            double up = (filt[m + 2] - fft_freq) / (filt[m + 2] - filt[m + 1]);
            double v = down < up ? down : up;
            bank[(size_t) m * CLAP_BINS + k] = v > 0 ? v : 0;
        }
}

/* transformers' spectrogram(): reflect pad 512, periodic Hann, FFT in float64
 * stored as complex64, |.|^2 in float64, mel filters, max(1e-10), 10 log10,
 * float32.  out: [frames][64]. */
static int clap_log_mel(const float *wave, int64_t n, float *out, int64_t frames)
{
    double *in = fftw_malloc(sizeof(double) * CLAP_NFFT);
    fftw_complex *spec = fftw_malloc(sizeof(fftw_complex) * CLAP_BINS);
    double *bank = malloc(sizeof(double) * FVA_CLAP_MELS * CLAP_BINS);
    double win[CLAP_NFFT], pw[CLAP_BINS];
    fftw_plan plan = NULL;
    int ret = -ENOMEM;
    if (!in || !spec || !bank)
        goto out;
    pthread_mutex_lock(&planner_lock);
    plan = fftw_plan_dft_r2c_1d(CLAP_NFFT, in, spec, FFTW_ESTIMATE);
    pthread_mutex_unlock(&planner_lock);
    if (!plan)
        goto out;
    /* np.hanning(1025)[:-1]: 0.5 - 0.5 cos(2 pi k / 1024) */
    for (int k = 0; k < CLAP_NFFT; k++)
        win[k] = 0.5 - 0.5 * cos(2.0 * 3.141592653589793 * k / CLAP_NFFT);
    clap_mel_filters(bank);
    for (int64_t t = 0; t < frames; t++) {
        int64_t origin = t * CLAP_HOP - CLAP_NFFT / 2;
        for (int k = 0; k < CLAP_NFFT; k++) {
            int64_t src = origin + k;
            if (src < 0)
                src = -src;
            if (src >= n)
                src = 2 * (n - 1) - src;
            in[k] = (double) wave[src] * win[k];
        }
        fftw_execute(plan);
        for (int b = 0; b < CLAP_BINS; b++) {
            double re = (float) spec[b][0], im = (float) spec[b][1];
            double a = hypot(re, im);
            pw[b] = a * a;
        }
        for (int m = 0; m < FVA_CLAP_MELS; m++) {
            const double *row = bank + (size_t) m * CLAP_BINS;
            double acc = 0;
            for (int b = 0; b < CLAP_BINS; b++)
                acc += row[b] * pw[b];
            if (!(acc >= 1e-10))
                acc = 1e-10;
            out[(size_t) t * FVA_CLAP_MELS + m] = (float) (10.0 * log10(acc));
        }
    }
    ret = 0;
out:
    if (plan) {
        pthread_mutex_lock(&planner_lock);
        fftw_destroy_plan(plan);
        pthread_mutex_unlock(&planner_lock);
    }
    fftw_free(in);
    fftw_free(spec);
    free(bank);
    return ret;
}

int fva_clap_features(const float *x, int64_t n, float *out, bool *is_longer, char *err,
                      size_t errlen)
{
    const int64_t max_len = FVA_CLAP_SAMPLES;
    const size_t plane = (size_t) FVA_CLAP_FRAMES * FVA_CLAP_MELS;
    *is_longer = true; /* see audio.h: one item, always flagged */
    if (n <= 0)
        return set_err(err, errlen, -EINVAL, "no audio samples for CLAP's feature extractor");
    if (n <= max_len) {
        float *wave = calloc((size_t) max_len, sizeof(float));
        if (!wave)
            return set_err(err, errlen, -ENOMEM, "no memory for CLAP's features");
        /* repeatpad: np.tile(wave, int(max_len / n)), then zeros */
        int64_t reps = (int64_t) ((double) max_len / (double) n);
        for (int64_t r = 0; r < reps; r++)
            memcpy(wave + r * n, x, (size_t) n * sizeof(float));
        int ret = clap_log_mel(wave, max_len, out, FVA_CLAP_FRAMES);
        free(wave);
        if (ret < 0)
            return set_err(err, errlen, ret, "no memory for CLAP's features");
        for (int k = 1; k < 4; k++)
            memcpy(out + k * plane, out, plane * sizeof(float));
        return 0;
    }
    int64_t total = 1 + n / CLAP_HOP;
    float *mel = malloc((size_t) total * FVA_CLAP_MELS * sizeof(float));
    if (!mel)
        return set_err(err, errlen, -ENOMEM, "no memory for CLAP's features of %lld samples",
                       (long long) n);
    int ret = clap_log_mel(x, n, mel, total);
    if (ret < 0) {
        free(mel);
        return set_err(err, errlen, ret, "no memory for CLAP's features");
    }
    if (total == FVA_CLAP_FRAMES) {
        for (int k = 0; k < 4; k++)
            memcpy(out + k * plane, mel, plane * sizeof(float));
        free(mel);
        return 0;
    }
    /* np.array_split(range(0, total - 1001 + 1), 3): the first (K % 3)
     * parts one longer; an empty part is [0]. */
    int64_t count = total - FVA_CLAP_FRAMES + 1;
    int64_t base = count / 3, extra = count % 3, begin = 0;
    ret = fvv_resize(mel, 1, (int) total, FVA_CLAP_MELS, out, FVA_CLAP_FRAMES, FVA_CLAP_MELS,
                     FVV_BILINEAR, false);
    if (ret < 0) {
        free(mel);
        return set_err(err, errlen, ret, "no memory for CLAP's features");
    }
    for (int part = 0; part < 3; part++) {
        int64_t len = base + (part < extra ? 1 : 0);
        int64_t start = len > 0 ? begin + len / 2 : 0;
        begin += len;
        memcpy(out + (size_t) (part + 1) * plane, mel + (size_t) start * FVA_CLAP_MELS,
               plane * sizeof(float));
    }
    free(mel);
    return 0;
}
