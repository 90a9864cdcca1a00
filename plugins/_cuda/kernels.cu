// SPDX-License-Identifier: Apache-2.0
//
// The CUDA side of fvcuda.h (built only when configure found nvcc).
//
// Exactness, kernel by kernel (README.md has the why):
//  - fvcu_sum_diff: integer sums, atomics on 64-bit integers: the CPU's sums exactly.
//  - fvcu_transform: the float arithmetic of plugins/_vision spelled with the
//    round-to-nearest intrinsics (__fmul_rn, __fadd_rn, __fdiv_rn, __fsub_rn), which
//    nvcc never contracts into fused multiply-adds, in the CPU's order, with the
//    resize weights computed by the CPU code itself (fvv_resize_weights): the
//    same floats bit for bit.
//  - fvcu_ssim: double, the map summed per row in a fixed tree order, rows summed
//    on the host in order: deterministic, and within 1e-12 of the CPU's value (whose
//    own sums are ordered differently and may be fused).
#include "config.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <cuda_runtime.h>

#include "fvcuda.h"

namespace {

const int THREADS = 256;

int cuda_fail(cudaError_t e, const char *what, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "CUDA: %s: %s", what, cudaGetErrorString(e));
    return e == cudaErrorMemoryAllocation ? -ENOMEM : -EIO;
}

int set_err(char *err, size_t errlen, int rc, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
    return rc;
}

#define CK(call, what)                                          \
    do {                                                        \
        cudaError_t e_ = (call);                                \
        if (e_ != cudaSuccess)                                  \
            return cuda_fail(e_, what, err, errlen);            \
    } while (0)

// A kernel launch's own error, then the first error of its execution.
#define CK_LAUNCH(what) CK(cudaGetLastError(), what)

// Device buffers released at scope exit, whatever path returns.
struct dev_buf {
    void *p = nullptr;
    ~dev_buf() { if (p) cudaFree(p); }
    template <typename T> T *as() const { return static_cast<T *>(p); }
};

// ---- integer sums of differences ------------------------------------------------------

__global__ void sum_diff_kernel(const uint8_t *a, const uint8_t *b, size_t frame_bytes,
                                int square, unsigned long long *sums)
{
    const uint8_t *fa = a + (size_t) blockIdx.y * frame_bytes;
    const uint8_t *fb = b + (size_t) blockIdx.y * frame_bytes;
    unsigned long long acc = 0;
    for (size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x; i < frame_bytes;
         i += (size_t) gridDim.x * blockDim.x) {
        int d = (int) fa[i] - (int) fb[i];
        acc += (unsigned) (square ? d * d : d < 0 ? -d : d);
    }
    __shared__ unsigned long long part[THREADS];
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s >>= 1) {
        if ((int) threadIdx.x < s)
            part[threadIdx.x] += part[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        atomicAdd(&sums[blockIdx.y], part[0]); // integers: any order gives the same sum
}

// ---- SSIM ----------------------------------------------------------------------------------

struct ssim_taps {
    double g[64];
};

// Vertical pass of output row o: x, y, x^2 + y^2, x*y of the rows the window covers.
__global__ void ssim_vertical(const uint8_t *a, const uint8_t *b, int h, int row, int ws, int pad,
                              ssim_taps t, double *v, size_t plane)
{
    int o = blockIdx.y;
    int k0 = pad - o > 0 ? pad - o : 0;
    int k1 = h - o + pad < ws ? h - o + pad : ws;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < row; i += gridDim.x * blockDim.x) {
        double sx = 0, sy = 0, ss = 0, sp = 0;
        for (int k = k0; k < k1; k++) {
            size_t at = (size_t) (o - pad + k) * row + i;
            double x = a[at], y = b[at], g = t.g[k];
            sx += g * x;
            sy += g * y;
            ss += g * (x * x + y * y);
            sp += g * (x * y);
        }
        size_t at = (size_t) o * row + i;
        v[at] = sx;
        v[plane + at] = sy;
        v[2 * plane + at] = ss;
        v[3 * plane + at] = sp;
    }
}

