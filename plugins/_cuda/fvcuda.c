/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parts of fvcuda.h that need no device: the device name, and, in a build
 * without CUDA, every other function failing with one reason.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fvcuda.h"

int fvcu_device_index(const char *device)
{
    if (!device || strncmp(device, "cuda", 4) != 0)
        return -1;
    if (device[4] == '\0')
        return 0;
    if (device[4] != ':' || device[5] < '0' || device[5] > '9')
        return -1;
    char *end = NULL;
    long v = strtol(device + 5, &end, 10);
    return *end || v > 255 ? -1 : (int) v;
}

fvcu_frames *fvcu_video_upload(int index, const fveval_video *v, char *err, size_t errlen)
{
    fvcu_frames *f = fvcu_frames_new(index, v->width, v->height, v->nb_frames, err, errlen);
    if (f && fvcu_frames_upload(f, 0, v->data, v->linesize, v->frame_stride, v->nb_frames, err,
                                errlen) < 0) {
        fvcu_frames_free(f);
        return NULL;
    }
    return f;
}

#if !HAVE_CUDA
static int not_built(char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "this fveval was built without CUDA (configure --with-cuda)");
    return -ENOSYS;
}

const char *fvcu_toolkit(void) { return NULL; }

int fvcu_check(int index, char *err, size_t errlen)
{
    (void) index;
    return not_built(err, errlen);
}

fvcu_frames *fvcu_frames_new(int index, int width, int height, int capacity, char *err,
                             size_t errlen)
{
    (void) index, (void) width, (void) height, (void) capacity;
    not_built(err, errlen);
    return NULL;
}

void fvcu_frames_free(fvcu_frames *f) { (void) f; }

int fvcu_frames_upload(fvcu_frames *f, int slot, const uint8_t *data, ptrdiff_t linesize,
                       size_t frame_stride, int n, char *err, size_t errlen)
{
    (void) f, (void) slot, (void) data, (void) linesize, (void) frame_stride, (void) n;
    return not_built(err, errlen);
}

int fvcu_sum_diff(const fvcu_frames *a, int a_first, const fvcu_frames *b, int b_first, int n,
                  int square, uint64_t *sums, char *err, size_t errlen)
{
    (void) a, (void) a_first, (void) b, (void) b_first, (void) n, (void) square, (void) sums;
    return not_built(err, errlen);
}

int fvcu_ssim(const fvcu_frames *a, int a_first, const fvcu_frames *b, int b_first, int n,
              int ws, const double *g, double *values, char *err, size_t errlen)
{
    (void) a, (void) a_first, (void) b, (void) b_first, (void) n, (void) ws, (void) g;
    (void) values;
    return not_built(err, errlen);
}

int fvcu_transform(const fvcu_frames *f, const int *frames, int n, const fvv_transform *tf,
                   fvcu_layout layout, float *dst, char *err, size_t errlen)
{
    (void) f, (void) frames, (void) n, (void) tf, (void) layout, (void) dst;
    return not_built(err, errlen);
}

float *fvcu_alloc_floats(const fvcu_frames *f, size_t n, char *err, size_t errlen)
{
    (void) f, (void) n;
    not_built(err, errlen);
    return NULL;
}

void fvcu_free(const fvcu_frames *f, void *device_ptr) { (void) f, (void) device_ptr; }

int fvcu_copy_to_host(const fvcu_frames *f, void *host, const void *device_ptr, size_t bytes,
                      char *err, size_t errlen)
{
    (void) f, (void) host, (void) device_ptr, (void) bytes;
    return not_built(err, errlen);
}
#endif
