/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Physics-IQ preparation shared by physics_iq and physics_iq.*: the
 * OpenCV-exact image operations, the pair preparation of upstream
 * prepare_pair_inputs(), the per-pair statistics and the per-sample cache
 * that lets every Physics-IQ metric of a run prepare a pair only once.
 */
#ifndef PIQ_PREP_H
#define PIQ_PREP_H

#include <stddef.h>
#include <stdint.h>

#include <fveval/plugin.h>

/* Options that change the prepared pair; every Physics-IQ plugin's priv starts with it. */
typedef struct piq_opts {
    int64_t target_fps;
    int64_t duration_seconds;
    int selection; /* 0 first, 1 last */
    int64_t threshold;
    double alpha;
    int roundtrip;
} piq_opts;

/* Option table entries for piq_opts (priv offset 0); end the table yourself. */
extern const char *const piq_selection_names[];
#define PIQ_OPTION_ENTRIES                                                                          \
    {.name = "target_fps", .help = "frames kept = target_fps * duration_seconds (no resampling)",    \
     .type = FVEVAL_OPT_INT, .offset = offsetof(piq_opts, target_fps), .def.i64 = 30, .min = 1,      \
     .max = 100000},                                                                                 \
    {.name = "duration_seconds", .help = "see target_fps", .type = FVEVAL_OPT_INT,                  \
     .offset = offsetof(piq_opts, duration_seconds), .def.i64 = 5, .min = 1, .max = 100000},         \
    {.name = "video_time_selection", .help = "which frames of the generated video: first or last",  \
     .type = FVEVAL_OPT_ENUM, .offset = offsetof(piq_opts, selection), .def.i64 = 0,                 \
     .enum_names = piq_selection_names},                                                             \
    {.name = "threshold", .help = "motion mask: grey difference above this is motion",              \
     .type = FVEVAL_OPT_INT, .offset = offsetof(piq_opts, threshold), .def.i64 = 10, .min = 0,       \
     .max = 255},                                                                                    \
    {.name = "alpha", .help = "motion mask: running-average weight (cv2.accumulateWeighted)",       \
     .type = FVEVAL_OPT_DOUBLE, .offset = offsetof(piq_opts, alpha), .def.dbl = 0.3, .min = 0,       \
     .max = 1},                                                                                      \
    {.name = "roundtrip_generated_masks",                                                            \
     .help = "pass generated motion masks through an MPEG-4 Part 2 encode/decode as upstream",      \
     .type = FVEVAL_OPT_BOOL, .offset = offsetof(piq_opts, roundtrip), .def.i64 = 1}

/* A borrowed RGB24 clip; bgr: treat it as upstream treats a file path (OpenCV's BGR order). */
typedef struct piq_view {
    const fveval_video *v;
    int bgr;
} piq_view;

/* A prepared pair (upstream PreparedPhysicsIQPair, quarter frames kept as uint8). */
typedef struct piq_pair {
    int qw, qh;
    int n_gen, n_ref;
    uint8_t *gen_q, *ref_q;           /* n * qh * qw * 3, channel order as upstream holds it */
    int n_gen_mask, n_ref_mask;
    uint8_t *gen_mask, *ref_mask;     /* n * qh * qw, values 0/1 */
} piq_pair;

/* The four statistics of one pair, as upstream's sub-metrics report them. */
typedef struct piq_values {
    double *mse;       /* per frame, rounded to 4 decimals */
    size_t n_mse;
    double *st;        /* spatiotemporal IoU per frame, rounded to 4 decimals */
    size_t n_st;
    double spatial, weighted;
    double mse_score, st_score; /* sum(per_frame) / len, as the sub-metrics */
} piq_values;

/* ---- OpenCV 4.6 bit-exact building blocks (uint8) ---- */
void piq_rgb_to_grey(const uint8_t *rgb, ptrdiff_t linesize, int w, int h, uint8_t *grey);
void piq_gaussian5(const uint8_t *src, int w, int h, uint8_t *dst);
void piq_resize(const uint8_t *src, int sw, int sh, int cn, ptrdiff_t sstride, uint8_t *dst, int dw,
                int dh);
