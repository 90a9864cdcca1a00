/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.scene: whether a vision-language model's description of the clip names the
 * scene auxiliary_info["scene"] (metrics-b.md §12), asked through an
 * OpenAI-compatible chat server.
 *  mode=caption (fastvideo.eval, default): the whole clip as an H.264 MP4 at 8 fps,
 *     crf 18 (torchvision.io.write_video's file), AVoCaDO's system prompt and the scene
 *     prompt, greedy, 512 tokens; caption = answer.lower();
 *     keywords = [k.strip().lower() for k in scene.split()];
 *     score = 1.0 if every keyword is a substring of the caption else 0.0.
 *  mode=vbench (VBench's rule): one caption per frame of VBench's 16 middle frames;
 *     a frame counts when every piece of scene.split(' ') is a substring of its
 *     caption; score = counted frames / 16.
 * The scene is a string, or VBench's nested {"scene": "alley"} (one or two levels).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <fveval/plugin.h>

#include "../../_remote/remote.h"
#include "../../_vision/vision.h"

#define SCENE_FRAMES 16

static const char scene_system[] = "You are Qwen, a virtual human developed by the Qwen Team, "
                                   "Alibaba Group, capable of perceiving auditory and visual "
                                   "inputs.";
static const char scene_prompt[] = "Describe the visual scene in this video, including the "
                                   "location, environment, objects, and overall setting. Be "
                                   "specific and use concrete descriptive words.";

enum { MODE_CAPTION, MODE_VBENCH };
static const char *const scene_modes[] = {"caption", "vbench", NULL};

typedef struct {
    const char *endpoint, *model;
    int mode;
    int64_t max_tokens, max_pixels;
    fvr_http_opts http;
    char *url, *cache_dir;
    const char *api_key;
} scene_priv;

#define OFF(m) offsetof(scene_priv, m)
static const fveval_option scene_options[] = {
    {.name = "endpoint",
     .help = "base URL of the OpenAI-compatible API (POST <endpoint>/chat/completions); "
             "default $FVEVAL_SCENE_ENDPOINT, else http://127.0.0.1:8000/v1",
     .type = FVEVAL_OPT_STRING, .offset = OFF(endpoint), .def = {.str = NULL}},
    {.name = "model", .help = "model name the server serves the captioner under",
     .type = FVEVAL_OPT_STRING, .offset = OFF(model), .def = {.str = "AVoCaDO-Captioner/AVoCaDO"}},
    {.name = "mode",
     .help = "caption: one caption of the clip, all keywords or nothing (fastvideo.eval); "
             "vbench: a caption per middle frame, fraction of frames (VBench)",
     .type = FVEVAL_OPT_ENUM, .offset = OFF(mode), .def = {.i64 = MODE_CAPTION},
     .enum_names = scene_modes},
    {.name = "max_tokens", .help = "generation limit (upstream: 512)", .type = FVEVAL_OPT_INT,
     .offset = OFF(max_tokens), .def = {.i64 = 512}, .min = 1, .max = 1 << 20},
    {.name = "max_pixels",
     .help = "pixel budget per video frame asked of the server's processor (upstream: " "401408)",
     .type = FVEVAL_OPT_INT, .offset = OFF(max_pixels), .def = {.i64 = 401408}, .min = 1,
     .max = 1 << 30},
    FVR_HTTP_OPTIONS(scene_priv, http, 600),
    {.name = NULL},
};

static const fveval_field scene_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "clip to describe"},
    {.name = "auxiliary_info", .type = FVEVAL_FIELD_JSON, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "VBench's auxiliary_info with 'scene'"},
    {.name = NULL},
};

static const fveval_frame_access scene_access[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_SAMPLED, .count = FVEVAL_FRAMES_MAX},
    {.field = NULL},
};

static const char *const scene_key_env[] = {"FVEVAL_SCENE_API_KEY", "OPENAI_API_KEY", NULL};

/* caption: every frame (the clip is re-encoded whole); vbench: the 16 middle frames. */
static int scene_select(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                        int nb_frames, double fps, int *indices, int max)
{
    (void) s, (void) field, (void) fps;
    scene_priv *p = fveval_priv(ctx);
    if (p->mode == MODE_VBENCH)
        return fvv_sample_vbench_middle(nb_frames, SCENE_FRAMES, indices);
    if (nb_frames > max)
        return -E2BIG;
    for (int i = 0; i < nb_frames; i++)
        indices[i] = i;
    return nb_frames;
}

/* auxiliary_info.scene as a string: itself, or {"scene": ...} down to two levels. */
static char *scene_keyword(fveval_ctx *ctx, const fveval_sample *s)
{
    const char *txt = fveval_sample_json(ctx, s, "auxiliary_info");
    json_t *aux = txt ? json_loads(txt, JSON_DECODE_ANY, NULL) : NULL;
    json_t *v = json_object_get(aux, "scene");
    for (int depth = 0; depth < 2 && json_is_object(v); depth++)
        v = json_object_get(v, "scene");
    char *out = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
    json_decref(aux);
    return out;
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        *s = (char) tolower((unsigned char) *s);
}

