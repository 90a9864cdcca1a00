/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FFmpeg decoding for the run: video files and image-sequence directories to
 * packed RGB24, audio tracks to interleaved float PCM.
 *
 * Behaviour the rest of fveval relies on:
 *
 *  - Colour conversion is done the way the ffmpeg program does it with
 *    `-sws_flags bicubic+accurate_rnd+full_chroma_int -pix_fmt rgb24`, so
 *    its rawvideo output is a bit-exact oracle for ours:
 *      * SWS_ACCURATE_RND: exact rounding instead of the faster approximate
 *        SIMD paths, so results do not depend on the CPU;
 *      * SWS_FULL_CHR_H_INT: chroma is interpolated to full horizontal
 *        resolution before the matrix is applied, rather than reusing one
 *        chroma sample for two output pixels;
 *      * SWS_BICUBIC: the interpolation filter (it only matters for the
 *        chroma upsampling, the luma size is unchanged).
 *    The YCbCr matrix and range come from each frame's tags, with the
 *    rules of FFmpeg's scale filter: an untagged or unknown matrix is
 *    BT.601, an untagged range keeps swscale's choice (limited, or full for
 *    the yuvj formats).  Output RGB is full range.
 *  - Frame count is what actually decodes; container counts are only a
 *    hint for the first allocation.  fps is the stream's average frame rate
 *    (else its base rate), or the caller's override when > 0.
 *  - A file that stops decoding part-way (a truncated download, a corrupt
 *    packet) keeps the frames that did decode and says what was lost in
 *    slot->damage: the first read or decode error and the number of frames
 *    the decoder marked as damaged (concealed errors, a packet cut short).
 *    It is an error only when no frame decodes at all.  Whether damaged
 *    media is scored is the caller's policy (--on-decode-error).  Packets
 *    that fail to decode are skipped as the ffmpeg program skips them.
 *  - Only regular files and directories are read unless the caller allows
 *    special files: a FIFO or a device can block or never end, and a name
 *    FFmpeg would take for a protocol ("pipe:0", "http://...") is not a
 *    file.  Regular files are opened through the file: protocol, so a ':'
 *    in a name is just a character.
 *  - A deadline (--sample-timeout) bounds a decode: FFmpeg's interrupt
 *    callback stops its I/O loops, a check per packet stops long decodes,
 *    and a wake-up signal (see fvi_media_wake_setup) breaks a blocking
 *    open() or read().  Past it the decode fails with ETIMEDOUT.
 *  - Image directories: every png/jpg/jpeg/bmp/webp file (extension in any
 *    case, dot-files ignored) in strcmp order of names; all images must
 *    have the size of the first one.  An image sequence has no rate of its
 *    own, so fps is the override, or 0 when none is given.
 *  - Audio: the first audio stream, resampled and remixed by libswresample
 *    with its default settings (the same resampler the ffmpeg program
 *    inserts for -ar/-ac), flushed at the end.  Samples are FFmpeg's float
 *    values, not clamped: nominally in [-1, 1], a clipped source decoded by
 *    a float decoder can overshoot slightly.
 *  - Each decode uses a single decoding thread: the run decodes several
 *    samples at once, one per worker, and that is where the parallelism
 *    comes from.
 *  - FFmpeg's own log lines go to the fveval log at debug level; the
 *    one-line error in the slot is what reports a failure.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

#include "fveval-core.h"

/* Decoder threads per decode (see the header comment). */
enum { DECODE_THREADS = 1 };

/* Past this many failed decode calls in a row a stream is taken as undecodable. */
enum { MAX_CONSECUTIVE_ERRORS = 1000 };

static const char *const image_extensions[] = {"png", "jpg", "jpeg", "bmp", "webp"};

/* ---- FFmpeg's log ---------------------------------------------------------- */

static _Thread_local int av_log_print_prefix = 1;

static void forward_av_log(void *avcl, int level, const char *fmt, va_list ap)
{
    if (level > AV_LOG_WARNING || fvi_log_level < FVEVAL_LOG_DEBUG)
        return;
    char line[1024];
    av_log_format_line2(avcl, level, fmt, ap, line, sizeof(line), &av_log_print_prefix);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (n)
        fvi_log(FVEVAL_LOG_DEBUG, "ffmpeg: %s", line);
}

static pthread_once_t forward_av_log_once = PTHREAD_ONCE_INIT;

static void install_av_log(void)
{
    av_log_set_callback(forward_av_log);
}

/* ---- errors ---------------------------------------------------------------- */

/*
 * Set *error to "<message>: <FFmpeg's text for averr>" (or just the message
 * when averr is 0) and return a negative code.
 */
static int fail(char **error, int averr, const char *fmt, ...) FVEVAL_PRINTF(3, 4);
static int fail(char **error, int averr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = fvi_vasprintf(fmt, ap);
    va_end(ap);
    free(*error);
    if (averr < 0) {
        char text[AV_ERROR_MAX_STRING_SIZE];
        av_strerror(averr, text, sizeof(text));
        *error = fvi_asprintf("%s: %s", msg, text);
        free(msg);
    } else {
        *error = msg;
    }
    return averr < 0 ? averr : AVERROR(EINVAL);
}

