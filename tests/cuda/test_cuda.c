/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CUDA kernels (plugins/_cuda) against the CPU code they stand for, on the
 * device: fvcu_transform against fvv_transform_frames (bit for bit, every resize
 * mode with and without antialias, crops larger and smaller than the image,
 * normalisation, both layouts), fvcu_sum_diff against fvpx_sum_squared_diff /
 * fvpx_sum_abs_diff (exact), fvcu_ssim against a direct double evaluation of the
 * SSIM definition (<= 1e-10 per frame).  Frames: odd-sized noise made here and,
 * when given, real frames (a raw RGB24 file from the ffmpeg CLI).
 *
 * Usage: test_cuda [RAW W H N]
 * Exit 77 (SKIP) with the reason when the kernels are not built or no device is
 * usable: it never passes without running them.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fvcuda.h"
#include "pixel.h"
#include "unit/check.h"

typedef struct clip {
    uint8_t *bytes;
    fveval_video v;
} clip;

static uint32_t rng = 12345u;
static uint8_t next_byte(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (uint8_t) (rng >> 24);
}

/* Noise with a smooth component (resizes of pure noise hide little), linesize padded. */
static void make_noise(clip *c, int w, int h, int n)
{
    ptrdiff_t linesize = 3 * w + 5; /* not packed: the upload must repack rows */
    c->bytes = malloc((size_t) linesize * h * n);
    for (int t = 0; t < n; t++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < linesize; x++)
                c->bytes[((size_t) t * h + y) * linesize + x] =
                    (uint8_t) ((x * 7 + y * 3 + t * 11) % 200 + next_byte() % 56);
    c->v = (fveval_video){.data = c->bytes, .width = w, .height = h, .nb_frames = n,
                          .linesize = linesize, .frame_stride = (size_t) linesize * h,
                          .clip_frames = n};
}

static int load_raw(clip *c, const char *path, int w, int h, int n)
{
    size_t size = (size_t) 3 * w * h * n;
    c->bytes = malloc(size);
    FILE *f = fopen(path, "rb");
    size_t got = f && c->bytes ? fread(c->bytes, 1, size, f) : 0;
    if (f)
        fclose(f);
    if (got != size) {
        fprintf(stderr, "%s: want %zu bytes of RGB24, got %zu\n", path, size, got);
        return -1;
    }
    c->v = (fveval_video){.data = c->bytes, .width = w, .height = h, .nb_frames = n,
                          .linesize = 3 * w, .frame_stride = (size_t) 3 * w * h, .clip_frames = n};
    return 0;
}

static int transforms_checked, transforms_differing;

/* One transform on every frame: device (both layouts) against the CPU, bit for bit. */
static void check_transform(const char *what, const clip *c, const fvcu_frames *g, fvv_transform tf)
{
    int n = c->v.nb_frames, ow, oh;
    int *idx = malloc(sizeof(int) * n);
    for (int i = 0; i < n; i++)
        idx[i] = n - 1 - i; /* any order of slots */
    fvv_transform_size(&tf, c->v.width, c->v.height, &ow, &oh);
    size_t count = (size_t) n * 3 * ow * oh;
    float *cpu = malloc(sizeof(float) * count), *dev_out = malloc(sizeof(float) * count);
    char err[512];
    float *dev = fvcu_alloc_floats(g, count, err, sizeof(err));
    CHECK(dev != NULL);
    CHECK(fvv_transform_frames(&c->v, idx, n, &tf, cpu) == 0);
    for (int layout = FVCU_LAYOUT_TCHW; dev && layout <= FVCU_LAYOUT_CTHW; layout++) {
        int rc = fvcu_transform(g, idx, n, &tf, (fvcu_layout) layout, dev, err, sizeof(err));
        if (rc < 0)
            fprintf(stderr, "%s: %s\n", what, err);
        CHECK(rc == 0);
        CHECK(fvcu_copy_to_host(g, dev_out, dev, sizeof(float) * count, err, sizeof(err)) == 0);
        size_t plane = (size_t) ow * oh, bad = 0;
        double worst = 0;
        for (int f = 0; f < n; f++)
            for (int ch = 0; ch < 3; ch++)
                for (size_t k = 0; k < plane; k++) {
                    float a = cpu[((size_t) f * 3 + ch) * plane + k];
                    size_t o = layout == FVCU_LAYOUT_CTHW ? ((size_t) ch * n + f) * plane + k
                                                          : ((size_t) f * 3 + ch) * plane + k;
                    if (memcmp(&a, &dev_out[o], sizeof a) != 0) {
                        bad++;
                        worst = fmax(worst, fabs((double) a - dev_out[o]));
                    }
                }
        transforms_checked++;
        if (bad) {
            transforms_differing++;
            fprintf(stderr, "%s (%dx%d -> %dx%d, layout %d): %zu of %zu floats differ, max %g\n", what,
                    c->v.width, c->v.height, ow, oh, layout, bad, count, worst);
        }
    }
    fvcu_free(g, dev);
    free(cpu);
    free(dev_out);
    free(idx);
}

