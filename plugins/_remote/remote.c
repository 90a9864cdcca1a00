/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP client, response cache and frame encoding for the server-backed metrics (remote.h). */
#include "remote.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libavutil/base64.h>
#include <libavutil/sha.h>
#include <libswscale/swscale.h>

/* ---- settings ---------------------------------------------------------------------- */

const char *fvr_setting(const char *option, const char *env, const char *fallback)
{
    if (option && *option)
        return option;
    const char *e = env ? getenv(env) : NULL;
    if (e && *e)
        return e;
    return fallback;
}

char *fvr_url(const char *base, const char *path)
{
    size_t bl = strlen(base), n = bl + strlen(path) + 2;
    char *u = malloc(n);
    if (u)
        snprintf(u, n, "%.*s/%s", (int) (bl && base[bl - 1] == '/' ? bl - 1 : bl), base, path);
    return u;
}

fvr_endpoint fvr_endpoint_of(const fvr_http_opts *o, const char *url, const char *api_key,
                             const char *cache_dir)
{
    return (fvr_endpoint){
        .url = url,
        .key_header = "Authorization",
        .key_prefix = "Bearer ",
        .api_key = api_key,
        .timeout_s = o->timeout,
        .max_attempts = (int) o->retries,
        .retry_delay_s = o->retry_delay,
        .max_in_flight = (int) o->max_in_flight,
        .cache_dir = cache_dir,
    };
}

const char *fvr_api_key(const char *const *env_names, const char **which)
{
    for (size_t i = 0; env_names && env_names[i]; i++) {
        const char *v = getenv(env_names[i]);
        if (v && *v) {
            if (which)
                *which = env_names[i];
            return v;
        }
    }
    return NULL;
}

static char *join_path(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

char *fvr_cache_dir(const char *option)
{
    if (option)
        return (*option && strcmp(option, "none") != 0) ? strdup(option) : NULL;
    const char *env = getenv("FVEVAL_REMOTE_CACHE");
    if (env && *env)
        return strcmp(env, "none") != 0 ? strdup(env) : NULL;
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg)
        return join_path(xdg, "fveval/remote");
    const char *home = getenv("HOME");
    if (home && *home)
        return join_path(home, ".cache/fveval/remote");
    return NULL;
}

char *fvr_one_line(const char *s, size_t max)
{
    size_t n = strnlen(s ? s : "", max);
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++)
        o[i] = (unsigned char) s[i] < 0x20 ? ' ' : s[i];
    o[n] = '\0';
    return o;
}

/* ---- hashing ---------------------------------------------------------------------- */

