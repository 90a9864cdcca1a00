/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fréchet distance helper.
 *   test_frechet                      API checks against hand-derived values
 *   test_frechet fd A.npy B.npy [--eigen] [--from-stats] [--repeat K]
 *                                     prints "fd=<value> seconds=<best of K> threads=<n> ..."
 *   test_frechet floor A.npy B.npy [--repeat K]
 *                                     prints "seconds=<best of K>" for LAPACK's
 *                                     dpotrf + dsygst + dsyevd alone on the sets'
 *                                     covariances: the cost of the method itself
 *   test_frechet mean A.npy OUT       writes the set's mean as raw float32
 * .npy files: 2-D (or 1-D = one column), little-endian float32 or float64, C order.
 */
#include "check.h"
#include "frechet.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lapacke.h>

static int read_npy(const char *path, fv_feature_set **out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    unsigned char pre[10];
    char *hdr = NULL;
    float *rows = NULL;
    double *drow = NULL;
    fv_feature_set *s = NULL;
    int rc = -1;
    if (fread(pre, 1, 8, f) != 8 || memcmp(pre, "\x93NUMPY", 6) != 0)
        goto bad;
    size_t hlen;
    if (pre[6] == 1) {
        if (fread(pre, 1, 2, f) != 2)
            goto bad;
        hlen = pre[0] | (size_t)pre[1] << 8;
    } else {
        if (fread(pre, 1, 4, f) != 4)
            goto bad;
        hlen = pre[0] | (size_t)pre[1] << 8 | (size_t)pre[2] << 16 | (size_t)pre[3] << 24;
    }
    if (hlen > 65536 || !(hdr = calloc(hlen + 1, 1)) || fread(hdr, 1, hlen, f) != hlen)
        goto bad;
    int f8;
    if (strstr(hdr, "'<f4'"))
        f8 = 0;
    else if (strstr(hdr, "'<f8'"))
        f8 = 1;
    else
        goto bad;
    if (!strstr(hdr, "'fortran_order': False"))
        goto bad;
    const char *sh = strstr(hdr, "'shape': (");
    if (!sh)
        goto bad;
    unsigned long long n = 0, d = 1;
    if (sscanf(sh + 10, "%llu, %llu", &n, &d) < 1 || n == 0 || d == 0 || d > 1u << 20)
        goto bad;
    if (!(s = fv_feature_set_new((size_t)d)) || !(rows = malloc(d * sizeof(float))) ||
        !(drow = malloc(d * sizeof(double))))
        goto bad;
    for (unsigned long long i = 0; i < n; i++) {
        if (f8) {
            if (fread(drow, sizeof(double), d, f) != d)
                goto bad;
            for (unsigned long long j = 0; j < d; j++)
                rows[j] = (float)drow[j];
        } else if (fread(rows, sizeof(float), d, f) != d) {
            goto bad;
        }
        if (fv_feature_set_add(s, rows, 1))
            goto bad;
    }
    *out = s;
    s = NULL;
    rc = 0;
bad:
    if (rc)
        fprintf(stderr, "%s: not a readable float .npy file\n", path);
    fv_feature_set_free(s);
    free(hdr);
    free(rows);
    free(drow);
    fclose(f);
    return rc;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Both sets' statistics, kept for distances from statistics. */
struct stats {
    double *m1, *m2, *s1, *s2;
};

static void stats_free(struct stats *st)
{
    free(st->m1);
    free(st->m2);
    free(st->s1);
    free(st->s2);
}

static int stats_of(const fv_feature_set *a, const fv_feature_set *b, struct stats *st, char *err,
                    size_t errlen)
{
    size_t d = fv_feature_set_dim(a);
    st->m1 = malloc(d * sizeof(double));
    st->m2 = malloc(d * sizeof(double));
    st->s1 = malloc(d * d * sizeof(double));
    st->s2 = malloc(d * d * sizeof(double));
    if (!st->m1 || !st->m2 || !st->s1 || !st->s2)
        return -ENOMEM;
    int rc = fv_feature_set_stats(a, st->m1, st->s1, err, errlen);
    return rc ? rc : fv_feature_set_stats(b, st->m2, st->s2, err, errlen);
}

/* The three LAPACK calls of the method on ready, already touched buffers,
 * nothing else: what the distance costs on this BLAS whoever calls it. */
static int cmd_floor(int argc, char **argv)
{
    fv_feature_set *a = NULL, *b = NULL;
    struct stats st = {0};
    double *w1 = NULL, *w2 = NULL, *ev = NULL;
    int repeat = 1, rc = 1;
    if (argc == 6 && !strcmp(argv[4], "--repeat"))
        repeat = atoi(argv[5]);
    else if (argc != 4) {
        fprintf(stderr, "usage: %s floor A.npy B.npy [--repeat K]\n", argv[0]);
        return 2;
    }
    if (repeat < 1)
        repeat = 1;
    char err[256] = "";
    if (read_npy(argv[2], &a) || read_npy(argv[3], &b))
        goto out;
    const size_t d = fv_feature_set_dim(a);
    if (fv_feature_set_dim(b) != d || stats_of(a, b, &st, err, sizeof err)) {
        fprintf(stderr, "statistics: %s\n", *err ? err : "dimensions differ");
        goto out;
    }
    w1 = malloc(d * d * sizeof(double));
    w2 = malloc(d * d * sizeof(double));
    ev = malloc(d * sizeof(double));
    if (!w1 || !w2 || !ev)
        goto out;
    const lapack_int n = (lapack_int)d;
    double best = INFINITY;
    for (int k = 0; k < repeat; k++) {
        memcpy(w1, st.s1, d * d * sizeof(double));
        memcpy(w2, st.s2, d * d * sizeof(double));
        for (size_t i = 0; i < d; i++) {
            w1[i * d + i] += FV_FRECHET_EPS;
            w2[i * d + i] += FV_FRECHET_EPS;
        }
        double t0 = now();
        if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, w1, n) ||
            LAPACKE_dsygst(LAPACK_COL_MAJOR, 2, 'L', n, w2, n, w1, n) ||
            LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', n, w2, n, ev)) {
            fprintf(stderr, "LAPACK failed\n");
            goto out;
        }
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    printf("seconds=%.6f\n", best);
    rc = 0;
out:
    free(w1);
    free(w2);
    free(ev);
    stats_free(&st);
    fv_feature_set_free(a);
    fv_feature_set_free(b);
    return rc;
}

