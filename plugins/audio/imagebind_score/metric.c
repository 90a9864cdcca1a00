/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audio.imagebind_score: cosine between ImageBind-huge's video and audio
 * embeddings (FastVideo fastvideo/eval/metrics/audio/imagebind_score, with
 * ImageBind's load_and_transform_{video,audio}_data).  See README.md.
 *
 * The network runs from the model file (per-clip embeddings after ImageBind's
 * modality postprocessors); everything around it is here: the clip sampler,
 * frame picking, resize, normalisation and crops of the video side, the
 * resampling, mean removal and Kaldi fbank of the audio side, and the mean over
 * clips and the cosine of the metric.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "audio.h"
#include "frame_features.h"
#include "vision.h"

#define IB_MODEL_FILE "imagebind_huge.pt"
#define IB_MODEL_SOURCE "https://dl.fbaipublicfiles.com/imagebind/imagebind_huge.pth"
#define IB_MODEL_RECIPE "python3 tools/export/imagebind.py --out DIR/" IB_MODEL_FILE
#define IB_DIM 1024 /* out_embed_dim of imagebind_huge */

#define IB_CLIP_SECONDS 2 /* clip_duration of both loaders */
/* Video: 5 clips, UniformTemporalSubsample(2) frames each, SpatialCrop(224, 3). */
#define IB_VIDEO_CLIPS 5
#define IB_CLIP_FRAMES 2
#define IB_CROPS 3
#define IB_SIZE 224
#define IB_VIDEO_PICKS (IB_VIDEO_CLIPS * IB_CLIP_FRAMES)
#define IB_VIDEO_S (IB_VIDEO_CLIPS * IB_CROPS)
/* Audio: 3 clips at 16 kHz, 128 mel bins, 204 frames, AudioSet mean/std. */
#define IB_AUDIO_CLIPS 3
#define IB_RATE 16000
#define IB_MELS 128
#define IB_TARGET 204
#define IB_FBANK_MEAN (-4.268f)
#define IB_FBANK_STD 9.138f
/* Durations beyond this (about 35 000 years) are refused: the exact clip
 * arithmetic below then fits in 64-bit integers. */
#define IB_MAX_DURATION 1099511627776.0 /* 2^40 s */

typedef struct ib_priv {
    fveval_model *model;
} ib_priv;

/* ---- ConstantClipsPerVideoSampler in exact arithmetic ---------------------------- */

/*
 * pytorchvideo's sampler works in Fractions: clip i of K starts at
 * Fraction(max(duration - 2, 0)) / (K - 1) * i and ends 2 s later.  A value
 * here is n * 2^e exactly; with K - 1 a power of two (4 and 2 here) every
 * start and end is such a dyadic rational, so nothing is rounded until
 * upstream rounds: float(start) (a correctly rounded int -> double conversion
 * of n, then an exact ldexp) and int(start * 16000) (exact floor).
 */
typedef struct dyadic {
    int64_t n;
    int e;
} dyadic;

/* m >= 0 finite as n * 2^e with n odd (or 0). */
static dyadic dyadic_of(double m)
{
    dyadic d = {0, 0};
    if (m <= 0)
        return d;
    int ex;
    double f = frexp(m, &ex); /* m = f * 2^ex, f in [0.5, 1) */
    d.n = (int64_t) ldexp(f, 53);
    d.e = ex - 53;
    while (!(d.n & 1)) {
        d.n >>= 1;
        d.e++;
    }
    return d;
}

static int log2_exact(int k)
{
    int b = 0;
    while ((1 << b) < k)
        b++;
    return (1 << b) == k ? b : -1;
}

/*
 * Start and end of clip i of K over @p duration seconds.  duration - 2 is a
 * multiple of 2^-51 (Sterbenz below 4 s, a double >= 2 above), so e >= -51
 * and every shift below stays inside 64 bits for durations < 2^40 s.
 */
static void clip_bounds(double duration, int clips, int i, dyadic *start, dyadic *end)
{
    double m = duration - IB_CLIP_SECONDS; /* float - Fraction is a float subtraction */
    dyadic q = dyadic_of(m > 0 ? m : 0);
    int k = log2_exact(clips > 1 ? clips - 1 : 1);
    start->n = q.n * i;
    start->e = q.e - k;
    if (start->e >= 0) { /* an integer: fold the exponent in */
        end->n = (start->n << start->e) + IB_CLIP_SECONDS;
        end->e = 0;
    } else {
        end->n = start->n + ((int64_t) IB_CLIP_SECONDS << -start->e);
        end->e = start->e;
    }
}

/* float(Fraction): the correctly rounded double. */
static double dyadic_double(dyadic d)
{
    return ldexp((double) d.n, d.e);
}

/* int(x * 16000) for x >= 0: 16000 = 125 * 2^7, and n * 125 < 2^63. */
static int64_t dyadic_floor_rate(dyadic d)
{
    int64_t v = d.n * 125;
    int e = d.e + 7;
    return e >= 0 ? v << e : v >> -e;
}

/*
 * EncodedVideoDecord.get_clip(start, end): frames
 * range(ceil(fps * float(start)), min(ceil(fps * float(end)), T)).
 */
static void video_clip_range(int nb_frames, double fps, int i, int *first, int *last)
{
    double duration = (double) nb_frames / fps;
    dyadic a, b;
    clip_bounds(duration, IB_VIDEO_CLIPS, i, &a, &b);
    double s = ceil(fps * dyadic_double(a));
    double e = ceil(fps * dyadic_double(b));
    *first = (int) s;
    *last = e < nb_frames ? (int) e : nb_frames; /* exclusive */
}

/* Why a clip of T frames at fps cannot be sampled, or NULL. */
static const char *video_refusal(int nb_frames, double fps, char *buf, size_t len)
{
    if (!(fps > 0) || !isfinite(fps)) {
        snprintf(buf, len, "the video has no frame rate (upstream divides its frame count by it)");
        return buf;
    }
    if (nb_frames < 1) {
        snprintf(buf, len, "the video has no frames");
        return buf;
    }
    if ((double) nb_frames / fps >= IB_MAX_DURATION) {
        snprintf(buf, len, "the video lasts %g s, beyond the 2^40 s this metric handles",
                 (double) nb_frames / fps);
        return buf;
    }
    for (int i = 0; i < IB_VIDEO_CLIPS; i++) {
        int first, last;
        video_clip_range(nb_frames, fps, i, &first, &last);
        if (last <= first) {
            /* upstream's UniformTemporalSubsample asserts on an empty clip */
            snprintf(buf, len, "clip %d of %d (%.6g fps, %d frames) holds no frame", i + 1,
                     IB_VIDEO_CLIPS, fps, nb_frames);
            return buf;
        }
    }
    return NULL;
}

/*
 * The frames upstream reads: per clip, UniformTemporalSubsample(2) =
 * torch.linspace(0, t - 1, 2).long() of its t frames (the first and the last).
 * Clip-major, 10 indices; 0 when the clip cannot be sampled (compute says why).
 */
static int ib_select(fveval_ctx *ctx, const fveval_sample *s, const char *field, int nb_frames,
                     double fps, int *indices, int max)
{
    (void) ctx, (void) s, (void) field;
    char why[160];
    if (max < IB_VIDEO_PICKS || video_refusal(nb_frames, fps, why, sizeof why))
        return 0;
    for (int i = 0; i < IB_VIDEO_CLIPS; i++) {
        int first, last, pick[IB_CLIP_FRAMES];
        video_clip_range(nb_frames, fps, i, &first, &last);
        fvv_linspace_torch_long(0.0f, (float) (last - first - 1), IB_CLIP_FRAMES, 0, pick);
        for (int f = 0; f < IB_CLIP_FRAMES; f++)
            indices[i * IB_CLIP_FRAMES + f] = first + pick[f];
    }
    return IB_VIDEO_PICKS;
}

/*
 * load_and_transform_video_data on the 10 picked frames: x / 255, ShortSideScale(224)
 * (torch bilinear, no antialias; long side floor(long / short * 224)), CLIP
 * normalisation, SpatialCrop(224, 3).  out: (15, 3, 2, 224, 224), s = clip * 3 + crop.
 */
static int video_input(const fveval_video *v, float *out)
{
    int w = v->width, h = v->height, rw, rh;
    if (w < h) {
        rw = IB_SIZE;
        rh = (int) floor((double) h / w * IB_SIZE);
    } else {
        rh = IB_SIZE;
        rw = (int) floor((double) w / h * IB_SIZE);
    }
    fvv_transform tf = {.in_divisor = 255.0f, .resize_h = rh, .resize_w = rw,
                        .interp = FVV_BILINEAR, .antialias = false,
                        .mean = fvv_clip_mean, .std = fvv_clip_std};
    size_t plane = (size_t) rh * rw;
    float *frames = malloc((size_t) IB_VIDEO_PICKS * 3 * plane * sizeof(float));
    if (!frames)
        return -ENOMEM;
    int order[IB_VIDEO_PICKS];
    for (int k = 0; k < IB_VIDEO_PICKS; k++)
        order[k] = k;
    int r = fvv_transform_frames(v, order, IB_VIDEO_PICKS, &tf, frames);
    if (r < 0) {
        free(frames);
        return r;
    }
    /* uniform_crop: Python's math.ceil((size - 224) / 2); the long side moves */
    int y_mid = (rh - IB_SIZE + 1) / 2, x_mid = (rw - IB_SIZE + 1) / 2;
    for (int clip = 0; clip < IB_VIDEO_CLIPS; clip++)
        for (int crop = 0; crop < IB_CROPS; crop++) {
            int y0 = y_mid, x0 = x_mid;
            if (rh > rw)
                y0 = crop == 0 ? 0 : crop == 2 ? rh - IB_SIZE : y_mid;
            else
                x0 = crop == 0 ? 0 : crop == 2 ? rw - IB_SIZE : x_mid;
            float *dst = out + (size_t) (clip * IB_CROPS + crop) * 3 * IB_CLIP_FRAMES * IB_SIZE *
                                   IB_SIZE;
            for (int c = 0; c < 3; c++)
                for (int t = 0; t < IB_CLIP_FRAMES; t++) {
                    const float *src =
                        frames + ((size_t) (clip * IB_CLIP_FRAMES + t) * 3 + c) * plane;
                    float *d = dst + ((size_t) c * IB_CLIP_FRAMES + t) * IB_SIZE * IB_SIZE;
                    for (int y = 0; y < IB_SIZE; y++)
                        memcpy(d + (size_t) y * IB_SIZE, src + (size_t) (y0 + y) * rw + x0,
                               IB_SIZE * sizeof(float));
                }
        }
    free(frames);
    return 0;
}

/* ---- audio ---------------------------------------------------------------------- */

/*
 * The 16 kHz samples of the three clips, every channel: clip i is
 * waveform[:, start_i : end_i] (starts int(start * 16000), ends 32000 later or at
 * the end), held as channels x len[i] floats.  The source is resampled with
 * torchaudio.functional.resample when it is not at 16 kHz, one channel at a
 * time; only the clip windows are kept (at most 3 x 2 s per channel).
 */
typedef struct ib_audio {
    int channels;
    int64_t n;                         /* samples per channel at 16 kHz */
    int64_t start[IB_AUDIO_CLIPS], len[IB_AUDIO_CLIPS];
    float *clip[IB_AUDIO_CLIPS];
} ib_audio;

static void ib_audio_free(ib_audio *a)
{
    for (int i = 0; i < IB_AUDIO_CLIPS; i++)
        free(a->clip[i]);
}

static int audio_windows(const fveval_audio *src, ib_audio *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->channels = src->channels;
    if (src->channels < 1 || src->rate < 1) {
        snprintf(err, errlen, "the audio has %d channels at %d Hz", src->channels, src->rate);
        return -EINVAL;
    }
    fva_sinc *rs = NULL;
    if (src->rate != IB_RATE) {
        rs = fva_sinc_new(src->rate, IB_RATE, FVA_SINC_FUNCTIONAL);
        if (!rs) {
            snprintf(err, errlen, "no memory for a resampler");
            return -ENOMEM;
        }
        a->n = fva_sinc_out_len(rs, src->nb_samples);
    } else {
        a->n = src->nb_samples;
    }
    double duration = (double) a->n / IB_RATE; /* Python int / int: correctly rounded */
    if (duration >= IB_MAX_DURATION) {
        fva_sinc_free(rs);
        snprintf(err, errlen, "the audio lasts %g s, beyond the 2^40 s this metric handles",
                 duration);
        return -ERANGE;
    }
    for (int i = 0; i < IB_AUDIO_CLIPS; i++) {
        dyadic s, e;
        clip_bounds(duration, IB_AUDIO_CLIPS, i, &s, &e);
        int64_t first = dyadic_floor_rate(s);
        /* int(end * 16000) = int(start * 16000) + 32000 exactly; Python's slice stops at n */
        int64_t last = first + (int64_t) IB_CLIP_SECONDS * IB_RATE;
        if (last > a->n)
            last = a->n;
        if (first > last)
            first = last;
        a->start[i] = first;
        a->len[i] = last - first;
        a->clip[i] = malloc(((size_t) a->len[i] * a->channels + 1) * sizeof(float));
        if (!a->clip[i]) {
            fva_sinc_free(rs);
            ib_audio_free(a);
            snprintf(err, errlen, "no memory for the audio clips");
            return -ENOMEM;
        }
    }
    float *chan = malloc(((size_t) src->nb_samples + 1) * sizeof(float));
    float *res = rs ? malloc(((size_t) a->n + 1) * sizeof(float)) : chan;
    if (!chan || !res) {
        free(chan);
        if (rs)
            free(res);
        fva_sinc_free(rs);
        ib_audio_free(a);
        snprintf(err, errlen, "no memory for one channel of the audio");
        return -ENOMEM;
    }
    for (int c = 0; c < a->channels; c++) {
        for (int64_t k = 0; k < src->nb_samples; k++)
            chan[k] = src->data[k * a->channels + c];
        if (rs && src->nb_samples > 0)
            fva_sinc_run(rs, chan, src->nb_samples, res);
        for (int i = 0; i < IB_AUDIO_CLIPS; i++)
            memcpy(a->clip[i] + (size_t) c * a->len[i], res + a->start[i],
                   (size_t) a->len[i] * sizeof(float));
    }
    free(chan);
    if (rs)
        free(res);
    fva_sinc_free(rs);
    return 0;
}

/*
 * load_and_transform_audio_data's clips into (3, 1, 128, 204).  waveform2melspec
 * runs `waveform -= waveform.mean()` on a slice, a view: it changes the
 * whole waveform in place, so a clip that overlaps earlier ones (audio shorter
 * than 6 s) starts from samples those clips' means were already taken off,
 * in clip order.  The mean is over every channel; the fbank reads channel 0.
 */
static int audio_input(ib_audio *a, float *out, char *err, size_t errlen)
{
    fva_kaldi_opts ko;
    fva_kaldi_defaults(&ko);
    ko.num_mel_bins = IB_MELS;
    ko.sample_frequency = IB_RATE;
    ko.frame_length_ms = 25;
    ko.frame_shift_ms = 10;
    ko.window = FVA_KALDI_HANNING;
    float mean[IB_AUDIO_CLIPS];
    for (int i = 0; i < IB_AUDIO_CLIPS; i++) {
        int64_t len = a->len[i], frames = fva_kaldi_frames(&ko, len);
        if (frames < 1) {
            /* torchaudio's fbank asserts that a 25 ms window fits */
            snprintf(err, errlen,
                     "audio too short: %lld samples at 16 kHz, fewer than one 25 ms Kaldi "
                     "window (400)",
                     (long long) len);
            return -ERANGE;
        }
        size_t total = (size_t) len * a->channels;
        for (int j = 0; j < i; j++) { /* earlier clips' in-place subtractions, in order */
            int64_t lo = a->start[i] > a->start[j] ? a->start[i] : a->start[j];
            int64_t hi = a->start[i] + len < a->start[j] + a->len[j] ? a->start[i] + len
                                                                      : a->start[j] + a->len[j];
            for (int c = 0; c < a->channels; c++)
                for (int64_t k = lo; k < hi; k++)
                    a->clip[i][(size_t) c * len + (k - a->start[i])] -= mean[j];
        }
        double sum = 0;
        for (size_t k = 0; k < total; k++)
            sum += a->clip[i][k];
        mean[i] = (float) (sum / (double) total);
        for (size_t k = 0; k < total; k++)
            a->clip[i][k] -= mean[i];
        float *fb = malloc((size_t) frames * IB_MELS * sizeof(float));
        if (!fb) {
            snprintf(err, errlen, "no memory for a filter bank");
            return -ENOMEM;
        }
        int r = fva_kaldi_fbank(&ko, a->clip[i], len, fb, err, errlen); /* channel 0 */
        if (r < 0) {
            free(fb);
            return r;
        }
        /* transpose to (mel, frame), zero-pad or cut to 204, then Normalize(-4.268, 9.138) */
        float *dst = out + (size_t) i * IB_MELS * IB_TARGET;
        for (int m = 0; m < IB_MELS; m++)
            for (int f = 0; f < IB_TARGET; f++) {
                float x = f < frames ? fb[(size_t) f * IB_MELS + m] : 0.0f;
                dst[(size_t) m * IB_TARGET + f] = (x - IB_FBANK_MEAN) / IB_FBANK_STD;
            }
        free(fb);
    }
    return 0;
}

/* ---- the metric ----------------------------------------------------------------- */

static const fveval_field ib_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "generated video: 10 of its frames are read (5 clips of 2 s, 2 frames each)"},
    {.name = "audio", .type = FVEVAL_FIELD_AUDIO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "its audio (a path, else the video's own track), at its own rate"},
    {.name = NULL},
};