static void check_transforms(const char *what, const clip *c, const fvcu_frames *g)
{
    static const int sizes[][2] = {{224, 224}, {61, 97}, {17, 301}, {480, 833}, {7, 5}};
    char label[256];
    for (int interp = FVV_BILINEAR; interp <= FVV_BICUBIC; interp++)
        for (int aa = 0; aa < 2; aa++)
            for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
                fvv_transform tf = {.in_divisor = 255, .resize_h = sizes[s][0],
                                    .resize_w = sizes[s][1], .interp = (fvv_interp) interp,
                                    .antialias = aa};
                snprintf(label, sizeof(label), "%s: %s aa=%d", what,
                         interp == FVV_BICUBIC ? "bicubic" : "bilinear", aa);
                check_transform(label, c, g, tf);
            }
    /* The chains the vision metrics use. */
    fvv_transform imagenet = {.in_divisor = 255, .resize_short = 256, .interp = FVV_BILINEAR,
                              .antialias = true, .crop_h = 224, .crop_w = 224,
                              .mean = fvv_imagenet_mean, .std = fvv_imagenet_std};
    check_transform("imagenet chain", c, g, imagenet);
    fvv_transform clip_tf = {.in_divisor = 1, .resize_short = 224, .interp = FVV_BICUBIC,
                             .crop_h = 224, .crop_w = 224, .post_divisor = 255,
                             .mean = fvv_clip_mean, .std = fvv_clip_std};
    check_transform("clip chain", c, g, clip_tf);
    /* No resize: conversion and crop only; a crop larger than the image pads with zeros. */
    fvv_transform plain = {.in_divisor = 255};
    check_transform("uint8 -> float", c, g, plain);
    fvv_transform big_crop = {.in_divisor = 255, .crop_h = c->v.height + 9, .crop_w = c->v.width + 4,
                              .mean = fvv_imagenet_mean, .std = fvv_imagenet_std};
    check_transform("padding crop", c, g, big_crop);
    fvv_transform small_crop = {.in_divisor = 1, .crop_h = c->v.height / 2 + 1, .crop_w = 3};
    check_transform("small crop", c, g, small_crop);
}

/* SSIM by its definition, in double (the Gaussian window as common.ssim builds it). */
static double ssim_direct(const fvpx_frame *a, const fvpx_frame *b, const double *g, int ws)
{
    int pad = ws / 2, w = a->width, h = a->height;
    int out_h = h + 2 * pad - ws + 1, out_w = w + 2 * pad - ws + 1;
    const double c1 = 0.01 * 0.01 * 255.0 * 255.0, c2 = 0.03 * 0.03 * 255.0 * 255.0;
    double total = 0;
    for (int ch = 0; ch < 3; ch++)
        for (int oy = 0; oy < out_h; oy++)
            for (int ox = 0; ox < out_w; ox++) {
                double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
                for (int ky = 0; ky < ws; ky++)
                    for (int kx = 0; kx < ws; kx++) {
                        int y = oy - pad + ky, x = ox - pad + kx;
                        if (y < 0 || y >= h || x < 0 || x >= w)
                            continue;
                        double wt = g[ky] * g[kx];
                        double p = a->data[y * a->linesize + 3 * x + ch];
                        double q = b->data[y * b->linesize + 3 * x + ch];
                        mx += wt * p, my += wt * q;
                        sxx += wt * p * p, syy += wt * q * q, sxy += wt * p * q;
                    }
                double num = (2 * mx * my + c1) * (2 * (sxy - mx * my) + c2);
                double den = (mx * mx + my * my + c1) * ((sxx + syy - mx * mx - my * my) + c2);
                total += num / den;
            }
    return total / (3.0 * out_h * out_w);
}

static void window(int ws, double *g)
{
    /* common.ssim's weights: float32 exp(-c^2 / 4.5), normalised by their double sum. */
    float e[64];
    double sum = 0;
    for (int k = 0; k < ws; k++) {
        float c = (float) (k - ws / 2);
        e[k] = expf(-(c * c) / 4.5f);
        sum += e[k];
    }
    for (int k = 0; k < ws; k++)
        g[k] = (double) (e[k] / (float) sum);
}

