/* SPDX-License-Identifier: Apache-2.0 */
/*
 * videoscore2: TIGER-Lab's VideoScore2 (a Qwen2.5-VL-7B fine-tune) asked through an
 * OpenAI-compatible chat API (vLLM, SGLang, llama.cpp server), scored as
 * fastvideo.eval's videoscore2 does (metrics-b.md §V):
 *  - frames: target = max(1, min(64, round(T / fps * 2))) picked with
 *    np.linspace(0, T - 1, target, dtype=int) (all T when target >= T); the long side
 *    brought to <= 960 (int(w * s) x int(h * s), s = 960 / long side) with Pillow's
 *    LANCZOS, byte for byte (plugins/_vision);
 *  - the prompt: FastVideo's template, byte for byte, with the sample's text_prompt;
 *  - greedy decoding (temperature 0), max_tokens 1024, with logprobs;
 *  - hard scores: FastVideo's regex over the answer;
 *  - soft scores: at the token of the first digit after each anchor, p_s for s = 1..5
 *    from the returned top_logprobs (absent from the list: 0), best = argmax,
 *    soft = round(best * p_best / sum p_s, 4);
 *  - score: mean of the soft scores present; 0.0 when none is (as upstream).
 * The model runs on the server; frames go there as base64 PNG.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <fveval/plugin.h>

#include "../_remote/remote.h"
#include "../_vision/vision.h"

/* FastVideo's PROMPT_TEMPLATE (string.Template, $t2v_prompt), U+2013 dashes. */
static const char vs2_template_head[] =
    "\n"
    "    You are an expert for evaluating AI-generated videos from three dimensions:\n"
    "    (1) visual quality \xe2\x80\x93 clarity, smoothness, artifacts;\n"
    "    (2) text-to-video alignment \xe2\x80\x93 fidelity to the prompt;\n"
    "    (3) physical/common-sense consistency \xe2\x80\x93 naturalness and physics plausibility.\n"
    "\n"
    "    Video prompt: ";
static const char vs2_template_tail[] = "\n"
                                        "\n"
                                        "    Please output in this format:\n"
                                        "    visual quality: <v_score>;\n"
                                        "    text-to-video alignment: <t_score>,\n"
                                        "    physical/common-sense consistency: <p_score>\n"
                                        "    ";

enum { CONTENT_VIDEO, CONTENT_IMAGES };
static const char *const vs2_content_names[] = {"video", "images", NULL};

typedef struct {
    const char *endpoint, *model;
    double infer_fps, temperature;
    int64_t max_frames, max_side, max_tokens, top_logprobs;
    fvr_http_opts http;
    int content;
    /* resolved in init */
    char *url, *cache_dir;
    const char *api_key;
} vs2_priv;

