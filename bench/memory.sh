#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Peak memory (max RSS) of `fveval run` over 10 and over 100 short videos:
# decoding is bounded by --jobs, so the two should be within 10%.
# Run from a configured build tree after `make check` (uses the test plugins):
#   sh bench/memory.sh [BUILDDIR]
set -eu
build=${1:-.}
fveval="$build/core/fveval --plugin-path $build/tests/plugins"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=832x480:rate=24 -frames:v 48 \
    -c:v libx264 -pix_fmt yuv420p "$tmp/src.mp4"
mkdir "$tmp/v10" "$tmp/v100"
for i in $(seq -w 1 100); do
    ln -s "$tmp/src.mp4" "$tmp/v100/c$i.mp4"
    [ "$i" -le 10 ] && ln -s "$tmp/src.mp4" "$tmp/v10/c$i.mp4"
done
rss() { # prints max RSS in KiB
    /usr/bin/time -f %M $fveval run --videos "$1" -m test.mean,test.count -j 2 -q -o "$tmp/r.json" 2>&1 >/dev/null | tail -n1
}
a=$(rss "$tmp/v10"); b=$(rss "$tmp/v100")
echo "max RSS, 10 videos:  $a KiB"
echo "max RSS, 100 videos: $b KiB"
awk -v a="$a" -v b="$b" 'BEGIN { r = b / a; printf "ratio 100/10: %.3f (%s)\n", r, (r <= 1.10 ? "within 10%" : "over 10%") }'
