/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Core-internal API (prefix fvi_).  Nothing here is visible to plugins:
 * they see only sdk/fveval/plugin.h.
 */
#ifndef FVEVAL_CORE_H
#define FVEVAL_CORE_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>

#include <fveval/plugin.h>

/* Exit codes of the fveval program (DESIGN.md §7). */
enum {
    FVI_EXIT_OK = 0,      /* done; skips are not failures */
    FVI_EXIT_PARTIAL = 1, /* some samples failed to decode or a metric errored */
    FVI_EXIT_USAGE = 2    /* usage or configuration error, nothing run */
};

/* ---- small utilities (util.c) ---------------------------------------- */

void *fvi_xmalloc(size_t n);
void *fvi_xcalloc(size_t n, size_t size);
void *fvi_xrealloc(void *p, size_t n);
char *fvi_xstrdup(const char *s);
char *fvi_xstrndup(const char *s, size_t n);
char *fvi_asprintf(const char *fmt, ...) FVEVAL_PRINTF(1, 2);
/* Buffer size for fvi_format_double(). */
#define FVI_DOUBLE_BUFSZ 32
/* Writes the shortest %g form of v that reads back as the same double
 * ("0.3", not "0.29999999999999999") and returns buf. */
const char *fvi_format_double(char *buf, double v);
char *fvi_vasprintf(const char *fmt, va_list ap);
bool fvi_str_has_prefix(const char *s, const char *prefix);
bool fvi_str_has_suffix(const char *s, const char *suffix);

/* Growable string list. */
typedef struct fvi_strv {
    char **v;
    size_t n, cap;
} fvi_strv;
void fvi_strv_push(fvi_strv *sv, const char *s);
void fvi_strv_push_owned(fvi_strv *sv, char *s);
bool fvi_strv_contains(const fvi_strv *sv, const char *s);
void fvi_strv_free(fvi_strv *sv);
/* Split @p s on @p sep (empty parts dropped) and append each part. */
void fvi_strv_split(fvi_strv *sv, const char *s, char sep);

/* A byte count for messages: "7.42 GiB", "512 MiB", "900 B". */
typedef struct fvi_bytes_text {
    char s[32];
} fvi_bytes_text;
fvi_bytes_text fvi_format_bytes(uint64_t bytes);

/* Levenshtein distance, for "did you mean" hints. */
size_t fvi_edit_distance(const char *a, const char *b);

/* ---- logging (log.c) ---------------------------------------------------- */

extern int fvi_log_level; /* messages above this level are dropped */
void fvi_log(int level, const char *fmt, ...) FVEVAL_PRINTF(2, 3);
/* Thread-safe; @p prefix (a metric name) may be NULL. */
void fvi_vlog_prefixed(int level, const char *prefix, const char *fmt, va_list ap);
void fvi_log_prefixed(int level, const char *prefix, const char *fmt, ...) FVEVAL_PRINTF(3, 4);
/*
 * Draw @p text as the terminal's transient status line on stderr (the
 * progress line): it overwrites the previous one, and a log message erases
 * it before printing.  @p final ends it with a newline.
 */
void fvi_log_status_line(const char *text, bool final);

/* ---- options (options.c) ------------------------------------------------ */

/* Size of one option table (entries before the NULL-name sentinel). */
size_t fvi_option_count(const fveval_option *opts);
const fveval_option *fvi_option_find(const fveval_option *opts, const char *name);
/* Write every default into @p priv. */
void fvi_options_apply_defaults(const fveval_option *opts, void *priv);
/*
 * Parse @p value for option @p opt and store it into @p priv.  On error
 * returns -EINVAL and sets *err to a one-line message (caller frees).
 */
int fvi_option_set(const fveval_option *opt, void *priv, const char *value, char **err);
/*
 * Parse "key=value:key=value" (a backslash escapes ':' and '\\') into @p priv.
 * Unknown keys are an error listing the valid ones.  @p metric names the
 * metric in messages.
 */
int fvi_options_parse(const char *metric, const fveval_option *opts, void *priv, const char *spec,
                      char **err);
