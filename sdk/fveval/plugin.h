/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fveval/plugin.h
 * The whole fveval plugin ABI.
 *
 * A plugin is a shared module installed as
 * `$(pluginsdir)/<group>/<name>/metric.so`.  It exports exactly one symbol,
 * fveval_plugin_entry(), which returns a pointer to one `static const`
 * fveval_plugin descriptor.  The metric's name is its directory path under a
 * plugin root with `/` replaced by `.` (`common/psnr` -> `common.psnr`), and
 * the descriptor's name MUST equal it.
 *
 * Plugins link nothing of the core: every service (logging, sample access,
 * result building, state streams, model lookup) comes through the
 * fveval_host table reachable from the fveval_ctx handed to each callback.
 *
 * Compatibility rules
 *  - The first two members of fveval_plugin (abi_version, size) and of
 *    fveval_host (size) are frozen.  The core reads nothing else before
 *    checking them.
 *  - Structs passed by pointer (fveval_plugin, fveval_host) grow only by
 *    appending members; the reader treats members beyond `size` as absent.
 *    Each append bumps FVEVAL_ABI_MINOR.
 *  - Element structs of arrays (fveval_field, fveval_option,
 *    fveval_model_file) have a frozen layout for a given ABI major; they
 *    carry reserved pointers that MUST be NULL.
 *  - Enum values are explicit and append-only.
 *  - A plugin built for major M loads only into a core of major M, and only
 *    if its minor is <= the core's minor.
 *
 * Ownership and lifetime (MUST/SHOULD as in RFC 2119)
 *  - The descriptor and every table it points to are owned by the plugin and
 *    MUST stay valid and unchanged while the module is loaded.  The core never
 *    unloads a plugin during a run and never writes to its tables.
 *  - `priv` (fveval_ctx.priv) is allocated with `priv_size` bytes, zeroed,
 *    filled with option values and freed by the core.  Anything a plugin
 *    acquires in init/setup it MUST release in uninit.  If init was called,
 *    uninit is called too, even when init failed; so it is if setup was
 *    called (for plugins without init).
 *  - STRING option values are core-owned copies: read them, never free them.
 *  - Samples, video frames, audio buffers and strings handed to a callback are
 *    borrowed for the duration of that call only.  Copy what must outlive it.
 *  - Values passed to result and state functions are copied before the call
 *    returns.
 *
 * Call order and threading
 *  - Per instance: init -> [setup] -> (compute | accumulate)* ->
 *    [merge, finalize] -> uninit.  reset may be called between runs.
 *  - Calls on one fveval_ctx are never concurrent.  Different instances of
 *    the same plugin MAY run concurrently on different threads, so a plugin
 *    MUST NOT keep mutable global state.
 *  - The log function is thread-safe.  Plugins MUST NOT write to stdout or
 *    stderr; they log through fveval_log().
 *
 * Models (ABI 1.1)
 *  - model_load() hands out a TorchScript module loaded from a declared model
 *    file onto the run's device (`--device`).  The plugin owns it and MUST
 *    release it with fveval_model_free() (typically in uninit).  A module is
 *    used by the instance that loaded it only.
 *  - Tensors returned by fveval_model_run() and fveval_tensor_load() are
 *    float32 host copies owned by the plugin: release each with
 *    fveval_tensor_free().  Their data pointer is valid until then.
 *  - Input tensors are described by fveval_arg (shape + float buffer) and
 *    are copied during the call; CUDA device tensors (ABI 1.4) are wrapped,
 *    not copied.
 *  - A failing model service returns NULL or a negative code; the reason is
 *    then readable with fveval_model_error() until the next model service
 *    call on the same ctx.  When setup fails after a model service failed,
 *    the core reports that reason as the skip reason.
 *  - In a core built without libtorch every model service fails with the
 *    reason "built without libtorch".
 *
 * Return values: 0 on success or a negative errno-style code.  From compute
 * (or accumulate), `-ENOTSUP` means "not applicable to this sample": the
 * sample is recorded as skipped with the reason given through
 * fveval_result_skip() (fveval_accumulate_skip() from accumulate) and the
 * run goes on.  Any other negative value is an error of this metric on this
 * sample; its message is the text given to fveval_result_error() (or
 * fveval_accumulate_error()), else the skip text, else strerror().  Positive
 * values are reserved: the core treats them as an error ("invalid return
 * code N").  A result given an error text is an error even if the callback
 * returned 0.
 */
#ifndef FVEVAL_PLUGIN_H
#define FVEVAL_PLUGIN_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FVEVAL_ABI_MAJOR 1
#define FVEVAL_ABI_MINOR 4
#define FVEVAL_ABI_VERSION (((uint32_t) FVEVAL_ABI_MAJOR << 16) | (uint32_t) FVEVAL_ABI_MINOR)

#if defined(_WIN32)
#define FVEVAL_PLUGIN_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#define FVEVAL_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define FVEVAL_PLUGIN_EXPORT
#endif

#if defined(__GNUC__)
#define FVEVAL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define FVEVAL_PRINTF(fmt, args)
#endif

typedef struct fveval_ctx fveval_ctx;
typedef struct fveval_host fveval_host;
typedef struct fveval_sample fveval_sample;   /**< opaque: read with fveval_sample_*() */
typedef struct fveval_result fveval_result;   /**< opaque: fill with fveval_result_*() */
typedef struct fveval_state fveval_state;     /**< opaque byte stream for save/load_state */

/* ------------------------------------------------------------------------- */
/** @name Sample fields */

/** Type of a sample field.  Append-only. */
typedef enum fveval_field_type {
    FVEVAL_FIELD_NONE = 0,   /**< table sentinel */
    FVEVAL_FIELD_VIDEO = 1,  /**< a path the core decodes to uint8 RGB frames */
    FVEVAL_FIELD_AUDIO = 2,  /**< a path (or a video's audio track) decoded to float PCM */
    FVEVAL_FIELD_STRING = 3, /**< UTF-8 text */
    FVEVAL_FIELD_NUMBER = 4, /**< a double */
    FVEVAL_FIELD_JSON = 5    /**< any JSON value, handed over as serialized text */
} fveval_field_type;

/** fveval_field.flags */
#define FVEVAL_FIELD_REQUIRED 0x1u /**< a sample without it is skipped for this metric */

/**
 * One sample field a plugin reads.  Tables end with an entry whose name is
 * NULL.  Layout frozen for ABI major 1.
 */
typedef struct fveval_field {
    const char *name;        /**< sample key: "video", "reference", "text_prompt", ... */
    fveval_field_type type;
    unsigned flags;          /**< FVEVAL_FIELD_* */
    int rate;                /**< AUDIO: sample rate wanted (Hz); 0 = the source's */
    int channels;            /**< AUDIO: channel count wanted; 0 = the source's */
    const char *help;        /**< one line for `fveval info` */
    const void *reserved[2]; /**< MUST be NULL */
} fveval_field;

/** Decoded video, borrowed for the duration of a callback. */
typedef struct fveval_video {
    const uint8_t *data;  /**< frame t, row y: data + t * frame_stride + y * linesize; RGB24 */
    int width;
    int height;
    int nb_frames;
    int reserved_int;
    ptrdiff_t linesize;   /**< bytes from one row to the next (>= 3 * width) */
    size_t frame_stride;  /**< bytes from one frame to the next */
    double fps;           /**< the container's rate, or the sample's `fps` when given */
    const char *path;     /**< source file or image directory */

    /* ---- ABI 1.2: frame access ---- */
    /**
     * Source frame index of each of the nb_frames frames held (streamed
     * windows and sampled frames), or NULL when frame t is source frame t
     * (a whole clip).  Read with fveval_video_frame_index().
     */
    const int *frame_index;
    /** Frames in the whole clip; -1 while a stream is still running. */
    int clip_frames;
} fveval_video;

/* ---- ABI 1.2: frame access ---- */
/** How a plugin reads the frames of one VIDEO field.  Append-only. */
typedef enum fveval_frame_mode {
    /** Every frame at once through fveval_sample_video() in compute (the default). */
    FVEVAL_FRAMES_CLIP = 0,
    /**
     * Every frame in order through fveval_plugin.frame(), `window` frames
     * at a time; the core never holds the clip for this plugin.
     */
    FVEVAL_FRAMES_STREAM = 1,
    /**
     * Only the frames a sampler picks from the frame count and fps:
     * fveval_plugin.select_frames(), or, when that is NULL, `count` frames
     * spread evenly (index k = floor(k * (T - 1) / (count - 1))).
     * fveval_sample_video() then holds just those frames, in the order
     * picked.
     */
    FVEVAL_FRAMES_SAMPLED = 2
} fveval_frame_mode;

/** Largest STREAM window and SAMPLED count. */
#define FVEVAL_FRAMES_MAX 4096

/**
 * Frame access of one VIDEO field (fveval_plugin.frame_access).  Tables end
 * with an entry whose field is NULL.  Layout frozen for ABI major 1.
 */
typedef struct fveval_frame_access {
    const char *field;       /**< a VIDEO field of the plugin's fields table */
    fveval_frame_mode mode;
    int window;              /**< STREAM: frames visible per call, 1..FVEVAL_FRAMES_MAX */
    int count;               /**< SAMPLED: the most frames picked, 1..FVEVAL_FRAMES_MAX */
    unsigned flags;          /**< reserved, MUST be 0 */
    const void *reserved[2]; /**< MUST be NULL */
} fveval_frame_access;

/** Decoded audio, interleaved float PCM in [-1, 1], borrowed. */
typedef struct fveval_audio {
    const float *data;    /**< nb_samples * channels floats */
    int64_t nb_samples;   /**< per channel */
    int rate;
    int channels;
    const char *path;
} fveval_audio;

/* ------------------------------------------------------------------------- */
/** @name Options */

/** Option type, and the C type stored at `offset` in priv.  Append-only. */
typedef enum fveval_opt_type {
    FVEVAL_OPT_NONE = 0,
    FVEVAL_OPT_BOOL = 1,   /**< int (0 or 1); accepts 0/1/true/false/yes/no/on/off */
    FVEVAL_OPT_INT = 2,    /**< int64_t */
    FVEVAL_OPT_DOUBLE = 3, /**< double */
    FVEVAL_OPT_STRING = 4, /**< const char * (core-owned copy, may be NULL) */
    FVEVAL_OPT_ENUM = 5    /**< int: index into enum_names */
} fveval_opt_type;

/** Default value of an option. */
typedef union fveval_opt_value {
    int64_t i64;     /**< BOOL, INT, ENUM */
    double dbl;      /**< DOUBLE */
    const char *str; /**< STRING */
} fveval_opt_value;

/**
 * One typed option.  Tables end with an entry whose name is NULL.  The core
 * applies defaults, parses `NAME:key=value:key=value`, checks ranges (INT
 * and DOUBLE: min <= v <= max unless min == max == 0), rejects unknown keys
 * and only then calls init.  Layout frozen for ABI major 1.
 */
typedef struct fveval_option {
    const char *name;               /**< snake_case key */
    const char *help;
    fveval_opt_type type;
    size_t offset;                  /**< offsetof(PrivContext, member) */
    fveval_opt_value def;
    double min;
    double max;
    const char *const *enum_names;  /**< ENUM: NULL-terminated value names */
    unsigned flags;                 /**< reserved, MUST be 0 */
    const void *reserved[2];        /**< MUST be NULL */
} fveval_option;

/* ------------------------------------------------------------------------- */
/** @name Model files */

/**
 * A file the plugin loads from the model directory.  Tables end with an
 * entry whose name is NULL.  Layout frozen for ABI major 1.
 */
typedef struct fveval_model_file {
    const char *name;        /**< file name relative to the model directory */
    const char *sha256;      /**< lower-case hex, or NULL: a mismatch refuses to load */
    const char *source;      /**< where the official weights come from */
    const char *recipe;      /**< how to produce the file (e.g. a TorchScript export command) */
    const void *reserved[2]; /**< MUST be NULL */
} fveval_model_file;

/* ------------------------------------------------------------------------- */
/** @name Descriptor */

/** fveval_plugin.flags.  Append-only. */
#define FVEVAL_PLUGIN_SET_METRIC          0x01u /**< accumulate + finalize over the whole set */
#define FVEVAL_PLUGIN_HIGHER_IS_BETTER    0x02u /**< summary direction */
#define FVEVAL_PLUGIN_NEEDS_MODEL         0x04u /**< reads files from the model directory */
#define FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED 0x08u /**< runs on CPU, much faster on a GPU */
/**
 * ABI 1.2: a descriptive metric (colourfulness, motion amount) for which
 * neither higher nor lower is better.  Exclusive with HIGHER_IS_BETTER.
 * Without either flag a metric is "lower is better".
 */
#define FVEVAL_PLUGIN_NO_DIRECTION        0x10u

/** Log levels for fveval_log(). */
typedef enum fveval_log_level {
    FVEVAL_LOG_ERROR = 0,
    FVEVAL_LOG_WARNING = 1,
    FVEVAL_LOG_INFO = 2,
    FVEVAL_LOG_DEBUG = 3
} fveval_log_level;

/**
 * The plugin descriptor.  Return a pointer to a `static const` instance from
 * fveval_plugin_entry(); start it with FVEVAL_PLUGIN_HEADER.
 */
typedef struct fveval_plugin {
    uint32_t abi_version;  /**< frozen at offset 0: FVEVAL_ABI_VERSION at build time */
    uint32_t size;         /**< frozen at offset 4: sizeof(fveval_plugin) at build time */
    const char *name;      /**< path-derived metric name, e.g. "common.psnr" */
    const char *summary;   /**< one line */
    const char *description; /**< longer text for `fveval info`; may be NULL */
    const char *version;   /**< the plugin's own version */
    const char *license;   /**< SPDX identifier */
    uint32_t flags;        /**< FVEVAL_PLUGIN_* */
    uint32_t reserved_flags;
    const fveval_field *fields;       /**< sample fields read; may be NULL */
    const fveval_option *options;     /**< may be NULL */
    const fveval_model_file *models;  /**< may be NULL */
    size_t priv_size;                 /**< bytes the core allocates for fveval_ctx.priv */

    /** Called once after options are applied.  Validate options here. */
    int (*init)(fveval_ctx *ctx);
    /** Load models; called once per instance before its first sample.  May be NULL. */
    int (*setup)(fveval_ctx *ctx);
    /** Per-sample metrics: score one sample into @p res. */
    int (*compute)(fveval_ctx *ctx, const fveval_sample *sample, fveval_result *res);
    /** Set metrics: take in one sample (role "reference" ones too). */
    int (*accumulate)(fveval_ctx *ctx, const fveval_sample *sample);
    /**
     * Corpus result into @p res.  Required for set metrics.  A per-sample
     * metric MAY also provide it (with merge) to report a corpus aggregate
     * beside its per-sample scores.
     */
    int (*finalize)(fveval_ctx *ctx, fveval_result *res);
    /** Forget accumulated state.  May be NULL. */
    void (*reset)(fveval_ctx *ctx);
    /** Fold @p other's accumulated state (same plugin, same options) into @p ctx. */
    int (*merge)(fveval_ctx *ctx, fveval_ctx *other);
    /** Write accumulated state with fveval_state_write(). */
    int (*save_state)(fveval_ctx *ctx, fveval_state *out);
    /** Read state written by save_state (same plugin version) and add it to ctx's. */
    int (*load_state)(fveval_ctx *ctx, fveval_state *in);
    /** Release what init/setup acquired.  May be NULL. */
    void (*uninit)(fveval_ctx *ctx);

    /* ---- ABI 1.1 ---- */
    /**
     * Whether this instance, with its option values, needs the declared
     * model file @p name (e.g. only the selected extractor's weights).
     * Return nonzero if it does.  NULL: every declared file is needed.
     * The core checks only the needed files before a run.
     */
    int (*model_needed)(fveval_ctx *ctx, const char *name);

    /* ---- ABI 1.2: frame access ---- */
    /**
     * How each VIDEO field is read; NULL, or a field without an entry:
     * FVEVAL_FRAMES_CLIP.
     */
    const fveval_frame_access *frame_access;
    /**
     * STREAM fields: called once per decoded frame, in order, before
     * compute (or accumulate) for the same sample.  @p window holds the
     * last min(window, t + 1) frames, oldest first, ending with frame t:
     * frame_index[] gives their indices (a call whose newest index is 0
     * starts a new sample: reset per-sample state there); clip_frames is -1.
     * @p res is the sample's result (NULL for set metrics).  Return 0 for
     * more, 1 when no more frames are needed (compute still runs), or a
     * negative code: compute is not called and the code is this metric's
     * outcome for the sample (-ENOTSUP: skipped).  In compute,
     * fveval_sample_video() of a STREAM field gives the clip's geometry,
     * fps and clip_frames with data NULL and nb_frames 0.  When decoding
     * fails part-way, the frames before the failure have been streamed
     * and compute is not called.  Two STREAM fields are streamed one
     * after the other, not in lockstep.
     */
    int (*frame)(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                 const fveval_video *window, fveval_result *res);
    /**
     * SAMPLED fields: store up to @p max frame indices (in [0, nb_frames),
     * any order, repeats allowed) in @p indices and return how many, or a
     * negative code (the sample is then skipped for this metric).  Called
     * with the clip's decoded frame count; it may be called more than once
     * per sample (the first time with the container's count), so it MUST
     * depend only on its arguments and options.  @p max is the entry's
     * count.
     */
    int (*select_frames)(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                         int nb_frames, double fps, int *indices, int max);
    /* ABI rule: append only below this line, and bump FVEVAL_ABI_MINOR. */
} fveval_plugin;

/** Start every descriptor initializer with this. */
#define FVEVAL_PLUGIN_HEADER .abi_version = FVEVAL_ABI_VERSION, .size = sizeof(fveval_plugin)

/** The one exported symbol. */
typedef const fveval_plugin *(*fveval_plugin_entry_fn)(void);
#define FVEVAL_PLUGIN_ENTRY_SYMBOL "fveval_plugin_entry"

/** Define the entry function returning @p desc (a static const fveval_plugin). */
#define FVEVAL_PLUGIN_DEFINE(desc)                                              \
    FVEVAL_PLUGIN_EXPORT const fveval_plugin *fveval_plugin_entry(void);        \
    FVEVAL_PLUGIN_EXPORT const fveval_plugin *fveval_plugin_entry(void) { return &(desc); }

/* ------------------------------------------------------------------------- */
/** @name Model runtime (ABI 1.1) */

typedef struct fveval_model fveval_model;   /**< opaque: a loaded TorchScript module */
typedef struct fveval_tensor fveval_tensor; /**< opaque: a host float32 tensor */

/** Type of a model call argument.  Append-only. */
typedef enum fveval_arg_type {
    FVEVAL_ARG_NONE = 0,
    FVEVAL_ARG_TENSOR = 1, /**< float32 tensor from shape + data */
    FVEVAL_ARG_BOOL = 2,   /**< i (0 or 1) */
    FVEVAL_ARG_INT = 3,    /**< i */
    FVEVAL_ARG_DOUBLE = 4, /**< d */
    /**
     * ABI 1.3: int64 tensor (e.g. token ids) from shape + data, where data
     * points at prod(shape) int64_t values (build it with
     * FVEVAL_ARG_TENSOR_I64_OF).  A core older than 1.3 refuses the call.
     */
    FVEVAL_ARG_TENSOR_I64 = 5,
    /**
     * ABI 1.4: float32 tensor from shape + data, where data is device memory
     * on CUDA device i (cuda:i), e.g. frames a plugin transformed there
     * (build it with FVEVAL_ARG_TENSOR_CUDA_OF).  It is wrapped, not copied:
     * it MUST stay valid until the call returns.  Refused with a reason when
     * the model runtime has no CUDA (Debian's libtorch is CPU-only) or by a
     * core older than 1.4.
     */
    FVEVAL_ARG_TENSOR_CUDA = 6
} fveval_arg_type;

/**
 * One argument of fveval_model_run(), after the module itself.  Layout
 * frozen for ABI major 1.
 */
typedef struct fveval_arg {
    fveval_arg_type type;
    int ndim;                /**< TENSOR: number of dimensions */
    const int64_t *shape;    /**< TENSOR: ndim sizes */
    const float *data;       /**< TENSOR: prod(shape) floats, row-major (copied) */
    int64_t i;               /**< BOOL, INT */
    double d;                /**< DOUBLE */
    const char *name;        /**< NULL: positional; else a keyword argument */
    const void *reserved[2]; /**< MUST be NULL */
} fveval_arg;

/** A positional tensor argument. */
#define FVEVAL_ARG_TENSOR_OF(nd, shp, dat) \
    ((fveval_arg){.type = FVEVAL_ARG_TENSOR, .ndim = (nd), .shape = (shp), .data = (dat)})
/** A keyword bool argument (@p nm NULL for positional). */
#define FVEVAL_ARG_BOOL_OF(nm, v) ((fveval_arg){.type = FVEVAL_ARG_BOOL, .i = (v), .name = (nm)})
/** A keyword int argument (@p nm NULL for positional). */
#define FVEVAL_ARG_INT_OF(nm, v) ((fveval_arg){.type = FVEVAL_ARG_INT, .i = (v), .name = (nm)})
/** A positional int64 tensor argument (ABI 1.3); @p dat is a const int64_t *. */
#define FVEVAL_ARG_TENSOR_I64_OF(nd, shp, dat)                                              \
    ((fveval_arg){.type = FVEVAL_ARG_TENSOR_I64, .ndim = (nd), .shape = (shp),             \
                  .data = (const float *) (const void *) (dat)})

/** A positional float32 tensor in CUDA device memory on cuda:@p dev (ABI 1.4). */
#define FVEVAL_ARG_TENSOR_CUDA_OF(nd, shp, dat, dev)                                        \
    ((fveval_arg){.type = FVEVAL_ARG_TENSOR_CUDA, .ndim = (nd), .shape = (shp),            \
                  .data = (dat), .i = (dev)})

/**
 * Numeric precision a model runs in (ABI 1.3).  FP16 converts the module's
 * floating-point parameters and buffers to half precision at load, casts
 * float32 tensor arguments to half at each call, and hands results back as
 * float32, as upstream code that calls .half() on a model does.  Half
 * precision is meant for CUDA devices: libtorch's CPU kernels lack half
 * versions of many operators (matmul, convolution), so such a model fails at
 * its first call on the cpu with the operator named.
 */
typedef enum fveval_precision {
    FVEVAL_PRECISION_FP32 = 0,
    FVEVAL_PRECISION_FP16 = 1
} fveval_precision;

/* ------------------------------------------------------------------------- */
/** @name Host services */

/**
 * The core's services.  Reached through ctx->host; plugins call the inline
 * wrappers below, which check `size` for members added after ABI 1.0.
 */
struct fveval_host {
    uint32_t size; /**< frozen: sizeof(fveval_host) of the core */
    uint32_t abi_version;

    void (*log)(fveval_ctx *ctx, int level, const char *fmt, va_list ap);

    /** NULL when the sample lacks the field or it has another type. */
    const fveval_video *(*sample_video)(fveval_ctx *ctx, const fveval_sample *s, const char *field);
    const fveval_audio *(*sample_audio)(fveval_ctx *ctx, const fveval_sample *s, const char *field);
    const char *(*sample_string)(fveval_ctx *ctx, const fveval_sample *s, const char *field);
    /** 0 and *out set when present and numeric, else -ENOENT. */
    int (*sample_number)(fveval_ctx *ctx, const fveval_sample *s, const char *field, double *out);
    /** Serialized JSON of any field (a string field gives a JSON string). */
    const char *(*sample_json)(fveval_ctx *ctx, const fveval_sample *s, const char *field);
    /** "generated" or "reference". */
    const char *(*sample_role)(fveval_ctx *ctx, const fveval_sample *s);
    /** Position in the input order. */
    int64_t (*sample_index)(fveval_ctx *ctx, const fveval_sample *s);
    /**
     * Per-sample scratch shared by every metric of the run that sees this
     * sample (e.g. preparation shared by sibling plugins).  get returns NULL
     * when absent.  put takes ownership of @p data (freed with @p free_fn
     * when the sample is released) and fails with -EEXIST if @p key is set.
     */
    void *(*sample_cache_get)(fveval_ctx *ctx, const fveval_sample *s, const char *key);
    int (*sample_cache_put)(fveval_ctx *ctx, const fveval_sample *s, const char *key, void *data,
                            void (*free_fn)(void *));

    void (*result_score)(fveval_ctx *ctx, fveval_result *r, double score);
    void (*result_skip)(fveval_ctx *ctx, fveval_result *r, const char *fmt, va_list ap);
    void (*result_number)(fveval_ctx *ctx, fveval_result *r, const char *key, double v);
    void (*result_string)(fveval_ctx *ctx, fveval_result *r, const char *key, const char *v);
    void (*result_array)(fveval_ctx *ctx, fveval_result *r, const char *key, const double *v,
                         size_t n);

    /** 0 on success, negative errno on failure. */
    int (*state_write)(fveval_state *st, const void *data, size_t size);
    /** Reads exactly @p size bytes: 0, or negative errno (-EIO on short data). */
    int (*state_read)(fveval_state *st, void *data, size_t size);

    /** Absolute path of a declared model file if present (and its sha256 matches), else NULL. */
    const char *(*model_path)(fveval_ctx *ctx, const char *name);
    /** The run's device string: "cpu", "cuda:0", ... */
    const char *(*device)(fveval_ctx *ctx);

    /* ---- ABI 1.1: the model runtime ---- */
    /**
     * Load the declared model file @p name (a TorchScript archive; sha256
     * checked) onto the run's device.  NULL on failure (fveval_model_error).
     */
    fveval_model *(*model_load)(fveval_ctx *ctx, const char *name);
    /**
     * Call @p method ("forward" when NULL) with @p args, autograd off.  Up
     * to @p max_outs result tensors (a tensor, or a tuple/list of tensors)
     * are stored in @p outs, owned by the caller.  Returns how many tensors
     * the method returned, or a negative errno-style code.
     */
    int (*model_run)(fveval_ctx *ctx, fveval_model *m, const char *method, const fveval_arg *args,
                     size_t n_args, fveval_tensor **outs, size_t max_outs);
    void (*model_free)(fveval_ctx *ctx, fveval_model *m);
    /** Number of dimensions; the first @p max_dims sizes go to @p shape (may be NULL). */
    int (*tensor_shape)(fveval_ctx *ctx, const fveval_tensor *t, int64_t *shape, int max_dims);
    /** Row-major float32 data, valid until tensor_free. */
    const float *(*tensor_data)(fveval_ctx *ctx, const fveval_tensor *t);
    void (*tensor_free)(fveval_ctx *ctx, fveval_tensor *t);
    /** Write a TENSOR arg as a plain tensor file Python's torch.load reads.  0 or negative. */
    int (*tensor_save)(fveval_ctx *ctx, const fveval_arg *t, const char *path);
    /** Read a plain tensor file (torch.save of a tensor, or tensor_save).  NULL on failure. */
    fveval_tensor *(*tensor_load)(fveval_ctx *ctx, const char *path);
    /** Reason of the last failed model service call on @p ctx, or NULL. */
    const char *(*model_error)(fveval_ctx *ctx);

    /* ---- ABI 1.2: error texts and typed details ---- */
    /**
     * Mark @p r as an error of this metric with a message (printf-style).
     * The result is an error whatever the callback returns; the message is
     * logged on stderr with the metric and the sample's file, and written as
     * the result's "error".
     */
    void (*result_error)(fveval_ctx *ctx, fveval_result *r, const char *fmt, va_list ap);
    /** Details of other types: a boolean, an integer, and any JSON value given as text. */
    void (*result_bool)(fveval_ctx *ctx, fveval_result *r, const char *key, int v);
    void (*result_int)(fveval_ctx *ctx, fveval_result *r, const char *key, int64_t v);
    /**
     * @p json: serialized JSON (an object, array, string, number, ...),
     * parsed and copied.  Returns 0, or -EINVAL (nothing stored) when it
     * does not parse.
     */
    int (*result_json)(fveval_ctx *ctx, fveval_result *r, const char *key, const char *json);
    /**
     * From accumulate only: why sample @p s is not taken in (with a return
     * of -ENOTSUP: a skip), or what went wrong (@p is_error, with a negative
     * return: an error).  Shown as this metric's result in the sample's
     * entry of the output.
     */
    void (*accumulate_status)(fveval_ctx *ctx, const fveval_sample *s, int is_error, const char *fmt,
                              va_list ap);

    /* ---- ABI 1.3: model precision (and FVEVAL_ARG_TENSOR_I64 arguments) ---- */
    /**
     * model_load with a precision (an fveval_precision).  NULL on failure
     * (fveval_model_error), e.g. an unknown precision.
     */
    fveval_model *(*model_load_precision)(fveval_ctx *ctx, const char *name, int precision);
    /* ABI rule: append only below this line, and bump FVEVAL_ABI_MINOR. */
};

/**
 * The handle every callback receives.  Allocated by the core, which keeps
 * private members after these.
 */
struct fveval_ctx {
    const fveval_host *host;
    void *priv; /**< priv_size bytes, options filled in */
};

/* Inline wrappers: the plugin-side API. */

static inline void *fveval_priv(fveval_ctx *ctx) { return ctx->priv; }

static inline void fveval_vlog(fveval_ctx *ctx, int level, const char *fmt, va_list ap)
{
    ctx->host->log(ctx, level, fmt, ap);
}

static inline void fveval_log(fveval_ctx *ctx, int level, const char *fmt, ...) FVEVAL_PRINTF(3, 4);
static inline void fveval_log(fveval_ctx *ctx, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctx->host->log(ctx, level, fmt, ap);
    va_end(ap);
}

static inline const fveval_video *fveval_sample_video(fveval_ctx *ctx, const fveval_sample *s,
                                                      const char *field)
{
    return ctx->host->sample_video(ctx, s, field);
}

static inline const fveval_audio *fveval_sample_audio(fveval_ctx *ctx, const fveval_sample *s,
                                                      const char *field)
{
    return ctx->host->sample_audio(ctx, s, field);
}

static inline const char *fveval_sample_string(fveval_ctx *ctx, const fveval_sample *s,
                                               const char *field)
{
    return ctx->host->sample_string(ctx, s, field);
}

static inline int fveval_sample_number(fveval_ctx *ctx, const fveval_sample *s, const char *field,
                                       double *out)
{
    return ctx->host->sample_number(ctx, s, field, out);
}

static inline const char *fveval_sample_json(fveval_ctx *ctx, const fveval_sample *s,
                                             const char *field)
{
    return ctx->host->sample_json(ctx, s, field);
}

static inline const char *fveval_sample_role(fveval_ctx *ctx, const fveval_sample *s)
{
    return ctx->host->sample_role(ctx, s);
}

static inline int64_t fveval_sample_index(fveval_ctx *ctx, const fveval_sample *s)
{
    return ctx->host->sample_index(ctx, s);
}

static inline void *fveval_sample_cache_get(fveval_ctx *ctx, const fveval_sample *s,
                                            const char *key)
{
    return ctx->host->sample_cache_get(ctx, s, key);
}

static inline int fveval_sample_cache_put(fveval_ctx *ctx, const fveval_sample *s, const char *key,
                                          void *data, void (*free_fn)(void *))
{
    return ctx->host->sample_cache_put(ctx, s, key, data, free_fn);
}

static inline void fveval_result_score(fveval_ctx *ctx, fveval_result *r, double score)
{
    ctx->host->result_score(ctx, r, score);
}

static inline void fveval_result_skip(fveval_ctx *ctx, fveval_result *r, const char *fmt, ...)
    FVEVAL_PRINTF(3, 4);
static inline void fveval_result_skip(fveval_ctx *ctx, fveval_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctx->host->result_skip(ctx, r, fmt, ap);
    va_end(ap);
}

static inline void fveval_result_number(fveval_ctx *ctx, fveval_result *r, const char *key,
                                        double v)
{
    ctx->host->result_number(ctx, r, key, v);
}

static inline void fveval_result_string(fveval_ctx *ctx, fveval_result *r, const char *key,
                                        const char *v)
{
    ctx->host->result_string(ctx, r, key, v);
}

static inline void fveval_result_array(fveval_ctx *ctx, fveval_result *r, const char *key,
                                       const double *v, size_t n)
{
    ctx->host->result_array(ctx, r, key, v, n);
}

static inline int fveval_state_write(fveval_ctx *ctx, fveval_state *st, const void *data,
                                     size_t size)
{
    return ctx->host->state_write(st, data, size);
}

static inline int fveval_state_read(fveval_ctx *ctx, fveval_state *st, void *data, size_t size)
{
    return ctx->host->state_read(st, data, size);
}

static inline const char *fveval_model_path(fveval_ctx *ctx, const char *name)
{
    return ctx->host->model_path(ctx, name);
}

static inline const char *fveval_device(fveval_ctx *ctx) { return ctx->host->device(ctx); }

/** Whether the core's host table has @p member (it may be older than the plugin). */
#define FVEVAL_HOST_HAS(host, member) \
    ((host)->size >= offsetof(fveval_host, member) + sizeof((host)->member))

static inline fveval_model *fveval_model_load(fveval_ctx *ctx, const char *name)
{
    return FVEVAL_HOST_HAS(ctx->host, model_error) ? ctx->host->model_load(ctx, name) : NULL;
}

/**
 * Load a model in @p precision (an fveval_precision).  A core older than
 * ABI 1.3 loads FP32 only: other precisions then give NULL.
 */
static inline fveval_model *fveval_model_load_precision(fveval_ctx *ctx, const char *name,
                                                        int precision)
{
    if (FVEVAL_HOST_HAS(ctx->host, model_load_precision))
        return ctx->host->model_load_precision(ctx, name, precision);
    return precision == FVEVAL_PRECISION_FP32 ? fveval_model_load(ctx, name) : NULL;
}

static inline int fveval_model_run(fveval_ctx *ctx, fveval_model *m, const char *method,
                                   const fveval_arg *args, size_t n_args, fveval_tensor **outs,
                                   size_t max_outs)
{
    if (!FVEVAL_HOST_HAS(ctx->host, model_error))
        return -ENOSYS;
    return ctx->host->model_run(ctx, m, method, args, n_args, outs, max_outs);
}

static inline void fveval_model_free(fveval_ctx *ctx, fveval_model *m)
{
    if (m && FVEVAL_HOST_HAS(ctx->host, model_error))
        ctx->host->model_free(ctx, m);
}

static inline int fveval_tensor_shape(fveval_ctx *ctx, const fveval_tensor *t, int64_t *shape,
                                      int max_dims)
{
    return ctx->host->tensor_shape(ctx, t, shape, max_dims);
}

static inline const float *fveval_tensor_data(fveval_ctx *ctx, const fveval_tensor *t)
{
    return ctx->host->tensor_data(ctx, t);
}

static inline void fveval_tensor_free(fveval_ctx *ctx, fveval_tensor *t)
{
    if (t && FVEVAL_HOST_HAS(ctx->host, model_error))
        ctx->host->tensor_free(ctx, t);
}

static inline int fveval_tensor_save(fveval_ctx *ctx, const fveval_arg *t, const char *path)
{
    return FVEVAL_HOST_HAS(ctx->host, model_error) ? ctx->host->tensor_save(ctx, t, path) : -ENOSYS;
}

static inline fveval_tensor *fveval_tensor_load(fveval_ctx *ctx, const char *path)
{
    return FVEVAL_HOST_HAS(ctx->host, model_error) ? ctx->host->tensor_load(ctx, path) : NULL;
}

/** Why the last model service call failed; a fixed text when the core predates ABI 1.1. */
static inline const char *fveval_model_error(fveval_ctx *ctx)
{
    if (!FVEVAL_HOST_HAS(ctx->host, model_error))
        return "the core has no model runtime (plugin ABI < 1.1)";
    const char *e = ctx->host->model_error(ctx);
    return e ? e : "unknown error";
}

/* ABI 1.2 services.  On an older core they do what it can: an error text
 * becomes a skip reason (the negative return still marks the error), and
 * typed details fall back to numbers or strings. */

static inline void fveval_result_error(fveval_ctx *ctx, fveval_result *r, const char *fmt, ...)
    FVEVAL_PRINTF(3, 4);
static inline void fveval_result_error(fveval_ctx *ctx, fveval_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (FVEVAL_HOST_HAS(ctx->host, accumulate_status))
        ctx->host->result_error(ctx, r, fmt, ap);
    else
        ctx->host->result_skip(ctx, r, fmt, ap);
    va_end(ap);
}

static inline void fveval_result_bool(fveval_ctx *ctx, fveval_result *r, const char *key, int v)
{
    if (FVEVAL_HOST_HAS(ctx->host, accumulate_status))
        ctx->host->result_bool(ctx, r, key, v);
    else
        ctx->host->result_number(ctx, r, key, v ? 1.0 : 0.0);
}

static inline void fveval_result_int(fveval_ctx *ctx, fveval_result *r, const char *key, int64_t v)
{
    if (FVEVAL_HOST_HAS(ctx->host, accumulate_status))
        ctx->host->result_int(ctx, r, key, v);
    else
        ctx->host->result_number(ctx, r, key, (double) v);
}

/** 0, -EINVAL when @p json does not parse, -ENOSYS on a core older than ABI 1.2. */
static inline int fveval_result_json(fveval_ctx *ctx, fveval_result *r, const char *key,
                                     const char *json)
{
    if (!FVEVAL_HOST_HAS(ctx->host, accumulate_status))
        return -ENOSYS;
    return ctx->host->result_json(ctx, r, key, json);
}

static inline void fveval_accumulate_vstatus(fveval_ctx *ctx, const fveval_sample *s, int is_error,
                                             const char *fmt, va_list ap)
{
    if (FVEVAL_HOST_HAS(ctx->host, accumulate_status))
        ctx->host->accumulate_status(ctx, s, is_error, fmt, ap);
}

/** From accumulate, before returning -ENOTSUP: why this sample is not taken in. */
static inline void fveval_accumulate_skip(fveval_ctx *ctx, const fveval_sample *s, const char *fmt,
                                          ...) FVEVAL_PRINTF(3, 4);
static inline void fveval_accumulate_skip(fveval_ctx *ctx, const fveval_sample *s, const char *fmt,
                                          ...)
{
    va_list ap;
    va_start(ap, fmt);
    fveval_accumulate_vstatus(ctx, s, 0, fmt, ap);
    va_end(ap);
}

/** From accumulate, before returning a negative code: what went wrong on this sample. */
static inline void fveval_accumulate_error(fveval_ctx *ctx, const fveval_sample *s, const char *fmt,
                                           ...) FVEVAL_PRINTF(3, 4);
static inline void fveval_accumulate_error(fveval_ctx *ctx, const fveval_sample *s, const char *fmt,
                                           ...)
{
    va_list ap;
    va_start(ap, fmt);
    fveval_accumulate_vstatus(ctx, s, 1, fmt, ap);
    va_end(ap);
}

/* ---- ABI 1.2: frame access ---- */
/** Source index of held frame @p k of @p v (see fveval_video.frame_index). */
static inline int fveval_video_frame_index(const fveval_video *v, int k)
{
    return v->frame_index ? v->frame_index[k] : k;
}

/** Pointer to pixel (x, y) of frame t. */
static inline const uint8_t *fveval_video_pixel(const fveval_video *v, int t, int y, int x)
{
    return v->data + (size_t) t * v->frame_stride + (ptrdiff_t) y * v->linesize + (ptrdiff_t) x * 3;
}

#ifdef __cplusplus
}
#endif

#endif /* FVEVAL_PLUGIN_H */
