/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash records for the run's journal.  A plugin that crashes (SIGSEGV in
 * compute, say) takes the whole process with it; the journal then tells
 * `--resume` which sample and metric did it, so the next run skips that pair
 * instead of crashing on it again.  Each worker thread keeps the line it
 * would write in thread-local storage, prepared before the plugin runs: the
 * handler only calls write(2), raise(3) and sigaction(2), which are
 * async-signal-safe.  The journal is opened O_APPEND, so the record lands at
 * the end even while another thread writes; it starts with a newline in case
 * it cuts another line short (the reader ignores lines that do not parse).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fveval-core.h"

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define N_CRASH_SIGNALS (sizeof(crash_signals) / sizeof(crash_signals[0]))

static struct sigaction saved_actions[N_CRASH_SIGNALS];
static volatile sig_atomic_t crash_fd = -1;
static _Thread_local char crash_line[512];
static _Thread_local volatile sig_atomic_t crash_len;

static void on_crash(int sig, siginfo_t *info, void *uctx)
{
    (void) uctx;
    int fd = crash_fd;
    size_t len = (size_t) crash_len;
    if (fd >= 0 && len > 0) {
        char tail[32];
        size_t n = 0;
        char digits[12];
        size_t nd = 0;
        for (int v = sig; v > 0 && nd < sizeof(digits); v /= 10)
            digits[nd++] = (char) ('0' + v % 10);
        while (nd)
            tail[n++] = digits[--nd];
        tail[n++] = '}';
        tail[n++] = '\n';
        ssize_t w = write(fd, crash_line, len);
        if (w >= 0)
            w = write(fd, tail, n);
        (void) w; /* nothing more can be done about a failed write here */
    }
    /*
     * Hand the signal to whatever handled it before (the default: die with a
     * core dump; a sanitizer's report).  A fault comes back by itself when
     * the instruction runs again; a signal sent by raise(), abort() or kill
     * would not, so it is sent again.
     */
    for (size_t k = 0; k < N_CRASH_SIGNALS; k++)
        if (crash_signals[k] == sig)
            sigaction(sig, &saved_actions[k], NULL);
    if (info->si_code <= 0)
        raise(sig);
}

void fvi_crash_guard_set(const char *where_json)
{
    crash_len = 0;
    if (!where_json)
        return;
    int n = snprintf(crash_line, sizeof(crash_line), "\n{\"crashed\":%s,\"signal\":", where_json);
    if (n > 0 && (size_t) n < sizeof(crash_line))
        crash_len = n; /* a WHERE too long to fit leaves no record rather than a cut one */
}

void fvi_crash_guard_install(int journal_fd)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    crash_fd = journal_fd;
    for (size_t k = 0; k < N_CRASH_SIGNALS; k++)
        sigaction(crash_signals[k], &sa, &saved_actions[k]);
}

void fvi_crash_guard_remove(void)
{
    for (size_t k = 0; k < N_CRASH_SIGNALS; k++)
        sigaction(crash_signals[k], &saved_actions[k], NULL);
    crash_fd = -1;
    crash_len = 0;
}
