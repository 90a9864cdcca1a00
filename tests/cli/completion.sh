#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The bash completion (completion/fveval): its function is called as bash
# calls it, with COMP_WORDS and COMP_CWORD split the way bash splits them (at
# blanks, ':' and '=') and COMP_LINE/COMP_POINT, on the plugins of the build
# tree; the candidates are checked against what fveval itself says.
. "$top_srcdir/tests/lib.sh"
need_tool bash
plugins="$top_builddir/plugins"
cat >"$TMPDIR_TEST/drive.bash" <<'EOF'
set -u
source "$top_srcdir/completion/fveval"
complete -p fveval >/dev/null || { echo "FAIL: no 'complete' for fveval" >&2; exit 1; }
failures=0

# comp LINE: the candidates for the end of LINE, one per line, sorted.
comp() {
    local line=$1 w piece
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMP_WORDS=()
    for w in $line; do
        # bash puts each run of word-break characters in a word of its own
        while [[ $w =~ ^([^:=]*)([:=]+)(.*)$ ]]; do
            [[ -n ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
            COMP_WORDS+=("${BASH_REMATCH[2]}")
            w=${BASH_REMATCH[3]}
        done
        [[ -n $w ]] && COMP_WORDS+=("$w")
    done
    [[ $line == *' ' ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _fveval "$FVEVAL" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    ((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}

# check LINE EXPECTED: the candidates are exactly EXPECTED (one per line).
check() {
    local got
    got=$(comp "$1")
    if [[ $got == "$2" ]]; then
        echo "ok: '$1'"
    else
        echo "FAIL: '$1': got [$(echo $got)], want [$(echo $2)]" >&2
        failures=$((failures + 1))
    fi
}
# has LINE WORD...: each WORD is among the candidates.
has() {
    local line=$1 got w
    shift
    got=$(comp "$line")
    for w in "$@"; do
        if grep -qxF -e "$w" <<<"$got"; then echo "ok: '$line' offers '$w'"
        else echo "FAIL: '$line' does not offer '$w' (got: $(echo $got))" >&2; failures=$((failures + 1)); fi
    done
}

F="fveval --plugin-path $plugins"
metrics=$("$FVEVAL" --plugin-path "$plugins" list | awk '{ print $1 }' | LC_ALL=C sort)
[[ -n $metrics ]] || { echo "FAIL: fveval list printed no metrics" >&2; exit 1; }

# Commands: those of `fveval --help`.
check "fveval " "$(printf '%s\n' info list merge models plugins report run)"
check "fveval --log-level debug ru" "run"
check "$F pl" "plugins"

# Global and command options.
has "fveval --" --plugin-path --log-level --help --version
check "fveval list --" "$(printf '%s\n' --group --help --json --log-level --plugin-path --version)"
has "fveval run --re" --reference --resume --retry-crashed
check "fveval run --on-dec" "--on-decode-error="
has "fveval models --" --model-dir
check "fveval run --sample-t" "--sample-timeout"

# Option values.
check "fveval run --format " "$(printf '%s\n' csv json table)"
check "fveval --log-level w" "warning"
check "fveval run --pair-by s" "stem"
check "fveval run --on-decode-error=p" "partial"
check "fveval run --format=t" "table"

# Metric names: exactly `fveval list`, for info, -m, --metrics= and models.
check "$F info " "$metrics"
check "$F info common.p" "common.psnr"
check "$F info common.psnr " ""
has "$F run -m " $metrics all 'common.*' 'vbench.*' 'physics_iq.*'
check "$F run -m vbench.temporal_f" "vbench.temporal_flickering"
check "$F run --metrics=vbench.temporal_f" "vbench.temporal_flickering"
check "$F run -m common.psnr,vbench.temporal_f" "common.psnr,vbench.temporal_flickering"
check "$F models common.ss" "common.ssim"
check "$F list --group c" "common"
# Without --plugin-path the build tree's plugins are not found.
check "fveval info common.p" ""

# Metric options: `fveval info`'s option names, after NAME: (bash replaces
# only what follows the last ':', so the candidates start there).
check "$F run -m common.ssim:" "window_size="
check "$F run -m common.ssim:win" "window_size="
check "$F run -m common.psnr:m" "max_val="
check "$F run -m common.psnr,common.ssim:w" "window_size="
check "$F run -m common.ssim:window_size=7:w" "window_size="
check "$F run -m vbench.temporal_flickering:" ""

# Files and directories.
mkdir -p "$TMPDIR_TEST/dir/sub"
: >"$TMPDIR_TEST/dir/clip.mp4"
check "fveval run --videos $TMPDIR_TEST/dir/cl" "$TMPDIR_TEST/dir/clip.mp4"
check "fveval run -o $TMPDIR_TEST/dir/cl" "$TMPDIR_TEST/dir/clip.mp4"
check "fveval merge $TMPDIR_TEST/dir/s" "$TMPDIR_TEST/dir/sub"
check "fveval --plugin-path $TMPDIR_TEST/dir/" "$TMPDIR_TEST/dir/sub"

# Driven by COMP_WORDS and COMP_CWORD alone (no COMP_LINE), as some callers do.
unset COMP_LINE COMP_POINT
COMP_WORDS=(fveval --plugin-path "$plugins" run -m common.ssim : w)
COMP_CWORD=7
COMPREPLY=()
_fveval fveval w :
if [[ ${COMPREPLY[*]} == window_size= ]]; then echo "ok: COMP_WORDS only"
else echo "FAIL: COMP_WORDS only: got [${COMPREPLY[*]}]" >&2; failures=$((failures + 1)); fi

exit $((failures != 0))
EOF
export FVEVAL plugins TMPDIR_TEST
# PATH: "fveval" on the lines above is the build's program.
mkdir -p "$TMPDIR_TEST/bin"
ln -s "$FVEVAL" "$TMPDIR_TEST/bin/fveval"
PATH="$TMPDIR_TEST/bin:$PATH" bash --norc --noprofile "$TMPDIR_TEST/drive.bash" || fail "completion checks"
finish
