/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML run files: every key, relative paths, metric specs, error positions,
 * and inputs that must be rejected without harm.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fveval-core.h"

static char tmpdir[256];

/* Write @p text (of @p len bytes) to tmpdir/@p name; return the path (caller frees). */
static char *write_bytes(const char *name, const char *text, size_t len)
{
    char *path = fvi_asprintf("%s/%s", tmpdir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        perror(path);
        exit(1);
    }
    fwrite(text, 1, len, fp);
    fclose(fp);
    return path;
}

static char *write_yaml(const char *name, const char *text)
{
    return write_bytes(name, text, strlen(text));
}

/* Load @p text from a fresh file; on success *err stays NULL. */
static int load_text(const char *text, fvi_run_config *cfg, char **err, char **path_out)
{
    char *path = write_yaml("run.yaml", text);
    *err = NULL;
    int rc = fvi_config_load(path, cfg, err);
    if (path_out)
        *path_out = path;
    else
        free(path);
    return rc;
}

/* The file must be rejected with "FILE:LINE:COL: ..." holding @p where and @p text. */
static void expect_error(const char *yaml, const char *where, const char *text)
{
    fvi_run_config cfg;
    fvi_run_config_init(&cfg);
    char *err = NULL, *path = NULL;
    int rc = load_text(yaml, &cfg, &err, &path);
    CHECK(rc == -EINVAL);
    if (rc != -EINVAL)
        fprintf(stderr, "  accepted: %s\n", yaml);
    char *prefix = fvi_asprintf("%s:%s: ", path, where);
    CHECK(err && fvi_str_has_prefix(err, prefix));
    if (!err || !fvi_str_has_prefix(err, prefix))
        fprintf(stderr, "  wanted prefix '%s', got '%s'\n", prefix, err ? err : "(null)");
    CHECK_STR_CONTAINS(err, text);
    free(prefix);
    free(path);
    free(err);
    fvi_run_config_free(&cfg);
}

static void test_init(void)
{
    fvi_run_config cfg;
    memset(&cfg, 0x5a, sizeof(cfg));
    fvi_run_config_init(&cfg);
    CHECK(cfg.videos.n == 0 && cfg.references.n == 0 && cfg.audios.n == 0);
    CHECK(cfg.text_prompts.n == 0 && cfg.plugin_paths.n == 0);
    CHECK(!cfg.prompts_file && !cfg.manifest && !cfg.pair_by && !cfg.metrics && !cfg.output);
    CHECK(!cfg.format && !cfg.device && !cfg.model_dir && !cfg.save_state);
    CHECK(cfg.fps == 0 && cfg.jobs == 0);
    CHECK(cfg.resume == -1 && cfg.strict == -1 && cfg.quiet == -1);
    fvi_run_config_free(&cfg);
}

