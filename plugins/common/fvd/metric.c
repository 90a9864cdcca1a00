/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.fvd: Fréchet Video Distance between the generated and the
 * reference videos of a run (a set metric), as FastVideo's common.fvd:
 * features from a TorchScript extractor (I3D by default, CLIP ViT-B/32 or
 * VideoMAE-base), then the Fréchet distance of the two Gaussians.
 *
 * Routing: a sample with role "reference" feeds its video to the reference
 * buffer; any other feeds its video to the generated buffer and, when it has
 * a `reference` field, that video to the reference buffer.  Reference
 * features may come from a cache instead (streamed references win); the
 * cache is a .npy (N x D float32) with a .json beside it naming the
 * extractor and the number of videos.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fveval/plugin.h>

#include "frechet.h"
#include "preprocess.h"

#define FVD_SIZE 224
#define FVD_FEW_VIDEOS 256
#define FVD_STATE_MAGIC "FVDSTATE"
#define FVD_STATE_VERSION 1u
/* Queued inputs are run early rather than grow past this (a long clip at 224x224 is large). */
#define FVD_BATCH_MAX_BYTES ((size_t) 512 << 20)

enum { EX_I3D, EX_CLIP, EX_VIDEOMAE };
enum { CACHE_READ_WRITE, CACHE_READ, CACHE_OFF };

typedef struct extractor {
    const char *name;
    const char *file;
    size_t dim;
} extractor;

static const extractor extractors[] = {
    [EX_I3D] = {"i3d", "i3d_torchscript.pt", 400},
    [EX_CLIP] = {"clip", "clip_vit_b32_image.pt", 512},
    [EX_VIDEOMAE] = {"videomae", "videomae_base.pt", 768},
};

static const char *const extractor_names[] = {"i3d", "clip", "videomae", NULL};
static const char *const cache_mode_names[] = {"read_write", "read", "off", NULL};

/* CLIP's and ImageNet's normalisation, as float32 arrays upstream. */
static const float clip_mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
static const float clip_std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
static const float imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
static const float imagenet_std[3] = {0.229f, 0.224f, 0.225f};

typedef struct fvd_priv {
    /* options */
    int extractor;
    const char *cache_path;
    int cache_mode;
    int64_t chunk_size;
    /* state */
    fveval_model *model;
    char *cache_file;          /* resolved reference-feature cache */
    fv_feature_set *gen, *real;
    uint64_t n_not_embedded;   /* videos the extractor cannot take (too few frames) */
    char not_embedded_why[160];
    char setup_error[512];
    /* videos prepared but not yet run: up to chunk_size of one shape */
    float *batch;
    size_t batch_n, batch_cap, video_floats;
    int64_t video_shape[4];
    int video_ndim;
    unsigned char *batch_real; /* per queued video: 1 = reference buffer */
} fvd_priv;

static const fveval_option fvd_options[] = {
    {.name = "extractor", .help = "feature extractor: i3d (Kinetics-400 logits), clip (ViT-B/32 image "
                                  "embedding, mean over frames) or videomae (VideoMAE-base, mean token)",
     .type = FVEVAL_OPT_ENUM, .offset = offsetof(fvd_priv, extractor), .def.i64 = EX_I3D,
     .enum_names = extractor_names},
    {.name = "cache_path", .help = "reference-feature cache (.npy; .pt reads/writes torch.save form); "
                                   "default $FVEVAL_FVD_REF_FEATURES, else "
                                   "$FVEVAL_CACHE/fvd/real_features_<extractor>.npy",
     .type = FVEVAL_OPT_STRING, .offset = offsetof(fvd_priv, cache_path), .def.str = NULL},
    {.name = "cache_mode", .help = "read_write: use the cache when no reference is streamed, write it "
                                   "once from streamed references; read: never write; off: ignore it",
     .type = FVEVAL_OPT_ENUM, .offset = offsetof(fvd_priv, cache_mode), .def.i64 = CACHE_READ_WRITE,
     .enum_names = cache_mode_names},
    {.name = "chunk_size", .help = "videos per forward pass", .type = FVEVAL_OPT_INT,
     .offset = offsetof(fvd_priv, chunk_size), .def.i64 = 32, .min = 1, .max = 4096},
    {.name = NULL},
};

static const fveval_field fvd_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "generated video (or a reference one, for role=reference samples)"},
    {.name = "reference", .type = FVEVAL_FIELD_VIDEO,
     .help = "paired reference video: its features join the reference set"},
    {.name = NULL},
};

