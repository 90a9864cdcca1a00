/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fréchet distance between two Gaussians fitted to feature sets (FVD, FAD).
 *
 * Upstream formula (FastVideo common.fvd and audio.frechet_distance):
 *   mu    = X.mean(axis=0)                    (X float32, so the mean is float32)
 *   sigma = np.cov(X, rowvar=False)           (float64, divided by N-1)
 *   S1 = sigma1 + 1e-6 I,  S2 = sigma2 + 1e-6 I      (always, on both sides)
 *   FD = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr(Re sqrtm(S1 S2))
 *
 * tr(sqrtm(S1 S2)) is computed without sqrtm: with S1 = L L^T (Cholesky),
 * S1 S2 is similar to the symmetric L^T S2 L, so the trace is the sum of the
 * square roots of that matrix's eigenvalues (negative ones, which only
 * rounding can produce, count as 0 as Re(sqrt(x < 0)) = 0 does).  The
 * eigenvalues of a product of two positive-definite matrices are real and
 * positive, so the small imaginary parts scipy's Schur-based sqrtm can show
 * for nearly singular covariances (N < D) are rounding artefacts; upstream
 * keeps the real part, and this value is the exact-arithmetic one it
 * approximates.  Upstream FAD raises when that artefact exceeds 1e-3 on the
 * diagonal; nothing here reproduces the artefact.
 *
 * Means of a feature set follow NumPy bit for bit: float32 accumulation in
 * row order (pairwise in blocks of 8192 when dim == 1, as NumPy reduces a
 * contiguous axis), then a float32 division by N.  Where the two means are
 * close the mean term is a difference of nearly equal numbers, and a double
 * mean would not match upstream.
 *
 * Threads: BLAS/LAPACK run with OpenBLAS's own thread count, which it reads
 * from OPENBLAS_NUM_THREADS (else OMP_NUM_THREADS, else all online CPUs) when
 * it is loaded; nothing here changes it.
 */
#ifndef FVEVAL_FRECHET_H
#define FVEVAL_FRECHET_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Upstream's eps, added to both covariance diagonals. */
#define FV_FRECHET_EPS 1e-6

/* Running statistics of a feature set: rows of `dim` floats added incrementally. */
typedef struct fv_feature_set fv_feature_set;

/* NULL on dim == 0 or out of memory. */
fv_feature_set *fv_feature_set_new(size_t dim);
void fv_feature_set_free(fv_feature_set *s);
/* Appends n_rows rows (copied); 0, -EINVAL (NULL) or -ENOMEM (set unchanged). */
int fv_feature_set_add(fv_feature_set *s, const float *rows, size_t n_rows);
size_t fv_feature_set_count(const fv_feature_set *s);
size_t fv_feature_set_dim(const fv_feature_set *s);
/* n×dim row-major, for save/merge; NULL while the set is empty. */
const float *fv_feature_set_rows(const fv_feature_set *s);
/* Appends src's rows after dst's (as upstream concatenates worker buffers);
 * -EINVAL on a dim mismatch. */
int fv_feature_set_merge(fv_feature_set *dst, const fv_feature_set *src);
/* Removes all rows, keeps dim. */
void fv_feature_set_clear(fv_feature_set *s);

/* Mean (float32 values as NumPy computes them, stored as double) and, when
 * sigma is not NULL, the unbiased covariance (dim×dim, row-major, double).
 * Needs n >= 2 (-EINVAL); -ENOMEM; -EDOM when a value is not finite. */
int fv_feature_set_stats(const fv_feature_set *s, double *mu, double *sigma, char *err,
                         size_t errlen);

/* Fréchet distance between the two sets, upstream formula; 0 on success, else
 * -EINVAL/-ENOMEM/-EDOM with a message in err. Needs n >= 2 per set. */
int fv_frechet_distance(const fv_feature_set *a, const fv_feature_set *b, double *out, char *err,
                        size_t errlen);

/* The same from precomputed mean/covariance (double, dim and dim×dim). */
int fv_frechet_from_stats(const double *mu1, const double *sigma1, const double *mu2,
                          const double *sigma2, size_t dim, double *out, char *err,
                          size_t errlen);

/* The parts of one distance, for reporting and tests. */
typedef struct fv_frechet_info {
    double mean_term;   /* ||mu1 - mu2||^2 */
    double trace1;      /* tr(sigma1) + dim*eps */
    double trace2;      /* tr(sigma2) + dim*eps */
    double trace_sqrt;  /* tr(sqrtm(S1 S2)) */
    double min_eig;     /* smallest eigenvalue of S1 S2 as computed (< 0 only by rounding) */
    size_t n_clamped;   /* eigenvalues below 0 counted as 0 */
    int used_eigen;     /* 1 when S1 was not numerically positive definite for a Cholesky
                         * factorisation and its eigen-decomposition was used instead */
} fv_frechet_info;

enum {
    FV_FRECHET_AUTO = 0,   /* Cholesky, eigen-decomposition if that fails */
    FV_FRECHET_EIGEN = 1,  /* always the eigen-decomposition of S1 */
};

/* fv_frechet_from_stats with the method chosen and the parts returned
 * (info may be NULL).  Here the mean term is summed in double from the means
 * as given; fv_frechet_distance instead follows upstream's float32
 * np.sum((mu1 - mu2)**2) exactly (FAD's float32 diff.dot(diff) differs from
 * that only by float32 rounding). */
int fv_frechet_from_stats_ex(const double *mu1, const double *sigma1, const double *mu2,
                             const double *sigma2, size_t dim, int method, double *out,
                             fv_frechet_info *info, char *err, size_t errlen);

/* The number of threads BLAS runs with, or 0 when the library does not say. */
int fv_frechet_blas_threads(void);

#ifdef __cplusplus
}
#endif

#endif
