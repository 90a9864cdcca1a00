/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.multiple_objects: the fraction of VBench's 16 middle frames in which GRiT's
 * ObjectDet finds both objects of auxiliary_info["object"] = "<a> and <b>"
 * (fastvideo.eval vbench.multiple_objects, metrics-b.md §9):
 *     key_a, key_b = [k.strip() for k in object.split(" and ")]
 *     score = #frames with key_a and key_b in set(ret[0][0][2]) / 16
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "../_grit/grit.h"

typedef struct {
    grit_opts grit;
} mo_priv;

static const fveval_option mo_options[] = {GRIT_OPTIONS(mo_priv, grit), {.name = NULL}};

static int mo_init(fveval_ctx *ctx) { return grit_init(&((mo_priv *) fveval_priv(ctx))->grit); }
static void mo_uninit(fveval_ctx *ctx) { grit_uninit(&((mo_priv *) fveval_priv(ctx))->grit); }

static int mo_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    mo_priv *p = fveval_priv(ctx);
    char *object = grit_aux_string(ctx, s, "object");
    if (!object) {
        fveval_result_skip(ctx, res, "auxiliary_info has no string 'object'");
        return -ENOTSUP;
    }
    char *sep = strstr(object, " and ");
    /* Upstream unpacks split(" and ") into two names: exactly one separator. */
    if (!sep || strstr(sep + 5, " and ")) {
        fveval_result_skip(ctx, res, "'%s' is not of the form '<a> and <b>'", object);
        free(object);
        return -ENOTSUP;
    }
    *sep = '\0';
    const char *a = grit_strip(object), *b = grit_strip(sep + 5);
    grit_frame frames[GRIT_FRAMES];
    int rc = grit_detect(ctx, &p->grit, fveval_sample_video(ctx, s, "video"), GRIT_OBJECTDET,
                         frames, res);
    if (rc == 0) {
        int match = 0;
        for (int t = 0; t < GRIT_FRAMES; t++)
            match += grit_frame_has_class(&frames[t], a) && grit_frame_has_class(&frames[t], b);
        fveval_result_score(ctx, res, (double) match / GRIT_FRAMES);
        fveval_result_int(ctx, res, "matching_frames", match);
        fveval_result_int(ctx, res, "total_frames", GRIT_FRAMES);
        grit_frames_free(frames, GRIT_FRAMES);
    }
    free(object);
    return rc;
}

static const fveval_plugin mo_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.multiple_objects",
    .summary = "fraction of 16 frames where GRiT detects both objects of '<a> and <b>' "
               "(detection service)",
    .description = "GRiT ObjectDet on VBench's 16 middle frames through the detection service "
                   "(tools/servers/README.md); score = frames whose class list holds both "
                   "names of auxiliary_info.object ('<a> and <b>') / 16. details: "
                   "matching_frames, total_frames.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = grit_fields,
    .options = mo_options,
    .priv_size = sizeof(mo_priv),
    .init = mo_init,
    .compute = mo_compute,
    .uninit = mo_uninit,
    .frame_access = grit_access,
    .select_frames = grit_select,
};

FVEVAL_PLUGIN_DEFINE(mo_plugin)
