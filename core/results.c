/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The results document (DESIGN.md §6), its CSV and terminal renderings,
 * summary statistics, and atomic writes.  Non-finite numbers become null.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fveval-core.h"
#include "suite.h"


char *fvi_now_iso8601(void)
{
    char buf[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return fvi_xstrdup(buf);
}

static bool scored(const fvi_run *run, size_t i, size_t m)
{
    return run->has_result[i * run->n_metrics + m] &&
           fvi_result_scored(&run->results[i * run->n_metrics + m]);
}

/*
 * n, skipped (every sample without a score, errors included), errors, mean,
 * std (population, as numpy's default), min, max, direction.
 */
static json_t *summary_of(const fvi_run *run, size_t m)
{
    const fvi_metric_run *mr = &run->metrics[m];
    size_t n = 0, skipped = 0, errors = 0;
    double sum = 0, mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < run->samples.n; i++) {
        if (run->samples.v[i]->is_reference || !fvi_sample_routed(run->samples.v[i], mr->metric->name))
            continue;
        if (!scored(run, i, m)) {
            skipped++;
            errors += run->has_result[i * run->n_metrics + m] && run->results[i * run->n_metrics + m].error;
            continue;
        }
        double v = run->results[i * run->n_metrics + m].score;
        n++;
        sum += v;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
    }
    double mean = n ? sum / n : NAN, ss = 0;
    for (size_t i = 0; i < run->samples.n; i++)
        if (!run->samples.v[i]->is_reference && scored(run, i, m)) {
            double d = run->results[i * run->n_metrics + m].score - mean;
            ss += d * d;
        }
    json_t *o = json_object();
    json_object_set_new(o, "n", json_integer((json_int_t) n));
    json_object_set_new(o, "skipped", json_integer((json_int_t) skipped));
    json_object_set_new(o, "mean", fvi_json_number(mean));
    json_object_set_new(o, "std", fvi_json_number(n ? sqrt(ss / n) : NAN));
    json_object_set_new(o, "min", fvi_json_number(n ? mn : NAN));
    json_object_set_new(o, "max", fvi_json_number(n ? mx : NAN));
    json_object_set_new(o, "errors", json_integer((json_int_t) errors));
    const fveval_plugin *d = mr->metric->desc;
    json_object_set_new(o, "direction", json_string(fvi_metric_direction(d)));
    json_object_set_new(o, "higher_is_better", (d->flags & FVEVAL_PLUGIN_NO_DIRECTION)
                                                   ? json_null()
                                                   : json_boolean(d->flags & FVEVAL_PLUGIN_HIGHER_IS_BETTER));
    return o;
}

json_t *fvi_results_document(const fvi_run *run, int argc, char **argv, const char *started,
                             const char *finished)
{
    json_t *doc = json_object();
    json_t *hdr = json_object();
    json_object_set_new(hdr, "version", json_string(PACKAGE_VERSION));
    json_object_set_new(hdr, "schema", json_integer(FVI_RESULTS_SCHEMA));
    json_object_set_new(doc, "fveval", hdr);

    json_t *r = json_object();
    json_object_set_new(r, "started", json_string(started));
    json_object_set_new(r, "finished", json_string(finished));
    json_object_set_new(r, "device", json_string(run->env.device ? run->env.device : "cpu"));
    json_object_set_new(r, "jobs", json_integer(run->jobs));
    json_t *av = json_array();
    for (int i = 0; i < argc; i++)
        json_array_append_new(av, json_string(argv[i]));
    json_object_set_new(r, "argv", av);
    json_t *metrics = json_object();
    for (size_t m = 0; m < run->n_metrics; m++) {
        const fvi_metric_run *mr = &run->metrics[m];
        json_t *o = json_object();
        json_object_set_new(o, "version", json_string(mr->metric->desc->version));
        json_object_set_new(o, "path", json_string(mr->metric->path));
        json_object_set_new(o, "kind", json_string(mr->metric->desc->flags & FVEVAL_PLUGIN_SET_METRIC ? "set" : "per-sample"));
        json_object_set(o, "options", mr->options_json);
        json_object_set_new(metrics, mr->metric->name, o);
    }
    json_object_set_new(r, "metrics", metrics);
    json_object_set_new(doc, "run", r);

    json_t *samples = json_array();
    for (size_t i = 0; i < run->samples.n; i++) {
        const fvi_sample *s = run->samples.v[i];
        json_t *o = json_object();
        /* The sample's place in the whole input list (a shard holds only some of them). */
        json_object_set_new(o, "index", json_integer((json_int_t) s->index));
        const char *key;
        json_t *val;
        json_object_foreach(s->fields, key, val) json_object_set(o, key, val);
        json_object_set_new(o, "role", json_string(s->is_reference ? "reference" : "generated"));
        if (s->warnings.n) /* only when there are some: most samples have none */
            json_object_set_new(o, "warnings", fvi_sample_warnings_json(s));
        json_t *res = json_object();
        for (size_t m = 0; m < run->n_metrics; m++)
            if (run->has_result[i * run->n_metrics + m])
                json_object_set_new(res, run->metrics[m].metric->name,
                                    fvi_result_to_json(&run->results[i * run->n_metrics + m]));
        json_object_set_new(o, "results", res);
        json_array_append_new(samples, o);
    }
    json_object_set_new(doc, "samples", samples);

    json_t *corpus = json_object(), *summary = json_object();
    for (size_t m = 0; m < run->n_metrics; m++) {
        const fvi_metric_run *mr = &run->metrics[m];
        if (mr->corpus_done)
            json_object_set_new(corpus, mr->metric->name, fvi_result_to_json(&mr->corpus));
        if (!(mr->metric->desc->flags & FVEVAL_PLUGIN_SET_METRIC))
            json_object_set_new(summary, mr->metric->name, summary_of(run, m));
    }
    json_object_set_new(doc, "corpus", corpus);
    json_object_set_new(doc, "summary", summary);
    return doc;
}