/* ---- limits: special files and the deadline ---------------------------------- */

/* The signal that breaks a blocking open() or read() when a deadline passes. */
#define WAKE_SIGNAL SIGURG /* ignored by default: a stray one can do no harm */

static void on_wake_signal(int sig)
{
    (void) sig; /* its only job is to make the blocked system call return EINTR */
}

void fvi_media_wake_setup(void)
{
    struct sigaction sa = {.sa_handler = on_wake_signal}; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(WAKE_SIGNAL, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, WAKE_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void fvi_media_wake(pthread_t thread)
{
    pthread_kill(thread, WAKE_SIGNAL);
}

/*
 * Let the wake-up signal in while this thread reads media with a deadline,
 * and only then: outside a decode (in a plugin's compute, say) a late signal
 * stays pending instead of interrupting someone else's system call.
 */
static void wake_signal_unblock(const fvi_media_limits *lim, bool unblock)
{
    if (!lim || lim->deadline <= 0)
        return;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, WAKE_SIGNAL);
    pthread_sigmask(unblock ? SIG_UNBLOCK : SIG_BLOCK, &set, NULL);
}

static double monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec * 1e-9;
}

static bool deadline_passed(const fvi_media_limits *lim)
{
    return lim && lim->deadline > 0 && monotonic_now() >= lim->deadline;
}

/* FFmpeg's interrupt callback: non-zero stops its blocking I/O loops. */
static int interrupt_at_deadline(void *opaque)
{
    return deadline_passed(opaque);
}

