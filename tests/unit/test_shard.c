/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shards and cluster GPUs (core/shard.c): --shard parsing, a Slurm array's
 * variables, the contiguous split, and the GPU `--device cuda` picks from
 * CUDA_VISIBLE_DEVICES and SLURM_LOCALID (no GPU or scheduler needed).
 */
#include "config.h"

#include <stdlib.h>

#include "check.h"
#include "shard.h"

static void test_parse(void)
{
    size_t k = 9, n = 9;
    char *why = NULL;
    CHECK(fvi_shard_parse("0/4", &k, &n, &why) == 0 && k == 0 && n == 4);
    CHECK(fvi_shard_parse("3/4", &k, &n, &why) == 0 && k == 3 && n == 4);
    CHECK(fvi_shard_parse("0/1", &k, &n, &why) == 0 && k == 0 && n == 1);
    const char *bad[] = {"4/4", "1/0", "-1/4", "1", "1/", "/4", "a/b", "1/4x", " 1/4", "", "1/2/3", NULL};
    for (int i = 0; bad[i]; i++) {
        why = NULL;
        CHECK(fvi_shard_parse(bad[i], &k, &n, &why) < 0);
        CHECK_STR_CONTAINS(why, "needs K/N");
        free(why);
    }
}

static void test_slurm(void)
{
    size_t k = 9, n = 9;
    char *why = NULL;
    CHECK(fvi_shard_from_slurm(NULL, "0", "3", "4", "1", &k, &n, &why) == 0); /* not an array task */
    CHECK(fvi_shard_from_slurm("2", "0", "3", "4", "1", &k, &n, &why) == 1 && k == 2 && n == 4);
    /* --array=1-8: task 1 is shard 0 of 8 */
    CHECK(fvi_shard_from_slurm("1", "1", "8", "8", "1", &k, &n, &why) == 1 && k == 0 && n == 8);
    /* older Slurm without COUNT/STEP; COUNT alone */
    CHECK(fvi_shard_from_slurm("5", "0", "9", NULL, NULL, &k, &n, &why) == 1 && k == 5 && n == 10);
    CHECK(fvi_shard_from_slurm("3", NULL, NULL, "4", NULL, &k, &n, &why) == 1 && k == 3 && n == 4);
    struct {
        const char *id, *min, *max, *count, *step;
    } bad[] = {
        {"5", "1", "7", "3", "1"},  /* --array=1,5,7: a list */
        {"4", "0", "8", "5", "2"},  /* --array=0-8:2: a step */
        {"9", "0", "3", "4", "1"},  /* outside the range */
        {"x", "0", "3", "4", "1"},
        {"1", "0", "x", "4", "1"},
        {"1", NULL, NULL, NULL, NULL}, /* no size at all */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        CHECK(fvi_shard_from_slurm(bad[i].id, bad[i].min, bad[i].max, bad[i].count, bad[i].step, &k, &n,
                                   &why) < 0);
        CHECK_STR_CONTAINS(why, "give --shard K/N");
        free(why);
    }
}

static void test_range(void)
{
    /* Every sample in exactly one shard, in order, sizes within one of each other. */
    for (size_t total = 0; total < 40; total++)
        for (size_t count = 1; count < 12; count++) {
            size_t next = 0, lo = (size_t) -1, hi = 0;
            for (size_t k = 0; k < count; k++) {
                size_t b, e;
                fvi_shard_range(total, k, count, &b, &e);
                CHECK(b == next && e >= b);
                next = e;
                lo = e - b < lo ? e - b : lo;
                hi = e - b > hi ? e - b : hi;
            }
            CHECK(next == total && hi - lo <= 1);
        }
    size_t b, e;
    fvi_shard_range(10, 1, 4, &b, &e); /* 10 samples in 4 shards: 2, 3, 2, 3 */
    CHECK(b == 2 && e == 5);
    fvi_shard_range((size_t) 1 << 40, 3, 4, &b, &e); /* no overflow in K * total */
    CHECK(b == (size_t) 3 << 38 && e == (size_t) 1 << 40);
}

/* pick(VISIBLE, LOCALID) is WANT (NULL: refused, and *why says why). */
static void check_pick(const char *visible, const char *localid, const char *want, const char *why_has)
{
    char *why = NULL;
    char *dev = fvi_cuda_device_pick(visible, localid, &why);
    if (want)
        CHECK(dev && strcmp(dev, want) == 0);
    else
        CHECK(!dev);
    if (dev && want && strcmp(dev, want) != 0)
        fprintf(stderr, "  CUDA_VISIBLE_DEVICES=%s SLURM_LOCALID=%s: got %s, want %s\n", visible ? visible : "-",
                localid ? localid : "-", dev, want);
    CHECK_STR_CONTAINS(why, why_has);
    free(dev);
    free(why);
}

static void test_cuda_pick(void)
{
    check_pick(NULL, NULL, "cuda:0", "the first GPU");
    check_pick(NULL, "3", "cuda:3", "SLURM_LOCALID=3, every GPU visible");
    /* Slurm's --gres=gpu:1 leaves one visible GPU: it is cuda:0 whatever its number */
    check_pick("5", NULL, "cuda:0", "the one GPU visible (CUDA_VISIBLE_DEVICES=5)");
    check_pick("5", "2", "cuda:0", "the one GPU visible");
    check_pick("GPU-8d2f6e1c-aaaa", "0", "cuda:0", "the one GPU visible");
    /* one task per GPU sharing a node's four: the local rank picks */
    check_pick("0,1,2,3", "2", "cuda:2", "SLURM_LOCALID=2 of 4 visible GPUs");
    check_pick("4,5", "1", "cuda:1", "SLURM_LOCALID=1 of 2 visible GPUs (CUDA_VISIBLE_DEVICES=4,5)");
    check_pick("0,1", "3", "cuda:1", "more tasks than GPUs, so tasks share GPUs");
    check_pick("0,1,2,3", NULL, "cuda:0", "the first of 4 visible GPUs");
    /* CUDA stops at the first invalid entry */
    check_pick("2,-1,3", "1", "cuda:0", "the one GPU visible");
    check_pick("", "0", NULL, "makes no GPU visible");
    check_pick("-1", NULL, NULL, "makes no GPU visible");
    check_pick("NoDevFiles", NULL, NULL, "makes no GPU visible");
    check_pick("0,1", "x", NULL, "SLURM_LOCALID='x' is not a task number");
}

int main(void)
{
    test_parse();
    test_slurm();
    test_range();
    test_cuda_pick();
    return CHECK_DONE();
}
