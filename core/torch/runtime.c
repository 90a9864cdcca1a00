/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The model runtime as the core sees it.  libfveval-torch (libtorch) is a
 * separate module loaded on first use: loading libtorch costs seconds, which
 * runs without model metrics should not pay.  Without it (a build without
 * libtorch, or a module that fails to load) a stand-in table answers: only
 * the cpu device exists and every service fails with one clear reason.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fveval-core.h"

static char unavailable[1024] = "this fveval was built without libtorch (configure --with-torch)";

static void no_torch(char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", unavailable);
}

static int none_device_check(const char *device, char *err, size_t errlen)
{
    if (!device || !*device || strcmp(device, "cpu") == 0)
        return 0;
    if (strncmp(device, "cuda", 4) == 0 && (device[4] == '\0' || device[4] == ':')) {
        if (err && errlen)
            snprintf(err, errlen, "device '%s' is not available: %s (available: cpu)", device, unavailable);
        return -ENODEV;
    }
    if (err && errlen)
        snprintf(err, errlen, "unknown device '%s' (use cpu or cuda:N)", device);
    return -EINVAL;
}

static fvt_module *none_module_load(const char *path, const char *device, char *err, size_t errlen)
{
    (void) path;
    (void) device;
    no_torch(err, errlen);
    return NULL;
}

static fvt_module *none_module_load_precision(const char *path, const char *device, int precision,
                                              char *err, size_t errlen)
{
    (void) precision;
    return none_module_load(path, device, err, errlen);
}

static void none_module_free(fvt_module *m) { (void) m; }

static int none_module_run(fvt_module *m, const char *method, const fveval_arg *args, size_t n_args,
                           fvt_tensor **outs, size_t max_outs, char *err, size_t errlen)
{
    (void) m, (void) method, (void) args, (void) n_args, (void) outs, (void) max_outs;
    no_torch(err, errlen);
    return -ENOSYS;
}

static int none_tensor_ndim(const fvt_tensor *t) { (void) t; return 0; }
static const int64_t *none_tensor_shape(const fvt_tensor *t) { (void) t; return NULL; }
static const float *none_tensor_data(const fvt_tensor *t) { (void) t; return NULL; }
static void none_tensor_free(fvt_tensor *t) { (void) t; }

static int none_tensor_save(const fveval_arg *t, const char *path, char *err, size_t errlen)
{
    (void) t, (void) path;
    no_torch(err, errlen);
    return -ENOSYS;
}

static fvt_tensor *none_tensor_load(const char *path, char *err, size_t errlen)
{
    (void) path;
    no_torch(err, errlen);
    return NULL;
}

static const fvt_api none_api = {
    .available = 0,
    .version = "none",
    .device_check = none_device_check,
    .module_load = none_module_load,
    .module_free = none_module_free,
    .module_run = none_module_run,
    .tensor_ndim = none_tensor_ndim,
    .tensor_shape = none_tensor_shape,
    .tensor_data = none_tensor_data,
    .tensor_free = none_tensor_free,
    .tensor_save = none_tensor_save,
    .tensor_load = none_tensor_load,
    .module_load_precision = none_module_load_precision,
};

#if HAVE_TORCH
/*
 * Where the module is: $FVEVAL_TORCH_MODULE alone when set; else the
 * installed one, else next to the program in a build tree (core/torch/
 * beside core/fveval, the shared object in libtool's .libs/).
 */
static void *open_module(char *why, size_t whylen)
{
    const char *env = getenv("FVEVAL_TORCH_MODULE");
    const char *candidates[2] = {env && *env ? env : FVEVAL_TORCH_MODULE, NULL};
    char exe[PATH_MAX], local[PATH_MAX + 64];
    ssize_t n = env && *env ? -1 : readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(local, sizeof(local), "%s/torch/.libs/fveval-torch", exe);
            candidates[1] = local;
        }
    }
    why[0] = '\0';
    for (int i = 0; i < 2; i++) {
        if (!candidates[i] || !*candidates[i])
            continue;
        char *path = fvi_str_has_suffix(candidates[i], ".so") ? fvi_xstrdup(candidates[i])
                                                               : fvi_asprintf("%s.so", candidates[i]);
        if (access(path, F_OK) != 0) {
            if (!why[0])
                snprintf(why, whylen, "the model runtime module %s is not installed", path);
            free(path);
            continue;
        }
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            snprintf(why, whylen, "cannot load the model runtime: %s", dlerror());
            free(path);
            return NULL;
        }
        free(path);
        return h;
    }
    return NULL;
}
#endif

static const fvt_api *runtime = &none_api;
static pthread_once_t runtime_once = PTHREAD_ONCE_INIT;

static void load_runtime(void)
{
#if HAVE_TORCH
    char why[sizeof(unavailable)];
    void *h = open_module(why, sizeof(why));
    const fvt_api *(*entry)(void) = NULL;
    if (h) {
        *(void **) &entry = dlsym(h, "fvt_libtorch");
        if (!entry)
            snprintf(why, sizeof(why), "the model runtime module lacks fvt_libtorch");
    }
    if (entry)
        runtime = entry(); /* never unloaded: modules from it may live until exit */
    else
        snprintf(unavailable, sizeof(unavailable), "%s", why);
#endif
}

const fvt_api *fvi_torch_api(void)
{
    pthread_once(&runtime_once, load_runtime);
    return runtime;
}

int fvi_torch_device_check(const char *device, char *err, size_t errlen)
{
    /* The cpu needs no runtime: do not load libtorch for it. */
    if (!device || !*device || strcmp(device, "cpu") == 0)
        return 0;
    return fvi_torch_api()->device_check(device, err, errlen);
}
