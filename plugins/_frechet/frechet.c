/* SPDX-License-Identifier: Apache-2.0 */
/* Fréchet distance between feature sets; see frechet.h for the formula and
 * how it relates to upstream's scipy.linalg.sqrtm. */
#include "config.h"

#include "frechet.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include <cblas.h>
#include <lapacke.h>

/* LAPACK indexes with int: dsyevd's workspace (1 + 6n + 2n^2) must fit. */
#define FV_FRECHET_MAX_DIM 16384

/* NumPy's reduction buffer: a contiguous float32 sum is pairwise within
 * chunks of this many elements, the chunk sums added in order. */
#define NPY_BUFSIZE 8192
/* NumPy's pairwise-summation block. */
#define NPY_PW_BLOCKSIZE 128

/* Scratch buffers of at least this size are placed on transparent huge pages. */
#define HUGE_PAGE ((size_t)2 << 20)

/* A large scratch buffer.  Large ones are aligned to 2 MiB and the kernel is
 * asked for transparent huge pages: a fresh 2048×2048 double matrix then
 * costs 16 page faults instead of 8192, which on a virtual machine were a
 * quarter of the run time.  Freed with free(). */
static void *big_alloc(size_t bytes)
{
    if (bytes < HUGE_PAGE)
        return malloc(bytes ? bytes : 1);
    if (bytes > SIZE_MAX - HUGE_PAGE)
        return NULL;
    bytes = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    void *m = aligned_alloc(HUGE_PAGE, bytes);
#ifdef MADV_HUGEPAGE
    if (m)
        (void)madvise(m, bytes, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#endif
    return m;
}

/* A d×d double matrix, or NULL. */
static double *matrix_alloc(size_t d)
{
    if (d && d > SIZE_MAX / sizeof(double) / d)
        return NULL;
    return big_alloc(d * d * sizeof(double));
}

struct fv_feature_set {
    size_t dim;
    size_t n;
    size_t cap; /* rows */
    float *rows;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

fv_feature_set *fv_feature_set_new(size_t dim)
{
    if (dim == 0 || dim > SIZE_MAX / sizeof(float))
        return NULL;
    fv_feature_set *s = calloc(1, sizeof(*s));
    if (s)
        s->dim = dim;
    return s;
}

void fv_feature_set_free(fv_feature_set *s)
{
    if (!s)
        return;
    free(s->rows);
    free(s);
}

void fv_feature_set_clear(fv_feature_set *s)
{
    if (s)
        s->n = 0;
}

static int reserve(fv_feature_set *s, size_t more)
{
    if (more > SIZE_MAX - s->n)
        return -ENOMEM;
    size_t need = s->n + more;
    if (need <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 16;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > SIZE_MAX / sizeof(float) / s->dim)
        return -ENOMEM;
    float *r = realloc(s->rows, cap * s->dim * sizeof(float));
    if (!r)
        return -ENOMEM;
    s->rows = r;
    s->cap = cap;
    return 0;
}

int fv_feature_set_add(fv_feature_set *s, const float *rows, size_t n_rows)
{
    if (!s || (!rows && n_rows))
        return -EINVAL;
    if (n_rows == 0)
        return 0;
    int rc = reserve(s, n_rows);
    if (rc)
        return rc;
    memcpy(s->rows + s->n * s->dim, rows, n_rows * s->dim * sizeof(float));
    s->n += n_rows;
    return 0;
}

size_t fv_feature_set_count(const fv_feature_set *s) { return s ? s->n : 0; }

size_t fv_feature_set_dim(const fv_feature_set *s) { return s ? s->dim : 0; }

const float *fv_feature_set_rows(const fv_feature_set *s) { return s && s->n ? s->rows : NULL; }

int fv_feature_set_merge(fv_feature_set *dst, const fv_feature_set *src)
{
    if (!dst || !src || dst->dim != src->dim)
        return -EINVAL;
    if (dst == src) {
        /* Appending a set to itself: the source moves when the buffer grows. */
        size_t n = src->n;
        int rc = reserve(dst, n);
        if (rc)
            return rc;
        memcpy(dst->rows + n * dst->dim, dst->rows, n * dst->dim * sizeof(float));
        dst->n += n;
        return 0;
    }
    return fv_feature_set_add(dst, src->rows, src->n);
}

/* numpy/core/src/umath/loops_utils.h.src pairwise_sum for float32, strided. */
static float pairwise_sum_f32(const float *a, size_t n, size_t stride)
{
    if (n < 8) {
        float res = 0.f;
        for (size_t i = 0; i < n; i++)
            res += a[i * stride];
        return res;
    }
    if (n <= NPY_PW_BLOCKSIZE) {
        float r[8];
        for (int j = 0; j < 8; j++)
            r[j] = a[(size_t)j * stride];
        size_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += a[(i + (size_t)j) * stride];
        float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i * stride];
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum_f32(a, n2, stride) + pairwise_sum_f32(a + n2 * stride, n - n2, stride);
}

/* np.add.reduce over a contiguous float32 vector: pairwise within each
 * buffer-sized chunk, chunk sums added in order. */
static float numpy_sum_f32(const float *a, size_t n)
{
    float s = 0.f;
    for (size_t k = 0; k < n; k += NPY_BUFSIZE)
        s += pairwise_sum_f32(a + k, n - k < NPY_BUFSIZE ? n - k : NPY_BUFSIZE, 1);
    return s;
}

/* X.mean(axis=0) of a C-contiguous float32 (n, dim) array, as NumPy 1.x
 * computes it: with dim > 1 the reduced axis is the outer loop, so each
 * column is summed sequentially in float32; with dim == 1 the axis is
 * contiguous and summed pairwise per buffer chunk.  The sum is divided in
 * float32 by float32(n). */
static void numpy_mean_f32(const float *x, size_t n, size_t dim, double *mu, float *acc)
{
    if (dim == 1) {
        acc[0] = numpy_sum_f32(x, n);
    } else {
        memset(acc, 0, dim * sizeof(float));
        for (size_t i = 0; i < n; i++) {
            const float *row = x + i * dim;
            for (size_t j = 0; j < dim; j++)
                acc[j] += row[j];
        }
    }
    float fn = (float)n;
    for (size_t j = 0; j < dim; j++)
        mu[j] = (double)(acc[j] / fn);
}

static int check_rows_finite(const fv_feature_set *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->n; i++) {
        const float *row = s->rows + i * s->dim;
        for (size_t j = 0; j < s->dim; j++)
            if (!isfinite(row[j])) {
                set_err(err, errlen, "feature row %zu has a non-finite value at column %zu", i, j);
                return -EDOM;
            }
    }
    return 0;
}

/* np.cov(X, rowvar=False): float64, centred on the float64 mean, times 1/(n-1).
 * Rows are centred in chunks so memory stays bounded for large n. */
static int covariance(const fv_feature_set *s, double *sigma, char *err, size_t errlen)
{
    const size_t n = s->n, d = s->dim;
    /* 8 MiB of doubles per chunk bounds the scratch memory; dsyrk is as fast
     * on 512-row chunks as on one 2048-row block (D = 2048, measured). */
    size_t chunk = ((size_t)1 << 20) / d;
    if (chunk < 64)
        chunk = 64;
    if (chunk > n)
        chunk = n;
    double *mean = calloc(d, sizeof(double));
    double *c = chunk <= SIZE_MAX / sizeof(double) / d ? big_alloc(chunk * d * sizeof(double)) : NULL;
    if (!mean || !c) {
        free(mean);
        free(c);
        set_err(err, errlen, "out of memory for a %zux%zu covariance", d, d);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const float *row = s->rows + i * d;
        for (size_t j = 0; j < d; j++)
            mean[j] += (double)row[j];
    }
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)n;
    for (size_t i0 = 0; i0 < n; i0 += chunk) {
        size_t m = n - i0 < chunk ? n - i0 : chunk;
        for (size_t i = 0; i < m; i++) {
            const float *row = s->rows + (i0 + i) * d;
            double *dst = c + i * d;
            for (size_t j = 0; j < d; j++)
                dst[j] = (double)row[j] - mean[j];
        }
        /* Row-major (m, d) chunk: C += chunk^T chunk, lower triangle. */
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)d, (int)m, 1.0, c, (int)d,
                    i0 ? 1.0 : 0.0, sigma, (int)d);
    }
    const double f = 1.0 / (double)(n - 1);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++) {
            double v = sigma[i * d + j] * f;
            sigma[i * d + j] = v;
            sigma[j * d + i] = v;
        }
    free(mean);
    free(c);
    return 0;
}