/* Sums (exact) and SSIM (bounded) of frame pairs (i, i + 1) of one clip. */
static void check_pixel(const char *what, const clip *c, const fvcu_frames *g, int ssim_frames)
{
    int pairs = c->v.nb_frames - 1;
    uint64_t *sums = malloc(sizeof(uint64_t) * (pairs > 0 ? pairs : 1));
    char err[512];
    for (int square = 0; square < 2; square++) {
        int rc = fvcu_sum_diff(g, 0, g, 1, pairs, square, sums, err, sizeof(err));
        if (rc < 0)
            fprintf(stderr, "%s: %s\n", what, err);
        CHECK(rc == 0);
        for (int i = 0; rc == 0 && i < pairs; i++) {
            fvpx_frame a = fvpx_video_frame(&c->v, i), b = fvpx_video_frame(&c->v, i + 1);
            uint64_t cpu = square ? fvpx_sum_squared_diff(&a, &b) : fvpx_sum_abs_diff(&a, &b);
            if (cpu != sums[i])
                fprintf(stderr, "%s pair %d: %s sum %llu on the device, %llu on the CPU\n", what, i,
                        square ? "squared" : "absolute", (unsigned long long) sums[i],
                        (unsigned long long) cpu);
            CHECK(cpu == sums[i]);
        }
    }
    int n = pairs < ssim_frames ? pairs : ssim_frames;
    for (int ws = 11; ws <= 12 && n > 0; ws++) { /* the default, and an even window */
        double gw[64], values[16];
        window(ws, gw);
        int rc = fvcu_ssim(g, 0, g, 1, n, ws, gw, values, err, sizeof(err));
        if (rc < 0)
            fprintf(stderr, "%s: %s\n", what, err);
        CHECK(rc == 0);
        for (int i = 0; rc == 0 && i < n; i++) {
            fvpx_frame a = fvpx_video_frame(&c->v, i), b = fvpx_video_frame(&c->v, i + 1);
            double ref = ssim_direct(&a, &b, gw, ws);
            if (!(fabs(ref - values[i]) <= 1e-10))
                fprintf(stderr, "%s ssim ws=%d pair %d: device %.17g, direct %.17g\n", what, ws, i,
                        values[i], ref);
            CHECK(fabs(ref - values[i]) <= 1e-10);
        }
    }
    free(sums);
}

static void run_clip(const char *what, const clip *c, int dev, int ssim_frames)
{
    char err[512];
    fvcu_frames *g = fvcu_video_upload(dev, &c->v, err, sizeof(err));
    if (!g) {
        fprintf(stderr, "%s: upload: %s\n", what, err);
        CHECK(g != NULL);
        return;
    }
    check_transforms(what, c, g);
    check_pixel(what, c, g, ssim_frames);
    fvcu_frames_free(g);
}

int main(int argc, char **argv)
{
    char why[512];
    if (!fvcu_toolkit()) {
        printf("SKIP: the CUDA kernels are not built (configure found no nvcc, or --without-cuda)\n");
        return 77;
    }
    if (fvcu_check(0, why, sizeof(why)) < 0) {
        printf("SKIP: CUDA toolkit %s built, but no device to run the kernels: %s\n", fvcu_toolkit(),
               why);
        return 77;
    }
    if (argc == 2 && strcmp(argv[1], "--probe") == 0)
        return 0;
    static const int odd[][3] = {{97, 61, 3}, {31, 200, 2}, {301, 17, 2}, {64, 64, 3}, {1, 1, 2}};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        clip c;
        char label[64];
        make_noise(&c, odd[i][0], odd[i][1], odd[i][2]);
        snprintf(label, sizeof(label), "noise %dx%d", odd[i][0], odd[i][1]);
        run_clip(label, &c, 0, 2);
        free(c.bytes);
    }
    if (argc == 5) {
        clip c;
        if (load_raw(&c, argv[1], atoi(argv[2]), atoi(argv[3]), atoi(argv[4])) < 0)
            return 99;
        run_clip("ltx2", &c, 0, 1); /* the direct SSIM is slow at 832x480: one pair */
        free(c.bytes);
    }
    printf("%d transforms compared, %d differ; sums and SSIM checked\n", transforms_checked,
           transforms_differing);
    CHECK(transforms_differing == 0);
    return CHECK_DONE();
}