static void sha_hex(int bits, const void *data, size_t len, char *hex)
{
    uint8_t digest[32];
    struct AVSHA *sha = av_sha_alloc();
    if (!sha) {
        hex[0] = '\0';
        return;
    }
    av_sha_init(sha, bits);
    const uint8_t *p = data;
    /* av_sha_update takes an unsigned int length (size_t in newer FFmpeg): feed in pieces. */
    while (len > 0) {
        size_t piece = len > (1u << 30) ? (1u << 30) : len;
        av_sha_update(sha, p, (unsigned) piece);
        p += piece;
        len -= piece;
    }
    av_sha_final(sha, digest);
    av_free(sha);
    for (int i = 0; i < bits / 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

void fvr_sha256_hex(const void *data, size_t len, char hex[65]) { sha_hex(256, data, len, hex); }
void fvr_sha1_hex(const void *data, size_t len, char hex[41]) { sha_hex(160, data, len, hex); }

/* Cache key: a version tag, the URL and the body; not the key header. */
static void cache_key(const fvr_endpoint *ep, const char *body, char hex[65])
{
    static const char tag[] = "fveval-remote-cache-1\n";
    size_t lu = strlen(ep->url), lb = strlen(body), n = sizeof(tag) - 1 + lu + 1 + lb;
    char *buf = malloc(n);
    if (!buf) {
        hex[0] = '\0';
        return;
    }
    memcpy(buf, tag, sizeof(tag) - 1);
    memcpy(buf + sizeof(tag) - 1, ep->url, lu);
    buf[sizeof(tag) - 1 + lu] = '\n';
    memcpy(buf + sizeof(tag) + lu, body, lb);
    fvr_sha256_hex(buf, n, hex);
    free(buf);
}

/* <dir>/<first two hex digits>/<key>.json */
static char *cache_path(const char *dir, const char *key, bool make_dirs)
{
    char sub[3] = {key[0], key[1], '\0'};
    char *d = join_path(dir, sub);
    if (!d)
        return NULL;
    if (make_dirs) {
        /* mkdir -p of dir, then the two-digit folder. */
        char *tmp = strdup(dir);
        for (char *q = tmp ? tmp + 1 : NULL; q && *q; q++)
            if (*q == '/') {
                *q = '\0';
                mkdir(tmp, 0777);
                *q = '/';
            }
        if (tmp)
            mkdir(tmp, 0777);
        free(tmp);
        mkdir(d, 0777);
    }
    size_t n = strlen(d) + strlen(key) + 8;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s.json", d, key);
    free(d);
    return p;
}

static int cache_read(const char *dir, const char *key, fvr_response *out)
{
    char *path = cache_path(dir, key, false);
    if (!path)
        return -ENOMEM;
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f)
        return -ENOENT;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? 2 * cap : 65536;
            char *b = realloc(buf, cap + 1);
            if (!b) {
                free(buf);
                fclose(f);
                return -ENOMEM;
            }
            buf = b;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad || len == 0) {
        free(buf);
        return -EIO;
    }
    buf[len] = '\0';
    out->body = buf;
    out->len = len;
    out->status = 200;
    out->from_cache = true;
    return 0;
}

void fvr_cache_store(fveval_ctx *ctx, const fvr_endpoint *ep, const fvr_response *r)
{
    if (!ep->cache_dir || !r->key[0] || r->from_cache || !r->body)
        return;
    char *path = cache_path(ep->cache_dir, r->key, true);
    if (!path)
        return;
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        free(path);
        return;
    }
    snprintf(tmp, n, "%s.%ld.tmp", path, (long) getpid());
    /* Parallel instances may store the same key: each writes its own temporary and the
     * rename is atomic, so a reader never sees half a file. */
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(r->body, 1, r->len, f) == r->len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        fveval_log(ctx, FVEVAL_LOG_WARNING, "cannot write the response cache %s: %s",
                   ep->cache_dir, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    free(path);
}

void fvr_response_free(fvr_response *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

/* ---- requests in flight per endpoint --------------------------------------------------- */

/*
 * The one piece of state shared by the instances of a plugin: how many requests each
 * endpoint has in flight.  Guarded by a mutex, so instances on parallel threads queue.
 */
typedef struct slot_entry {
    char *url;
    int in_flight;
    struct slot_entry *next;
} slot_entry;

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_cond = PTHREAD_COND_INITIALIZER;
static slot_entry *slots;

static slot_entry *slot_acquire(const char *url, int max)
{
    pthread_mutex_lock(&slot_lock);
    slot_entry *e = slots;
    while (e && strcmp(e->url, url) != 0)
        e = e->next;
    if (!e && (e = calloc(1, sizeof(*e))) && (e->url = strdup(url))) {
        e->next = slots;
        slots = e;
    } else if (e && !e->url) {
        free(e);
        e = NULL;
    }
    while (e && e->in_flight >= max)
        pthread_cond_wait(&slot_cond, &slot_lock);
    if (e)
        e->in_flight++;
    pthread_mutex_unlock(&slot_lock);
    return e;
}

static void slot_release(slot_entry *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&slot_lock);
    e->in_flight--;
    pthread_cond_broadcast(&slot_cond);
    pthread_mutex_unlock(&slot_lock);
}

/* ---- HTTP ------------------------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;
static void init_curl(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct grow_buf {
    char *p;
    size_t len, cap;
} grow_buf;

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    grow_buf *b = user;
    size_t n = size * nmemb;
    if (b->cap - b->len < n + 1) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap - b->len < n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            return 0; /* curl reports a write error */
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return n;
}

