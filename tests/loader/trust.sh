#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Plugin trust: a module that someone other than root or the user could have
# replaced (world-writable, or owned by another non-root user, the file or a
# directory above it) is refused before any of its code runs, unless
# FVEVAL_PLUGIN_TRUST=warn.
. "$top_srcdir/tests/lib.sh"
fx="$top_builddir/tests/loader"
mark="$TMPDIR_TEST/mark"
FVEVAL_FIXTURE_MARK=$mark; export FVEVAL_FIXTURE_MARK
unset FVEVAL_PLUGIN_TRUST
r="$TMPDIR_TEST/root"
m="$r/fixture/constructor"

fresh_root() { # a private copy of the marking fixture, writable by its owner only
    chmod -R u+w "$TMPDIR_TEST"
    rm -rf "$r" "$TMPDIR_TEST/other" "$mark"
    mkdir -p "$r/fixture"
    cp -R "$fx/constructor" "$m"
    chmod -R go-w "$r"
}
outcome_line() { printf '%s\n' "$out" | grep -A1 -E "^$1 +fixture.constructor " || true; }
expect_loaded() { # WHAT
    expect_rc 0 "$FVEVAL" --plugin-path "$r" plugins --verbose
    case "$(outcome_line loaded)" in
        *"$m/metric"*) [ -s "$mark" ] && pass "$1: loaded" || fail "$1: loaded but its code did not run" ;;
        *) fail "$1: not loaded"; printf '%s\n' "$out" | sed 's/^/    /' >&2 ;;
    esac
}
expect_refused() { # WHAT REASON-FRAGMENT
    expect_rc 0 "$FVEVAL" --plugin-path "$r" plugins --verbose
    case "$(outcome_line untrusted)" in
        *"$2"*) pass "$1: untrusted" ;;
        *) fail "$1: expected 'untrusted' with '$2'"; printf '%s\n' "$out" | sed 's/^/    /' >&2 ;;
    esac
    expect_rc 2 "$FVEVAL" --plugin-path "$r" info fixture.constructor && contains "untrusted: $2" &&
        contains "(FVEVAL_PLUGIN_TRUST=warn loads it anyway)"
    [ -n "${FVEVAL_PLUGIN_TRUST:-}" ] || one_line
    [ ! -e "$mark" ] || fail "$1: refused, but its code ran"
}

fresh_root
expect_loaded "private copy"

fresh_root; chmod o+w "$m"
expect_refused "world-writable module directory" "$m is world-writable"
fresh_root; chmod o+w "$m/.libs/metric.so"
expect_refused "world-writable object named by the .la" "$m/.libs/metric.so is world-writable"
fresh_root; chmod o+w "$r"
expect_refused "world-writable plugin root" "$r is world-writable"
fresh_root; chmod o+w,+t "$r/fixture"
expect_loaded "world-writable directory with the sticky bit"

# A symlinked module directory is judged by where it points, too.
fresh_root; mkdir "$TMPDIR_TEST/other"; mv "$m" "$TMPDIR_TEST/other/constructor"
ln -s "$TMPDIR_TEST/other/constructor" "$m"; chmod o+w "$TMPDIR_TEST/other"
expect_refused "symlink into a world-writable directory" "$TMPDIR_TEST/other is world-writable"

# Owned by another non-root user (needs root to give a file away, as in CI).
if [ "$(id -u)" != 65534 ] && fresh_root && chown 65534 "$m/metric.la" 2>/dev/null; then
    expect_refused "metric.la owned by another user" "$m/metric.la is owned by uid 65534, neither root nor you"
    fresh_root; chown 65534 "$r/fixture"
    expect_refused "directory owned by another user" "$r/fixture is owned by uid 65534"
else
    echo "cannot chown to uid 65534 here: ownership checks not run"
fi

# FVEVAL_PLUGIN_TRUST=warn loads it with a warning and records why.
fresh_root; chmod o+w "$m"
FVEVAL_PLUGIN_TRUST=warn; export FVEVAL_PLUGIN_TRUST
expect_loaded "FVEVAL_PLUGIN_TRUST=warn"
contains "loaded although untrusted (FVEVAL_PLUGIN_TRUST=warn): $m is world-writable"
contains "untrusted, loaded because FVEVAL_PLUGIN_TRUST=warn: $m is world-writable"
# Anything else keeps refusing, and says so.
rm -f "$mark"; FVEVAL_PLUGIN_TRUST=yes
expect_refused "FVEVAL_PLUGIN_TRUST=yes" "$m is world-writable"
expect_rc 0 "$FVEVAL" --plugin-path "$r" list && contains "FVEVAL_PLUGIN_TRUST='yes' is neither 'refuse' nor 'warn'"
unset FVEVAL_PLUGIN_TRUST
chmod -R u+w "$TMPDIR_TEST"
finish
