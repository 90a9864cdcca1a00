/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sharded runs (`fveval run --shard K/N`, Slurm job arrays) and the GPU a
 * process on a cluster node should use.  Pure functions of their arguments
 * (the caller reads the environment), so the rules are unit-tested without
 * a scheduler or a GPU.
 */
#ifndef FVEVAL_SHARD_H
#define FVEVAL_SHARD_H

#include <stdbool.h>
#include <stddef.h>

#include "fveval-core.h"

/* Which part of the sample list this process scores. */
typedef struct fvi_shard {
    bool active;
    size_t index, count; /* shard index (0 .. count-1) of count */
    char *source;        /* "--shard" or "SLURM_ARRAY_TASK_ID=..." (for the log and the results) */
} fvi_shard;

/* "K/N" with 0 <= K < N.  -EINVAL with *why ("needs ..., not 'TEXT'") otherwise. */
int fvi_shard_parse(const char *spec, size_t *index, size_t *count, char **why);

/*
 * A Slurm job array's task as a shard: index = ID - MIN, count = MAX - MIN + 1
 * (COUNT when MIN/MAX are absent).  Returns 0 when @p id is NULL (not an
 * array task), 1 with the shard set, -EINVAL with *why when the values do
 * not describe a contiguous array (a list like --array=1,5,7 or a step).
 */
int fvi_shard_from_slurm(const char *id, const char *min, const char *max, const char *count,
                         const char *step, size_t *index, size_t *count_out, char **why);

/* Samples [*begin, *end) of @p total: contiguous blocks, sizes differing by at most one. */
void fvi_shard_range(size_t total, size_t index, size_t count, size_t *begin, size_t *end);

/*
 * An identity of a whole sample list (every sample's fields and role, in
 * order), so shards of different inputs are never merged.  Caller frees.
 */
char *fvi_samples_fingerprint(const fvi_sample_list *samples);

/*
 * `--device cuda` (no index): the device for this process, from
 * CUDA_VISIBLE_DEVICES (@p visible, may be NULL) and SLURM_LOCALID
 * (@p localid, may be NULL).  Returns "cuda:N" and sets *why to a sentence
 * saying how it was chosen (both for the caller to free), or NULL with
 * *why the reason no GPU can be used.
 */
char *fvi_cuda_device_pick(const char *visible, const char *localid, char **why);

#endif