static const fveval_frame_access ib_access[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_SAMPLED, .count = IB_VIDEO_PICKS},
    {.field = NULL},
};

static const fveval_model_file ib_models[] = {
    {.name = IB_MODEL_FILE, .source = IB_MODEL_SOURCE, .recipe = IB_MODEL_RECIPE},
    {.name = NULL},
};

static int ib_setup(fveval_ctx *ctx)
{
    ib_priv *p = fveval_priv(ctx);
    p->model = fveval_model_load(ctx, IB_MODEL_FILE);
    return p->model ? 0 : -ENOENT;
}

static void ib_uninit(fveval_ctx *ctx)
{
    ib_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->model);
    p->model = NULL;
}

/* mean(dim=1) of (1, S, D) embeddings, as float32 like upstream's tensor. */
static void mean_rows(const float *rows, int n, float *out)
{
    for (int d = 0; d < IB_DIM; d++) {
        double s = 0;
        for (int k = 0; k < n; k++)
            s += rows[(size_t) k * IB_DIM + d];
        out[d] = (float) (s / n);
    }
}

/* One embedding method: the per-clip rows, their mean in @p mean. */
static int embed(fveval_ctx *ctx, ib_priv *p, fveval_result *res, const char *method, int ndim,
                 const int64_t *shape, const float *x, int s, float *mean)
{
    fveval_arg arg[] = {FVEVAL_ARG_TENSOR_OF(ndim, shape, x)};
    size_t dim = IB_DIM;
    float *rows = NULL;
    char why[256];
    int r = fvv_model_rows(ctx, p->model, method, arg, 1, (size_t) s, &dim, &rows, why,
                           sizeof why);
    if (r == -EDOM) {
        fveval_result_skip(ctx, res, "%s", why);
        return -ENOTSUP;
    }
    if (r < 0) {
        fveval_result_error(ctx, res, "%s", why);
        return r;
    }
    mean_rows(rows, s, mean);
    free(rows);
    return 0;
}

