/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audio.desync: audio-video desynchronisation in seconds from Synchformer's
 * offset classifier (FastVideo fastvideo/eval/metrics/audio/desync, a port of
 * av-benchmark's DeSync).  See README.md for the recipe and the model file.
 *
 * Memory: the clip is streamed one frame at a time.  Each source frame a
 * 25 fps target frame uses is resized and cropped once; the newest
 * DS_RING target frames (3 x 224 x 224 floats each, 82 MB) are kept, which
 * covers the last 14 segments and any pending batch of the first 14.  The
 * first 14 segments run through the model as soon as their frames exist, the
 * last 14 at the end, so however long the clip only 28 segments are encoded
 * (each segment is encoded on its own, so the middle ones upstream also
 * encodes cannot change the result).  Audio: the core's PCM, its mono 16 kHz
 * copy, and the log-mels of at most 28 segments.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "audio.h"
#include "frame_features.h"
#include "vision.h"

#define DS_MODEL_FILE "synchformer.pt"
#define DS_MODEL_SOURCE \
    "https://github.com/hkchengrex/MMAudio/releases/download/v0.1/synchformer_state_dict.pth"
#define DS_MODEL_RECIPE \
    "python3 tools/export/synchformer.py --checkpoint synchformer_state_dict.pth --out DIR/" DS_MODEL_FILE

#define DS_SIZE 224                 /* _SYNC_SIZE */
#define DS_FPS 25.0                 /* _SYNC_FPS */
#define DS_RATE 16000               /* _AUDIO_SR */
#define DS_SEG_FRAMES 16            /* _VIDEO_SEG_FRAMES */
#define DS_SEG_STEP 8               /* _VIDEO_SEG_STEP */
#define DS_AUDIO_SEG 10240          /* _AUDIO_SEG_SAMPLES */
#define DS_AUDIO_STEP 5120          /* _AUDIO_SEG_STEP */
#define DS_NSEG 14                  /* _NUM_SEG_PER_DIRECTION: the transformer's pos_emb */
#define DS_MELS 128
#define DS_MEL_FRAMES 66            /* _AUDIO_MEL_FRAMES */
#define DS_MEL_RAW 65               /* 1 + 10240 / 160 */
#define DS_AUDIO_MEAN (-4.2677393f) /* _AUDIO_MEAN */
#define DS_AUDIO_2STD 9.1379948f    /* 2 * _AUDIO_STD (4.5689974), as Python folds it */
#define DS_DIM 768
#define DS_VTOK 8                   /* temporal tokens per video segment */
#define DS_ATOK 6                   /* time tokens per audio segment */
#define DS_CLASSES 21               /* linspace(-2, 2, 21) */
#define DS_PLANE ((size_t) 3 * DS_SIZE * DS_SIZE)
#define DS_SEG_FLOATS ((size_t) DS_SEG_FRAMES * DS_PLANE)
#define DS_VFEAT ((size_t) DS_VTOK * DS_DIM)
#define DS_AFEAT ((size_t) DS_ATOK * DS_DIM)
/*
 * Target frames held.  The last 14 segments need target frames
 * [8 S - 112, 8 S + 8), within the last 127 of the T' frames; streaming may
 * run one frame past T' (K = ceil(T / r) - 1 can equal round(T / r)); a batch
 * of the first 14 segments spans at most 120 frames.  136 leaves a margin.
 */
#define DS_RING 136

typedef struct ds_priv {
    /* options */
    double src_fps;
    int64_t batch;
    const char *features_dir;
    /* model */
    fveval_model *model;
    /* the current sample's video stream */
    bool failed;          /* frame() reported an error or a skip */
    double fps;           /* the source rate used */
    bool resample;        /* |fps - 25| >= 1e-6 */
    double ratio;         /* fps / 25 */
    int in_w, in_h, new_w, new_h, top, left;
    float *chw, *resized; /* one source frame, before and after the resize */
    float *ring;          /* DS_RING transformed target frames */
    int64_t ring_k[DS_RING];
    int64_t next_k;       /* next target frame to produce */
    int64_t src_seen;     /* source frames streamed */
    uint8_t *last_raw;    /* the newest source frame, packed RGB (for the clipped tail) */
    size_t last_raw_size;
    float *head;          /* DS_NSEG x (8 x 768): features of the first segments */
    int head_done;        /* first segments encoded */
    int head_queued;      /* first segments complete, waiting for a batch */
    float *segs;          /* batch x 16 x 3 x 224 x 224: one model call's input */
    char err[512];
} ds_priv;

static const fveval_field ds_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "clip to score (streamed; resampled to 25 fps by nearest frame)"},
    {.name = "audio", .type = FVEVAL_FIELD_AUDIO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "its sound (a path, else the video's own track), at its own rate"},
    {.name = NULL},
};

