/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Routing samples to metrics.  `jobs` workers each take the next sample,
 * decode what its metrics need once, run every metric on it in turn with the
 * worker's own instances, record the results and free the media before
 * taking another: at most `jobs` samples are decoded at any time, so memory
 * stays flat in the number of videos.  Set-metric instances (and per-sample
 * metrics with a corpus aggregate) are merged into one before finalize.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libavutil/error.h>

#include "fveval-core.h"
#include "suite.h"

/* A worker as the read watchdog sees it. */
typedef struct read_watch {
    pthread_t thread;
    double deadline; /* while the worker reads media under --sample-timeout, else 0 */
} read_watch;

typedef struct run_shared {
    fvi_run *run;
    atomic_size_t next;
    atomic_size_t done;
    size_t total;
    pthread_mutex_t lock; /* journal, progress, failure flags */
    atomic_bool stop;     /* the journal could not be written: take no further samples */
    double started;
    double last_draw;
    /* --sample-timeout: one entry per worker, guarded by watch_lock. */
    read_watch *watch;
    pthread_mutex_t watch_lock;
    pthread_cond_t watch_wake;
    bool watch_stop;
} run_shared;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static bool is_set_metric(const fvi_metric_run *mr)
{
    return mr->metric->desc->flags & FVEVAL_PLUGIN_SET_METRIC;
}

int fvi_run_init(fvi_run *run, const fvi_selection *sel, const fvi_env *env, int jobs, char **err)
{
    run->env = *env;
    run->jobs = jobs > 0 ? jobs : 1;
    run->metrics = fvi_xcalloc(sel->n, sizeof(*run->metrics));
    run->n_metrics = sel->n;
    for (size_t i = 0; i < sel->n; i++) {
        fvi_metric_run *mr = &run->metrics[i];
        mr->metric = sel->items[i].metric;
        mr->options = fvi_xstrdup(sel->items[i].options);
        mr->workers = fvi_xcalloc((size_t) run->jobs, sizeof(*mr->workers));
        mr->has_corpus = is_set_metric(mr) || mr->metric->desc->finalize;
        const fveval_plugin *d = mr->metric->desc;
        mr->single_instance = mr->has_corpus && !d->merge && !(d->save_state && d->load_state);
        pthread_mutex_init(&mr->lock, NULL);
        if (mr->single_instance && run->jobs > 1)
            fvi_log(FVEVAL_LOG_INFO,
                    "%s has no merge: one instance takes every sample, one at a time",
                    mr->metric->name);
        fvi_result_init(&mr->corpus);
        /* The first instance checks the options; it becomes worker 0's. */
        mr->workers[0] = fvi_instance_new_env(mr->metric, mr->options, &run->env, err);
        if (!mr->workers[0])
            return -EINVAL;
        mr->options_json = fvi_instance_options_json(mr->workers[0]);
    }
    return 0;
}

int fvi_run_check_models(fvi_run *run, bool strict, char **err)
{
    for (size_t m = 0; m < run->n_metrics; m++) {
        fvi_metric_run *mr = &run->metrics[m];
        char *why = fvi_models_check_metric(mr->metric, mr->workers[0],
                                            run->env.model_dir ? run->env.model_dir : ".");
        if (!why)
            continue;
        if (strict) {
            *err = fvi_asprintf("%s: %s", mr->metric->name, why);
            free(why);
            return -ENOENT;
        }
        fvi_log(FVEVAL_LOG_WARNING, "%s will be skipped: %s", mr->metric->name, why);
        mr->unavailable = why;
    }
    return 0;
}

void fvi_run_media_fields(const fvi_run *run, fvi_strv *out)
{
    for (size_t m = 0; m < run->n_metrics; m++) {
        const fveval_field *f = run->metrics[m].metric->desc->fields;
        for (size_t k = 0; f && f[k].name; k++)
            if ((f[k].type == FVEVAL_FIELD_VIDEO || f[k].type == FVEVAL_FIELD_AUDIO) &&
                !fvi_strv_contains(out, f[k].name))
                fvi_strv_push(out, f[k].name);
    }
}

static fvi_instance *worker_instance(fvi_run *run, size_t m, int w, char **err)
{
    fvi_metric_run *mr = &run->metrics[m];
    if (!mr->workers[w])
        mr->workers[w] = fvi_instance_new_env(mr->metric, mr->options, &run->env, err);
    fvi_instance *inst = mr->workers[w];
    if (inst && !inst->setup_done) {
        inst->setup_done = true;
        if (mr->metric->desc->setup) {
            int r = mr->metric->desc->setup(&inst->pub);
            if (r < 0) {
                inst->setup_error = r;
                inst->setup_reason = inst->model_err
                                         ? fvi_asprintf("setup failed: %s", inst->model_err)
                                         : fvi_asprintf("setup failed: %s", strerror(-r));
                fvi_log(FVEVAL_LOG_ERROR, "%s: %s", mr->metric->name, inst->setup_reason);
            }
        }
    }
    return inst;
}