// Horizontal pass and the map of output row o, summed (fixed tree) into rowsum[o].
__global__ void ssim_horizontal(const double *v, size_t plane, int row, int out_row, int ws,
                                int pad, ssim_taps t, double c1, double c2, double *rowsum)
{
    int o = blockIdx.x;
    const double *vx = v + (size_t) o * row, *vy = vx + plane, *vs = vx + 2 * plane,
                 *vp = vx + 3 * plane;
    double acc = 0;
    for (int i = threadIdx.x; i < out_row; i += blockDim.x) {
        double mx = 0, my = 0, ms = 0, mp = 0;
        for (int k = 0; k < ws; k++) {
            int j = i + 3 * (k - pad);
            if (j < 0 || j >= row)
                continue; // zero padding
            double g = t.g[k];
            mx += g * vx[j];
            my += g * vy[j];
            ms += g * vs[j];
            mp += g * vp[j];
        }
        double mxy = mx * my, mm = mx * mx + my * my;
        double num = (2.0 * mxy + c1) * (2.0 * (mp - mxy) + c2);
        double den = (mm + c1) * ((ms - mm) + c2);
        acc += num / den;
    }
    __shared__ double part[THREADS];
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s >>= 1) {
        if ((int) threadIdx.x < s)
            part[threadIdx.x] += part[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        rowsum[o] = part[0];
}

// ---- vision transform ----------------------------------------------------------------------

struct tf_params {
    int in_w, in_h, rw, rh, ow, oh, n;
    int resize, crop, top, left, pad_top, pad_left;
    int in_divide, post_divide, normalise, layout;
    float in_div, post_div;
    float mean[3], std[3];
    size_t frame_bytes;
    int ax_taps, ay_taps;
};

// x.float() / divisor, or the byte as a float.
__device__ inline float to_float(uint8_t byte, const tf_params &p)
{
    return p.in_divide ? __fdiv_rn((float) byte, p.in_div) : (float) byte;
}

// fvv_resize's dot: acc = x0 w0, then acc += xj wj, rounded at each step (no fma).
__device__ inline float dot_rn(float acc, float x, float w) { return __fadd_rn(acc, __fmul_rn(x, w)); }

// Width pass of every input row: tmp is (n, 3, in_h, rw).
__global__ void tf_width_pass(const uint8_t *frames, const int *slots, tf_params p, const int *count,
                              const int *index, const float *w, float *tmp)
{
    size_t total = (size_t) p.n * 3 * p.in_h * p.rw;
    for (size_t e = (size_t) blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (size_t) gridDim.x * blockDim.x) {
        int x = (int) (e % p.rw);
        size_t r = e / p.rw;
        int y = (int) (r % p.in_h);
        int c = (int) (r / p.in_h % 3);
        int f = (int) (r / p.in_h / 3);
        const uint8_t *src = frames + (size_t) slots[f] * p.frame_bytes + (size_t) y * 3 * p.in_w + c;
        const int *ix = index + (size_t) x * p.ax_taps;
        const float *wx = w + (size_t) x * p.ax_taps;
        float acc = __fmul_rn(to_float(src[3 * ix[0]], p), wx[0]);
        for (int j = 1; j < count[x]; j++)
            acc = dot_rn(acc, to_float(src[3 * ix[j]], p), wx[j]);
        tmp[e] = acc;
    }
}

// Height pass (or the plain conversion), crop, post divisor, normalisation, layout.
__global__ void tf_finish(const uint8_t *frames, const int *slots, tf_params p, const float *tmp,
                          const int *count, const int *index, const float *w, float *dst)
{
    size_t total = (size_t) p.n * 3 * p.oh * p.ow;
    for (size_t e = (size_t) blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (size_t) gridDim.x * blockDim.x) {
        int ox = (int) (e % p.ow);
        size_t r = e / p.ow;
        int oy = (int) (r % p.oh);
        int c = (int) (r / p.oh % 3);
        int f = (int) (r / p.oh / 3);
        // fvv_center_crop: the crop's pixel in the resized image, zero outside it.
        int sy = p.crop ? p.top + oy - p.pad_top : oy;
        int sx = p.crop ? p.left + ox - p.pad_left : ox;
        float val = 0.0f;
        if (sy >= 0 && sy < p.rh && sx >= 0 && sx < p.rw) {
            if (p.resize) {
                const float *col = tmp + ((size_t) f * 3 + c) * p.in_h * p.rw + sx;
                const int *iy = index + (size_t) sy * p.ay_taps;
                const float *wy = w + (size_t) sy * p.ay_taps;
                val = __fmul_rn(col[(size_t) iy[0] * p.rw], wy[0]);
                for (int j = 1; j < count[sy]; j++)
                    val = dot_rn(val, col[(size_t) iy[j] * p.rw], wy[j]);
            } else {
                val = to_float(frames[(size_t) slots[f] * p.frame_bytes +
                                      ((size_t) sy * p.in_w + sx) * 3 + c], p);
            }
        }
        if (p.post_divide)
            val = __fdiv_rn(val, p.post_div);
        if (p.normalise)
            val = __fdiv_rn(__fsub_rn(val, p.mean[c]), p.std[c]);
        size_t plane = (size_t) p.oh * p.ow, at = (size_t) oy * p.ow + ox;
        size_t o = p.layout == FVCU_LAYOUT_CTHW ? ((size_t) c * p.n + f) * plane + at
                                                : ((size_t) f * 3 + c) * plane + at;
        dst[o] = val;
    }
}

int grid_for(size_t elements)
{
    size_t blocks = (elements + THREADS - 1) / THREADS;
    return (int) (blocks < 1 ? 1 : blocks > 65535 ? 65535 : blocks);
}

// One axis's weights on the device: count, index, w (each a dev_buf).
int upload_weights(const fvv_axis_weights &a, int out, dev_buf *count, dev_buf *index, dev_buf *w,
                   char *err, size_t errlen)
{
    size_t slots = (size_t) out * a.taps;
    CK(cudaMalloc(&count->p, sizeof(int) * out), "weights");
    CK(cudaMalloc(&index->p, sizeof(int) * slots), "weights");
    CK(cudaMalloc(&w->p, sizeof(float) * slots), "weights");
    CK(cudaMemcpy(count->p, a.count, sizeof(int) * out, cudaMemcpyHostToDevice), "weights");
    CK(cudaMemcpy(index->p, a.index, sizeof(int) * slots, cudaMemcpyHostToDevice), "weights");
    CK(cudaMemcpy(w->p, a.w, sizeof(float) * slots, cudaMemcpyHostToDevice), "weights");
    return 0;
}

int check_range(const fvcu_frames *f, int first, int n, char *err, size_t errlen)
{
    if (!f || first < 0 || n < 0 || first + n > f->capacity)
        return set_err(err, errlen, -EINVAL, "CUDA: frame range outside the uploaded frames");
    return 0;
}

} // namespace

