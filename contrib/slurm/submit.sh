#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Score a corpus on a Slurm cluster: N array tasks, each one shard of the
# samples, then a merge job that runs once all of them succeeded.
#   contrib/slurm/submit.sh OUTDIR N [fveval run arguments...]
# e.g. contrib/slurm/submit.sh /scratch/run1 64 --videos gen/ --reference ref/ -m common.psnr,common.fvd
# Extra sbatch options go in $SBATCH_OPTS (e.g. "--partition=gpu --gres=gpu:1").
# Prints the two job IDs: ARRAY_JOB MERGE_JOB.  OUTDIR must be on a file
# system every node sees; the results end up in OUTDIR/results.json, the
# jobs' logs in OUTDIR/fveval-*.out.  Jobs run in the current directory, so
# relative input paths work.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: submit.sh OUTDIR N [fveval run arguments...]}
n=${2:?usage: submit.sh OUTDIR N [fveval run arguments...]}
shift 2
mkdir -p "$out"
# shellcheck disable=SC2086 # SBATCH_OPTS is a list of options
array=$(sbatch --parsable ${SBATCH_OPTS:-} --array="0-$((n - 1))" --output="$out/fveval-shard-%A_%a.out" \
    "$here/shard.sbatch" "$out" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_OPTS:-} --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --output="$out/fveval-merge-%j.out" "$here/merge.sbatch" "$out")
echo "$array ${merge%%;*}"
