/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lossy mask round trip of upstream roundtrip_mask_frames():
 * cv2.VideoWriter(tmp.mp4, fourcc "mp4v", fps, (W, H), isColor=False) then
 * cv2.VideoCapture.  OpenCV 4.6's FFmpeg backend truncates odd sizes to even,
 * converts GRAY8 -> YUV420P with swscale SWS_BICUBIC, and configures the
 * MPEG-4 Part 2 encoder with qmin 3, gop 12, time base 1/fps, a global
 * header (MP4) and bit_rate = bit_rate_tolerance = 2 * fps * W * H (its
 * bitrate_scale 1, "+ bitrate / 2" applied twice).  Reading back decodes and
 * converts YUV420P -> BGR24 with SWS_BICUBIC.  Going through memory instead
 * of an .mp4 file changes nothing in the bitstream the decoder sees.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libavutil/mem.h>
#include <libswscale/swscale.h>

#include "prep.h"

struct piq_roundtrip {
    int w, h, ew, eh;
    AVCodecContext *enc;
    struct SwsContext *to_yuv;
    AVFrame *frame;
    AVPacket *pkt;
    AVPacket **packets;
    size_t n_packets, cap_packets;
    int64_t pts;
};

static void set_err(char *err, size_t errlen, const char *what, int averr)
{
    char buf[AV_ERROR_MAX_STRING_SIZE] = "";
    if (averr)
        av_strerror(averr, buf, sizeof(buf));
    snprintf(err, errlen, "mask round trip: %s%s%s", what, averr ? ": " : "", buf);
}

void piq_roundtrip_free(piq_roundtrip *rt)
{
    if (!rt)
        return;
    avcodec_free_context(&rt->enc);
    sws_freeContext(rt->to_yuv);
    av_frame_free(&rt->frame);
    av_packet_free(&rt->pkt);
    for (size_t i = 0; i < rt->n_packets; i++)
        av_packet_free(&rt->packets[i]);
    free(rt->packets);
    free(rt);
}

piq_roundtrip *piq_roundtrip_open(int w, int h, int fps, char *err, size_t errlen)
{
    int ew = w & -2, eh = h & -2;
    if (ew <= 0 || eh <= 0) {
        snprintf(err, errlen, "mask round trip needs frames of at least 2x2 pixels (got %dx%d)", w, h);
        return NULL;
    }
    /*
     * The encoder's limits, checked here because avcodec_open2 reports them
     * only as EINVAL (the reason goes to FFmpeg's log).  OpenCV's VideoWriter
     * fails on the same sizes, so upstream cannot round-trip them either.
     */
    if (ew > PIQ_MPEG4_MAX_SIDE || eh > PIQ_MPEG4_MAX_SIDE) {
        snprintf(err, errlen,
                 "mask round trip: MPEG-4 Part 2 codes at most %d pixels a side, the frames are %dx%d "
                 "(set roundtrip_generated_masks=false or give video_mask)",
                 PIQ_MPEG4_MAX_SIDE, w, h);
        return NULL;
    }
    if (fps < 1 || fps > PIQ_MPEG4_MAX_FPS) {
        snprintf(err, errlen, "mask round trip: MPEG-4 Part 2 time base allows 1 to %d fps, not %d",
                 PIQ_MPEG4_MAX_FPS, fps);
        return NULL;
    }
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    if (!codec) {
        set_err(err, errlen, "FFmpeg has no MPEG-4 Part 2 encoder", 0);
        return NULL;
    }
    piq_roundtrip *rt = calloc(1, sizeof(*rt));
    if (!rt)
        return NULL;
    rt->w = w, rt->h = h, rt->ew = ew, rt->eh = eh;
    rt->enc = avcodec_alloc_context3(codec);
    rt->frame = av_frame_alloc();
    rt->pkt = av_packet_alloc();
    if (!rt->enc || !rt->frame || !rt->pkt) {
        set_err(err, errlen, "out of memory", 0);
        piq_roundtrip_free(rt);
        return NULL;
    }
    double bitrate = (double) fps * ew * eh;
    if (bitrate > (double) INT_MAX / 2)
        bitrate = (double) INT_MAX / 2;
    int ibitrate = (int) (bitrate + 0.5);
    int64_t lbit = (int64_t) ibitrate + ibitrate / 2;
    if (lbit > INT_MAX)
        lbit = INT_MAX;
    AVCodecContext *c = rt->enc;
    c->codec_id = AV_CODEC_ID_MPEG4;
    c->codec_type = AVMEDIA_TYPE_VIDEO;
    c->codec_tag = MKTAG('m', 'p', '4', 'v');
    c->bit_rate = lbit;
    c->qmin = 3;
    c->width = ew;
    c->height = eh;
    c->time_base = (AVRational){1, fps};
    c->gop_size = 12;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    lbit = c->bit_rate + (int64_t) (bitrate / 2);
    if (lbit > INT_MAX)
        lbit = INT_MAX;
    c->bit_rate_tolerance = (int) lbit;
    c->bit_rate = (int) lbit;
    int r = avcodec_open2(c, codec, NULL);
    if (r < 0) {
        set_err(err, errlen, "cannot open the MPEG-4 encoder", r);
        piq_roundtrip_free(rt);
        return NULL;
    }
    rt->to_yuv = sws_getContext(ew, eh, AV_PIX_FMT_GRAY8, ew, eh, AV_PIX_FMT_YUV420P, SWS_BICUBIC,
                                NULL, NULL, NULL);
    rt->frame->format = AV_PIX_FMT_YUV420P;
    rt->frame->width = ew;
    rt->frame->height = eh;
    if (!rt->to_yuv || av_frame_get_buffer(rt->frame, 0) < 0) {
        set_err(err, errlen, "cannot set up the GRAY8 to YUV420P conversion", 0);
        piq_roundtrip_free(rt);
        return NULL;
    }
    return rt;
}