extern "C" {

const char *fvcu_toolkit(void) { return FVEVAL_CUDA_TOOLKIT; }

int fvcu_check(int index, char *err, size_t errlen)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        if (err && errlen)
            snprintf(err, errlen, "no usable CUDA device: %s", cudaGetErrorString(e));
        return -ENODEV;
    }
    if (index < 0 || index >= n) {
        if (err && errlen)
            snprintf(err, errlen, "no CUDA device %d (%d visible)", index, n);
        return -ENODEV;
    }
    return 0;
}

fvcu_frames *fvcu_frames_new(int index, int width, int height, int capacity, char *err,
                             size_t errlen)
{
    if (width < 1 || height < 1 || capacity < 0) {
        set_err(err, errlen, -EINVAL, "CUDA: bad frame geometry");
        return nullptr;
    }
    if (fvcu_check(index, err, errlen) < 0)
        return nullptr;
    auto *f = static_cast<fvcu_frames *>(calloc(1, sizeof(fvcu_frames)));
    if (!f) {
        set_err(err, errlen, -ENOMEM, "out of memory");
        return nullptr;
    }
    f->device = index;
    f->width = width;
    f->height = height;
    f->capacity = capacity;
    f->frame_bytes = (size_t) 3 * width * height;
    cudaError_t e = cudaSetDevice(index);
    if (e == cudaSuccess)
        e = cudaMalloc(&f->data, f->frame_bytes * (capacity > 0 ? capacity : 1));
    if (e != cudaSuccess) {
        cuda_fail(e, "frames", err, errlen);
        free(f);
        return nullptr;
    }
    return f;
}

