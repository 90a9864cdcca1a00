/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a run's results go (-o).  A regular file (or a name not there yet) is
 * replaced atomically: written to a temporary name beside it and renamed over
 * it.  Anything else is written through, never replaced: `-` (stdout),
 * character devices (/dev/null, /dev/full), FIFOs and sockets.  Renaming over
 * those would swap a device node or a pipe for a JSON file when run as root.
 * A symbolic link is followed and its target written; the link stays.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fveval-core.h"

int fvi_write_all(int fd, const char *text, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        off += (size_t) w;
    }
    return 0;
}

/* The directory part of @p path ("." when it has none). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return fvi_xstrdup(".");
    if (slash == path)
        return fvi_xstrdup("/");
    return fvi_xstrndup(path, (size_t) (slash - path));
}

/*
 * Follow a chain of symbolic links at @p path (the last component only; the
 * directories above may be links too, which rename handles) to the name that
 * is not a link, whether or not it exists.  NULL with errno on a loop.
 */
static char *resolve_links(const char *path)
{
    char *cur = fvi_xstrdup(path);
    for (int depth = 0; depth < 40; depth++) {
        struct stat st;
        if (lstat(cur, &st) < 0 || !S_ISLNK(st.st_mode))
            return cur;
        char buf[PATH_MAX];
        ssize_t n = readlink(cur, buf, sizeof(buf) - 1);
        if (n < 0) {
            free(cur);
            return NULL;
        }
        buf[n] = '\0';
        char *next;
        if (buf[0] == '/') {
            next = fvi_xstrdup(buf);
        } else {
            char *dir = dir_of(cur);
            next = fvi_asprintf("%s/%s", dir, buf);
            free(dir);
        }
        free(cur);
        cur = next;
    }
    free(cur);
    errno = ELOOP;
    return NULL;
}

/*
 * Whether an existing regular file may be replaced.  access(2) alone is not
 * enough: for root it reports every file writable, and rename needs only the
 * directory's permission, so a 0444 file would be replaced silently.  A file
 * without any write bit is taken as the owner's wish to keep it.
 */
static char *read_only_problem(const char *name, const char *target, const struct stat *st)
{
    if ((st->st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0 || access(target, W_OK) < 0)
        return fvi_asprintf("output '%s' is read-only (mode %04o); make it writable or choose "
                            "another file",
                            name, (unsigned) (st->st_mode & 07777));
    return NULL;
}

int fvi_output_open(const char *name, fvi_output *out, char **err)
{
    memset(out, 0, sizeof(*out));
    if (!name || !*name) {
        *err = fvi_xstrdup("output: the file name is empty");
        return -EINVAL;
    }
    out->name = fvi_xstrdup(name);
    if (strcmp(name, "-") == 0) {
        out->stream = true; /* stdout; path stays NULL */
        return 0;
    }
    out->path = resolve_links(name);
    if (!out->path) {
        *err = fvi_asprintf("output '%s': %s", name, strerror(errno));
        fvi_output_free(out);
        return -EINVAL;
    }
    struct stat st;
    if (stat(out->path, &st) < 0) {
        if (errno != ENOENT) {
            *err = fvi_asprintf("output '%s': %s", name, strerror(errno));
            fvi_output_free(out);
            return -EINVAL;
        }
        /* A new file: its directory must be there (found now rather than after the run). */
        char *dir = dir_of(out->path);
        struct stat ds;
        int bad = stat(dir, &ds) < 0 ? errno : !S_ISDIR(ds.st_mode) ? ENOTDIR : 0;
        if (bad)
            *err = fvi_asprintf("output '%s': cannot use directory '%s': %s", name, dir, strerror(bad));
        free(dir);
        if (bad) {
            fvi_output_free(out);
            return -EINVAL;
        }
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        *err = fvi_asprintf("output '%s' is a directory; name a file", name);
        fvi_output_free(out);
        return -EINVAL;
    }
    if (!S_ISREG(st.st_mode)) {
        out->stream = true; /* device, FIFO, socket: write through */
        return 0;
    }
    if ((*err = read_only_problem(name, out->path, &st))) {
        fvi_output_free(out);
        return -EINVAL;
    }
    return 0;
}

int fvi_output_write(const fvi_output *out, const char *text, char **err)
{
    return fvi_output_write_bytes(out, text, strlen(text), err);
}

int fvi_output_write_bytes(const fvi_output *out, const void *data, size_t len, char **err)
{
    if (!out->stream) {
        struct stat st;
        /* Checked again: the file may have been made read-only while the run went on. */
        if (stat(out->path, &st) == 0 && S_ISREG(st.st_mode) &&
            (*err = read_only_problem(out->name, out->path, &st)))
            return -EACCES;
        return fvi_write_atomic_bytes(out->path, data, len, err);
    }
    if (!out->path)
        fflush(stdout); /* anything printed before comes first */
    int fd = out->path ? open(out->path, O_WRONLY | O_CLOEXEC | O_NOCTTY) : STDOUT_FILENO;
    int r = fd < 0 ? -errno : fvi_write_all(fd, data, len);
    if (fd >= 0 && fd != STDOUT_FILENO && close(fd) < 0 && !r)
        r = -errno;
    if (r)
        *err = fvi_asprintf("cannot write '%s': %s", out->path ? out->name : "stdout", strerror(-r));
    return r;
}

void fvi_output_free(fvi_output *out)
{
    free(out->name);
    free(out->path);
    memset(out, 0, sizeof(*out));
}
