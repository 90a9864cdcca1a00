/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libfveval-torch through its C API: load, forward with positional and
 * keyword arguments, a named method returning a tuple, errors as messages
 * (missing file, not TorchScript, unknown method, bad arguments, bad
 * device), tensor save/load.  The module is loaded the way the program
 * loads it (FVEVAL_TORCH_MODULE names the build tree's).  Run under ASan by
 * the sanitizer build: no leaks, no crashes.  Usage: test_torch DIR (holding
 * make_shim_models.py's output); writes DIR/saved.pt.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fveval-core.h"

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_torch DIR\n");
        return 99;
    }
    const fvt_api *T = fvi_torch_api();
    char err[1024], path[4096];
    CHECK(T->available == 1, "available");
    if (!T->available) {
        T->module_load("x", "cpu", err, sizeof(err));
        fprintf(stderr, "runtime unavailable: %s\n", err);
        return 1;
    }
    CHECK(fvi_torch_device_check("cpu", err, sizeof(err)) == 0, "cpu");
    CHECK(fvi_torch_device_check("cuda", err, sizeof(err)) == -ENODEV, "cuda: %s", err);

    /* devices */
    CHECK(T->device_check("cpu", err, sizeof(err)) == 0, "cpu");
    int r = T->device_check("cuda:7", err, sizeof(err));
    CHECK(r == -ENODEV && strstr(err, "available: cpu"), "cuda:7 -> %d %s", r, err);
    r = T->device_check("tpu", err, sizeof(err));
    CHECK(r == -EINVAL && strstr(err, "unknown device"), "tpu -> %d %s", r, err);
    r = T->device_check("cuda:x", err, sizeof(err));
    CHECK(r == -EINVAL && strstr(err, "malformed"), "cuda:x -> %d %s", r, err);

    /* load failures are messages */
    snprintf(path, sizeof(path), "%s/absent.pt", argv[1]);
    CHECK(!T->module_load(path, "cpu", err, sizeof(err)) && strstr(err, "absent.pt"), "%s", err);
    CHECK(!strchr(err, '\n'), "one line: %s", err);
    snprintf(path, sizeof(path), "%s/plain.pt", argv[1]);
    fvt_module *bad = T->module_load(path, "cpu", err, sizeof(err));
    CHECK(!bad && strstr(err, "cannot load"), "plain tensor is no module: %s", err);
    T->module_free(bad);
    snprintf(path, sizeof(path), "%s/toy.pt", argv[1]);
    CHECK(!T->module_load(path, "cuda:3", err, sizeof(err)) && strstr(err, "not available"), "%s", err);

    fvt_module *m = T->module_load(path, "cpu", err, sizeof(err));
    CHECK(m, "load: %s", err);
    if (!m)
        return 1;

    float x[6] = {0, 1, 2, 3, 4, 5};
    int64_t shape[2] = {2, 3};
    fvt_tensor *out[2] = {NULL, NULL};

    /* forward, defaults */
    fveval_arg a1[] = {FVEVAL_ARG_TENSOR_OF(2, shape, x)};
    r = T->module_run(m, NULL, a1, 1, out, 2, err, sizeof(err));
    CHECK(r == 1 && T->tensor_ndim(out[0]) == 2 && T->tensor_shape(out[0])[0] == 2 &&
              T->tensor_shape(out[0])[1] == 3,
          "forward: %d %s", r, err);
    if (r == 1)
        for (int i = 0; i < 6; i++)
            CHECK(T->tensor_data(out[0])[i] == x[i] * 2 + 1, "forward[%d]", i);
    T->tensor_free(out[0]);
    out[0] = NULL;

    /* positional bool, keyword int */
    fveval_arg a2[] = {FVEVAL_ARG_TENSOR_OF(2, shape, x), FVEVAL_ARG_BOOL_OF(NULL, 1),
                       FVEVAL_ARG_INT_OF("k", 3)};
    r = T->module_run(m, "forward", a2, 3, out, 2, err, sizeof(err));
    CHECK(r == 1 && T->tensor_data(out[0])[5] == (5 * 2 + 3) * 10, "forward(x, True, k=3): %d %s", r, err);
    T->tensor_free(out[0]);
    out[0] = NULL;

    /* a named method returning a tuple */
    r = T->module_run(m, "encode_image", a1, 1, out, 2, err, sizeof(err));
    CHECK(r == 2, "encode_image: %d %s", r, err);
    if (r == 2) {
        CHECK(T->tensor_ndim(out[0]) == 1 && T->tensor_data(out[0])[1] == 12, "sum");
        CHECK(T->tensor_ndim(out[1]) == 0 && fabsf(T->tensor_data(out[1])[0] - 2.5f) < 1e-6f, "mean");
    }
    T->tensor_free(out[0]);
    T->tensor_free(out[1]);
    out[0] = out[1] = NULL;
    /* fewer slots than outputs: the rest are dropped, the count says so */
    r = T->module_run(m, "encode_image", a1, 1, out, 1, err, sizeof(err));
    CHECK(r == 2 && out[0] && !out[1], "max_outs 1: %d", r);
    T->tensor_free(out[0]);
    out[0] = NULL;

    /* int64 tensors (ABI 1.3): token ids arrive as int64, values intact beyond 2^31 */
    int64_t ids[3] = {49406, 5000000000LL, 49407};
    int64_t ids_shape[2] = {1, 3};
    fveval_arg ai[] = {FVEVAL_ARG_TENSOR_I64_OF(2, ids_shape, ids)};
    r = T->module_run(m, "encode_text", ai, 1, out, 2, err, sizeof(err));
    CHECK(r == 2, "encode_text: %d %s", r, err);
    if (r == 2) {
        CHECK(T->tensor_data(out[1])[0] == 1.0f, "the ids arrived as int64");
        CHECK(T->tensor_data(out[0])[0] == 49406 * 3 + 1 && T->tensor_data(out[0])[1] == 15000000001.0f,
              "int64 values: %g %g", T->tensor_data(out[0])[0], T->tensor_data(out[0])[1]);
    }
    T->tensor_free(out[0]);
    T->tensor_free(out[1]);
    out[0] = out[1] = NULL;

    /*
     * CUDA device tensors (ABI 1.4): wrapped, never copied to the host.  A libtorch
     * without CUDA (Debian's) or without that device refuses with the reason, and the
     * pointer is never touched (it is not device memory here).
     */
    int64_t dev_shape[1] = {3};
    static const float not_device_memory[3];
    fveval_arg ad[] = {FVEVAL_ARG_TENSOR_CUDA_OF(1, dev_shape, not_device_memory, 0)};
    r = T->module_run(m, "encode_image", ad, 1, out, 2, err, sizeof(err));
    CHECK(r < 0 && (strstr(err, "libtorch built without CUDA") || strstr(err, "does not see")) &&
              !strchr(err, '\n'),
          "device tensor: %d %s", r, err);

    /* fp32 module: float arguments stay float32 */
    fvt_tensor *d3[3] = {NULL, NULL, NULL};
    r = T->module_run(m, "dtype_of", a1, 1, d3, 3, err, sizeof(err));
    CHECK(r == 3 && T->tensor_data(d3[1])[0] == 0.0f && T->tensor_data(d3[2])[0] == 0.0f,
          "fp32 dtypes: %d %s", r, err);
    for (int i = 0; i < 3; i++)
        T->tensor_free(d3[i]), d3[i] = NULL;

    /* a dict result: its values in insertion order */
    r = T->module_run(m, "named", NULL, 0, out, 2, err, sizeof(err));
    CHECK(r == 2 && T->tensor_data(out[0])[0] == 2.0f && T->tensor_data(out[1])[0] == 1.0f,
          "dict values: %d %s", r, err);
    T->tensor_free(out[0]);
    T->tensor_free(out[1]);
    out[0] = out[1] = NULL;

    /* errors */
    r = T->module_run(m, "decode", a1, 1, out, 2, err, sizeof(err));
    CHECK(r == -ENOENT && strstr(err, "no method 'decode'"), "unknown method: %d %s", r, err);
    r = T->module_run(m, "label", NULL, 0, out, 2, err, sizeof(err));
    CHECK(r < 0 && strstr(err, "not tensors"), "int result: %d %s", r, err);
    r = T->module_run(m, NULL, NULL, 0, out, 2, err, sizeof(err));
    CHECK(r < 0 && strstr(err, "forward") && !strchr(err, '\n'), "missing argument: %d %s", r, err);
    fveval_arg a3[] = {FVEVAL_ARG_INT_OF(NULL, 4)};
    r = T->module_run(m, NULL, a3, 1, out, 2, err, sizeof(err));
    CHECK(r < 0 && !strchr(err, '\n'), "int for a tensor: %d %s", r, err);
    fveval_arg a4[] = {FVEVAL_ARG_TENSOR_OF(2, shape, x), FVEVAL_ARG_INT_OF("nope", 1)};
    r = T->module_run(m, NULL, a4, 2, out, 2, err, sizeof(err));
    CHECK(r < 0 && strstr(err, "nope"), "unknown keyword: %d %s", r, err);
    int64_t neg[1] = {-2};
    fveval_arg a5[] = {FVEVAL_ARG_TENSOR_OF(1, neg, x)};
    r = T->module_run(m, NULL, a5, 1, out, 2, err, sizeof(err));
    CHECK(r < 0 && strstr(err, "negative"), "negative size: %d %s", r, err);
    T->module_free(m);

    /* fp16 (ABI 1.3): weights converted at load, float arguments cast to half,
     * results handed back as float32 */
    CHECK(!T->module_load_precision(path, "cpu", 7, err, sizeof(err)) && strstr(err, "precision"),
          "unknown precision: %s", err);
    fvt_module *h = T->module_load_precision(path, "cpu", FVEVAL_PRECISION_FP16, err, sizeof(err));
    CHECK(h, "fp16 load: %s", err);
    if (h) {
        float hx[6] = {0.1f, 1, 2, 3, 4, 65504};
        fveval_arg ah[] = {FVEVAL_ARG_TENSOR_OF(2, shape, hx)};
        r = T->module_run(h, "dtype_of", ah, 1, d3, 3, err, sizeof(err));
        CHECK(r == 3, "fp16 run: %d %s", r, err);
        if (r == 3) {
            CHECK(T->tensor_data(d3[1])[0] == 1.0f && T->tensor_data(d3[2])[0] == 1.0f,
                  "half argument and weight");
            /* 0.1 rounds to half (0.0999755859375) before the product; 2*65504 overflows half */
            CHECK(T->tensor_data(d3[0])[0] == 0.199951171875f, "half rounding: %.9g",
                  T->tensor_data(d3[0])[0]);
            CHECK(isinf(T->tensor_data(d3[0])[5]), "half overflow: %g", T->tensor_data(d3[0])[5]);
        }
        for (int i = 0; i < 3; i++)
            T->tensor_free(d3[i]);
        r = T->module_run(h, "encode_text", ai, 1, out, 2, err, sizeof(err));
        CHECK(r == 2 && T->tensor_data(out[1])[0] == 1.0f, "int64 stays int64 in fp16: %d %s", r, err);
        T->tensor_free(out[0]);
        T->tensor_free(out[1]);
        out[0] = out[1] = NULL;
        T->module_free(h);
    }

    /* plain tensors both ways */
    snprintf(path, sizeof(path), "%s/plain.pt", argv[1]);
    fvt_tensor *t = T->tensor_load(path, err, sizeof(err));
    CHECK(t && T->tensor_ndim(t) == 2 && T->tensor_shape(t)[1] == 3 && T->tensor_data(t)[5] == 1.25f,
          "tensor_load: %s", err);
    T->tensor_free(t);
    snprintf(path, sizeof(path), "%s/toy.pt", argv[1]);
    t = T->tensor_load(path, err, sizeof(err));
    CHECK(!t && strstr(err, "cannot load tensor"), "a module is no tensor: %s", err);
    T->tensor_free(t);
    float s[4] = {1.5f, -2.0f, 0.25f, 8.0f};
    int64_t s_shape[2] = {2, 2};
    fveval_arg sa = FVEVAL_ARG_TENSOR_OF(2, s_shape, s);
    snprintf(path, sizeof(path), "%s/saved.pt", argv[1]);
    CHECK(T->tensor_save(&sa, path, err, sizeof(err)) == 0, "tensor_save: %s", err);
    snprintf(path, sizeof(path), "%s/no/such/dir/saved.pt", argv[1]);
    CHECK(T->tensor_save(&sa, path, err, sizeof(err)) < 0 && strstr(err, "cannot save"), "%s", err);

    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    else
        printf("ok: libfveval-torch\n");
    return failures ? 1 : 0;
}