static const fveval_model_file fvd_models[] = {
    {.name = "i3d_torchscript.pt",
     .source = "https://huggingface.co/flateon/FVD-I3D-torchscript (i3d_torchscript.pt, already TorchScript)",
     .recipe = "curl -L -o i3d_torchscript.pt "
               "https://huggingface.co/flateon/FVD-I3D-torchscript/resolve/main/i3d_torchscript.pt"},
    {.name = "clip_vit_b32_image.pt",
     .source = "https://huggingface.co/openai/clip-vit-base-patch32 (image tower + projection)",
     .recipe = "torch.jit.trace a module whose forward(x) returns "
               "CLIPModel.from_pretrained('openai/clip-vit-base-patch32').get_image_features(pixel_values=x), "
               "on torch.zeros(2, 3, 224, 224); full script in the common.fvd README"},
    {.name = "videomae_base.pt",
     .source = "https://huggingface.co/MCG-NJU/videomae-base (last hidden state)",
     .recipe = "torch.jit.trace a module whose forward(x) returns "
               "VideoMAEModel.from_pretrained('MCG-NJU/videomae-base')(pixel_values=x).last_hidden_state, "
               "on torch.zeros(1, 16, 3, 224, 224); full script in the common.fvd README"},
    {.name = NULL},
};

static const extractor *ex_of(const fvd_priv *p) { return &extractors[p->extractor]; }

/* ---- cache path ------------------------------------------------------------------ */

static char *xasprintf(const char *fmt, ...) FVEVAL_PRINTF(1, 2);
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t) n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t) n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* cache_path option > $FVEVAL_FVD_REF_FEATURES > $FVEVAL_CACHE/fvd/... (root default $XDG_CACHE_HOME/fveval). */
static char *resolve_cache(const fvd_priv *p)
{
    if (p->cache_path && *p->cache_path)
        return strdup(p->cache_path);
    const char *env = getenv("FVEVAL_FVD_REF_FEATURES");
    if (env && *env)
        return strdup(env);
    const char *root = getenv("FVEVAL_CACHE");
    if (root && *root)
        return xasprintf("%s/fvd/real_features_%s.npy", root, ex_of(p)->name);
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg)
        return xasprintf("%s/fveval/fvd/real_features_%s.npy", xdg, ex_of(p)->name);
    const char *home = getenv("HOME");
    return xasprintf("%s/.cache/fveval/fvd/real_features_%s.npy", home && *home ? home : ".",
                     ex_of(p)->name);
}

/* ---- callbacks: lifetime ----------------------------------------------------------- */

static int fvd_init(fveval_ctx *ctx)
{
    fvd_priv *p = fveval_priv(ctx);
    p->gen = fv_feature_set_new(ex_of(p)->dim);
    p->real = fv_feature_set_new(ex_of(p)->dim);
    p->cache_file = resolve_cache(p);
    return p->gen && p->real && p->cache_file ? 0 : -ENOMEM;
}

static int fvd_model_needed(fveval_ctx *ctx, const char *name)
{
    const fvd_priv *p = fveval_priv(ctx);
    return strcmp(name, ex_of(p)->file) == 0;
}

static int fvd_setup(fveval_ctx *ctx)
{
    fvd_priv *p = fveval_priv(ctx);
    p->model = fveval_model_load(ctx, ex_of(p)->file);
    if (!p->model) {
        snprintf(p->setup_error, sizeof(p->setup_error), "%s", fveval_model_error(ctx));
        return -ENOENT;
    }
    return 0;
}

static void fvd_uninit(fveval_ctx *ctx)
{
    fvd_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->model);
    p->model = NULL;
    fv_feature_set_free(p->gen);
    fv_feature_set_free(p->real);
    p->gen = p->real = NULL;
    free(p->cache_file);
    free(p->batch);
    free(p->batch_real);
    p->cache_file = NULL;
    p->batch = NULL;
    p->batch_real = NULL;
}

static void fvd_reset(fveval_ctx *ctx)
{
    fvd_priv *p = fveval_priv(ctx);
    fv_feature_set_clear(p->gen);
    fv_feature_set_clear(p->real);
    p->batch_n = 0;
    p->n_not_embedded = 0;
}

/* ---- preprocessing ------------------------------------------------------------------ */

/* Frame t's channel c as float32 u8 / 255 (upstream's decoded tensor), h x w. */
static void frame_plane(const fveval_video *v, int t, int c, float *out)
{
    for (int y = 0; y < v->height; y++) {
        const uint8_t *row = fveval_video_pixel(v, t, y, 0);
        for (int x = 0; x < v->width; x++)
            out[(size_t) y * v->width + x] = (float) row[3 * x + c] / 255.0f;
    }
}

/*
 * I3D: (C, T, 224, 224) of (x * 2 - 1) resized bilinearly (scaled before
 * the resize, as upstream, since the order changes float rounding).
 */
static int prep_i3d(const fveval_video *v, float *out)
{
    size_t hw = (size_t) v->height * v->width, ohw = (size_t) FVD_SIZE * FVD_SIZE;
    float *plane = malloc(hw * sizeof(float));
    if (!plane)
        return -ENOMEM;
    for (int c = 0; c < 3; c++)
        for (int t = 0; t < v->nb_frames; t++) {
            frame_plane(v, t, c, plane);
            for (size_t i = 0; i < hw; i++)
                plane[i] = plane[i] * 2.0f - 1.0f;
            fvd_bilinear_plane(plane, v->height, v->width,
                               out + ((size_t) c * v->nb_frames + t) * ohw, FVD_SIZE, FVD_SIZE);
        }
    free(plane);
    return 0;
}