/* Free STRING option values held in @p priv (they are core-owned copies). */
void fvi_options_free(const fveval_option *opts, void *priv);
/* Human-readable value of @p opt in @p priv (caller frees). */
char *fvi_option_value_string(const fveval_option *opt, const void *priv);
/* Human-readable default / range of @p opt (caller frees). */
char *fvi_option_default_string(const fveval_option *opt);
char *fvi_option_range_string(const fveval_option *opt);
const char *fvi_option_type_name(fveval_opt_type t);
/*
 * Check a table for descriptor validation: known types, unique names,
 * defaults in range, enum names present.  Returns a reason or NULL.
 */
char *fvi_options_validate(const fveval_option *opts, size_t priv_size);

/* ---- loader (loader.c) -------------------------------------------------- */

typedef enum fvi_outcome {
    FVI_LOADED = 0,
    FVI_SKIPPED,        /* name starts with '_' (helper directory) */
    FVI_NOT_A_PLUGIN,   /* opened, but no fveval_plugin_entry symbol */
    FVI_LOAD_FAILED,    /* the dynamic loader refused it (dlerror text) */
    FVI_ABI_MISMATCH,   /* major differs, minor newer, or size too small */
    FVI_BAD_DESCRIPTOR, /* NULL entry result, name mismatch, bad tables */
    FVI_DUPLICATE,      /* an earlier root already provided this name */
    FVI_INIT_FAILED,    /* init() with default options failed */
    FVI_UNREADABLE,     /* a root or directory that could not be read */
    FVI_UNTRUSTED       /* writable by others: world-writable or another user's */
} fvi_outcome;

const char *fvi_outcome_name(fvi_outcome o);

/* One file or directory the scan touched. */
typedef struct fvi_scan_entry {
    char *path;       /* absolute path (module path without extension for plugins) */
    char *name;       /* path-derived metric name, or NULL */
    fvi_outcome outcome;
    char *reason;     /* NULL when loaded */
} fvi_scan_entry;

/* A metric that loaded. */
typedef struct fvi_metric {
    char *name;
    char *path;       /* module path without extension */
    char *root;
    const fveval_plugin *desc;
    void *handle;     /* lt_dlhandle; never closed during a run */
    /* FVI_WARNED_* bits: warnings given once per metric and process.  Set
     * through const pointers from any worker, hence atomic. */
    _Atomic unsigned warned;
} fvi_metric;

#define FVI_WARNED_DUP_DETAIL 0x1u
#define FVI_WARNED_DUP_SCORE  0x2u
/* Give a warning of kind @p bit about @p m only the first time. */
bool fvi_metric_warn_once(const fvi_metric *m, unsigned bit);
/* "higher", "lower" or "none" from the descriptor's flags. */
const char *fvi_metric_direction(const fveval_plugin *d);

typedef struct fvi_registry {
    fvi_metric *metrics;  /* sorted by name */
    size_t n_metrics;
    fvi_scan_entry *entries; /* in scan order */
    size_t n_entries;
    fvi_strv roots;
} fvi_registry;

/*
 * Plugin roots in order: each @p cli_paths entry (':'-separated),
 * $FVEVAL_PLUGIN_PATH, then $FVEVAL_PLUGIN_SYSTEM_PATH if set (empty
 * disables), else @p builtin_dir.
 */
void fvi_plugin_roots(fvi_strv *out, const fvi_strv *cli_paths, const char *builtin_dir);
/* Scan every root.  Never fails: each problem becomes an entry. */
void fvi_registry_scan(fvi_registry *reg, const fvi_strv *roots);
void fvi_registry_free(fvi_registry *reg);
const fvi_metric *fvi_registry_find(const fvi_registry *reg, const char *name);
/* The recorded outcome for @p name that is not "loaded", or NULL. */
const fvi_scan_entry *fvi_registry_failure(const fvi_registry *reg, const char *name);

/*
 * Metric name from a path relative to a plugin root ("common/psnr" ->
 * "common.psnr").  Returns NULL if a component is empty or starts with
 * '_' or '.'.
 */
char *fvi_name_from_relpath(const char *relpath);
/* Whether the walk skips a directory entry of this name. */
bool fvi_walk_skips(const char *entry_name);
/*
 * The ABI gate and descriptor validation.  @p desc as returned by the entry
 * function.  Returns NULL if acceptable, else a reason (caller frees) and
 * sets *outcome.
 */
char *fvi_check_descriptor(const fveval_plugin *desc, const char *expected_name,
                           fvi_outcome *outcome);