int fvi_write_atomic(const char *path, const char *text, char **err)
{
    return fvi_write_atomic_bytes(path, text, strlen(text), err);
}

int fvi_write_atomic_bytes(const char *path, const void *data, size_t len, char **err)
{
    char *tmp = fvi_asprintf("%s.tmp.%ld", path, (long) getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        *err = fvi_asprintf("cannot write '%s': %s", tmp, strerror(errno));
        free(tmp);
        return -errno;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        (void) fchmod(fd, st.st_mode & 07777); /* the replacement keeps the file's mode */
    int w = fvi_write_all(fd, data, len);
    if (w < 0) {
        *err = fvi_asprintf("cannot write '%s': %s", tmp, strerror(-w));
        close(fd);
        unlink(tmp);
        free(tmp);
        return -EIO;
    }
    if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        *err = fvi_asprintf("cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -EIO;
    }
    free(tmp);
    return 0;
}

/* RFC 4180 quoting where needed. */
static void csv_field(char **buf, size_t *len, size_t *cap, const char *s)
{
    bool quote = strpbrk(s, ",\"\n\r") != NULL;
    size_t need = strlen(s) * 2 + 4;
    if (*len + need >= *cap) {
        *cap = (*len + need) * 2;
        *buf = fvi_xrealloc(*buf, *cap);
    }
    char *o = *buf + *len;
    if (quote)
        *o++ = '"';
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            *o++ = '"';
        *o++ = *c;
    }
    if (quote)
        *o++ = '"';
    *o = '\0';
    *len = (size_t) (o - *buf);
}

static void csv_append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t l = strlen(s);
    if (*len + l + 1 >= *cap) {
        *cap = (*len + l + 1) * 2;
        *buf = fvi_xrealloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, l + 1);
    *len += l;
}

char *fvi_results_csv(const fvi_run *run)
{
    size_t len = 0, cap = 256;
    char *buf = fvi_xcalloc(1, cap);
    csv_append(&buf, &len, &cap, "index,video,reference");
    for (size_t m = 0; m < run->n_metrics; m++) {
        if (run->metrics[m].metric->desc->flags & FVEVAL_PLUGIN_SET_METRIC)
            continue;
        csv_append(&buf, &len, &cap, ",");
        csv_field(&buf, &len, &cap, run->metrics[m].metric->name);
    }
    csv_append(&buf, &len, &cap, "\n");
    for (size_t i = 0; i < run->samples.n; i++) {
        const fvi_sample *s = run->samples.v[i];
        if (s->is_reference)
            continue;
        char num[64];
        snprintf(num, sizeof(num), "%lld,", (long long) s->index);
        csv_append(&buf, &len, &cap, num);
        const char *v = fvi_sample_path(s, "video"), *r = fvi_sample_path(s, "reference");
        csv_field(&buf, &len, &cap, v ? v : "");
        csv_append(&buf, &len, &cap, ",");
        csv_field(&buf, &len, &cap, r ? r : "");
        for (size_t m = 0; m < run->n_metrics; m++) {
            if (run->metrics[m].metric->desc->flags & FVEVAL_PLUGIN_SET_METRIC)
                continue;
            csv_append(&buf, &len, &cap, ",");
            if (scored(run, i, m)) {
                csv_append(&buf, &len, &cap,
                           fvi_format_double(num, run->results[i * run->n_metrics + m].score));
            }
        }
        csv_append(&buf, &len, &cap, "\n");
    }
    return buf;
}

void fvi_results_print_table(const json_t *doc, FILE *out)
{
    json_t *summary = json_object_get(doc, "summary"), *corpus = json_object_get(doc, "corpus");
    json_t *metrics = json_object_get(json_object_get(doc, "run"), "metrics");
    fprintf(out, "%-34s %6s %8s  %-26s %s\n", "metric", "n", "skipped", "mean ± std", "better");
    const char *name;
    json_t *mi;
    json_object_foreach(metrics, name, mi) {
        json_t *s = json_object_get(summary, name);
        json_t *c = json_object_get(corpus, name);
        if (s) {
            json_t *mean = json_object_get(s, "mean"), *sd = json_object_get(s, "std");
            char val[64] = "-";
            if (json_is_number(mean))
                snprintf(val, sizeof(val), "%.6g ± %.3g", json_number_value(mean), json_number_value(sd));
            const char *dir = json_string_value(json_object_get(s, "direction"));
            fprintf(out, "%-34s %6lld %8lld  %-26s %s\n", name,
                    (long long) json_integer_value(json_object_get(s, "n")),
                    (long long) json_integer_value(json_object_get(s, "skipped")), val,
                    dir ? dir : "-");
        }
        if (c) {
            json_t *score = json_object_get(c, "score");
            char val[256];
            if (json_is_number(score))
                snprintf(val, sizeof(val), "%.6g", json_number_value(score));
            else if (json_is_string(json_object_get(c, "error")))
                snprintf(val, sizeof(val), "error: %s", json_string_value(json_object_get(c, "error")));
            else if (json_is_string(json_object_get(c, "skipped")))
                snprintf(val, sizeof(val), "skipped: %s", json_string_value(json_object_get(c, "skipped")));
            else
                snprintf(val, sizeof(val), "skipped: no score");
            fprintf(out, "%-34s %6s %8s  %s\n", s ? "  (corpus)" : name, "", "", val);
        }
    }
}