#define OFF(m) offsetof(vs2_priv, m)
static const fveval_option vs2_options[] = {
    {.name = "endpoint",
     .help = "base URL of the OpenAI-compatible API (POST <endpoint>/chat/completions); "
             "default $FVEVAL_VIDEOSCORE2_ENDPOINT, else http://127.0.0.1:8000/v1",
     .type = FVEVAL_OPT_STRING, .offset = OFF(endpoint), .def = {.str = NULL}},
    {.name = "model", .help = "model name the server serves VideoScore2 under",
     .type = FVEVAL_OPT_STRING, .offset = OFF(model), .def = {.str = "TIGER-Lab/VideoScore2"}},
    {.name = "content",
     .help = "how frames are sent: video (one video_url of base64 frames, vLLM's "
             "frame-list form) or images (one image_url per frame)", .type = FVEVAL_OPT_ENUM,
     .offset = OFF(content), .def = {.i64 = CONTENT_VIDEO}, .enum_names = vs2_content_names},
    {.name = "infer_fps", .help = "frames per second of video sent (upstream: 2)",
     .type = FVEVAL_OPT_DOUBLE, .offset = OFF(infer_fps), .def = {.dbl = 2.0}, .min = 0.01,
     .max = 1000},
    {.name = "max_frames", .help = "most frames sent (upstream: 64)", .type = FVEVAL_OPT_INT,
     .offset = OFF(max_frames), .def = {.i64 = 64}, .min = 1, .max = FVEVAL_FRAMES_MAX},
    {.name = "max_side", .help = "longer side of a frame at most this (Lanczos; upstream: 960)",
     .type = FVEVAL_OPT_INT, .offset = OFF(max_side), .def = {.i64 = 960}, .min = 16, .max = 16384},
    {.name = "max_tokens", .help = "generation limit (upstream: 1024)", .type = FVEVAL_OPT_INT,
     .offset = OFF(max_tokens), .def = {.i64 = 1024}, .min = 1, .max = 1 << 20},
    {.name = "temperature", .help = "sampling temperature (upstream: greedy, 0)",
     .type = FVEVAL_OPT_DOUBLE, .offset = OFF(temperature), .def = {.dbl = 0.0}, .min = 0,
     .max = 10},
    {.name = "top_logprobs",
     .help = "alternatives asked per generated token (the soft scores need 1..5 among them)",
     .type = FVEVAL_OPT_INT, .offset = OFF(top_logprobs), .def = {.i64 = 20}, .min = 5, .max = 20},
    FVR_HTTP_OPTIONS(vs2_priv, http, 600),
    {.name = NULL},
};

static const fveval_field vs2_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED,
     .help = "clip to score"},
    {.name = "text_prompt", .type = FVEVAL_FIELD_STRING,
     .help = "the prompt the clip was generated from (\"\" when absent)"},
    {.name = NULL},
};

static const fveval_frame_access vs2_access[] = {
    {.field = "video", .mode = FVEVAL_FRAMES_SAMPLED, .count = FVEVAL_FRAMES_MAX},
    {.field = NULL},
};

static const char *const vs2_key_env[] = {"FVEVAL_VIDEOSCORE2_API_KEY", "OPENAI_API_KEY", NULL};

/* ---- frames ------------------------------------------------------------------------ */

/* fastvideo _subsample_frames: how many frames, then np.linspace(..., dtype=int). */
static int vs2_select(fveval_ctx *ctx, const fveval_sample *s, const char *field, int nb_frames,
                      double fps, int *indices, int max)
{
    (void) s, (void) field;
    vs2_priv *p = fveval_priv(ctx);
    if (nb_frames < 1)
        return -EINVAL;
    int cap = (int) (p->max_frames < max ? p->max_frames : max);
    int target;
    if (fps > 0) {
        /* int(round((n / fps) * infer_fps)): Python rounds half to even, as nearbyint. */
        double t = nearbyint(((double) nb_frames / fps) * p->infer_fps);
        target = t < 1 ? 1 : (t > cap ? cap : (int) t);
    } else {
        target = nb_frames < cap ? nb_frames : cap;
    }
    if (target < nb_frames) {
        fvv_linspace_numpy_int(0, nb_frames - 1, target, indices);
        return target;
    }
    for (int i = 0; i < nb_frames; i++)
        indices[i] = i;
    return nb_frames;
}

