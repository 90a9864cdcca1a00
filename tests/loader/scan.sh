#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The scan over a tree of broken fixtures: each gets its outcome and reason,
# the good ones still load, and asking for a broken one fails with its reason.
. "$top_srcdir/tests/lib.sh"
fx="$top_builddir/tests/loader"
r1="$TMPDIR_TEST/root1"; r2="$TMPDIR_TEST/root2"
mkdir -p "$r1/fixture" "$r2/fixture" "$r1/fixture/not_a_module" "$r1/fixture/_hidden"
for c in ok no_entry abi_major abi_minor_newer size_too_small size_larger name_mismatch \
         null_name unresolved_symbol init_fails no_header set_no_finalize both_directions; do
    ln -s "$fx/$c" "$r1/fixture/$c"
done
ln -s "$fx/ok" "$r2/fixture/ok"                   # same name in a later root
ln -s "$fx/ok/metric.la" "$r1/fixture/_hidden/metric.la"
ln -s "$fx/ok/.libs" "$r1/fixture/_hidden/.libs"
echo "this is not a shared object" > "$r1/fixture/not_a_module/metric.so"

expect_rc 0 "$FVEVAL" --plugin-path "$r1" --plugin-path "$r2" plugins --verbose
check_outcome() { # NAME OUTCOME REASON-FRAGMENT
    line=$(printf '%s\n' "$out" | grep -A1 -E "^$2 +$1 " || true)
    case "$line" in
        *"$3"*) pass "$1: $2" ;;
        *) fail "$1: expected '$2' with '$3'"; printf '%s\n' "$out" | sed 's/^/    /' >&2 ;;
    esac
}
check_outcome fixture.ok loaded "$r1/fixture/ok/metric"
check_outcome fixture.size_larger loaded "$r1/fixture/size_larger/metric"
check_outcome fixture.no_entry not-a-plugin "no fveval_plugin_entry symbol"
check_outcome fixture.abi_major abi-mismatch "major version differs"
check_outcome fixture.abi_minor_newer abi-mismatch "needs a newer fveval"
check_outcome fixture.size_too_small abi-mismatch "smaller than"
check_outcome fixture.name_mismatch bad-descriptor "does not match its path-derived name 'fixture.name_mismatch'"
check_outcome fixture.null_name bad-descriptor "descriptor has no name"
check_outcome fixture.unresolved_symbol load-failed "fveval_fixture_missing_function"
check_outcome fixture.init_fails init-failed "init failed"
check_outcome fixture.not_a_module load-failed "check its dependencies"
check_outcome fixture.no_header abi-mismatch "does not start with FVEVAL_PLUGIN_HEADER"
check_outcome fixture.set_no_finalize bad-descriptor "set metric without finalize"
check_outcome fixture.both_directions bad-descriptor "HIGHER_IS_BETTER and NO_DIRECTION exclude each other"
check_outcome fixture.ok duplicate "already provided by $r1/fixture/ok/metric"
printf '%s\n' "$out" | grep -q "^skipped .*$r1/fixture/_hidden" && pass "_hidden skipped" || fail "_hidden not reported as skipped"
printf '%s\n' "$out" | grep -qF -e "fixture._hidden" -e "fixture.hidden" && fail "_hidden was loaded"

# The good ones still list; the broken ones do not.
expect_rc 0 "$FVEVAL" --plugin-path "$r1:$r2" list
out=$("$FVEVAL" --plugin-path "$r1:$r2" list 2>/dev/null)
contains "fixture.ok"
contains "fixture.size_larger"
case "$out" in *fixture.init_fails*|*fixture.abi_major*|*_hidden*) fail "broken fixture listed" ;; esac
[ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ] || fail "list shows more than the two good fixtures"

expect_rc 0 "$FVEVAL" --plugin-path "$r1" list --json
contains '"name": "fixture.ok"'

# The duplicate warning names both paths.
expect_rc 0 "$FVEVAL" --plugin-path "$r1" --plugin-path "$r2" list
contains "already provided by $r1/fixture/ok/metric"

# Asking for a broken metric reports its recorded reason, exit 2.
expect_rc 2 "$FVEVAL" --plugin-path "$r1" info fixture.init_fails && one_line && contains "init failed"
expect_rc 2 "$FVEVAL" --plugin-path "$r1" run -m fixture.abi_major --videos /dev/null && one_line && contains "major version differs"

expect_rc 2 "$FVEVAL" --plugin-path "$r1" info fixture.no_header && one_line && contains "did not load" \
    && contains "FVEVAL_PLUGIN_HEADER"
# A group whose plugins all failed says why, not "no metric in group".
mkdir -p "$r1/onlybroken" && ln -s "$fx/init_fails" "$r1/onlybroken/init_fails"
expect_rc 2 "$FVEVAL" --plugin-path "$r1" run -m 'onlybroken.*' --videos /dev/null && one_line \
    && contains "onlybroken.init_fails did not load: bad-descriptor"

# Without plugin roots nothing loads, and the scan still works.
expect_rc 0 "$FVEVAL" plugins
contains "(none)"
finish