static void test_all_keys(void)
{
    const char *yaml = "# every key\n"
                       "inputs:\n"
                       "  videos: [gen/*.mp4, /abs/b.mp4]\n"
                       "  reference:\n"
                       "    - ref\n"
                       "  audio: sound/a.wav\n"
                       "  text_prompt: [\"a cat: sitting\", yes]\n"
                       "  prompts: prompts.txt\n"
                       "  manifest: ../m.jsonl\n"
                       "  fps: 23.976\n"
                       "  pair_by: stem\n"
                       "metrics:\n"
                       "  - common.psnr\n"
                       "  - common.ssim:window=7\n"
                       "  - common.fvd: {extractor: clip, chunk_size: 8}\n"
                       "  - vbench.*:\n"
                       "output: out/results.json\n"
                       "format: csv\n"
                       "jobs: 4\n"
                       "device: cuda:1\n"
                       "model_dir: models\n"
                       "save_state: state\n"
                       "resume: yes\n"
                       "strict: Off\n"
                       "quiet: TRUE\n"
                       "plugin_path: [plugins, /opt/p]\n";
    fvi_run_config cfg;
    fvi_run_config_init(&cfg);
    char *err = NULL;
    CHECK(load_text(yaml, &cfg, &err, NULL) == 0);
    CHECK(err == NULL);
    free(err);

    char *want = NULL;
#define CHECK_PATH(got, rel)                                                                     \
    do {                                                                                         \
        want = fvi_asprintf("%s/%s", tmpdir, rel);                                               \
        CHECK((got) && strcmp((got), want) == 0);                                                \
        if (!(got) || strcmp((got), want) != 0)                                                  \
            fprintf(stderr, "  got '%s', want '%s'\n", (got) ? (got) : "(null)", want);          \
        free(want);                                                                              \
    } while (0)

    CHECK(cfg.videos.n == 2);
    if (cfg.videos.n == 2) {
        CHECK_PATH(cfg.videos.v[0], "gen/*.mp4");
        CHECK(strcmp(cfg.videos.v[1], "/abs/b.mp4") == 0);
    }
    CHECK(cfg.references.n == 1);
    if (cfg.references.n == 1)
        CHECK_PATH(cfg.references.v[0], "ref");
    CHECK(cfg.audios.n == 1);
    if (cfg.audios.n == 1)
        CHECK_PATH(cfg.audios.v[0], "sound/a.wav");
    CHECK(cfg.text_prompts.n == 2);
    if (cfg.text_prompts.n == 2) {
        /* Prompts are text, not paths; a plain "yes" stays the word. */
        CHECK(strcmp(cfg.text_prompts.v[0], "a cat: sitting") == 0);
        CHECK(strcmp(cfg.text_prompts.v[1], "yes") == 0);
    }
    CHECK_PATH(cfg.prompts_file, "prompts.txt");
    CHECK_PATH(cfg.manifest, "../m.jsonl");
    CHECK(cfg.fps == 23.976);
    CHECK(cfg.pair_by && strcmp(cfg.pair_by, "stem") == 0);
    CHECK(cfg.metrics &&
          strcmp(cfg.metrics,
                 "common.psnr,common.ssim:window=7,common.fvd:extractor=clip:chunk_size=8,vbench.*") == 0);
    if (cfg.metrics)
        fprintf(stderr, "metrics: %s\n", cfg.metrics);
    CHECK_PATH(cfg.output, "out/results.json");
    CHECK(cfg.format && strcmp(cfg.format, "csv") == 0);
    CHECK(cfg.jobs == 4);
    CHECK(cfg.device && strcmp(cfg.device, "cuda:1") == 0);
    CHECK_PATH(cfg.model_dir, "models");
    CHECK_PATH(cfg.save_state, "state");
    CHECK(cfg.resume == 1 && cfg.strict == 0 && cfg.quiet == 1);
    CHECK(cfg.plugin_paths.n == 2);
    if (cfg.plugin_paths.n == 2) {
        CHECK_PATH(cfg.plugin_paths.v[0], "plugins");
        CHECK(strcmp(cfg.plugin_paths.v[1], "/opt/p") == 0);
    }
#undef CHECK_PATH
    fvi_run_config_free(&cfg);
}

/* Paths follow the file, wherever the file is named from. */
static void test_relative_to_file(void)
{
    char *sub = fvi_asprintf("%s/sub dir[1]", tmpdir);
    CHECK(mkdir(sub, 0700) == 0);
    char *path = write_yaml("sub dir[1]/r.yaml", "inputs: {videos: [a.mp4, 'x/*.mp4']}\noutput: o.json\n");
    fvi_run_config cfg;
    fvi_run_config_init(&cfg);
    char *err = NULL;
    CHECK(fvi_config_load(path, &cfg, &err) == 0);
    CHECK(cfg.videos.n == 2);
    if (cfg.videos.n == 2) {
        char *want = fvi_asprintf("%s/a.mp4", sub);
        CHECK(strcmp(cfg.videos.v[0], want) == 0);
        free(want);
        /* A glob keeps meaning only the pattern the file wrote. */
        want = fvi_asprintf("%s/sub dir\\[1\\]/x/*.mp4", tmpdir);
        CHECK(strcmp(cfg.videos.v[1], want) == 0);
        if (strcmp(cfg.videos.v[1], want) != 0)
            fprintf(stderr, "  got '%s', want '%s'\n", cfg.videos.v[1], want);
        free(want);
    }
    fvi_run_config_free(&cfg);

    /* Named from its own directory: paths stay as written. */
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
    CHECK(chdir(sub) == 0);
    fvi_run_config_init(&cfg);
    CHECK(fvi_config_load("r.yaml", &cfg, &err) == 0);
    CHECK(cfg.videos.n == 2 && strcmp(cfg.videos.v[0], "a.mp4") == 0);
    CHECK(cfg.output && strcmp(cfg.output, "o.json") == 0);
    fvi_run_config_free(&cfg);
    CHECK(chdir(cwd) == 0);

    free(path);
    free(sub);
}

