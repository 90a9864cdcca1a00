/* SPDX-License-Identifier: Apache-2.0 */
/* Loader rules that need no module: names from paths, walk skips, ABI gate. */
#include "config.h"

#include <stdlib.h>

#include "check.h"
#include "fveval-core.h"

static int compute(fveval_ctx *c, const fveval_sample *s, fveval_result *r)
{
    (void) c;
    (void) s;
    (void) r;
    return 0;
}

static int accumulate(fveval_ctx *c, const fveval_sample *s)
{
    (void) c;
    (void) s;
    return 0;
}

static int finalize(fveval_ctx *c, fveval_result *r)
{
    (void) c;
    (void) r;
    return 0;
}

static int frame_cb(fveval_ctx *c, const fveval_sample *s, const char *field, const fveval_video *w,
                    fveval_result *r)
{
    (void) c, (void) s, (void) field, (void) w, (void) r;
    return 0;
}

static fveval_plugin good(void)
{
    fveval_plugin d = {FVEVAL_PLUGIN_HEADER, .name = "g.m", .summary = "s", .version = "1",
                       .license = "MIT", .compute = compute};
    return d;
}

static void expect(const fveval_plugin *d, const char *name, fvi_outcome want, const char *text)
{
    fvi_outcome o = FVI_LOADED;
    char *why = fvi_check_descriptor(d, name, &o);
    if (want == FVI_LOADED) {
        CHECK(why == NULL);
        if (why)
            fprintf(stderr, "  unexpected rejection: %s\n", why);
    } else {
        CHECK(why != NULL && o == want);
        CHECK_STR_CONTAINS(why, text);
    }
    free(why);
}

