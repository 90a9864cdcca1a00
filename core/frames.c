/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Frame access (ABI 1.2): decoding a VIDEO field once for every metric of a
 * sample, each reading it as it declared (fveval_frame_access):
 *
 *  - CLIP (the default): the whole clip in one buffer, as before 1.2.
 *  - STREAM: every frame in order through the plugin's frame() callback,
 *    a window of the last `window` frames at a time.
 *  - SAMPLED: the frames its sampler picks from the frame count and fps.
 *
 * When one metric needs the whole clip, the clip is decoded once and the
 * others are served from it (streams point into it, sampled frames are
 * copied out).  Otherwise only the frames someone reads are converted to
 * RGB (the accurate conversion is a large part of the cost), streamed
 * frames pass through a small window buffer, and sampled frames are kept.
 * Samplers are first asked with the container's frame count so one pass
 * usually suffices; when the decoded count differs and a sampler then
 * picks a frame not kept, a second pass converts just those.
 *
 * FVEVAL_FORCE_WHOLE_CLIP=1 in the environment decodes every field whole
 * (the pre-1.2 behaviour; plugins see no difference): for benchmarks and
 * for checking that both paths agree.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fveval-core.h"

/* ---- declarations ------------------------------------------------------------- */

const fveval_frame_access *fvi_frame_access(const fveval_plugin *d, const char *field)
{
    if (!FVI_DESC_HAS(d, select_frames) || !d->frame_access)
        return NULL;
    for (const fveval_frame_access *a = d->frame_access; a->field; a++)
        if (strcmp(a->field, field) == 0)
            return a->mode == FVEVAL_FRAMES_CLIP ? NULL : a;
    return NULL;
}

static fveval_frame_mode access_mode(const fveval_plugin *d, const char *field)
{
    const fveval_frame_access *a = fvi_frame_access(d, field);
    return a ? a->mode : FVEVAL_FRAMES_CLIP;
}

char *fvi_frame_access_validate(const fveval_plugin *d)
{
    if (!FVI_DESC_HAS(d, select_frames) || !d->frame_access)
        return NULL;
    for (const fveval_frame_access *a = d->frame_access; a->field; a++) {
        bool video = false;
        for (size_t k = 0; d->fields && d->fields[k].name && !video; k++)
            video = strcmp(d->fields[k].name, a->field) == 0 && d->fields[k].type == FVEVAL_FIELD_VIDEO;
        if (!video)
            return fvi_asprintf("frame_access names '%s', which is not a VIDEO field of the plugin",
                                a->field);
        for (const fveval_frame_access *b = d->frame_access; b < a; b++)
            if (strcmp(a->field, b->field) == 0)
                return fvi_asprintf("frame_access lists field '%s' twice", a->field);
        if (a->flags || a->reserved[0] || a->reserved[1])
            return fvi_asprintf("frame_access of '%s': flags and reserved members must be 0/NULL",
                                a->field);
        switch (a->mode) {
        case FVEVAL_FRAMES_CLIP:
            break;
        case FVEVAL_FRAMES_STREAM:
            if (a->window < 1 || a->window > FVEVAL_FRAMES_MAX)
                return fvi_asprintf("frame_access of '%s': STREAM window %d is not in 1..%d",
                                    a->field, a->window, FVEVAL_FRAMES_MAX);
            if (!d->frame)
                return fvi_asprintf("frame_access of '%s' is STREAM but the plugin has no frame callback",
                                    a->field);
            break;
        case FVEVAL_FRAMES_SAMPLED:
            if (a->count < 1 || a->count > FVEVAL_FRAMES_MAX)
                return fvi_asprintf("frame_access of '%s': SAMPLED count %d is not in 1..%d",
                                    a->field, a->count, FVEVAL_FRAMES_MAX);
            break;
        default:
            return fvi_asprintf("frame_access of '%s': unknown mode %d", a->field, (int) a->mode);
        }
    }
    return NULL;
}

static bool force_whole_clip(void)
{
    const char *e = getenv("FVEVAL_FORCE_WHOLE_CLIP");
    return e && *e && strcmp(e, "0") != 0;
}

/* ---- estimates ------------------------------------------------------------------- */