void fvcu_frames_free(fvcu_frames *f)
{
    if (!f)
        return;
    cudaSetDevice(f->device);
    cudaFree(f->data);
    free(f);
}

int fvcu_frames_upload(fvcu_frames *f, int slot, const uint8_t *data, ptrdiff_t linesize,
                       size_t frame_stride, int n, char *err, size_t errlen)
{
    int rc = check_range(f, slot, n, err, errlen);
    if (rc < 0 || n == 0)
        return rc;
    CK(cudaSetDevice(f->device), "device");
    size_t row = (size_t) 3 * f->width;
    uint8_t *dst = f->data + (size_t) slot * f->frame_bytes;
    if (frame_stride == (size_t) linesize * f->height) // frames back to back: one copy
        CK(cudaMemcpy2D(dst, row, data, linesize, row, (size_t) f->height * n,
                        cudaMemcpyHostToDevice), "upload");
    else
        for (int i = 0; i < n; i++)
            CK(cudaMemcpy2D(dst + i * f->frame_bytes, row, data + i * frame_stride, linesize, row,
                            f->height, cudaMemcpyHostToDevice), "upload");
    return 0;
}

int fvcu_sum_diff(const fvcu_frames *a, int a_first, const fvcu_frames *b, int b_first, int n,
                  int square, uint64_t *sums, char *err, size_t errlen)
{
    int rc = check_range(a, a_first, n, err, errlen);
    if (rc == 0)
        rc = check_range(b, b_first, n, err, errlen);
    if (rc < 0 || n == 0)
        return rc;
    if (a->device != b->device || a->frame_bytes != b->frame_bytes)
        return set_err(err, errlen, -EINVAL, "CUDA: frames of different devices or sizes");
    CK(cudaSetDevice(a->device), "device");
    dev_buf d;
    CK(cudaMalloc(&d.p, sizeof(unsigned long long) * n), "sums");
    CK(cudaMemset(d.p, 0, sizeof(unsigned long long) * n), "sums");
    int bx = grid_for(a->frame_bytes / 8);
    for (int i0 = 0; i0 < n; i0 += 65535) { // a grid's y extent is at most 65535 frames
        int m = n - i0 < 65535 ? n - i0 : 65535;
        dim3 grid(bx > 1024 ? 1024 : bx, (unsigned) m);
        sum_diff_kernel<<<grid, THREADS>>>(a->data + (size_t) (a_first + i0) * a->frame_bytes,
                                           b->data + (size_t) (b_first + i0) * b->frame_bytes,
                                           a->frame_bytes, square, d.as<unsigned long long>() + i0);
        CK_LAUNCH("sum kernel");
    }
    static_assert(sizeof(uint64_t) == sizeof(unsigned long long), "64-bit sums");
    CK(cudaMemcpy(sums, d.p, sizeof(uint64_t) * n, cudaMemcpyDeviceToHost), "sums");
    return 0;
}