static int check_set(const fv_feature_set *s, const char *what, char *err, size_t errlen)
{
    if (!s) {
        set_err(err, errlen, "no %s feature set", what);
        return -EINVAL;
    }
    if (s->n < 2) {
        set_err(err, errlen, "%s feature set has %zu row(s); the covariance needs at least 2", what,
                s->n);
        return -EINVAL;
    }
    if (s->dim > FV_FRECHET_MAX_DIM) {
        set_err(err, errlen, "feature dimension %zu is over the supported %d", s->dim,
                FV_FRECHET_MAX_DIM);
        return -EINVAL;
    }
    if (s->n > INT_MAX) {
        set_err(err, errlen, "%s feature set has %zu rows, over the supported %d", what, s->n,
                INT_MAX);
        return -EINVAL;
    }
    return 0;
}

int fv_feature_set_stats(const fv_feature_set *s, double *mu, double *sigma, char *err,
                         size_t errlen)
{
    int rc = check_set(s, "the", err, errlen);
    if (rc)
        return rc;
    if (!mu) {
        set_err(err, errlen, "no output for the mean");
        return -EINVAL;
    }
    if ((rc = check_rows_finite(s, err, errlen)))
        return rc;
    float *acc = malloc(s->dim * sizeof(float));
    if (!acc) {
        set_err(err, errlen, "out of memory");
        return -ENOMEM;
    }
    numpy_mean_f32(s->rows, s->n, s->dim, mu, acc);
    free(acc);
    return sigma ? covariance(s, sigma, err, errlen) : 0;
}

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