/* The largest STREAM window, the SAMPLED counts' sum, and whether anyone needs the clip. */
static void summarize(const char *field, const fvi_frame_user *users, size_t n, bool *clip,
                      int *window, uint64_t *sampled)
{
    *clip = force_whole_clip();
    *window = 0;
    *sampled = 0;
    for (size_t u = 0; u < n; u++) {
        const fveval_frame_access *a = fvi_frame_access(users[u].inst->metric->desc, field);
        if (!a)
            *clip = true;
        else if (a->mode == FVEVAL_FRAMES_STREAM && a->window > *window)
            *window = a->window;
        else if (a->mode == FVEVAL_FRAMES_SAMPLED)
            *sampled += (uint64_t) a->count;
    }
}

/* Frames the stream window buffer holds: the window, and room to append before shifting. */
static int window_capacity(int window)
{
    return 2 * window + 1;
}

uint64_t fvi_frames_estimate(const fvi_sample *s, const char *field, const fvi_frame_user *users,
                             size_t n, char **probe_desc)
{
    const char *path = fvi_sample_path(s, field);
    fvi_video_probe pr;
    if (!path || fvi_media_probe_video(path, &pr) < 0)
        return 0;
    bool clip;
    int window;
    uint64_t sampled;
    summarize(field, users, n, &clip, &window, &sampled);
    uint64_t frame = (uint64_t) pr.width * (uint64_t) pr.height * 3;
    uint64_t frames;
    if (clip) /* the clip, and copies of the sampled frames */
        frames = (pr.frames > 0 ? (uint64_t) pr.frames : 0) + sampled;
    else /* the window, the kept frames and their copies */
        frames = (window ? (uint64_t) window_capacity(window) : 0) + 2 * sampled;
    if (probe_desc)
        *probe_desc = pr.frames > 0 ? fvi_asprintf("%dx%d, %lld frames", pr.width, pr.height,
                                                   (long long) pr.frames)
                                    : fvi_asprintf("%dx%d", pr.width, pr.height);
    return frames * frame;
}

/* ---- views ----------------------------------------------------------------------- */

static fvi_frame_view *add_view(fvi_sample *s, const char *field, const fvi_metric *m,
                                const fveval_video *geometry)
{
    s->views = fvi_xrealloc(s->views, (s->n_views + 1) * sizeof(*s->views));
    fvi_frame_view *v = &s->views[s->n_views++];
    memset(v, 0, sizeof(*v));
    v->field = fvi_xstrdup(field);
    v->metric = m;
    v->video = *geometry;
    v->video.data = NULL;
    v->video.nb_frames = 0;
    v->video.frame_index = NULL;
    return v;
}

/* A sampled view of @p k frames whose bytes come from @p frame_at(ctx, source index). */
static void fill_sampled_view(fvi_frame_view *v, const int *indices, int k,
                              const uint8_t *(*frame_at)(void *, int), void *ctx)
{
    size_t stride = v->video.frame_stride;
    v->buffer = fvi_xmalloc((size_t) k * stride + 64);
    v->index = fvi_xmalloc((size_t) (k ? k : 1) * sizeof(int));
    for (int j = 0; j < k; j++) {
        memcpy(v->buffer + (size_t) j * stride, frame_at(ctx, indices[j]), stride);
        v->index[j] = indices[j];
    }
    v->video.data = v->buffer;
    v->video.nb_frames = k;
    v->video.frame_index = v->index;
}

/* Ask a SAMPLED user's sampler; the count picked, or a negative code (logged). */
static int select_frames(const fvi_frame_user *u, const fvi_sample *s, const char *field,
                         int nb_frames, double fps, int *indices)
{
    const fveval_plugin *d = u->inst->metric->desc;
    const fveval_frame_access *a = fvi_frame_access(d, field);
    int k;
    if (nb_frames <= 0)
        return 0;
    if (d->select_frames) {
        k = d->select_frames((fveval_ctx *) &u->inst->pub, s, field, nb_frames, fps, indices,
                             a->count);
        if (k < 0)
            return k;
        if (k > a->count) {
            fvi_log_prefixed(FVEVAL_LOG_ERROR, d->name, "select_frames returned %d indices, more than %d",
                             k, a->count);
            return -EINVAL;
        }
        for (int j = 0; j < k; j++)
            if (indices[j] < 0 || indices[j] >= nb_frames) {
                fvi_log_prefixed(FVEVAL_LOG_ERROR, d->name,
                                 "select_frames picked frame %d of a %d-frame clip", indices[j],
                                 nb_frames);
                return -EINVAL;
            }
        return k;
    }
    /* The declared sampler: count frames spread evenly, exactly in integers. */
    k = a->count;
    for (int j = 0; j < k; j++)
        indices[j] = k == 1 ? 0 : (int) ((int64_t) j * (nb_frames - 1) / (k - 1));
    return k;
}