/* Where an AUDIO field's samples come from: its own path, else the paired video's track. */
static const char *audio_source(const fvi_sample *s, const char *field)
{
    const char *p = fvi_sample_path(s, field);
    if (p)
        return p;
    if (strcmp(field, "audio") == 0)
        return fvi_sample_path(s, "video");
    if (strcmp(field, "reference_audio") == 0)
        return fvi_sample_path(s, "reference");
    return NULL;
}

static bool field_present(const fvi_sample *s, const fveval_field *f)
{
    if (f->type == FVEVAL_FIELD_VIDEO)
        return fvi_sample_path(s, f->name) != NULL;
    if (f->type == FVEVAL_FIELD_AUDIO)
        return audio_source(s, f->name) != NULL;
    json_t *v = json_object_get(s->fields, f->name);
    return v && !json_is_null(v);
}

static fvi_video_slot *find_video(fvi_sample *s, const char *field)
{
    for (size_t i = 0; i < s->n_videos; i++)
        if (strcmp(s->videos[i].field, field) == 0)
            return &s->videos[i];
    return NULL;
}

static fvi_audio_slot *find_audio(fvi_sample *s, const char *field, int rate, int ch)
{
    for (size_t i = 0; i < s->n_audios; i++)
        if (strcmp(s->audios[i].field, field) == 0 && s->audios[i].want_rate == rate &&
            s->audios[i].want_channels == ch)
            return &s->audios[i];
    return NULL;
}

/* Start (@p seconds > 0) or end (0) worker @p w's watched read. */
static void watch_read(run_shared *sh, int w, double seconds)
{
    if (!sh->watch)
        return;
    pthread_mutex_lock(&sh->watch_lock);
    sh->watch[w].deadline = seconds > 0 ? now_seconds() + seconds : 0;
    pthread_mutex_unlock(&sh->watch_lock);
}

/*
 * The read watchdog: while a worker reads past its deadline, send it the
 * wake-up signal every tick, so that a blocking open() or read() returns
 * (one signal can land just before the call it was meant to break).
 */
static void *watchdog_main(void *arg)
{
    run_shared *sh = arg;
    pthread_mutex_lock(&sh->watch_lock);
    while (!sh->watch_stop) {
        struct timespec tick;
        clock_gettime(CLOCK_REALTIME, &tick);
        tick.tv_nsec += 50 * 1000 * 1000;
        if (tick.tv_nsec >= 1000000000L) {
            tick.tv_sec++;
            tick.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&sh->watch_wake, &sh->watch_lock, &tick);
        double t = now_seconds();
        for (int w = 0; w < sh->run->jobs; w++)
            if (sh->watch[w].deadline > 0 && t >= sh->watch[w].deadline)
                fvi_media_wake(sh->watch[w].thread);
    }
    pthread_mutex_unlock(&sh->watch_lock);
    return NULL;
}

/*
 * Media that decoded with damage: under --on-decode-error=partial a warning
 * of the sample and scored; by default a decode failure of the field, so the
 * sample fails with the reason.
 */
static void apply_decode_policy(const fvi_run *run, fvi_sample *s, char **error, int *status,
                                char **damage)
{
    if (!*damage)
        return;
    if (run->decode_partial) {
        fvi_sample_warn(s, "%s; scored on what decoded (--on-decode-error=partial)", *damage);
    } else {
        free(*error);
        *error = fvi_asprintf("%s (--on-decode-error=partial scores what decoded)", *damage);
        *status = AVERROR_INVALIDDATA;
    }
}

/* How this run reads a media file: which inputs are allowed, and until when (--sample-timeout). */
static fvi_media_limits read_limits(const fvi_run *run)
{
    fvi_media_limits limits = {.allow_special_files = run->allow_special_files};
    if (run->sample_timeout > 0)
        limits.deadline = now_seconds() + run->sample_timeout;
    return limits;
}

/* Decode each media field @p f of a metric once per sample (audio once per rate/channels). */
static void decode_field(run_shared *sh, int w, fvi_sample *s, const fveval_field *f)
{
    const fvi_run *run = sh->run;
    fvi_media_limits limits = read_limits(run);
    /* VIDEO fields: prepare_videos() decoded them for every metric at once. */
    if (f->type == FVEVAL_FIELD_AUDIO) {
        const char *path = audio_source(s, f->name);
        if (!path || find_audio(s, f->name, f->rate, f->channels))
            return;
        s->audios = fvi_xrealloc(s->audios, (s->n_audios + 1) * sizeof(*s->audios));
        fvi_audio_slot *slot = &s->audios[s->n_audios++];
        memset(slot, 0, sizeof(*slot));
        slot->field = fvi_xstrdup(f->name);
        slot->want_rate = f->rate;
        slot->want_channels = f->channels;
        slot->limits = &limits;
        watch_read(sh, w, run->sample_timeout);
        slot->status = fvi_media_decode_audio(path, f->rate, f->channels, slot);
        watch_read(sh, w, 0);
        slot->limits = NULL;
        apply_decode_policy(run, s, &slot->error, &slot->status, &slot->damage);
    }
}