static const char *file_type_name(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/*
 * Whether @p path may be read: a regular file or a directory (*is_dir), or
 * anything at all when special files are allowed.  Else fails with the
 * reason in *error.
 */
static int check_input(const char *path, const fvi_media_limits *lim, bool *is_dir, char **error)
{
    struct stat st;
    *is_dir = false;
    if (stat(path, &st) != 0) {
        if (lim && lim->allow_special_files)
            return 0; /* perhaps a URL or protocol FFmpeg knows */
        return fail(error, AVERROR(errno), "cannot open '%s'", path);
    }
    *is_dir = S_ISDIR(st.st_mode);
    if (S_ISREG(st.st_mode) || *is_dir || (lim && lim->allow_special_files))
        return 0;
    return fail(error, 0, "'%s' is %s, not a regular file (--allow-special-files reads it)", path,
                file_type_name(st.st_mode));
}

/*
 * What FFmpeg is asked to open: a regular file through the file: protocol,
 * so that no part of its name is taken for a protocol; anything else (with
 * special files allowed) as given.  Caller frees.
 */
static char *ffmpeg_url(const char *path)
{
    struct stat st;
    if (strchr(path, ':') && stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return fvi_asprintf("file:%s", path);
    return fvi_xstrdup(path);
}

/* Replace a failure's text by the time limit's when the deadline caused it. */
static int timeout_failure(const fvi_media_limits *lim, const char *path, int ret, char **error)
{
    if (ret >= 0 || !deadline_passed(lim))
        return ret;
    fail(error, 0, "'%s': reading it took longer than the time limit (--sample-timeout)", path);
    return AVERROR(ETIMEDOUT);
}

/* ---- one opened stream and its decoder ------------------------------------- */

typedef struct media_input {
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    int stream;
    const char *path;              /* as the caller named it, for messages */
    const fvi_media_limits *limits; /* or NULL */
} media_input;

static void input_close(media_input *in)
{
    avcodec_free_context(&in->dec);
    avformat_close_input(&in->fmt);
    av_packet_free(&in->pkt);
    av_frame_free(&in->frame);
}

/* The first stream of @p type; for video, cover art (attached pictures) does not count. */
static int first_stream(const AVFormatContext *fmt, enum AVMediaType type)
{
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVStream *st = fmt->streams[i];
        if (st->codecpar->codec_type != type)
            continue;
        if (type == AVMEDIA_TYPE_VIDEO && (st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            continue;
        return (int) i;
    }
    return -1;
}

/*
 * Open @p path (with demuxer @p ifmt and @p opts when given), pick its first
 * stream of @p type and open a decoder for it.
 */
static int input_open(media_input *in, const char *path, const fvi_media_limits *limits,
                      const AVInputFormat *ifmt, AVDictionary **opts, enum AVMediaType type,
                      char **error)
{
    memset(in, 0, sizeof(*in));
    in->stream = -1;
    in->path = path;
    in->limits = limits;
    in->fmt = avformat_alloc_context();
    if (!in->fmt)
        return fail(error, AVERROR(ENOMEM), "cannot open '%s'", path);
    in->fmt->interrupt_callback.callback = interrupt_at_deadline;
    in->fmt->interrupt_callback.opaque = (void *) limits;
    char *url = ffmpeg_url(path);
    int ret = avformat_open_input(&in->fmt, url, ifmt, opts); /* frees fmt on failure */
    free(url);
    if (ret < 0)
        return fail(error, ret, "cannot open '%s'", path);
    ret = avformat_find_stream_info(in->fmt, NULL);
    if (ret < 0)
        return fail(error, ret, "cannot read the streams of '%s'", path);
    if (in->fmt->nb_streams == 0) {
        /* Nothing parsed: an unreadable file, not one that merely lacks this kind of stream. */
        return fail(error, AVERROR_INVALIDDATA, "no streams in '%s'", path);
    }
    in->stream = first_stream(in->fmt, type);
    if (in->stream < 0)
    {
        fail(error, 0, "no %s stream in '%s'", av_get_media_type_string(type), path);
        return AVERROR_STREAM_NOT_FOUND;
    }
    for (unsigned i = 0; i < in->fmt->nb_streams; i++)
        if ((int) i != in->stream)
            in->fmt->streams[i]->discard = AVDISCARD_ALL;

    AVStream *st = in->fmt->streams[in->stream];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
        return fail(error, 0, "no decoder for %s codec '%s' in '%s'",
                    av_get_media_type_string(type), avcodec_get_name(st->codecpar->codec_id),
                    path);
    in->dec = avcodec_alloc_context3(codec);
    in->pkt = av_packet_alloc();
    in->frame = av_frame_alloc();
    if (!in->dec || !in->pkt || !in->frame)
        return fail(error, AVERROR(ENOMEM), "cannot decode '%s'", path);
    ret = avcodec_parameters_to_context(in->dec, st->codecpar);
    if (ret < 0)
        return fail(error, ret, "cannot decode '%s'", path);
    in->dec->pkt_timebase = st->time_base;
    in->dec->thread_count = DECODE_THREADS;
    ret = avcodec_open2(in->dec, codec, NULL);
    if (ret < 0)
        return fail(error, ret, "cannot open the %s decoder for '%s'", codec->name, path);
    return 0;
}

/* Receives each decoded frame; a negative return stops decoding (with *error set). */
typedef int (*frame_sink)(void *sink_ctx, const AVFrame *frame, char **error);

typedef struct decode_state {
    media_input *in;
    frame_sink sink;
    void *sink_ctx;
    int64_t frames;        /* delivered to the sink */
    int64_t damaged;       /* of those, frames the decoder marked as damaged */
    int first_error;       /* first decode or read error, 0 if none */
    int consecutive_errors;
} decode_state;

static void note_error(decode_state *ds, int err)
{
    if (!ds->first_error)
        ds->first_error = err;
    ds->consecutive_errors++;
}

/* Hand every frame the decoder has ready to the sink. */
static int drain(decode_state *ds, char **error)
{
    for (;;) {
        int ret = avcodec_receive_frame(ds->in->dec, ds->in->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0) {
            note_error(ds, ret);
            if (ds->consecutive_errors > MAX_CONSECUTIVE_ERRORS)
                return ret;
            continue;
        }
        ds->consecutive_errors = 0;
        /* A concealed error or a packet cut short: decoded, but not what was encoded. */
        if ((ds->in->frame->flags & AV_FRAME_FLAG_CORRUPT) || ds->in->frame->decode_error_flags)
            ds->damaged++;
        ret = ds->sink(ds->sink_ctx, ds->in->frame, error);
        av_frame_unref(ds->in->frame);
        if (ret < 0)
            return ret;
        ds->frames++;
    }
}

/* Send one packet (NULL: end of stream) and drain what it produced. */
static int feed(decode_state *ds, const AVPacket *pkt, char **error)
{
    for (int attempt = 0;; attempt++) {
        int ret = avcodec_send_packet(ds->in->dec, pkt);
        if (ret == AVERROR(EAGAIN) && attempt == 0) {
            /* The decoder wants its output read first; then it takes the packet. */
            if ((ret = drain(ds, error)) < 0)
                return ret;
            continue;
        }
        if (ret < 0 && ret != AVERROR_EOF) {
            note_error(ds, ret);
            if (ds->consecutive_errors > MAX_CONSECUTIVE_ERRORS)
                return ret;
        }
        return drain(ds, error);
    }
}

/* What a decode met on the way that did not stop it. */
typedef struct decode_damage {
    int first_error;  /* first read or decode error, 0 if none */
    int64_t damaged;  /* frames the decoder marked as damaged */
} decode_damage;

/*
 * Decode the chosen stream to its end.  Returns the number of frames the sink
 * took, or a negative code when the sink refused a frame, the stream kept
 * failing or the deadline passed (*error set unless the sink set it).
 * *damage gets what was lost on the way.
 */
static int64_t decode_all(media_input *in, frame_sink sink, void *sink_ctx, decode_damage *damage,
                          char **error)
{
    decode_state ds = {.in = in, .sink = sink, .sink_ctx = sink_ctx};
    int ret = 0;
    for (;;) {
        if (deadline_passed(in->limits)) {
            ret = AVERROR_EXIT;
            break;
        }
        ret = av_read_frame(in->fmt, in->pkt);
        if (ret < 0) {
            /* A read error (say, a truncated file) ends the stream like EOF. */
            if (ret != AVERROR_EOF)
                note_error(&ds, ret);
            ret = 0;
            break;
        }
        if (in->pkt->stream_index == in->stream)
            ret = feed(&ds, in->pkt, error);
        av_packet_unref(in->pkt);
        if (ret < 0)
            break;
    }
    if (ret >= 0)
        ret = feed(&ds, NULL, error);
    damage->first_error = ds.first_error;
    damage->damaged = ds.damaged;
    if (ret < 0) {
        if (!*error)
            fail(error, ret, "cannot decode '%s'", in->path);
        return ret;
    }
    return ds.frames;
}

/*
 * Set *text to what a decode that went through lost, or leave it NULL when
 * nothing was: "'a.mp4': data lost (Invalid data found when processing
 * input), 1 of 18 frames damaged".
 */
static void describe_damage(char **text, const char *path, const decode_damage *d, int64_t frames,
                            const char *unit)
{
    if (!d->first_error && !d->damaged)
        return;
    char err[AV_ERROR_MAX_STRING_SIZE] = "";
    if (d->first_error)
        av_strerror(d->first_error, err, sizeof(err));
    char *lost = d->first_error ? fvi_asprintf("data lost (%s)", err) : fvi_xstrdup("");
    char *marked = d->damaged ? fvi_asprintf("%" PRId64 " of %" PRId64 " %s damaged", d->damaged,
                                             frames, unit)
                              : fvi_asprintf("%" PRId64 " %s decoded", frames, unit);
    char *msg = fvi_asprintf("'%s': %s%s%s", path, lost, *lost ? ", " : "", marked);
    free(lost);
    free(marked);
    if (*text) { /* an image sequence: keep the first file's account */
        free(msg);
        return;
    }
    *text = msg;
}

/* ---- video: frames to packed RGB24 ----------------------------------------- */

typedef struct rgb_frames {
    const char *source;  /* the file being decoded, for messages */
    bool image_sequence; /* a directory: frames come from many files */
    int width, height;   /* fixed by the first frame */
    size_t frame_stride;
    uint8_t *data;
    size_t cap_frames;
    size_t hint_frames;  /* the container's frame count, for the first allocation */
    int nb_frames;
    size_t max_bytes;    /* the buffer may not grow past this (0: no limit) */
    /* Frame by frame instead of one buffer: see fvi_frame_sink.  NULL: keep every frame. */
    const fvi_frame_sink *sink;
    /* The converter and what it was made for. */
    struct SwsContext *sws;
    int sws_width, sws_height, sws_format;
    enum AVColorSpace sws_colorspace;
    enum AVColorRange sws_range;
} rgb_frames;

static const int sws_quality_flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT;

/*
 * Tell swscale the frame's YCbCr matrix and range exactly as FFmpeg's scale
 * filter does (vf_scale with its default in_color_matrix=auto): matrices
 * outside BT.601/709/FCC/SMPTE-240M/BT.2020 fall back to BT.601, and a
 * range is changed only when the frame is tagged.
 */
static void apply_colorspace(struct SwsContext *sws, const AVFrame *f)
{
    int *inv_table, *table, src_full, dst_full, brightness, contrast, saturation;
    if (sws_getColorspaceDetails(sws, &inv_table, &src_full, &table, &dst_full, &brightness,
                                 &contrast, &saturation) < 0)
        return;
    int cs = f->colorspace;
    if (cs < AVCOL_SPC_BT709 || cs > AVCOL_SPC_BT2020_CL || cs == AVCOL_SPC_YCGCO)
        cs = AVCOL_SPC_BT470BG;
    const int *coefficients = sws_getCoefficients(cs);
    if (f->color_range != AVCOL_RANGE_UNSPECIFIED)
        src_full = f->color_range == AVCOL_RANGE_JPEG;
    /* Fails harmlessly (and is ignored, as by the filter) for RGB input. */
    sws_setColorspaceDetails(sws, coefficients, src_full, coefficients, dst_full, brightness,
                             contrast, saturation);
}

static int rgb_frames_reserve(rgb_frames *rf, size_t frames, char **error)
{
    if (frames <= rf->cap_frames)
        return 0;
    size_t cap = rf->cap_frames ? rf->cap_frames : rf->hint_frames ? rf->hint_frames : 16;
    while (cap < frames)
        cap *= 2;
    if (cap > (SIZE_MAX - 64) / rf->frame_stride)
        return fail(error, AVERROR(ENOMEM), "'%s': too many %dx%d frames", rf->source,
                    rf->width, rf->height);
    if (rf->max_bytes && frames * rf->frame_stride > rf->max_bytes)
        return fail(error, 0, "'%s': %zu frames of %dx%d RGB need %s, over the memory budget (%s)",
                    rf->source, frames, rf->width, rf->height,
                    fvi_format_bytes((uint64_t) frames * rf->frame_stride).s,
                    fvi_format_bytes(rf->max_bytes).s);
    if (rf->max_bytes && cap * rf->frame_stride > rf->max_bytes)
        cap = rf->max_bytes / rf->frame_stride; /* the doubling stops at the budget */
    /*
     * A plain realloc, not fvi_xrealloc: one oversized video should fail its
     * sample, not end the run.  The 64 spare bytes keep any converter that
     * writes whole SIMD blocks past the last pixel inside the allocation.
     */
    uint8_t *p = realloc(rf->data, cap * rf->frame_stride + 64);
    if (!p)
        return fail(error, AVERROR(ENOMEM), "'%s': no memory for %zu frames of %dx%d",
                    rf->source, cap, rf->width, rf->height);
    rf->data = p;
    rf->cap_frames = cap;
    return 0;
}

static int rgb_frames_add(void *ctx, const AVFrame *f, char **error)
{
    rgb_frames *rf = ctx;
    if (rf->width == 0) {
        int ret = av_image_check_size((unsigned) f->width, (unsigned) f->height, 0, NULL);
        if (ret < 0)
            return fail(error, ret, "'%s': bad frame size %dx%d", rf->source, f->width,
                        f->height);
        rf->width = f->width;
        rf->height = f->height;
        rf->frame_stride = (size_t) 3 * (size_t) f->width * (size_t) f->height;
    } else if (f->width != rf->width || f->height != rf->height) {
        if (rf->image_sequence)
            return fail(error, 0, "image '%s' is %dx%d, the images before it %dx%d", rf->source,
                        f->width, f->height, rf->width, rf->height);
        return fail(error, 0, "'%s': frame size changes from %dx%d to %dx%d at frame %d",
                    rf->source, rf->width, rf->height, f->width, f->height, rf->nb_frames);
    }
    if (rf->nb_frames == INT_MAX)
        return fail(error, 0, "'%s': more than %d frames", rf->source, INT_MAX);
    uint8_t *out;
    int ret;
    if (rf->sink) {
        /* Only the frames someone reads are converted; the others are just counted. */
        out = rf->sink->target(rf->sink->ctx, rf->nb_frames, rf->width, rf->height);
        if (!out) {
            rf->nb_frames++;
            return 0;
        }
    } else {
        if ((ret = rgb_frames_reserve(rf, (size_t) rf->nb_frames + 1, error)) < 0)
            return ret;
        out = rf->data + (size_t) rf->nb_frames * rf->frame_stride;
    }

    if (!rf->sws || f->format != rf->sws_format || f->width != rf->sws_width ||
        f->height != rf->sws_height) {
        sws_freeContext(rf->sws);
        rf->sws = sws_getContext(f->width, f->height, f->format, rf->width, rf->height,
                                 AV_PIX_FMT_RGB24, sws_quality_flags, NULL, NULL, NULL);
        if (!rf->sws) {
            const char *name = av_get_pix_fmt_name(f->format);
            return fail(error, 0, "'%s': cannot convert pixel format %s to RGB", rf->source,
                        name ? name : "(unknown)");
        }
        rf->sws_format = f->format;
        rf->sws_width = f->width;
        rf->sws_height = f->height;
        apply_colorspace(rf->sws, f);
        rf->sws_colorspace = f->colorspace;
        rf->sws_range = f->color_range;
    } else if (f->colorspace != rf->sws_colorspace || f->color_range != rf->sws_range) {
        apply_colorspace(rf->sws, f);
        rf->sws_colorspace = f->colorspace;
        rf->sws_range = f->color_range;
    }

    uint8_t *dst[4] = {out};
    int dst_linesize[4] = {3 * rf->width};
    int rows = sws_scale(rf->sws, (const uint8_t *const *) f->data, f->linesize, 0, f->height,
                         dst, dst_linesize);
    if (rows != rf->height)
        return fail(error, rows < 0 ? rows : 0, "'%s': colour conversion failed at frame %d",
                    rf->source, rf->nb_frames);
    if (rf->sink && (ret = rf->sink->converted(rf->sink->ctx, rf->nb_frames, error)) < 0)
        return ret;
    rf->nb_frames++;
    return 0;
}

/* Decode every frame of one file into @p rf; what was lost goes to *damage_text. */
static int decode_video_file(rgb_frames *rf, const char *path, const fvi_media_limits *limits,
                             const AVInputFormat *ifmt, AVDictionary **opts, double *fps,
                             char **damage_text, char **error)
{
    media_input in;
    int ret = input_open(&in, path, limits, ifmt, opts, AVMEDIA_TYPE_VIDEO, error);
    if (ret < 0) {
        input_close(&in);
        return ret;
    }
    const AVStream *st = in.fmt->streams[in.stream];
    if (fps) {
        AVRational rate = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0
                              ? st->avg_frame_rate
                              : st->r_frame_rate;
        *fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
    }
    /* The container's count is a hint for the first allocation, nothing more. */
    if (rf->nb_frames == 0 && st->nb_frames > 0 && st->nb_frames < 100000)
        rf->hint_frames = (size_t) st->nb_frames;

    rf->source = path;
    decode_damage damage = {0};
    int frames_before = rf->nb_frames;
    int64_t got = decode_all(&in, rgb_frames_add, rf, &damage, error);
    input_close(&in);
    if (got < 0)
        return (int) got;
    if (rf->nb_frames == frames_before)
        return fail(error, damage.first_error, "no frame decodes in '%s'", path);
    describe_damage(damage_text, path, &damage, got, "frames");
    return 0;
}

/* ---- image directories ----------------------------------------------------- */

static bool has_image_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return false;
    for (size_t i = 0; i < sizeof(image_extensions) / sizeof(image_extensions[0]); i++)
        if (strcasecmp(dot + 1, image_extensions[i]) == 0)
            return true;
    return false;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The image files of directory @p dir as full paths, name-sorted.  Returns
 * -errno when the directory cannot be read.
 */
static int list_images(const char *dir, fvi_strv *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !has_image_extension(e->d_name))
            continue;
        char *full = fvi_asprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
            fvi_strv_push_owned(out, full);
        else
            free(full);
    }
    closedir(d);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof(*out->v), compare_names);
    return 0;
}