/* ---- serving from a whole clip ----------------------------------------------------------- */

static const uint8_t *clip_frame(void *ctx, int t)
{
    const fveval_video *v = ctx;
    return v->data + (size_t) t * v->frame_stride;
}

/* Hand one window to every active STREAM user. */
static void stream_window(fvi_sample *s, const char *field, fvi_frame_user *users, size_t n,
                          const fveval_video *geometry, const uint8_t *newest, const int *newest_index,
                          int held)
{
    for (size_t u = 0; u < n; u++) {
        const fveval_plugin *d = users[u].inst->metric->desc;
        const fveval_frame_access *a = fvi_frame_access(d, field);
        if (!a || a->mode != FVEVAL_FRAMES_STREAM || users[u].status != 0)
            continue;
        int k = held < a->window ? held : a->window;
        fveval_video w = *geometry;
        w.nb_frames = k;
        w.data = newest - (size_t) (k - 1) * geometry->frame_stride;
        w.frame_index = newest_index - (k - 1);
        w.clip_frames = -1;
        int r = d->frame((fveval_ctx *) &users[u].inst->pub, s, field, &w, users[u].res);
        users[u].status = r; /* 1: done, negative: failed; either way no more frames */
    }
}

static bool any_streaming(const char *field, const fvi_frame_user *users, size_t n)
{
    for (size_t u = 0; u < n; u++)
        if (users[u].status == 0 && access_mode(users[u].inst->metric->desc, field) == FVEVAL_FRAMES_STREAM)
            return true;
    return false;
}

/* STREAM and SAMPLED users of a field whose whole clip is in @p slot. */
static void serve_from_clip(fvi_sample *s, const char *field, fvi_frame_user *users, size_t n,
                            fvi_video_slot *slot)
{
    const fveval_video *clip = &slot->video;
    int T = clip->nb_frames;
    if (any_streaming(field, users, n)) {
        int *order = fvi_xmalloc((size_t) T * sizeof(int));
        for (int t = 0; t < T; t++)
            order[t] = t;
        for (int t = 0; t < T && any_streaming(field, users, n); t++)
            stream_window(s, field, users, n, clip, clip_frame((void *) clip, t), &order[t], t + 1);
        free(order);
    }
    for (size_t u = 0; u < n; u++) {
        const fveval_frame_access *a = fvi_frame_access(users[u].inst->metric->desc, field);
        if (!a)
            continue;
        fvi_frame_view *v = add_view(s, field, users[u].inst->metric, clip);
        if (a->mode != FVEVAL_FRAMES_SAMPLED || users[u].status < 0)
            continue;
        int *idx = fvi_xmalloc((size_t) a->count * sizeof(int));
        int k = select_frames(&users[u], s, field, T, clip->fps, idx);
        if (k < 0)
            users[u].status = k;
        else
            fill_sampled_view(v, idx, k, clip_frame, (void *) clip);
        free(idx);
    }
}

/* ---- decoding only what is read ---------------------------------------------------------- */

/* Frames kept for SAMPLED users, by source index (sorted, unique). */
typedef struct kept_frames {
    int *index;
    uint8_t **data;
    size_t n, cap;
} kept_frames;

