/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.color: among VBench's 16 middle frames where GRiT finds the prompt's object
 * with some colour word in a dense caption, the fraction whose caption has the wanted
 * colour (fastvideo.eval vbench.color, metrics-b.md §4):
 *     object_key = text_prompt.replace("a ", "").replace("an ", "").replace(color, "").strip()
 *     preds = [["", ""]] if no box else [[caption, frame's first ObjectDet class] per box]
 *     object_flag = any(cls == object_key and any(c in caption for c in COLORS))
 *     color_flag  = any(cls == object_key and color in caption)
 *     score = #color_flag / #object_flag, or 0.0 when no frame has the object
 *             (VBench drops such a video instead: undetected=skip)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "../_grit/grit.h"

static const char *const colors[] = {"white", "red",  "pink",  "blue",   "silver", "purple",
                                     "orange", "green", "gray", "yellow", "black",  "grey"};

enum { UNDETECTED_ZERO, UNDETECTED_SKIP };
static const char *const undetected_names[] = {"zero", "skip", NULL};

typedef struct {
    grit_opts grit;
    int undetected;
} color_priv;

static const fveval_option color_options[] = {
    {.name = "undetected",
     .help = "a clip where the object is never found: zero (fastvideo.eval: 0.0) or "
             "skip (VBench drops it from the mean)", .type = FVEVAL_OPT_ENUM,
     .offset = offsetof(color_priv, undetected), .def = {.i64 = UNDETECTED_ZERO},
     .enum_names = undetected_names},
    GRIT_OPTIONS(color_priv, grit),
    {.name = NULL},
};

/* Python s.replace(old, "") in place (every occurrence, left to right). */
static void remove_all(char *s, const char *old)
{
    size_t n = strlen(old);
    if (n == 0)
        return;
    char *r = s, *w = s;
    while (*r) {
        if (strncmp(r, old, n) == 0)
            r += n;
        else
            *w++ = *r++;
    }
    *w = '\0';
}

static bool any_color(const char *caption)
{
    for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
        if (strstr(caption, colors[i]))
            return true;
    return false;
}

static int color_init(fveval_ctx *ctx) { return grit_init(&((color_priv *) fveval_priv(ctx))->grit); }
static void color_uninit(fveval_ctx *ctx) { grit_uninit(&((color_priv *) fveval_priv(ctx))->grit); }

static int color_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    color_priv *p = fveval_priv(ctx);
    char *color = grit_aux_string(ctx, s, "color");
    if (!color) {
        fveval_result_skip(ctx, res, "auxiliary_info has no string 'color'");
        return -ENOTSUP;
    }
    const char *prompt = fveval_sample_string(ctx, s, "text_prompt");
    char *buf = strdup(prompt ? prompt : "");
    if (!buf) {
        free(color);
        return -ENOMEM;
    }
    remove_all(buf, "a ");
    remove_all(buf, "an ");
    remove_all(buf, color);
    const char *object = grit_strip(buf);

    grit_frame frames[GRIT_FRAMES];
    int rc = grit_detect(ctx, &p->grit, fveval_sample_video(ctx, s, "video"), GRIT_DENSECAP,
                         frames, res);
    int with_object = 0, with_color = 0;
    for (int t = 0; rc == 0 && t < GRIT_FRAMES; t++) {
        const grit_frame *f = &frames[t];
        bool object_flag = false, color_flag = false;
        if (f->n == 0) { /* upstream's [["", ""]] */
            object_flag = strcmp(object, "") == 0 && any_color("");
            color_flag = strcmp(object, "") == 0 && strstr("", color);
        }
        for (size_t i = 0; i < f->n; i++) {
            if (f->boxes[i].n_classes == 0) {
                /* upstream's cap[2][0] raises IndexError here */
                fveval_result_error(ctx, res, "GRiT gave dense captions but no ObjectDet class "
                                              "for frame %d", fveval_video_frame_index(
                                                  fveval_sample_video(ctx, s, "video"), t));
                rc = -EIO;
                break;
            }
            const char *caption = f->boxes[i].description, *cls = f->boxes[i].classes[0];
            if (strcmp(cls, object) == 0) {
                object_flag = object_flag || any_color(caption);
                color_flag = color_flag || strstr(caption, color);
            }
        }
        with_object += object_flag;
        with_color += color_flag;
    }
    if (rc == 0) {
        if (with_object == 0 && p->undetected == UNDETECTED_SKIP) {
            fveval_result_skip(ctx, res, "'%s' with a colour is never detected", object);
            rc = -ENOTSUP;
        } else {
            fveval_result_score(ctx, res, with_object ? (double) with_color / with_object : 0.0);
        }
        fveval_result_int(ctx, res, "object_detected", with_object);
        fveval_result_int(ctx, res, "color_correct", with_color);
    }
    grit_frames_free(frames, GRIT_FRAMES);
    free(buf);
    free(color);
    return rc;
}

static const fveval_plugin color_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.color",
    .summary = "fraction of frames showing the prompt's object in auxiliary_info.color (GRiT "
               "dense captions, detection service)",
    .description = "GRiT DenseCap on VBench's 16 middle frames through the detection service "
                   "(tools/servers/README.md). Object = text_prompt without 'a ', 'an ' and "
                   "the colour; a frame counts when the first ObjectDet class equals it and "
                   "a caption names a colour; score = frames whose caption has the wanted "
                   "colour / those frames (0.0 when none; undetected=skip as VBench). "
                   "details: object_detected, color_correct.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = grit_fields,
    .options = color_options,
    .priv_size = sizeof(color_priv),
    .init = color_init,
    .compute = color_compute,
    .uninit = color_uninit,
    .frame_access = grit_access,
    .select_frames = grit_select,
};

FVEVAL_PLUGIN_DEFINE(color_plugin)
