#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Peak memory (max RSS) and wall time of vbench.temporal_flickering on one
# long 1080p clip (300 frames of testsrc2), reading the whole clip
# (FVEVAL_FORCE_WHOLE_CLIP=1: the pre-1.2 path) and streamed (its declared
# STREAM access, window 2).  Both must give the same results byte for byte.
# Run from a configured build tree after `make`:
#   sh bench/frames.sh [BUILDDIR] [FRAMES]
# CPU is user + system time (steadier than wall time on a busy machine).
# Exits 1 when a run fails or the results differ.
set -eu
build=${1:-.}
frames=${2:-300}
ffmpeg=${FFMPEG:-ffmpeg}
[ -x /usr/bin/time ] || { echo "bench/frames.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }
[ -e "$build/plugins/vbench/temporal_flickering/metric.la" ] ||
    { echo "bench/frames.sh: no vbench.temporal_flickering in $build/plugins: run make first" >&2; exit 2; }
# Only the built plugins: nothing installed on the machine is scanned.
FVEVAL_PLUGIN_SYSTEM_PATH=; export FVEVAL_PLUGIN_SYSTEM_PATH
FVEVAL_PLUGIN_PATH=; export FVEVAL_PLUGIN_PATH
fveval="$build/core/fveval --plugin-path $build/plugins"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$ffmpeg" -nostdin -loglevel error -f lavfi -i testsrc2=size=1920x1080:rate=30 -frames:v "$frames" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$tmp/long.mp4"

measure() { # NAME FORCE: prints "maxrss_kib wall_s cpu_s"; fails when the run does
    out=$(env FVEVAL_FORCE_WHOLE_CLIP="$2" /usr/bin/time -f 'status %x maxrss %M wall %e cpu %U %S' \
        $fveval run --videos "$tmp/long.mp4" -m vbench.temporal_flickering -j 1 -q \
        --max-memory none -o "$tmp/$1.json" 2>&1 >/dev/null | tail -n1)
    case $out in
        "status 0 maxrss "*) set -- $out; echo "$4 $6 $(awk -v u="$8" -v s="$9" 'BEGIN { print u + s }')" ;;
        *) echo "bench/frames.sh: the $1 run failed: $out" >&2; return 1 ;;
    esac
}
samples() { # the samples part of a results file
    /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["samples"]))' "$1"
}
clip=$(measure clip 1)
stream=$(measure stream 0)
[ "$(samples "$tmp/clip.json")" = "$(samples "$tmp/stream.json")" ] ||
    { echo "bench/frames.sh: the streamed results differ from the whole-clip ones" >&2; exit 1; }
set -- $clip $stream
echo "1920x1080, $frames frames, vbench.temporal_flickering, -j 1 (identical results)"
echo "whole clip: max RSS $1 KiB, wall $2 s, CPU $3 s"
echo "streamed:   max RSS $4 KiB, wall $5 s, CPU $6 s"
awk -v m1="$1" -v w1="$2" -v c1="$3" -v m2="$4" -v w2="$5" -v c2="$6" \
    'BEGIN { printf "streamed/whole clip: memory %.3f, wall %.3f, CPU %.3f\n", m2 / m1, w2 / w1, c2 / c1 }'