static int cmd_fd(int argc, char **argv)
{
    fv_feature_set *a = NULL, *b = NULL;
    struct stats st = {0};
    int eigen = 0, from_stats = 0, repeat = 1, rc = 1;
    for (int i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "--eigen"))
            eigen = 1;
        else if (!strcmp(argv[i], "--from-stats"))
            from_stats = 1;
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else {
            fprintf(stderr, "unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (repeat < 1)
        repeat = 1;
    if (read_npy(argv[2], &a) || read_npy(argv[3], &b))
        goto out;
    double best = INFINITY, fd = NAN;
    fv_frechet_info info = {0};
    char err[256] = "";
    size_t d = fv_feature_set_dim(a);
    if (fv_feature_set_dim(b) != d) {
        fprintf(stderr, "feature sets differ in dimension\n");
        goto out;
    }
    /* --eigen and --from-stats compute the statistics first, untimed, and
     * time fv_frechet_from_stats_ex alone (mean term in double). */
    if ((eigen || from_stats) && stats_of(a, b, &st, err, sizeof err)) {
        fprintf(stderr, "statistics: %s\n", err);
        goto out;
    }
    for (int k = 0; k < repeat; k++) {
        double t0 = now();
        int r = eigen || from_stats
                    ? fv_frechet_from_stats_ex(st.m1, st.s1, st.m2, st.s2, d,
                                               eigen ? FV_FRECHET_EIGEN : FV_FRECHET_AUTO, &fd,
                                               &info, err, sizeof err)
                    : fv_frechet_distance_ex(a, b, &fd, &info, err, sizeof err);
        double t = now() - t0;
        if (r) {
            fprintf(stderr, "error %d: %s\n", r, err);
            goto out;
        }
        if (t < best)
            best = t;
    }
    printf("fd=%.17g seconds=%.6f threads=%d cholesky=%s min_eig=%.3g clamped=%zu\n", fd, best,
           fv_frechet_blas_threads(), eigen ? "off" : info.used_eigen ? "failed" : "ok",
           info.min_eig, info.n_clamped);
    rc = 0;
out:
    stats_free(&st);
    fv_feature_set_free(a);
    fv_feature_set_free(b);
    return rc;
}

static int cmd_mean(char **argv)
{
    fv_feature_set *a = NULL;
    if (read_npy(argv[2], &a))
        return 1;
    size_t d = fv_feature_set_dim(a);
    double *mu = malloc(d * sizeof(double));
    float *m32 = malloc(d * sizeof(float));
    char err[256];
    int rc = 1;
    if (mu && m32 && fv_feature_set_stats(a, mu, NULL, err, sizeof err) == 0) {
        for (size_t j = 0; j < d; j++)
            m32[j] = (float)mu[j];
        FILE *f = fopen(argv[3], "wb");
        if (f && fwrite(m32, sizeof(float), d, f) == d)
            rc = 0;
        if (f && fclose(f))
            rc = 1;
    }
    free(mu);
    free(m32);
    fv_feature_set_free(a);
    return rc;
}

static int close_rel(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want);
}