/*
 * CLIP image processor per frame: shortest edge to 224 (PIL bicubic on the
 * uint8 frame), centre crop 224, x / 255 (in double, stored float32), then
 * (x - mean) / std in float32.  Out: (T, 3, 224, 224).
 */
static int prep_clip(const fveval_video *v, float *out)
{
    int w = v->width, h = v->height, ow, oh;
    if (w <= h) {
        ow = FVD_SIZE;
        oh = (int) ((double) FVD_SIZE * h / w);
    } else {
        oh = FVD_SIZE;
        ow = (int) ((double) FVD_SIZE * w / h);
    }
    uint8_t *rs = malloc((size_t) ow * oh * 3);
    if (!rs)
        return -ENOMEM;
    int top = (oh - FVD_SIZE) / 2, left = (ow - FVD_SIZE) / 2;
    size_t ohw = (size_t) FVD_SIZE * FVD_SIZE;
    for (int t = 0; t < v->nb_frames; t++) {
        if (fvd_pil_bicubic_rgb(fveval_video_pixel(v, t, 0, 0), w, h, v->linesize, rs, ow, oh) < 0) {
            free(rs);
            return -ENOMEM;
        }
        for (int c = 0; c < 3; c++) {
            float *o = out + ((size_t) t * 3 + c) * ohw;
            for (int y = 0; y < FVD_SIZE; y++)
                for (int x = 0; x < FVD_SIZE; x++) {
                    uint8_t u = rs[((size_t) (y + top) * ow + (x + left)) * 3 + c];
                    float f = (float) ((double) u * (1.0 / 255.0));
                    o[(size_t) y * FVD_SIZE + x] = (f - clip_mean[c]) / clip_std[c];
                }
        }
    }
    free(rs);
    return 0;
}

/*
 * VideoMAE: 16 frames (all of a 16-frame clip; evenly spaced ones of a
 * longer clip), x / 255 resized bilinearly, then ImageNet normalisation.
 * Out: (16, 3, 224, 224).
 */
static int prep_videomae(const fveval_video *v, float *out)
{
    size_t hw = (size_t) v->height * v->width, ohw = (size_t) FVD_SIZE * FVD_SIZE;
    float *plane = malloc(hw * sizeof(float));
    if (!plane)
        return -ENOMEM;
    for (int k = 0; k < 16; k++) {
        int t = (int) floor((double) k * (v->nb_frames - 1) / 15.0 + 0.5);
        for (int c = 0; c < 3; c++) {
            float *o = out + ((size_t) k * 3 + c) * ohw;
            frame_plane(v, t, c, plane);
            fvd_bilinear_plane(plane, v->height, v->width, o, FVD_SIZE, FVD_SIZE);
            for (size_t i = 0; i < ohw; i++)
                o[i] = (o[i] - imagenet_mean[c]) / imagenet_std[c];
        }
    }
    free(plane);
    return 0;
}

/* The per-video input shape, or 0 with @p why when the extractor cannot take it. */
static int video_shape(const fvd_priv *p, const fveval_video *v, int64_t *shape, char *why, size_t whylen)
{
    int T = v->nb_frames;
    switch (p->extractor) {
    case EX_I3D:
        if (T < 10) {
            snprintf(why, whylen, "I3D needs at least 10 frames, got %d", T);
            return 0;
        }
        shape[0] = 3, shape[1] = T, shape[2] = FVD_SIZE, shape[3] = FVD_SIZE;
        return 4;
    case EX_CLIP:
        if (T < 1) {
            snprintf(why, whylen, "no frames");
            return 0;
        }
        shape[0] = T, shape[1] = 3, shape[2] = FVD_SIZE, shape[3] = FVD_SIZE;
        return 4;
    default:
        if (T < 16) {
            snprintf(why, whylen, "VideoMAE needs 16 frames, got %d", T);
            return 0;
        }
        shape[0] = 16, shape[1] = 3, shape[2] = FVD_SIZE, shape[3] = FVD_SIZE;
        return 4;
    }
}

/* ---- running the extractor ------------------------------------------------------------- */