int fvcu_ssim(const fvcu_frames *a, int a_first, const fvcu_frames *b, int b_first, int n,
              int ws, const double *g, double *values, char *err, size_t errlen)
{
    int rc = check_range(a, a_first, n, err, errlen);
    if (rc == 0)
        rc = check_range(b, b_first, n, err, errlen);
    if (rc < 0 || n == 0)
        return rc;
    if (a->device != b->device || a->frame_bytes != b->frame_bytes)
        return set_err(err, errlen, -EINVAL, "CUDA: frames of different devices or sizes");
    if (ws < 1 || ws > 64)
        return set_err(err, errlen, -EINVAL, "CUDA: SSIM window outside 1..64");
    CK(cudaSetDevice(a->device), "device");
    ssim_taps t;
    memcpy(t.g, g, sizeof(double) * ws);
    const int pad = ws / 2, h = a->height, row = 3 * a->width;
    const int out_h = h + 2 * pad - ws + 1, out_row = 3 * (a->width + 2 * pad - ws + 1);
    const size_t plane = (size_t) out_h * row;
    // Byte units, as common.ssim: C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2 for data range 1.
    const double c1 = 0.01 * 0.01 * 255.0 * 255.0, c2 = 0.03 * 0.03 * 255.0 * 255.0;
    dev_buf v, rows;
    CK(cudaMalloc(&v.p, sizeof(double) * 4 * plane), "SSIM scratch");
    CK(cudaMalloc(&rows.p, sizeof(double) * (size_t) out_h * n), "SSIM scratch");
    for (int i = 0; i < n; i++) {
        const uint8_t *fa = a->data + (size_t) (a_first + i) * a->frame_bytes;
        const uint8_t *fb = b->data + (size_t) (b_first + i) * b->frame_bytes;
        int bx = (row + THREADS - 1) / THREADS;
        ssim_vertical<<<dim3(bx, out_h), THREADS>>>(fa, fb, h, row, ws, pad, t, v.as<double>(), plane);
        CK_LAUNCH("SSIM kernel");
        ssim_horizontal<<<out_h, THREADS>>>(v.as<double>(), plane, row, out_row, ws, pad, t, c1, c2,
                                            rows.as<double>() + (size_t) i * out_h);
        CK_LAUNCH("SSIM kernel");
    }
    double *host = static_cast<double *>(malloc(sizeof(double) * (size_t) out_h * n));
    if (!host)
        return set_err(err, errlen, -ENOMEM, "out of memory");
    cudaError_t e = cudaMemcpy(host, rows.p, sizeof(double) * (size_t) out_h * n, cudaMemcpyDeviceToHost);
    if (e != cudaSuccess) {
        free(host);
        return cuda_fail(e, "SSIM", err, errlen);
    }
    for (int i = 0; i < n; i++) {
        double total = 0;
        for (int o = 0; o < out_h; o++)
            total += host[(size_t) i * out_h + o];
        values[i] = total / ((double) out_row * out_h);
    }
    free(host);
    return 0;
}

