/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.spatial_relationship: whether GRiT's boxes of the two objects lie side by side
 * (or one above the other) without overlapping much, per frame, averaged over VBench's
 * 16 middle frames (fastvideo.eval vbench.spatial_relationship, metrics-b.md §13):
 *     B = boxes (detection order) whose class is object_a or object_b
 *     frame = max([0.0] + [pos(rel, B[i], B[j]) for i < j]);  score = mean over frames
 *     pos: dx, dy = centre of B[j] - centre of B[i]; iou of the two boxes (0 if no union)
 *          "left"/"right" in rel:  |dx| > |dy| ? (iou < 0.1 ? 1 : 0.1 / iou) : 0
 *          "top"/"bottom" in rel:  |dy| > |dx| ? (iou < 0.1 ? 1 : 0.1 / iou) : 0
 * Neither the direction nor which box is which object is checked, as upstream.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <fveval/plugin.h>

#include "../_grit/grit.h"

typedef struct {
    grit_opts grit;
} sr_priv;

static const fveval_option sr_options[] = {GRIT_OPTIONS(sr_priv, grit), {.name = NULL}};

/* Upstream's get_position for one ordered pair of int boxes [x0, y0, x1, y1]. */
static double position_score(const char *rel, const int *a, const int *b)
{
    double dx = (b[0] + b[2]) / 2.0 - (a[0] + a[2]) / 2.0;
    double dy = (b[1] + b[3]) / 2.0 - (a[1] + a[3]) / 2.0;
    long iw = (long) (a[2] < b[2] ? a[2] : b[2]) - (a[0] > b[0] ? a[0] : b[0]);
    long ih = (long) (a[3] < b[3] ? a[3] : b[3]) - (a[1] > b[1] ? a[1] : b[1]);
    double inter = (double) (iw > 0 ? iw : 0) * (double) (ih > 0 ? ih : 0);
    double area_a = (double) (a[2] - a[0]) * (a[3] - a[1]);
    double area_b = (double) (b[2] - b[0]) * (b[3] - b[1]);
    double uni = area_a + area_b - inter;
    double iou = uni > 0 ? inter / uni : 0.0;
    bool horizontal = strstr(rel, "right") || strstr(rel, "left");
    bool vertical = strstr(rel, "bottom") || strstr(rel, "top");
    bool along = horizontal ? fabs(dx) > fabs(dy) : vertical ? fabs(dy) > fabs(dx) : false;
    if (!along)
        return 0.0;
    return iou < 0.1 ? 1.0 : 0.1 / iou;
}

static int sr_init(fveval_ctx *ctx) { return grit_init(&((sr_priv *) fveval_priv(ctx))->grit); }
static void sr_uninit(fveval_ctx *ctx) { grit_uninit(&((sr_priv *) fveval_priv(ctx))->grit); }

static int sr_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    sr_priv *p = fveval_priv(ctx);
    char *txt = grit_aux(ctx, s, "spatial_relationship");
    json_t *sr = txt ? json_loads(txt, JSON_DECODE_ANY, NULL) : NULL;
    free(txt);
    const char *a = json_string_value(json_object_get(sr, "object_a"));
    const char *b = json_string_value(json_object_get(sr, "object_b"));
    const char *rel = json_string_value(json_object_get(sr, "relationship"));
    if (!a || !b || !rel) {
        fveval_result_skip(ctx, res, "auxiliary_info.spatial_relationship lacks object_a, "
                                     "object_b or relationship");
        json_decref(sr);
        return -ENOTSUP;
    }
    grit_frame frames[GRIT_FRAMES];
    int rc = grit_detect(ctx, &p->grit, fveval_sample_video(ctx, s, "video"), GRIT_OBJECTDET,
                         frames, res);
    if (rc == 0) {
        double per_frame[GRIT_FRAMES], sum = 0;
        for (int t = 0; t < GRIT_FRAMES; t++) {
            const grit_frame *f = &frames[t];
            double best = 0.0;
            for (size_t i = 0; i < f->n; i++) {
                const char *ni = f->boxes[i].description;
                if (strcmp(ni, a) != 0 && strcmp(ni, b) != 0)
                    continue;
                for (size_t j = i + 1; j < f->n; j++) {
                    const char *nj = f->boxes[j].description;
                    if (strcmp(nj, a) != 0 && strcmp(nj, b) != 0)
                        continue;
                    double v = position_score(rel, f->boxes[i].box, f->boxes[j].box);
                    if (v > best)
                        best = v;
                }
            }
            per_frame[t] = best;
            sum += best;
        }
        fveval_result_score(ctx, res, sum / GRIT_FRAMES);
        fveval_result_array(ctx, res, "per_frame", per_frame, GRIT_FRAMES);
    }
    grit_frames_free(frames, GRIT_FRAMES);
    json_decref(sr);
    return rc;
}

static const fveval_plugin sr_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.spatial_relationship",
    .summary = "whether GRiT's boxes of two objects are placed as the relation says "
               "(detection service)",
    .description = "GRiT ObjectDet on VBench's 16 middle frames through the detection service "
                   "(tools/servers/README.md); per frame the best pair of boxes of "
                   "object_a/object_b: 1 when they are apart along the relation's axis with "
                   "IoU < 0.1, 0.1/IoU when they overlap more, 0 otherwise; score = mean over "
                   "frames. details: per_frame.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = grit_fields,
    .options = sr_options,
    .priv_size = sizeof(sr_priv),
    .init = sr_init,
    .compute = sr_compute,
    .uninit = sr_uninit,
    .frame_access = grit_access,
    .select_frames = grit_select,
};

FVEVAL_PLUGIN_DEFINE(sr_plugin)
