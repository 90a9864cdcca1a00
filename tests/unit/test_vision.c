/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugins/_vision.  Without arguments: fixed checks (the worked sampler examples of
 * metrics-b.md §0.3, size and crop rules, argument errors).  With a command, a small
 * tool that tests/vision/vision.sh drives to compare against torch, torchvision and
 * OpenCV (tests/vision/reference.py):
 *   transform IN.rgb W H N OUT.f32 [key=value...]  N raw RGB24 frames through
 *       fvv_transform_frames (keys: div, short, size=HxW, interp=bilinear|bicubic, aa=0|1,
 *       crop=HxW, post, norm=clip|imagenet); writes float32 NCHW, prints "W H"
 *   cv2 IN.rgb W H N OUT.rgb OW OH                  fvv_cv2_resize_linear_u8 per frame
 *   sample                                          lines "KIND T N" on stdin
 *       (vbench | extract | torch LANES | numpy) -> one line of indices each
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vision.h"

static int equal_ints(const int *got, const int *want, int n)
{
    for (int i = 0; i < n; i++)
        if (got[i] != want[i])
            return 0;
    return 1;
}

static void print_ints(const char *what, const int *v, int n)
{
    fprintf(stderr, "%s:", what);
    for (int i = 0; i < n; i++)
        fprintf(stderr, " %d", v[i]);
    fprintf(stderr, "\n");
}

#define CHECK_INTS(got, want, n)                                                                 \
    do {                                                                                         \
        if (!equal_ints((got), (want), (n))) {                                                   \
            print_ints("got", (got), (n));                                                       \
            print_ints("want", (want), (n));                                                     \
        }                                                                                        \
        CHECK(equal_ints((got), (want), (n)));                                                   \
    } while (0)

static void check_samplers(void)
{
    int idx[32];
    /* metrics-b.md §0.3, ltx2.mp4 (T = 120). */
    static const int middle16[] = {3, 10, 18, 25, 33, 40, 48, 55, 63, 70, 78, 85, 93, 100, 108, 115};
    static const int middle8[] = {7, 22, 37, 52, 67, 82, 97, 112};
    static const int extract16[] = {0, 7, 15, 23, 31, 39, 47, 55, 63, 71, 79, 87, 95, 103, 111, 119};
    static const int extract8[] = {0, 17, 34, 51, 68, 85, 102, 119};
    static const int vs2[] = {0, 13, 26, 39, 52, 66, 79, 92, 105, 119};
    static const int middle16of10[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9};
    CHECK(fvv_sample_vbench_middle(120, 16, idx) == 16);
    CHECK_INTS(idx, middle16, 16);
    CHECK(fvv_sample_vbench_middle(120, 8, idx) == 8);
    CHECK_INTS(idx, middle8, 8);
    CHECK(fvv_sample_extract_frames(120, 16, idx) == 16);
    CHECK_INTS(idx, extract16, 16);
    CHECK(fvv_sample_extract_frames(120, 8, idx) == 8);
    CHECK_INTS(idx, extract8, 8);
    fvv_linspace_numpy_int(0, 119, 10, idx);
    CHECK_INTS(idx, vs2, 10);
    CHECK(fvv_sample_vbench_middle(10, 16, idx) == 16);
    CHECK_INTS(idx, middle16of10, 16);
    /* extract_frames never pads: n >= T gives all T frames. */
    CHECK(fvv_sample_extract_frames(10, 16, idx) == 10);
    CHECK(idx[0] == 0 && idx[9] == 9);
    CHECK(fvv_sample_vbench_middle(0, 16, idx) == -EINVAL);
    /* torch.linspace(0, 16, 15)[7] is 7.9999995 with a fused multiply-add, 8.0 without. */
    fvv_linspace_torch_long(0, 16, 15, 0, idx);
    CHECK(idx[7] == 7);
}