/* Whether the descriptor (of known size) provides member at @p offset. */
#define FVI_DESC_HAS(desc, member)                                                               \
    ((desc)->size >= offsetof(fveval_plugin, member) + sizeof((desc)->member))

/*
 * Metric selection: "all", "group.*", a group name, exact names, comma
 * lists; each item may carry ":key=value" options.  Exact names win over a
 * group of the same name; duplicates keep the first.  On error returns
 * -EINVAL with a message naming the item and close matches.
 */
typedef struct fvi_selection_item {
    const fvi_metric *metric;
    char *options; /* "key=value:..." or NULL */
} fvi_selection_item;
typedef struct fvi_selection {
    fvi_selection_item *items;
    size_t n;
} fvi_selection;
int fvi_select(const fvi_registry *reg, const char *spec, fvi_selection *sel, char **err);
void fvi_selection_free(fvi_selection *sel);

/* ---- samples and results (sample.c) -------------------------------------- */

#include <jansson.h>

/* What a decode may read and for how long (set by the caller; NULL: no limits). */
typedef struct fvi_media_limits {
    double deadline;          /* CLOCK_MONOTONIC seconds when reading gives up; 0 = never */
    bool allow_special_files; /* read FIFOs, devices, sockets and URLs too */
} fvi_media_limits;

/* A decoded video field of a sample. */
typedef struct fvi_video_slot {
    char *field;
    fveval_video video;
    uint8_t *buffer;   /* owns video.data */
    char *error;       /* decode failure text, or NULL */
    int status;        /* 0, or the decoder's negative AVERROR code */
    char *damage;      /* decoded, but data was lost or damaged on the way (text), or NULL */
    const fvi_media_limits *limits; /* in: set before decoding, or NULL */
} fvi_video_slot;

/* A decoded audio field at one (rate, channels). */
typedef struct fvi_audio_slot {
    char *field;
    int want_rate, want_channels; /* as requested: 0 = source's */
    fveval_audio audio;
    float *buffer;
    char *error;
    int status;        /* 0, or the decoder's negative AVERROR code */
    char *damage;      /* decoded, but data was lost or damaged on the way (text), or NULL */
    const fvi_media_limits *limits; /* in: set before decoding, or NULL */
} fvi_audio_slot;

/*
 * What one metric reads of a VIDEO field when it is not the whole clip
 * (ABI 1.2 frame access): its sampled frames, or, for a streamed field, the
 * clip's geometry and frame count without data.
 */
typedef struct fvi_frame_view {
    char *field;
    const struct fvi_metric *metric;
    fveval_video video;
    uint8_t *buffer;   /* owns video.data (sampled frames) */
    int *index;        /* owns video.frame_index */
} fvi_frame_view;

typedef struct fvi_cache_entry {
    char *key;
    void *data;
    void (*free_fn)(void *);
} fvi_cache_entry;

/*
 * One sample: its fields as given (a JSON object whose VIDEO/AUDIO values are
 * paths), and the media decoded from them for the current run.
 */
typedef struct fveval_sample {
    int64_t index;
    bool is_reference;  /* role "reference": only set metrics see it */
    json_t *fields;     /* owned */
    double fps_override; /* > 0: the sample's fps field */
    fvi_video_slot *videos;
    size_t n_videos;
    fvi_audio_slot *audios;
    size_t n_audios;
    fvi_cache_entry *cache;
    size_t n_cache;
    char **json_texts;  /* serialized JSON handed to plugins, freed with the sample */
    size_t n_json_texts;
    fvi_frame_view *views; /* per-metric frame access views (frames.c) */
    size_t n_views;
    fvi_strv warnings;  /* for the results document: damaged media kept, fps mismatch */
} fvi_sample;

fvi_sample *fvi_sample_new(int64_t index, json_t *fields_owned, bool is_reference);
/* Free decoded media and scratch, keep the fields. */
void fvi_sample_release_media(fvi_sample *s);
void fvi_sample_free(fvi_sample *s);
/* The path of a field (a string value), or NULL. */
const char *fvi_sample_path(const fvi_sample *s, const char *field);
/* Record a warning for the sample's output (once: a repeat is dropped) and log it. */
void fvi_sample_warn(fvi_sample *s, const char *fmt, ...) FVEVAL_PRINTF(2, 3);
/* The sample's warnings as a JSON array of strings (new reference). */
json_t *fvi_sample_warnings_json(const fvi_sample *s);
/* Take the strings of JSON array @p warnings (from an earlier run) as the sample's warnings. */
void fvi_sample_adopt_warnings(fvi_sample *s, const json_t *warnings);

