/* SPDX-License-Identifier: Apache-2.0 */
/* Shards of a run and the GPU of a cluster task (see shard.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "shard.h"

/* A non-negative decimal integer that fills @p s, or -1. */
static long long whole_number(const char *s)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    return errno || *end ? -1 : v;
}

int fvi_shard_parse(const char *spec, size_t *index, size_t *count, char **why)
{
    const char *slash = spec ? strchr(spec, '/') : NULL;
    long long k = -1, n = -1;
    if (slash) {
        char *left = fvi_xstrndup(spec, (size_t) (slash - spec));
        k = whole_number(left);
        free(left);
        n = whole_number(slash + 1);
    }
    if (k < 0 || n < 1 || k >= n) {
        *why = fvi_asprintf("needs K/N: shard K (0 to N-1) of N shards, not '%s'", spec ? spec : "");
        return -EINVAL;
    }
    *index = (size_t) k;
    *count = (size_t) n;
    return 0;
}

int fvi_shard_from_slurm(const char *id, const char *min, const char *max, const char *count,
                         const char *step, size_t *index, size_t *count_out, char **why)
{
    if (!id)
        return 0;
    long long i = whole_number(id), lo = min ? whole_number(min) : 0, hi = max ? whole_number(max) : -1;
    long long n = count ? whole_number(count) : -1, st = step ? whole_number(step) : 1;
    long long span = max ? hi - lo + 1 : n;
    /* A list (--array=1,5,7) or a step (--array=0-9:2) has gaps: task IDs are not shard indices. */
    if (i < 0 || lo < 0 || st != 1 || span < 1 || (count && n != span) || i < lo || i - lo >= span) {
        *why = fvi_asprintf("the job array (SLURM_ARRAY_TASK_ID=%s, _MIN=%s, _MAX=%s, _COUNT=%s%s%s) is "
                            "not one contiguous range such as --array=0-3; give --shard K/N",
                            id, min ? min : "unset", max ? max : "unset", count ? count : "unset",
                            step ? ", _STEP=" : "", step ? step : "");
        return -EINVAL;
    }
    *index = (size_t) (i - lo);
    *count_out = (size_t) span;
    return 1;
}

void fvi_shard_range(size_t total, size_t index, size_t count, size_t *begin, size_t *end)
{
    /* floor(K * total / N) without overflow for any realistic total */
    *begin = (size_t) (((unsigned __int128) total * index) / count);
    *end = (size_t) (((unsigned __int128) total * (index + 1)) / count);
}

/* FNV-1a, 64 bits: a check against mixing up runs, not against forgery. */
static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char) s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

char *fvi_samples_fingerprint(const fvi_sample_list *samples)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < samples->n; i++) {
        const fvi_sample *s = samples->v[i];
        char *text = json_dumps(s->fields, JSON_COMPACT | JSON_SORT_KEYS);
        h = fnv1a(h, text ? text : "", text ? strlen(text) + 1 : 1); /* the NUL separates samples */
        h = fnv1a(h, s->is_reference ? "r" : "g", 1);
        free(text);
    }
    return fvi_asprintf("fnv1a64:%016" PRIx64 ":%zu", h, samples->n);
}

char *fvi_cuda_device_pick(const char *visible, const char *localid, char **why)
{
    long long local = localid ? whole_number(localid) : -1;
    if (localid && local < 0) {
        *why = fvi_asprintf("--device cuda: SLURM_LOCALID='%s' is not a task number", localid);
        return NULL;
    }
    if (!visible) { /* every GPU of the node is visible: the task's local rank picks one */
        if (local < 0) {
            *why = fvi_xstrdup("cuda:0: the first GPU (no CUDA_VISIBLE_DEVICES, no SLURM_LOCALID)");
            return fvi_xstrdup("cuda:0");
        }
        *why = fvi_asprintf("cuda:%lld: SLURM_LOCALID=%lld, every GPU visible (no CUDA_VISIBLE_DEVICES)",
                            local, local);
        return fvi_asprintf("cuda:%lld", local);
    }
    fvi_strv ids = {0};
    fvi_strv_split(&ids, visible, ',');
    size_t k = 0;
    /* CUDA stops at the first entry that is not a device: "-1" or "NoDevFiles" hide every GPU. */
    while (k < ids.n && *ids.v[k] && strcmp(ids.v[k], "-1") != 0 && strcmp(ids.v[k], "NoDevFiles") != 0)
        k++;
    char *dev = NULL;
    if (k == 0)
        *why = fvi_asprintf("--device cuda: CUDA_VISIBLE_DEVICES='%s' makes no GPU visible to this "
                            "process (ask the scheduler for one: sbatch --gres=gpu:1)", visible);
    else if (k == 1)
        *why = fvi_asprintf("cuda:0: the one GPU visible (CUDA_VISIBLE_DEVICES=%s)", visible);
    else if (local < 0)
        *why = fvi_asprintf("cuda:0: the first of %zu visible GPUs (CUDA_VISIBLE_DEVICES=%s, no SLURM_LOCALID)",
                            k, visible);
    else
        *why = fvi_asprintf("cuda:%lld: SLURM_LOCALID=%lld of %zu visible GPUs (CUDA_VISIBLE_DEVICES=%s)%s",
                            local % (long long) k, local, k, visible,
                            local >= (long long) k ? "; more tasks than GPUs, so tasks share GPUs" : "");
    if (k == 1 || (k > 1 && local < 0))
        dev = fvi_xstrdup("cuda:0");
    else if (k > 1)
        dev = fvi_asprintf("cuda:%lld", local % (long long) k);
    fvi_strv_free(&ids);
    return dev;
}