static void check_sizes(void)
{
    int w, h, top, left;
    fvv_short_side_size(832, 480, 224, &w, &h);
    CHECK(w == 388 && h == 224);
    fvv_short_side_size(480, 832, 224, &w, &h);
    CHECK(w == 224 && h == 388);
    fvv_short_side_size(97, 61, 224, &w, &h); /* int(224 * 97 / 61) = int(356.19...) */
    CHECK(w == 356 && h == 224);
    fvv_short_side_size(64, 64, 224, &w, &h);
    CHECK(w == 224 && h == 224);
    /* Python round: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2. */
    fvv_center_crop_offset(225, 229, 224, 224, &top, &left);
    CHECK(top == 0 && left == 2);
    fvv_center_crop_offset(227, 256, 224, 224, &top, &left);
    CHECK(top == 2 && left == 16);
    fvv_transform tf = {.resize_short = 256, .crop_h = 224, .crop_w = 224};
    fvv_transform_size(&tf, 832, 480, &w, &h);
    CHECK(w == 224 && h == 224);
}

static void check_images(void)
{
    /* Same size: every mode is the identity, as in torch. */
    float src[2 * 3 * 5], dst[2 * 3 * 5];
    for (int i = 0; i < 30; i++)
        src[i] = (float) i / 29.0f;
    for (int aa = 0; aa < 2; aa++)
        for (int m = 0; m < 2; m++) {
            CHECK(fvv_resize(src, 2, 3, 5, dst, 3, 5, m ? FVV_BICUBIC : FVV_BILINEAR, aa) == 0);
            CHECK(memcmp(src, dst, sizeof src) == 0);
        }
    CHECK(fvv_resize(src, 2, 3, 5, dst, 0, 5, FVV_BILINEAR, false) == -EINVAL);
    /* A crop larger than the image pads with zeros first: 2x2 -> 3x4 pads left 1, top 0,
     * right 1, bottom 1 (torchvision's (crop - size) // 2 before, the rest after). */
    float img[4] = {1, 2, 3, 4}, crop[12];
    CHECK(fvv_center_crop(img, 1, 2, 2, crop, 3, 4) == 0);
    static const float want[12] = {0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0};
    CHECK(memcmp(crop, want, sizeof want) == 0);
    uint8_t px[2 * 3] = {0, 128, 255, 1, 2, 3}, out[6];
    CHECK(fvv_cv2_resize_linear_u8(px, 6, 2, 1, 3, out, 6, 2, 1) == 0);
    CHECK(memcmp(px, out, 6) == 0);
}

/* ---- tool commands -------------------------------------------------------------- */

static uint8_t *read_frames(const char *path, int w, int h, int n)
{
    size_t size = (size_t) w * h * 3 * n;
    uint8_t *buf = malloc(size);
    FILE *f = fopen(path, "rb");
    if (!buf || !f || fread(buf, 1, size, f) != size) {
        fprintf(stderr, "test_vision: cannot read %zu bytes from %s\n", size, path);
        exit(99);
    }
    fclose(f);
    return buf;
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "test_vision: cannot write %s\n", path);
        exit(99);
    }
}

