#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Peak memory (max RSS) of `fveval run` over 10 and over 100 short videos:
# decoding is bounded by --jobs, so the two should be within 10%.
# Run from a configured build tree after `make check` (uses the test plugins):
#   sh bench/memory.sh [BUILDDIR]
# Exits 1 when a run fails or the ratio is over 1.10.
set -eu
build=${1:-.}
ffmpeg=${FFMPEG:-ffmpeg}
[ -x /usr/bin/time ] || { echo "bench/memory.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }
for p in mean count; do
    [ -e "$build/tests/plugins/test/$p/metric.la" ] ||
        { echo "bench/memory.sh: no test.$p plugin in $build/tests/plugins: run make check first" >&2; exit 2; }
done
# Only the test plugins: nothing installed on the machine is scanned.
FVEVAL_PLUGIN_SYSTEM_PATH=; export FVEVAL_PLUGIN_SYSTEM_PATH
FVEVAL_PLUGIN_PATH=; export FVEVAL_PLUGIN_PATH
fveval="$build/core/fveval --plugin-path $build/tests/plugins"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$ffmpeg" -nostdin -loglevel error -f lavfi -i testsrc2=size=832x480:rate=24 -frames:v 48 \
    -c:v libx264 -pix_fmt yuv420p "$tmp/src.mp4"
mkdir "$tmp/v10" "$tmp/v100"
for i in $(seq -w 1 100); do
    ln -s "$tmp/src.mp4" "$tmp/v100/c$i.mp4"
    [ "$i" -le 10 ] && ln -s "$tmp/src.mp4" "$tmp/v10/c$i.mp4"
done
rss() { # prints max RSS in KiB; fails when the run does
    out=$(/usr/bin/time -f 'status %x maxrss %M' $fveval run --videos "$1" -m test.mean,test.count \
        -j 2 -q -o "$tmp/r.json" 2>&1 >/dev/null | tail -n1)
    case $out in
        "status 0 maxrss "*) echo "${out##* }" ;;
        *) echo "bench/memory.sh: fveval run over $1 failed: $out" >&2; return 1 ;;
    esac
}
a=$(rss "$tmp/v10"); b=$(rss "$tmp/v100")
n=$(grep -o '"index"' "$tmp/r.json" | wc -l)
[ "$n" -eq 100 ] || { echo "bench/memory.sh: expected 100 samples in the results, got $n" >&2; exit 1; }
echo "max RSS, 10 videos:  $a KiB"
echo "max RSS, 100 videos: $b KiB"
awk -v a="$a" -v b="$b" 'BEGIN { r = b / a; printf "ratio 100/10: %.3f (%s)\n", r, (r <= 1.10 ? "within 10%" : "over 10%"); exit !(r <= 1.10) }'
