/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Histograms for `fveval report`, drawn with cairo: its SVG surface for the
 * HTML page, its image surface and PNG writer for `--format png`.  Text is
 * cairo's own (fontconfig's sans-serif), so an SVG carries its glyphs as
 * paths and looks the same wherever it is opened.
 */
#include "config.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

const unsigned fvi_report_colours[FVI_REPORT_N_COLOURS] = {
    0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf,
};

/* Layout is in units of a chart 800 wide; other sizes scale it, fonts included. */
#define BASE_WIDTH 800.0

static void set_colour(cairo_t *cr, unsigned rgb, double shade)
{
    cairo_set_source_rgb(cr, shade * ((rgb >> 16) & 0xff) / 255.0, shade * ((rgb >> 8) & 0xff) / 255.0,
                         shade * (rgb & 0xff) / 255.0);
}

static unsigned series_colour(size_t i)
{
    return fvi_report_colours[i % FVI_REPORT_N_COLOURS];
}

int fvi_chart_bins(size_t n)
{
    double bins = ceil(sqrt((double) n));
    return bins < FVI_CHART_MIN_BINS ? FVI_CHART_MIN_BINS : bins > FVI_CHART_MAX_BINS ? FVI_CHART_MAX_BINS : (int) bins;
}

/* A 1, 2 or 5 times a power of ten step giving about @p target ticks over @p range. */
static double nice_step(double range, int target)
{
    double raw = range / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

/* A tick label with as many decimals as the step needs ("0.3", not "0.30000000000000004"). */
static void tick_label(char *buf, size_t size, double v, double step)
{
    if (fabs(v) < step * 1e-9)
        v = 0; /* -0 and rounding noise at zero */
    double big = fmax(fabs(v), step);
    if (big >= 1e6 || step < 1e-4) {
        snprintf(buf, size, "%.3g", v);
        return;
    }
    int decimals = step >= 1 ? 0 : (int) ceil(-log10(step) - 1e-9);
    snprintf(buf, size, "%.*f", decimals, v);
}

typedef enum { ALIGN_LEFT, ALIGN_CENTRE, ALIGN_RIGHT } text_align;

static void draw_text(cairo_t *cr, double x, double y, const char *text, text_align align)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, text, &e);
    double dx = align == ALIGN_LEFT ? 0 : align == ALIGN_CENTRE ? -e.x_advance / 2 : -e.x_advance;
    cairo_move_to(cr, x + dx, y);
    cairo_show_text(cr, text);
}

/* A run's label in the legend: long paths keep their end, where names differ. */
static void legend_label(char *buf, size_t size, const char *label)
{
    size_t len = strlen(label), keep = 44;
    if (len <= keep + 1)
        snprintf(buf, size, "%s", label);
    else
        snprintf(buf, size, "...%s", label + len - keep);
}

typedef struct plot_box {
    double left, right, top, bottom; /* the bars' area */
    double lo, hi;                   /* x range */
    double ymax;                     /* y range is 0..ymax */
} plot_box;

static double px(const plot_box *b, double v)
{
    return b->left + (v - b->lo) / (b->hi - b->lo) * (b->right - b->left);
}

static double py(const plot_box *b, double count)
{
    return b->bottom - count / b->ymax * (b->bottom - b->top);
}

