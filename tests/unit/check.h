/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal assertions for the unit tests: report every failure, exit 1 if any. */
#ifndef FVEVAL_TEST_CHECK_H
#define FVEVAL_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);             \
            check_failures++;                                                                    \
        }                                                                                        \
    } while (0)

#define CHECK_STR_CONTAINS(s, sub)                                                               \
    do {                                                                                         \
        const char *s_ = (s);                                                                    \
        if (!s_ || !strstr(s_, (sub))) {                                                         \
            fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__,           \
                    s_ ? s_ : "(null)", (sub));                                                  \
            check_failures++;                                                                    \
        }                                                                                        \
    } while (0)

#define CHECK_DONE() (check_failures ? (fprintf(stderr, "%d check(s) failed\n", check_failures), 1) : 0)

#endif
