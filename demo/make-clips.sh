#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Make the demo corpus with the ffmpeg CLI: a few short generated clips and
# their references (the references are the clean sources, the "generated"
# clips are blurred, noisy or re-encoded copies), so `make demo` scores
# something on a machine with no media of its own.
# Usage: make-clips.sh OUTDIR
set -eu
out=$1
ff="${FFMPEG:-ffmpeg} -nostdin -loglevel error -y"
mkdir -p "$out/gen" "$out/ref"
i=0
for src in "testsrc2=size=320x240:rate=24" "mandelbrot=size=320x240:rate=24" \
           "life=size=320x240:rate=24:mold=10:ratio=0.3:death_color=#303030:life_color=#f0c040"; do
    i=$((i + 1))
    $ff -f lavfi -i "$src" -frames:v 48 -c:v libx264 -crf 12 -pix_fmt yuv420p "$out/ref/clip$i.mp4"
done
$ff -i "$out/ref/clip1.mp4" -vf gblur=sigma=1.5 -c:v libx264 -crf 18 -pix_fmt yuv420p "$out/gen/clip1.mp4"
$ff -i "$out/ref/clip2.mp4" -vf noise=alls=12:allf=t -c:v libx264 -crf 18 -pix_fmt yuv420p "$out/gen/clip2.mp4"
$ff -i "$out/ref/clip3.mp4" -c:v libx264 -crf 40 -pix_fmt yuv420p "$out/gen/clip3.mp4"