/* A short text for an error answer: JSON error.message / error / message, else the body. */
static char *server_message(const char *body)
{
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    const char *m = NULL;
    if (j) {
        json_t *e = json_object_get(j, "error");
        m = json_string_value(json_object_get(e, "message"));
        if (!m)
            m = json_string_value(e);
        if (!m)
            m = json_string_value(json_object_get(j, "message"));
        if (!m)
            m = json_string_value(json_object_get(j, "detail"));
    }
    char *r = fvr_one_line(m ? m : (body ? body : ""), 300);
    json_decref(j);
    return r;
}

static bool retryable_curl(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return true;
    default:
        return false;
    }
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t) s, (long) ((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int fvr_post_json(fveval_ctx *ctx, const fvr_endpoint *ep, const char *body, fvr_response *out,
                  char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    if (ep->cache_dir) {
        cache_key(ep, body, out->key);
        if (out->key[0] && cache_read(ep->cache_dir, out->key, out) == 0)
            return 0;
    }
    pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK) {
        snprintf(err, errlen, "libcurl failed to initialise: %s", curl_easy_strerror(curl_init_rc));
        return -EIO;
    }
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = NULL;
    char *auth = NULL;
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "Expect:"); /* no 100-continue round trip for large bodies */
    if (ep->api_key && *ep->api_key) {
        size_t n = strlen(ep->key_header) + strlen(ep->key_prefix ? ep->key_prefix : "") +
                   strlen(ep->api_key) + 4;
        auth = malloc(n);
        if (auth) {
            snprintf(auth, n, "%s: %s%s", ep->key_header, ep->key_prefix ? ep->key_prefix : "",
                     ep->api_key);
            hdr = curl_slist_append(hdr, auth);
        }
    }
    if (!h || !hdr || (ep->api_key && *ep->api_key && !auth)) {
        curl_slist_free_all(hdr);
        if (auth)
            memset(auth, 0, strlen(auth));
        free(auth);
        if (h)
            curl_easy_cleanup(h);
        snprintf(err, errlen, "out of memory preparing a request to %s", ep->url);
        return -ENOMEM;
    }
    grow_buf resp = {0};
    curl_easy_setopt(h, CURLOPT_URL, ep->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(body));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long) (ep->timeout_s * 1000.0));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) ((ep->connect_timeout_s > 0 ? ep->connect_timeout_s : 10.0) * 1000.0));
    curl_easy_setopt(h, CURLOPT_USERAGENT, "fveval/" PACKAGE_VERSION " libcurl");
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* whatever libcurl can decode */

    int rc = -EIO;
    int attempts = ep->max_attempts < 1 ? 1 : ep->max_attempts;
    for (int a = 1; a <= attempts; a++) {
        resp.len = 0;
        if (resp.p)
            resp.p[0] = '\0';
        slot_entry *slot = slot_acquire(ep->url, ep->max_in_flight < 1 ? 1 : ep->max_in_flight);
        CURLcode c = curl_easy_perform(h);
        slot_release(slot);
        out->attempts = a;
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        out->status = c == CURLE_OK ? status : 0;
        bool retry;
        if (c != CURLE_OK) {
            if (c == CURLE_OPERATION_TIMEDOUT)
                snprintf(err, errlen, "no answer from %s within %g s", ep->url, ep->timeout_s);
            else
                snprintf(err, errlen, "cannot reach %s: %s", ep->url, curl_easy_strerror(c));
            retry = retryable_curl(c);
        } else if (status >= 200 && status < 300) {
            out->body = resp.p ? resp.p : strdup("");
            out->len = resp.len;
            resp.p = NULL;
            rc = out->body ? 0 : -ENOMEM;
            break;
        } else {
            char *m = server_message(resp.p);
            snprintf(err, errlen, "HTTP %ld from %s: %s", status, ep->url, m ? m : "");
            free(m);
            retry = status == 429 || (status >= 500 && status <= 599);
            rc = status == 401 || status == 403 ? -EACCES : -EIO;
        }
        if (!retry || a == attempts)
            break;
        double delay = ep->retry_delay_s * ldexp(1.0, a - 1);
        if (delay > 60)
            delay = 60;
        if (out->status == 429 && ep->rate_limit_delay_s > delay)
            delay = ep->rate_limit_delay_s;
        curl_off_t after = -1;
        if (c == CURLE_OK && curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &after) == CURLE_OK &&
            after > 0 && (double) after > delay)
            delay = after > 120 ? 120 : (double) after;
        fveval_log(ctx, FVEVAL_LOG_WARNING, "%s; attempt %d of %d, retrying in %.3g s", err, a,
                   attempts, delay);
        sleep_s(delay);
    }
    if (rc != 0 && out->attempts == attempts && attempts > 1) {
        size_t n = strlen(err);
        if (n + 1 < errlen)
            snprintf(err + n, errlen - n, " (after %d attempts)", attempts);
    }
    free(resp.p);
    curl_slist_free_all(hdr);
    if (auth) {
        memset(auth, 0, strlen(auth)); /* do not leave the key in freed memory */
        free(auth);
    }
    curl_easy_cleanup(h);
    return rc;
}