/* Diagonal covariances commute: FD = sum dmu^2 + sum (sqrt(a+eps) - sqrt(b+eps))^2. */
static void check_diagonal(size_t d, int method)
{
    double *m1 = calloc(d, sizeof(double)), *m2 = calloc(d, sizeof(double));
    double *s1 = calloc(d * d, sizeof(double)), *s2 = calloc(d * d, sizeof(double));
    double want = 0.0;
    for (size_t i = 0; i < d; i++) {
        m1[i] = 0.25 * (double)i;
        m2[i] = 0.5 - 0.125 * (double)i;
        double a = 0.5 + (double)(i % 7), b = 3.0 / (1.0 + (double)(i % 5));
        if (i % 11 == 3)
            a = 0.0; /* singular: only eps left on that axis */
        s1[i * d + i] = a;
        s2[i * d + i] = b;
        double dm = m1[i] - m2[i];
        double r = sqrt(a + FV_FRECHET_EPS) - sqrt(b + FV_FRECHET_EPS);
        want += dm * dm + r * r;
    }
    double got = NAN;
    fv_frechet_info info;
    char err[256];
    CHECK(fv_frechet_from_stats_ex(m1, s1, m2, s2, d, method, &got, &info, err, sizeof err) == 0);
    CHECK(close_rel(got, want, 1e-12));
    CHECK(info.used_eigen == (method == FV_FRECHET_EIGEN));
    CHECK(info.min_eig > 0);
    free(m1);
    free(m2);
    free(s1);
    free(s2);
}

/* Covariances that share eigenvectors (a rotation by 30 degrees): the same
 * closed form holds on the eigenvalues. */
static void check_rotated(void)
{
    const double c = sqrt(3.0) / 2, s = 0.5;
    const double l1[2] = {4.0, 0.25}, l2[2] = {1.0, 9.0};
    double s1[4], s2[4];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            double ui[2] = {i == 0 ? c : s, i == 0 ? -s : c};
            double uj[2] = {j == 0 ? c : s, j == 0 ? -s : c};
            s1[i * 2 + j] = l1[0] * ui[0] * uj[0] + l1[1] * ui[1] * uj[1];
            s2[i * 2 + j] = l2[0] * ui[0] * uj[0] + l2[1] * ui[1] * uj[1];
        }
    const double m1[2] = {1.0, 2.0}, m2[2] = {-1.0, 2.5};
    double want = 4.0 + 0.25;
    for (int k = 0; k < 2; k++) {
        double r = sqrt(l1[k] + FV_FRECHET_EPS) - sqrt(l2[k] + FV_FRECHET_EPS);
        want += r * r;
    }
    double got = NAN;
    CHECK(fv_frechet_from_stats(m1, s1, m2, s2, 2, &got, NULL, 0) == 0);
    CHECK(close_rel(got, want, 1e-12));
}