/* Features of the queued videos into their buffers; the queue empties either way. */
static int flush_batch(fveval_ctx *ctx, fvd_priv *p)
{
    if (!p->batch_n)
        return 0;
    size_t B = p->batch_n, dim = ex_of(p)->dim;
    p->batch_n = 0;
    if (!p->model)
        return -EINVAL;
    int64_t shape[6];
    int ndim;
    fveval_arg args[4];
    size_t nargs = 1;
    float *frames_feat = NULL;
    if (p->extractor == EX_CLIP) {
        /* (B*T, 3, 224, 224): every frame an image. */
        shape[0] = (int64_t) B * p->video_shape[0];
        for (int i = 1; i < 4; i++)
            shape[i] = p->video_shape[i];
        ndim = 4;
    } else {
        shape[0] = (int64_t) B;
        for (int i = 0; i < p->video_ndim; i++)
            shape[i + 1] = p->video_shape[i];
        ndim = p->video_ndim + 1;
    }
    args[0] = FVEVAL_ARG_TENSOR_OF(ndim, shape, p->batch);
    if (p->extractor == EX_I3D) {
        args[1] = FVEVAL_ARG_BOOL_OF("rescale", 0);
        args[2] = FVEVAL_ARG_BOOL_OF("resize", 0);
        args[3] = FVEVAL_ARG_BOOL_OF("return_features", 1);
        nargs = 4;
    }
    fveval_tensor *out = NULL;
    int n = fveval_model_run(ctx, p->model, "forward", args, nargs, &out, 1);
    if (n < 1) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s extractor failed: %s", ex_of(p)->name,
                   n < 0 ? fveval_model_error(ctx) : "it returned no tensor");
        fveval_tensor_free(ctx, out);
        return n < 0 ? n : -EINVAL;
    }
    int64_t os[4] = {0, 0, 0, 0};
    int ond = fveval_tensor_shape(ctx, out, os, 4);
    const float *od = fveval_tensor_data(ctx, out);
    /* Rows per video: I3D (B, 400); CLIP (B*T, 512) averaged over T;
     * VideoMAE (B, tokens, 768) averaged over tokens, or (B, 768). */
    size_t rows_per_video = p->extractor == EX_CLIP ? (size_t) p->video_shape[0] : 1;
    size_t tokens = 1;
    int ok = ond >= 2 && (size_t) os[0] == B * rows_per_video;
    if (ok && p->extractor == EX_VIDEOMAE && ond == 3)
        tokens = (size_t) os[1], ok = (size_t) os[2] == dim;
    else
        ok = ok && ond == 2 && (size_t) os[1] == dim;
    if (!ok) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "%s extractor returned a %d-d tensor of an unexpected shape "
                   "(%lld x %lld ...; want %zu features per %s)", ex_of(p)->name, ond, (long long) os[0],
                   (long long) os[1], dim, p->extractor == EX_CLIP ? "frame" : "video");
        fveval_tensor_free(ctx, out);
        return -EINVAL;
    }
    frames_feat = malloc(dim * sizeof(float));
    double *acc = malloc(dim * sizeof(double));
    int ret = frames_feat && acc ? 0 : -ENOMEM;
    size_t per = rows_per_video * tokens;
    for (size_t b = 0; !ret && b < B; b++) {
        const float *base = od + b * per * dim;
        if (per == 1) {
            memcpy(frames_feat, base, dim * sizeof(float));
        } else {
            for (size_t d = 0; d < dim; d++)
                acc[d] = 0;
            for (size_t r = 0; r < per; r++)
                for (size_t d = 0; d < dim; d++)
                    acc[d] += base[r * dim + d];
            for (size_t d = 0; d < dim; d++)
                frames_feat[d] = (float) (acc[d] / (double) per);
        }
        ret = fv_feature_set_add(p->batch_real[b] ? p->real : p->gen, frames_feat, 1);
    }
    free(frames_feat);
    free(acc);
    fveval_tensor_free(ctx, out);
    return ret;
}

/* Prepare @p v and queue it for the buffer @p to_real, running the batch when full. */
static int embed(fveval_ctx *ctx, fvd_priv *p, const fveval_video *v, int to_real, int64_t index)
{
    int64_t shape[4];
    char why[128];
    int nd = video_shape(p, v, shape, why, sizeof(why));
    if (!nd) {
        p->n_not_embedded++;
        snprintf(p->not_embedded_why, sizeof(p->not_embedded_why), "%s", why);
        fveval_log(ctx, FVEVAL_LOG_WARNING, "sample %lld (%s): %s; not used", (long long) index,
                   v->path ? v->path : "?", why);
        return -ENOTSUP;
    }
    size_t floats = 1;
    for (int i = 0; i < nd; i++)
        floats *= (size_t) shape[i];
    if (p->batch_n && (nd != p->video_ndim || memcmp(shape, p->video_shape, sizeof(int64_t) * nd) ||
                       (p->batch_n + 1) * floats * sizeof(float) > FVD_BATCH_MAX_BYTES)) {
        int r = flush_batch(ctx, p);
        if (r < 0)
            return r;
    }
    if (!p->batch_n) {
        memcpy(p->video_shape, shape, sizeof(int64_t) * nd);
        p->video_ndim = nd;
        p->video_floats = floats;
    }
    size_t need = (p->batch_n + 1) * floats;
    if (need > p->batch_cap) {
        float *nb = realloc(p->batch, need * sizeof(float));
        unsigned char *nr = realloc(p->batch_real, p->batch_n + 1);
        if (nb)
            p->batch = nb;
        if (nr)
            p->batch_real = nr;
        if (!nb || !nr)
            return -ENOMEM;
        p->batch_cap = need;
    }
    float *dst = p->batch + p->batch_n * floats;
    int r = p->extractor == EX_I3D ? prep_i3d(v, dst) : p->extractor == EX_CLIP ? prep_clip(v, dst)
                                                                                : prep_videomae(v, dst);
    if (r < 0)
        return r;
    p->batch_real[p->batch_n++] = (unsigned char) to_real;
    if (p->batch_n >= (size_t) p->chunk_size)
        return flush_batch(ctx, p);
    return 0;
}