/* What compute/finalize filled in. */
typedef struct fveval_result {
    double score;
    bool has_score;
    char *skip;      /* skip reason, or NULL */
    char *error;     /* error message (the result is an error), or NULL */
    int64_t failed_samples; /* corpus results: samples whose accumulate failed */
    json_t *details; /* object, owned */
} fvi_result;

void fvi_result_init(fvi_result *r);
void fvi_result_clear(fvi_result *r);
/* Make @p r an error with @p msg (owned), dropping any score or skip. */
void fvi_result_set_error(fvi_result *r, char *msg_owned);
/* Whether @p r holds a usable score (no skip, no error). */
bool fvi_result_scored(const fvi_result *r);
/*
 * JSON {"score": x|null, "skipped": "why"|null, "error": "message"|null,
 * "details": {...}} (results schema 2; new reference).
 */
json_t *fvi_result_to_json(const fvi_result *r);
/*
 * Read a result written by fvi_result_to_json, or by schema 1 (where
 * "skipped" and "error": true lived in details).  Returns false when @p j
 * is not a result object.
 */
bool fvi_result_from_json(fvi_result *r, json_t *j);
/* The results schema this core writes. */
#define FVI_RESULTS_SCHEMA 2
/* A finite double as JSON real, anything else as null. */
json_t *fvi_json_number(double v);

/* A byte stream for save_state/load_state. */
typedef struct fveval_state {
    FILE *fp;
} fvi_state;

/* ---- instances (instance.c) --------------------------------------------- */

/* What instances need to know about the run they are part of. */
typedef struct fvi_env {
    const char *device;     /* "cpu", "cuda:0", ... */
    const char *model_dir;  /* resolved model directory, or NULL */
} fvi_env;

/*
 * The core's side of an fveval_ctx.  The public part must come first so a
 * plugin's fveval_ctx * is also an fvi_instance *.
 */
typedef struct fvi_instance {
    fveval_ctx pub;
    const fvi_metric *metric;
    const fvi_env *env;       /* NULL: defaults (cpu, no model directory) */
    char *options_spec;       /* as given, for provenance */
    bool init_called;
    bool setup_done;
    int setup_error;
    char *setup_reason;
    fvi_strv model_paths;     /* strings handed out by the model_path service */
    char *model_err;          /* reason of the last failed model service call */
    char *acc_msg;            /* accumulate_status text for the sample in hand, or NULL */
    bool acc_is_error;
} fvi_instance;

extern const fveval_host fvi_host;

/*
 * Allocate priv, apply defaults, parse @p options, call init.  Returns NULL
 * and sets *err on any failure (uninit is called if init was).
 */
fvi_instance *fvi_instance_new(const fvi_metric *m, const char *options, char **err);
/* Like fvi_instance_new, bound to @p env. */
fvi_instance *fvi_instance_new_env(const fvi_metric *m, const char *options, const fvi_env *env,
                                   char **err);
/* The instance's option values as a JSON object (new reference). */
json_t *fvi_instance_options_json(const fvi_instance *inst);
void fvi_instance_free(fvi_instance *inst);

/* ---- media (media.c): FFmpeg decoding ------------------------------------ */

/*
 * Decode every frame of a video file, or of an image-sequence directory
 * (png/jpg/jpeg/bmp/webp, name-sorted), to packed RGB24 in slot->buffer and
 * fill slot->video (data, width, height, nb_frames, linesize, frame_stride,
 * fps from the container, or @p fps_override when > 0; path).  On failure
 * returns a negative errno/AVERROR and sets slot->error to a one-line text
 * (FFmpeg's error text where it has one).  slot->field and slot->limits are
 * the caller's.  A file that decodes only in part (read or decode errors,
 * damaged frames) succeeds with the frames that decoded and slot->damage
 * saying what was lost.  A path that is not a regular file or directory is
 * refused unless slot->limits allows special files; past the deadline the
 * decode stops with ETIMEDOUT.
 */
