/* SPDX-License-Identifier: Apache-2.0 */
/* Frames, requests and answers of the GRiT detection service (grit.h). */
#include "grit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../_vision/vision.h"

const fveval_field grit_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "clip to score"},
    {.name = "auxiliary_info", .type = FVEVAL_FIELD_JSON, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "VBench's auxiliary_info object (object, color, spatial_relationship)"},
    {.name = "text_prompt", .type = FVEVAL_FIELD_STRING, .help = "the clip's prompt (color)"},
    {.name = NULL},
};

const fveval_frame_access grit_access[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_SAMPLED, .count = GRIT_FRAMES},
    {.field = NULL},
};

static const char *const grit_key_env[] = {"FVEVAL_GRIT_API_KEY", NULL};

int grit_init(grit_opts *o)
{
    o->url = fvr_setting(o->endpoint, "FVEVAL_GRIT_ENDPOINT", "http://127.0.0.1:8001/grit");
    o->api_key = fvr_api_key(grit_key_env, NULL);
    o->cache_dir = fvr_cache_dir(o->http.cache_dir_opt);
    return 0;
}

void grit_uninit(grit_opts *o) { free(o->cache_dir); }

int grit_select(fveval_ctx *ctx, const fveval_sample *s, const char *field, int nb_frames,
                double fps, int *indices, int max)
{
    (void) ctx, (void) s, (void) field, (void) fps;
    if (max < GRIT_FRAMES)
        return -EINVAL;
    return fvv_sample_vbench_middle(nb_frames, GRIT_FRAMES, indices);
}

/*
 * The request for frame @p t: prepare_frames keeps native resolution unless the short
 * side exceeds 768, then resizes to int(s * h) x int(s * w), s = 720 / short side, with
 * torchvision Resize (bilinear, antialias) on 0..255 floats.  Native frames go as PNG
 * (the exact bytes); resized ones as float32, since they are no longer integers.
 */
static char *frame_request(const fveval_video *v, int t, grit_task task)
{
    int w = v->width, h = v->height, shorter = w < h ? w : h;
    json_t *img = NULL;
    if (shorter > 768) {
        double s = 720.0 / shorter;
        int nh = (int) (s * h), nw = (int) (s * w);
        float *chw = malloc((size_t) 3 * w * h * sizeof(float));
        float *out = malloc((size_t) 3 * nw * nh * sizeof(float));
        float *hwc = malloc((size_t) 3 * nw * nh * sizeof(float));
        char *b64 = NULL;
        if (chw && out && hwc) {
            fvv_video_frame_to_chw(v, t, 1.0f, chw);
            if (fvv_resize(chw, 3, h, w, out, nh, nw, FVV_BILINEAR, true) == 0) {
                size_t plane = (size_t) nw * nh;
                for (size_t i = 0; i < plane; i++)
                    for (int c = 0; c < 3; c++)
                        hwc[3 * i + c] = out[c * plane + i];
                /* float32 little-endian HWC (the hosts fveval runs on are little-endian) */
                b64 = fvr_base64(hwc, 3 * plane * sizeof(float));
            }
        }
        if (b64)
            img = json_pack("{s:s,s:i,s:i,s:s}", "encoding", "f32", "width", nw, "height", nh,
                            "data", b64);
        free(b64);
        free(chw);
        free(out);
        free(hwc);
    } else {
        char *b64 = NULL;
        if (fvr_png_base64(fveval_video_pixel(v, t, 0, 0), v->linesize, w, h, &b64) == 0)
            img = json_pack("{s:s,s:i,s:i,s:s}", "encoding", "png", "width", w, "height", h,
                            "data", b64);
        free(b64);
    }
    if (!img)
        return NULL;
    json_t *req = json_pack("{s:s,s:o}", "task", task == GRIT_DENSECAP ? "DenseCap" : "ObjectDet",
                            "image", img);
    char *body = req ? json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(req);
    return body;
}

static void frame_clear(grit_frame *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->boxes[i].description);
        for (size_t k = 0; k < f->boxes[i].n_classes; k++)
            free(f->boxes[i].classes[k]);
        free(f->boxes[i].classes);
    }
    free(f->boxes);
    f->boxes = NULL;
    f->n = 0;
}

void grit_frames_free(grit_frame *frames, size_t n)
{
    for (size_t i = 0; i < n; i++)
        frame_clear(&frames[i]);
}

