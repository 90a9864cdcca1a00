/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GRiT metrics' shared part (vbench.object_class, multiple_objects, color,
 * spatial_relationship): FastVideo's _grit_helper.prepare_frames, the detection
 * service protocol (tools/servers/README.md), its options, and the answer parsed into
 * run_caption_tensor's shape.
 */
#ifndef FVEVAL_GRIT_H
#define FVEVAL_GRIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fveval/plugin.h>

#include "../../_remote/remote.h"

#define GRIT_FRAMES 16

typedef enum grit_task { GRIT_DENSECAP, GRIT_OBJECTDET } grit_task;

/* One box of run_caption_tensor's new_caption: (description, int box, det_obj_list). */
typedef struct grit_box {
    char *description;
    int box[4];          /* x0, y0, x1, y1 */
    char **classes;      /* the frame's ObjectDet class names (the same for every box) */
    size_t n_classes;
} grit_box;

typedef struct grit_frame {
    grit_box *boxes;
    size_t n;
} grit_frame;

/* Options every GRiT metric has; put GRIT_OPTIONS(T, M) in the table. */
typedef struct grit_opts {
    const char *endpoint;
    fvr_http_opts http;
    /* resolved by grit_init */
    char *cache_dir;
    const char *url, *api_key;
} grit_opts;

#define GRIT_OPTIONS(T, M)                                                             \
    {.name = "endpoint",                                                                       \
     .help = "URL of the GRiT detection service; default $FVEVAL_GRIT_ENDPOINT, else "         \
             "http://127.0.0.1:8001/grit",                                                     \
     .type = FVEVAL_OPT_STRING, .offset = offsetof(T, M.endpoint),                     \
     .def = {.str = NULL}},                                                                    \
    FVR_HTTP_OPTIONS(T, M.http, 120)

extern const fveval_field grit_fields[];
extern const fveval_frame_access grit_access[];

/* Resolve endpoint, key and cache directory (call from init). */
int grit_init(grit_opts *o);
void grit_uninit(grit_opts *o);

/* select_frames: VBench's 16 "middle" frames, padded with the last. */
int grit_select(fveval_ctx *ctx, const fveval_sample *s, const char *field, int nb_frames,
                double fps, int *indices, int max);

/*
 * Detect on the 16 frames of @p v (the sampled ones, in order) with @p task: frames[16]
 * filled.  On failure: a negative code, the result marked as an error with the reason.
 */
int grit_detect(fveval_ctx *ctx, grit_opts *o, const fveval_video *v, grit_task task,
                grit_frame *frames, fveval_result *res);
void grit_frames_free(grit_frame *frames, size_t n);

/* Whether frame @p f's ObjectDet class list (the same on every box) holds @p name. */
bool grit_frame_has_class(const grit_frame *f, const char *name);

/* Python str.strip() in place (ASCII whitespace; the names are ASCII). */
char *grit_strip(char *s);

/*
 * auxiliary_info[key] of the sample: a malloc'd serialized JSON value, or NULL when the
 * field or the key is absent.
 */
char *grit_aux(fveval_ctx *ctx, const fveval_sample *s, const char *key);
/* The same for a string value: malloc'd, or NULL when absent or not a string. */
char *grit_aux_string(fveval_ctx *ctx, const fveval_sample *s, const char *key);

#endif