static const fveval_frame_access ds_access[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_STREAM, .window = 1},
    {.field = NULL},
};

static const fveval_option ds_options[] = {
    {.name = "src_fps",
     .help = "frame rate to assume when the clip has none (an image directory without a "
             "sample fps); 0: none",
     .type = FVEVAL_OPT_DOUBLE, .offset = offsetof(ds_priv, src_fps), .def.dbl = 0, .min = 0,
     .max = 1000},
    {.name = "batch", .help = "video segments per extract_vfeats call (each its own batch item)",
     .type = FVEVAL_OPT_INT, .offset = offsetof(ds_priv, batch), .def.i64 = 7, .min = 1,
     .max = DS_NSEG},
    {.name = "features_dir",
     .help = "for parity checks: write each sample's compare_v_a inputs and logits to "
             "DIR/<sample index>.{vfeats,afeats,logits}.pt (torch.load reads them)",
     .type = FVEVAL_OPT_STRING, .offset = offsetof(ds_priv, features_dir)},
    {.name = NULL},
};

static const fveval_model_file ds_models[] = {
    {.name = DS_MODEL_FILE, .source = DS_MODEL_SOURCE, .recipe = DS_MODEL_RECIPE},
    {.name = NULL},
};

static int ds_setup(fveval_ctx *ctx)
{
    ds_priv *p = fveval_priv(ctx);
    p->model = fveval_model_load(ctx, DS_MODEL_FILE);
    return p->model ? 0 : -ENOENT;
}

static void ds_uninit(fveval_ctx *ctx)
{
    ds_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->model);
    p->model = NULL;
    free(p->chw);
    free(p->resized);
    free(p->ring);
    free(p->last_raw);
    free(p->head);
    free(p->segs);
}

/* Python's floor division (the segment counts use it on negative numerators). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Python round() of a float: half to even, nearbyint in the default rounding mode. */
static int64_t py_round(double x) { return (int64_t) nearbyint(x); }

/* Source frame of target frame k: (arange(T') * (fps / 25)).astype(int64), before clipping. */
static int64_t ds_source_index(const ds_priv *p, int64_t k)
{
    return p->resample ? (int64_t) ((double) k * p->ratio) : k;
}

/* Target frames: max(16, int(round(T / fps * 25))) when resampling, else T. */
static int64_t ds_target_frames(const ds_priv *p, int64_t t)
{
    if (!p->resample)
        return t;
    int64_t n = py_round((double) t / p->fps * DS_FPS);
    return n > DS_SEG_FRAMES ? n : DS_SEG_FRAMES;
}

static float *ds_slot(ds_priv *p, int64_t k) { return p->ring + (size_t) (k % DS_RING) * DS_PLANE; }

/* The held target frame k, or NULL when it is no longer (or not yet) held. */
static const float *ds_target(const ds_priv *p, int64_t k)
{
    if (k < 0 || p->ring_k[k % DS_RING] != k)
        return NULL;
    return p->ring + (size_t) (k % DS_RING) * DS_PLANE;
}

/*
 * _video_transform on one frame: /255, bicubic antialiased resize to
 * (int(round(h * s)), int(round(w * s))) with s = 224 / min(h, w), crop at
 * ((new - 224) // 2), (x - 0.5) / 0.5.
 */
static int ds_transform(ds_priv *p, const fveval_video *v, int t, float *dst)
{
    static const float half[3] = {0.5f, 0.5f, 0.5f};
    fvv_video_frame_to_chw(v, t, 255.0f, p->chw);
    int rc = fvv_resize(p->chw, 3, p->in_h, p->in_w, p->resized, p->new_h, p->new_w, FVV_BICUBIC,
                        true);
    if (rc < 0)
        return rc;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < DS_SIZE; y++)
            memcpy(dst + ((size_t) c * DS_SIZE + y) * DS_SIZE,
                   p->resized + ((size_t) c * p->new_h + p->top + y) * p->new_w + p->left,
                   sizeof(float) * DS_SIZE);
    fvv_normalize(dst, 3, DS_SIZE, DS_SIZE, half, half);
    return 0;
}

