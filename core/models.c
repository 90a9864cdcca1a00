/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The model store: where model files are looked up, sha256 checks (a model
 * file is code: a mismatch refuses to load), and `fveval models`.  Nothing
 * is ever downloaded.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/mem.h>
#include <libavutil/sha.h>

#include "fveval-core.h"

char *fvi_model_dir_resolve(const char *cli_dir)
{
    if (cli_dir && *cli_dir)
        return fvi_xstrdup(cli_dir);
    const char *env = getenv("FVEVAL_MODEL_DIR");
    if (env && *env)
        return fvi_xstrdup(env);
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg)
        return fvi_asprintf("%s/fveval/models", xdg);
    const char *home = getenv("HOME");
    return fvi_asprintf("%s/.cache/fveval/models", home && *home ? home : ".");
}

/* Lower-case hex sha256 of a file, or NULL with errno set. */
static char *sha256_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    struct AVSHA *sha = av_sha_alloc();
    if (!sha || av_sha_init(sha, 256) < 0) {
        av_free(sha);
        fclose(fp);
        errno = ENOMEM;
        return NULL;
    }
    unsigned char *buf = fvi_xmalloc(1 << 20);
    size_t n;
    while ((n = fread(buf, 1, 1 << 20, fp)) > 0)
        av_sha_update(sha, buf, (unsigned) n);
    bool bad = ferror(fp);
    fclose(fp);
    free(buf);
    uint8_t digest[32];
    av_sha_final(sha, digest);
    av_free(sha);
    if (bad) {
        errno = EIO;
        return NULL;
    }
    char *hex = fvi_xmalloc(65);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return hex;
}

/*
 * Hashing a large model for every instance would dominate start-up, so a
 * verified (path, size, mtime) is remembered for the life of the process.
 */
typedef struct verified_file {
    char *path;
    off_t size;
    struct timespec mtime;
} verified_file;
static pthread_mutex_t verified_lock = PTHREAD_MUTEX_INITIALIZER;
static verified_file *verified;
static size_t n_verified;

fvi_model_status fvi_model_check(const char *dir, const fveval_model_file *mf, char **path_out, char **why)
{
    char *path = fvi_asprintf("%s/%s", dir, mf->name);
    struct stat st;
    *why = NULL;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = fvi_asprintf("missing model file '%s' (looked in %s; see `fveval models`)", mf->name, dir);
        free(path);
        return FVI_MODEL_MISSING;
    }
    if (mf->sha256 && *mf->sha256) {
        bool known = false;
        pthread_mutex_lock(&verified_lock);
        for (size_t i = 0; i < n_verified && !known; i++)
            known = strcmp(verified[i].path, path) == 0 && verified[i].size == st.st_size &&
                    verified[i].mtime.tv_sec == st.st_mtim.tv_sec &&
                    verified[i].mtime.tv_nsec == st.st_mtim.tv_nsec;
        pthread_mutex_unlock(&verified_lock);
        if (!known) {
            char *hex = sha256_file(path);
            if (!hex || strcasecmp(hex, mf->sha256) != 0) {
                *why = hex ? fvi_asprintf("model file '%s' has sha256 %s, expected %s: refusing to load it",
                                          path, hex, mf->sha256)
                           : fvi_asprintf("cannot read model file '%s': %s", path, strerror(errno));
                free(hex);
                free(path);
                return FVI_MODEL_BAD_HASH;
            }
            free(hex);
            pthread_mutex_lock(&verified_lock);
            verified = fvi_xrealloc(verified, (n_verified + 1) * sizeof(*verified));
            verified[n_verified++] = (verified_file){fvi_xstrdup(path), st.st_size, st.st_mtim};
            pthread_mutex_unlock(&verified_lock);
        }
    }
    if (path_out)
        *path_out = path;
    else
        free(path);
    return FVI_MODEL_PRESENT;
}

bool fvi_model_needed(const fvi_metric *m, const fvi_instance *inst, const char *name)
{
    if (!inst || !FVI_DESC_HAS(m->desc, model_needed) || !m->desc->model_needed)
        return true;
    return m->desc->model_needed((fveval_ctx *) &inst->pub, name) != 0;
}

char *fvi_models_check_metric(const fvi_metric *m, const fvi_instance *inst, const char *dir)
{
    const fveval_model_file *mf = m->desc->models;
    for (size_t i = 0; mf && mf[i].name; i++) {
        if (!fvi_model_needed(m, inst, mf[i].name))
            continue;
        char *why = NULL;
        if (fvi_model_check(dir, &mf[i], NULL, &why) != FVI_MODEL_PRESENT)
            return why;
    }
    return NULL;
}
