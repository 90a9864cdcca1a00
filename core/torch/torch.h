/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libfveval-torch: the model runtime, a C API over libtorch (TorchScript).
 * It is the only C++ in the tree; every C++ exception is caught at this
 * boundary and becomes a one-line message in the caller's buffer.
 *
 * It is built as a module (fveval-torch.so) that the core dlopens on first
 * use and reaches through one exported function, fvt_libtorch(), returning
 * a table of functions: loading libtorch takes seconds, which runs without
 * model metrics (and the core's unit tests) never pay.
 *
 * Conventions: functions that can fail take (err, errlen); on failure they
 * return NULL or a negative errno-style code and write the reason there.
 * Tensors returned to the caller are float32, contiguous, on the host, and
 * owned by the caller (release with tensor_free).  Input tensors (float32,
 * or int64 for FVEVAL_ARG_TENSOR_I64) are copied from the caller's buffers,
 * which are only read during the call.
 */
#ifndef FVEVAL_TORCH_H
#define FVEVAL_TORCH_H

#include <stddef.h>
#include <stdint.h>

#include <fveval/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fvt_module fvt_module; /* a loaded TorchScript module on one device */
typedef struct fvt_tensor fvt_tensor; /* a host float32 tensor */

typedef struct fvt_api {
    /* 1 with libtorch, 0 in the table of a build without it. */
    int available;
    /* The backend's name and version, e.g. "libtorch 1.13.1". */
    const char *version;
    /*
     * 0 when @p device ("cpu", "cuda", "cuda:N") can be used; else -ENODEV
     * (or -EINVAL for a malformed name) with a message naming the devices
     * that are available.
     */
    int (*device_check)(const char *device, char *err, size_t errlen);
    /* Load a TorchScript archive onto @p device in eval mode. */
    fvt_module *(*module_load)(const char *path, const char *device, char *err, size_t errlen);
    void (*module_free)(fvt_module *m);
    /*
     * Call @p method ("forward" when NULL) with @p args (tensors are moved to
     * the module's device; named args are keyword arguments) with autograd
     * off.  The result (a tensor, or a tuple/list of tensors) is copied to
     * the host as float32: up to @p max_outs tensors are stored in @p outs.
     * Returns the number of tensors the method returned (which may exceed
     * max_outs: the rest are dropped), or negative.
     */
    int (*module_run)(fvt_module *m, const char *method, const fveval_arg *args, size_t n_args,
                      fvt_tensor **outs, size_t max_outs, char *err, size_t errlen);
    int (*tensor_ndim)(const fvt_tensor *t);
    const int64_t *(*tensor_shape)(const fvt_tensor *t);
    const float *(*tensor_data)(const fvt_tensor *t);
    void (*tensor_free)(fvt_tensor *t);
    /*
     * Save a plain tensor (an FVEVAL_ARG_TENSOR arg) in the pickle form that
     * Python's torch.load reads, and load such a file (also one written by
     * Python's torch.save of a tensor).
     */
    int (*tensor_save)(const fveval_arg *t, const char *path, char *err, size_t errlen);
    fvt_tensor *(*tensor_load)(const char *path, char *err, size_t errlen);
    /*
     * module_load with a precision (an fveval_precision): FP16 converts the
     * module to half and casts float tensor arguments to half at each call.
     */
    fvt_module *(*module_load_precision)(const char *path, const char *device, int precision,
                                         char *err, size_t errlen);
} fvt_api;

/* The module's only exported symbol. */
const fvt_api *fvt_libtorch(void);

#ifdef __cplusplus
}
#endif

#endif /* FVEVAL_TORCH_H */