int fvi_media_decode_video(const char *path, double fps_override, fvi_video_slot *slot);
/*
 * Decode the first audio stream of @p path (an audio file or a video's
 * track) to interleaved float PCM at @p rate Hz and @p channels channels
 * (0 = the source's), filling slot->audio / slot->buffer.  On failure
 * returns negative and sets slot->error; a file without an audio stream
 * gives AVERROR_STREAM_NOT_FOUND (a skip, not a decode failure).
 */
int fvi_media_decode_audio(const char *path, int rate, int channels, fvi_audio_slot *slot);
/* fvi_media_decode_video() with the frame buffer capped at @p max_bytes (0: no cap). */
int fvi_media_decode_video_capped(const char *path, double fps_override, size_t max_bytes,
                                  fvi_video_slot *slot);
/*
 * Frame-by-frame decoding: for each decoded frame t, target() gives the
 * buffer (3 * width * height bytes, plus 64 spare for SIMD writes) to
 * convert it into, or NULL to only count it; converted() is called once
 * frame t is there (negative: stop decoding, *error set).
 */
typedef struct fvi_frame_sink {
    void *ctx;
    uint8_t *(*target)(void *ctx, int t, int width, int height);
    int (*converted)(void *ctx, int t, char **error);
} fvi_frame_sink;
/*
 * Decode like fvi_media_decode_video() but hand frames to @p sink; fills
 * slot->video (geometry, nb_frames = frames decoded, fps) with data NULL.
 */
int fvi_media_decode_frames(const char *path, double fps_override, const fvi_frame_sink *sink,
                            fvi_video_slot *slot);
/* A video's size and frame count from its headers (image directories: the first image, the count). */
typedef struct fvi_video_probe {
    int width, height;
    int64_t frames; /* -1: unknown */
    double fps;
} fvi_video_probe;
int fvi_media_probe_video(const char *path, fvi_video_probe *out);
/* Whether @p path is a directory holding at least one image of those types. */
bool fvi_media_is_image_dir(const char *path);
/*
 * Make blocking reads interruptible for --sample-timeout: install a no-op
 * handler for the wake-up signal (without SA_RESTART) and block the signal
 * in the calling thread; threads created afterwards inherit the mask.  The
 * decode unblocks it while it reads, and fvi_media_wake() sends it to a
 * thread stuck in open() or read() on a FIFO or a slow file system.
 */
void fvi_media_wake_setup(void);
void fvi_media_wake(pthread_t thread);

/* ---- run configuration (config.c: YAML run files) ---------------------------- */

/* Everything `fveval run` takes; a YAML file fills the same fields. */
typedef struct fvi_run_config {
    fvi_strv videos;       /* files, directories, globs */
    fvi_strv references;
    fvi_strv audios;       /* --audio: per-sample audio files (optional) */
    fvi_strv text_prompts; /* --text-prompt: one, or one per video */
    char *prompts_file;    /* --prompts FILE */
    char *manifest;        /* --manifest FILE (JSONL) */
    double fps;            /* --fps; 0 = unset */
    char *pair_by;         /* "position" (default) or "stem" */
    char *metrics;         /* -m spec: "a,b:key=value,..." */
    char *output;          /* -o */
    char *format;          /* json | csv | table */
    int jobs;              /* 0 = number of cores */
    char *device;
    char *model_dir;
    char *save_state;      /* --save-state DIR */
    char *on_decode_error; /* "skip" (default) or "partial" */
    double sample_timeout; /* --sample-timeout seconds; 0 = none */
    int allow_special_files; /* -1 = unset, else 0/1 */
    int resume, strict, quiet; /* -1 = unset, else 0/1 */
    fvi_strv plugin_paths;
    int retry_crashed;     /* --retry-crashed: -1 = unset, else 0/1 */
    char *max_memory;      /* --max-memory SIZE, or NULL: fvi_default_max_memory() */
    char *shard;           /* --shard K/N, or NULL (then a Slurm array task's, if any) */
    char *suite;           /* --suite NAME (suite.h), or NULL */
    char *suite_file;      /* --suite-file FILE: the suite's prompts from this file */
    char *dimensions;      /* --dimensions LIST: the suite's dimensions to score */
} fvi_run_config;