bool fvi_media_is_image_dir(const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    fvi_strv images = {0};
    bool found = list_images(path, &images) == 0 && images.n > 0;
    fvi_strv_free(&images);
    return found;
}

static int decode_image_dir(rgb_frames *rf, const char *dir, const fvi_media_limits *limits,
                            char **damage_text, char **error)
{
    fvi_strv images = {0};
    int ret = list_images(dir, &images);
    if (ret < 0) {
        fvi_strv_free(&images);
        return fail(error, AVERROR(-ret), "cannot open '%s'", dir);
    }
    if (images.n == 0) {
        fvi_strv_free(&images);
        return fail(error, 0, "'%s' is a directory without png/jpg/jpeg/bmp/webp images", dir);
    }
    /*
     * image2 with pattern_type=none reads each name literally (no %d or glob
     * expansion) and still probes the content for the codec.
     */
    const AVInputFormat *image2 = av_find_input_format("image2");
    rf->image_sequence = true;
    for (size_t i = 0; i < images.n && ret >= 0; i++) {
        AVDictionary *opts = NULL;
        av_dict_set(&opts, "pattern_type", "none", 0);
        ret = decode_video_file(rf, images.v[i], limits, image2, &opts, NULL, damage_text, error);
        av_dict_free(&opts);
    }
    fvi_strv_free(&images);
    return ret;
}

