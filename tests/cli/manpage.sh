#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fveval(1) and --help name the same options: the .TP tags of GLOBAL OPTIONS
# against `fveval --help`, and those of each command's .SS against
# `fveval COMMAND --help`; the commands of --help each have a .SS; every
# FVEVAL_* variable the core reads is under ENVIRONMENT.  Also: both pages
# format without warnings from groff.
. "$top_srcdir/tests/lib.sh"
LC_ALL=C; export LC_ALL  # one collation for sort and comm
man1="$top_builddir/man/fveval.1"
man7="$top_builddir/man/fveval-plugin.7"
[ -f "$man1" ] && [ -f "$man7" ] || { echo "FAIL: $man1 or $man7 was not built" >&2; exit 99; }

# Options an --help text defines: the Usage: line's, and the option spec that
# begins an indented line ("  -m, --metrics LIST   ...": -m and --metrics,
# not the options its description mentions).
help_options() {
    "$FVEVAL" "$@" --help | awk '
        /^Usage:/ { for (i = 2; i <= NF; i++) { w = $i; gsub(/[][|,]/, "", w)
                    if (w ~ /^--?[A-Za-z]/) print w }; next }
        /^ +-/    { for (i = 1; i <= NF; i++) { w = $i; sub(/,$/, "", w); sub(/=.*/, "", w)
                    if (w !~ /^--?[A-Za-z]/) break; print w } }' | sort -u
}

# Options the man page defines in one part: the tag line after each .TP
# between the heading matching $1 (".SH GLOBAL OPTIONS", ".SS run") and the
# next .SH or .SS.
man_options() {
    sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$man1" | awk -v head="$1" '
        $0 == head { on = 1; next }
        on && /^\.(SH|SS)/ { exit }
        on && /^\.TP/ { tag = 1; next }
        on && tag { tag = 0; n = split($0, w, /[ ,=|[]+/)
                    for (i = 1; i <= n; i++) if (w[i] ~ /^--?[A-Za-z]/) print w[i] }' | sort -u
}

# compare WHAT HELP_LIST MAN_LIST [SOURCE]: the lists (sorted, one per line)
# are equal; SOURCE names where the first came from (default --help).
compare() {
    src=${4:---help}
    printf '%s\n' "$2" | grep . >"$TMPDIR_TEST/help" || true
    printf '%s\n' "$3" | grep . >"$TMPDIR_TEST/man" || true
    only_help=$(comm -23 "$TMPDIR_TEST/help" "$TMPDIR_TEST/man")
    only_man=$(comm -13 "$TMPDIR_TEST/help" "$TMPDIR_TEST/man")
    [ -z "$only_help" ] || fail "$1: in $src but not in fveval(1):" $only_help
    [ -z "$only_man" ] || fail "$1: in fveval(1) but not in $src:" $only_man
    [ -n "$only_help$only_man" ] || pass "$1: $src and fveval(1) agree ($(grep -c . "$TMPDIR_TEST/help") names)"
}

compare "global options" "$(help_options)" "$(man_options '.SH GLOBAL OPTIONS')"

commands=$("$FVEVAL" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
[ -n "$commands" ] || fail "no commands found in fveval --help"
man_commands=$(sed -n 's/^\.SS //p' "$man1" | sort -u)
compare "commands" "$(printf '%s\n' $commands | sort -u)" "$man_commands"
for c in $commands; do
    compare "fveval $c" "$(help_options "$c")" "$(man_options ".SS $c")"
done

# The variables the core reads (getenv("FVEVAL_...") in its sources).
env_code=$(cat "$top_srcdir"/core/*.c "$top_srcdir"/core/torch/*.c |
           grep -o 'getenv("FVEVAL_[A-Z_]*")' | sed 's/getenv("\(.*\)")/\1/' | sort -u)
env_man=$(awk '/^\.SH ENVIRONMENT/ { on = 1; next } on && /^\.SH/ { exit }
              on && /^\.TP/ { tag = 1; next } on && tag { tag = 0; print $2 }' "$man1" |
          grep '^FVEVAL_' | sort -u)
compare "environment" "$env_code" "$env_man" "the core's getenv() calls"

# The sections the issue asks for are there.
for s in NAME SYNOPSIS DESCRIPTION '"EXIT STATUS"' ENVIRONMENT FILES EXAMPLES; do
    grep -qx ".SH $s" "$man1" || fail "fveval(1) has no section $s"
done

# The configured directories were substituted.
if grep -n '@[a-z]*@' "$man1" "$man7"; then fail "unsubstituted @variables@ in the pages"; fi

# Both pages format cleanly (groff's warnings are mistakes in the markup).
# The configured directories are substituted into the text and can be longer
# than a line under a deep prefix (distcheck's), which groff reports as
# "cannot adjust/break line": format on a wide line so only markup counts.
if command -v groff >/dev/null 2>&1; then
    for page in "$man1" "$man7"; do
        warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -rLL=400n -z "$page" 2>&1)
        [ -z "$warn" ] || fail "$(basename "$page"): groff: $warn"
    done
fi

finish