static int fvd_accumulate(fveval_ctx *ctx, const fveval_sample *s)
{
    fvd_priv *p = fveval_priv(ctx);
    int64_t index = fveval_sample_index(ctx, s);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (!v)
        return -ENOTSUP;
    int is_ref = strcmp(fveval_sample_role(ctx, s), "reference") == 0;
    int r = embed(ctx, p, v, is_ref, index);
    if (r < 0 && r != -ENOTSUP)
        return r;
    const fveval_video *ref = is_ref ? NULL : fveval_sample_video(ctx, s, "reference");
    if (ref) {
        int r2 = embed(ctx, p, ref, 1, index);
        if (r2 < 0 && r2 != -ENOTSUP)
            return r2;
        if (r == -ENOTSUP)
            r = r2;
    }
    return r;
}

/* ---- the reference cache --------------------------------------------------------------- */

static int mkdirs_for(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return -ENOMEM;
    for (char *q = d + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(d, 0755) < 0 && errno != EEXIST) {
            int e = errno;
            free(d);
            return -e;
        }
        *q = '/';
    }
    free(d);
    return 0;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* NumPy .npy v1.0 of an (n, dim) little-endian float32 array. */
static int npy_write(FILE *fp, const float *rows, size_t n, size_t dim)
{
    char header[256];
    int len = snprintf(header, sizeof(header), "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }",
                       n, dim);
    size_t total = 10 + (size_t) len + 1;
    size_t pad = (64 - total % 64) % 64;
    uint16_t hlen = (uint16_t) (len + pad + 1);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char) (hlen & 0xff),
                             (unsigned char) (hlen >> 8)};
    if (fwrite(pre, 1, 10, fp) != 10 || fwrite(header, 1, (size_t) len, fp) != (size_t) len)
        return -EIO;
    for (size_t i = 0; i < pad; i++)
        if (fputc(' ', fp) == EOF)
            return -EIO;
    if (fputc('\n', fp) == EOF)
        return -EIO;
    return n * dim != 0 && fwrite(rows, sizeof(float), n * dim, fp) != n * dim ? -EIO : 0;
}

/* Read a 2-D C-order '<f4' or '<f8' .npy into float rows (caller frees). */
static int npy_read(const char *path, float **rows_out, size_t *n_out, size_t *dim_out, char *why,
                    size_t whylen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
        return -errno;
    }
    unsigned char pre[12];
    char *header = NULL;
    float *rows = NULL;
    int ret = -EINVAL;
    if (fread(pre, 1, 10, fp) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        snprintf(why, whylen, "%s is not a .npy file", path);
        goto out;
    }
    size_t hlen = pre[8] | (size_t) pre[9] << 8;
    if (pre[6] >= 2) {
        if (fread(pre + 10, 1, 2, fp) != 2)
            goto bad;
        hlen |= (size_t) pre[10] << 16 | (size_t) pre[11] << 24;
    }
    if (hlen > 1 << 20)
        goto bad;
    header = calloc(1, hlen + 1);
    if (!header || fread(header, 1, hlen, fp) != hlen)
        goto bad;
    int f8 = strstr(header, "'<f8'") != NULL;
    if ((!f8 && !strstr(header, "'<f4'")) || !strstr(header, "'fortran_order': False")) {
        snprintf(why, whylen, "%s: want a C-order float32 or float64 array", path);
        goto out;
    }
    const char *sh = strstr(header, "'shape': (");
    unsigned long long n = 0, dim = 0;
    if (!sh || sscanf(sh, "'shape': (%llu, %llu)", &n, &dim) != 2 || !dim) {
        snprintf(why, whylen, "%s: want a 2-D (videos x features) array", path);
        goto out;
    }
    rows = malloc((size_t) (n * dim != 0 ? n * dim : 1) * sizeof(float));
    if (!rows) {
        ret = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n * dim; i++) {
        if (f8) {
            double d;
            if (fread(&d, sizeof(d), 1, fp) != 1)
                goto bad;
            rows[i] = (float) d;
        } else if (fread(&rows[i], sizeof(float), 1, fp) != 1) {
            goto bad;
        }
    }
    *rows_out = rows;
    *n_out = (size_t) n;
    *dim_out = (size_t) dim;
    rows = NULL;
    ret = 0;
    goto out;