static void draw_axes(cairo_t *cr, const plot_box *b, const char *x_label, double chart_height)
{
    char buf[64];
    cairo_set_font_size(cr, 11);
    cairo_set_line_width(cr, 1);
    /* y: counts, whole numbers */
    double ystep = fmax(1, nice_step(b->ymax, 5));
    for (double y = 0; y <= b->ymax + 1e-9; y += ystep) {
        set_colour(cr, 0xe6e6e6, 1);
        cairo_move_to(cr, b->left, py(b, y));
        cairo_line_to(cr, b->right, py(b, y));
        cairo_stroke(cr);
        set_colour(cr, 0x333333, 1);
        snprintf(buf, sizeof(buf), "%.0f", y);
        draw_text(cr, b->left - 6, py(b, y) + 4, buf, ALIGN_RIGHT);
    }
    /* x: scores */
    double xstep = nice_step(b->hi - b->lo, 6);
    for (double x = ceil(b->lo / xstep) * xstep; x <= b->hi + xstep * 1e-9; x += xstep) {
        set_colour(cr, 0x333333, 1);
        cairo_move_to(cr, px(b, x), b->bottom);
        cairo_line_to(cr, px(b, x), b->bottom + 4);
        cairo_stroke(cr);
        tick_label(buf, sizeof(buf), x, xstep);
        draw_text(cr, px(b, x), b->bottom + 16, buf, ALIGN_CENTRE);
    }
    set_colour(cr, 0x333333, 1);
    cairo_move_to(cr, b->left, b->bottom + 0.5);
    cairo_line_to(cr, b->right, b->bottom + 0.5);
    cairo_move_to(cr, b->left - 0.5, b->top);
    cairo_line_to(cr, b->left - 0.5, b->bottom);
    cairo_stroke(cr);
    cairo_set_font_size(cr, 12);
    draw_text(cr, (b->left + b->right) / 2, chart_height - 10, x_label, ALIGN_CENTRE);
    cairo_save(cr);
    cairo_translate(cr, 16, (b->top + b->bottom) / 2);
    cairo_rotate(cr, -M_PI / 2);
    draw_text(cr, 0, 0, "samples", ALIGN_CENTRE);
    cairo_restore(cr);
}

/* The x range: every value of every series (a constant score gets a small range around it). */
static bool value_range(const fvi_chart_series *s, size_t k, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < s[j].n; i++) {
            *lo = fmin(*lo, s[j].values[i]);
            *hi = fmax(*hi, s[j].values[i]);
        }
    if (!(*lo <= *hi))
        return false;
    if (*hi - *lo <= fabs(*hi) * 1e-12) {
        double d = *lo != 0 ? fabs(*lo) * 0.05 : 0.5;
        *lo -= d;
        *hi += d;
    }
    return true;
}