/*
 * Video and reference at different rates: metrics compare them frame by
 * frame, as upstream does, so frame i is not the same moment in both.
 */
static void warn_fps_mismatch(fvi_sample *s)
{
    const fvi_video_slot *v = find_video(s, "video"), *r = find_video(s, "reference");
    if (!v || !r || v->error || r->error || !(v->video.fps > 0) || !(r->video.fps > 0))
        return;
    double a = v->video.fps, b = r->video.fps;
    if (fabs(a - b) <= 1e-6 * fmax(a, b))
        return;
    char fa[FVI_DOUBLE_BUFSZ], fb[FVI_DOUBLE_BUFSZ];
    fvi_sample_warn(s, "video is %s fps, reference %s fps: metrics compare them frame by frame",
                    fvi_format_double(fa, a), fvi_format_double(fb, b));
}

/*
 * The decode error of a media field, or NULL.  *failed tells a file that
 * could not be read from one that merely lacks the stream asked for (a
 * video without audio for an audio metric): the latter is a plain skip.
 */
static const char *media_error(fvi_sample *s, const fveval_field *f, bool *failed)
{
    const char *err = NULL;
    int status = 0;
    if (f->type == FVEVAL_FIELD_VIDEO) {
        fvi_video_slot *v = find_video(s, f->name);
        if (v)
            err = v->error, status = v->status;
    } else if (f->type == FVEVAL_FIELD_AUDIO) {
        fvi_audio_slot *a = find_audio(s, f->name, f->rate, f->channels);
        if (a)
            err = a->error, status = a->status;
    }
    /* A video field names a video: a file without a video stream is unreadable as one. */
    *failed = err && (status != AVERROR_STREAM_NOT_FOUND || f->type == FVEVAL_FIELD_VIDEO);
    return err;
}

/* Whether metric @p m wants sample @p i in this run. */
static bool metric_wants(const fvi_run *run, size_t m, size_t i)
{
    const fvi_metric_run *mr = &run->metrics[m];
    if (!fvi_sample_routed(run->samples.v[i], mr->metric->name))
        return false; /* a suite sample goes to its dimensions' metrics only */
    if (is_set_metric(mr))
        return true; /* set metrics see every sample, role=reference ones too */
    if (run->samples.v[i]->is_reference)
        return false;
    /* A corpus aggregate needs every sample recomputed; plain results can be reused. */
    return mr->metric->desc->finalize || !run->has_result[i * run->n_metrics + m];
}

/*
 * Append one line to the journal; the caller holds sh->lock.  The first
 * failure (disk full, file size limit) is reported at once and stops the
 * run: going on would compute results that can be neither kept nor resumed.
 * What the journal holds so far stays valid for --resume.
 */
static void journal_write_locked(run_shared *sh, const char *text)
{
    fvi_run *run = sh->run;
    if (run->journal_errno)
        return;
    errno = 0;
    if (fprintf(run->journal, "%s\n", text) < 0 || fflush(run->journal) != 0) {
        run->journal_errno = errno ? errno : EIO;
        atomic_store(&sh->stop, true);
        fvi_log(FVEVAL_LOG_ERROR, "cannot write the journal '%s': %s; stopping (the samples it "
                "holds are kept for --resume)", run->journal_path ? run->journal_path : "?",
                strerror(run->journal_errno));
    }
}

/*
 * Before metric @p m touches sample @p i (decoding its fields, then compute
 * or accumulate): a journal line saying so, and the line the crash handler
 * writes if the process dies of a signal meanwhile (fvi_crash_guard_*).
 */
static void journal_in_flight(run_shared *sh, size_t i, size_t m)
{
    fvi_run *run = sh->run;
    if (!run->journal)
        return;
    json_t *where = json_pack("{s:I,s:s}", "index", (json_int_t) i, "metric", run->metrics[m].metric->name);
    char *w = json_dumps(where, JSON_COMPACT);
    json_decref(where);
    char *line = fvi_asprintf("{\"in_flight\":%s}", w);
    fvi_crash_guard_set(w);
    pthread_mutex_lock(&sh->lock);
    journal_write_locked(sh, line);
    pthread_mutex_unlock(&sh->lock);
    free(line);
    free(w);
}