/* "data:video/jpeg;base64,f1,f2,..." or one image_url per frame into @p content. */
static int vs2_frames_json(vs2_priv *p, const fveval_video *v, json_t *content, char *err,
                           size_t errlen)
{
    int w = v->width, h = v->height, ow = w, oh = h;
    int longest = w > h ? w : h;
    if (longest > p->max_side) {
        double s = (double) p->max_side / longest;
        ow = (int) (w * s);
        oh = (int) (h * s);
        if (ow < 1)
            ow = 1;
        if (oh < 1)
            oh = 1;
    }
    uint8_t *small = (ow != w || oh != h) ? malloc((size_t) ow * oh * 3) : NULL;
    if ((ow != w || oh != h) && !small)
        return -ENOMEM;
    char *joined = NULL;
    size_t jlen = 0;
    int rc = 0;
    for (int t = 0; t < v->nb_frames && rc == 0; t++) {
        const uint8_t *rgb = fveval_video_pixel(v, t, 0, 0);
        ptrdiff_t ls = v->linesize;
        if (small) {
            if ((rc = fvv_pil_resize_lanczos_u8(rgb, ls, w, h, 3, small, (ptrdiff_t) ow * 3, ow,
                                                oh)) < 0)
                break;
            rgb = small;
            ls = (ptrdiff_t) ow * 3;
        }
        char *b64 = NULL;
        if ((rc = fvr_png_base64(rgb, ls, ow, oh, &b64)) < 0) {
            snprintf(err, errlen, "cannot encode frame %d as PNG", t);
            break;
        }
        if (p->content == CONTENT_IMAGES) {
            size_t n = strlen(b64) + 32;
            char *url = malloc(n);
            if (url) {
                snprintf(url, n, "data:image/png;base64,%s", b64);
                json_array_append_new(
                    content, json_pack("{s:s,s:{s:s}}", "type", "image_url", "image_url", "url", url));
            } else {
                rc = -ENOMEM;
            }
            free(url);
        } else {
            /* vLLM reads video/jpeg data URLs as comma-separated base64 frames, each
             * opened by PIL (which takes PNG as well): a lossless frame list. */
            static const char head[] = "data:video/jpeg;base64,";
            size_t bl = strlen(b64);
            char *j = realloc(joined, jlen + bl + sizeof(head) + 2);
            if (!j) {
                rc = -ENOMEM;
            } else {
                joined = j;
                if (jlen == 0) {
                    memcpy(joined, head, sizeof(head) - 1);
                    jlen = sizeof(head) - 1;
                } else {
                    joined[jlen++] = ',';
                }
                memcpy(joined + jlen, b64, bl + 1);
                jlen += bl;
            }
        }
        free(b64);
    }
    if (rc == 0 && p->content == CONTENT_VIDEO && joined)
        json_array_append_new(content, json_pack("{s:s,s:{s:s}}", "type", "video_url",
                                                 "video_url", "url", joined));
    free(joined);
    free(small);
    if (rc < 0 && !err[0])
        snprintf(err, errlen, "cannot prepare the frames: %s", strerror(-rc));
    return rc;
}

/* ---- parsing ------------------------------------------------------------------------ */

static bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Case-insensitive (ASCII) search of @p needle in @p hay from @p from; position or -1. */
static long find_ci(const char *hay, size_t len, size_t from, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = from; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && tolower((unsigned char) hay[i + k]) == tolower((unsigned char) needle[k]))
            k++;
        if (k == n)
            return (long) i;
    }
    return -1;
}

/*
 * "\(N\)\s*NAME" at or after @p from, N being @p num: the end of the first match, or -1.
 */
static long find_numbered(const char *s, size_t len, size_t from, char num, const char *name)
{
    for (size_t i = from; i + 3 <= len; i++) {
        if (s[i] != '(' || s[i + 1] != num || s[i + 2] != ')')
            continue;
        size_t k = i + 3;
        while (k < len && is_space(s[k]))
            k++;
        long at = find_ci(s, len, k, name);
        if (at == (long) k)
            return (long) (k + strlen(name));
    }
    return -1;
}

/*
 * FastVideo's hard-score regex (DOTALL | IGNORECASE):
 *   \(1\)\s*visual quality[^\d]*?(\d+).*?\(2\)\s*text-to-video alignment[^\d]*?(\d+)
 *   .*?\(3\)\s*physical/common-sense consistency[^\d]*?(\d+)
 * Each lazy gap takes the earliest anchor after the previous number, and an earlier
 * anchor never fails where a later one succeeds, so a left-to-right scan finds
 * re.search's match.  Digits are ASCII (upstream's \d also takes other scripts'
 * digits, which int() would read too; VideoScore2 writes ASCII).
 */