void fvi_run_config_init(fvi_run_config *cfg);
void fvi_run_config_free(fvi_run_config *cfg);
/*
 * Read a YAML run file into @p cfg (fields it sets replace what cfg held).
 * Keys: inputs {videos, reference, audio, text_prompt, prompts, manifest,
 * fps, pair_by}, metrics (list of "name[:k=v...]" strings or
 * {name: {key: value}} maps), output, format, jobs, device, model_dir,
 * save_state, resume, strict, quiet, plugin_path, on_decode_error,
 * sample_timeout, allow_special_files.  Relative paths are taken
 * relative to the YAML file's directory.  On error returns -EINVAL and sets
 * *err to "FILE:LINE:COLUMN: message".
 */
int fvi_config_load(const char *path, fvi_run_config *cfg, char **err);

/*
 * Values the command line and run files both take, checked by one function
 * each so the two cannot drift apart.  On error they return -EINVAL and set
 * *why to "needs ..., not 'TEXT'" (caller frees; the caller names the key).
 */
#define FVI_JOBS_MAX 4096
#define FVI_STR_(x) #x
#define FVI_STR(x) FVI_STR_(x)
int fvi_parse_jobs(const char *text, int *out, char **why);
/* A positive finite number (a time limit). */
int fvi_parse_positive(const char *text, double *out, char **why);
/*
 * A frame rate: FVI_FPS_MIN to FVI_FPS_MAX, as --fps, a run file and a
 * manifest row take it: a time-lapse at one frame per 1000 s up to
 * high-speed capture.  Outside this, a frame count derived from a duration
 * or a target rate blows up or vanishes, and 1e308 or -5 is a typo.
 */
#define FVI_FPS_MIN 0.001
#define FVI_FPS_MAX 1000.0
int fvi_parse_fps(const char *text, double *out, char **why);
/* NULL when every ':'-separated directory of @p paths can be read, else why not (caller frees). */
char *fvi_plugin_dir_problem(const char *paths);

/* ---- model store (models.c) ------------------------------------------------------ */

typedef enum fvi_model_status { FVI_MODEL_PRESENT, FVI_MODEL_MISSING, FVI_MODEL_BAD_HASH } fvi_model_status;

/* --model-dir, else $FVEVAL_MODEL_DIR, else $XDG_CACHE_HOME/fveval/models, else ~/.cache/fveval/models. */
char *fvi_model_dir_resolve(const char *cli_dir);
/*
 * Check one declared file in @p dir (sha256 verified once per process).
 * Sets *path_out (caller frees) when present, else *why (caller frees).
 */
fvi_model_status fvi_model_check(const char *dir, const fveval_model_file *mf, char **path_out, char **why);
/*
 * NULL when every model file of @p m that @p inst needs (its model_needed
 * callback; every file when NULL or inst is NULL) is present and valid, else
 * the first reason (caller frees).
 */
char *fvi_models_check_metric(const fvi_metric *m, const fvi_instance *inst, const char *dir);
/* Whether @p inst (NULL: with any options) needs declared model file @p name. */
bool fvi_model_needed(const fvi_metric *m, const fvi_instance *inst, const char *name);

/* ---- model runtime (torch/none.c; libfveval-torch) --------------------------------- */

#include "torch/torch.h"

/*
 * The model runtime: libfveval-torch, loaded on the first call (thread-safe),
 * or a table whose services fail with the reason it is unavailable.
 */
const fvt_api *fvi_torch_api(void);
/* fvt_api.device_check that loads nothing for "cpu". */
int fvi_torch_device_check(const char *device, char *err, size_t errlen);

/*
 * core/cuda.c: the CUDA kernels ("built (toolkit X.Y)" or "not built"), the number
 * of devices the CUDA driver sees (-1 with the reason), and the run's device check:
 * fvi_torch_device_check, and in a build with the kernels a cuda device the driver
 * sees is usable too (the pixel metrics run there without libtorch).
 */
const char *fvi_cuda_build(void);
int fvi_cuda_device_count(char *why, size_t whylen);
int fvi_device_check(const char *device, char *err, size_t errlen);

/* ---- building samples (samples.c) -------------------------------------------- */

typedef struct fvi_sample_list {
    fvi_sample **v;
    size_t n;
} fvi_sample_list;

/*
 * Build the run's samples from --videos/--reference/--audio/prompts/--fps or
 * a JSONL manifest.  @p media_fields names every VIDEO/AUDIO field of the
 * selected metrics: relative manifest values of those keys are resolved
 * against the manifest's directory.  On error returns -EINVAL with a message.
 */