static size_t kept_find(const kept_frames *kf, int t, bool *found)
{
    size_t lo = 0, hi = kf->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (kf->index[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < kf->n && kf->index[lo] == t;
    return lo;
}

/* Mark frame @p t as wanted (data NULL until converted). */
static void kept_want(kept_frames *kf, int t)
{
    bool found;
    size_t at = kept_find(kf, t, &found);
    if (found)
        return;
    if (kf->n == kf->cap) {
        kf->cap = kf->cap ? 2 * kf->cap : 16;
        kf->index = fvi_xrealloc(kf->index, kf->cap * sizeof(*kf->index));
        kf->data = fvi_xrealloc(kf->data, kf->cap * sizeof(*kf->data));
    }
    memmove(kf->index + at + 1, kf->index + at, (kf->n - at) * sizeof(*kf->index));
    memmove(kf->data + at + 1, kf->data + at, (kf->n - at) * sizeof(*kf->data));
    kf->index[at] = t;
    kf->data[at] = NULL;
    kf->n++;
}

/* The kept slot of frame @p t if wanted, else NULL. */
static uint8_t **kept_slot(kept_frames *kf, int t)
{
    bool found;
    size_t at = kept_find(kf, t, &found);
    return found ? &kf->data[at] : NULL;
}

static const uint8_t *kept_frame(void *ctx, int t)
{
    uint8_t **slot = kept_slot(ctx, t);
    return *slot;
}

static void kept_free(kept_frames *kf)
{
    for (size_t i = 0; i < kf->n; i++)
        free(kf->data[i]);
    free(kf->index);
    free(kf->data);
    memset(kf, 0, sizeof(*kf));
}

/* The state of one frame-by-frame pass over a field. */
typedef struct frame_pass {
    fvi_sample *s;
    const char *field;
    fvi_frame_user *users;
    size_t n;
    fveval_video geometry;   /* set from the first frame */
    bool stream;             /* hand frames to STREAM users in this pass */
    /* The stream window: frames [start, start + held) of buf, with their indices. */
    uint8_t *buf;
    int *buf_index;
    int cap, start, held, window;
    kept_frames *kept;
    uint8_t *pending;        /* where frame t is being converted */
} frame_pass;

static uint8_t *pass_target(void *ctx, int t, int width, int height)
{
    frame_pass *p = ctx;
    size_t stride = (size_t) 3 * (size_t) width * (size_t) height;
    if (!p->geometry.frame_stride) {
        p->geometry.width = width;
        p->geometry.height = height;
        p->geometry.linesize = (ptrdiff_t) 3 * width;
        p->geometry.frame_stride = stride;
    }
    uint8_t **keep = kept_slot(p->kept, t);
    if (p->stream && any_streaming(p->field, p->users, p->n)) {
        if (!p->buf) {
            p->buf = fvi_xmalloc((size_t) p->cap * stride + 64);
            p->buf_index = fvi_xmalloc((size_t) p->cap * sizeof(int));
        }
        if (p->start + p->held == p->cap) {
            /* Full: the newest window - 1 frames move to the front. */
            int keep_n = p->window - 1 < p->held ? p->window - 1 : p->held;
            int from = p->start + p->held - keep_n;
            memmove(p->buf, p->buf + (size_t) from * stride, (size_t) keep_n * stride);
            memmove(p->buf_index, p->buf_index + from, (size_t) keep_n * sizeof(int));
            p->start = 0;
            p->held = keep_n;
        }
        p->pending = p->buf + (size_t) (p->start + p->held) * stride;
        return p->pending;
    }
    if (keep && !*keep) {
        *keep = fvi_xmalloc(stride + 64);
        p->pending = *keep;
        return *keep;
    }
    return NULL; /* nobody reads it: count it, do not convert it */
}

static int pass_converted(void *ctx, int t, char **error)
{
    (void) error;
    frame_pass *p = ctx;
    size_t stride = p->geometry.frame_stride;
    uint8_t **keep = kept_slot(p->kept, t);
    if (p->pending != (keep ? *keep : NULL)) { /* it went to the stream window */
        p->buf_index[p->start + p->held] = t;
        p->held++;
        if (p->held > p->window) {
            p->start++;
            p->held--;
        }
        if (keep && !*keep) {
            *keep = fvi_xmalloc(stride + 64);
            memcpy(*keep, p->pending, stride);
        }
        stream_window(p->s, p->field, p->users, p->n, &p->geometry, p->pending,
                      &p->buf_index[p->start + p->held - 1], p->held);
    }
    p->pending = NULL;
    return 0;
}

static int run_pass(frame_pass *p, const char *path, fvi_video_slot *slot)
{
    fvi_frame_sink sink = {.ctx = p, .target = pass_target, .converted = pass_converted};
    return fvi_media_decode_frames(path, p->s->fps_override, &sink, slot);
}

static void decode_selected(fvi_sample *s, const char *field, fvi_frame_user *users, size_t n,
                            fvi_video_slot *slot, const char *path)
{
    bool clip;
    int window;
    uint64_t sampled;
    summarize(field, users, n, &clip, &window, &sampled);

    /* Ask the samplers with the container's count: usually the count that decodes. */
    kept_frames kept = {0};
    fvi_video_probe pr;
    int *idx = fvi_xmalloc((size_t) (sampled ? sampled : 1) * sizeof(int));
    /* Streamed windows need the rate too (e.g. to resample in time as frames arrive). */
    bool probed = (sampled || window) && fvi_media_probe_video(path, &pr) == 0;
    bool guessed = sampled && probed && pr.frames > 0 && pr.frames < INT32_MAX;
    for (size_t u = 0; guessed && u < n; u++) {
        if (access_mode(users[u].inst->metric->desc, field) != FVEVAL_FRAMES_SAMPLED)
            continue;
        double fps = s->fps_override > 0 ? s->fps_override : pr.fps;
        int k = select_frames(&users[u], s, field, (int) pr.frames, fps, idx);
        for (int j = 0; j < k; j++)
            kept_want(&kept, idx[j]);
    }

    frame_pass p = {.s = s, .field = field, .users = users, .n = n, .stream = true,
                    .window = window, .cap = window_capacity(window ? window : 1), .kept = &kept};
    /* Each window carries the clip's rate and path, as windows served from a whole clip do. */
    p.geometry.fps = s->fps_override > 0 ? s->fps_override : probed ? pr.fps : 0.0;
    p.geometry.path = path;
    int ret = slot->status = run_pass(&p, path, slot);
    free(p.buf);
    free(p.buf_index);
    int T = slot->video.nb_frames;

    /* The samplers again with the decoded count; a frame not kept takes a second pass. */
    int *chosen_n = fvi_xcalloc(n, sizeof(int));
    int **chosen = fvi_xcalloc(n, sizeof(int *));
    bool missing = false;
    for (size_t u = 0; ret >= 0 && u < n; u++) {
        if (access_mode(users[u].inst->metric->desc, field) != FVEVAL_FRAMES_SAMPLED)
            continue;
        int k = select_frames(&users[u], s, field, T, slot->video.fps, idx);
        if (k < 0) {
            users[u].status = k;
            continue;
        }
        chosen[u] = fvi_xmalloc((size_t) (k ? k : 1) * sizeof(int));
        memcpy(chosen[u], idx, (size_t) k * sizeof(int));
        chosen_n[u] = k;
        for (int j = 0; j < k; j++) {
            uint8_t **slotp = kept_slot(&kept, idx[j]);
            if (!slotp || !*slotp) {
                kept_want(&kept, idx[j]);
                missing = true;
            }
        }
    }
    if (ret >= 0 && missing) {
        fvi_log(FVEVAL_LOG_DEBUG, "'%s': %d frames decode, not the %lld the container says: a second pass for the sampled frames",
                path, T, (long long) (guessed ? pr.frames : -1));
        fvi_video_slot again = {.limits = slot->limits};
        frame_pass p2 = {.s = s, .field = field, .users = users, .n = n, .kept = &kept};
        ret = run_pass(&p2, path, &again);
        if (ret < 0) {
            free(slot->error);
            slot->error = again.error;
            slot->status = ret;
            again.error = NULL;
        }
        free(again.error);
        free(again.damage); /* the first pass's account of the damage is the one kept */
    }
    for (size_t u = 0; ret >= 0 && u < n; u++) {
        fveval_frame_mode mode = access_mode(users[u].inst->metric->desc, field);
        fvi_frame_view *v = add_view(s, field, users[u].inst->metric, &slot->video);
        if (mode != FVEVAL_FRAMES_SAMPLED || users[u].status < 0)
            continue;
        /* A second pass that decoded less than the first cannot serve every pick. */
        bool complete = true;
        for (int j = 0; j < chosen_n[u] && complete; j++)
            complete = *kept_slot(&kept, chosen[u][j]) != NULL;
        if (complete)
            fill_sampled_view(v, chosen[u], chosen_n[u], kept_frame, &kept);
        else
            users[u].status = -EIO;
    }
    for (size_t u = 0; u < n; u++)
        free(chosen[u]);
    free(chosen);
    free(chosen_n);
    free(idx);
    kept_free(&kept);
}

void fvi_frames_prepare_field(fvi_sample *s, const char *field, fvi_frame_user *users, size_t n,
                              uint64_t max_bytes, const fvi_media_limits *limits)
{
    const char *path = fvi_sample_path(s, field);
    if (!path)
        return;
    s->videos = fvi_xrealloc(s->videos, (s->n_videos + 1) * sizeof(*s->videos));
    fvi_video_slot *slot = &s->videos[s->n_videos++];
    memset(slot, 0, sizeof(*slot));
    slot->field = fvi_xstrdup(field);
    slot->limits = limits;

    bool clip;
    int window;
    uint64_t sampled;
    summarize(field, users, n, &clip, &window, &sampled);
    if (clip) {
        slot->status = fvi_media_decode_video_capped(path, s->fps_override,
                                                     max_bytes > SIZE_MAX ? SIZE_MAX : (size_t) max_bytes,
                                                     slot);
        if (slot->status >= 0)
            serve_from_clip(s, field, users, n, slot);
    } else {
        slot->video.path = path;
        decode_selected(s, field, users, n, slot, path);
    }
    slot->limits = NULL; /* the caller's, valid for this call only */
}

/* ---- the memory budget -------------------------------------------------------------------- */

struct fvi_budget {
    uint64_t limit, used;
    pthread_mutex_t lock;
    pthread_cond_t freed;
};

struct fvi_budget *fvi_budget_new(uint64_t limit)
{
    struct fvi_budget *b = fvi_xcalloc(1, sizeof(*b));
    b->limit = limit;
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->freed, NULL);
    return b;
}

void fvi_budget_free(struct fvi_budget *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->freed);
    free(b);
}