static void journal_sample(run_shared *sh, size_t i)
{
    fvi_run *run = sh->run;
    if (!run->journal)
        return;
    json_t *line = json_object();
    json_object_set_new(line, "index", json_integer((json_int_t) i));
    json_t *res = json_object();
    for (size_t m = 0; m < run->n_metrics; m++)
        if (run->has_result[i * run->n_metrics + m] && !run->metrics[m].metric->desc->finalize)
            json_object_set_new(res, run->metrics[m].metric->name,
                                fvi_result_to_json(&run->results[i * run->n_metrics + m]));
    json_object_set_new(line, "results", res);
    json_object_set_new(line, "failed", json_boolean(run->sample_failed[i]));
    if (run->samples.v[i]->warnings.n)
        json_object_set_new(line, "warnings", fvi_sample_warnings_json(run->samples.v[i]));
    char *text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    pthread_mutex_lock(&sh->lock);
    journal_write_locked(sh, text);
    pthread_mutex_unlock(&sh->lock);
    free(text);
}

static void draw_progress(run_shared *sh, bool final)
{
    fvi_run *run = sh->run;
    if (!run->progress)
        return;
    double t = now_seconds();
    pthread_mutex_lock(&sh->lock);
    if (final || t - sh->last_draw >= 0.25) {
        sh->last_draw = t;
        size_t done = atomic_load(&sh->done);
        double el = t - sh->started, rate = el > 0 ? done / el : 0;
        char line[128];
        if (final) {
            snprintf(line, sizeof(line), "[%zu/%zu] %.2f samples/s, took %d:%02d", done, sh->total,
                     rate, (int) (el / 60), (int) el % 60);
        } else if (rate <= 0) { /* no estimate before the first sample is done */
            snprintf(line, sizeof(line), "[%zu/%zu] -- samples/s, ETA -:--", done, sh->total);
        } else {
            double eta = (double) (sh->total - done) / rate;
            snprintf(line, sizeof(line), "[%zu/%zu] %.2f samples/s, ETA %d:%02d", done, sh->total,
                     rate, (int) (eta / 60), (int) eta % 60);
        }
        fvi_log_status_line(line, final);
    }
    pthread_mutex_unlock(&sh->lock);
}

/* How a sample is named in log lines: its video file, else its position. */
static char *sample_label(const fvi_sample *s)
{
    const char *p = fvi_sample_path(s, "video");
    if (!p)
        p = fvi_sample_path(s, "reference");
    return p ? fvi_xstrdup(p) : fvi_asprintf("sample %lld", (long long) s->index);
}

/* One line on stderr per failed sample and metric: what a user greps for. */
static void log_failure(const fvi_metric_run *mr, const fvi_sample *s, const char *msg)
{
    char *label = sample_label(s);
    fvi_log(FVEVAL_LOG_ERROR, "%s: %s: %s", mr->metric->name, label, msg);
    free(label);
}

/* The message of a failed callback: its own text, else its skip text, else the code's. */
static char *failure_text(int r, char *own, char *skip)
{
    if (own)
        return fvi_xstrdup(own);
    if (skip)
        return fvi_xstrdup(skip);
    if (r > 0)
        return fvi_asprintf("invalid return code %d (callbacks return 0 or a negative errno code)", r);
    return fvi_xstrdup(strerror(-r));
}

/*
 * Settle what compute/finalize left in @p res after returning @p r: an error
 * (negative or positive code, or an error text), a skip, or a score.
 * Returns true for an error.
 */
static bool settle_result(fvi_result *res, int r, const char *no_score_reason)
{
    if (res->error || (r < 0 && r != -ENOTSUP) || r > 0) {
        if (!res->error)
            fvi_result_set_error(res, failure_text(r, NULL, res->skip));
        return true;
    }
    if (r == -ENOTSUP) {
        if (!res->skip)
            res->skip = fvi_xstrdup(no_score_reason);
    } else if (!res->has_score && !res->skip) {
        res->skip = fvi_xstrdup("the metric returned no score");
    }
    return false;
}

/* Record in sample @p i why set metric @p m did not take it in. */
static void set_metric_note(fvi_run *run, size_t i, size_t m, char *skip_owned, char *error_owned)
{
    fvi_result *res = &run->results[i * run->n_metrics + m];
    fvi_result_clear(res);
    fvi_result_init(res);
    res->skip = skip_owned;
    res->error = error_owned;
    run->has_result[i * run->n_metrics + m] = true;
}

/* Feed sample @p i to set metric @p m through instance @p inst; note a skip or an error. */
static void accumulate_sample(fvi_run *run, size_t m, size_t i, fvi_instance *inst)
{
    fvi_metric_run *mr = &run->metrics[m];
    fvi_sample *s = run->samples.v[i];
    free(inst->acc_msg);
    inst->acc_msg = NULL;
    inst->acc_is_error = false;
    int r = mr->metric->desc->accumulate(&inst->pub, s);
    if (r == -ENOTSUP && !inst->acc_is_error) {
        set_metric_note(run, i, m,
                        inst->acc_msg ? fvi_xstrdup(inst->acc_msg) : fvi_xstrdup("not applicable to this sample"),
                        NULL);
    } else if (r != 0 || inst->acc_is_error) {
        char *msg = failure_text(r ? r : -EIO, inst->acc_msg, NULL);
        log_failure(mr, s, msg);
        set_metric_note(run, i, m, NULL, msg);
        run->sample_failed[i] = true;
    }
    free(inst->acc_msg);
    inst->acc_msg = NULL;
}

