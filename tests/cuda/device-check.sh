#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The whole GPU check in one go, for a machine with an NVIDIA GPU, the CUDA Toolkit
# and the build dependencies: configure --with-cuda (--without-torch: the model
# runtime plays no part here) in _build/cuda, build, run the CUDA tests and the
# pixel-metric tests, then bench/cuda.sh.  About 8 minutes on 16 cores; each step
# has a timeout.  Logs and a summary go to OUTDIR (default: $OUT, else _build/cuda-check).
# Usage: sh tests/cuda/device-check.sh [OUTDIR]
# Environment: LTX (the clip the tests and the bench cut from; default
# ../shared/media/ltx2.mp4, else an 832x480 testsrc2 clip made here),
# CUDA_ARCH (passed to configure), JOBS (make -j, default nproc).
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-${OUT:-$src/_build/cuda-check}}
build=$src/_build/cuda
jobs=${JOBS:-$(nproc)}
mkdir -p "$out" "$build"
summary=$out/summary.txt
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
step() { # NAME TIMEOUT CMD...: run CMD with its output in OUTDIR/NAME.log
    name=$1 limit=$2; shift 2
    start=$(date +%s)
    timeout "$limit" "$@" > "$out/$name.log" 2>&1
    rc=$?
    say "$name: exit $rc in $(( $(date +%s) - start )) s (log $out/$name.log)"
    return $rc
}

say "== GPU"
(nvidia-smi -L || echo "nvidia-smi failed") 2>&1 | tee -a "$summary"
cd "$src" || exit 1
if [ ! -x configure ]; then
    step autoreconf 120 autoreconf -fi || exit 1
fi
cd "$build" || exit 1
step configure 150 "$src/configure" --with-cuda --without-torch ${CUDA_ARCH:+CUDA_ARCH="$CUDA_ARCH"} \
    || { tail -n 30 "$out/configure.log"; exit 1; }
grep -A1 'cuda:' "$out/configure.log" | tee -a "$summary"
step make 300 make -j"$jobs" || { grep -B2 -A8 -i 'error' "$out/make.log" | head -n 60; exit 1; }
./core/fveval --version | tee -a "$summary"

if [ -z "${LTX:-}" ]; then
    LTX=$src/../shared/media/ltx2.mp4
    if [ ! -f "$LTX" ]; then
        LTX=$out/ltx-standin.mp4
        ffmpeg -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=832x480:rate=24,noise=alls=8:allf=t" \
            -frames:v 121 -c:v libx264 -preset veryfast -pix_fmt yuv420p "$LTX"
        say "note: shared/media/ltx2.mp4 absent: tests and bench use an 832x480 testsrc2 clip"
    fi
fi
export LTX

say "== tests"
# tests/cuda/kernels.sh and metrics.sh take the clip from LTX (exported above).
step check 240 make -j"$jobs" check \
    TESTS='tests/cuda/device.sh tests/cuda/kernels.sh tests/cuda/metrics.sh tests/pixel/metrics.sh tests/unit/test_vision'
check_rc=$?
for t in tests/cuda/device tests/cuda/kernels tests/cuda/metrics tests/pixel/metrics tests/unit/test_vision; do
    [ -f "$t.log" ] || continue
    cp "$t.log" "$out/$(echo "$t" | tr / _).log"
    say "$(grep -m1 '^\(PASS\|FAIL\|SKIP\|ERROR\|XFAIL\)' "$t.trs" 2>/dev/null || echo "?") $t"
    sed -n '1,40p' "$t.log" | grep -v '^ok:' | sed 's/^/    /' | head -n 20 | tee -a "$summary"
done

say "== bench"
PAIRS=${PAIRS:-6} FRAMES=${FRAMES:-48} REPEAT=${REPEAT:-1} step bench 200 sh "$src/bench/cuda.sh" "$build"
tail -n 8 "$out/bench.log" | tee -a "$summary"
exit $check_rc
