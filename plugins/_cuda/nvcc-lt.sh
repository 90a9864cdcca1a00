#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# nvcc-lt.sh NVCC ARGS...: nvcc as the compiler of `libtool --mode=compile`.
# libtool adds the host compiler's PIC flags (-fPIC -DPIC); nvcc takes -D itself
# and host-compiler flags through -Xcompiler.
nvcc=$1
shift
for arg in "$@"; do
  shift
  case $arg in
    -fPIC|-fpic|-fno-common) set -- "$@" "-Xcompiler=$arg" ;;
    *) set -- "$@" "$arg" ;;
  esac
done
exec "$nvcc" "$@"