/* The first required field of @p d that sample @p s lacks, or NULL. */
static const char *missing_field(const fvi_sample *s, const fveval_plugin *d)
{
    for (size_t k = 0; d->fields && d->fields[k].name; k++)
        if ((d->fields[k].flags & FVEVAL_FIELD_REQUIRED) && !field_present(s, &d->fields[k]))
            return d->fields[k].name;
    return NULL;
}

/* The worker slot metric @p mr uses in worker @p w: merge-less set metrics share slot 0. */
static int worker_slot(const fvi_metric_run *mr, int w)
{
    return mr->single_instance ? 0 : w;
}

/*
 * Take (@p lock) or give back the one instance of every merge-less set
 * metric sample @p i goes to, for the whole sample: its frames may stream
 * into it while they decode, and its calls must never overlap.  Always in
 * metric order, so two workers cannot wait on each other.
 */
static void single_instances(fvi_run *run, const bool *wants, bool lock)
{
    for (size_t m = 0; m < run->n_metrics; m++)
        if (wants[m] && run->metrics[m].single_instance) {
            if (lock)
                pthread_mutex_lock(&run->metrics[m].lock);
            else
                pthread_mutex_unlock(&run->metrics[m].lock);
        }
}

/*
 * Decode every VIDEO field of sample @p i once for all the metrics that will
 * read it, each in its declared frame access (frames.c); STREAM metrics get
 * their frames now, and frame_status[m] their outcome.  Reserves the
 * decoded frames' estimated size from the memory budget (returned, for
 * release); when the sample alone would exceed it, decodes nothing and sets
 * *oversized to the reason.
 */
static uint64_t prepare_videos(run_shared *sh, int w, size_t i, const bool *wants, int *frame_status,
                               char **oversized)
{
    fvi_run *run = sh->run;
    fvi_sample *s = run->samples.v[i];
    size_t nm = run->n_metrics;
    fvi_strv fields = {0};
    bool *reads = fvi_xcalloc(nm, sizeof(bool));
    for (size_t m = 0; m < nm; m++) {
        fvi_metric_run *mr = &run->metrics[m];
        const fveval_plugin *d = mr->metric->desc;
        if (!wants[m] || mr->unavailable || missing_field(s, d))
            continue;
        char *err = NULL;
        fvi_instance *inst = worker_instance(run, m, worker_slot(mr, w), &err);
        free(err);
        if (!inst || inst->setup_error)
            continue; /* reported by process_sample */
        reads[m] = true;
        for (size_t k = 0; d->fields && d->fields[k].name; k++)
            if (d->fields[k].type == FVEVAL_FIELD_VIDEO && fvi_sample_path(s, d->fields[k].name) &&
                !fvi_strv_contains(&fields, d->fields[k].name))
                fvi_strv_push(&fields, d->fields[k].name);
    }

    /* The users of each field, and what they would hold together. */
    size_t *n_users = fvi_xcalloc(fields.n + 1, sizeof(size_t));
    fvi_frame_user **field_users = fvi_xcalloc(fields.n + 1, sizeof(*field_users));
    uint64_t need = 0;
    char *sizes = NULL;
    for (size_t f = 0; f < fields.n; f++) {
        field_users[f] = fvi_xcalloc(nm, sizeof(fvi_frame_user));
        for (size_t m = 0; m < nm; m++) {
            const fveval_field *fl = run->metrics[m].metric->desc->fields;
            bool declares = false;
            for (size_t k = 0; reads[m] && fl && fl[k].name && !declares; k++)
                declares = fl[k].type == FVEVAL_FIELD_VIDEO && strcmp(fl[k].name, fields.v[f]) == 0;
            if (!declares)
                continue;
            bool set = is_set_metric(&run->metrics[m]);
            field_users[f][n_users[f]++] = (fvi_frame_user){
                .inst = run->metrics[m].workers[worker_slot(&run->metrics[m], w)],
                .res = set ? NULL : &run->results[i * nm + m],
            };
        }
        if (run->max_memory) {
            char *desc = NULL;
            need += fvi_frames_estimate(s, fields.v[f], field_users[f], n_users[f], &desc);
            char *joined = fvi_asprintf("%s%s%s %s", sizes ? sizes : "", sizes ? ", " : "",
                                        fields.v[f], desc ? desc : "?");
            free(sizes);
            free(desc);
            sizes = joined;
        }
    }
    if (run->max_memory && need > run->max_memory) {
        *oversized = fvi_asprintf("decoded frames would need %s (%s), over --max-memory %s",
                                  fvi_format_bytes(need).s, sizes, fvi_format_bytes(run->max_memory).s);
        need = 0;
    } else {
        fvi_budget_acquire(run->budget, need);
        for (size_t f = 0; f < fields.n; f++) {
            fvi_media_limits limits = read_limits(run);
            watch_read(sh, w, run->sample_timeout);
            fvi_frames_prepare_field(s, fields.v[f], field_users[f], n_users[f], run->max_memory, &limits);
            watch_read(sh, w, 0);
            fvi_video_slot *slot = find_video(s, fields.v[f]);
            if (slot)
                apply_decode_policy(run, s, &slot->error, &slot->status, &slot->damage);
            for (size_t u = 0; u < n_users[f]; u++)
                for (size_t m = 0; m < nm; m++)
                    if (run->metrics[m].workers[worker_slot(&run->metrics[m], w)] == field_users[f][u].inst &&
                        field_users[f][u].status < 0 && !frame_status[m])
                        frame_status[m] = field_users[f][u].status;
        }
    }
    for (size_t f = 0; f < fields.n; f++)
        free(field_users[f]);
    free(field_users);
    free(n_users);
    free(sizes);
    free(reads);
    fvi_strv_free(&fields);
    return need;
}