/* sigma1 = diag(-1, 1) is no covariance, but it makes the Cholesky factorisation
 * fail: the eigen-decomposition takes over and counts the negative eigenvalue
 * as 0, as the real part of scipy's sqrtm does for this diagonal product.
 * S1 S2 = diag((-1+e)(1+e), (1+e)^2): FD = 2e + (2+2e) - 2(1+e) = 2e. */
static void check_fallback(void)
{
    const double e = FV_FRECHET_EPS;
    const double mu[2] = {0, 0}, s1[4] = {-1, 0, 0, 1}, s2[4] = {1, 0, 0, 1};
    double got = NAN;
    fv_frechet_info info;
    CHECK(fv_frechet_from_stats_ex(mu, s1, mu, s2, 2, FV_FRECHET_AUTO, &got, &info, NULL, 0) == 0);
    CHECK(info.used_eigen == 1);
    CHECK(fabs(info.trace_sqrt - (1 + e)) <= 1e-14);
    CHECK(fabs(got - 2 * e) <= 1e-14);
}

/* A Cholesky factorisation that fails late, with off-diagonal entries: the
 * fallback must rebuild S1 from what dpotrf left, so AUTO equals EIGEN
 * (which never factorises) on the same indefinite S1. */
static void check_late_fallback(void)
{
    enum { D = 40 };
    static double s1[D * D], s2[D * D];
    double mu[D] = {0};
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j <= i; j++) {
            double v1 = i == j ? 2.0 + 0.1 * (double)i : 0.3 * cos((double)(i * 7 + j * 3));
            double v2 = i == j ? 1.5 + 0.05 * (double)(i % 9) : 0.2 * sin((double)(i * 5 + j));
            s1[i * D + j] = s1[j * D + i] = v1;
            s2[i * D + j] = s2[j * D + i] = v2;
        }
    s1[(D - 1) * D + (D - 1)] = -3.0; /* indefinite only in the last pivot */
    double auto_fd = NAN, eigen_fd = NAN;
    fv_frechet_info ia, ie;
    CHECK(fv_frechet_from_stats_ex(mu, s1, mu, s2, D, FV_FRECHET_AUTO, &auto_fd, &ia, NULL, 0) ==
          0);
    CHECK(fv_frechet_from_stats_ex(mu, s1, mu, s2, D, FV_FRECHET_EIGEN, &eigen_fd, &ie, NULL,
                                   0) == 0);
    CHECK(ia.used_eigen == 1 && ie.used_eigen == 1);
    CHECK(auto_fd == eigen_fd);
    CHECK(ia.trace_sqrt > 0 && ia.trace_sqrt == ie.trace_sqrt);
}

