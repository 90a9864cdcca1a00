/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP client for metrics whose network runs behind an inference server (a
 * vision-language model behind an OpenAI-compatible API, a detection service,
 * a hosted judge).  A static convenience library linked into each such plugin.
 *
 * What it does for a plugin:
 *  - POSTs a JSON body to an endpoint with libcurl: a total timeout and a connect
 *    timeout, TLS as libcurl does it (system CA store, peer verification on);
 *  - retries 429, 5xx and transport failures (refused, reset, timed out) up to
 *    max_attempts times, sleeping retry_delay * 2^(attempt - 1) seconds (at most 60),
 *    or the server's Retry-After when that is longer (at most 120);
 *  - holds at most max_in_flight requests per endpoint URL in this plugin module at
 *    once (instances running in parallel with --jobs queue for a slot);
 *  - keeps answers in a disk cache keyed by the SHA-256 of the URL and the request
 *    body (model, prompt, every frame's bytes, sampling settings: whatever the body
 *    holds), so that re-runs and --resume do not ask twice.  The API key is not part
 *    of the key.  The caller stores an answer only after it has parsed it;
 *  - encodes RGB frames as PNG (FFmpeg's PNG encoder) and base64.
 * The API key is sent in a header and never logged, cached or put in an error text.
 *
 * Functions that fail return a negative errno-style code and write a one-line reason
 * into the caller's buffer (FVR_ERR_LEN bytes).
 */
#ifndef FVEVAL_REMOTE_H
#define FVEVAL_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fveval/plugin.h>

#define FVR_ERR_LEN 512

/* One endpoint as a plugin configured it.  Strings are borrowed. */
typedef struct fvr_endpoint {
    const char *url;          /**< full URL of the POST */
    const char *key_header;   /**< header name for the key ("Authorization", "x-goog-api-key") */
    const char *key_prefix;   /**< text before the key in that header ("Bearer "), or NULL */
    const char *api_key;      /**< NULL or "": no key header */
    double timeout_s;         /**< whole request, > 0 */
    double connect_timeout_s; /**< connection set-up; 0: 10 s */
    int max_attempts;         /**< >= 1 */
    double retry_delay_s;     /**< first backoff */
    int max_in_flight;        /**< >= 1 */
    double rate_limit_delay_s; /**< > 0: sleep at least this long after a 429 */
    const char *cache_dir;    /**< NULL: no cache */
} fvr_endpoint;

typedef struct fvr_response {
    long status;       /**< HTTP status of the last attempt (0: none answered) */
    char *body;        /**< NUL-terminated */
    size_t len;
    bool from_cache;
    int attempts;      /**< requests actually sent */
    char key[65];      /**< cache key (hex SHA-256), "" without a cache */
} fvr_response;

/*
 * The request options every server-backed metric has: put FVR_HTTP_OPTIONS(T, M,
 * default_timeout) in the option table for an fvr_http_opts member.
 */
typedef struct fvr_http_opts {
    const char *cache_dir_opt;
    double timeout, retry_delay;
    int64_t retries, max_in_flight;
} fvr_http_opts;

#define FVR_HTTP_OPTIONS(T, M, default_timeout)                                        \
    {.name = "timeout", .help = "seconds one request may take", .type = FVEVAL_OPT_DOUBLE,      \
     .offset = offsetof(T, M.timeout), .def = {.dbl = (default_timeout)},              \
     .min = 0.001, .max = 86400},                                                              \
    {.name = "retries",                                                                        \
     .help = "attempts per request on 429, 5xx, refused or timed-out connections",             \
     .type = FVEVAL_OPT_INT, .offset = offsetof(T, M.retries), .def = {.i64 = 6},       \
     .min = 1, .max = 100},                                                                    \
    {.name = "retry_delay", .help = "seconds before the second attempt (doubling, at most 60)", \
     .type = FVEVAL_OPT_DOUBLE, .offset = offsetof(T, M.retry_delay),                  \
     .def = {.dbl = 1.0}, .min = 0, .max = 600},                                               \
    {.name = "max_in_flight",                                                                  \
     .help = "most requests in flight to the endpoint (over --jobs instances)",                \
     .type = FVEVAL_OPT_INT, .offset = offsetof(T, M.max_in_flight),                   \
     .def = {.i64 = 4}, .min = 1, .max = 1024},                                                \
    {.name = "cache_dir",                                                                      \
     .help = "response cache ('none': off); default $FVEVAL_REMOTE_CACHE, else "               \
             "$XDG_CACHE_HOME/fveval/remote",                                                  \
     .type = FVEVAL_OPT_STRING, .offset = offsetof(T, M.cache_dir_opt),                \
     .def = {.str = NULL}}

/*
 * An endpoint from the options, @p url, @p api_key (may be NULL) and @p cache_dir
 * (fvr_cache_dir's result, may be NULL), with an "Authorization: Bearer" key header.
 */
fvr_endpoint fvr_endpoint_of(const fvr_http_opts *o, const char *url, const char *api_key,
                             const char *cache_dir);

/*
 * The first non-empty of: @p option (a metric option), the environment variable
 * @p env, @p fallback.  Never NULL when @p fallback is not.
 */
const char *fvr_setting(const char *option, const char *env, const char *fallback);

/* @p base + "/" + @p path, one slash between them whether base ends with one or not. */
char *fvr_url(const char *base, const char *path);

/*
 * The value of the first set, non-empty environment variable of @p env_names (a
 * NULL-terminated list), or NULL.  Its name goes to *which when @p which is not NULL.
 */
const char *fvr_api_key(const char *const *env_names, const char **which);

/*
 * The cache directory: @p option when given ("none" or "": no cache -> NULL), else
 * $FVEVAL_REMOTE_CACHE ("none": no cache), else $XDG_CACHE_HOME/fveval/remote, else
 * $HOME/.cache/fveval/remote.  Returned in a malloc'd string (or NULL).
 */
char *fvr_cache_dir(const char *option);

/*
 * POST @p body (JSON text) to @p ep, or read the cached answer for it.  0 with a 2xx
 * answer in @p out (free with fvr_response_free); otherwise a negative code, @p err
 * filled ("HTTP 500 from URL: server text", "cannot reach URL: ...", "no answer from
 * URL within 30 s") and @p out still holding status and attempts.  Retries are logged
 * at warning level through @p ctx.
 */
int fvr_post_json(fveval_ctx *ctx, const fvr_endpoint *ep, const char *body, fvr_response *out,
                  char *err, size_t errlen);

/* Keep @p r's body under its key (atomic write; failures only logged). */
void fvr_cache_store(fveval_ctx *ctx, const fvr_endpoint *ep, const fvr_response *r);

void fvr_response_free(fvr_response *r);

/* Lower-case hex SHA-256 of @p len bytes into hex[65]. */
void fvr_sha256_hex(const void *data, size_t len, char hex[65]);
/* Lower-case hex SHA-1 into hex[41] (upstream's cache names and seeds). */
void fvr_sha1_hex(const void *data, size_t len, char hex[41]);

/*
 * One packed RGB24 image (row y at rgb + y * linesize) as PNG (FFmpeg's encoder,
 * default compression, no filter choice of ours), base64-encoded: a malloc'd
 * NUL-terminated string in *out.  0 or a negative code.
 */
int fvr_png_base64(const uint8_t *rgb, ptrdiff_t linesize, int w, int h, char **out);

/* @p len bytes base64-encoded into a malloc'd NUL-terminated string (NULL: no memory). */
char *fvr_base64(const void *data, size_t len);

/*
 * Frames frames[0..n) of @p v as an H.264 MP4 (libx264 through libavcodec, yuv420p,
 * one thread so the bytes are the same on every run, @p crf, @p fps frames per
 * second, pts 0, 1, ...), base64-encoded into *out: torchvision.io.write_video's
 * file.  Written through a temporary file (the muxer seeks).  0, or a negative code
 * with @p err filled.
 */
int fvr_encode_mp4_base64(const fveval_video *v, int fps, int crf, char **out, char *err,
                          size_t errlen);

/* The first @p max characters of @p s on one line (controls as spaces), malloc'd. */
char *fvr_one_line(const char *s, size_t max);

#endif