static void test_metric_forms(void)
{
    fvi_run_config cfg;
    fvi_run_config_init(&cfg);
    char *err = NULL;

    /* A mapping at the top, option values that need the option-string escape. */
    CHECK(load_text("metrics:\n"
                    "  common.psnr:\n"
                    "  x.y: {path: 'C:\\dir', flag: true, ratio: 0.5, label: ''}\n",
                    &cfg, &err, NULL) == 0);
    CHECK(cfg.metrics && strcmp(cfg.metrics, "common.psnr,x.y:path=C\\:\\\\dir:flag=true:ratio=0.5:label=") == 0);
    if (cfg.metrics)
        fprintf(stderr, "metrics: %s\n", cfg.metrics);

    /* The -m syntax as one string. */
    CHECK(load_text("metrics: common.psnr,common.ssim:window=7\n", &cfg, &err, NULL) == 0);
    CHECK(cfg.metrics && strcmp(cfg.metrics, "common.psnr,common.ssim:window=7") == 0);

    /* Anchors and aliases are plain YAML: reuse an option block. */
    CHECK(load_text("metrics:\n"
                    "  - a.b: &o {k: 1}\n"
                    "  - c.d: *o\n",
                    &cfg, &err, NULL) == 0);
    CHECK(cfg.metrics && strcmp(cfg.metrics, "a.b:k=1,c.d:k=1") == 0);
    fvi_run_config_free(&cfg);
}

/* Fields the file sets replace the old ones; others are kept. */
static void test_replace(void)
{
    fvi_run_config cfg;
    fvi_run_config_init(&cfg);
    fvi_strv_push(&cfg.videos, "old1.mp4");
    fvi_strv_push(&cfg.videos, "old2.mp4");
    cfg.output = fvi_xstrdup("keep.json");
    cfg.device = fvi_xstrdup("cpu");
    cfg.jobs = 3;
    cfg.quiet = 0;
    char *err = NULL;
    CHECK(load_text("inputs: {videos: /v/new.mp4}\ndevice: cuda:0\nquiet: on\n", &cfg, &err, NULL) == 0);
    CHECK(cfg.videos.n == 1 && strcmp(cfg.videos.v[0], "/v/new.mp4") == 0);
    CHECK(strcmp(cfg.output, "keep.json") == 0);
    CHECK(strcmp(cfg.device, "cuda:0") == 0);
    CHECK(cfg.jobs == 3 && cfg.quiet == 1);

    /* An empty list clears. */
    CHECK(load_text("inputs: {videos: []}\n", &cfg, &err, NULL) == 0);
    CHECK(cfg.videos.n == 0);

    /* A rejected file changes nothing, even fields before the error. */
    CHECK(load_text("device: other\njobs: 0\n", &cfg, &err, NULL) == -EINVAL);
    free(err);
    CHECK(strcmp(cfg.device, "cuda:0") == 0 && cfg.jobs == 3);
    fvi_run_config_free(&cfg);
}