/*
 * extract_vfeats on segments first..first+n-1 (target frames 8 i .. 8 i + 15,
 * all held), each its own batch item: (n, 1, 16, 3, 224, 224) -> (n, 1, 8, 768)
 * into out (n x 8 x 768).
 */
static int ds_encode_video(fveval_ctx *ctx, ds_priv *p, const int64_t *segs, int n, float *out)
{
    for (int b = 0; b < n; b++)
        for (int f = 0; f < DS_SEG_FRAMES; f++) {
            int64_t k = segs[b] * DS_SEG_STEP + f;
            const float *src = ds_target(p, k);
            if (!src) {
                snprintf(p->err, sizeof(p->err), "target frame %lld of segment %lld is not held",
                         (long long) k, (long long) segs[b]);
                return -EIO;
            }
            memcpy(p->segs + (size_t) b * DS_SEG_FLOATS + (size_t) f * DS_PLANE, src,
                   sizeof(float) * DS_PLANE);
        }
    int64_t shape[6] = {n, 1, DS_SEG_FRAMES, 3, DS_SIZE, DS_SIZE};
    fveval_arg arg = FVEVAL_ARG_TENSOR_OF(6, shape, p->segs);
    size_t dim = DS_VFEAT;
    float *rows = NULL;
    int rc = fvv_model_rows(ctx, p->model, "extract_vfeats", &arg, 1, (size_t) n, &dim, &rows,
                            p->err, sizeof(p->err));
    if (rc < 0)
        return rc;
    memcpy(out, rows, sizeof(float) * (size_t) n * DS_VFEAT);
    free(rows);
    return 0;
}

/* Encodes the queued first segments. */
static int ds_flush_head(fveval_ctx *ctx, ds_priv *p)
{
    if (p->head_queued == 0)
        return 0;
    int64_t segs[DS_NSEG];
    for (int i = 0; i < p->head_queued; i++)
        segs[i] = p->head_done + i;
    int rc = ds_encode_video(ctx, p, segs, p->head_queued, p->head + (size_t) p->head_done * DS_VFEAT);
    if (rc < 0)
        return rc;
    p->head_done += p->head_queued;
    p->head_queued = 0;
    return 0;
}

/* Stores target frame k (a copy of @p img) and encodes first segments it completes. */
static int ds_put_target(fveval_ctx *ctx, ds_priv *p, int64_t k, const float *img)
{
    float *slot = ds_slot(p, k);
    if (slot != img)
        memcpy(slot, img, sizeof(float) * DS_PLANE);
    p->ring_k[k % DS_RING] = k;
    if (k >= DS_SEG_FRAMES - 1 && (k - (DS_SEG_FRAMES - 1)) % DS_SEG_STEP == 0) {
        int64_t seg = (k - (DS_SEG_FRAMES - 1)) / DS_SEG_STEP;
        if (seg < DS_NSEG) {
            p->head_queued++;
            if (p->head_queued == p->batch || seg == DS_NSEG - 1)
                return ds_flush_head(ctx, p);
        }
    }
    return 0;
}

static void *ds_alloc(size_t n, int *rc)
{
    void *m = malloc(n);
    if (!m)
        *rc = -ENOMEM;
    return m;
}