/* {"result": [[description, [x0, y0, x1, y1], [class, ...]], ...]} into @p f. */
static int parse_answer(json_t *ans, grit_frame *f, char *err, size_t errlen)
{
    json_t *list = json_object_get(ans, "result");
    if (!json_is_array(list)) {
        snprintf(err, errlen, "the answer has no \"result\" list");
        return -EINVAL;
    }
    size_t n = json_array_size(list);
    f->boxes = calloc(n + 1, sizeof(*f->boxes));
    if (!f->boxes)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(list, i);
        json_t *desc = json_array_get(e, 0), *box = json_array_get(e, 1), *cls = json_array_get(e, 2);
        if (!json_is_array(e) || json_array_size(e) != 3 || !json_is_string(desc) ||
            !json_is_array(box) || json_array_size(box) != 4 || !json_is_array(cls)) {
            snprintf(err, errlen, "result[%zu] is not [description, [x0, y0, x1, y1], [class, ...]]", i);
            return -EINVAL;
        }
        grit_box *b = &f->boxes[f->n++];
        b->description = strdup(json_string_value(desc));
        for (int k = 0; k < 4; k++) {
            json_t *x = json_array_get(box, (size_t) k);
            if (!json_is_number(x)) {
                snprintf(err, errlen, "result[%zu] has a box value that is not a number", i);
                return -EINVAL;
            }
            b->box[k] = (int) trunc(json_number_value(x)); /* int(): toward zero */
        }
        b->n_classes = json_array_size(cls);
        b->classes = calloc(b->n_classes + 1, sizeof(char *));
        if (!b->description || !b->classes)
            return -ENOMEM;
        for (size_t k = 0; k < b->n_classes; k++) {
            const char *c = json_string_value(json_array_get(cls, k));
            if (!c) {
                snprintf(err, errlen, "result[%zu] has a class that is not a string", i);
                return -EINVAL;
            }
            if (!(b->classes[k] = strdup(c)))
                return -ENOMEM;
        }
    }
    return 0;
}

int grit_detect(fveval_ctx *ctx, grit_opts *o, const fveval_video *v, grit_task task,
                grit_frame *frames, fveval_result *res)
{
    memset(frames, 0, GRIT_FRAMES * sizeof(*frames));
    if (v->nb_frames != GRIT_FRAMES) {
        fveval_result_error(ctx, res, "expected %d sampled frames, got %d", GRIT_FRAMES,
                            v->nb_frames);
        return -EIO;
    }
    fvr_endpoint ep = fvr_endpoint_of(&o->http, o->url, o->api_key, o->cache_dir);
    char err[FVR_ERR_LEN] = "";
    char *prev_body = NULL; /* the answer to the previous frame, for padding repeats */
    int rc = 0;
    for (int t = 0; t < GRIT_FRAMES && rc == 0; t++) {
        bool repeat = t > 0 && prev_body &&
                      fveval_video_frame_index(v, t) == fveval_video_frame_index(v, t - 1);
        fvr_response r = {0};
        const char *answer = prev_body;
        if (!repeat) {
            char *body = frame_request(v, t, task);
            if (!body) {
                fveval_result_error(ctx, res, "cannot encode frame %d", fveval_video_frame_index(v, t));
                rc = -ENOMEM;
                break;
            }
            rc = fvr_post_json(ctx, &ep, body, &r, err, sizeof(err));
            free(body);
            if (rc < 0) {
                fveval_result_error(ctx, res, "%s", err);
                break;
            }
            answer = r.body;
        }
        json_error_t jerr;
        json_t *ans = json_loads(answer, 0, &jerr);
        if (!ans) {
            char *snip = fvr_one_line(answer, 80);
            fveval_result_error(ctx, res, "malformed JSON from %s: %s (%s)", o->url, jerr.text,
                                snip ? snip : "");
            free(snip);
            rc = -EIO;
        } else if ((rc = parse_answer(ans, &frames[t], err, sizeof(err))) < 0) {
            fveval_result_error(ctx, res, "unexpected answer from %s: %s", o->url,
                                err[0] ? err : strerror(-rc));
            rc = -EIO;
        }
        json_decref(ans);
        if (rc == 0 && !repeat) {
            fvr_cache_store(ctx, &ep, &r);
            free(prev_body);
            prev_body = r.body;
            r.body = NULL;
        }
        fvr_response_free(&r);
    }
    free(prev_body);
    if (rc < 0)
        grit_frames_free(frames, GRIT_FRAMES);
    return rc;
}

char *grit_aux(fveval_ctx *ctx, const fveval_sample *s, const char *key)
{
    const char *txt = fveval_sample_json(ctx, s, "auxiliary_info");
    json_t *aux = txt ? json_loads(txt, JSON_DECODE_ANY, NULL) : NULL;
    json_t *v = json_object_get(aux, key);
    char *out = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(aux);
    return out;
}

char *grit_aux_string(fveval_ctx *ctx, const fveval_sample *s, const char *key)
{
    char *j = grit_aux(ctx, s, key);
    json_t *v = j ? json_loads(j, JSON_DECODE_ANY, NULL) : NULL;
    char *out = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
    json_decref(v);
    free(j);
    return out;
}

bool grit_frame_has_class(const grit_frame *f, const char *name)
{
    if (f->n == 0)
        return false;
    for (size_t k = 0; k < f->boxes[0].n_classes; k++)
        if (strcmp(f->boxes[0].classes[k], name) == 0)
            return true;
    return false;
}

char *grit_strip(char *s)
{
    while (*s && isspace((unsigned char) *s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char) s[n - 1]))
        s[--n] = '\0';
    return s;
}