/* ---- public: video ----------------------------------------------------------- */

/*
 * Decode @p path into @p rf (which holds the sink or the budget), filling
 * slot->video's geometry, frame count and fps; slot->video.data stays NULL.
 */
static int decode_video_into(rgb_frames *rf, const char *path, double fps_override,
                             fvi_video_slot *slot)
{
    pthread_once(&forward_av_log_once, install_av_log);
    free(slot->buffer);
    free(slot->error);
    free(slot->damage);
    slot->buffer = NULL;
    slot->error = NULL;
    slot->damage = NULL;
    memset(&slot->video, 0, sizeof(slot->video));
    slot->video.path = path;

    const fvi_media_limits *lim = slot->limits;
    bool is_dir;
    int ret = check_input(path, lim, &is_dir, &slot->error);
    if (ret < 0)
        return ret;
    double fps = 0.0;
    wake_signal_unblock(lim, true);
    if (is_dir)
        ret = decode_image_dir(rf, path, lim, &slot->damage, &slot->error);
    else
        ret = decode_video_file(rf, path, lim, NULL, NULL, &fps, &slot->damage, &slot->error);
    wake_signal_unblock(lim, false);
    sws_freeContext(rf->sws);
    rf->sws = NULL;
    if (ret >= 0 && deadline_passed(lim))
        ret = AVERROR_EXIT; /* interrupted: what decoded is not the whole file */
    ret = timeout_failure(lim, path, ret, &slot->error);
    if (ret < 0) {
        free(slot->damage);
        slot->damage = NULL;
        if (!slot->error)
            fail(&slot->error, ret, "cannot decode '%s'", path);
        return ret;
    }
    slot->video.width = rf->width;
    slot->video.height = rf->height;
    slot->video.nb_frames = rf->nb_frames;
    slot->video.clip_frames = rf->nb_frames;
    slot->video.linesize = (ptrdiff_t) 3 * rf->width;
    slot->video.frame_stride = rf->frame_stride;
    slot->video.fps = fps_override > 0 ? fps_override : fps;
    return 0;
}

