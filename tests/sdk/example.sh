#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The SDK as a third party uses it: install fveval-sdk.pc, the header, the
# guide and the example project into a staging directory; copy the example
# from where it was installed and build it exactly as the guide's autotools
# section says (its first sh block: configure --prefix, make install), check
# that everything lands under that prefix and nowhere else, load it with
# --plugin-path and check its score against numpy on the frames the ffmpeg
# CLI decodes.  The configure.ac and Makefile.am the guide shows must be the
# installed files; --with-pluginsdir=system and pluginsdir=DIR must pick the
# documented directories.  The guide's minimal listing (the first C block of
# sdk/README.md) must compile warning-free and run too.
. "$top_srcdir/tests/lib.sh"
need_tool "${FFMPEG_CLI:-ffmpeg}"
need_tool pkg-config
need_tool /usr/bin/python3
# Building the example needs the autotools, as any checkout of a plugin
# project does; a machine without them cannot run this test at all.
for t in autoreconf libtoolize aclocal automake; do
    command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed"; exit 77; }
done
# The example's own makes must not join the jobserver of the make running us.
unset MAKEFLAGS MFLAGS MAKELEVEL
MAKE=${MAKE:-make}
T=$TMPDIR_TEST
FF="${FFMPEG_CLI:-ffmpeg} -nostdin -loglevel error"

# 1. The SDK, staged with DESTDIR as a package build would.
if $MAKE -s -C "$top_builddir" install-pkgconfigDATA install-sdkfvevalHEADERS install-dist_sdkdocDATA \
        install-dist_sdkexamplesDATA install-dist_sdkexamplesbrightnessDATA DESTDIR="$T/sdk" >"$T/install.log" 2>&1; then
    pass "SDK installed with DESTDIR"
else
    fail "installing the SDK"; cat "$T/install.log" >&2; finish
fi
pc=$(find "$T/sdk" -name fveval-sdk.pc | head -n1)
[ -n "$pc" ] || { fail "no fveval-sdk.pc installed"; finish; }
[ -f "$(find "$T/sdk" -path '*/fveval-1/fveval/plugin.h' | head -n1)" ] &&
    pass "header installed as fveval-1/fveval/plugin.h" || fail "header not at include/fveval-1/fveval/plugin.h"
# pluginsdir stays relative to ${libdir} (so --define-variable, sysroots and
# relocated prefixes follow it), unless configure was given another one.
want=$(sed -n 's/^pluginsdir = //p' "$top_builddir/Makefile")
got=$(sed -n 's/^pluginsdir=//p' "$pc")
[ "$got" = "$want" ] && pass "pc pluginsdir is '$got'" || fail "pc pluginsdir '$got', build has '$want'"
case $want in
    '${libdir}/fveval-1') [ "$got" = '${libdir}/fveval-1' ] && pass 'pluginsdir written as ${libdir}/fveval-1' ;;
esac
PKG_CONFIG_LIBDIR=$(dirname "$pc"); export PKG_CONFIG_LIBDIR
PKG_CONFIG_PATH=; export PKG_CONFIG_PATH
PKG_CONFIG_SYSROOT_DIR="$T/sdk"; export PKG_CONFIG_SYSROOT_DIR
case $(pkg-config --cflags fveval-sdk) in
    *"-I$T/sdk/"*) pass "pkg-config --cflags points into the staged SDK" ;;
    *) fail "pkg-config --cflags: $(pkg-config --cflags fveval-sdk)" ;;