static int ib_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    ib_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    const fveval_audio *au = fveval_sample_audio(ctx, s, "audio");
    if (!v || !au) {
        fveval_result_skip(ctx, res, "missing '%s'", !v ? "video" : "audio");
        return -ENOTSUP;
    }
    char why[256];
    if (video_refusal(v->clip_frames, v->fps, why, sizeof why)) {
        fveval_result_skip(ctx, res, "%s", why);
        return -ENOTSUP;
    }
    if (v->nb_frames != IB_VIDEO_PICKS) {
        fveval_result_error(ctx, res, "got %d sampled frames, want %d", v->nb_frames,
                            IB_VIDEO_PICKS);
        return -EIO;
    }

    /* audio first: its refusals are skips, and it is cheaper than the vision side */
    ib_audio a;
    int r = audio_windows(au, &a, why, sizeof why);
    float *ax = NULL;
    if (r == 0) {
        ax = malloc((size_t) IB_AUDIO_CLIPS * IB_MELS * IB_TARGET * sizeof(float));
        r = ax ? audio_input(&a, ax, why, sizeof why) : -ENOMEM;
        ib_audio_free(&a);
    }
    if (r < 0) {
        free(ax);
        if (r == -ERANGE) {
            fveval_result_skip(ctx, res, "%s", why);
            return -ENOTSUP;
        }
        fveval_result_error(ctx, res, "audio: %s", r == -ENOMEM ? "no memory" : why);
        return r;
    }
    float emb_a[IB_DIM], emb_v[IB_DIM];
    const int64_t ashape[5] = {1, IB_AUDIO_CLIPS, 1, IB_MELS, IB_TARGET};
    r = embed(ctx, p, res, "embed_audio", 5, ashape, ax, IB_AUDIO_CLIPS, emb_a);
    free(ax);
    if (r < 0)
        return r;

    size_t vn = (size_t) IB_VIDEO_S * 3 * IB_CLIP_FRAMES * IB_SIZE * IB_SIZE;
    float *vx = malloc(vn * sizeof(float));
    r = vx ? video_input(v, vx) : -ENOMEM;
    if (r < 0) {
        free(vx);
        fveval_result_error(ctx, res, "video: %s", strerror(-r));
        return r;
    }
    const int64_t vshape[6] = {1, IB_VIDEO_S, 3, IB_CLIP_FRAMES, IB_SIZE, IB_SIZE};
    r = embed(ctx, p, res, "embed_vision", 6, vshape, vx, IB_VIDEO_S, emb_v);
    free(vx);
    if (r < 0)
        return r;
    fveval_result_score(ctx, res, fvv_cosine(emb_v, emb_a, IB_DIM));
    return 0;
}

static const fveval_plugin ib_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "audio.imagebind_score",
    .summary = "cosine of ImageBind-huge video and audio embeddings (audio-visual alignment)",
    .description =
        "Video: 5 clips of 2 s spread over the video (pytorchvideo's ConstantClipsPerVideoSampler), "
        "the first and last frame of each, short side bilinearly scaled to 224, CLIP "
        "normalisation, 3 crops of 224 along the long side. Audio: torchaudio resample to "
        "16 kHz, 3 clips of 2 s, mean removal, Kaldi fbank (128 mel, 25/10 ms, hanning) "
        "padded to 204 frames, (x + 4.268) / 9.138. Score: cosine of the mean per-clip "
        "embeddings (ImageBind's normalised outputs).",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL |
             FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = ib_fields,
    .models = ib_models,
    .priv_size = sizeof(ib_priv),
    .setup = ib_setup,
    .compute = ib_compute,
    .uninit = ib_uninit,
    .frame_access = ib_access,
    .select_frames = ib_select,
};

FVEVAL_PLUGIN_DEFINE(ib_plugin)