static void process_sample(run_shared *sh, int w, size_t i)
{
    fvi_run *run = sh->run;
    fvi_sample *s = run->samples.v[i];
    size_t nm = run->n_metrics;
    bool any = false;
    bool *wants = fvi_xcalloc(nm, sizeof(bool));
    for (size_t m = 0; m < nm; m++) {
        wants[m] = metric_wants(run, m, i);
        any |= wants[m];
        /* Fresh results first: STREAM metrics may write to theirs while frames are decoded. */
        if (wants[m] && !is_set_metric(&run->metrics[m])) {
            fvi_result_clear(&run->results[i * nm + m]);
            fvi_result_init(&run->results[i * nm + m]);
            run->has_result[i * nm + m] = true;
        }
    }
    if (!any) {
        free(wants);
        return;
    }

    single_instances(run, wants, true);
    int *frame_status = fvi_xcalloc(nm, sizeof(int));
    char *oversized = NULL;
    uint64_t reserved = prepare_videos(sh, w, i, wants, frame_status, &oversized);
    for (size_t m = 0; m < nm; m++) {
        if (!wants[m])
            continue;
        fvi_metric_run *mr = &run->metrics[m];
        const fveval_plugin *d = mr->metric->desc;
        bool set = is_set_metric(mr);
        fvi_result *res = &run->results[i * nm + m];

        if (mr->unavailable) {
            if (!set)
                res->skip = fvi_xstrdup(mr->unavailable);
            continue;
        }
        /* A sample this metric crashed on in an earlier run is not handed to it again. */
        const char *crashed = run->crashed ? run->crashed[i * nm + m] : NULL;
        if (crashed) {
            if (!set)
                res->skip = fvi_xstrdup(crashed);
            else
                set_metric_note(run, i, m, fvi_xstrdup(crashed), NULL);
            run->sample_failed[i] = true;
            continue;
        }
        if (oversized && !missing_field(s, d)) {
            if (!set)
                res->skip = fvi_xstrdup(oversized);
            else
                set_metric_note(run, i, m, fvi_xstrdup(oversized), NULL);
            run->sample_failed[i] = true;
            continue;
        }
        journal_in_flight(sh, i, m);
        /* Required fields first: a sample lacking one never reaches the plugin. */
        const char *missing = NULL, *broken = NULL;
        bool failed = false;
        for (size_t k = 0; d->fields && d->fields[k].name; k++) {
            const fveval_field *f = &d->fields[k];
            if (field_present(s, f))
                decode_field(sh, w, s, f);
            else if (f->flags & FVEVAL_FIELD_REQUIRED)
                missing = missing ? missing : f->name;
        }
        for (size_t k = 0; !missing && d->fields && d->fields[k].name; k++)
            if (d->fields[k].flags & FVEVAL_FIELD_REQUIRED)
                broken = broken ? broken : media_error(s, &d->fields[k], &failed);
        if (missing || broken) {
            if (failed)
                run->sample_failed[i] = true;
            char *why = missing ? fvi_asprintf("missing field '%s'", missing) : fvi_xstrdup(broken);
            /* An input that cannot be read is an error; a missing field or stream, a skip. */
            if (failed)
                log_failure(mr, s, why);
            if (!set && failed)
                fvi_result_set_error(res, why);
            else if (!set)
                res->skip = why;
            else if (!s->is_reference || failed) /* set metrics show what they did not count */
                set_metric_note(run, i, m, failed ? NULL : why, failed ? why : NULL);
            else
                free(why); /* an extra reference a set metric does not use */
            continue;
        }

        char *err = NULL;
        fvi_instance *inst = worker_instance(run, m, worker_slot(mr, w), &err);
        if (!inst || inst->setup_error) {
            char *why = inst ? fvi_xstrdup(inst->setup_reason) : err;
            if (inst)
                free(err);
            if (set)
                set_metric_note(run, i, m, NULL, why);
            else
                fvi_result_set_error(res, why);
            run->sample_failed[i] = true;
        } else if (frame_status[m] == -ENOTSUP && !set) {
            /* A STREAM metric's frame callback skipped the sample (sdk/README.md): not an error. */
            settle_result(res, -ENOTSUP, "not applicable to this sample");
        } else if (frame_status[m] < 0) {
            /* A STREAM metric that failed on a frame is not computed: that is its outcome. */
            char *why = failure_text(frame_status[m], NULL, set ? NULL : res->skip);
            log_failure(mr, s, why);
            if (set)
                set_metric_note(run, i, m, NULL, why);
            else if (!res->error)
                fvi_result_set_error(res, why);
            else
                free(why);
            run->sample_failed[i] = true;
        } else if (set) {
            accumulate_sample(run, m, i, inst);
        } else {
            int r = d->compute(&inst->pub, s, res);
            if (settle_result(res, r, "not applicable to this sample")) {
                log_failure(mr, s, res->error);
                run->sample_failed[i] = true;
            }
        }
    }
    fvi_crash_guard_set(NULL);
    warn_fps_mismatch(s);
    fvi_sample_release_media(s);
    single_instances(run, wants, false);
    fvi_budget_release(run->budget, reserved);
    if (oversized)
        fvi_log(FVEVAL_LOG_WARNING, "sample %zu skipped: %s", i, oversized);
    free(oversized);
    free(frame_status);
    free(wants);
    journal_sample(sh, i);
}