static void test_errors(void)
{
    expect_error("output: a\nouput: b\n", "2:1", "unknown key 'ouput' (did you mean 'output'?); valid keys: inputs, metrics, output, format, jobs, device, model_dir, save_state, resume, strict, quiet, plugin_path");
    expect_error("inputs:\n  vidoes: a\n", "2:3", "unknown key 'vidoes' (did you mean 'videos'?) in inputs; valid keys: videos,");
    expect_error("jobs: 0\n", "1:7", "jobs: needs an integer from 1 to 4096, not '0'");
    expect_error("jobs: four\n", "1:7", "jobs: needs an integer from 1 to 4096, not 'four'");
    expect_error("jobs: 2.5\n", "1:7", "jobs: needs an integer from 1 to 4096, not '2.5'");
    expect_error("jobs: [1]\n", "1:7", "jobs: needs an integer from 1 to 4096");
    expect_error("jobs: 1000000\n", "1:7", "jobs: needs an integer from 1 to 4096, not '1000000'");
    expect_error("inputs:\n  fps: -24\n", "2:8", "inputs.fps: needs a positive number, not '-24'");
    expect_error("inputs:\n  fps: nan\n", "2:8", "inputs.fps: needs a positive number, not 'nan'");
    expect_error("format: xml\n", "1:9", "format: 'xml' is not one of: json, csv, table");
    expect_error("inputs: {pair_by: name}\n", "1:19", "inputs.pair_by: 'name' is not one of: position, stem");
    expect_error("resume: maybe\n", "1:9", "resume: expected a boolean (true/false, yes/no, on/off)");
    expect_error("output:\n", "1:8", "output: expected a string, got nothing");
    expect_error("output: ''\n", "1:9", "output: must not be empty");
    expect_error("device: {a: 1}\n", "1:9", "device: expected a string, got a mapping");
    expect_error("inputs: [a]\n", "1:9", "inputs: expected a mapping");
    expect_error("inputs:\n  videos: {a: 1}\n", "2:11", "inputs.videos: expected a string or a sequence of strings, got a mapping");
    expect_error("inputs:\n  videos:\n    - a\n    - [b]\n", "4:7", "inputs.videos: each item must be a string, got a sequence");
    expect_error("metrics: []\n", "1:10", "metrics: no metric given");
    expect_error("metrics:\n  - [a]\n", "2:5", "metrics: each item must be a string");
    expect_error("metrics:\n  - {a: 1, b: 2}\n", "2:5", "single-key mapping");
    expect_error("metrics:\n  - a.b: 3\n", "2:10", "options of 'a.b' must be a mapping");
    expect_error("metrics:\n  - a.b: {k: [1]}\n", "2:14", "option 'k' of 'a.b' needs a single value, got a sequence");
    expect_error("metrics:\n  - a.b: {k: 'x,y'}\n", "2:14", "values cannot contain ','");
    expect_error("metrics:\n  - a.b: {'k=': 1}\n", "2:11", "'k=' is not an option name");
    expect_error("metrics:\n  'a:b': {}\n", "2:3", "'a:b' is not a metric name");
    expect_error("metrics:\n  - 'a,b'\n", "2:5", "'a,b' is not a metric");
    expect_error("jobs: 1\njobs: 2\n", "2:1", "duplicate key 'jobs'");
    expect_error("metrics:\n  - a.b: {k: 1, j: 2, k: 3}\n", "2:23", "duplicate key 'k' in metric options");
    expect_error("[1, 2]\n", "1:1", "expected a mapping of settings at the top level (keys: inputs,");
    expect_error("just a string\n", "1:1", "expected a mapping of settings at the top level");
    expect_error("? [a]\n: 1\n", "1:3", "keys must be non-empty strings");
    expect_error("jobs: 1\n---\njobs: 2\n", "3:1", "a run file holds one YAML document");
    expect_error("device: \"a\\0b\"\n", "1:9", "NUL characters are not allowed");
    /* libyaml's own messages, at its positions. */
    expect_error("output: [a, b\n", "2:1", "did not find expected ',' or ']' (while parsing a flow sequence at 1:9)");
    expect_error("inputs:\n  videos: a\n bad: 1\n", "3:2", "did not find expected key");
    expect_error("output: *nothing\n", "1:9", "found undefined alias");
    expect_error("a:\n\tb: 1\n", "2:1", "found character that cannot start any token");
    expect_error("x: 1\n\xff\xfe junk\n", "2:1", "invalid leading UTF-8 octet (#xFF)");

    /* Bounds that keep libyaml's slow paths out of reach. */
    char deep[128] = "metrics: ";
    memset(deep + strlen(deep), '[', 65);
    expect_error(deep, "1:73", "nested deeper than 64 levels");
    size_t cap = 1001 * 16 + 16;
    char *anchors = fvi_xmalloc(cap), *o = anchors;
    o += sprintf(o, "x:\n");
    for (int i = 0; i < 1001; i++)
        o += sprintf(o, "- &a%d v\n", i);
    expect_error(anchors, "1002:3", "more than 1000 anchors");
    free(anchors);
    cap = 10001 * 8 + 16;
    char *aliases = fvi_xmalloc(cap);
    o = aliases + sprintf(aliases, "x: [&a v");
    for (int i = 0; i < 10001; i++)
        o += sprintf(o, ", *a");
    sprintf(o, "]\n");
    expect_error(aliases, "1:40011", "more than 10000 aliases");
    free(aliases);
}

static void test_unreadable(void)
{
    fvi_run_config cfg;
    fvi_run_config_init(&cfg);
    char *err = NULL;
    char *missing = fvi_asprintf("%s/missing.yaml", tmpdir);
    CHECK(fvi_config_load(missing, &cfg, &err) == -EINVAL);
    char *want = fvi_asprintf("%s: cannot open: %s", missing, strerror(ENOENT));
    CHECK(err && strcmp(err, want) == 0);
    free(want);
    free(err);
    err = NULL;
    free(missing);

    CHECK(fvi_config_load(tmpdir, &cfg, &err) == -EINVAL);
    CHECK_STR_CONTAINS(err, tmpdir);
    CHECK_STR_CONTAINS(err, strerror(EISDIR));
    free(err);
    fvi_run_config_free(&cfg);
}