static int drain(piq_roundtrip *rt, char *err, size_t errlen)
{
    for (;;) {
        int r = avcodec_receive_packet(rt->enc, rt->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0) {
            set_err(err, errlen, "encoding failed", r);
            return r;
        }
        if (rt->n_packets == rt->cap_packets) {
            size_t cap = rt->cap_packets ? 2 * rt->cap_packets : 64;
            AVPacket **p = realloc(rt->packets, cap * sizeof(*p));
            if (!p)
                return AVERROR(ENOMEM);
            rt->packets = p, rt->cap_packets = cap;
        }
        rt->packets[rt->n_packets++] = rt->pkt;
        rt->pkt = av_packet_alloc();
        if (!rt->pkt)
            return AVERROR(ENOMEM);
    }
}

int piq_roundtrip_write(piq_roundtrip *rt, const uint8_t *grey, char *err, size_t errlen)
{
    int r = av_frame_make_writable(rt->frame);
    if (r < 0) {
        set_err(err, errlen, "out of memory", r);
        return r;
    }
    const uint8_t *src[4] = {grey, NULL, NULL, NULL};
    int stride[4] = {rt->w, 0, 0, 0};
    if (sws_scale(rt->to_yuv, src, stride, 0, rt->eh, rt->frame->data, rt->frame->linesize) < 0) {
        set_err(err, errlen, "GRAY8 to YUV420P conversion failed", 0);
        return AVERROR(EINVAL);
    }
    rt->frame->pts = rt->pts++;
    r = avcodec_send_frame(rt->enc, rt->frame);
    if (r < 0) {
        set_err(err, errlen, "encoding failed", r);
        return r;
    }
    return drain(rt, err, errlen);
}

int piq_roundtrip_finish(piq_roundtrip *rt, int (*cb)(void *opaque, const uint8_t *bgr, int w, int h),
                         void *opaque, char *err, size_t errlen)
{
    int r = avcodec_send_frame(rt->enc, NULL);
    if (r < 0 || (r = drain(rt, err, errlen)) < 0) {
        if (!*err)
            set_err(err, errlen, "encoding failed", r);
        return r;
    }
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_MPEG4);
    AVCodecContext *dec = codec ? avcodec_alloc_context3(codec) : NULL;
    AVFrame *f = av_frame_alloc();
    struct SwsContext *to_bgr = NULL;
    int bw = rt->ew, bh = rt->eh;
    uint8_t *rgb[4] = {NULL};
    int rgb_stride[4] = {0};
    uint8_t *bgr = malloc((size_t) bw * bh * 3);
    if (!dec || !f || !bgr) {
        set_err(err, errlen, "cannot set up the MPEG-4 decoder", 0);
        r = AVERROR(ENOMEM);
        goto done;
    }
    dec->width = rt->ew;
    dec->height = rt->eh;
    dec->codec_tag = MKTAG('m', 'p', '4', 'v');
    if (rt->enc->extradata_size > 0) {
        dec->extradata = av_mallocz((size_t) rt->enc->extradata_size + AV_INPUT_BUFFER_PADDING_SIZE);
        if (!dec->extradata) {
            r = AVERROR(ENOMEM);
            goto done;
        }
        memcpy(dec->extradata, rt->enc->extradata, (size_t) rt->enc->extradata_size);
        dec->extradata_size = rt->enc->extradata_size;
    }
    if ((r = avcodec_open2(dec, codec, NULL)) < 0) {
        set_err(err, errlen, "cannot open the MPEG-4 decoder", r);
        goto done;
    }
    for (size_t i = 0; i <= rt->n_packets; i++) {
        r = avcodec_send_packet(dec, i < rt->n_packets ? rt->packets[i] : NULL);
        if (r < 0) {
            set_err(err, errlen, "decoding failed", r);
            goto done;
        }
        for (;;) {
            r = avcodec_receive_frame(dec, f);
            if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
                break;
            if (r < 0) {
                set_err(err, errlen, "decoding failed", r);
                goto done;
            }
            if (f->width != bw || f->height != bh || dec->coded_width < bw || dec->coded_height < bh) {
                set_err(err, errlen, "decoded frame size changed", 0);
                r = AVERROR(EINVAL);
                goto done;
            }
            /* OpenCV converts the whole coded picture (its SIMD paths see
             * the padded width), then crops to the display size. */
            int cw = dec->coded_width, ch = dec->coded_height;
            to_bgr = sws_getCachedContext(to_bgr, cw, ch, f->format, cw, ch, AV_PIX_FMT_BGR24,
                                          SWS_BICUBIC, NULL, NULL, NULL);
            if (!to_bgr || av_image_alloc(rgb, rgb_stride, cw, ch, AV_PIX_FMT_BGR24, 32) < 0) {
                set_err(err, errlen, "cannot convert decoded frames to BGR24", 0);
                r = AVERROR(EINVAL);
                goto done;
            }
            sws_scale(to_bgr, (const uint8_t *const *) f->data, f->linesize, 0, ch, rgb, rgb_stride);
            for (int y = 0; y < bh; y++)
                memcpy(bgr + (size_t) y * bw * 3, rgb[0] + (ptrdiff_t) y * rgb_stride[0], (size_t) bw * 3);
            av_freep(&rgb[0]);
            av_frame_unref(f);
            if ((r = cb(opaque, bgr, bw, bh)) < 0)
                goto done;
        }
    }
    r = 0;
done:
    av_freep(&rgb[0]);
    free(bgr);
    sws_freeContext(to_bgr);
    av_frame_free(&f);
    avcodec_free_context(&dec);
    return r;
}