bad:
    snprintf(why, whylen, "%s: truncated or malformed .npy", path);
out:
    free(rows);
    free(header);
    fclose(fp);
    return ret;
}

/* The extractor the cache's .json says made it, "" when it has none. */
static void cache_meta_extractor(const char *cache, char *out, size_t outlen)
{
    out[0] = '\0';
    char *meta = xasprintf("%s.json", cache);
    FILE *fp = meta ? fopen(meta, "r") : NULL;
    free(meta);
    if (!fp)
        return;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    const char *k = strstr(buf, "\"extractor\"");
    if (!k || !(k = strchr(k + 11, '"')))
        return;
    size_t i = 0;
    for (k++; *k && *k != '"' && i + 1 < outlen; k++)
        out[i++] = *k;
    out[i] = '\0';
}

/* Load the cache into a new feature set; NULL with @p why when it cannot be used. */
static fv_feature_set *cache_load(fveval_ctx *ctx, fvd_priv *p, char *why, size_t whylen)
{
    const char *path = p->cache_file;
    char made_by[64];
    cache_meta_extractor(path, made_by, sizeof(made_by));
    if (made_by[0] && strcmp(made_by, ex_of(p)->name) != 0) {
        snprintf(why, whylen, "the reference cache %s was made with extractor '%s', not '%s'", path, made_by,
                 ex_of(p)->name);
        return NULL;
    }
    float *rows = NULL;
    size_t n = 0, dim = 0;
    fveval_tensor *t = NULL;
    if (has_suffix(path, ".pt")) {
        t = fveval_tensor_load(ctx, path);
        int64_t sh[2] = {0, 0};
        if (!t) {
            snprintf(why, whylen, "%s", fveval_model_error(ctx));
            return NULL;
        }
        if (fveval_tensor_shape(ctx, t, sh, 2) != 2) {
            snprintf(why, whylen, "%s: want a 2-D (videos x features) tensor", path);
            fveval_tensor_free(ctx, t);
            return NULL;
        }
        n = (size_t) sh[0];
        dim = (size_t) sh[1];
    } else if (npy_read(path, &rows, &n, &dim, why, whylen) < 0) {
        return NULL;
    }
    fv_feature_set *s = NULL;
    if (dim != ex_of(p)->dim) {
        snprintf(why, whylen, "the reference cache %s holds %zu-d features; %s gives %zu", path, dim,
                 ex_of(p)->name, ex_of(p)->dim);
    } else if (!(s = fv_feature_set_new(dim)) ||
               fv_feature_set_add(s, t ? fveval_tensor_data(ctx, t) : rows, n) < 0) {
        snprintf(why, whylen, "out of memory");
        fv_feature_set_free(s);
        s = NULL;
    }
    free(rows);
    fveval_tensor_free(ctx, t);
    return s;
}

/*
 * Write the streamed reference features once: never over an existing cache
 * (the final name is claimed with link(), which fails if it exists).
 */
static int cache_write(fveval_ctx *ctx, fvd_priv *p, size_t n_videos)
{
    const char *path = p->cache_file;
    char *tmp = xasprintf("%s.tmp.%ld", path, (long) getpid());
    char *meta = xasprintf("%s.json", path);
    char *meta_tmp = xasprintf("%s.json.tmp.%ld", path, (long) getpid());
    int r = tmp && meta && meta_tmp ? mkdirs_for(path) : -ENOMEM;
    size_t n = fv_feature_set_count(p->real), dim = fv_feature_set_dim(p->real);
    if (!r && has_suffix(path, ".pt")) {
        int64_t sh[2] = {(int64_t) n, (int64_t) dim};
        fveval_arg a = FVEVAL_ARG_TENSOR_OF(2, sh, fv_feature_set_rows(p->real));
        r = fveval_tensor_save(ctx, &a, tmp);
        if (r < 0)
            fveval_log(ctx, FVEVAL_LOG_WARNING, "%s", fveval_model_error(ctx));
    } else if (!r) {
        FILE *fp = fopen(tmp, "wb");
        r = fp ? npy_write(fp, fv_feature_set_rows(p->real), n, dim) : -errno;
        if (fp && fclose(fp) != 0 && !r)
            r = -EIO;
    }
    if (!r) {
        FILE *fp = fopen(meta_tmp, "w");
        if (!fp) {
            r = -errno;
        } else {
            fprintf(fp, "{\"extractor\": \"%s\", \"n_videos\": %zu, \"dim\": %zu, \"model_file\": \"%s\"}\n",
                    ex_of(p)->name, n_videos, dim, ex_of(p)->file);
            if (fclose(fp) != 0)
                r = -EIO;
        }
    }
    if (!r && link(tmp, path) < 0)
        r = -errno;
    if (!r && rename(meta_tmp, meta) < 0)
        r = -errno;
    if (tmp)
        unlink(tmp);
    if (meta_tmp)
        unlink(meta_tmp);
    free(tmp);
    free(meta);
    free(meta_tmp);
    return r;
}

