/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prompt suites: `fveval run --suite vbench --videos DIR [--dimensions ...]`.
 * A suite file (VBench_full_info.json) lists prompts, the dimensions each is
 * scored on and per-dimension auxiliary information; generated videos are
 * named "<prompt>-<index>.<ext>".  The suite builds one sample per video with
 * text_prompt and auxiliary_info attached, routes it to the metrics of its
 * prompt's dimensions (the sample field "metrics"), and reports a score per
 * dimension aggregated as upstream VBench does.
 */
#ifndef FVEVAL_SUITE_H
#define FVEVAL_SUITE_H

#include <stdio.h>

#include "fveval-core.h"

typedef struct fvi_suite fvi_suite;

/*
 * Whether sample @p s goes to metric @p name: true unless the sample has a
 * "metrics" array (a suite sample, or a manifest row that names its metrics)
 * without that name.
 */
bool fvi_sample_routed(const fvi_sample *s, const char *name);

/*
 * Read the suite of @p cfg (cfg->suite, cfg->suite_file, cfg->dimensions,
 * cfg->videos: one directory) and pick the metric of each selected dimension
 * that @p reg holds.  Sets *metrics_spec (caller frees) to the -m list to
 * run: "vbench.<dimension>" for each, with the options of a matching item of
 * cfg->metrics.  On a usage error returns -EINVAL with *err set.
 */
int fvi_suite_load(const fvi_run_config *cfg, const fvi_registry *reg, fvi_suite **out,
                   char **metrics_spec, char **err);
/* One sample per video of the directory that names a selected prompt; logs what is missing. */
int fvi_suite_build_samples(fvi_suite *su, fvi_sample_list *out, char **err);
/* Mark samples whose prompt lacks the auxiliary information a dimension needs as skipped. */
void fvi_suite_apply_skips(const fvi_suite *su, fvi_run *run);
/*
 * Add "suite" (per-dimension scores, missing videos, unmatched files,
 * dimensions not run) to the results document; print the per-dimension
 * table to @p human when not NULL.
 */
void fvi_suite_report(const fvi_suite *su, const fvi_run *run, json_t *doc, FILE *human);
void fvi_suite_free(fvi_suite *su);

#endif