static void *worker_main(void *arg)
{
    run_shared *sh = ((void **) arg)[0];
    int w = (int) (intptr_t) ((void **) arg)[1];
    if (sh->watch) {
        pthread_mutex_lock(&sh->watch_lock);
        sh->watch[w].thread = pthread_self();
        pthread_mutex_unlock(&sh->watch_lock);
    }
    while (!atomic_load(&sh->stop)) {
        size_t i = atomic_fetch_add(&sh->next, 1);
        if (i >= sh->total)
            break;
        process_sample(sh, w, i);
        atomic_fetch_add(&sh->done, 1);
        draw_progress(sh, false);
    }
    return NULL;
}

/*
 * A set metric without merge but with save_state and load_state: load_state
 * adds a saved state to what an instance holds, which is what merge does.
 */
static int merge_through_state(const fveval_plugin *d, fvi_instance *dst, fvi_instance *src)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&buf, &len);
    if (!w)
        return -ENOMEM;
    fvi_state out = {w};
    int r = d->save_state(&src->pub, &out);
    if (fclose(w) != 0 && r == 0)
        r = -EIO;
    if (r == 0 && len > 0) {
        FILE *rd = fmemopen(buf, len, "rb");
        fvi_state in = {rd};
        r = rd ? d->load_state(&dst->pub, &in) : -ENOMEM;
        if (rd)
            fclose(rd);
    }
    free(buf);
    return r;
}

fvi_instance *fvi_run_merged_instance(fvi_run *run, size_t m, char **err)
{
    fvi_metric_run *mr = &run->metrics[m];
    fvi_instance *dst = NULL;
    for (int w = 0; w < run->jobs; w++) {
        fvi_instance *src = mr->workers[w];
        if (!src)
            continue;
        if (!dst) {
            dst = src;
            continue;
        }
        int r = mr->metric->desc->merge ? mr->metric->desc->merge(&dst->pub, &src->pub)
                                        : merge_through_state(mr->metric->desc, dst, src);
        if (r != 0) {
            *err = fvi_asprintf("%s: merge failed: %s", mr->metric->name,
                                r > 0 ? "invalid return code" : strerror(-r));
            return NULL;
        }
        fvi_instance_free(src);
        mr->workers[w] = NULL;
    }
    if (!dst) {
        dst = fvi_instance_new_env(mr->metric, mr->options, &run->env, err);
        mr->workers[0] = dst;
    } else if (dst != mr->workers[0]) {
        for (int w = 0; w < run->jobs; w++)
            if (mr->workers[w] == dst)
                mr->workers[w] = NULL;
        mr->workers[0] = dst;
    }
    return dst;
}