/* What must not crash, hang or leak: each is either accepted or an error with a position. */
static void load_any(const char *name, const char *data, size_t len, int want_rc)
{
    char *path = write_bytes(name, data, len);
    fvi_run_config cfg;
    fvi_run_config_init(&cfg);
    char *err = NULL;
    int rc = fvi_config_load(path, &cfg, &err);
    CHECK(rc == 0 || rc == -EINVAL);
    if (want_rc != 1) {
        CHECK(rc == want_rc);
        if (rc != want_rc)
            fprintf(stderr, "  %s: rc %d, err %s\n", name, rc, err ? err : "(null)");
    }
    if (rc) {
        char *prefix = fvi_asprintf("%s:", path);
        CHECK(err && fvi_str_has_prefix(err, prefix));
        free(prefix);
    } else {
        CHECK(err == NULL);
    }
    free(err);
    fvi_run_config_free(&cfg);
    free(path);
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_hostile(void)
{
    load_any("empty.yaml", "", 0, 0);
    load_any("comments.yaml", "# nothing\n\n", 11, 0);
    load_any("doc-marker.yaml", "---\n...\n", 8, 0);
    load_any("null.yaml", "~\n", 2, 0);
    load_any("scalar.yaml", "42\n", 3, -EINVAL);
    load_any("bom.yaml", "\xef\xbb\xbfjobs: 2\n", 11, 0);

    /* Deep nesting, under a known key and as the whole document. */
    size_t depth = 100000;
    char *deep = fvi_xmalloc(2 * depth + 16);
    strcpy(deep, "metrics: ");
    size_t n = strlen(deep);
    memset(deep + n, '[', depth);
    memset(deep + n + depth, ']', depth);
    deep[n + 2 * depth] = '\n';
    load_any("deep-flow.yaml", deep, n + 2 * depth + 1, -EINVAL);
    load_any("deep-unclosed.yaml", deep, n + depth, -EINVAL);
    free(deep);
    {
        /* Block nesting: "a:\n a:\n  a:\n..." */
        size_t lines = 2000, cap = lines * (lines + 4);
        char *b = fvi_xmalloc(cap), *o = b;
        for (size_t i = 0; i < lines; i++) {
            memset(o, ' ', i);
            o += i;
            memcpy(o, "a:\n", 3);
            o += 3;
        }
        load_any("deep-block.yaml", b, (size_t) (o - b), -EINVAL);
        free(b);
    }

    /* Aliases: a recursive sequence, a laughs-style fan-out, aliases in keys. */
    load_any("recursive.yaml", "metrics: &a [*a]\n", 17, -EINVAL);
    load_any("recursive-map.yaml", "inputs: &m {videos: *m}\n", 24, -EINVAL);
    const char *laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                         "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                         "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                         "metrics: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
    load_any("laughs.yaml", laughs, strlen(laughs), -EINVAL);
    const char *alias_key = "&k jobs: 2\n*k : 3\n";
    load_any("alias-key.yaml", alias_key, strlen(alias_key), -EINVAL);
    const char *alias_use = "inputs: {videos: &v [a, b], reference: *v}\n";
    load_any("alias-use.yaml", alias_use, strlen(alias_use), 0);

    /* Binary garbage, and mutations of a valid file. */
    char junk[4096];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char) (rng() & 0xff);
    load_any("garbage.yaml", junk, sizeof(junk), -EINVAL);
    const char *good = "inputs:\n  videos: [gen/*.mp4, b.mp4]\n  fps: 24\n  pair_by: stem\n"
                       "metrics:\n  - common.psnr\n  - common.fvd: {extractor: clip, n: 8}\n"
                       "output: o.json\njobs: 2\nresume: yes\nplugin_path: [p]\n";
    size_t glen = strlen(good);
    static const char alphabet[] = "[]{}:,-?&*!|>'\"%@` \n\t#~\\0aZ\x80\xff";
    char mutated[512];
    int accepted = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(mutated, good, glen);
        int edits = 1 + (int) (rng() % 4);
        for (int e = 0; e < edits; e++)
            mutated[rng() % glen] = alphabet[rng() % (sizeof(alphabet) - 1)];
        char *path = write_bytes("mut.yaml", mutated, glen);
        fvi_run_config cfg;
        fvi_run_config_init(&cfg);
        char *err = NULL;
        int rc = fvi_config_load(path, &cfg, &err);
        CHECK(rc == 0 || rc == -EINVAL);
        CHECK(rc == 0 ? err == NULL : (err && fvi_str_has_prefix(err, path)));
        accepted += rc == 0;
        free(err);
        fvi_run_config_free(&cfg);
        free(path);
    }
    fprintf(stderr, "mutations: %d of 3000 accepted\n", accepted);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/fveval-config-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_init();
    test_all_keys();
    test_relative_to_file();
    test_metric_forms();
    test_replace();
    test_errors();
    test_unreadable();
    test_hostile();

    char *cmd = fvi_asprintf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    free(cmd);
    return CHECK_DONE();
}