int fvi_media_decode_frames(const char *path, double fps_override, const fvi_frame_sink *sink,
                            fvi_video_slot *slot)
{
    rgb_frames rf = {.sink = sink};
    return decode_video_into(&rf, path, fps_override, slot);
}

int fvi_media_decode_video(const char *path, double fps_override, fvi_video_slot *slot)
{
    return fvi_media_decode_video_capped(path, fps_override, 0, slot);
}

int fvi_media_decode_video_capped(const char *path, double fps_override, size_t max_bytes,
                                  fvi_video_slot *slot)
{
    rgb_frames rf = {.max_bytes = max_bytes};
    int ret = decode_video_into(&rf, path, fps_override, slot);
    if (ret < 0) {
        free(rf.data);
        return ret;
    }
    /* Give back what the doubling reserved beyond the last frame. */
    size_t used = (size_t) rf.nb_frames * rf.frame_stride + 64;
    uint8_t *shrunk = realloc(rf.data, used);
    slot->buffer = shrunk ? shrunk : rf.data;
    slot->video.data = slot->buffer;
    return 0;
}

/* ---- audio: to interleaved float ------------------------------------------ */

typedef struct pcm_frames {
    const char *source;
    int want_rate, want_channels;
    /* The output format, fixed by the first frame. */
    int rate;
    AVChannelLayout layout;
    /* The resampler and the input it was made for. */
    SwrContext *swr;
    AVChannelLayout in_layout;
    int in_rate;
    int in_format;
    float *data;
    int64_t nb_samples, cap_samples;
} pcm_frames;