/* ---- finalize, merge, state ---------------------------------------------------------------- */

static int fvd_finalize(fveval_ctx *ctx, fveval_result *res)
{
    fvd_priv *p = fveval_priv(ctx);
    int fr = flush_batch(ctx, p);
    if (fr < 0)
        return fr;
    size_t n_gen = fv_feature_set_count(p->gen), n_streamed = fv_feature_set_count(p->real);
    fveval_result_string(ctx, res, "extractor", ex_of(p)->name);
    if (p->n_not_embedded) {
        fveval_result_number(ctx, res, "n_not_embedded", (double) p->n_not_embedded);
        fveval_result_string(ctx, res, "not_embedded_reason", p->not_embedded_why);
    }
    if (!n_gen) {
        if (p->setup_error[0])
            fveval_result_skip(ctx, res, "%s", p->setup_error);
        else if (p->n_not_embedded)
            fveval_result_skip(ctx, res, "No generated videos accumulated before finalize() "
                                         "(%llu videos not usable: %s).",
                               (unsigned long long) p->n_not_embedded, p->not_embedded_why);
        else
            fveval_result_skip(ctx, res, "No generated videos accumulated before finalize().");
        return 0;
    }
    fv_feature_set *real = p->real, *cached = NULL;
    const char *source = "streamed";
    if (!n_streamed) {
        char why[768] = "";
        if (p->cache_mode != CACHE_OFF && access(p->cache_file, F_OK) == 0) {
            cached = cache_load(ctx, p, why, sizeof(why));
            if (!cached) {
                fveval_result_skip(ctx, res, "No reference features available: %s.", why);
                return 0;
            }
        }
        if (!cached) {
            fveval_result_skip(ctx, res, "No reference features available. Stream reference videos "
                                         "(--reference, or role=reference samples) or pre-build the cache "
                                         "at: %s%s", p->cache_file,
                               p->cache_mode == CACHE_OFF ? " (cache_mode=off)" : "");
            return 0;
        }
        real = cached;
        source = "cached";
    }
    size_t n_real = fv_feature_set_count(real);
    fveval_result_number(ctx, res, "n_generated", (double) n_gen);
    fveval_result_number(ctx, res, "n_reference", (double) n_real);
    fveval_result_string(ctx, res, "ref_source", source);
    if (cached)
        fveval_result_string(ctx, res, "cache_path", p->cache_file);
    if (n_gen < FVD_FEW_VIDEOS || n_real < FVD_FEW_VIDEOS) {
        fveval_log(ctx, FVEVAL_LOG_WARNING, "FVD is computed on fewer than %d videos (generated %zu, "
                   "reference %zu): the estimate is biased and noisy", FVD_FEW_VIDEOS, n_gen, n_real);
        fveval_result_number(ctx, res, "few_videos_warning", 1);
    }
    char err[256] = "";
    double fd = NAN;
    if (n_gen < 2 || n_real < 2) {
        /* np.cov of one row is NaN: upstream returns a NaN score, not a skip. */
        fveval_result_string(ctx, res, "note", "a covariance needs at least 2 videos per side");
    } else if (fv_frechet_distance(p->gen, real, &fd, err, sizeof(err)) < 0) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "Fréchet distance: %s", err);
        fv_feature_set_free(cached);
        return -EDOM;
    }
    fveval_result_score(ctx, res, fd);
    if (!cached && p->cache_mode == CACHE_READ_WRITE && access(p->cache_file, F_OK) != 0) {
        int r = cache_write(ctx, p, n_streamed);
        if (r < 0 && r != -EEXIST)
            fveval_log(ctx, FVEVAL_LOG_WARNING, "cannot write the reference cache %s: %s", p->cache_file,
                       strerror(-r));
        else if (!r) {
            fveval_log(ctx, FVEVAL_LOG_INFO, "wrote %zu reference features to %s", n_streamed, p->cache_file);
            fveval_result_string(ctx, res, "cache_written", p->cache_file);
        }
    }
    fv_feature_set_free(cached);
    return 0;
}

static int fvd_merge(fveval_ctx *ctx, fveval_ctx *other)
{
    fvd_priv *p = fveval_priv(ctx), *o = fveval_priv(other);
    int r = flush_batch(other, o);
    if (r < 0)
        return r;
    if ((r = fv_feature_set_merge(p->gen, o->gen)) < 0 || (r = fv_feature_set_merge(p->real, o->real)) < 0)
        return r;
    p->n_not_embedded += o->n_not_embedded;
    if (!p->not_embedded_why[0])
        memcpy(p->not_embedded_why, o->not_embedded_why, sizeof(p->not_embedded_why));
    if (!p->setup_error[0])
        memcpy(p->setup_error, o->setup_error, sizeof(p->setup_error));
    return 0;
}

