// SPDX-License-Identifier: Apache-2.0
//
// libfveval-torch: the C API of torch.h over libtorch.  One translation unit
// on purpose: libtorch headers make each one slow to compile.  Nothing may
// throw across the extern "C" boundary, so every entry point wraps its body
// in guard().
#include "config.h"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include <torch/script.h>
#include <torch/serialize.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

#include "torch.h"

struct fvt_module {
    torch::jit::Module module;
    torch::Device device{torch::kCPU};
    bool half = false; // float tensor arguments are cast to half at each call
};

struct fvt_tensor {
    torch::Tensor t;   // float32, contiguous, CPU
    std::vector<int64_t> shape;
};

namespace {

void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

// The first line of an exception's text: libtorch appends backtraces and
// TorchScript source excerpts that do not belong in a one-line reason.
std::string first_line(const char *what)
{
    std::string s(what ? what : "unknown error");
    size_t nl = s.find('\n');
    if (nl != std::string::npos)
        s.resize(nl);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r'))
        s.pop_back();
    return s;
}

// Run @p body; any exception becomes "<what>: <message>" in err and @p fail is returned.
template <typename R, typename F> R guard(const char *what, char *err, size_t errlen, R fail, F body)
{
    try {
        return body();
    } catch (const c10::Error &e) {
        set_err(err, errlen, "%s: %s", what, first_line(e.what_without_backtrace()).c_str());
    } catch (const std::bad_alloc &) {
        set_err(err, errlen, "%s: out of memory", what);
    } catch (const std::exception &e) {
        set_err(err, errlen, "%s: %s", what, first_line(e.what()).c_str());
    } catch (...) {
        set_err(err, errlen, "%s: unknown C++ exception", what);
    }
    return fail;
}

std::string available_devices()
{
    std::string s = "cpu";
    int n = torch::cuda::is_available() ? (int) torch::cuda::device_count() : 0;
    for (int i = 0; i < n; i++)
        s += ", cuda:" + std::to_string(i);
    return s;
}

// Parse "cpu", "cuda", "cuda:N"; 0 and *out on success.
int parse_device(const char *device, torch::Device *out, char *err, size_t errlen)
{
    const char *d = device && *device ? device : "cpu";
    if (strcmp(d, "cpu") == 0) {
        *out = torch::Device(torch::kCPU);
        return 0;
    }
    int index = 0;
    if (strncmp(d, "cuda", 4) == 0 && (d[4] == '\0' || d[4] == ':')) {
        if (d[4] == ':') {
            char *end = nullptr;
            long v = strtol(d + 5, &end, 10);
            if (end == d + 5 || *end || v < 0 || v > 255) {
                set_err(err, errlen, "malformed device '%s' (use cpu or cuda:N)", d);
                return -EINVAL;
            }
            index = (int) v;
        }
        int n = torch::cuda::is_available() ? (int) torch::cuda::device_count() : 0;
        if (index >= n) {
            set_err(err, errlen, "device '%s' is not available: %s (available: %s)", d,
                    n ? "no such CUDA device" : "libtorch sees no CUDA device",
                    available_devices().c_str());
            return -ENODEV;
        }
        *out = torch::Device(torch::kCUDA, (c10::DeviceIndex) index);
        return 0;
    }
    set_err(err, errlen, "unknown device '%s' (use cpu or cuda:N)", d);
    return -EINVAL;
}

torch::Tensor tensor_from_arg(const fveval_arg &a)
{
    if (a.ndim < 0 || a.ndim > 16 || (a.ndim > 0 && !a.shape))
        throw std::invalid_argument("tensor argument with a bad shape");
    std::vector<int64_t> shape(a.shape, a.shape + a.ndim);
    int64_t numel = 1;
    for (int64_t s : shape) {
        if (s < 0)
            throw std::invalid_argument("tensor argument with a negative size");
        numel *= s;
    }
    if (numel && !a.data)
        throw std::invalid_argument("tensor argument without data");
    bool i64 = a.type == FVEVAL_ARG_TENSOR_I64;
    torch::Tensor t = torch::empty(shape, torch::dtype(i64 ? torch::kInt64 : torch::kFloat32));
    if (numel)
        memcpy(t.data_ptr(), a.data, (size_t) numel * (i64 ? sizeof(int64_t) : sizeof(float)));
    return t;
}

// An FVEVAL_ARG_TENSOR_CUDA argument: the caller's device memory wrapped as a CUDA
// tensor (torch::from_blob, no copy), after checking that this libtorch has CUDA at
// all and sees the device; wrapping memory of a device libtorch cannot reach would
// only fail later, inside the model, with a less clear message.
torch::Tensor tensor_from_device_arg(const fveval_arg &a)
{
    if (a.ndim < 0 || a.ndim > 16 || (a.ndim > 0 && !a.shape))
        throw std::invalid_argument("tensor argument with a bad shape");
    if (!c10::impl::hasDeviceGuardImpl(c10::DeviceType::CUDA))
        throw std::runtime_error("libtorch built without CUDA: cannot take a CUDA device tensor");
    int n = torch::cuda::is_available() ? (int) torch::cuda::device_count() : 0;
    if (a.i < 0 || a.i >= n)
        throw std::runtime_error("CUDA device tensor on cuda:" + std::to_string(a.i) +
                                 ", which libtorch does not see (" + std::to_string(n) + " visible)");
    std::vector<int64_t> shape(a.shape, a.shape + a.ndim);
    for (int64_t s : shape)
        if (s < 0)
            throw std::invalid_argument("tensor argument with a negative size");
    if (!a.data)
        throw std::invalid_argument("tensor argument without data");
    auto opts = torch::TensorOptions()
                    .dtype(torch::kFloat32)
                    .device(torch::Device(torch::kCUDA, (c10::DeviceIndex) a.i));
    return torch::from_blob(const_cast<float *>(a.data), shape, opts);
}

fvt_tensor *host_tensor(const torch::Tensor &src)
{
    auto *out = new fvt_tensor;
    out->t = src.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    out->shape.assign(out->t.sizes().begin(), out->t.sizes().end());
    return out;
}

c10::IValue ivalue_from_arg(const fveval_arg &a, const fvt_module &m)
{
    switch (a.type) {
    case FVEVAL_ARG_TENSOR:
        return m.half ? tensor_from_arg(a).to(m.device, torch::kHalf) : tensor_from_arg(a).to(m.device);
    case FVEVAL_ARG_TENSOR_I64:
        return tensor_from_arg(a).to(m.device);
    case FVEVAL_ARG_TENSOR_CUDA: {
        // On the module's device already: no copy; another device or half: one device copy.
        torch::Tensor t = tensor_from_device_arg(a);
        return m.half ? t.to(m.device, torch::kHalf) : t.to(m.device);
    }
    case FVEVAL_ARG_BOOL:
        return c10::IValue(a.i != 0);
    case FVEVAL_ARG_INT:
        return c10::IValue(a.i);
    case FVEVAL_ARG_DOUBLE:
        return c10::IValue(a.d);
    default:
        throw std::invalid_argument("argument of unknown type " + std::to_string((int) a.type));
    }
}

// Flatten a method's result into tensors: a tensor, or a tuple/list of them.
void collect(const c10::IValue &v, std::vector<torch::Tensor> &out)
{
    if (v.isTensor())
        out.push_back(v.toTensor());
    else if (v.isTuple())
        for (const auto &e : v.toTupleRef().elements())
            collect(e, out);
    else if (v.isTensorList())
        for (const auto &t : v.toTensorVector())
            out.push_back(t);
    else if (v.isList())
        for (const auto &e : v.toListRef())
            collect(e, out);
    else if (v.isGenericDict()) // values in insertion order, as Python's dict keeps them
        for (const auto &e : v.toGenericDict())
            collect(e.value(), out);
    else
        throw std::runtime_error(std::string("the method returned a ") + v.tagKind() +
                                 ", not tensors");
}

// ---- the API ------------------------------------------------------------

int api_device_check(const char *device, char *err, size_t errlen)
{
    return guard("device", err, errlen, -EINVAL, [&] {
        torch::Device d(torch::kCPU);
        return parse_device(device, &d, err, errlen);
    });
}

fvt_module *api_module_load_precision(const char *path, const char *device, int precision, char *err,
                                      size_t errlen)
{
    std::string what = std::string("cannot load '") + (path ? path : "(null)") + "'";
    return guard(what.c_str(), err, errlen, (fvt_module *) nullptr, [&]() -> fvt_module * {
        torch::Device dev(torch::kCPU);
        if (!path || parse_device(device, &dev, err, errlen) < 0) {
            if (!path)
                set_err(err, errlen, "no model path");
            return nullptr;
        }
        if (precision != FVEVAL_PRECISION_FP32 && precision != FVEVAL_PRECISION_FP16) {
            set_err(err, errlen, "unknown precision %d", precision);
            return nullptr;
        }
        auto *m = new fvt_module;
        try {
            m->module = torch::jit::load(path, dev);
            m->module.eval();
            m->device = dev;
            if (precision == FVEVAL_PRECISION_FP16) {
                m->module.to(torch::kHalf);
                m->half = true;
            }
        } catch (...) {
            delete m;
            throw;
        }
        return m;
    });
}

fvt_module *api_module_load(const char *path, const char *device, char *err, size_t errlen)
{
    return api_module_load_precision(path, device, FVEVAL_PRECISION_FP32, err, errlen);
}

void api_module_free(fvt_module *m)
{
    try {
        delete m;
    } catch (...) {
    }
}

int api_module_run(fvt_module *m, const char *method, const fveval_arg *args, size_t n_args,
                   fvt_tensor **outs, size_t max_outs, char *err, size_t errlen)
{
    const char *name = method && *method ? method : "forward";
    std::string what = std::string("model method '") + name + "'";
    return guard(what.c_str(), err, errlen, -EINVAL, [&]() -> int {
        if (!m)
            throw std::invalid_argument("no model");
        auto meth = m->module.find_method(name);
        if (!meth) {
            set_err(err, errlen, "the model has no method '%s'", name);
            return -ENOENT;
        }
        std::vector<c10::IValue> stack;
        torch::jit::Kwargs kwargs;
        for (size_t i = 0; i < n_args; i++) {
            if (args[i].name)
                kwargs[args[i].name] = ivalue_from_arg(args[i], *m);
            else
                stack.push_back(ivalue_from_arg(args[i], *m));
        }
        torch::NoGradGuard no_grad;
        c10::IValue result = (*meth)(std::move(stack), kwargs);
        std::vector<torch::Tensor> tensors;
        collect(result, tensors);
        size_t made = 0;
        try {
            for (; made < tensors.size() && made < max_outs; made++)
                outs[made] = host_tensor(tensors[made]);
        } catch (...) {
            for (size_t k = 0; k < made; k++) {
                delete outs[k];
                outs[k] = nullptr;
            }
            throw;
        }
        return (int) tensors.size();
    });
}

int api_tensor_ndim(const fvt_tensor *t) { return t ? (int) t->shape.size() : 0; }

const int64_t *api_tensor_shape(const fvt_tensor *t) { return t ? t->shape.data() : nullptr; }

const float *api_tensor_data(const fvt_tensor *t)
{
    return t && t->t.defined() ? t->t.data_ptr<float>() : nullptr;
}

void api_tensor_free(fvt_tensor *t)
{
    try {
        delete t;
    } catch (...) {
    }
}

int api_tensor_save(const fveval_arg *a, const char *path, char *err, size_t errlen)
{
    std::string what = std::string("cannot save '") + (path ? path : "(null)") + "'";
    return guard(what.c_str(), err, errlen, -EIO, [&]() -> int {
        if (!a || a->type != FVEVAL_ARG_TENSOR || !path)
            throw std::invalid_argument("not a tensor");
        std::vector<char> bytes = torch::pickle_save(c10::IValue(tensor_from_arg(*a)));
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f.write(bytes.data(), (std::streamsize) bytes.size());
        f.close();
        if (!f)
            throw std::runtime_error(strerror(errno ? errno : EIO));
        return 0;
    });
}

fvt_tensor *api_tensor_load(const char *path, char *err, size_t errlen)
{
    std::string what = std::string("cannot load tensor '") + (path ? path : "(null)") + "'";
    return guard(what.c_str(), err, errlen, (fvt_tensor *) nullptr, [&]() -> fvt_tensor * {
        std::ifstream f(path ? path : "", std::ios::binary);
        if (!f)
            throw std::runtime_error(strerror(errno ? errno : ENOENT));
        std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        c10::IValue v = torch::pickle_load(bytes);
        if (!v.isTensor())
            throw std::runtime_error(std::string("the file holds a ") + v.tagKind() + ", not a tensor");
        return host_tensor(v.toTensor());
    });
}

const fvt_api libtorch_api = {
    1,
    "libtorch " TORCH_VERSION,
    api_device_check,
    api_module_load,
    api_module_free,
    api_module_run,
    api_tensor_ndim,
    api_tensor_shape,
    api_tensor_data,
    api_tensor_free,
    api_tensor_save,
    api_tensor_load,
    api_module_load_precision,
};

} // namespace

extern "C" const fvt_api *fvt_libtorch(void) { return &libtorch_api; }
