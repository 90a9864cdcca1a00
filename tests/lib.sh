# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the shell tests (sourced).  Exit status 77 = skipped,
# 99 = hard error, as automake's test driver understands them.
set -u
TMPDIR_TEST=$(mktemp -d "${TMPDIR:-/tmp}/fveval-test.XXXXXX")
trap 'rm -rf "$TMPDIR_TEST"' EXIT
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# expect_rc WANT CMD...: run CMD, keep stdout+stderr in $out, check exit code.
expect_rc() {
    want=$1; shift
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "exit $rc (want $want): $*"; printf '%s\n' "$out" | sed 's/^/    /' >&2
        return 1
    fi
    return 0
}

# contains TEXT: $out contains TEXT.
contains() {
    case "$out" in
        *"$1"*) return 0 ;;
        *) fail "output lacks '$1'"; printf '%s\n' "$out" | sed 's/^/    /' >&2; return 1 ;;
    esac
}

# one_line: $out is exactly one line (errors must be one line).
one_line() {
    n=$(printf '%s\n' "$out" | wc -l)
    [ "$n" -eq 1 ] || { fail "expected one line, got $n"; printf '%s\n' "$out" | sed 's/^/    /' >&2; }
}

need_tool() {
    command -v "$1" >/dev/null 2>&1 || { echo "FAIL: required tool '$1' is missing" >&2; exit 99; }
}

finish() {
    if [ "$failures" -ne 0 ]; then echo "$failures failure(s)" >&2; exit 1; fi
    exit 0
}