static int pcm_reserve(pcm_frames *pf, int64_t more, char **error)
{
    if (more <= 0 || pf->nb_samples + more <= pf->cap_samples)
        return 0;
    int64_t cap = pf->cap_samples ? pf->cap_samples : 16384;
    while (cap < pf->nb_samples + more)
        cap *= 2;
    size_t bytes_per_sample = sizeof(float) * (size_t) pf->layout.nb_channels;
    if ((uint64_t) cap > SIZE_MAX / bytes_per_sample)
        return fail(error, AVERROR(ENOMEM), "'%s': too much audio", pf->source);
    float *p = realloc(pf->data, (size_t) cap * bytes_per_sample);
    if (!p)
        return fail(error, AVERROR(ENOMEM), "'%s': no memory for %" PRId64 " audio samples",
                    pf->source, cap);
    pf->data = p;
    pf->cap_samples = cap;
    return 0;
}

/* Run the resampler on @p in (NULL: flush it) and append its output. */
static int pcm_convert(pcm_frames *pf, const AVFrame *in, char **error)
{
    for (;;) {
        int in_samples = in ? in->nb_samples : 0;
        int room = swr_get_out_samples(pf->swr, in_samples);
        if (room < 0)
            return fail(error, room, "'%s': resampling failed", pf->source);
        /* At least one sample, so the output pointer below is never NULL. */
        int ret = pcm_reserve(pf, room > 0 ? room : 1, error);
        if (ret < 0)
            return ret;
        uint8_t *out = (uint8_t *) (pf->data + pf->nb_samples * pf->layout.nb_channels);
        int got = swr_convert(pf->swr, &out, room, in ? (const uint8_t **) in->extended_data : NULL,
                              in_samples);
        if (got < 0)
            return fail(error, got, "'%s': resampling failed", pf->source);
        pf->nb_samples += got;
        /* Input is consumed in one call; a flush repeats until nothing is left. */
        if (in || got == 0)
            return 0;
    }
}

/* A frame's layout, with a channel order made up when the source gave none. */
static void frame_layout(const AVFrame *f, AVChannelLayout *layout)
{
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || f->ch_layout.nb_channels <= 0 ||
        av_channel_layout_copy(layout, &f->ch_layout) < 0)
        av_channel_layout_default(layout, f->ch_layout.nb_channels);
}

static int pcm_frames_add(void *ctx, const AVFrame *f, char **error)
{
    pcm_frames *pf = ctx;
    if (f->nb_samples <= 0)
        return 0;
    if (f->ch_layout.nb_channels <= 0 || f->sample_rate <= 0)
        return fail(error, 0, "'%s': audio frame without channels or rate", pf->source);
    AVChannelLayout in_layout = {0};
    frame_layout(f, &in_layout);

    if (pf->rate == 0) {
        pf->rate = pf->want_rate > 0 ? pf->want_rate : f->sample_rate;
        if (pf->want_channels > 0)
            av_channel_layout_default(&pf->layout, pf->want_channels);
        else
            av_channel_layout_copy(&pf->layout, &in_layout);
    }
    int ret = 0;
    if (!pf->swr || f->sample_rate != pf->in_rate || f->format != pf->in_format ||
        av_channel_layout_compare(&in_layout, &pf->in_layout) != 0) {
        /* The input changed mid-stream: finish the old resampler first. */
        if (pf->swr && (ret = pcm_convert(pf, NULL, error)) < 0)
            goto out;
        swr_free(&pf->swr);
        ret = swr_alloc_set_opts2(&pf->swr, &pf->layout, AV_SAMPLE_FMT_FLT, pf->rate, &in_layout,
                                  f->format, f->sample_rate, 0, NULL);
        if (ret >= 0)
            ret = swr_init(pf->swr);
        if (ret < 0) {
            fail(error, ret, "'%s': cannot convert %d Hz %d-channel audio to %d Hz %d channels",
                 pf->source, f->sample_rate, in_layout.nb_channels, pf->rate,
                 pf->layout.nb_channels);
            goto out;
        }
        av_channel_layout_uninit(&pf->in_layout);
        av_channel_layout_copy(&pf->in_layout, &in_layout);
        pf->in_rate = f->sample_rate;
        pf->in_format = f->format;
    }
    ret = pcm_convert(pf, f, error);
out:
    av_channel_layout_uninit(&in_layout);
    return ret;
}

