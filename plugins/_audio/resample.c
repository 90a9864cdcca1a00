/* SPDX-License-Identifier: Apache-2.0 */
/* Channel mean, peak normalisation and the two resamplers of audio.h. */
#include "config.h"

#include "audio.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <soxr.h>

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

float *fva_mono(const float *interleaved, int64_t n, int channels)
{
    if (n < 0 || channels <= 0)
        return NULL;
    float *out = malloc((size_t) (n > 0 ? n : 1) * sizeof(float));
    if (!out)
        return NULL;
    for (int64_t i = 0; i < n; i++) {
        const float *frame = interleaved + i * channels;
        double sum = 0;
        for (int c = 0; c < channels; c++)
            sum += frame[c];
        out[i] = (float) (sum / channels);
    }
    return out;
}

int fva_peak_normalize(float *x, int64_t n, double target_db)
{
    double peak = 0;
    for (int64_t i = 0; i < n; i++) {
        double a = fabs((double) x[i]);
        if (!(a <= peak)) /* also catches NaN */
            peak = a;
    }
    if (!(peak > 0) || !isfinite(peak))
        return -EDOM;
    double gain = pow(10.0, target_db / 20.0) / peak;
    for (int64_t i = 0; i < n; i++)
        x[i] = (float) (gain * x[i]);
    return 0;
}

/* ---- libsoxr, python-soxr's recipe ---- */

int fva_resample_soxr_hq(const float *x, int64_t n, int in_rate, int out_rate, float **out,
                         int64_t *out_n, char *err, size_t errlen)
{
    *out = NULL;
    *out_n = 0;
    if (in_rate <= 0 || out_rate <= 0 || n < 0)
        return set_err(err, errlen, -EINVAL, "cannot resample %d Hz to %d Hz", in_rate, out_rate);
    /* librosa: n_samples = int(np.ceil(n * (target_sr / orig_sr))) */
    double ratio = (double) out_rate / (double) in_rate;
    int64_t want = (int64_t) ceil((double) n * ratio);
    /* python-soxr's csoxr_divide_proc: olen = ilen * out / in + 1 (size_t
     * arithmetic on doubles), chunks of size_t(48000 * in / out).  One
     * zeroed buffer serves as soxr's output and as librosa's fix_length
     * result, so a long file is not held twice. */
    size_t ilen = (size_t) n;
    size_t olen = (size_t) ((double) ilen * out_rate / in_rate) + 1;
    size_t cap = olen > (size_t) want ? olen : (size_t) want;
    float *y = calloc(cap > 0 ? cap : 1, sizeof(float));
    if (!y)
        return set_err(err, errlen, -ENOMEM, "no memory to resample %lld samples", (long long) n);
    if (in_rate == out_rate) {
        if (n)
            memcpy(y, x, (size_t) n * sizeof(float));
        *out = y;
        *out_n = n;
        return 0;
    }
    size_t chunk = (size_t) (48000.0 * in_rate / out_rate);
    if (chunk == 0)
        chunk = 1;
    float *buf = y;
    soxr_error_t serr = NULL;
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    soxr_t s = soxr_create(in_rate, out_rate, 1, &serr, &io, &q, NULL);
    if (!s || serr) {
        free(y);
        return set_err(err, errlen, -EINVAL, "libsoxr: %s", serr ? serr : "cannot create");
    }
    size_t pos = 0, done = 0;
    for (size_t i = 0; i < ilen; i += chunk) {
        size_t len = ilen - i < chunk ? ilen - i : chunk;
        serr = soxr_process(s, x + i, len, NULL, buf + pos, olen - pos, &done);
        pos += done;
    }
    serr = soxr_process(s, NULL, 0, NULL, buf + pos, olen - pos, &done);
    pos += done;
    soxr_delete(s);
    if (serr) {
        free(y);
        return set_err(err, errlen, -EIO, "libsoxr: %s", serr);
    }
    /* fix_length: zeros after soxr's output up to `want`, or cut there */
    if ((int64_t) pos < want)
        memset(y + pos, 0, (size_t) (want - (int64_t) pos) * sizeof(float));
    *out = y;
    *out_n = want;
    return 0;
}

/* ---- torchaudio's windowed sinc ---- */

struct fva_sinc {
    int orig, new_; /* reduced by the gcd */
    int width;      /* taps either side */
    int taps;       /* 2 * width + orig */
    float *kernel;  /* [new_][taps] */
};

