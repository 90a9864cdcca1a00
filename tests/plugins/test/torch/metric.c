/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test.torch: the model services end to end.  setup loads a declared
 * TorchScript file (option `file`: toy.pt, or sealed.pt whose declared
 * sha256 no file has); compute feeds the video's mean byte value to
 * forward(x, True, k=3) of tests/torch/make_shim_models.py's toy module,
 * which returns (x * 2 + 3) * 10, and reports the output tensor's shape.
 * Option `precision` loads the module through fveval_model_load_precision
 * (ABI 1.3); details `half_input`/`half_weight` then come from dtype_of().
 */
#include <errno.h>
#include <stddef.h>

#include <fveval/plugin.h>

typedef struct {
    int file;
    int precision;
    fveval_model *model;
} torch_priv;

static const char *const file_names[] = {"toy.pt", "sealed.pt", "undeclared.pt", NULL};
static const char *const precision_names[] = {"fp32", "fp16", NULL}; /* fveval_precision order */

static const fveval_option torch_options[] = {
    {.name = "file", .help = "which model file setup loads", .type = FVEVAL_OPT_ENUM,
     .offset = offsetof(torch_priv, file), .def.i64 = 0, .enum_names = file_names},
    {.name = "precision", .help = "the precision the module is loaded in", .type = FVEVAL_OPT_ENUM,
     .offset = offsetof(torch_priv, precision), .def.i64 = 0, .enum_names = precision_names},
    {.name = NULL},
};

static const fveval_field torch_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED},
    {.name = NULL},
};

static const fveval_model_file torch_models[] = {
    {.name = "toy.pt", .source = "tests/torch/make_shim_models.py"},
    {.name = "sealed.pt",
     .sha256 = "0000000000000000000000000000000000000000000000000000000000000000",
     .source = "no file has this hash"},
    {.name = NULL},
};

static int torch_model_needed(fveval_ctx *ctx, const char *name)
{
    const torch_priv *p = fveval_priv(ctx);
    return p->file < 2 && name[0] == file_names[p->file][0];
}

static int torch_setup(fveval_ctx *ctx)
{
    torch_priv *p = fveval_priv(ctx);
    p->model = fveval_model_load_precision(ctx, file_names[p->file], p->precision);
    return p->model ? 0 : -ENOENT;
}

static int torch_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *r)
{
    torch_priv *p = fveval_priv(ctx);
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    double sum = 0;
    for (int t = 0; t < v->nb_frames; t++)
        for (int y = 0; y < v->height; y++)
            for (int x = 0; x < v->width * 3; x++)
                sum += fveval_video_pixel(v, t, y, 0)[x];
    float mean = (float) (sum / ((double) v->nb_frames * v->height * v->width * 3));
    int64_t shape[1] = {1};
    fveval_arg args[] = {FVEVAL_ARG_TENSOR_OF(1, shape, &mean), FVEVAL_ARG_BOOL_OF(NULL, 1),
                         FVEVAL_ARG_INT_OF("k", 3)};
    fveval_tensor *out = NULL;
    int n = fveval_model_run(ctx, p->model, "forward", args, 3, &out, 1);
    if (n < 0) {
        fveval_result_skip(ctx, r, "%s", fveval_model_error(ctx));
        return -ENOTSUP;
    }
    int64_t dims[4];
    int nd = fveval_tensor_shape(ctx, out, dims, 4);
    fveval_result_score(ctx, r, fveval_tensor_data(ctx, out)[0]);
    fveval_result_number(ctx, r, "ndim", nd);
    fveval_result_number(ctx, r, "dim0", nd > 0 ? (double) dims[0] : -1);
    fveval_result_number(ctx, r, "input", mean);
    fveval_tensor_free(ctx, out);
    fveval_tensor *dt[3] = {NULL, NULL, NULL};
    if (fveval_model_run(ctx, p->model, "dtype_of", args, 1, dt, 3) == 3) {
        fveval_result_bool(ctx, r, "half_input", fveval_tensor_data(ctx, dt[1])[0] == 1.0f);
        fveval_result_bool(ctx, r, "half_weight", fveval_tensor_data(ctx, dt[2])[0] == 1.0f);
    }
    for (int i = 0; i < 3; i++)
        fveval_tensor_free(ctx, dt[i]);
    return 0;
}

static void torch_uninit(fveval_ctx *ctx)
{
    torch_priv *p = fveval_priv(ctx);
    fveval_model_free(ctx, p->model);
    p->model = NULL;
}

static const fveval_plugin torch_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "test.torch",
    .summary = "a TorchScript toy through the model services (test metric)",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_NEEDS_MODEL,
    .fields = torch_fields,
    .options = torch_options,
    .models = torch_models,
    .priv_size = sizeof(torch_priv),
    .setup = torch_setup,
    .compute = torch_compute,
    .uninit = torch_uninit,
    .model_needed = torch_model_needed,
};

FVEVAL_PLUGIN_DEFINE(torch_plugin)
