/* SPDX-License-Identifier: Apache-2.0 */
/* Whisper's log-mel of raw float32 16 kHz PCM (IN) written as 80 x 3000 float32 (OUT). */
#include <stdio.h>
#include <stdlib.h>

#include "whisper.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s IN.f32 OUT.f32\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 2;
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    int64_t n = bytes / 4;
    float *pcm = malloc((size_t) (n ? n : 1) * sizeof(float));
    float *out = malloc(sizeof(float) * WHISPER_N_MELS * WHISPER_N_FRAMES);
    if (!pcm || !out || fread(pcm, sizeof(float), (size_t) n, f) != (size_t) n)
        return 2;
    fclose(f);
    if (whisper_log_mel(pcm, n, out) < 0)
        return 1;
    f = fopen(argv[2], "wb");
    if (!f || fwrite(out, sizeof(float), WHISPER_N_MELS * WHISPER_N_FRAMES, f) != WHISPER_N_MELS * WHISPER_N_FRAMES)
        return 1;
    fclose(f);
    free(pcm);
    free(out);
    return 0;
}
