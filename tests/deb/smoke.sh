#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Debian packages, end to end (CI, as root, on Debian 12; not part of
# `make check`, since it installs into the system): build them from the
# release tarball with debian/ copied in, check them with lintian, install
# them with apt-get and check the installed program, then purge them.
#
#   tests/deb/smoke.sh            from a configured tree (makes the tarball
#                                 with `make dist` when it is not there)
#   tests/deb/smoke.sh --debs DIR the packages built in DIR already (its
#                                 .changes and .debs): checks only
#
# Checked: the program alone plus fveval-plugins-common lists exactly the
# common metrics of plugins/common/; adding fveval-plugins-vbench adds exactly
# vbench's, removing it removes only those; with every package, each group's
# metrics are listed, every plugin loads, a real run on clips made by ffmpeg
# scores, the bash completion offers installed metrics, the SDK example builds
# against the installed fveval-sdk.pc and loads; purging leaves nothing.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
[ "$(id -u)" -eq 0 ] || { echo "tests/deb/smoke.sh: run as root (it installs packages)" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

work=$(mktemp -d /tmp/fveval-deb.XXXXXX)
installed=
cleanup() {
    # shellcheck disable=SC2086
    [ -z "$installed" ] || apt-get purge -y -q $installed >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*" >&2; failed=$((failed + 1)); }
die() { bad "$*"; echo "deb: $passed passed, $failed failed"; exit 1; }

# ---- build ------------------------------------------------------------------
if [ "${1:-}" = --debs ] && [ -n "${2:-}" ]; then
    cd "$2" || die "no directory $2"
else
    version=$(sed -n 's/^AC_INIT(\[fveval\], \[\([^]]*\)\].*/\1/p' configure.ac)
    tarball=fveval-$version.tar.gz
    [ -f "$tarball" ] || make -s dist >/dev/null || die "make dist"
    mkdir "$work/build" && tar -C "$work/build" -xzf "$tarball" || die "unpacking $tarball"
    src=$work/build/fveval-$version
    cp -R debian "$src/" || die "copying debian/"
    # nocheck: CI has just run the test suite on the same sources.
    start=$(date +%s)
    if (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
            dpkg-buildpackage -us -uc -b -Pnocheck) >"$work/build.log" 2>&1; then
        ok "dpkg-buildpackage -b: $(($(date +%s) - start)) s on $(nproc) cores"
    else
        tail -n 60 "$work/build.log" >&2
        die "dpkg-buildpackage failed (last lines above)"
    fi
    cd "$work/build" || exit 1
fi
changes=$(ls ./*.changes)

# lintian at its default level: no errors or warnings (overrides carry reasons).
if lintian --fail-on error,warning "$changes" >"$work/lintian.log" 2>&1; then
    ok "lintian: clean$(grep -q . "$work/lintian.log" && printf ' (%s info tags)' "$(grep -c . "$work/lintian.log")")"
else
    cat "$work/lintian.log" >&2
    bad "lintian"
fi

deb() { ls ./"$1"_*.deb 2>/dev/null; }
pkg_of_group() { echo "fveval-plugins-$(echo "$1" | tr _ -)"; }

# Metrics a group's sources define: plugins/GROUP/**/metric.c outside _ dirs.
source_metrics() {
    (cd "$top/plugins" && find "$1" -name metric.c) | sed 's|/metric\.c$||' |
        grep -v '\(^\|/\)[_.]' | tr / . | sort
}
groups=$(cd "$top/plugins" && ls -d [!_.]*/ | tr -d /)

# Each group has its package, holding one metric.so per metric of its sources.
for g in $groups; do
    p=$(pkg_of_group "$g")
    f=$(deb "$p") || { bad "no package $p for plugins/$g (see debian/README.source)"; continue; }
    have=$(dpkg-deb -c "$f" | awk '{ print $6 }' | sed -n "s|^\./usr/lib/[^/]*/fveval-1/\(.*\)/metric\.so$|\1|p" | tr / . | sort)
    want=$(source_metrics "$g")
    [ "$have" = "$want" ] && ok "$p holds $(echo $want)" || bad "$p holds [$(echo $have)], plugins/$g has [$(echo $want)]"
done

# ---- install step by step -----------------------------------------------------
# The installed program with its default plugin directory only.
listed() { env -u FVEVAL_PLUGIN_PATH -u FVEVAL_PLUGIN_SYSTEM_PATH fveval list | awk '{ print $1 }' | sort; }
apt_install() { apt-get install -y -q --no-install-recommends "$@" >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; die "apt-get install $*"; }; }

# check_list WHAT GROUP...: fveval list is exactly the metrics of GROUPs.
check_list() {
    what=$1; shift
    want=$(for g in "$@"; do source_metrics "$g"; done | sort)
    have=$(listed)
    [ "$have" = "$want" ] && ok "$what: fveval list = $(echo $have)" || bad "$what: fveval list = [$(echo $have)], want [$(echo $want)]"
}

installed="fveval fveval-plugins-common"
apt_install "$(deb fveval)" "$(deb fveval-plugins-common)"
check_list "fveval + fveval-plugins-common" common

installed="$installed fveval-plugins-vbench"
apt_install "$(deb fveval-plugins-vbench)"
check_list "+ fveval-plugins-vbench" common vbench

apt-get remove -y -q fveval-plugins-vbench >"$work/apt.log" 2>&1 || bad "apt-get remove fveval-plugins-vbench"
check_list "- fveval-plugins-vbench" common
[ -x /usr/bin/fveval ] && ok "fveval still installed" || bad "removing a plugin package removed the program"

# Everything (apt-get install ./*.deb).
installed=$(for f in ./*.deb; do dpkg-deb -f "$f" Package; done | tr '\n' ' ')
apt_install ./*.deb
check_list "all packages" $groups
notloaded=$(env -u FVEVAL_PLUGIN_PATH -u FVEVAL_PLUGIN_SYSTEM_PATH fveval plugins | awk 'NR > 1 && /^[a-z-]+ / && $1 != "loaded"')
[ -z "$notloaded" ] && ok "fveval plugins: every plugin loaded" || bad "fveval plugins: $notloaded"
fveval --version | grep -q 'model runtime: libtorch' && ok "$(fveval --version)" || bad "fveval --version: $(fveval --version)"
missing=$(ldd /usr/lib/*/fveval/fveval-torch.so | grep 'not found')
[ -z "$missing" ] && ok "fveval-torch.so: every library found" || bad "fveval-torch.so: $missing"

# A real run on clips made by ffmpeg.
ff() { ffmpeg -loglevel error -y -f lavfi -i "$1" -frames:v 12 -pix_fmt yuv420p -c:v libx264 -crf 18 "$2"; }
ff "testsrc2=size=64x48:rate=10" "$work/ref.mp4" && ff "testsrc2=size=64x48:rate=10,noise=alls=20:allf=t" "$work/gen.mp4" ||
    die "ffmpeg could not make the clips"
if env -u FVEVAL_PLUGIN_PATH -u FVEVAL_PLUGIN_SYSTEM_PATH fveval run -q --videos "$work/gen.mp4" \
        --reference "$work/ref.mp4" -m common.psnr,common.ssim,vbench.temporal_flickering \
        -o "$work/results.json" >"$work/run.log" 2>&1; then
    scores=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["samples"][0]["results"]
print(" ".join("%s=%.4f" % (k, v["score"]) for k, v in sorted(r.items()) if isinstance(v["score"], float)))' "$work/results.json")
    [ "$(echo "$scores" | wc -w)" -eq 3 ] && ok "fveval run: $scores" || bad "fveval run: scores [$scores] in $(cat "$work/results.json")"
else
    cat "$work/run.log" >&2
    bad "fveval run"
fi

# Manual pages and the completion, where the packages put them.
for f in /usr/share/man/man1/fveval.1.gz /usr/share/man/man7/fveval-plugin.7.gz \
         "$(pkg-config --variable=completionsdir bash-completion)/fveval"; do
    [ -f "$f" ] && ok "installed: $f" || bad "missing: $f"
done
comp=$(bash --norc -c '. /usr/share/bash-completion/completions/fveval
    COMP_LINE="fveval run -m vbench.temporal_f"; COMP_POINT=${#COMP_LINE}
    COMP_WORDS=(fveval run -m vbench.temporal_f); COMP_CWORD=3
    _fveval fveval vbench.temporal_f -m; echo "${COMPREPLY[*]}"')
[ "$comp" = vbench.temporal_flickering ] && ok "bash completion: -m vbench.temporal_f -> $comp" || bad "bash completion: -m vbench.temporal_f -> [$comp]"

# The SDK: the installed example builds against fveval-sdk.pc and loads.
ex=$(pkg-config --variable=examplesdir fveval-sdk)
mkdir -p "$work/plugins/example/brightness"
if cc -std=c11 -O2 -fPIC -shared -fvisibility=hidden $(pkg-config --cflags fveval-sdk) \
        -o "$work/plugins/example/brightness/metric.so" "$ex/brightness/metric.c" &&
   fveval --plugin-path "$work/plugins" info example.brightness >/dev/null; then
    ok "SDK example from $ex builds and loads"
else
    bad "SDK example from $ex"
fi

# ---- purge ---------------------------------------------------------------------------
# shellcheck disable=SC2086
apt-get purge -y -q $installed >"$work/apt.log" 2>&1 || bad "apt-get purge"
installed=
left=$(ls -d /usr/bin/fveval /usr/lib/*/fveval /usr/lib/*/fveval-1 /usr/include/fveval-1 /usr/share/fveval 2>/dev/null)
[ -z "$left" ] && ok "purged: nothing left" || bad "left after purge: $left"

echo "deb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