/* Eigenvalues (ascending) of the symmetric column-major d×d matrix m, lower
 * triangle read; m is destroyed. */
static lapack_int sym_eigenvalues(double *m, size_t d, double *w)
{
    return LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)d, m, (lapack_int)d, w);
}

/* Rebuilds the lower triangle and diagonal of the symmetric column-major
 * d×d matrix m after a failed dpotrf('L'), which leaves the strict upper
 * triangle untouched. */
static void restore_lower(double *m, const double *diag, size_t d)
{
    for (size_t j = 0; j < d; j++) {
        m[j * d + j] = diag[j];
        for (size_t i = j + 1; i < d; i++)
            m[j * d + i] = m[i * d + j];
    }
}

/* tr(sqrtm(S1 S2)) with S1 = a, S2 = b (both symmetric d×d, full, with eps
 * already on the diagonals; both destroyed).  Matrices are symmetric, so the
 * buffers are handed to LAPACK as column-major without any transposition. */
static int trace_sqrt_product(double *a, double *b, size_t d, int method, fv_frechet_info *info,
                              char *err, size_t errlen)
{
    const lapack_int n = (lapack_int)d;
    double *w = malloc(d * sizeof(double));
    double *diag = malloc(d * sizeof(double));
    double *t = NULL;
    int rc = 0;
    lapack_int li;
    if (!w || !diag)
        goto nomem;
    for (size_t i = 0; i < d; i++)
        diag[i] = a[i * d + i];

    li = method == FV_FRECHET_EIGEN ? 1 : LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, a, n);
    if (li < 0) {
        set_err(err, errlen, "Cholesky factorisation rejected argument %d", (int)-li);
        rc = -EDOM;
        goto out;
    }
    if (li == 0) {
        /* b := L^T b L, whose eigenvalues are those of b L L^T = S2 S1. */
        li = LAPACKE_dsygst(LAPACK_COL_MAJOR, 2, 'L', n, b, n, a, n);
        if (li) {
            set_err(err, errlen, "LAPACK dsygst failed (info %d)", (int)li);
            rc = -EDOM;
            goto out;
        }
    } else {
        /* S1 is not numerically positive definite (eps below its rounding
         * level): S1 = V diag(l) V^T with l clamped at 0, W = V diag(sqrt l),
         * and b := W^T S2 W has the eigenvalues of S1 S2. */
        info->used_eigen = 1;
        restore_lower(a, diag, d);
        li = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', n, a, n, w);
        if (li) {
            set_err(err, errlen, "LAPACK dsyevd failed on the first covariance (info %d)", (int)li);
            rc = -EDOM;
            goto out;
        }
        for (size_t j = 0; j < d; j++) {
            double s = w[j] > 0 ? sqrt(w[j]) : 0.0;
            double *col = a + j * d;
            for (size_t i = 0; i < d; i++)
                col[i] *= s;
        }
        t = matrix_alloc(d);
        if (!t)
            goto nomem;
        cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, n, n, 1.0, b, n, a, n, 0.0, t, n);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, n, n, n, 1.0, a, n, t, n, 0.0, b, n);
    }
    li = sym_eigenvalues(b, d, w);
    if (li) {
        set_err(err, errlen, "LAPACK dsyevd failed to converge (info %d)", (int)li);
        rc = -EDOM;
        goto out;
    }
    double tr = 0.0;
    size_t clamped = 0;
    for (size_t i = 0; i < d; i++) { /* ascending: small terms first */
        if (w[i] > 0)
            tr += sqrt(w[i]);
        else if (w[i] < 0)
            clamped++;
    }
    info->trace_sqrt = tr;
    info->min_eig = w[0];
    info->n_clamped = clamped;
    goto out;
