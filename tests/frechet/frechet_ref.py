# SPDX-License-Identifier: Apache-2.0
"""Independent reference for the Fréchet distance: upstream's formula with
NumPy and scipy.linalg.sqrtm (FastVideo common.fvd / audio.frechet_distance):

    mu = X.mean(axis=0)  (float32 X)      sigma = np.cov(X, rowvar=False)
    S1 = sigma1 + 1e-6 I ; S2 = sigma2 + 1e-6 I   (always, both sides)
    FD = ||mu1 - mu2||^2 + tr(S1 + S2 - 2 Re sqrtm(S1 @ S2))

Usage:
  frechet_ref.py gen DIR           write feature files and DIR/cases.tsv:
                                   name a.npy b.npy reference abs_tol flags
  frechet_ref.py checkmean A.npy MEAN.bin   exit 0 iff MEAN.bin (raw float32)
                                   equals A.mean(axis=0) bit for bit
  frechet_ref.py time A.npy B.npy [K [--from-stats]]
                                   print "fd=<value> seconds=<best of K> ..." for the
                                   formula, statistics included unless --from-stats,
                                   then eigh_fd/eigh_seconds for the same distance
                                   through scipy.linalg.eigh (see frechet_eigh)
"""
import sys
import time
import warnings

import numpy as np
import scipy.linalg

EPS = 1e-6


def gaussian(x):
    x = np.atleast_2d(x)
    mu = x.mean(axis=0)
    sigma = np.cov(x, rowvar=False)
    if sigma.ndim == 0:
        sigma = sigma.reshape(1, 1)
    return mu, sigma


def frechet(mu1, sigma1, mu2, sigma2, eps=EPS):
    sigma1 = sigma1 + eps * np.eye(sigma1.shape[0])
    sigma2 = sigma2 + eps * np.eye(sigma2.shape[0])
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    imag = 0.0
    if np.iscomplexobj(covmean):
        imag = float(np.max(np.abs(covmean.imag)))
        covmean = covmean.real
    fd = float(np.sum(diff ** 2) + np.trace(sigma1 + sigma2 - 2.0 * covmean))
    return fd, imag, float(np.trace(sigma1) + np.trace(sigma2))


def fd_of(a, b):
    mu1, s1 = gaussian(a)
    mu2, s2 = gaussian(b)
    return frechet(mu1, s1, mu2, s2)


def mixed(rng, n, d, scale, offset):
    """Correlated float32 features: N(0, I) rows times a random mixing matrix."""
    z = rng.standard_normal((n, d))
    m = rng.standard_normal((d, d)) / np.sqrt(d)
    return (scale * (z @ m) + offset).astype(np.float32)