int fvcu_transform(const fvcu_frames *f, const int *frames, int n, const fvv_transform *tf,
                   fvcu_layout layout, float *dst, char *err, size_t errlen)
{
    if (!f || !tf || n < 0)
        return set_err(err, errlen, -EINVAL, "CUDA: bad transform arguments");
    for (int i = 0; i < n; i++)
        if (frames[i] < 0 || frames[i] >= f->capacity)
            return set_err(err, errlen, -EINVAL, "CUDA: frame index outside the uploaded frames");
    if (n == 0)
        return 0;
    tf_params p = {};
    p.in_w = f->width;
    p.in_h = f->height;
    p.n = n;
    // The resized size is fvv_transform_size without the crop.
    fvv_transform no_crop = *tf;
    no_crop.crop_h = no_crop.crop_w = 0;
    fvv_transform_size(&no_crop, f->width, f->height, &p.rw, &p.rh);
    fvv_transform_size(tf, f->width, f->height, &p.ow, &p.oh);
    p.resize = p.rw != f->width || p.rh != f->height;
    p.crop = tf->crop_h > 0 && tf->crop_w > 0;
    if (p.crop) {
        // fvv_center_crop: zero padding of a too-small image, then the centred window.
        p.pad_top = tf->crop_h > p.rh ? (tf->crop_h - p.rh) / 2 : 0;
        p.pad_left = tf->crop_w > p.rw ? (tf->crop_w - p.rw) / 2 : 0;
        fvv_center_crop_offset(tf->crop_h > p.rh ? tf->crop_h : p.rh, tf->crop_w > p.rw ? tf->crop_w : p.rw,
                               tf->crop_h, tf->crop_w, &p.top, &p.left);
    }
    p.in_divide = tf->in_divisor != 0.0f && tf->in_divisor != 1.0f;
    p.in_div = tf->in_divisor;
    p.post_divide = tf->post_divisor != 0.0f && tf->post_divisor != 1.0f;
    p.post_div = tf->post_divisor;
    p.normalise = tf->mean && tf->std;
    for (int c = 0; p.normalise && c < 3; c++) {
        p.mean[c] = tf->mean[c];
        p.std[c] = tf->std[c];
    }
    p.layout = layout;
    p.frame_bytes = f->frame_bytes;
    CK(cudaSetDevice(f->device), "device");
    dev_buf slots, axc, axi, axw, ayc, ayi, ayw, tmp;
    CK(cudaMalloc(&slots.p, sizeof(int) * n), "frames");
    CK(cudaMemcpy(slots.p, frames, sizeof(int) * n, cudaMemcpyHostToDevice), "frames");
    if (p.resize) {
        fvv_axis_weights ax, ay;
        int rc = fvv_resize_weights(&ax, f->width, p.rw, tf->interp, tf->antialias);
        if (rc < 0)
            return set_err(err, errlen, rc, "resize weights: out of memory or bad size");
        rc = fvv_resize_weights(&ay, f->height, p.rh, tf->interp, tf->antialias);
        if (rc < 0)
            set_err(err, errlen, rc, "resize weights: out of memory or bad size");
        if (rc == 0)
            rc = upload_weights(ax, p.rw, &axc, &axi, &axw, err, errlen);
        if (rc == 0)
            rc = upload_weights(ay, p.rh, &ayc, &ayi, &ayw, err, errlen);
        p.ax_taps = ax.taps;
        p.ay_taps = ay.taps;
        fvv_resize_weights_free(&ax);
        fvv_resize_weights_free(&ay);
        if (rc < 0)
            return rc;
        size_t tmp_n = (size_t) n * 3 * f->height * p.rw;
        CK(cudaMalloc(&tmp.p, sizeof(float) * tmp_n), "transform scratch");
        tf_width_pass<<<grid_for(tmp_n), THREADS>>>(f->data, slots.as<int>(), p, axc.as<int>(),
                                                   axi.as<int>(), axw.as<float>(), tmp.as<float>());
        CK_LAUNCH("resize kernel");
    }
    size_t out_n = (size_t) n * 3 * p.oh * p.ow;
    tf_finish<<<grid_for(out_n), THREADS>>>(f->data, slots.as<int>(), p, tmp.as<float>(), ayc.as<int>(),
                                           ayi.as<int>(), ayw.as<float>(), dst);
    CK_LAUNCH("transform kernel");
    CK(cudaDeviceSynchronize(), "transform");
    return 0;
}

float *fvcu_alloc_floats(const fvcu_frames *f, size_t n, char *err, size_t errlen)
{
    void *p = nullptr;
    cudaError_t e = cudaSetDevice(f->device);
    if (e == cudaSuccess)
        e = cudaMalloc(&p, sizeof(float) * (n ? n : 1));
    if (e != cudaSuccess) {
        cuda_fail(e, "alloc", err, errlen);
        return nullptr;
    }
    return static_cast<float *>(p);
}

void fvcu_free(const fvcu_frames *f, void *device_ptr)
{
    if (!device_ptr)
        return;
    cudaSetDevice(f->device);
    cudaFree(device_ptr);
}

int fvcu_copy_to_host(const fvcu_frames *f, void *host, const void *device_ptr, size_t bytes,
                      char *err, size_t errlen)
{
    CK(cudaSetDevice(f->device), "device");
    CK(cudaMemcpy(host, device_ptr, bytes, cudaMemcpyDeviceToHost), "copy");
    return 0;
}

} // extern "C"