nomem:
    set_err(err, errlen, "out of memory for %zux%zu matrices", d, d);
    rc = -ENOMEM;
out:
    free(w);
    free(diag);
    free(t);
    return rc;
}

/* Everything but the mean term, which the caller computes.  s1 and s2 are
 * the full symmetric covariances, without eps; both are consumed. */
static int frechet_core(double mean_term, double *s1, double *s2, size_t d, int method,
                        double *out, fv_frechet_info *info, char *err, size_t errlen)
{
    fv_frechet_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof(*info));
    info->mean_term = mean_term;
    double tr1 = 0.0, tr2 = 0.0;
    for (size_t i = 0; i < d; i++) {
        s1[i * d + i] += FV_FRECHET_EPS;
        s2[i * d + i] += FV_FRECHET_EPS;
        tr1 += s1[i * d + i];
        tr2 += s2[i * d + i];
    }
    info->trace1 = tr1;
    info->trace2 = tr2;
    int rc = trace_sqrt_product(s1, s2, d, method, info, err, errlen);
    if (rc)
        return rc;
    *out = mean_term + tr1 + tr2 - 2.0 * info->trace_sqrt;
    return 0;
}

static int check_stats_args(const double *mu1, const double *sigma1, const double *mu2,
                            const double *sigma2, size_t dim, double *out, char *err,
                            size_t errlen)
{
    if (!mu1 || !sigma1 || !mu2 || !sigma2 || !out) {
        set_err(err, errlen, "missing mean, covariance or output");
        return -EINVAL;
    }
    if (dim == 0 || dim > FV_FRECHET_MAX_DIM) {
        set_err(err, errlen, "feature dimension %zu is outside 1..%d", dim, FV_FRECHET_MAX_DIM);
        return -EINVAL;
    }
    if (!all_finite(mu1, dim) || !all_finite(mu2, dim)) {
        set_err(err, errlen, "a mean has a non-finite value");
        return -EDOM;
    }
    if (!all_finite(sigma1, dim * dim) || !all_finite(sigma2, dim * dim)) {
        set_err(err, errlen, "a covariance has a non-finite value");
        return -EDOM;
    }
    return 0;
}

