/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One source, compiled once per loader failure mode (FIXTURE_<CASE>).  Each
 * build is installed under a fixture root as fixture/<case>/metric so its
 * path-derived name is "fixture.<case>".
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <fveval/plugin.h>

typedef struct {
    int64_t level;
} fixture_priv;

static const fveval_option fixture_options[] = {
    {.name = "level", .help = "a number", .type = FVEVAL_OPT_INT,
     .offset = offsetof(fixture_priv, level), .def.i64 = 1, .min = 0, .max = 10},
    {.name = NULL},
};

static const fveval_field fixture_fields[] = {
    {.name = "video", .type = FVEVAL_FIELD_VIDEO, .flags = FVEVAL_FIELD_REQUIRED},
    {.name = NULL},
};

#ifdef FIXTURE_CONSTRUCTOR
/*
 * Code that runs as soon as the module is loaded: appends a line to the file
 * named by $FVEVAL_FIXTURE_MARK, so a test can tell whether the host loaded it.
 */
__attribute__((constructor)) static void fixture_mark_loaded(void)
{
    const char *mark = getenv("FVEVAL_FIXTURE_MARK");
    FILE *fp = mark ? fopen(mark, "a") : NULL;
    if (fp) {
        fputs("loaded\n", fp);
        fclose(fp);
    }
}
#endif

#ifdef FIXTURE_UNRESOLVED_SYMBOL
/* Defined nowhere: the module must fail to load. */
extern int fveval_fixture_missing_function(void);
#endif

static int fixture_init(fveval_ctx *ctx)
{
    (void) ctx;
#ifdef FIXTURE_INIT_FAILS
    return -EINVAL;
#elif defined(FIXTURE_UNRESOLVED_SYMBOL)
    return fveval_fixture_missing_function();
#else
    return 0;
#endif
}

static int fixture_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *r)
{
    const fveval_video *v = fveval_sample_video(ctx, s, "video");
    fveval_result_score(ctx, r, v ? v->nb_frames : 0);
    return 0;
}

#ifndef FIXTURE_NAME
#define FIXTURE_NAME "fixture.ok"
#endif

#if defined(FIXTURE_ABI_MAJOR)
#define FIXTURE_ABI (((uint32_t) (FVEVAL_ABI_MAJOR + 1) << 16) | 0)
#elif defined(FIXTURE_ABI_MINOR_NEWER)
#define FIXTURE_ABI (FVEVAL_ABI_VERSION + 1)
#else
#define FIXTURE_ABI FVEVAL_ABI_VERSION
#endif

#if defined(FIXTURE_SIZE_TOO_SMALL)
#define FIXTURE_SIZE 16
#elif defined(FIXTURE_SIZE_LARGER)
/* A plugin from a future minor: members beyond the core's size are ignored. */
#define FIXTURE_SIZE (sizeof(fveval_plugin) + 64)
#else
#define FIXTURE_SIZE sizeof(fveval_plugin)
#endif

#if defined(FIXTURE_SET_NO_FINALIZE)
static int fixture_accumulate(fveval_ctx *ctx, const fveval_sample *s)
{
    (void) ctx, (void) s;
    return 0;
}
#endif

static const fveval_plugin fixture_plugin = {
#ifndef FIXTURE_NO_HEADER /* what a descriptor written without FVEVAL_PLUGIN_HEADER looks like */
    .abi_version = FIXTURE_ABI,
    .size = FIXTURE_SIZE,
#endif
#if defined(FIXTURE_SET_NO_FINALIZE)
    .flags = FVEVAL_PLUGIN_SET_METRIC,
    .accumulate = fixture_accumulate,
#elif defined(FIXTURE_BOTH_DIRECTIONS)
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NO_DIRECTION,
#endif
#ifdef FIXTURE_NULL_NAME
    .name = NULL,
#else
    .name = FIXTURE_NAME,
#endif
    .summary = "loader test fixture",
    .version = "1.0",
    .license = "Apache-2.0",
    .fields = fixture_fields,
    .options = fixture_options,
    .priv_size = sizeof(fixture_priv),
    .init = fixture_init,
    .compute = fixture_compute,
};

#ifndef FIXTURE_NO_ENTRY
FVEVAL_PLUGIN_DEFINE(fixture_plugin)
#else
/* Exported, but not the entry symbol. */
FVEVAL_PLUGIN_EXPORT const fveval_plugin *fveval_plugin_other(void);
FVEVAL_PLUGIN_EXPORT const fveval_plugin *fveval_plugin_other(void) { return &fixture_plugin; }
#endif
