/* SPDX-License-Identifier: Apache-2.0 */
/* Shared state of the fveval program's subcommands. */
#ifndef FVEVAL_CLI_H
#define FVEVAL_CLI_H

#include "fveval-core.h"

typedef struct fvi_cli {
    fvi_strv plugin_paths; /* --plugin-path values, in order */
    fvi_registry reg;
    bool scanned;
} fvi_cli;

/* Print "fveval: error: ..." and return FVI_EXIT_USAGE. */
int fvi_cli_error(const char *fmt, ...) FVEVAL_PRINTF(1, 2);
void fvi_cli_scan(fvi_cli *cli);
void fvi_cli_free(fvi_cli *cli);

int fvi_cmd_run(fvi_cli *cli, int argc, char **argv);
int fvi_cmd_merge(fvi_cli *cli, int argc, char **argv);
int fvi_cmd_models(fvi_cli *cli, int argc, char **argv);
int fvi_cmd_report(fvi_cli *cli, int argc, char **argv);

#endif