static bool parse_hard(const char *s, size_t len, int hard[3])
{
    static const char *const names[3] = {"visual quality", "text-to-video alignment",
                                         "physical/common-sense consistency"};
    size_t pos = 0;
    for (int d = 0; d < 3; d++) {
        long end = find_numbered(s, len, pos, (char) ('1' + d), names[d]);
        if (end < 0)
            return false;
        size_t k = (size_t) end;
        while (k < len && !is_digit(s[k]))
            k++;
        if (k >= len)
            return false;
        long v = 0;
        while (k < len && is_digit(s[k])) {
            if (v < 100000000)
                v = v * 10 + (s[k] - '0');
            k++;
        }
        hard[d] = (int) v;
        pos = k;
    }
    return true;
}

/* One generated token: its bytes, and its top alternatives. */
typedef struct {
    const char *text;
    size_t len;
    char *owned;
    json_t *top;
} vs2_token;

/* The token's bytes: the "bytes" list when given (exact for split UTF-8), else "token". */
static int token_bytes(json_t *t, vs2_token *out)
{
    json_t *b = json_object_get(t, "bytes");
    if (json_is_array(b) && json_array_size(b) > 0) {
        size_t n = json_array_size(b);
        out->owned = malloc(n + 1);
        if (!out->owned)
            return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
            json_int_t v = json_integer_value(json_array_get(b, i));
            if (!json_is_integer(json_array_get(b, i)) || v < 0 || v > 255)
                return -EINVAL;
            out->owned[i] = (char) v;
        }
        out->owned[n] = '\0';
        out->text = out->owned;
        out->len = n;
        return 0;
    }
    const char *s = json_string_value(json_object_get(t, "token"));
    if (!s)
        return -EINVAL;
    out->text = s;
    out->len = json_string_length(json_object_get(t, "token"));
    return 0;
}

/* p("1") .. p("5") at one position: exp(logprob) of the alternative spelled so, else 0. */
static double soft_at(json_t *top)
{
    double p[6] = {0};
    size_t i;
    json_t *alt;
    json_array_foreach(top, i, alt) {
        const char *tok = json_string_value(json_object_get(alt, "token"));
        json_t *lp = json_object_get(alt, "logprob");
        if (!tok || !json_is_number(lp) || strlen(tok) != 1 || tok[0] < '1' || tok[0] > '5')
            continue;
        if (p[tok[0] - '0'] == 0) /* the first listing of a digit counts */
            p[tok[0] - '0'] = exp(json_number_value(lp));
    }
    int best = 1;
    double sum = 0;
    for (int s = 1; s <= 5; s++) {
        sum += p[s];
        if (p[s] > p[best])
            best = s;
    }
    if (!(sum > 0))
        return NAN; /* none of 1..5 among the alternatives */
    /* round(x, 4): Python rounds the exact binary value to 4 decimals, half to even; so
     * does printf, then strtod reads back the nearest double, as Python's float(). */
    char buf[64];
    snprintf(buf, sizeof(buf), "%.4f", best * p[best] / sum);
    return strtod(buf, NULL);
}

/*
 * ll_based_soft_score_normed: the anchor "(k) name" (case-insensitive; its first
 * occurrence), the first digit after it, the token whose end is that digit (the shortest
 * token prefix that spells the answer up to it), its alternatives.  NaN when absent.
 */
static double soft_score(const vs2_token *tok, size_t n, const char *gen, size_t gen_len,
                         const char *anchor)
{
    long at = find_ci(gen, gen_len, 0, anchor);
    if (at < 0)
        return NAN;
    size_t k = (size_t) at + strlen(anchor);
    while (k < gen_len && !is_digit(gen[k]))
        k++;
    if (k >= gen_len)
        return NAN;
    size_t target = k + 1, cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += tok[i].len;
        if (cum == target)
            return json_is_array(tok[i].top) ? soft_at(tok[i].top) : NAN;
        if (cum > target)
            break;
    }
    return NAN;
}

static void put_number_or_null(fveval_ctx *ctx, fveval_result *res, const char *key, double v)
{
    if (isnan(v))
        fveval_result_json(ctx, res, key, "null");
    else
        fveval_result_number(ctx, res, key, v);
}