/*
 * Each worker holds at most one reservation and asks for one only while it
 * holds none, so a waiter always has a holder that will release: no deadlock.
 */
void fvi_budget_acquire(struct fvi_budget *b, uint64_t bytes)
{
    if (!b || !bytes)
        return;
    pthread_mutex_lock(&b->lock);
    while (b->used && b->used + bytes > b->limit)
        pthread_cond_wait(&b->freed, &b->lock);
    b->used += bytes;
    pthread_mutex_unlock(&b->lock);
}

void fvi_budget_release(struct fvi_budget *b, uint64_t bytes)
{
    if (!b || !bytes)
        return;
    pthread_mutex_lock(&b->lock);
    b->used -= bytes;
    pthread_cond_broadcast(&b->freed);
    pthread_mutex_unlock(&b->lock);
}

/* The cgroup (v2, else v1) memory limit of this process, or 0. */
static uint64_t cgroup_limit(void)
{
    static const char *const files[] = {"/sys/fs/cgroup/memory.max",
                                        "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        FILE *fp = fopen(files[i], "r");
        if (!fp)
            continue;
        unsigned long long v = 0;
        int got = fscanf(fp, "%llu", &v);
        fclose(fp);
        if (got == 1 && v > 0)
            return (uint64_t) v;
    }
    return 0;
}

uint64_t fvi_default_max_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t ram = pages > 0 && page > 0 ? (uint64_t) pages * (uint64_t) page : 0;
    uint64_t cg = cgroup_limit();
    if (cg && (!ram || cg < ram))
        ram = cg;
    return ram / 2;
}

int fvi_parse_bytes(const char *text, uint64_t *out)
{
    if (!text || !*text)
        return -EINVAL;
    if (strcmp(text, "none") == 0) {
        *out = 0;
        return 0;
    }
    char *end;
    double v = strtod(text, &end);
    if (end == text || !(v >= 0))
        return -EINVAL;
    double unit = 1;
    switch (*end) {
    case 'k': case 'K': unit = 1024.0; end++; break;
    case 'm': case 'M': unit = 1024.0 * 1024; end++; break;
    case 'g': case 'G': unit = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': unit = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (unit > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
        end += strlen(end);
    else if (unit == 1 && strcmp(end, "B") == 0)
        end++;
    if (*end || v * unit >= 1.8e19)
        return -EINVAL; /* 0 (like "none") means no budget */
    *out = (uint64_t) (v * unit);
    return 0;
}
