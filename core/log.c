/* SPDX-License-Identifier: Apache-2.0 */
/* The one log sink: stderr, one line per message, thread-safe. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "fveval-core.h"

int fvi_log_level = FVEVAL_LOG_WARNING;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static bool status_line_shown; /* a status line without newline is on stderr */

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void fvi_vlog_prefixed(int level, const char *prefix, const char *fmt, va_list ap)
{
    if (level > fvi_log_level)
        return;
    if (level < FVEVAL_LOG_ERROR)
        level = FVEVAL_LOG_ERROR;
    if (level > FVEVAL_LOG_DEBUG)
        level = FVEVAL_LOG_DEBUG;
    /* Format first so concurrent messages never interleave within a line. */
    char *msg = fvi_vasprintf(fmt, ap);
    pthread_mutex_lock(&log_lock);
    if (status_line_shown) {
        fputs("\r\033[K", stderr); /* the next progress update draws it again */
        status_line_shown = false;
    }
    if (prefix)
        fprintf(stderr, "fveval: %s: [%s] %s\n", level_names[level], prefix, msg);
    else
        fprintf(stderr, "fveval: %s: %s\n", level_names[level], msg);
    pthread_mutex_unlock(&log_lock);
    free(msg);
}

void fvi_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fvi_vlog_prefixed(level, NULL, fmt, ap);
    va_end(ap);
}

void fvi_log_prefixed(int level, const char *prefix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fvi_vlog_prefixed(level, prefix, fmt, ap);
    va_end(ap);
}

void fvi_log_status_line(const char *text, bool final)
{
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "\r%s\033[K%s", text, final ? "\n" : "");
    fflush(stderr);
    status_line_shown = !final;
    pthread_mutex_unlock(&log_lock);
}