def gen(out):
    rng = np.random.default_rng(20240611)
    cases = []

    def add(name, a, b, tol_abs=0.0, flags="-", note=""):
        np.save(f"{out}/{name}_a.npy", a)
        np.save(f"{out}/{name}_b.npy", b)
        t0 = time.time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fd, imag, traces = fd_of(a, b)
        dt = time.time() - t0
        tol = tol_abs * traces if tol_abs else 0.0
        cases.append((name, f"{name}_a.npy", f"{name}_b.npy", repr(fd), repr(tol), flags))
        print(f"{name}: N={a.shape[0]}/{b.shape[0]} D={a.shape[1]} fd={fd!r} "
              f"max|imag sqrtm|={imag:.3g} scipy {dt:.2f}s {note}")

    # FVD's shape (I3D logits, 2048 videos) and its eigen-decomposition path.
    a = mixed(rng, 2048, 400, 2.0, 0.3)
    b = mixed(rng, 2048, 400, 1.5, -0.2)
    add("r2048x400", a, b)
    add("r2048x400e", a, b, flags="--eigen")
    # Fewer rows than dimensions: rank-deficient covariances, only eps keeps
    # them definite; scipy's sqrtm may return small imaginary parts.
    add("r256x2048", mixed(rng, 256, 2048, 1.0, 0.0), mixed(rng, 256, 2048, 1.2, 0.1))
    add("r20x400", mixed(rng, 20, 400, 1.0, 0.5), mixed(rng, 25, 400, 0.7, 0.0))
    add("r4x64", mixed(rng, 4, 64, 1.0, 0.0), mixed(rng, 5, 64, 1.0, 0.0))
    # PaSST's width (FAD), large values.
    add("r300x768", mixed(rng, 300, 768, 30.0, 5.0), mixed(rng, 320, 768, 25.0, 4.0))
    # One dimension: NumPy sums a contiguous axis pairwise.
    add("d1", mixed(rng, 20000, 1, 3.0, 10.0), mixed(rng, 9000, 1, 2.0, 9.0))
    # Means large next to their difference: a float64 mean would not match.
    c = mixed(rng, 2048, 64, 1.0, 10.0)
    add("closemeans", c, (c[::-1] * np.float32(1.01) + np.float32(0.003)).astype(np.float32))
    # Large values, rank-deficient: scipy's sqrtm has imaginary parts of
    # several units here (upstream FAD would raise); the real part still agrees.
    add("huge", mixed(rng, 20, 400, 1e4, 0.0), mixed(rng, 25, 400, 8e3, 1.0))
    # Identical sets: 0 up to rounding (abs tolerance 1e-6 of the traces).
    a = mixed(rng, 300, 64, 1.0, 0.0)
    add("identical", a, a.copy(), tol_abs=1e-6)
    a = mixed(rng, 20, 400, 1.0, 0.0)
    add("identical_deg", a, a.copy(), tol_abs=1e-6)
    # Shifted copy on a grid where float32 sums are exact: equal covariances,
    # means exactly delta apart, so FD = ||delta||^2 (checked by the caller too).
    g = rng.integers(-64, 64, size=(500, 32)).astype(np.float32) / np.float32(64)
    delta = (rng.integers(-8, 8, size=32) / 8).astype(np.float32)
    add("shifted", g, (g + delta).astype(np.float32), tol_abs=1e-6,
        note=f"||delta||^2={float(np.sum(delta.astype(np.float64) ** 2))!r}")
    with open(f"{out}/shifted.expected", "w") as f:
        f.write(repr(float(np.sum(delta.astype(np.float64) ** 2))) + "\n")
    with open(f"{out}/cases.tsv", "w") as f:
        for c in cases:
            f.write("\t".join(c) + "\n")


def checkmean(path, mean_bin):
    x = np.load(path)
    want = x.mean(axis=0)
    got = np.fromfile(mean_bin, dtype=np.float32)
    if got.shape != want.shape or not np.array_equal(got, want):
        bad = np.flatnonzero(got != want) if got.shape == want.shape else []
        print(f"{path}: mean differs from NumPy's in {len(bad)} of {want.size} entries")
        return 1
    return 0


def frechet_eigh(mu1, sigma1, mu2, sigma2, eps=EPS):
    """The same distance through LAPACK's generalized symmetric eigensolver:
    the eigenvalues of S1 S2 (scipy eigh type=2, i.e. dpotrf + dsygst +
    dsyevd, the method fveval uses).  Its time is what any implementation of
    that method costs on this BLAS, so sqrtm's time over it bounds the
    speed-up one can reach without changing the method or the BLAS."""
    s1 = sigma1 + eps * np.eye(sigma1.shape[0])
    s2 = sigma2 + eps * np.eye(sigma2.shape[0])
    diff = mu1 - mu2
    w = scipy.linalg.eigh(s1, s2, type=2, eigvals_only=True, driver="gvd")
    return float(np.sum(diff ** 2) + np.trace(s1) + np.trace(s2)
                 - 2.0 * np.sum(np.sqrt(np.clip(w, 0.0, None))))


def timed(pa, pb, repeat, from_stats):
    a, b = np.load(pa), np.load(pb)
    ga, gb = gaussian(a), gaussian(b)

    def best_of(fn):
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = fn()
            best = min(best, time.perf_counter() - t0)
        return out, best

    (fd, imag, _), best = best_of(lambda: frechet(*ga, *gb) if from_stats else fd_of(a, b))
    efd, ebest = best_of(lambda: frechet_eigh(*ga, *gb) if from_stats
                         else frechet_eigh(*gaussian(a), *gaussian(b)))
    print(f"fd={fd!r} seconds={best:.6f} imag={imag:.3g} eigh_fd={efd!r} eigh_seconds={ebest:.6f}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "checkmean":
        sys.exit(checkmean(sys.argv[2], sys.argv[3]))
    elif len(sys.argv) in (4, 5, 6) and sys.argv[1] == "time":
        sys.exit(timed(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) >= 5 else 1,
                       sys.argv[5:] == ["--from-stats"]))
    else:
        sys.exit(__doc__)