int fvi_run_execute(fvi_run *run)
{
    size_t n = run->samples.n, nm = run->n_metrics;
    if (!run->results) {
        run->results = fvi_xcalloc(n * nm + 1, sizeof(*run->results));
        run->has_result = fvi_xcalloc(n * nm + 1, sizeof(bool));
        for (size_t k = 0; k < n * nm; k++)
            fvi_result_init(&run->results[k]);
    }
    if (!run->sample_failed)
        run->sample_failed = fvi_xcalloc(n + 1, sizeof(bool));
    run_shared sh = {.run = run, .total = n, .started = now_seconds()};
    atomic_init(&sh.next, 0);
    atomic_init(&sh.done, 0);
    atomic_init(&sh.stop, false);
    pthread_mutex_init(&sh.lock, NULL);
    if (run->journal)
        fvi_crash_guard_install(fileno(run->journal));
    if (run->max_memory && !run->budget)
        run->budget = fvi_budget_new(run->max_memory);

    int jobs = run->jobs < (int) n ? run->jobs : (int) (n ? n : 1);
    pthread_t *tids = fvi_xcalloc((size_t) jobs, sizeof(*tids));
    void *(*args)[2] = fvi_xcalloc((size_t) jobs, sizeof(*args));
    int started = 0;
    sigset_t old_mask;
    pthread_t watchdog;
    bool watching = false;
    if (run->sample_timeout > 0 && n) {
        /* Before the workers start: they inherit the blocked wake-up signal. */
        pthread_sigmask(SIG_SETMASK, NULL, &old_mask);
        fvi_media_wake_setup();
        sh.watch = fvi_xcalloc((size_t) run->jobs, sizeof(*sh.watch));
        pthread_mutex_init(&sh.watch_lock, NULL);
        pthread_cond_init(&sh.watch_wake, NULL);
        watching = pthread_create(&watchdog, NULL, watchdog_main, &sh) == 0;
        if (!watching)
            fvi_log(FVEVAL_LOG_WARNING, "cannot start the --sample-timeout watchdog: blocked reads will not be interrupted");
    }
    if (n)
        draw_progress(&sh, false); /* the line is there before the first sample is done */
    for (int w = 1; w < jobs; w++) {
        args[w][0] = &sh;
        args[w][1] = (void *) (intptr_t) w;
        if (pthread_create(&tids[w], NULL, worker_main, args[w]) != 0)
            break;
        started = w;
    }
    args[0][0] = &sh;
    args[0][1] = (void *) (intptr_t) 0;
    worker_main(args[0]); /* the main thread is worker 0 */
    for (int w = 1; w <= started; w++)
        pthread_join(tids[w], NULL);
    free(tids);
    free(args);
    if (run->journal)
        fvi_crash_guard_remove();
    if (sh.watch) {
        pthread_mutex_lock(&sh.watch_lock);
        sh.watch_stop = true;
        pthread_cond_signal(&sh.watch_wake);
        pthread_mutex_unlock(&sh.watch_lock);
        if (watching)
            pthread_join(watchdog, NULL);
        pthread_cond_destroy(&sh.watch_wake);
        pthread_mutex_destroy(&sh.watch_lock);
        free(sh.watch);
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    }
    if (n)
        draw_progress(&sh, true);
    pthread_mutex_destroy(&sh.lock);

    return fvi_run_finalize(run);
}

int fvi_run_finalize(fvi_run *run)
{
    size_t n = run->samples.n, nm = run->n_metrics;
    for (size_t i = 0; i < n; i++)
        run->any_failure |= run->sample_failed[i];

    for (size_t m = 0; m < nm; m++) {
        fvi_metric_run *mr = &run->metrics[m];
        if (!mr->has_corpus)
            continue;
        if (mr->unavailable) {
            mr->corpus.skip = fvi_xstrdup(mr->unavailable);
            mr->corpus_done = true;
            continue;
        }
        char *err = NULL;
        fvi_instance *inst = fvi_run_merged_instance(run, m, &err);
        if (!inst) {
            mr->corpus.skip = err;
            run->any_failure = true;
            mr->corpus_done = true;
            continue;
        }
        int r = mr->metric->desc->finalize(&inst->pub, &mr->corpus);
        if (settle_result(&mr->corpus, r, "not applicable")) {
            fvi_log(FVEVAL_LOG_ERROR, "%s: corpus: %s", mr->metric->name, mr->corpus.error);
            run->any_failure = true;
        }
        /* A corpus value that misses samples must say so. */
        for (size_t i = 0; i < n; i++)
            mr->corpus.failed_samples += run->has_result[i * nm + m] && run->results[i * nm + m].error;
        mr->corpus_done = true;
    }
    return run->any_failure ? FVI_EXIT_PARTIAL : FVI_EXIT_OK;
}

void fvi_run_free(fvi_run *run)
{
    for (size_t m = 0; m < run->n_metrics; m++) {
        fvi_metric_run *mr = &run->metrics[m];
        for (int w = 0; mr->workers && w < run->jobs; w++)
            fvi_instance_free(mr->workers[w]);
        free(mr->workers);
        free(mr->options);
        free(mr->unavailable);
        json_decref(mr->options_json);
        fvi_result_clear(&mr->corpus);
        pthread_mutex_destroy(&mr->lock);
    }
    free(run->metrics);
    size_t cells = run->samples.n * run->n_metrics;
    for (size_t k = 0; run->results && k < cells; k++)
        fvi_result_clear(&run->results[k]);
    free(run->results);
    free(run->has_result);
    free(run->sample_failed);
    for (size_t k = 0; run->crashed && k < cells; k++)
        free(run->crashed[k]);
    free(run->crashed);
    fvi_budget_free(run->budget);
    fvi_sample_list_free(&run->samples);
    memset(run, 0, sizeof(*run));
}