/* ---- frames ------------------------------------------------------------------------------ */

char *fvr_base64(const void *data, size_t len)
{
    if (len > (size_t) INT_MAX / 4 * 3 - 4)
        return NULL; /* av_base64_encode takes int sizes */
    size_t n = AV_BASE64_SIZE(len);
    char *out = malloc(n);
    if (out && !av_base64_encode(out, (int) n, data, (int) len)) {
        free(out);
        out = NULL;
    }
    return out;
}

int fvr_png_base64(const uint8_t *rgb, ptrdiff_t linesize, int w, int h, char **out)
{
    *out = NULL;
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
    if (!codec)
        return -ENOSYS;
    AVCodecContext *enc = avcodec_alloc_context3(codec);
    AVFrame *frame = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    int rc = -ENOMEM;
    if (!enc || !frame || !pkt)
        goto done;
    enc->width = w;
    enc->height = h;
    enc->pix_fmt = AV_PIX_FMT_RGB24;
    enc->time_base = (AVRational){1, 1};
    enc->thread_count = 1;
    if ((rc = avcodec_open2(enc, codec, NULL)) < 0)
        goto done;
    frame->format = AV_PIX_FMT_RGB24;
    frame->width = w;
    frame->height = h;
    /* The encoder only reads the frame: point it at the caller's rows. */
    frame->data[0] = (uint8_t *) rgb;
    frame->linesize[0] = (int) linesize;
    if ((rc = avcodec_send_frame(enc, frame)) < 0 || (rc = avcodec_receive_packet(enc, pkt)) < 0)
        goto done;
    *out = fvr_base64(pkt->data, (size_t) pkt->size);
    rc = *out ? 0 : -ENOMEM;
done:
    if (frame)
        frame->data[0] = NULL;
    av_packet_free(&pkt);
    av_frame_free(&frame);
    avcodec_free_context(&enc);
    /* AVERROR(e) is -e; FFmpeg's own tags (AVERROR_EOF, ...) become -EIO. */
    return rc >= 0 ? 0 : (rc > -4096 ? rc : -EIO);
}

/* Encode one frame (or flush with NULL) and write what comes out. */
static int mux_frame(AVCodecContext *enc, AVFormatContext *oc, AVStream *st, AVFrame *frame,
                     AVPacket *pkt)
{
    int rc = avcodec_send_frame(enc, frame);
    while (rc >= 0) {
        rc = avcodec_receive_packet(enc, pkt);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return 0;
        if (rc < 0)
            break;
        /* libx264 leaves durations unset; without them the MP4 muxer's edit list ends
         * one frame early and players drop the last frame (as ffmpeg(1) does, one frame
         * interval in the encoder's 1/fps time base). */
        if (pkt->duration == 0)
            pkt->duration = 1;
        av_packet_rescale_ts(pkt, enc->time_base, st->time_base);
        pkt->stream_index = st->index;
        rc = av_interleaved_write_frame(oc, pkt);
    }
    return rc;
}

