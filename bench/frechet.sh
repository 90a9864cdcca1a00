#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fréchet distance: the _frechet helper against upstream's NumPy/scipy formula
# (np.cov, scipy.linalg.sqrtm) on random float32 features, 2048 rows of 2048
# and of 400 dimensions.  Prints both values (they must agree to 1e-6
# relative) and the time ratio; both timings cover the means, covariances and
# distance of two sets, not file loading.  BLAS threads: OpenBLAS's defaults
# (OPENBLAS_NUM_THREADS, else all CPUs) for both sides.
# Run from a configured build tree after `make check` (uses tests/unit/test_frechet):
#   sh bench/frechet.sh [BUILDDIR]
set -eu
build=${1:-.}
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/tests/unit/test_frechet
ref=$src/tests/frechet/frechet_ref.py
py=/usr/bin/python3
[ -x "$bin" ] || { echo "$bin missing: run make check first" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$py" - "$tmp" <<'PY'
import sys
import numpy as np
rng = np.random.default_rng(7)
for d in (2048, 400):
    for side, (scale, offset) in (("a", (1.0, 0.0)), ("b", (1.1, 0.05))):
        m = rng.standard_normal((d, d)) / np.sqrt(d)
        x = scale * (rng.standard_normal((2048, d)) @ m) + offset
        np.save(f"{sys.argv[1]}/{side}{d}.npy", x.astype(np.float32))
PY

status=0
for d in 2048 400; do
    reps=3; [ "$d" -lt 1000 ] && reps=10
    c=$("$bin" fd "$tmp/a$d.npy" "$tmp/b$d.npy" --repeat "$reps")
    p=$("$py" "$ref" time "$tmp/a$d.npy" "$tmp/b$d.npy" "$([ "$d" -lt 1000 ] && echo 10 || echo 1)")
    echo "2048x$d  fveval: $c"
    echo "2048x$d  scipy:  $p"
    awk -v c="$c" -v p="$p" -v d="$d" 'BEGIN {
        split(c, cf, /[= ]/); split(p, pf, /[= ]/)
        fc = cf[2]; tc = cf[4]; fp = pf[2]; tp = pf[4]
        rel = (fc - fp) / fp; if (rel < 0) rel = -rel
        printf "2048x%s  rel diff %.3g (%s), speed-up %.1fx (%.3fs vs %.3fs)\n", d, rel,
               (rel <= 1e-6 ? "ok" : "MISMATCH"), tp / tc, tc, tp
        exit rel > 1e-6 }' || status=1
done
exit $status