static int cmd_transform(int argc, char **argv)
{
    if (argc < 7)
        return 2;
    int w = atoi(argv[3]), h = atoi(argv[4]), n = atoi(argv[5]);
    uint8_t *rgb = read_frames(argv[2], w, h, n);
    fvv_transform tf = {0};
    for (int i = 7; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            return 2;
        *eq = '\0';
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "div"))
            tf.in_divisor = strtof(v, NULL);
        else if (!strcmp(k, "post"))
            tf.post_divisor = strtof(v, NULL);
        else if (!strcmp(k, "short"))
            tf.resize_short = atoi(v);
        else if (!strcmp(k, "size"))
            sscanf(v, "%dx%d", &tf.resize_h, &tf.resize_w);
        else if (!strcmp(k, "crop"))
            sscanf(v, "%dx%d", &tf.crop_h, &tf.crop_w);
        else if (!strcmp(k, "interp"))
            tf.interp = !strcmp(v, "bicubic") ? FVV_BICUBIC : FVV_BILINEAR;
        else if (!strcmp(k, "aa"))
            tf.antialias = atoi(v) != 0;
        else if (!strcmp(k, "norm") && !strcmp(v, "clip"))
            tf.mean = fvv_clip_mean, tf.std = fvv_clip_std;
        else if (!strcmp(k, "norm") && !strcmp(v, "imagenet"))
            tf.mean = fvv_imagenet_mean, tf.std = fvv_imagenet_std;
        else
            return 2;
    }
    fveval_video v = {.data = rgb, .width = w, .height = h, .nb_frames = n,
                      .linesize = (ptrdiff_t) w * 3, .frame_stride = (size_t) w * h * 3};
    int ow, oh;
    fvv_transform_size(&tf, w, h, &ow, &oh);
    int *frames = malloc(sizeof *frames * (size_t) n);
    float *out = malloc(sizeof *out * (size_t) n * 3 * ow * oh);
    if (!frames || !out)
        return 99;
    for (int i = 0; i < n; i++)
        frames[i] = i;
    if (fvv_transform_frames(&v, frames, n, &tf, out) < 0) {
        fprintf(stderr, "test_vision: transform failed\n");
        return 1;
    }
    write_file(argv[6], out, sizeof *out * (size_t) n * 3 * ow * oh);
    printf("%d %d\n", ow, oh);
    free(frames);
    free(out);
    free(rgb);
    return 0;
}

static int cmd_cv2(int argc, char **argv)
{
    if (argc != 9)
        return 2;
    int w = atoi(argv[3]), h = atoi(argv[4]), n = atoi(argv[5]);
    int ow = atoi(argv[7]), oh = atoi(argv[8]);
    uint8_t *rgb = read_frames(argv[2], w, h, n);
    size_t osize = (size_t) ow * oh * 3;
    uint8_t *out = malloc(osize * n);
    if (!out)
        return 99;
    for (int i = 0; i < n; i++)
        if (fvv_cv2_resize_linear_u8(rgb + (size_t) i * w * h * 3, (ptrdiff_t) w * 3, w, h, 3,
                                     out + i * osize, (ptrdiff_t) ow * 3, ow, oh) < 0)
            return 1;
    write_file(argv[6], out, osize * n);
    free(out);
    free(rgb);
    return 0;
}

static int cmd_sample(void)
{
    char kind[16];
    int T, n;
    while (scanf("%15s %d %d", kind, &T, &n) == 3) {
        int lanes = 0;
        if (!strcmp(kind, "torch") && scanf("%d", &lanes) != 1)
            return 2;
        int *idx = malloc(sizeof *idx * (size_t) (n > T ? n : T));
        int count = n;
        if (!idx)
            return 99;
        if (!strcmp(kind, "vbench"))
            count = fvv_sample_vbench_middle(T, n, idx);
        else if (!strcmp(kind, "extract"))
            count = fvv_sample_extract_frames(T, n, idx);
        else if (!strcmp(kind, "torch")) /* torch.linspace(0, T - 1, n).long() */
            fvv_linspace_torch_long(0.0f, (float) (T - 1), n, lanes, idx);
        else if (!strcmp(kind, "numpy")) /* np.linspace(0, T - 1, n, dtype=int) */
            fvv_linspace_numpy_int(0, T - 1, n, idx);
        else
            return 2;
        for (int i = 0; i < count; i++)
            printf(i ? " %d" : "%d", idx[i]);
        printf("\n");
        free(idx);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        int rc = !strcmp(argv[1], "transform") ? cmd_transform(argc, argv)
                 : !strcmp(argv[1], "cv2")     ? cmd_cv2(argc, argv)
                 : !strcmp(argv[1], "sample")  ? cmd_sample()
                                               : 2;
        if (rc == 2)
            fprintf(stderr, "test_vision: bad command line (see the comment at the top)\n");
        return rc;
    }
    check_samplers();
    check_sizes();
    check_images();
    return CHECK_DONE();
}