/* Score the answer @p ans into @p res; -EINVAL with @p err when it is not one. */
static int vs2_score(fveval_ctx *ctx, json_t *ans, fveval_result *res, char *err, size_t errlen)
{
    json_t *choice = json_array_get(json_object_get(ans, "choices"), 0);
    json_t *msg = json_object_get(json_object_get(choice, "message"), "content");
    if (!json_is_string(msg)) {
        snprintf(err, errlen, "the answer has no choices[0].message.content");
        return -EINVAL;
    }
    json_t *lps = json_object_get(json_object_get(choice, "logprobs"), "content");
    if (!json_is_array(lps)) {
        snprintf(err, errlen, "the answer has no choices[0].logprobs.content (the server "
                              "must return logprobs with top_logprobs)");
        return -EINVAL;
    }
    size_t n = json_array_size(lps);
    vs2_token *tok = calloc(n + 1, sizeof(*tok));
    char *gen = NULL;
    int rc = tok ? 0 : -ENOMEM;
    size_t gen_len = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *t = json_array_get(lps, i);
        if ((rc = token_bytes(t, &tok[i])) < 0)
            snprintf(err, errlen, "logprobs token %zu has no token text", i);
        tok[i].top = json_object_get(t, "top_logprobs");
        gen_len += tok[i].len;
    }
    if (rc == 0 && !(gen = malloc(gen_len + 1)))
        rc = -ENOMEM;
    if (rc == 0) {
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            memcpy(gen + o, tok[i].text, tok[i].len);
            o += tok[i].len;
        }
        gen[o] = '\0';

        static const char *const anchors[3] = {"(1) visual quality", "(2) text-to-video alignment",
                                               "(3) physical/common-sense consistency"};
        static const char *const keys[3] = {"visual_quality", "text_alignment",
                                            "physical_consistency"};
        static const char *const hard_keys[3] = {"visual_quality_hard", "text_alignment_hard",
                                                 "physical_consistency_hard"};
        const char *text = json_string_value(msg);
        int hard[3];
        bool have_hard = parse_hard(text, json_string_length(msg), hard);
        double sum = 0;
        int present = 0;
        for (int d = 0; d < 3; d++) {
            double soft = have_hard ? soft_score(tok, n, gen, gen_len, anchors[d]) : NAN;
            put_number_or_null(ctx, res, keys[d], soft);
            if (have_hard)
                fveval_result_int(ctx, res, hard_keys[d], hard[d]);
            else
                fveval_result_json(ctx, res, hard_keys[d], "null");
            if (!isnan(soft)) {
                sum += soft;
                present++;
            }
        }
        fveval_result_string(ctx, res, "raw_output", text);
        fveval_result_score(ctx, res, present ? sum / present : 0.0);
    }
    for (size_t i = 0; tok && i < n; i++)
        free(tok[i].owned);
    free(tok);
    free(gen);
    return rc;
}

/* ---- callbacks ---------------------------------------------------------------------- */

static int vs2_init(fveval_ctx *ctx)
{
    vs2_priv *p = fveval_priv(ctx);
    p->url = fvr_url(fvr_setting(p->endpoint, "FVEVAL_VIDEOSCORE2_ENDPOINT",
                                 "http://127.0.0.1:8000/v1"),
                     "chat/completions");
    if (!p->url)
        return -ENOMEM;
    p->cache_dir = fvr_cache_dir(p->http.cache_dir_opt);
    p->api_key = fvr_api_key(vs2_key_env, NULL);
    return 0;
}