static void draw_chart(cairo_t *cr, double w, double h, const char *title, const char *x_label,
                       const fvi_chart_series *s, size_t k)
{
    char buf[256], label[64];
    set_colour(cr, 0xffffff, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 15);
    set_colour(cr, 0x222222, 1);
    draw_text(cr, 12, 22, title, ALIGN_LEFT);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);

    /* Legend: one line per run, its colour, n, mean ± std. */
    cairo_set_font_size(cr, 12);
    for (size_t j = 0; j < k; j++) {
        double y = 40 + 16.0 * (double) j;
        set_colour(cr, series_colour(j), 1);
        cairo_rectangle(cr, 12, y - 10, 12, 12);
        cairo_fill(cr);
        set_colour(cr, 0x222222, 1);
        legend_label(label, sizeof(label), s[j].label);
        if (s[j].n)
            snprintf(buf, sizeof(buf), "%s: n=%zu, mean %.6g ± %.3g", label, s[j].n, s[j].mean, s[j].std);
        else
            snprintf(buf, sizeof(buf), "%s: no scored samples", label);
        draw_text(cr, 30, y, buf, ALIGN_LEFT);
    }
    plot_box b = {.left = 64, .right = w - 24, .bottom = h - 44};
    double strip_top = 40 + 16.0 * (double) k;
    double strip_h = 8 + 10.0 * (double) k; /* mean ± std bars above the histogram */
    b.top = strip_top + strip_h;
    if (!value_range(s, k, &b.lo, &b.hi) || b.bottom - b.top < 20) {
        set_colour(cr, 0x666666, 1);
        draw_text(cr, w / 2, h / 2, "no scored samples", ALIGN_CENTRE);
        return;
    }

    size_t nmax = 0;
    for (size_t j = 0; j < k; j++)
        nmax = s[j].n > nmax ? s[j].n : nmax;
    int bins = fvi_chart_bins(nmax);
    size_t *counts = fvi_xcalloc((size_t) bins * k, sizeof(*counts));
    size_t top_count = 1;
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < s[j].n; i++) {
            int bin = (int) ((s[j].values[i] - b.lo) / (b.hi - b.lo) * bins);
            bin = bin < 0 ? 0 : bin >= bins ? bins - 1 : bin;
            size_t c = ++counts[(size_t) bin * k + j];
            top_count = c > top_count ? c : top_count;
        }
    double ystep = fmax(1, nice_step((double) top_count, 5));
    b.ymax = ceil((double) top_count / ystep) * ystep;
    draw_axes(cr, &b, x_label, h);

    /* Grouped bars: each bin split between the runs, run 1 leftmost. */
    double bin_w = (b.right - b.left) / bins, bar_w = bin_w / (double) k;
    double gap = bar_w > 4 ? 1 : 0;
    for (int bin = 0; bin < bins; bin++)
        for (size_t j = 0; j < k; j++) {
            size_t c = counts[(size_t) bin * k + j];
            if (!c)
                continue;
            double x0 = b.left + bin * bin_w + (double) j * bar_w;
            set_colour(cr, series_colour(j), 1);
            cairo_rectangle(cr, x0 + gap / 2, py(&b, (double) c), bar_w - gap, b.bottom - py(&b, (double) c));
            cairo_fill(cr);
        }
    free(counts);

    /* Means (dashed) and mean ± std (a bar with end ticks above the bars), clipped to the plot. */
    cairo_save(cr);
    cairo_rectangle(cr, b.left, strip_top, b.right - b.left, b.bottom - strip_top);
    cairo_clip(cr);
    for (size_t j = 0; j < k; j++) {
        if (!s[j].n)
            continue;
        double xm = px(&b, s[j].mean), y = strip_top + 6 + 10.0 * (double) j;
        double x1 = px(&b, s[j].mean - s[j].std), x2 = px(&b, s[j].mean + s[j].std);
        set_colour(cr, series_colour(j), 0.6);
        static const double dash[] = {5, 3};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_set_line_width(cr, 1.5);
        cairo_move_to(cr, xm, y);
        cairo_line_to(cr, xm, b.bottom);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, x1, y);
        cairo_line_to(cr, x2, y);
        cairo_move_to(cr, x1, y - 3);
        cairo_line_to(cr, x1, y + 3);
        cairo_move_to(cr, x2, y - 3);
        cairo_line_to(cr, x2, y + 3);
        cairo_stroke(cr);
        cairo_arc(cr, xm, y, 3, 0, 2 * M_PI);
        cairo_fill(cr);
    }
    cairo_restore(cr);
}

static cairo_status_t append_to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    fvi_buf_add(closure, data, length);
    return CAIRO_STATUS_SUCCESS;
}

int fvi_chart_histogram(const char *title, const char *x_label, const fvi_chart_series *series,
                        size_t n_series, int width, int height, fvi_chart_format format, fvi_buf *out,
                        char **err)
{
    cairo_surface_t *surface;
    if (format == FVI_CHART_SVG) {
        surface = cairo_svg_surface_create_for_stream(append_to_buf, out, width, height);
        cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX);
    } else {
        surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    }
    cairo_t *cr = cairo_create(surface);
    double scale = width / BASE_WIDTH;
    cairo_scale(cr, scale, scale);
    draw_chart(cr, BASE_WIDTH, height / scale, title, x_label, series, n_series);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS && format == FVI_CHART_PNG)
        st = cairo_surface_write_to_png_stream(surface, append_to_buf, out);
    cairo_surface_finish(surface); /* the SVG surface writes its document now */
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (st != CAIRO_STATUS_SUCCESS) {
        *err = fvi_asprintf("cannot draw the chart of %s: %s", title, cairo_status_to_string(st));
        return -1;
    }
    return 0;
}

void fvi_chart_cleanup(void)
{
    /* cairo and fontconfig keep the fonts they looked up until the process
     * ends; release them, so that a leak checker reports only real leaks. */
    cairo_debug_reset_static_data();
    FcFini();
}