int fvr_encode_mp4_base64(const fveval_video *v, int fps, int crf, char **out, char *err,
                          size_t errlen)
{
    *out = NULL;
    err[0] = '\0';
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/fveval-clip-XXXXXX.mp4", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemps(path, 4);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary file in %s: %s",
                 tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
        return -errno;
    }
    close(fd);
    AVFormatContext *oc = NULL;
    AVCodecContext *enc = NULL;
    AVFrame *frame = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    struct SwsContext *sws = NULL;
    const char *stage = "allocating";
    int rc = AVERROR(ENOMEM);
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    if (!codec) {
        snprintf(err, errlen, "this FFmpeg has no libx264 encoder");
        rc = AVERROR(ENOSYS);
        goto done;
    }
    if (!frame || !pkt || (rc = avformat_alloc_output_context2(&oc, NULL, "mp4", path)) < 0)
        goto done;
    AVStream *st = avformat_new_stream(oc, NULL);
    enc = avcodec_alloc_context3(codec);
    if (!st || !enc) {
        rc = AVERROR(ENOMEM);
        goto done;
    }
    enc->width = v->width;
    enc->height = v->height;
    enc->pix_fmt = AV_PIX_FMT_YUV420P;
    enc->time_base = (AVRational){1, fps};
    enc->framerate = (AVRational){fps, 1};
    enc->thread_count = 1;
    if (oc->oformat->flags & AVFMT_GLOBALHEADER)
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    char crf_s[16];
    snprintf(crf_s, sizeof(crf_s), "%d", crf);
    av_opt_set(enc->priv_data, "crf", crf_s, 0);
    stage = "opening libx264";
    if ((rc = avcodec_open2(enc, codec, NULL)) < 0 ||
        (rc = avcodec_parameters_from_context(st->codecpar, enc)) < 0)
        goto done;
    st->time_base = enc->time_base;
    stage = "writing the MP4 header";
    if ((rc = avio_open(&oc->pb, path, AVIO_FLAG_WRITE)) < 0 ||
        (rc = avformat_write_header(oc, NULL)) < 0)
        goto done;
    frame->format = AV_PIX_FMT_YUV420P;
    frame->width = v->width;
    frame->height = v->height;
    sws = sws_getContext(v->width, v->height, AV_PIX_FMT_RGB24, v->width, v->height,
                         AV_PIX_FMT_YUV420P, SWS_BICUBIC, NULL, NULL, NULL);
    if (!sws || (rc = av_frame_get_buffer(frame, 0)) < 0) {
        rc = rc < 0 ? rc : AVERROR(ENOMEM);
        goto done;
    }
    stage = "encoding";
    for (int t = 0; t < v->nb_frames; t++) {
        if ((rc = av_frame_make_writable(frame)) < 0)
            goto done;
        const uint8_t *src[1] = {fveval_video_pixel(v, t, 0, 0)};
        int sl[1] = {(int) v->linesize};
        sws_scale(sws, src, sl, 0, v->height, frame->data, frame->linesize);
        frame->pts = t;
        if ((rc = mux_frame(enc, oc, st, frame, pkt)) < 0)
            goto done;
    }
    if ((rc = mux_frame(enc, oc, st, NULL, pkt)) < 0 || (rc = av_write_trailer(oc)) < 0)
        goto done;
    avio_closep(&oc->pb);
    stage = "reading the MP4 back";
    FILE *f = fopen(path, "rb");
    rc = AVERROR(EIO);
    if (f) {
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = n > 0 ? malloc((size_t) n) : NULL;
        if (buf && fread(buf, 1, (size_t) n, f) == (size_t) n) {
            *out = fvr_base64(buf, (size_t) n);
            rc = *out ? 0 : AVERROR(ENOMEM);
        }
        free(buf);
        fclose(f);
    }
done:
    if (rc < 0 && !err[0]) {
        char msg[AV_ERROR_MAX_STRING_SIZE] = "";
        av_strerror(rc, msg, sizeof(msg));
        snprintf(err, errlen, "cannot encode the clip as MP4 (%s %dx%d): %s", stage, v->width,
                 v->height, msg);
    }
    if (oc && oc->pb)
        avio_closep(&oc->pb);
    avformat_free_context(oc);
    avcodec_free_context(&enc);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    sws_freeContext(sws);
    unlink(path);
    return rc >= 0 ? 0 : (rc > -4096 ? rc : -EIO);
}
