#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fréchet distance helper against upstream's formula computed independently
# with NumPy and scipy.linalg.sqrtm (tests/frechet/frechet_ref.py):
# relative difference <= 1e-6 (plus 1e-6 of the covariance traces where the
# distance is ~0), and means equal to NumPy's float32 means bit for bit.
. "$top_srcdir/tests/lib.sh"

py=/usr/bin/python3
bin="$top_builddir/tests/unit/test_frechet"
ref="$top_srcdir/tests/frechet/frechet_ref.py"
dir=$TMPDIR_TEST

[ -x "$bin" ] || { echo "FAIL: $bin not built" >&2; exit 99; }
if ! "$py" -c 'import numpy, scipy.linalg' 2>/dev/null; then
    echo "SKIP: $py lacks numpy/scipy"
    exit 77
fi

"$py" "$ref" gen "$dir" || { echo "FAIL: reference generation" >&2; exit 99; }

# within GOT WANT ABS_TOL: |got - want| <= 1e-6 |want| + abs_tol
within() {
    awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN {
        d = g - w; if (d < 0) d = -d; a = w < 0 ? -w : w
        printf "  got %.17g want %.17g |diff| %.3g rel %.3g\n", g, w, d, (a > 0 ? d / a : d)
        exit !(d <= 1e-6 * a + t) }'
}

tab=$(printf '\t')
while IFS=$tab read -r name a b want tol flags; do
    [ "$flags" = - ] && flags=
    # shellcheck disable=SC2086
    line=$("$bin" fd "$dir/$a" "$dir/$b" $flags) || { fail "$name: helper failed"; continue; }
    got=${line#fd=}; got=${got%% *}
    if within "$got" "$want" "$tol"; then pass "$name"; else fail "$name"; fi
    case $name in
        shifted) # equal covariances: exactly the squared mean shift, up to rounding
            if within "$got" "$(cat "$dir/shifted.expected")" "$tol"; then
                pass "shifted = ||delta||^2"
            else
                fail "shifted != ||delta||^2"
            fi ;;
        identical*) # both sides' covariance traces are ~64 or ~400 here: |fd| tiny
            if awk -v g="$got" 'BEGIN { exit !(g < 1e-3 && g > -1e-3) }'; then
                pass "$name ~ 0 ($got)"
            else
                fail "$name not ~0 ($got)"
            fi ;;
    esac
done < "$dir/cases.tsv"

for f in r2048x400_a d1_a closemeans_b r4x64_b; do
    if "$bin" mean "$dir/$f.npy" "$dir/$f.mean" && "$py" "$ref" checkmean "$dir/$f.npy" "$dir/$f.mean"; then
        pass "mean of $f equals NumPy's"
    else
        fail "mean of $f"
    fi
done

# bench/frechet.sh's LAPACK-only timing runs the method on these statistics too.
if "$bin" floor "$dir/r2048x400_a.npy" "$dir/r2048x400_b.npy" | grep -Eq '^seconds=[0-9.]+$'; then
    pass "floor timing runs"
else
    fail "floor timing"
fi

finish