int fvi_media_decode_audio(const char *path, int rate, int channels, fvi_audio_slot *slot)
{
    pthread_once(&forward_av_log_once, install_av_log);
    free(slot->buffer);
    free(slot->error);
    free(slot->damage);
    slot->buffer = NULL;
    slot->error = NULL;
    slot->damage = NULL;
    slot->want_rate = rate;
    slot->want_channels = channels;
    memset(&slot->audio, 0, sizeof(slot->audio));
    slot->audio.path = path;

    if (rate < 0 || channels < 0 || channels > 64)
        return fail(&slot->error, 0, "'%s': cannot give audio at %d Hz with %d channels", path,
                    rate, channels);
    const fvi_media_limits *lim = slot->limits;
    bool is_dir;
    int ret = check_input(path, lim, &is_dir, &slot->error);
    if (ret < 0)
        return ret;
    if (is_dir)
        return fail(&slot->error, 0, "no audio stream in '%s' (a directory)", path);

    media_input in;
    wake_signal_unblock(lim, true);
    ret = input_open(&in, path, lim, NULL, NULL, AVMEDIA_TYPE_AUDIO, &slot->error);
    pcm_frames pf = {.source = path, .want_rate = rate, .want_channels = channels};
    decode_damage damage = {0};
    int64_t packets = 0;
    if (ret >= 0) {
        int64_t got = decode_all(&in, pcm_frames_add, &pf, &damage, &slot->error);
        ret = got < 0 ? (int) got : 0;
        packets = got;
        if (ret >= 0 && pf.swr)
            ret = pcm_convert(&pf, NULL, &slot->error);
        if (ret >= 0 && pf.nb_samples == 0)
            ret = fail(&slot->error, damage.first_error, "no audio decodes in '%s'", path);
    }
    wake_signal_unblock(lim, false);
    input_close(&in);
    if (ret >= 0 && deadline_passed(lim))
        ret = AVERROR_EXIT;
    ret = timeout_failure(lim, path, ret, &slot->error);
    swr_free(&pf.swr);
    av_channel_layout_uninit(&pf.in_layout);
    if (ret < 0) {
        free(pf.data);
        av_channel_layout_uninit(&pf.layout);
        return ret;
    }
    describe_damage(&slot->damage, path, &damage, packets, "audio frames");
    float *shrunk = realloc(pf.data, (size_t) pf.nb_samples * sizeof(float) *
                                         (size_t) pf.layout.nb_channels);
    slot->buffer = shrunk ? shrunk : pf.data;
    slot->audio.data = slot->buffer;
    slot->audio.nb_samples = pf.nb_samples;
    slot->audio.rate = pf.rate;
    slot->audio.channels = pf.layout.nb_channels;
    av_channel_layout_uninit(&pf.layout);
    return 0;
}

/* ---- probing: what a decode would hold ------------------------------------- */

/* Geometry and frame count of the first video stream of one file, without decoding it. */
static int probe_file(const char *path, const AVInputFormat *ifmt, AVDictionary **opts,
                      fvi_video_probe *out)
{
    AVFormatContext *fmt = NULL;
    int ret = avformat_open_input(&fmt, path, ifmt, opts);
    if (ret >= 0)
        ret = avformat_find_stream_info(fmt, NULL);
    int idx = ret >= 0 ? first_stream(fmt, AVMEDIA_TYPE_VIDEO) : -1;
    if (idx >= 0) {
        const AVStream *st = fmt->streams[idx];
        out->width = st->codecpar->width;
        out->height = st->codecpar->height;
        AVRational rate = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0
                              ? st->avg_frame_rate
                              : st->r_frame_rate;
        out->fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
        if (st->nb_frames > 0)
            out->frames = st->nb_frames;
        else if (st->duration > 0 && out->fps > 0)
            out->frames = (int64_t) (av_q2d(st->time_base) * (double) st->duration * out->fps + 0.5);
        else if (fmt->duration > 0 && out->fps > 0)
            out->frames = (int64_t) ((double) fmt->duration / AV_TIME_BASE * out->fps + 0.5);
    }
    avformat_close_input(&fmt);
    return idx >= 0 && out->width > 0 && out->height > 0 ? 0 : AVERROR_INVALIDDATA;
}

int fvi_media_probe_video(const char *path, fvi_video_probe *out)
{
    pthread_once(&forward_av_log_once, install_av_log);
    memset(out, 0, sizeof(*out));
    out->frames = -1;
    struct stat st;
    if (stat(path, &st) != 0)
        return AVERROR(errno);
    if (!S_ISDIR(st.st_mode)) {
        if (!S_ISREG(st.st_mode))
            return AVERROR(EINVAL); /* a FIFO or a device: opening it just to look could block */
        char *url = ffmpeg_url(path);
        int r = probe_file(url, NULL, NULL, out);
        free(url);
        return r;
    }
    /* An image sequence: one frame per image, all the size of the first. */
    fvi_strv images = {0};
    int ret = list_images(path, &images);
    if (ret == 0 && images.n > 0) {
        AVDictionary *opts = NULL;
        av_dict_set(&opts, "pattern_type", "none", 0);
        ret = probe_file(images.v[0], av_find_input_format("image2"), &opts, out);
        av_dict_free(&opts);
        out->frames = (int64_t) images.n;
        out->fps = 0;
    } else if (ret == 0) {
        ret = AVERROR_INVALIDDATA;
    }
    fvi_strv_free(&images);
    return ret;
}
