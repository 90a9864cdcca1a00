/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.object_class: the fraction of VBench's 16 middle frames in which GRiT's
 * ObjectDet finds the class auxiliary_info["object"] (fastvideo.eval
 * vbench.object_class, metrics-b.md §10):
 *     score = #frames with object in set(ret[0][0][2]) / 16
 * GRiT runs behind the detection service (tools/servers/grit_server.py).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <fveval/plugin.h>

#include "../_grit/grit.h"

typedef struct {
    grit_opts grit;
} oc_priv;

static const fveval_option oc_options[] = {GRIT_OPTIONS(oc_priv, grit), {.name = NULL}};

static int oc_init(fveval_ctx *ctx) { return grit_init(&((oc_priv *) fveval_priv(ctx))->grit); }
static void oc_uninit(fveval_ctx *ctx) { grit_uninit(&((oc_priv *) fveval_priv(ctx))->grit); }

static int oc_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    oc_priv *p = fveval_priv(ctx);
    char *object = grit_aux_string(ctx, s, "object");
    if (!object) {
        fveval_result_skip(ctx, res, "auxiliary_info has no string 'object'");
        return -ENOTSUP;
    }
    if (strstr(object, " and ")) {
        fveval_result_skip(ctx, res, "'%s' names several objects (vbench.multiple_objects)", object);
        free(object);
        return -ENOTSUP;
    }
    grit_frame frames[GRIT_FRAMES];
    int rc = grit_detect(ctx, &p->grit, fveval_sample_video(ctx, s, "video"), GRIT_OBJECTDET,
                         frames, res);
    if (rc == 0) {
        int match = 0;
        for (int t = 0; t < GRIT_FRAMES; t++)
            match += grit_frame_has_class(&frames[t], object);
        fveval_result_score(ctx, res, (double) match / GRIT_FRAMES);
        fveval_result_int(ctx, res, "matching_frames", match);
        fveval_result_int(ctx, res, "total_frames", GRIT_FRAMES);
        grit_frames_free(frames, GRIT_FRAMES);
    }
    free(object);
    return rc;
}

static const fveval_plugin oc_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.object_class",
    .summary = "fraction of 16 frames where GRiT detects auxiliary_info.object (detection service)",
    .description = "GRiT ObjectDet on VBench's 16 middle frames through the detection service "
                   "(tools/servers/README.md); score = frames whose class list holds "
                   "auxiliary_info.object / 16. details: matching_frames, total_frames.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = grit_fields,
    .options = oc_options,
    .priv_size = sizeof(oc_priv),
    .init = oc_init,
    .compute = oc_compute,
    .uninit = oc_uninit,
    .frame_access = grit_access,
    .select_frames = grit_select,
};

FVEVAL_PLUGIN_DEFINE(oc_plugin)