/* The answer's choices[0].message.content (malloc'd), or NULL with @p err. */
static char *ask(fveval_ctx *ctx, scene_priv *p, json_t *content, bool video, char *err,
                 size_t errlen)
{
    json_t *req = json_pack("{s:s,s:[{s:s,s:[{s:s,s:s}]},{s:s,s:O}],s:f,s:I}", "model",
                            p->model, "messages", "role", "system", "content", "type", "text",
                            "text", scene_system, "role", "user", "content", content,
                            "temperature", 0.0, "max_tokens", (json_int_t) p->max_tokens);
    if (req && video)
        json_object_set_new(req, "mm_processor_kwargs",
                            json_pack("{s:I}", "max_pixels", (json_int_t) p->max_pixels));
    char *body = req ? json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(req);
    if (!body) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    fvr_endpoint ep = fvr_endpoint_of(&p->http, p->url, p->api_key, p->cache_dir);
    fvr_response r;
    char *caption = NULL;
    if (fvr_post_json(ctx, &ep, body, &r, err, errlen) == 0) {
        json_error_t jerr;
        json_t *ans = json_loads(r.body, 0, &jerr);
        json_t *msg = json_object_get(
            json_object_get(json_array_get(json_object_get(ans, "choices"), 0), "message"),
            "content");
        if (!ans)
            snprintf(err, errlen, "malformed JSON from %s: %s", p->url, jerr.text);
        else if (!json_is_string(msg))
            snprintf(err, errlen, "unexpected answer from %s: no choices[0].message.content",
                     p->url);
        else if ((caption = strdup(json_string_value(msg))))
            fvr_cache_store(ctx, &ep, &r);
        json_decref(ans);
    }
    fvr_response_free(&r);
    free(body);
    return caption;
}

/* Python's caption[:500]: the first 500 code points of UTF-8 text, in place. */
static void cut_code_points(char *s, size_t n)
{
    size_t cp = 0;
    for (char *q = s; *q; q++) {
        if (((unsigned char) *q & 0xc0) != 0x80 && cp++ == n) {
            *q = '\0';
            return;
        }
    }
}

static int scene_caption_mode(fveval_ctx *ctx, scene_priv *p, const fveval_video *v,
                              const char *scene, fveval_result *res)
{
    char err[FVR_ERR_LEN] = "", *b64 = NULL;
    int rc = fvr_encode_mp4_base64(v, 8, 18, &b64, err, sizeof(err));
    if (rc < 0) {
        fveval_result_error(ctx, res, "%s", err);
        return rc;
    }
    size_t n = strlen(b64) + 32;
    char *url = malloc(n);
    if (!url) {
        free(b64);
        return -ENOMEM;
    }
    snprintf(url, n, "data:video/mp4;base64,%s", b64);
    free(b64);
    json_t *content = json_pack("[{s:s,s:{s:s}},{s:s,s:s}]", "type", "video_url", "video_url",
                                "url", url, "type", "text", "text", scene_prompt);
    free(url);
    char *caption = content ? ask(ctx, p, content, true, err, sizeof(err)) : NULL;
    json_decref(content);
    if (!caption) {
        fveval_result_error(ctx, res, "%s", err[0] ? err : "out of memory");
        return -EIO;
    }
    lower_ascii(caption);
    /* keywords = [k.strip().lower() for k in scene.split() if k.strip()] */
    char *words = strdup(scene);
    json_t *keywords = json_array(), *matched = json_array();
    for (char *save = NULL, *w = words ? strtok_r(words, " \t\n\v\f\r", &save) : NULL; w;
         w = strtok_r(NULL, " \t\n\v\f\r", &save)) {
        lower_ascii(w);
        json_array_append_new(keywords, json_string(w));
        if (strstr(caption, w))
            json_array_append_new(matched, json_string(w));
    }
    fveval_result_score(ctx, res,
                        json_array_size(matched) == json_array_size(keywords) ? 1.0 : 0.0);
    cut_code_points(caption, 500);
    fveval_result_string(ctx, res, "caption", caption);
    char *kj = json_dumps(keywords, JSON_COMPACT), *mj = json_dumps(matched, JSON_COMPACT);
    if (kj)
        fveval_result_json(ctx, res, "keywords", kj);
    if (mj)
        fveval_result_json(ctx, res, "matched", mj);
    free(kj);
    free(mj);
    json_decref(keywords);
    json_decref(matched);
    free(words);
    free(caption);
    return 0;
}