static int gcd_int(int a, int b)
{
    while (b) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/*
 * _get_sinc_resample_kernel, operation by operation.  FUNCTIONAL runs in
 * float32 (the waveform's dtype); TRANSFORM in float64, except that
 * arange(0, -new, -1) / new is an int64 tensor divided in float32 (torch's
 * default dtype) before it meets the float64 idx.
 */
static void sinc_kernel(fva_sinc *r, fva_sinc_kernel kind, double base_freq)
{
    const int lpw = 6;
    const double pi = 3.141592653589793;
    double scale = base_freq / r->orig;
    for (int j = 0; j < r->new_; j++) {
        for (int k = 0; k < r->taps; k++) {
            double v;
            if (kind == FVA_SINC_FUNCTIONAL) {
                float idx = (float) (k - r->width) / (float) r->orig;
                float t = (float) -j / (float) r->new_ + idx;
                t *= (float) base_freq;
                if (t < -lpw)
                    t = (float) -lpw;
                if (t > lpw)
                    t = (float) lpw;
                float w = cosf(t * (float) pi / (float) lpw / 2.0f);
                w = w * w;
                t *= (float) pi;
                float s = t == 0 ? 1.0f : sinf(t) / t;
                s *= w * (float) scale;
                v = s;
            } else {
                double idx = (double) (k - r->width) / r->orig;
                double t = (double) ((float) -j / (float) r->new_) + idx;
                t *= base_freq;
                if (t < -lpw)
                    t = -lpw;
                if (t > lpw)
                    t = lpw;
                double w = cos(t * pi / lpw / 2);
                w = w * w;
                t *= pi;
                double s = t == 0 ? 1.0 : sin(t) / t;
                s *= w * scale;
                v = s;
            }
            r->kernel[(size_t) j * r->taps + k] = (float) v;
        }
    }
}

fva_sinc *fva_sinc_new(int orig_rate, int new_rate, fva_sinc_kernel kind)
{
    if (orig_rate <= 0 || new_rate <= 0)
        return NULL;
    fva_sinc *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    int g = gcd_int(orig_rate, new_rate);
    r->orig = orig_rate / g;
    r->new_ = new_rate / g;
    if (r->orig == r->new_)
        return r; /* upstream returns the waveform itself */
    double base_freq = (r->orig < r->new_ ? r->orig : r->new_) * 0.99;
    r->width = (int) ceil(6.0 * r->orig / base_freq);
    r->taps = 2 * r->width + r->orig;
    r->kernel = malloc((size_t) r->new_ * (size_t) r->taps * sizeof(float));
    if (!r->kernel) {
        free(r);
        return NULL;
    }
    sinc_kernel(r, kind, base_freq);
    return r;
}

void fva_sinc_free(fva_sinc *r)
{
    if (r) {
        free(r->kernel);
        free(r);
    }
}

int64_t fva_sinc_out_len(const fva_sinc *r, int64_t n)
{
    if (r->orig == r->new_)
        return n;
    /* int(math.ceil(new * length / orig)), Python float division */
    return (int64_t) ceil((double) r->new_ * (double) n / (double) r->orig);
}

/*
 * conv1d(pad(x, (width, width + orig)), kernel, stride=orig): block b, phase j
 * is output b * new + j; input index b * orig + k - width (zero outside).
 */
void fva_sinc_run(const fva_sinc *r, const float *x, int64_t n, float *out)
{
    if (r->orig == r->new_) {
        memcpy(out, x, (size_t) n * sizeof(float));
        return;
    }
    int64_t total = fva_sinc_out_len(r, n);
    for (int64_t o = 0; o < total; o++) {
        int64_t b = o / r->new_;
        int j = (int) (o % r->new_);
        const float *kern = r->kernel + (size_t) j * r->taps;
        int64_t start = b * r->orig - r->width;
        int k0 = start < 0 ? (int) -start : 0;
        int k1 = r->taps;
        if (start + k1 > n)
            k1 = (int) (n - start);
        /* double sums: the float32 GEMM behind torch's conv1d rounds in an
         * order of its own; the exact sum is the closest common ground.  Four
         * partial sums break the chain of dependent adds (3x the speed); in
         * double their other order moves the sum far below the float32
         * rounding of the result (60 s of audio resample to the same bits). */
        const float *xs = x + start + k0, *ks = kern + k0;
        int len = k1 - k0, k = 0;
        double acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
        for (; k + 4 <= len; k += 4) {
            acc0 += (double) xs[k] * ks[k];
            acc1 += (double) xs[k + 1] * ks[k + 1];
            acc2 += (double) xs[k + 2] * ks[k + 2];
            acc3 += (double) xs[k + 3] * ks[k + 3];
        }
        for (; k < len; k++)
            acc0 += (double) xs[k] * ks[k];
        out[o] = (float) ((acc0 + acc1) + (acc2 + acc3));
    }
}

int fva_librosa_load(const float *interleaved, int64_t n, int channels, int in_rate, int out_rate,
                     float **out, int64_t *out_n, char *err, size_t errlen)
{
    *out = NULL;
    *out_n = 0;
    float *mono = fva_mono(interleaved, n, channels);
    if (!mono) {
        snprintf(err, errlen, "no memory for %lld audio samples", (long long) n);
        return -ENOMEM;
    }
    int ret = fva_resample_soxr_hq(mono, n, in_rate, out_rate, out, out_n, err, errlen);
    free(mono);
    return ret;
}
