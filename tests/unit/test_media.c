/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writes what core/media.c decodes, as raw bytes, so tests/run/media_exact.sh
 * can compare it byte for byte with the ffmpeg program's output:
 *   test_media video PATH OUT             packed rgb24 frames
 *   test_media audio PATH RATE CH OUT     interleaved f32le (0 = the source's)
 * The first line of stdout is "WxH frames" or "rate channels samples".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fveval-core.h"

static int write_all(const char *out, const void *data, size_t size)
{
    FILE *fp = fopen(out, "wb");
    if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0) {
        perror(out);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "video") == 0) {
        fvi_video_slot slot = {0};
        if (fvi_media_decode_video(argv[2], 0, &slot) < 0) {
            fprintf(stderr, "%s\n", slot.error);
            free(slot.error);
            return 1;
        }
        const fveval_video *v = &slot.video;
        printf("%dx%d %d\n", v->width, v->height, v->nb_frames);
        /* Packed frames: linesize == 3 * width, frame_stride == linesize * height. */
        int rc = (size_t) v->linesize != (size_t) 3 * v->width ||
                 v->frame_stride != (size_t) v->linesize * v->height;
        if (rc)
            fprintf(stderr, "frames are not packed\n");
        else
            rc = write_all(argv[3], v->data, v->frame_stride * (size_t) v->nb_frames);
        free(slot.buffer);
        return rc;
    }
    if (argc == 6 && strcmp(argv[1], "audio") == 0) {
        fvi_audio_slot slot = {0};
        if (fvi_media_decode_audio(argv[2], atoi(argv[3]), atoi(argv[4]), &slot) < 0) {
            fprintf(stderr, "%s\n", slot.error);
            free(slot.error);
            return 1;
        }
        const fveval_audio *a = &slot.audio;
        printf("%d %d %lld\n", a->rate, a->channels, (long long) a->nb_samples);
        int rc = write_all(argv[5], a->data, sizeof(float) * (size_t) a->channels * (size_t) a->nb_samples);
        free(slot.buffer);
        return rc;
    }
    fprintf(stderr, "usage: test_media video PATH OUT | test_media audio PATH RATE CHANNELS OUT\n");
    return 2;
}
