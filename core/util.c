/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation that aborts on exhaustion, string helpers, string lists. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fveval-core.h"

static void out_of_memory(void)
{
    fputs("fveval: out of memory\n", stderr);
    abort();
}

void *fvi_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *fvi_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *fvi_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *fvi_xstrdup(const char *s)
{
    return s ? fvi_xstrndup(s, strlen(s)) : NULL;
}

char *fvi_xstrndup(const char *s, size_t n)
{
    char *d = fvi_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *fvi_vasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return fvi_xstrdup("(format error)");
    char *s = fvi_xmalloc((size_t) n + 1);
    vsnprintf(s, (size_t) n + 1, fmt, ap);
    return s;
}

char *fvi_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = fvi_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

bool fvi_str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool fvi_str_has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

void fvi_strv_push_owned(fvi_strv *sv, char *s)
{
    if (sv->n + 1 >= sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 8;
        sv->v = fvi_xrealloc(sv->v, sv->cap * sizeof(*sv->v));
    }
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
}

void fvi_strv_push(fvi_strv *sv, const char *s)
{
    fvi_strv_push_owned(sv, fvi_xstrdup(s));
}

bool fvi_strv_contains(const fvi_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return true;
    return false;
}

void fvi_strv_free(fvi_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

void fvi_strv_split(fvi_strv *sv, const char *s, char sep)
{
    while (s && *s) {
        const char *e = strchr(s, sep);
        size_t len = e ? (size_t) (e - s) : strlen(s);
        if (len)
            fvi_strv_push_owned(sv, fvi_xstrndup(s, len));
        s = e ? e + 1 : NULL;
    }
}

fvi_bytes_text fvi_format_bytes(uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    fvi_bytes_text t;
    double v = (double) bytes;
    size_t u = 0;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(t.s, sizeof(t.s), "%llu B", (unsigned long long) bytes);
    else
        snprintf(t.s, sizeof(t.s), "%.*f %s", v < 10 ? 2 : v < 100 ? 1 : 0, v, units[u]);
    return t;
}

size_t fvi_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = fvi_xmalloc((lb + 1) * sizeof(*row));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

const char *fvi_format_double(char *buf, double v)
{
    /* Whole numbers as integers: "100", where the shortest %g would be "1e+02". */
    if (v > -1e15 && v < 1e15 && v == (double) (long long) v) {
        snprintf(buf, FVI_DOUBLE_BUFSZ, "%lld", (long long) v);
        return buf;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, FVI_DOUBLE_BUFSZ, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}