static int vs2_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res)
{
    vs2_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    if (!v || v->nb_frames < 1) {
        fveval_result_skip(ctx, res, "missing field 'video'");
        return -ENOTSUP;
    }
    const char *prompt = fveval_sample_string(ctx, s, "text_prompt");
    if (!prompt)
        prompt = "";
    size_t tl = strlen(vs2_template_head) + strlen(prompt) + strlen(vs2_template_tail) + 1;
    char *text = malloc(tl);
    json_t *content = json_array();
    char err[FVR_ERR_LEN] = "";
    int rc = (text && content) ? 0 : -ENOMEM;
    if (rc == 0) {
        snprintf(text, tl, "%s%s%s", vs2_template_head, prompt, vs2_template_tail);
        rc = vs2_frames_json(p, v, content, err, sizeof(err));
    }
    json_t *req = NULL;
    char *body = NULL;
    if (rc == 0) {
        json_array_append_new(content, json_pack("{s:s,s:s}", "type", "text", "text", text));
        req = json_pack("{s:s,s:[{s:s,s:O}],s:f,s:I,s:b,s:I}", "model", p->model, "messages",
                        "role", "user", "content", content, "temperature", p->temperature,
                        "max_tokens", (json_int_t) p->max_tokens, "logprobs", 1, "top_logprobs",
                        (json_int_t) p->top_logprobs);
        /* The frame rate the frames stand for (Qwen2.5-VL's temporal positions). */
        if (req && p->content == CONTENT_VIDEO)
            json_object_set_new(req, "mm_processor_kwargs",
                                json_pack("{s:f}", "fps", p->infer_fps));
        body = req ? json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        if (!body)
            rc = -ENOMEM;
    }
    if (rc < 0) {
        fveval_result_error(ctx, res, "%s", err[0] ? err : strerror(-rc));
        goto done;
    }
    fvr_endpoint ep = fvr_endpoint_of(&p->http, p->url, p->api_key, p->cache_dir);
    fvr_response r;
    rc = fvr_post_json(ctx, &ep, body, &r, err, sizeof(err));
    if (rc < 0) {
        fveval_result_error(ctx, res, "%s", err);
        goto done_resp;
    }
    json_error_t jerr;
    json_t *ans = json_loads(r.body, 0, &jerr);
    if (!ans) {
        char *snip = fvr_one_line(r.body, 80);
        fveval_result_error(ctx, res, "malformed JSON from %s: %s (%s)", p->url, jerr.text,
                            snip ? snip : "");
        free(snip);
        rc = -EIO;
        goto done_resp;
    }
    rc = vs2_score(ctx, ans, res, err, sizeof(err));
    json_decref(ans);
    if (rc < 0) {
        fveval_result_error(ctx, res, "unexpected answer from %s: %s", p->url, err);
        rc = -EIO;
        goto done_resp;
    }
    fvr_cache_store(ctx, &ep, &r);
    fveval_log(ctx, FVEVAL_LOG_DEBUG, "%s: %s after %d request(s)", v->path,
               r.from_cache ? "answer from the cache" : "answered", r.attempts);
done_resp:
    fvr_response_free(&r);
done:
    free(body);
    json_decref(req);
    json_decref(content);
    free(text);
    return rc;
}

static void vs2_uninit(fveval_ctx *ctx)
{
    vs2_priv *p = fveval_priv(ctx);
    free(p->url);
    free(p->cache_dir);
}

static const fveval_plugin vs2_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "videoscore2",
    .summary = "VideoScore2 (visual quality, text alignment, physics) asked through an "
               "OpenAI-compatible server",
    .description =
        "Sends ~2 fps of the clip (at most 64 frames, long side <= 960, PNG) and FastVideo's "
        "VideoScore2 prompt with the sample's text_prompt to <endpoint>/chat/completions "
        "(temperature 0, max_tokens 1024, logprobs). Score: mean of the three soft scores "
        "(probability-weighted 1..5 at each score's digit; 0.0 when none parses). details: "
        "visual_quality, text_alignment, physical_consistency (soft), *_hard, raw_output. "
        "A failed request is an error of that sample (exit 1). The server sees the frames "
        "and the prompt; answers are cached on disk. See README.md for serving VideoScore2 "
        "with vLLM.",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = vs2_fields,
    .options = vs2_options,
    .priv_size = sizeof(vs2_priv),
    .init = vs2_init,
    .compute = vs2_compute,
    .uninit = vs2_uninit,
    .frame_access = vs2_access,
    .select_frames = vs2_select,
};

FVEVAL_PLUGIN_DEFINE(vs2_plugin)