int fvi_samples_build(const fvi_run_config *cfg, const fvi_strv *media_fields, fvi_sample_list *out,
                      char **err);
void fvi_sample_list_free(fvi_sample_list *l);
/* Expand one input spec (file, directory, glob) into paths, in order. */
int fvi_expand_inputs(const char *spec, fvi_strv *out, char **err);

/* ---- the run (evaluate.c) ------------------------------------------------------- */

/* One selected metric in a run. */
typedef struct fvi_metric_run {
    const fvi_metric *metric;
    char *options;            /* "key=value:..." as selected, or NULL */
    json_t *options_json;     /* effective option values */
    fvi_instance **workers;   /* one instance per worker, created lazily */
    bool has_corpus;          /* set metric, or per-sample with finalize */
    fvi_result corpus;
    bool corpus_done;
    char *unavailable;        /* why the metric cannot run (e.g. a missing model), or NULL */
    /*
     * A set metric without merge (or save/load state to derive it from):
     * every worker feeds the one instance workers[0], under @p lock, so no
     * sample is lost at --jobs > 1.
     */
    bool single_instance;
    pthread_mutex_t lock;
} fvi_metric_run;

typedef struct fvi_run {
    fvi_metric_run *metrics;
    size_t n_metrics;
    fvi_sample_list samples;
    fvi_result *results;      /* n_samples x n_metrics; has_result marks which are set */
    bool *has_result;
    bool *sample_failed;      /* a required input failed to decode, or a metric errored */
    int jobs;
    fvi_env env;
    bool quiet;
    bool progress;            /* draw a progress line on stderr */
    FILE *journal;            /* append-only record of finished samples, or NULL */
    bool any_failure;
    const char *journal_path; /* for messages */
    int journal_errno;        /* the first journal write failure (the run stopped there), or 0 */
    char **crashed;           /* n_samples x n_metrics: why an earlier run died there, or NULL */
    uint64_t max_memory;      /* decoded-frame budget in bytes (0: none) */
    struct fvi_budget *budget; /* what the workers hold of max_memory (frames.c) */
    bool decode_partial;      /* --on-decode-error=partial: score what decoded, warn */
    double sample_timeout;    /* seconds a sample may spend reading its media; 0 = no limit */
    bool allow_special_files; /* read inputs that are not regular files or directories */
} fvi_run;

/* The reason a sample gets when the metric crashed the process on it before. */
#define FVI_CRASHED_REASON "crashed the previous run"

/*
 * Crash records (journal.c).  While a run has a journal, install() sets a
 * handler for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT that appends
 * {"crashed": WHERE, "signal": N} to the journal (fd @p journal_fd) for the
 * WHERE the crashing thread last set with fvi_crash_guard_set() (NULL: none),
 * then dies of the signal as before.  remove() restores the old handlers.
 */
void fvi_crash_guard_install(int journal_fd);
void fvi_crash_guard_remove(void);
void fvi_crash_guard_set(const char *where_json);

/*
 * Create the run's metric list from @p sel and check every option set by
 * instantiating once.  Returns -EINVAL with a message on bad options.
 */
int fvi_run_init(fvi_run *run, const fvi_selection *sel, const fvi_env *env, int jobs, char **err);
/*
 * Check every metric's model files.  A metric that lacks one is skipped for
 * every sample with that reason; with @p strict it is an error instead
 * (returns -ENOENT with the reason, before anything is decoded).
 */
int fvi_run_check_models(fvi_run *run, bool strict, char **err);
/* Score every sample (honouring results already present), then finalize. */
int fvi_run_execute(fvi_run *run);
/*
 * What fvi_run_execute() does once every sample is scored: note failed
 * samples, finalize set metrics and corpus aggregates.  `fveval merge` calls
 * it on results and state gathered from shards.  Returns the exit status.
 */
int fvi_run_finalize(fvi_run *run);
/* Merge worker instances of metric @p i into workers[0] (created if needed). */
fvi_instance *fvi_run_merged_instance(fvi_run *run, size_t i, char **err);
void fvi_run_free(fvi_run *run);
/* Union of VIDEO/AUDIO field names declared by the run's metrics. */
void fvi_run_media_fields(const fvi_run *run, fvi_strv *out);

/* ---- frame access (frames.c): ABI 1.2 ---------------------------------------------- */

