/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `--device cuda:N` as the core sees it.  Model metrics run on the device through
 * libtorch; the pixel metrics' CUDA kernels (plugins/_cuda, built when configure
 * found nvcc) need only a GPU.  So a cuda device is usable when libtorch sees it,
 * or, in a build with the kernels, when the CUDA driver does: the core asks the
 * driver through dlopen (libcuda.so.1) and links no CUDA library itself.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fveval-core.h"

const char *fvi_cuda_build(void)
{
#if HAVE_CUDA
    return "built (toolkit " FVEVAL_CUDA_TOOLKIT ")";
#else
    return "not built";
#endif
}

int fvi_cuda_device_count(char *why, size_t whylen)
{
#if HAVE_CUDA
    void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, whylen, "no CUDA driver (libcuda.so.1 not found)");
        return -1;
    }
    int (*cu_init)(unsigned) = NULL, (*cu_count)(int *) = NULL, (*cu_version)(int *) = NULL;
    *(void **) &cu_init = dlsym(h, "cuInit");
    *(void **) &cu_count = dlsym(h, "cuDeviceGetCount");
    *(void **) &cu_version = dlsym(h, "cuDriverGetVersion");
    int n = 0, version = 0, rc = cu_init && cu_count && cu_version ? cu_init(0) : -1;
    if (rc == 0)
        rc = cu_version(&version);
    if (rc == 0)
        rc = cu_count(&n);
    /* The driver stays loaded: unloading it is not supported once initialised. */
    if (rc != 0) {
        snprintf(why, whylen, "the CUDA driver reports no usable device (CUresult %d)", rc);
        return -1;
    }
    /* The kernels' runtime needs a driver of at least its major version (minor versions are compatible). */
    if (version / 1000 < atoi(FVEVAL_CUDA_TOOLKIT)) { /* "13.0" -> 13 */
        snprintf(why, whylen, "the CUDA driver (%d.%d) is older than the toolkit the kernels were built with (%s)",
                 version / 1000, version % 1000 / 10, FVEVAL_CUDA_TOOLKIT);
        return -1;
    }
    return n;
#else
    snprintf(why, whylen, "this fveval was built without CUDA (configure --with-cuda)");
    return -1;
#endif
}

/* N of "cuda:N" (0 for "cuda"); -1 for a name that is not a cuda device, -2 when malformed. */
static int cuda_index(const char *device)
{
    if (!device || strncmp(device, "cuda", 4) != 0 || (device[4] && device[4] != ':'))
        return -1;
    if (!device[4])
        return 0;
    char *end = NULL;
    long v = strtol(device + 5, &end, 10);
    return end == device + 5 || *end || v < 0 || v > 255 ? -2 : (int) v; /* as libtorch's check */
}

int fvi_device_check(const char *device, char *err, size_t errlen)
{
    int index = cuda_index(device);
    if (index == -2) {
        /* Said here too: a core without libtorch would otherwise call it "not available". */
        snprintf(err, errlen, "malformed device '%s' (use cpu or cuda:N)", device);
        return -EINVAL;
    }
    int rc = fvi_torch_device_check(device, err, errlen);
    if (rc != -ENODEV || index < 0)
        return rc; /* usable, or not a device name at all */
#if HAVE_CUDA
    char why[256];
    int n = fvi_cuda_device_count(why, sizeof(why));
    if (n > index)
        return 0;
    if (n >= 0)
        snprintf(why, sizeof(why), "no CUDA device %d (%d visible)", index, n);
    size_t len = strlen(err);
    if (len < errlen)
        snprintf(err + len, errlen - len, "; CUDA kernels: %s", why);
#endif
    return rc;
}