esac
examples=$(pkg-config --variable=examplesdir fveval-sdk)
case $examples in
    "$T/sdk/"*/doc/*) [ -f "$examples/configure.ac" ] && [ -f "$examples/brightness/metric.c" ] &&
        pass "the example project is installed in the docs, pc examplesdir names it" ||
        { fail "no example project in $examples"; finish; } ;;
    *) fail "pc examplesdir '$examples' is not an installed docs directory"; finish ;;
esac
[ -f "$examples/../README.md" ] && pass "the guide is installed next to it" || fail "no README.md in $examples/.."

# 2. The guide's autotools section shows the example's build files in full.
# guide_block LANG: the first ```LANG block of that section.
guide_block() {
    awk -v lang="$1" '/^## / { sec = ($0 == "## Building and installing with autotools") }
        sec && !on && $0 == "```" lang { on = 1; next }
        on && /^```$/ { exit } on' "$examples/../README.md"
}
guide_block m4 > "$T/guide.configure.ac"
guide_block make > "$T/guide.Makefile.am"
cmp -s "$T/guide.configure.ac" "$examples/configure.ac" && pass "the guide shows configure.ac as installed" ||
    { fail "the guide's configure.ac differs from the installed one"; diff "$T/guide.configure.ac" "$examples/configure.ac" >&2; }
cmp -s "$T/guide.Makefile.am" "$examples/Makefile.am" && pass "the guide shows Makefile.am as installed" ||
    { fail "the guide's Makefile.am differs from the installed one"; diff "$T/guide.Makefile.am" "$examples/Makefile.am" >&2; }

# 3. The guide's steps, run as written: copy from the installed SDK,
# configure --prefix=$HOME/.local, make, make install, fveval info.
guide_block sh > "$T/guide.sh"
grep -q 'configure --prefix=' "$T/guide.sh" || fail "the guide's first sh block does not configure a --prefix"
mkdir -p "$T/home" "$T/work" "$T/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$FVEVAL" > "$T/bin/fveval" && chmod +x "$T/bin/fveval"
prefix=$T/home/.local
if (cd "$T/work" && HOME=$T/home PATH=$T/bin:$PATH sh -ex "$T/guide.sh") >"$T/ex.log" 2>&1; then
    pass "the guide's steps build, install and show the example"
else
    fail "the guide's steps"; tail -n 40 "$T/ex.log" >&2; finish
fi
grep -Eq '\.c:[0-9]+:[0-9]+: warning:' "$T/ex.log" && { fail "the example compiled with warnings"; grep -E '\.c:[0-9]+' "$T/ex.log" >&2; }
grep -q 'frame_step' "$T/ex.log" || fail "fveval info example.brightness printed no options"
ex=$T/work/my-metrics
[ "$(sed -n 's/^pluginsdir = //p' "$ex/Makefile")" = '${libdir}/fveval-1' ] &&
    pass 'the default pluginsdir is ${libdir}/fveval-1 of the package' || fail "example pluginsdir '$(sed -n 's/^pluginsdir = //p' "$ex/Makefile")'"
grep -q "plugins will be installed under $prefix/lib/fveval-1\$" "$T/ex.log" &&
    pass "configure says where, prefix applied" || fail "configure did not print $prefix/lib/fveval-1"
roots=$prefix/lib/fveval-1
[ -f "$roots/example/brightness/metric.so" ] && pass "installed as PREFIX/lib/fveval-1/example/brightness/metric.so" ||
    { fail "example/brightness/metric.so not installed under $roots"; find "$T/home" >&2; finish; }
# Nothing outside the prefix: the same install, staged, holds only files under it.
(cd "$ex" && $MAKE -s install DESTDIR="$T/probe") >"$T/probe.log" 2>&1 || { fail "make install DESTDIR"; cat "$T/probe.log" >&2; }
outside=$(cd "$T/probe" && find . ! -type d | grep -v "^\.$prefix/")
[ -z "$outside" ] && [ -f "$T/probe$roots/example/brightness/metric.so" ] &&
    pass "make install writes nothing outside --prefix" || fail "installed outside the prefix: $outside"

# The other documented choices, configure only.
pluginsdir_with() {
    (cd "$ex" && ./configure -q --prefix="$prefix" "$@" >/dev/null) && sed -n 's/^pluginsdir = //p' "$ex/Makefile"
}
want=$(pkg-config --variable=pluginsdir fveval-sdk)
got=$(pluginsdir_with --with-pluginsdir=system)
[ "$got" = "$want" ] && pass "--with-pluginsdir=system is pkg-config's pluginsdir" || fail "--with-pluginsdir=system gave '$got', want '$want'"
got=$(pluginsdir_with --with-pluginsdir=system pluginsdir="$T/mine")
[ "$got" = "$T/mine" ] && pass "pluginsdir=DIR overrides" || fail "pluginsdir=DIR gave '$got'"
# An SDK configured with a pluginsdir outside its libdir still leaves the
# default under the package's prefix.
mkdir -p "$T/pc2" && sed 's|^pluginsdir=.*|pluginsdir=/opt/fveval-plugins|' "$pc" > "$T/pc2/fveval-sdk.pc"
got=$(PKG_CONFIG_LIBDIR=$T/pc2; pluginsdir_with)
[ "$got" = '${libdir}/fveval-1' ] && pass "an SDK pluginsdir outside its libdir: default still under --prefix" ||
    fail "SDK pluginsdir outside libdir gave '$got'"

# 4. Load and run it.
R="$FVEVAL --plugin-path $roots"
expect_rc 0 $R info example.brightness && contains "frame_step" && contains "normalize"
$FF -f lavfi -i testsrc2=size=64x48:rate=10 -frames:v 12 -c:v libx264 -pix_fmt yuv420p "$T/clip.mp4" ||
    { fail "ffmpeg cannot make a clip"; finish; }
expect_rc 0 $R run --videos "$T/clip.mp4" -m example.brightness -o "$T/a.json" -q
expect_rc 0 $R run --videos "$T/clip.mp4" -m example.brightness:normalize=1:frame_step=5 -o "$T/b.json" -q
$FF -i "$T/clip.mp4" -sws_flags bicubic+accurate_rnd+full_chroma_int -pix_fmt rgb24 -f rawvideo "$T/clip.rgb"
/usr/bin/python3 - "$T/clip.rgb" "$T/a.json" "$T/b.json" <<'PY' && pass "scores equal numpy's BT.601 luma" || fail "example.brightness scores"
import json, sys
import numpy as np
f = np.fromfile(sys.argv[1], np.uint8).reshape(-1, 48, 64, 3).astype(np.float64)
y = (0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]).mean(axis=(1, 2))
for path, frames, scale in ((sys.argv[2], y, 1.0), (sys.argv[3], y[::5], 1 / 255)):
    r = json.load(open(path))["samples"][0]["results"]["example.brightness"]
    want = frames.mean() * scale
    assert abs(r["score"] - want) < 1e-9 * max(1, want), (path, r["score"], want)
    got = np.array(r["details"]["frame_luma"])
    assert got.shape == frames.shape and np.allclose(got, frames * scale, rtol=0, atol=1e-9), path
    assert r["details"]["brightest_frame"] == (np.argmax(frames) * (5 if scale != 1 else 1))
PY

# 5. The guide's minimal metric, compiled exactly as the guide says.
awk '/^```c$/ { on = 1; next } on && /^```$/ { exit } on' "$top_srcdir/sdk/README.md" > "$T/red.c"
mkdir -p "$T/mini/demo/red"
if ${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror -O2 -fPIC -shared -fvisibility=hidden \
        $(pkg-config --cflags fveval-sdk) -o "$T/mini/demo/red/metric.so" "$T/red.c"; then
    pass "the guide's listing compiles with -Wall -Wextra -pedantic -Werror"
    expect_rc 0 $FVEVAL --plugin-path "$T/mini" run --videos "$T/clip.mp4" -m demo.red -o "$T/red.json" -q
    /usr/bin/python3 - "$T/clip.rgb" "$T/red.json" <<'PY' && pass "the guide's metric gives numpy's mean red" || fail "demo.red score"
import json, sys
import numpy as np
f = np.fromfile(sys.argv[1], np.uint8).reshape(-1, 48, 64, 3)
r = json.load(open(sys.argv[2]))["samples"][0]["results"]["demo.red"]
assert abs(r["score"] - f[..., 0].astype(np.float64).mean()) < 1e-9, r
PY
else
    fail "the guide's listing does not compile"
fi
finish
