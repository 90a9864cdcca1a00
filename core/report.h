/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `fveval report`: what the HTML writer (report.c) and the chart drawing
 * (report-chart.c, cairo) share.
 */
#ifndef FVEVAL_REPORT_H
#define FVEVAL_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "fveval-core.h"

/* A growable byte buffer (HTML text, SVG or PNG data). */
typedef struct fvi_buf {
    char *p;
    size_t len, cap;
} fvi_buf;
void fvi_buf_add(fvi_buf *b, const void *data, size_t len);
void fvi_buf_puts(fvi_buf *b, const char *s);
void fvi_buf_printf(fvi_buf *b, const char *fmt, ...) FVEVAL_PRINTF(2, 3);
void fvi_buf_free(fvi_buf *b);

/*
 * The colours of runs 1, 2, ... in charts and in the page's legends (a
 * run's bars, its swatch): Tableau's ten, repeated beyond ten runs.
 */
#define FVI_REPORT_N_COLOURS 10
extern const unsigned fvi_report_colours[FVI_REPORT_N_COLOURS]; /* 0xRRGGBB */

/* One run's scores of one metric, drawn as one colour of a histogram. */
typedef struct fvi_chart_series {
    const char *label;
    const double *values; /* every scored sample: histograms use all of them */
    size_t n;
    double mean, std;     /* population std, as the results' summary */
} fvi_chart_series;

typedef enum { FVI_CHART_SVG, FVI_CHART_PNG } fvi_chart_format;

/*
 * Draw a histogram of @p n_series series on shared bins (grouped bars, one
 * colour per series), with each series' mean (dashed line) and mean ± std
 * (a bar above the histogram), into @p out as SVG or PNG of @p width x
 * @p height pixels.  0, or -1 with *err set (a cairo failure).
 */
int fvi_chart_histogram(const char *title, const char *x_label, const fvi_chart_series *series,
                        size_t n_series, int width, int height, fvi_chart_format format, fvi_buf *out,
                        char **err);

/* Release what cairo and fontconfig cache (after the last chart). */
void fvi_chart_cleanup(void);

/* How many bins the histogram of at most @p n values per series has: the
 * square-root rule, kept between a shape at all and bars still a few pixels
 * wide with several runs side by side. */
#define FVI_CHART_MIN_BINS 5
#define FVI_CHART_MAX_BINS 50
int fvi_chart_bins(size_t n);

#endif