int fv_frechet_from_stats_ex(const double *mu1, const double *sigma1, const double *mu2,
                             const double *sigma2, size_t dim, int method, double *out,
                             fv_frechet_info *info, char *err, size_t errlen)
{
    int rc = check_stats_args(mu1, sigma1, mu2, sigma2, dim, out, err, errlen);
    if (rc)
        return rc;
    if (method != FV_FRECHET_AUTO && method != FV_FRECHET_EIGEN) {
        set_err(err, errlen, "unknown method %d", method);
        return -EINVAL;
    }
    double m = 0.0;
    for (size_t j = 0; j < dim; j++) {
        double dj = mu1[j] - mu2[j];
        m += dj * dj;
    }
    double *a = matrix_alloc(dim), *b = matrix_alloc(dim);
    if (!a || !b) {
        free(a);
        free(b);
        set_err(err, errlen, "out of memory for %zux%zu matrices", dim, dim);
        return -ENOMEM;
    }
    memcpy(a, sigma1, dim * dim * sizeof(double));
    memcpy(b, sigma2, dim * dim * sizeof(double));
    rc = frechet_core(m, a, b, dim, method, out, info, err, errlen);
    free(a);
    free(b);
    return rc;
}

int fv_frechet_from_stats(const double *mu1, const double *sigma1, const double *mu2,
                          const double *sigma2, size_t dim, double *out, char *err,
                          size_t errlen)
{
    return fv_frechet_from_stats_ex(mu1, sigma1, mu2, sigma2, dim, FV_FRECHET_AUTO, out, NULL,
                                    err, errlen);
}

int fv_frechet_distance_ex(const fv_feature_set *a, const fv_feature_set *b, double *out,
                           fv_frechet_info *info, char *err, size_t errlen)
{
    int rc;
    if ((rc = check_set(a, "first", err, errlen)) || (rc = check_set(b, "second", err, errlen)))
        return rc;
    if (!out) {
        set_err(err, errlen, "no output for the distance");
        return -EINVAL;
    }
    if (a->dim != b->dim) {
        set_err(err, errlen, "feature sets differ in dimension (%zu vs %zu)", a->dim, b->dim);
        return -EINVAL;
    }
    const size_t d = a->dim;
    if (d > SIZE_MAX / sizeof(double) / d) {
        set_err(err, errlen, "feature dimension %zu is too large", d);
        return -ENOMEM;
    }
    double *mu1 = malloc(d * sizeof(double)), *mu2 = malloc(d * sizeof(double));
    double *s1 = matrix_alloc(d), *s2 = matrix_alloc(d);
    if (!mu1 || !mu2 || !s1 || !s2) {
        set_err(err, errlen, "out of memory for %zux%zu covariances", d, d);
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = fv_feature_set_stats(a, mu1, s1, err, errlen)) ||
        (rc = fv_feature_set_stats(b, mu2, s2, err, errlen)))
        goto out;
    /* Upstream's np.sum(diff**2) on float32 means is all float32. */
    float *sq = malloc(d * sizeof(float));
    if (!sq) {
        set_err(err, errlen, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    for (size_t j = 0; j < d; j++) {
        float dj = (float)mu1[j] - (float)mu2[j];
        sq[j] = dj * dj;
    }
    float m = numpy_sum_f32(sq, d);
    free(sq);
    rc = frechet_core((double)m, s1, s2, d, FV_FRECHET_AUTO, out, info, err, errlen);
out:
    free(mu1);
    free(mu2);
    free(s1);
    free(s2);
    return rc;
}

int fv_frechet_distance(const fv_feature_set *a, const fv_feature_set *b, double *out, char *err,
                        size_t errlen)
{
    return fv_frechet_distance_ex(a, b, out, NULL, err, errlen);
}

#ifdef HAVE_OPENBLAS_GET_NUM_THREADS
int openblas_get_num_threads(void);
#endif

int fv_frechet_blas_threads(void)
{
#ifdef HAVE_OPENBLAS_GET_NUM_THREADS
    return openblas_get_num_threads();
#else
    return 0;
#endif
}