/* VBench check_generate: every piece of key.split(' ') ("" included) in the caption. */
static bool all_pieces_in(const char *caption, const char *key)
{
    for (const char *start = key;;) {
        const char *sp = strchr(start, ' ');
        char *piece = strndup(start, sp ? (size_t) (sp - start) : strlen(start));
        bool found = piece && strstr(caption, piece);
        free(piece);
        if (!found)
            return false;
        if (!sp)
            return true;
        start = sp + 1;
    }
}

static int scene_vbench_mode(fveval_ctx *ctx, scene_priv *p, const fveval_video *v,
                             const char *scene, fveval_result *res)
{
    if (v->nb_frames != SCENE_FRAMES) {
        fveval_result_error(ctx, res, "expected %d sampled frames, got %d", SCENE_FRAMES,
                            v->nb_frames);
        return -EIO;
    }
    char err[FVR_ERR_LEN] = "";
    double per_frame[SCENE_FRAMES];
    int count = 0, rc = 0;
    char *prev = NULL; /* the caption of the previous frame, for padding repeats */
    for (int t = 0; t < SCENE_FRAMES && rc == 0; t++) {
        char *caption = NULL;
        if (t > 0 && prev && fveval_video_frame_index(v, t) == fveval_video_frame_index(v, t - 1)) {
            caption = strdup(prev);
        } else {
            char *b64 = NULL;
            if ((rc = fvr_png_base64(fveval_video_pixel(v, t, 0, 0), v->linesize, v->width,
                                     v->height, &b64)) < 0) {
                snprintf(err, sizeof(err), "cannot encode frame %d as PNG",
                         fveval_video_frame_index(v, t));
                break;
            }
            size_t n = strlen(b64) + 32;
            char *url = malloc(n);
            json_t *content = NULL;
            if (url) {
                snprintf(url, n, "data:image/png;base64,%s", b64);
                content = json_pack("[{s:s,s:{s:s}},{s:s,s:s}]", "type", "image_url",
                                    "image_url", "url", url, "type", "text", "text", scene_prompt);
            }
            free(url);
            free(b64);
            caption = content ? ask(ctx, p, content, false, err, sizeof(err)) : NULL;
            json_decref(content);
        }
        if (!caption) {
            rc = -EIO;
            break;
        }
        free(prev);
        prev = strdup(caption);
        lower_ascii(caption);
        per_frame[t] = all_pieces_in(caption, scene) ? 1.0 : 0.0;
        count += per_frame[t] > 0;
        free(caption);
    }
    free(prev);
    if (rc < 0) {
        fveval_result_error(ctx, res, "%s", err[0] ? err : strerror(-rc));
        return rc;
    }
    fveval_result_score(ctx, res, (double) count / SCENE_FRAMES);
    fveval_result_array(ctx, res, "per_frame", per_frame, SCENE_FRAMES);
    fveval_result_int(ctx, res, "matching_frames", count);
    return 0;
}

static int scene_init(fveval_ctx *ctx)
{
    scene_priv *p = fveval_priv(ctx);
    p->url = fvr_url(fvr_setting(p->endpoint, "FVEVAL_SCENE_ENDPOINT", "http://127.0.0.1:8000/v1"),
                     "chat/completions");
    if (!p->url)
        return -ENOMEM;
    p->cache_dir = fvr_cache_dir(p->http.cache_dir_opt);
    p->api_key = fvr_api_key(scene_key_env, NULL);
    return 0;
}

static int scene_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    scene_priv *p = fveval_priv(ctx);
    char *scene = scene_keyword(ctx, s);
    if (!scene) {
        fveval_result_skip(ctx, res, "auxiliary_info has no 'scene' string");
        return -ENOTSUP;
    }
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    int rc = p->mode == MODE_VBENCH ? scene_vbench_mode(ctx, p, v, scene, res)
                                    : scene_caption_mode(ctx, p, v, scene, res);
    free(scene);
    return rc;
}

static void scene_uninit(fveval_ctx *ctx)
{
    scene_priv *p = fveval_priv(ctx);
    free(p->url);
    free(p->cache_dir);
}

static const fveval_plugin scene_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "vbench.scene",
    .summary = "whether a VLM's description of the clip names auxiliary_info.scene "
               "(OpenAI-compatible server)",
    .description =
        "mode=caption (fastvideo.eval): the clip as MP4 (8 fps, crf 18) with AVoCaDO's "
        "prompts; 1.0 when every scene keyword is in the lower-cased caption, else 0.0; "
        "details caption (500 characters), keywords, matched. mode=vbench (VBench): a "
        "caption per middle frame (16), score = frames naming every word / 16; details "
        "per_frame, matching_frames. The server sees the clip (or frames) and the prompts.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = scene_fields,
    .options = scene_options,
    .priv_size = sizeof(scene_priv),
    .init = scene_init,
    .compute = scene_compute,
    .uninit = scene_uninit,
    .frame_access = scene_access,
    .select_frames = scene_select,
};

FVEVAL_PLUGIN_DEFINE(scene_plugin)