void piq_morph_open_close(uint8_t *img, int w, int h, uint8_t *tmp);

/* MPEG-4 Part 2 round trip as cv2.VideoWriter("mp4v", isColor=False) + cv2.VideoCapture. */
/* MPEG-4 Part 2 limits: 13-bit picture sides, a 16-bit time base denominator. */
enum { PIQ_MPEG4_MAX_SIDE = 8191, PIQ_MPEG4_MAX_FPS = 65535 };

typedef struct piq_roundtrip piq_roundtrip;
piq_roundtrip *piq_roundtrip_open(int w, int h, int fps, char *err, size_t errlen);
int piq_roundtrip_write(piq_roundtrip *rt, const uint8_t *grey, char *err, size_t errlen);
/* Finish; each decoded frame comes back as packed BGR24 of *ow x *oh through @p cb. */
int piq_roundtrip_finish(piq_roundtrip *rt, int (*cb)(void *opaque, const uint8_t *bgr, int w, int h),
                         void *opaque, char *err, size_t errlen);
void piq_roundtrip_free(piq_roundtrip *rt);

/* ---- preparation ---- */
int piq_prepare(const piq_view *gen, const piq_view *ref, const piq_view *gen_mask,
                const piq_view *ref_mask, const piq_opts *o, piq_pair **out, char *err,
                size_t errlen);
void piq_pair_free(void *pair);

/* A VIDEO field; *broken names it (if still unset) when present but undecodable. */
const fveval_video *piq_sample_video(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                                     const char **broken);

/*
 * The pair of sample fields (gen_field, ref_field, optional mask fields)
 * under @p o, from the sample cache or prepared and cached now.  NULL with
 * @p err set when it cannot be prepared.
 */
const piq_pair *piq_pair_get(fveval_ctx *ctx, const fveval_sample *s, const char *gen_field,
                             const char *ref_field, const char *gen_mask_field,
                             const char *ref_mask_field, int ref_bgr, const piq_opts *o,
                             char *err, size_t errlen);

int piq_values_compute(const piq_pair *p, piq_values *v, char *err, size_t errlen);
void piq_values_free(piq_values *v);

/* ---- numerics as upstream's Python/NumPy ---- */
double piq_round(double x, int digits);                 /* Python round(x, digits) */
double piq_np_mean(const double *x, size_t n);          /* np.asarray(x, float64).mean() */
double piq_py_sum(const double *x, size_t n);           /* Python sum() */

/* ---- the sub-metric plugins ---- */
typedef enum piq_kind { PIQ_MSE, PIQ_SPATIAL, PIQ_SPATIOTEMPORAL, PIQ_WEIGHTED } piq_kind;
extern const fveval_field piq_pair_fields[];
extern const fveval_option piq_pair_options[];
int piq_pair_init(fveval_ctx *ctx);
int piq_submetric_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *r, piq_kind kind);

/* The whole of a sub-metric plugin: its compute and descriptor. */
#define PIQ_SUBMETRIC(KIND, NAME, SUMMARY, FLAGS)                                                 \
    static int piq_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *r)              \
    {                                                                                              \
        return piq_submetric_compute(ctx, s, r, KIND);                                             \
    }                                                                                              \
    static const fveval_plugin piq_plugin = {                                                      \
        FVEVAL_PLUGIN_HEADER,                                                                      \
        .name = NAME,                                                                              \
        .summary = SUMMARY,                                                                        \
        .description = "Upstream fastvideo.eval " NAME ": see README.md beside the plugin.",      \
        .version = "1.0",                                                                          \
        .license = "Apache-2.0",                                                                   \
        .flags = FLAGS,                                                                            \
        .fields = piq_pair_fields,                                                                 \
        .options = piq_pair_options,                                                               \
        .priv_size = sizeof(piq_opts),                                                             \
        .init = piq_pair_init,                                                                     \
        .compute = piq_compute,                                                                    \
    };                                                                                             \
    FVEVAL_PLUGIN_DEFINE(piq_plugin)

#endif
