#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fréchet distance: the _frechet helper against upstream's NumPy/scipy formula
# (np.cov, scipy.linalg.sqrtm) on random float32 features, 2048 rows of 2048
# and of 400 dimensions.  Prints both values (they must agree to 1e-6
# relative) and the time ratio, twice: "full" times the means, covariances and
# distance of two sets (not file loading), "from-stats" the distance from
# precomputed means and covariances (upstream's _frechet_distance alone).
# BLAS threads: OpenBLAS's defaults (OPENBLAS_NUM_THREADS, else all CPUs) for
# both sides; on a busy machine compare with OPENBLAS_NUM_THREADS=1.
# Two more lines put the numbers in context: the same distance through
# scipy.linalg.eigh(S1, S2, type=2) (the eigenvalue method fveval uses, in
# Python), and LAPACK's dpotrf + dsygst + dsyevd alone on ready buffers (what
# that method costs on this BLAS whoever calls it), which bounds the speed-up
# any implementation of it can reach over sqrtm.
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
    reps=3; preps=1; [ "$d" -lt 1000 ] && reps=10 && preps=10
    floor=$("$bin" floor "$tmp/a$d.npy" "$tmp/b$d.npy" --repeat "$reps")
    for mode in full from-stats; do
        flag=; [ "$mode" = from-stats ] && flag=--from-stats
        # shellcheck disable=SC2086
        c=$("$bin" fd "$tmp/a$d.npy" "$tmp/b$d.npy" --repeat "$reps" $flag)
        # shellcheck disable=SC2086
        p=$("$py" "$ref" time "$tmp/a$d.npy" "$tmp/b$d.npy" "$preps" $flag)
        echo "2048x$d $mode  fveval: $c"
        echo "2048x$d $mode  scipy:  $p"
        awk -v c="$c" -v p="$p" -v f="$floor" -v mode="$mode" -v what="2048x$d $mode" '
            function parse(line, out,   n, i, kv, parts) {
                n = split(line, parts, " ")
                for (i = 1; i <= n; i++) { split(parts[i], kv, "="); out[kv[1]] = kv[2] }
            }
            BEGIN {
                parse(c, C); parse(p, P); parse(f, F)
                rel = (C["fd"] - P["fd"]) / P["fd"]; if (rel < 0) rel = -rel
                erel = (P["eigh_fd"] - P["fd"]) / P["fd"]; if (erel < 0) erel = -erel
                printf "%s  rel diff %.3g (%s), speed-up %.1fx (%.3fs vs %.3fs)\n", what, rel,
                       (rel <= 1e-6 ? "ok" : "MISMATCH"), P["seconds"] / C["seconds"],
                       C["seconds"], P["seconds"]
                printf "%s  scipy.linalg.eigh(type=2), same method in Python: %.3fs " \
                       "(rel diff %.3g), fveval %.1fx faster\n", what, P["eigh_seconds"], erel,
                       P["eigh_seconds"] / C["seconds"]
                if (mode == "from-stats")
                    printf "%s  LAPACK dpotrf+dsygst+dsyevd alone: %.3fs; fveval takes %.0f%% of " \
                           "that, so this method can be at most %.1fx faster than sqrtm here\n",
                           what, F["seconds"], 100 * C["seconds"] / F["seconds"],
                           P["seconds"] / F["seconds"]
                exit rel > 1e-6 || erel > 1e-6 }' || status=1
    done
done
exit $status