/* The frame access @p d declares for VIDEO field @p field, or NULL (the whole clip). */
const fveval_frame_access *fvi_frame_access(const fveval_plugin *d, const char *field);
/* Descriptor validation of frame_access; a reason, or NULL. */
char *fvi_frame_access_validate(const fveval_plugin *d);

/* One metric instance that reads a VIDEO field of the sample being prepared. */
typedef struct fvi_frame_user {
    fvi_instance *inst;
    fveval_result *res;       /* NULL for set metrics */
    int status;               /* out: 0, or the negative code its frame/select callback gave */
} fvi_frame_user;

/*
 * Bytes of decoded frames that preparing @p field for @p users would hold at
 * most, from the file's headers; 0 when they say nothing.  *probe_desc (may
 * be NULL) gets "WxH, N frames" for messages (caller frees).
 */
uint64_t fvi_frames_estimate(const fvi_sample *s, const char *field, const fvi_frame_user *users,
                             size_t n, char **probe_desc);
/*
 * Decode @p field of @p s once for every user, each in its declared mode:
 * a whole clip when one needs it (the others are served from it), else
 * only the frames read, streaming them to STREAM users.  Leaves the field's
 * fvi_video_slot (its error, and the clip if kept) and the users' views in
 * @p s.  @p max_bytes caps a whole clip (0: no cap); @p limits (may be
 * NULL) are the run's rules for reading the file (special files, deadline).
 */
void fvi_frames_prepare_field(fvi_sample *s, const char *field, fvi_frame_user *users, size_t n,
                              uint64_t max_bytes, const fvi_media_limits *limits);

/* A memory budget shared by the workers. */
struct fvi_budget *fvi_budget_new(uint64_t limit);
void fvi_budget_free(struct fvi_budget *b);
/* Wait until @p bytes (<= the limit) fit, then hold them. */
void fvi_budget_acquire(struct fvi_budget *b, uint64_t bytes);
void fvi_budget_release(struct fvi_budget *b, uint64_t bytes);
/* Half of the smaller of physical memory and the cgroup's limit; 0 when unknown. */
uint64_t fvi_default_max_memory(void);
/* "8G", "512MiB", "1.5GB", "1000000" (bytes; K/M/G/T are powers of 1024), or "none" (0). */
int fvi_parse_bytes(const char *text, uint64_t *out);

/* ---- results (results.c) ------------------------------------------------------------ */

/* The whole results document (DESIGN.md §6); argv/times for provenance. */
json_t *fvi_results_document(const fvi_run *run, int argc, char **argv, const char *started,
                             const char *finished);
/* Write @p text to @p path atomically (temporary file + rename). */
int fvi_write_atomic(const char *path, const char *text, char **err);
/* The same for @p len bytes of binary data (a PNG). */
int fvi_write_atomic_bytes(const char *path, const void *data, size_t len, char **err);

/* ---- the results' destination (output.c) ------------------------------------------- */

/*
 * -o: a regular file (or a new name) is replaced atomically; stdout ("-"),
 * devices, FIFOs and sockets are written through (stream); a symbolic link
 * is followed to its target.
 */
typedef struct fvi_output {
    char *name;  /* as given, for messages */
    char *path;  /* the file to replace or open (a link's target); NULL for stdout */
    bool stream; /* written through, not replaced; such an output has no journal */
} fvi_output;
/*
 * Check @p name before any work: empty, a directory, a read-only regular
 * file (mode bits checked too, as root ignores them) or a missing directory
 * are errors (-EINVAL with *err set).
 */
int fvi_output_open(const char *name, fvi_output *out, char **err);
int fvi_output_write(const fvi_output *out, const char *text, char **err);
/* The same for @p len bytes of binary data (a PNG). */
int fvi_output_write_bytes(const fvi_output *out, const void *data, size_t len, char **err);
void fvi_output_free(fvi_output *out);
/* write(2) all of @p text, retrying on EINTR; 0 or -errno. */
int fvi_write_all(int fd, const char *text, size_t len);
char *fvi_results_csv(const fvi_run *run);
/* The terminal table (metric, n, mean ± std, direction, corpus). */
void fvi_results_print_table(const json_t *doc, FILE *out);
/* ISO-8601 UTC time now (caller frees). */
char *fvi_now_iso8601(void);

#endif /* FVEVAL_CORE_H */