/* A new sample: rate, geometry, buffers. */
static int ds_start(fveval_ctx *ctx, ds_priv *p, const fveval_video *v, fveval_result *res)
{
    p->failed = false;
    p->err[0] = '\0';
    p->next_k = 0;
    p->src_seen = 0;
    p->head_done = p->head_queued = 0;
    for (int i = 0; i < DS_RING; i++)
        p->ring_k[i] = -1;
    /* the clip's rate (the sample's `fps` when given, else the container's), else src_fps */
    p->fps = v->fps > 0 ? v->fps : p->src_fps;
    if (!(p->fps > 0)) {
        fveval_result_skip(ctx, res, "missing 'fps' (set sample fps or pass src_fps=)");
        return -ENOTSUP;
    }
    p->resample = fabs(p->fps - DS_FPS) >= 1e-6;
    p->ratio = p->fps / DS_FPS;
    p->in_w = v->width;
    p->in_h = v->height;
    double scale = (double) DS_SIZE / (v->height < v->width ? v->height : v->width);
    p->new_h = (int) py_round(v->height * scale);
    p->new_w = (int) py_round(v->width * scale);
    p->top = (p->new_h - DS_SIZE) / 2;  /* both >= 0: the short side rounds to 224 */
    p->left = (p->new_w - DS_SIZE) / 2;
    int rc = 0;
    free(p->chw);
    free(p->resized);
    p->chw = ds_alloc(sizeof(float) * 3 * (size_t) p->in_w * p->in_h, &rc);
    p->resized = ds_alloc(sizeof(float) * 3 * (size_t) p->new_w * p->new_h, &rc);
    size_t raw = (size_t) 3 * p->in_w * p->in_h;
    if (raw != p->last_raw_size) {
        free(p->last_raw);
        p->last_raw = ds_alloc(raw, &rc);
        p->last_raw_size = p->last_raw ? raw : 0;
    }
    if (!p->ring)
        p->ring = ds_alloc(sizeof(float) * DS_RING * DS_PLANE, &rc);
    if (!p->head)
        p->head = ds_alloc(sizeof(float) * DS_NSEG * DS_VFEAT, &rc);
    if (!p->segs)
        p->segs = ds_alloc(sizeof(float) * (size_t) p->batch * DS_SEG_FLOATS, &rc);
    if (rc < 0 || p->new_h < DS_SIZE || p->new_w < DS_SIZE) {
        fveval_result_error(ctx, res, rc < 0 ? "no memory for %dx%d frames"
                                             : "cannot crop 224 from %dx%d frames", v->width,
                            v->height);
        return rc < 0 ? rc : -EINVAL;
    }
    return 0;
}

/*
 * One streamed source frame t: every target frame k with floor(k * fps / 25) == t
 * is this frame transformed.  The raw frame is kept for the tail that
 * upstream clips to the last frame.
 */
static int ds_frame(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                    const fveval_video *window, fveval_result *res)
{
    (void) s, (void) field;
    ds_priv *p = fveval_priv(ctx);
    int newest = window->nb_frames - 1;
    int64_t t = fveval_video_frame_index(window, newest);
    int rc = 0;
    if (t == 0 && (rc = ds_start(ctx, p, window, res)) < 0) {
        p->failed = true;
        return rc;
    }
    if (p->failed)
        return -EIO;
    p->src_seen = t + 1;
    for (int y = 0; y < window->height; y++)
        memcpy(p->last_raw + (size_t) y * 3 * window->width, fveval_video_pixel(window, newest, y, 0),
               (size_t) 3 * window->width);
    if (ds_source_index(p, p->next_k) != t)
        return 0; /* no target frame takes this one (fps above 25) */
    float *first = ds_slot(p, p->next_k);
    rc = ds_transform(p, window, newest, first);
    while (rc == 0 && ds_source_index(p, p->next_k) == t) {
        rc = ds_put_target(ctx, p, p->next_k, first);
        p->next_k++;
    }
    if (rc < 0) {
        p->failed = true;
        fveval_result_error(ctx, res, "%s", p->err[0] ? p->err : strerror(-rc));
    }
    return rc;
}

/*
 * Upstream's _encode_audio_segments up to the model: segments of 10240 samples
 * every 5120 (zero-padded), MelSpectrogram, log(x + 1e-6) for every segment
 * (the pad value is the minimum over all of them), then the kept segments
 * padded to 66 frames and normalised into out ([n_keep][128][66]).
 */