typedef struct state_header {
    char magic[8];
    uint32_t version;
    uint32_t extractor;
    uint64_t dim, n_gen, n_real, n_not_embedded;
} state_header;

static int fvd_save_state(fveval_ctx *ctx, fveval_state *st)
{
    fvd_priv *p = fveval_priv(ctx);
    int r = flush_batch(ctx, p);
    if (r < 0)
        return r;
    state_header h = {.version = FVD_STATE_VERSION, .extractor = (uint32_t) p->extractor,
                      .dim = ex_of(p)->dim, .n_gen = fv_feature_set_count(p->gen),
                      .n_real = fv_feature_set_count(p->real), .n_not_embedded = p->n_not_embedded};
    memcpy(h.magic, FVD_STATE_MAGIC, 8);
    if ((r = fveval_state_write(ctx, st, &h, sizeof(h))) < 0)
        return r;
    if ((r = fveval_state_write(ctx, st, p->not_embedded_why, sizeof(p->not_embedded_why))) < 0)
        return r;
    if (h.n_gen && (r = fveval_state_write(ctx, st, fv_feature_set_rows(p->gen), h.n_gen * h.dim * sizeof(float))) < 0)
        return r;
    if (h.n_real && (r = fveval_state_write(ctx, st, fv_feature_set_rows(p->real), h.n_real * h.dim * sizeof(float))) < 0)
        return r;
    return 0;
}

static int read_rows(fveval_ctx *ctx, fveval_state *st, fv_feature_set *into, uint64_t n, uint64_t dim)
{
    if (!n)
        return 0;
    if (n > SIZE_MAX / sizeof(float) / dim)
        return -EINVAL;
    float *rows = malloc((size_t) (n * dim) * sizeof(float));
    if (!rows)
        return -ENOMEM;
    int r = fveval_state_read(ctx, st, rows, (size_t) (n * dim) * sizeof(float));
    if (!r)
        r = fv_feature_set_add(into, rows, (size_t) n);
    free(rows);
    return r;
}

static int fvd_load_state(fveval_ctx *ctx, fveval_state *st)
{
    fvd_priv *p = fveval_priv(ctx);
    state_header h;
    char why[sizeof(p->not_embedded_why)];
    int r = fveval_state_read(ctx, st, &h, sizeof(h));
    if (r < 0)
        return r;
    if (memcmp(h.magic, FVD_STATE_MAGIC, 8) != 0 || h.version != FVD_STATE_VERSION ||
        h.extractor != (uint32_t) p->extractor || h.dim != ex_of(p)->dim) {
        fveval_log(ctx, FVEVAL_LOG_ERROR, "state is not common.fvd state of extractor %s", ex_of(p)->name);
        return -EINVAL;
    }
    if ((r = fveval_state_read(ctx, st, why, sizeof(why))) < 0)
        return r;
    why[sizeof(why) - 1] = '\0';
    if ((r = read_rows(ctx, st, p->gen, h.n_gen, h.dim)) < 0 || (r = read_rows(ctx, st, p->real, h.n_real, h.dim)) < 0)
        return r;
    p->n_not_embedded += h.n_not_embedded;
    if (!p->not_embedded_why[0])
        memcpy(p->not_embedded_why, why, sizeof(why));
    return 0;
}

static const fveval_plugin fvd_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "common.fvd",
    .summary = "Fréchet Video Distance (I3D, CLIP or VideoMAE features) between generated and reference sets",
    .description =
        "Set metric.  Features of every generated video and every reference video (role=reference "
        "samples and paired `reference` fields) are extracted with a TorchScript model; the score is "
        "the Fréchet distance between the two Gaussians (lower is better).  i3d takes every frame "
        "(at least 10) as (x*2-1) resized bilinearly to 224x224; clip embeds each frame (CLIP image "
        "processor) and averages over time; videomae takes 16 frames (evenly spaced when there are "
        "more) and averages the last hidden state.  Without streamed references the reference "
        "features come from the cache (cache_path).",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_SET_METRIC | FVEVAL_PLUGIN_NEEDS_MODEL | FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,
    .fields = fvd_fields,
    .options = fvd_options,
    .models = fvd_models,
    .priv_size = sizeof(fvd_priv),
    .init = fvd_init,
    .setup = fvd_setup,
    .accumulate = fvd_accumulate,
    .finalize = fvd_finalize,
    .reset = fvd_reset,
    .merge = fvd_merge,
    .save_state = fvd_save_state,
    .load_state = fvd_load_state,
    .uninit = fvd_uninit,
    .model_needed = fvd_model_needed,
};

FVEVAL_PLUGIN_DEFINE(fvd_plugin)
