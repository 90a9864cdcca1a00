#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A metric.la that names no module fails to load with a message, and nothing
# is loaded to write it: the object in .libs/ next to it (a directory the
# walk never scans) must not run.
. "$top_srcdir/tests/lib.sh"
fx="$top_builddir/tests/loader"
mark="$TMPDIR_TEST/mark"
FVEVAL_FIXTURE_MARK=$mark; export FVEVAL_FIXTURE_MARK
r="$TMPDIR_TEST/root"
mkdir -p "$r/fixture/bad_la/.libs" "$r/fixture/unparsable/.libs"
echo "this is not a libtool library file" > "$r/fixture/bad_la/metric.la"
cp "$fx/constructor/.libs/metric.so" "$r/fixture/bad_la/.libs/metric.so"
# A .la whose dlname names a file that is not there.
sed "s/^dlname=.*/dlname='absent.so'/" "$fx/constructor/metric.la" > "$r/fixture/unparsable/metric.la"
cp "$fx/constructor/.libs/metric.so" "$r/fixture/unparsable/.libs/metric.so"

expect_rc 0 "$FVEVAL" --plugin-path "$r" plugins --verbose
for c in bad_la unparsable; do
    line=$(printf '%s\n' "$out" | grep -A1 -E "^load-failed +fixture.$c " || true)
    case "$line" in
        *"$r/fixture/$c/metric.la"*) pass "$c: load-failed, the .la named" ;;
        *) fail "$c: expected load-failed naming its metric.la"; printf '%s\n' "$out" | sed 's/^/    /' >&2 ;;
    esac
done
expect_rc 2 "$FVEVAL" --plugin-path "$r" info fixture.bad_la && one_line && contains "metric.la"
[ ! -e "$mark" ] && pass "nothing in .libs/ was loaded" || fail "a module in .libs/ was loaded for an error message"

# The marker works: the real fixture, loaded through its own metric.la, writes it.
cp -R "$fx/constructor" "$r/fixture/constructor"
expect_rc 0 "$FVEVAL" --plugin-path "$r" list
[ "$(cat "$mark" 2>/dev/null)" = loaded ] && pass "a loaded fixture marks" || fail "the marker fixture did not mark"
finish