static int ds_audio_mels(const float *x, int64_t n, int64_t n_seg, const int64_t *keep, int n_keep,
                         float *out, char *err, size_t errlen)
{
    static const fva_melspec_opts mel = {.sample_rate = DS_RATE, .n_fft = 1024, .win_length = 400,
                                         .hop_length = 160, .n_mels = DS_MELS};
    float *seg = malloc(sizeof(float) * DS_AUDIO_SEG);
    float *m = malloc(sizeof(float) * DS_MELS * DS_MEL_RAW);
    float *kept = malloc(sizeof(float) * (size_t) n_keep * DS_MELS * DS_MEL_RAW);
    int rc = seg && m && kept ? 0 : -ENOMEM;
    if (rc < 0)
        snprintf(err, errlen, "no memory for mel spectrograms");
    float lo = INFINITY;
    int next = 0;
    for (int64_t i = 0; rc == 0 && i < n_seg; i++) {
        int64_t start = i * DS_AUDIO_STEP, len = n - start < DS_AUDIO_SEG ? n - start : DS_AUDIO_SEG;
        if (len < 0)
            len = 0;
        memcpy(seg, x + start, sizeof(float) * (size_t) len);
        memset(seg + len, 0, sizeof(float) * (size_t) (DS_AUDIO_SEG - len));
        float *dst = next < n_keep && keep[next] == i ? kept + (size_t) next * DS_MELS * DS_MEL_RAW : m;
        rc = fva_melspec(&mel, seg, DS_AUDIO_SEG, dst, err, errlen);
        for (size_t j = 0; rc == 0 && j < (size_t) DS_MELS * DS_MEL_RAW; j++) {
            dst[j] = logf(dst[j] + 1e-6f);
            if (dst[j] < lo)
                lo = dst[j];
        }
        if (dst != m)
            next++;
    }
    for (int k = 0; rc == 0 && k < n_keep; k++)
        for (int f = 0; f < DS_MELS; f++) {
            const float *src = kept + ((size_t) k * DS_MELS + f) * DS_MEL_RAW;
            float *d = out + ((size_t) k * DS_MELS + f) * DS_MEL_FRAMES;
            for (int t = 0; t < DS_MEL_FRAMES; t++)
                d[t] = ((t < DS_MEL_RAW ? src[t] : lo) - DS_AUDIO_MEAN) / DS_AUDIO_2STD;
        }
    free(seg);
    free(m);
    free(kept);
    return rc;
}

/* The segments compare_v_a reads: [0, 14) and [n - 14, n), sorted, once each. */
static int ds_window_segments(int64_t n, int64_t *out)
{
    int k = 0;
    for (int64_t i = 0; i < DS_NSEG; i++)
        out[k++] = i;
    for (int64_t i = n - DS_NSEG; i < n; i++)
        if (i >= DS_NSEG)
            out[k++] = i;
    return k;
}

/* Writes @p data (shape) as DIR/<index>.<name>.pt; failures are logged, not fatal. */
static void ds_dump(fveval_ctx *ctx, const fveval_sample *s, const char *name, int ndim,
                    const int64_t *shape, const float *data)
{
    ds_priv *p = fveval_priv(ctx);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%lld.%s.pt", p->features_dir,
             (long long) fveval_sample_index(ctx, s), name);
    fveval_arg arg = FVEVAL_ARG_TENSOR_OF(ndim, shape, data);
    if (fveval_tensor_save(ctx, &arg, path) < 0)
        fveval_log(ctx, FVEVAL_LOG_WARNING, "cannot write %s: %s", path, fveval_model_error(ctx));
}

/* argmax (first maximum, as torch.argmax on the CPU) */
static int ds_argmax(const float *x, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best])
            best = i;
    return best;
}

/* |grid[i]| for make_class_grid(-2, 2, 21): np.linspace in float64, then .float(). */
static double ds_grid_abs(int i)
{
    double step = (2.0 - -2.0) / (DS_CLASSES - 1);
    float g = i == DS_CLASSES - 1 ? 2.0f : (float) (i * step + -2.0);
    return fabs((double) g);
}