static void check_sets(void)
{
    char err[256] = "";
    double fd = NAN;
    CHECK(fv_feature_set_new(0) == NULL);
    fv_feature_set *a = fv_feature_set_new(1), *b = fv_feature_set_new(1);
    fv_feature_set *c = fv_feature_set_new(2);
    CHECK(a && b && c);
    if (!a || !b || !c)
        goto out;
    CHECK(fv_feature_set_rows(a) == NULL);
    CHECK(fv_feature_set_add(NULL, NULL, 0) == -EINVAL);
    CHECK(fv_feature_set_add(a, NULL, 1) == -EINVAL);
    CHECK(fv_feature_set_add(a, NULL, 0) == 0);

    /* Too few rows: one line saying why. */
    const float x0 = 0.f;
    CHECK(fv_feature_set_add(a, &x0, 1) == 0);
    CHECK(fv_feature_set_add(b, &x0, 1) == 0);
    CHECK(fv_frechet_distance(a, b, &fd, err, sizeof err) == -EINVAL);
    CHECK_STR_CONTAINS(err, "at least 2");

    /* a = {0, 2}: mean 1, var 2; b = {1, 5}: mean 3, var 8. */
    const float x1 = 2.f, yb[2] = {1.f, 5.f};
    CHECK(fv_feature_set_add(a, &x1, 1) == 0);
    fv_feature_set_clear(b);
    CHECK(fv_feature_set_count(b) == 0);
    CHECK(fv_feature_set_add(b, yb, 2) == 0);
    CHECK(fv_feature_set_count(a) == 2 && fv_feature_set_dim(a) == 1);
    CHECK(fv_frechet_distance(a, b, &fd, err, sizeof err) == 0);
    double r = sqrt(2.0 + FV_FRECHET_EPS) - sqrt(8.0 + FV_FRECHET_EPS);
    CHECK(close_rel(fd, 4.0 + r * r, 1e-13));

    /* Merging appends rows in order; a set merged with itself doubles. */
    fv_feature_set *m = fv_feature_set_new(1);
    CHECK(m && fv_feature_set_merge(m, a) == 0 && fv_feature_set_merge(m, b) == 0);
    CHECK(fv_feature_set_count(m) == 4);
    const float *rows = fv_feature_set_rows(m);
    CHECK(rows && rows[0] == 0.f && rows[1] == 2.f && rows[2] == 1.f && rows[3] == 5.f);
    CHECK(fv_feature_set_merge(m, m) == 0 && fv_feature_set_count(m) == 8);
    rows = fv_feature_set_rows(m);
    CHECK(rows && rows[4] == 0.f && rows[7] == 5.f);
    fv_feature_set_free(m);

    /* Dimension mismatch. */
    CHECK(fv_feature_set_merge(c, a) == -EINVAL);
    const float xc[4] = {0.f, 1.f, 2.f, 3.f};
    CHECK(fv_feature_set_add(c, xc, 2) == 0);
    CHECK(fv_frechet_distance(a, c, &fd, err, sizeof err) == -EINVAL);
    CHECK_STR_CONTAINS(err, "dimension");

    /* Non-finite features are refused, not propagated. */
    const float bad = NAN;
    CHECK(fv_feature_set_add(b, &bad, 1) == 0);
    CHECK(fv_frechet_distance(a, b, &fd, err, sizeof err) == -EDOM);
    CHECK_STR_CONTAINS(err, "non-finite");
    fv_frechet_info info;
    const double mu[1] = {0}, sg[1] = {1}, sgnan[1] = {NAN};
    CHECK(fv_frechet_from_stats(mu, sgnan, mu, sg, 1, &fd, err, sizeof err) == -EDOM);
    CHECK(fv_frechet_from_stats(mu, sg, mu, sg, 0, &fd, err, sizeof err) == -EINVAL);
    CHECK(fv_frechet_from_stats_ex(mu, sg, mu, sg, 1, 7, &fd, &info, err, sizeof err) == -EINVAL);
    /* NULL err is allowed. */
    CHECK(fv_frechet_from_stats(NULL, sg, mu, sg, 1, &fd, NULL, 0) == -EINVAL);
out:
    fv_feature_set_free(a);
    fv_feature_set_free(b);
    fv_feature_set_free(c);
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "fd"))
        return cmd_fd(argc, argv);
    if (argc >= 4 && !strcmp(argv[1], "floor"))
        return cmd_floor(argc, argv);
    if (argc == 4 && !strcmp(argv[1], "mean"))
        return cmd_mean(argv);
    if (argc != 1) {
        fprintf(stderr, "usage: %s [fd A.npy B.npy [--eigen] [--from-stats] [--repeat K] | floor A.npy B.npy [--repeat K] | mean A.npy OUT]\n",
                argv[0]);
        return 2;
    }
    check_sets();
    check_diagonal(1, FV_FRECHET_AUTO);
    check_diagonal(64, FV_FRECHET_AUTO);
    check_diagonal(64, FV_FRECHET_EIGEN);
    check_rotated();
    check_fallback();
    check_late_fallback();
    return CHECK_DONE();
}
