/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs one plugins/_audio front-end on raw float32 samples and writes its raw
 * float32 output, for tests/audio/frontends.sh to compare with the upstream
 * libraries (tests/audio/reference.py).
 *
 *   frontend OP IN.f32 OUT.f32 [ARGS]
 *     mono CHANNELS | peak | soxr IN_RATE OUT_RATE | sinc IN_RATE OUT_RATE functional|transform
 *     | passt | fbank hanning|povey | melspec | clap
 * Exit 0, or 1 with one line on stderr.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"

static float *read_f32(const char *path, int64_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    float *x = malloc(bytes > 0 ? (size_t) bytes : 1);
    if (x && bytes > 0 && fread(x, 1, (size_t) bytes, f) != (size_t) bytes) {
        free(x);
        x = NULL;
    }
    fclose(f);
    *n = bytes / (long) sizeof(float);
    return x;
}

static int write_f32(const char *path, const float *y, int64_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t ok = n > 0 ? fwrite(y, sizeof(float), (size_t) n, f) : 0;
    return (fclose(f) == 0 && ok == (size_t) (n > 0 ? n : 0)) ? 0 : -1;
}

static int die(const char *msg)
{
    fprintf(stderr, "frontend: %s\n", msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return die("usage: frontend OP IN.f32 OUT.f32 [ARGS]");
    const char *op = argv[1];
    int64_t n = 0;
    float *x = read_f32(argv[2], &n);
    if (!x)
        return die("cannot read the input");
    char err[256] = "";
    float *y = NULL;
    int64_t ny = 0;
    int ret = 0;
    if (!strcmp(op, "mono") && argc == 5) {
        int ch = atoi(argv[4]);
        ny = n / ch;
        y = fva_mono(x, ny, ch);
    } else if (!strcmp(op, "peak")) {
        ret = fva_peak_normalize(x, n, -1.0);
        if (ret == -EDOM)
            snprintf(err, sizeof(err), "silent audio: peak normalisation divides by zero");
        y = x;
        x = NULL;
        ny = n;
    } else if (!strcmp(op, "soxr") && argc == 6) {
        ret = fva_resample_soxr_hq(x, n, atoi(argv[4]), atoi(argv[5]), &y, &ny, err, sizeof(err));
    } else if (!strcmp(op, "sinc") && argc == 7) {
        fva_sinc *r = fva_sinc_new(atoi(argv[4]), atoi(argv[5]),
                                   !strcmp(argv[6], "transform") ? FVA_SINC_TRANSFORM
                                                                 : FVA_SINC_FUNCTIONAL);
        if (!r)
            return die("bad rates");
        ny = fva_sinc_out_len(r, n);
        y = malloc((size_t) (ny > 0 ? ny : 1) * sizeof(float));
        if (y)
            fva_sinc_run(r, x, n, y);
        fva_sinc_free(r);
    } else if (!strcmp(op, "passt")) {
        ny = 128 * fva_passt_mel_frames(n);
        y = malloc((size_t) (ny > 0 ? ny : 1) * sizeof(float));
        ret = y ? fva_passt_mel(x, n, y, err, sizeof(err)) : -ENOMEM;
    } else if (!strcmp(op, "fbank") && argc == 5) {
        /* ImageBind's call: htk_compat, 16 kHz, no energy, 128 bins, dither 0, 25/10 ms */
        fva_kaldi_opts o;
        fva_kaldi_defaults(&o);
        o.num_mel_bins = 128;
        o.window = !strcmp(argv[4], "povey") ? FVA_KALDI_POVEY : FVA_KALDI_HANNING;
        ny = fva_kaldi_frames(&o, n) * o.num_mel_bins;
        y = malloc((size_t) (ny > 0 ? ny : 1) * sizeof(float));
        ret = y ? fva_kaldi_fbank(&o, x, n, y, err, sizeof(err)) : -ENOMEM;
    } else if (!strcmp(op, "melspec")) {
        /* Synchformer's MelSpectrogram */
        fva_melspec_opts o = {.sample_rate = 16000, .n_fft = 1024, .win_length = 400,
                              .hop_length = 160, .n_mels = 128, .f_min = 0, .f_max = 8000};
        ny = fva_melspec_frames(&o, n) * o.n_mels;
        y = malloc((size_t) (ny > 0 ? ny : 1) * sizeof(float));
        ret = y ? fva_melspec(&o, x, n, y, err, sizeof(err)) : -ENOMEM;
    } else if (!strcmp(op, "clap")) {
        ny = 4 * FVA_CLAP_FRAMES * FVA_CLAP_MELS;
        y = malloc((size_t) ny * sizeof(float));
        bool longer = false;
        ret = y ? fva_clap_features(x, n, y, &longer, err, sizeof(err)) : -ENOMEM;
        if (ret == 0 && !longer)
            return die("is_longer is false");
    } else {
        return die("unknown operation or wrong arguments");
    }
    free(x);
    if (ret < 0 || !y) {
        free(y);
        return die(err[0] ? err : "out of memory");
    }
    int w = write_f32(argv[3], y, ny);
    free(y);
    return w < 0 ? die("cannot write the output") : 0;
}