static int ds_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    ds_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    const fveval_audio *a = fveval_sample_audio(ctx, s, "audio");
    if (!v || !a) {
        fveval_result_skip(ctx, res, "missing %s", !v && !a ? "'video', 'audio'" : !v ? "'video'" : "'audio'");
        return -ENOTSUP;
    }
    int64_t t_src = v->clip_frames;
    if (p->failed || t_src < 1 || p->src_seen != t_src) {
        fveval_result_error(ctx, res, "%lld frames streamed of %lld decoded", (long long) p->src_seen,
                            (long long) t_src);
        return -EIO;
    }
    int rc = 0;
    /* the tail upstream clips to the last frame: idx >= T becomes T - 1 */
    int64_t t_out = ds_target_frames(p, t_src);
    if (p->next_k < t_out) {
        fveval_video last = *v;
        last.data = p->last_raw;
        last.nb_frames = 1;
        last.frame_index = NULL;
        last.frame_stride = p->last_raw_size;
        last.linesize = (ptrdiff_t) 3 * v->width;
        float *img = ds_slot(p, p->next_k);
        rc = ds_transform(p, &last, 0, img);
        for (; rc == 0 && p->next_k < t_out; p->next_k++)
            rc = ds_put_target(ctx, p, p->next_k, img);
        if (rc < 0) {
            fveval_result_error(ctx, res, "%s", p->err[0] ? p->err : strerror(-rc));
            return rc;
        }
    }
    int64_t s_v = floor_div(t_out - DS_SEG_FRAMES, DS_SEG_STEP) + 1;
    if (s_v <= 0) { /* only at 25 fps exactly: resampling gives at least 16 frames */
        fveval_result_error(ctx, res, "video too short for Synchformer segmenting (got %lld frames)",
                            (long long) t_out);
        return -EINVAL;
    }

    /* audio: channel mean at the native rate, torchaudio's Resample to 16 kHz */
    char err[256] = "";
    float *mono = fva_mono(a->data, a->nb_samples, a->channels);
    float *x = mono;
    int64_t n = a->nb_samples;
    if (!mono) {
        fveval_result_error(ctx, res, "no memory for %lld audio samples", (long long) n);
        return -ENOMEM;
    }
    if (a->rate != DS_RATE) {
        fva_sinc *rs = fva_sinc_new(a->rate, DS_RATE, FVA_SINC_TRANSFORM);
        int64_t m = rs ? fva_sinc_out_len(rs, n) : 0;
        x = rs ? malloc(sizeof(float) * (size_t) (m > 0 ? m : 1)) : NULL;
        if (x)
            fva_sinc_run(rs, mono, n, x);
        fva_sinc_free(rs);
        free(mono);
        if (!x) {
            fveval_result_error(ctx, res, "cannot resample %d Hz audio to 16 kHz", a->rate);
            return -ENOMEM;
        }
        n = m;
    }
    int64_t s_a = floor_div(n - DS_AUDIO_SEG, DS_AUDIO_STEP) + 1;
    if (s_a < 1)
        s_a = 1;
    if (s_v < DS_NSEG || s_a < DS_NSEG) {
        free(x);
        fveval_result_skip(ctx, res,
                           "too few segments for Synchformer pos_emb (need %d, got v=%lld a=%lld); "
                           "use clips of at least ~5 s",
                           DS_NSEG, (long long) s_v, (long long) s_a);
        return -ENOTSUP;
    }

    /* audio features of the segments the two windows read */
    int64_t aseg[2 * DS_NSEG], vseg[2 * DS_NSEG];
    int na = ds_window_segments(s_a, aseg), nv = ds_window_segments(s_v, vseg);
    float *mels = malloc(sizeof(float) * (size_t) na * DS_MELS * DS_MEL_FRAMES);
    float *afe = NULL, *vfe = malloc(sizeof(float) * (size_t) nv * DS_VFEAT);
    rc = mels && vfe ? ds_audio_mels(x, n, s_a, aseg, na, mels, err, sizeof(err)) : -ENOMEM;
    free(x);
    if (rc == 0) {
        int64_t shape[5] = {1, na, 1, DS_MELS, DS_MEL_FRAMES};
        fveval_arg arg = FVEVAL_ARG_TENSOR_OF(5, shape, mels);
        size_t dim = (size_t) na * DS_AFEAT;
        rc = fvv_model_rows(ctx, p->model, "extract_afeats", &arg, 1, 1, &dim, &afe, err,
                            sizeof(err));
    }
    /* video features: the first segments are done; the rest come from the ring */
    if (rc == 0)
        rc = ds_flush_head(ctx, p);
    if (rc == 0 && p->head_done < DS_NSEG) {
        snprintf(err, sizeof(err), "%d of the first %d segments encoded", p->head_done, DS_NSEG);
        rc = -EIO;
    }
    for (int i = 0; rc == 0 && i < nv;) {
        if (vseg[i] < DS_NSEG) {
            memcpy(vfe + (size_t) i * DS_VFEAT, p->head + (size_t) vseg[i] * DS_VFEAT,
                   sizeof(float) * DS_VFEAT);
            i++;
            continue;
        }
        int b = nv - i < p->batch ? nv - i : (int) p->batch;
        rc = ds_encode_video(ctx, p, vseg + i, b, vfe + (size_t) i * DS_VFEAT);
        i += b;
    }
    free(mels);

    /* front: the first 14 segments; back: the last 14 (rows of the sorted lists) */
    const size_t vwin = DS_NSEG * DS_VFEAT, awin = DS_NSEG * DS_AFEAT;
    float *win_v = malloc(sizeof(float) * 2 * vwin), *win_a = malloc(sizeof(float) * 2 * awin);
    float logits[2][DS_CLASSES];
    if (rc == 0 && (!win_v || !win_a))
        rc = -ENOMEM;
    for (int w = 0; rc == 0 && w < 2; w++) {
        int v0 = w == 0 ? 0 : nv - DS_NSEG, a0 = w == 0 ? 0 : na - DS_NSEG;
        memcpy(win_v + w * vwin, vfe + (size_t) v0 * DS_VFEAT, sizeof(float) * vwin);
        memcpy(win_a + w * awin, afe + (size_t) a0 * DS_AFEAT, sizeof(float) * awin);
        int64_t vs[4] = {1, DS_NSEG, DS_VTOK, DS_DIM}, as[4] = {1, DS_NSEG, DS_ATOK, DS_DIM};
        fveval_arg args[2] = {FVEVAL_ARG_TENSOR_OF(4, vs, win_v + w * vwin),
                              FVEVAL_ARG_TENSOR_OF(4, as, win_a + w * awin)};
        size_t dim = DS_CLASSES;
        float *l = NULL;
        rc = fvv_model_rows(ctx, p->model, "compare_v_a", args, 2, 1, &dim, &l, err, sizeof(err));
        if (rc == 0)
            memcpy(logits[w], l, sizeof(logits[w]));
        free(l);
    }
    free(vfe);
    free(afe);
    if (rc == 0 && p->features_dir && *p->features_dir) {
        int64_t vs[4] = {2, DS_NSEG, DS_VTOK, DS_DIM}, as[4] = {2, DS_NSEG, DS_ATOK, DS_DIM};
        int64_t ls[2] = {2, DS_CLASSES};
        ds_dump(ctx, s, "vfeats", 4, vs, win_v);
        ds_dump(ctx, s, "afeats", 4, as, win_a);
        ds_dump(ctx, s, "logits", 2, ls, &logits[0][0]);
    }
    free(win_v);
    free(win_a);
    if (rc < 0) {
        fveval_result_error(ctx, res, "%s", err[0] ? err : p->err[0] ? p->err : strerror(-rc));
        return rc;
    }
    double front = ds_grid_abs(ds_argmax(logits[0], DS_CLASSES));
    double back = ds_grid_abs(ds_argmax(logits[1], DS_CLASSES));
    fveval_result_score(ctx, res, (front + back) / 2.0);
    fveval_result_number(ctx, res, "front_desync_s", front);
    fveval_result_number(ctx, res, "back_desync_s", back);
    fveval_result_int(ctx, res, "num_segments_used", DS_NSEG);
    return 0;
}

static const fveval_plugin ds_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "audio.desync",
    .summary = "Synchformer audio-video desynchronisation in seconds (0 = in sync)",
    .description =
        "Video: nearest-frame resample to 25 fps, short side to 224 (bicubic, antialiased), "
        "centre crop 224, (x - 0.5) / 0.5, segments of 16 frames every 8. Audio: channel mean, "
        "torchaudio Resample to 16 kHz, segments of 10240 samples every 5120, log mel (128 "
        "bins), padded to 66 frames with the global minimum, normalised. Synchformer's offset "
        "classifier on the first and on the last 14 segments; score = mean |offset| of the two "
        "argmax classes on the grid -2..2 s (step 0.2). details: front_desync_s, back_desync_s, "
        "num_segments_used. Clips with fewer than 14 segments (about 5 s) are skipped.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = ds_fields,
    .options = ds_options,
    .models = ds_models,
    .priv_size = sizeof(ds_priv),
    .setup = ds_setup,
    .compute = ds_compute,
    .uninit = ds_uninit,
    .frame_access = ds_access,
    .frame = ds_frame,
};

FVEVAL_PLUGIN_DEFINE(ds_plugin)