int main(void)
{
    char *n;
    CHECK((n = fvi_name_from_relpath("common/psnr")) && strcmp(n, "common.psnr") == 0);
    free(n);
    CHECK((n = fvi_name_from_relpath("videoscore2")) && strcmp(n, "videoscore2") == 0);
    free(n);
    CHECK((n = fvi_name_from_relpath("physics_iq/mse")) && strcmp(n, "physics_iq.mse") == 0);
    free(n);
    CHECK(fvi_name_from_relpath("common/_helper") == NULL);
    CHECK(fvi_name_from_relpath(".libs/x") == NULL);
    CHECK(fvi_name_from_relpath("a//b") == NULL);
    CHECK(fvi_name_from_relpath("") == NULL);

    CHECK(fvi_walk_skips("_frechet"));
    CHECK(fvi_walk_skips(".libs"));
    CHECK(fvi_walk_skips("psnr~"));
    CHECK(fvi_walk_skips("#psnr#"));
    CHECK(!fvi_walk_skips("psnr"));
    CHECK(!fvi_walk_skips("physics_iq"));

    fveval_plugin d = good();
    expect(&d, "g.m", FVI_LOADED, NULL);
    expect(NULL, "g.m", FVI_BAD_DESCRIPTOR, "returned NULL");
    d.abi_version = (uint32_t) (FVEVAL_ABI_MAJOR + 1) << 16;
    expect(&d, "g.m", FVI_ABI_MISMATCH, "major version differs");
    d = good();
    d.abi_version = FVEVAL_ABI_VERSION + 1;
    expect(&d, "g.m", FVI_ABI_MISMATCH, "needs a newer fveval");
    d = good();
    d.size = 8;
    expect(&d, "g.m", FVI_ABI_MISMATCH, "smaller than");
    d = good();
    d.size = sizeof(d) + 100; /* a future minor's larger descriptor is accepted */
    expect(&d, "g.m", FVI_LOADED, NULL);
    d = good();
    expect(&d, "g.other", FVI_BAD_DESCRIPTOR, "does not match");
    d.name = NULL;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "no name");
    d = good();
    d.compute = NULL;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "without compute");
    d = good();
    d.flags = FVEVAL_PLUGIN_SET_METRIC;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "without accumulate");
    d.accumulate = accumulate;
    d.finalize = finalize;
    expect(&d, "g.m", FVI_LOADED, NULL);
    d = good();
    d.finalize = finalize;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "no merge");
    static const fveval_field bad_field[] = {{.name = "video", .type = (fveval_field_type) 99}, {.name = NULL}};
    d = good();
    d.fields = bad_field;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "unknown type");
    static const fveval_model_file bad_model[] = {{.name = "../x.pt"}, {.name = NULL}};
    d = good();
    d.models = bad_model;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "plain file name");

    /* Frame access (ABI 1.2): each entry a declared VIDEO field, once, with a sane size. */
    static const fveval_field video_fields[] = {
        {.name = "video", .type = FVEVAL_FIELD_VIDEO},
        {.name = "text_prompt", .type = FVEVAL_FIELD_STRING},
        {.name = NULL},
    };
    static const fveval_frame_access stream2[] = {{"video", FVEVAL_FRAMES_STREAM, .window = 2}, {NULL}};
    static const fveval_frame_access sampled8[] = {{"video", FVEVAL_FRAMES_SAMPLED, .count = 8}, {NULL}};
    static const fveval_frame_access on_string[] = {{"text_prompt", FVEVAL_FRAMES_SAMPLED, .count = 8}, {NULL}};
    static const fveval_frame_access undeclared[] = {{"reference", FVEVAL_FRAMES_SAMPLED, .count = 8}, {NULL}};
    static const fveval_frame_access twice[] = {{"video", FVEVAL_FRAMES_SAMPLED, .count = 8},
                                                {"video", FVEVAL_FRAMES_CLIP}, {NULL}};
    static const fveval_frame_access no_window[] = {{"video", FVEVAL_FRAMES_STREAM}, {NULL}};
    static const fveval_frame_access huge_count[] = {{"video", FVEVAL_FRAMES_SAMPLED, .count = FVEVAL_FRAMES_MAX + 1}, {NULL}};
    static const fveval_frame_access bad_mode[] = {{"video", (fveval_frame_mode) 7, .count = 1}, {NULL}};
    static const fveval_frame_access flagged[] = {{"video", FVEVAL_FRAMES_SAMPLED, .count = 1, .flags = 1}, {NULL}};
    d = good();
    d.fields = video_fields;
    d.frame_access = sampled8;
    expect(&d, "g.m", FVI_LOADED, NULL);
    CHECK(fvi_frame_access(&d, "video") == &sampled8[0]);
    CHECK(fvi_frame_access(&d, "text_prompt") == NULL);
    d.frame_access = stream2;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "no frame callback");
    d.frame = frame_cb;
    expect(&d, "g.m", FVI_LOADED, NULL);
    d.frame_access = on_string;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "'text_prompt', which is not a VIDEO field");
    d.frame_access = undeclared;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "'reference', which is not a VIDEO field");
    d.frame_access = twice;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "lists field 'video' twice");
    d.frame_access = no_window;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "STREAM window 0 is not in 1..");
    d.frame_access = huge_count;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "SAMPLED count 4097");
    d.frame_access = bad_mode;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "unknown mode 7");
    d.frame_access = flagged;
    expect(&d, "g.m", FVI_BAD_DESCRIPTOR, "must be 0/NULL");
    /* A 1.1 descriptor has no frame access members: its fields are read whole. */
    d.frame_access = sampled8;
    d.size = (uint32_t) (offsetof(fveval_plugin, model_needed) + sizeof(d.model_needed));
    d.abi_version = ((uint32_t) FVEVAL_ABI_MAJOR << 16) | 1;
    expect(&d, "g.m", FVI_LOADED, NULL);
    CHECK(fvi_frame_access(&d, "video") == NULL);

    /* Byte sizes for --max-memory. */
    uint64_t b = 1;
    CHECK(fvi_parse_bytes("8G", &b) == 0 && b == 8ull << 30);
    CHECK(fvi_parse_bytes("512MiB", &b) == 0 && b == 512ull << 20);
    CHECK(fvi_parse_bytes("1.5GB", &b) == 0 && b == 3ull << 29);
    CHECK(fvi_parse_bytes("1000", &b) == 0 && b == 1000);
    CHECK(fvi_parse_bytes("none", &b) == 0 && b == 0);
    CHECK(fvi_parse_bytes("12X", &b) < 0 && fvi_parse_bytes("", &b) < 0 && fvi_parse_bytes("-1G", &b) < 0);
    CHECK(fvi_parse_bytes("G", &b) < 0 && fvi_parse_bytes("1e30", &b) < 0);
    CHECK(strcmp(fvi_format_bytes(110592).s, "108 KiB") == 0);
    CHECK(strcmp(fvi_format_bytes(7965941760ull).s, "7.42 GiB") == 0);
    CHECK(strcmp(fvi_format_bytes(900).s, "900 B") == 0);
    CHECK(fvi_default_max_memory() > 0);

    /* Roots: --plugin-path, then the environment, then the system path. */
    fvi_strv cli = {0}, roots = {0};
    fvi_strv_push(&cli, "/a:/b");
    setenv("FVEVAL_PLUGIN_PATH", "/c", 1);
    setenv("FVEVAL_PLUGIN_SYSTEM_PATH", "", 1);
    fvi_plugin_roots(&roots, &cli, "/builtin");
    CHECK(roots.n == 3 && strcmp(roots.v[0], "/a") == 0 && strcmp(roots.v[2], "/c") == 0);
    fvi_strv_free(&roots);
    unsetenv("FVEVAL_PLUGIN_SYSTEM_PATH");
    fvi_plugin_roots(&roots, &cli, "/builtin");
    CHECK(roots.n == 4 && strcmp(roots.v[3], "/builtin") == 0);
    fvi_strv_free(&roots);
    fvi_strv_free(&cli);

    CHECK(fvi_edit_distance("psnr", "pnsr") == 2);
    CHECK(fvi_edit_distance("common.ssim", "common.ssim") == 0);
    return CHECK_DONE();
}
