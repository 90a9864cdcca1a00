/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed option tables (AVOption-style): defaults, parsing of
 * "key=value:key=value", type and range checks, help text.  Plugins never
 * parse option strings themselves.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fveval-core.h"

#define OPT_PTR(priv, opt, type) ((type *) ((char *) (priv) + (opt)->offset))
#define OPT_CPTR(priv, opt, type) ((const type *) ((const char *) (priv) + (opt)->offset))

static size_t opt_storage_size(fveval_opt_type t)
{
    switch (t) {
    case FVEVAL_OPT_BOOL:
    case FVEVAL_OPT_ENUM:
        return sizeof(int);
    case FVEVAL_OPT_INT:
        return sizeof(int64_t);
    case FVEVAL_OPT_DOUBLE:
        return sizeof(double);
    case FVEVAL_OPT_STRING:
        return sizeof(char *);
    default:
        return 0;
    }
}

const char *fvi_option_type_name(fveval_opt_type t)
{
    switch (t) {
    case FVEVAL_OPT_BOOL:
        return "bool";
    case FVEVAL_OPT_INT:
        return "int";
    case FVEVAL_OPT_DOUBLE:
        return "double";
    case FVEVAL_OPT_STRING:
        return "string";
    case FVEVAL_OPT_ENUM:
        return "enum";
    default:
        return "unknown";
    }
}

size_t fvi_option_count(const fveval_option *opts)
{
    size_t n = 0;
    while (opts && opts[n].name)
        n++;
    return n;
}

const fveval_option *fvi_option_find(const fveval_option *opts, const char *name)
{
    for (size_t i = 0; opts && opts[i].name; i++)
        if (strcmp(opts[i].name, name) == 0)
            return &opts[i];
    return NULL;
}

static bool has_range(const fveval_option *opt)
{
    return !(opt->min == 0 && opt->max == 0);
}

static size_t enum_count(const fveval_option *opt)
{
    size_t n = 0;
    while (opt->enum_names && opt->enum_names[n])
        n++;
    return n;
}

static char *enum_list(const fveval_option *opt)
{
    size_t len = 1;
    for (size_t i = 0; i < enum_count(opt); i++)
        len += strlen(opt->enum_names[i]) + 2;
    char *s = fvi_xcalloc(1, len);
    for (size_t i = 0; i < enum_count(opt); i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, opt->enum_names[i]);
    }
    return s;
}

void fvi_options_apply_defaults(const fveval_option *opts, void *priv)
{
    for (size_t i = 0; opts && opts[i].name; i++) {
        const fveval_option *o = &opts[i];
        switch (o->type) {
        case FVEVAL_OPT_BOOL:
        case FVEVAL_OPT_ENUM:
            *OPT_PTR(priv, o, int) = (int) o->def.i64;
            break;
        case FVEVAL_OPT_INT:
            *OPT_PTR(priv, o, int64_t) = o->def.i64;
            break;
        case FVEVAL_OPT_DOUBLE:
            *OPT_PTR(priv, o, double) = o->def.dbl;
            break;
        case FVEVAL_OPT_STRING: {
            char **slot = OPT_PTR(priv, o, char *);
            free(*slot);
            *slot = fvi_xstrdup(o->def.str);
            break;
        }
        default:
            break;
        }
    }
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -EINVAL;
}

/* "option 'x': VALUE is out of range [min, max]" (or of the type's own range). */
static char *out_of_range(const fveval_option *o, const char *value)
{
    char lo[FVI_DOUBLE_BUFSZ], hi[FVI_DOUBLE_BUFSZ];
    if (has_range(o))
        return fvi_asprintf("option '%s': %s is out of range [%s, %s]", o->name, value,
                            fvi_format_double(lo, o->min), fvi_format_double(hi, o->max));
    return fvi_asprintf("option '%s': %s is out of range for %s %s", o->name, value,
                        o->type == FVEVAL_OPT_INT ? "a 64-bit" : "a", fvi_option_type_name(o->type));
}

int fvi_option_set(const fveval_option *o, void *priv, const char *value, char **err)
{
    char *end = NULL;
    switch (o->type) {
    case FVEVAL_OPT_BOOL: {
        int b;
        if (parse_bool(value, &b) < 0) {
            *err = fvi_asprintf("option '%s': '%s' is not a boolean (use true/false, 1/0, yes/no, on/off)",
                                o->name, value);
            return -EINVAL;
        }
        *OPT_PTR(priv, o, int) = b;
        return 0;
    }
    case FVEVAL_OPT_INT: {
        errno = 0;
        long long v = strtoll(value, &end, 0);
        if (!*value || *end) {
            *err = fvi_asprintf("option '%s': '%s' is not an integer", o->name, value);
            return -EINVAL;
        }
        /* A well-formed integer too large for 64 bits is a range problem, not a syntax one. */
        if (errno == ERANGE || (has_range(o) && ((double) v < o->min || (double) v > o->max))) {
            *err = out_of_range(o, value);
            return -EINVAL;
        }
        *OPT_PTR(priv, o, int64_t) = (int64_t) v;
        return 0;
    }
    case FVEVAL_OPT_DOUBLE: {
        errno = 0;
        double v = strtod(value, &end);
        if (!*value || *end || (errno != ERANGE && !isfinite(v))) {
            *err = fvi_asprintf("option '%s': '%s' is not a finite number", o->name, value);
            return -EINVAL;
        }
        /*
         * ERANGE: a well-formed number beyond a double (1e400) or so close to
         * zero that it underflows (1e-320).  Either way the value cannot be
         * taken as written: say it is out of range, not that it is no number.
         */
        if (errno == ERANGE || (has_range(o) && (v < o->min || v > o->max))) {
            *err = out_of_range(o, value);
            return -EINVAL;
        }
        *OPT_PTR(priv, o, double) = v;
        return 0;
    }
    case FVEVAL_OPT_STRING: {
        char **slot = OPT_PTR(priv, o, char *);
        free(*slot);
        *slot = fvi_xstrdup(value);
        return 0;
    }
    case FVEVAL_OPT_ENUM:
        for (size_t i = 0; i < enum_count(o); i++) {
            if (strcmp(o->enum_names[i], value) == 0) {
                *OPT_PTR(priv, o, int) = (int) i;
                return 0;
            }
        }
        {
            char *list = enum_list(o);
            *err = fvi_asprintf("option '%s': '%s' is not one of: %s", o->name, value, list);
            free(list);
        }
        return -EINVAL;
    default:
        *err = fvi_asprintf("option '%s' has an unknown type", o->name);
        return -EINVAL;
    }
}

static char *valid_keys(const fveval_option *opts)
{
    size_t len = 1;
    for (size_t i = 0; opts && opts[i].name; i++)
        len += strlen(opts[i].name) + 2;
    char *s = fvi_xcalloc(1, len);
    for (size_t i = 0; opts && opts[i].name; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, opts[i].name);
    }
    return s;
}

/* Next ':'-separated item of @p *p, unescaping "\:" and "\\". */
static char *next_item(const char **p)
{
    const char *s = *p;
    char *out = fvi_xmalloc(strlen(s) + 1), *o = out;
    while (*s && *s != ':') {
        if (*s == '\\' && (s[1] == ':' || s[1] == '\\'))
            s++;
        *o++ = *s++;
    }
    *o = '\0';
    *p = *s ? s + 1 : s;
    return out;
}

int fvi_options_parse(const char *metric, const fveval_option *opts, void *priv, const char *spec,
                      char **err)
{
    const char *p = spec;
    /* Which options this spec already set: "k=1:k=2" is refused, not last-wins, since a
     * repeated key is almost always a typo for another key and would hide it. */
    bool *seen = fvi_xcalloc(fvi_option_count(opts) + 1, sizeof(bool));
    int ret = 0;
    while (!ret && p && *p) {
        char *item = next_item(&p);
        if (!*item) {
            free(item);
            continue;
        }
        char *eq = strchr(item, '=');
        if (!eq) {
            *err = fvi_asprintf("%s: option '%s' has no value (write %s=VALUE)", metric, item,
                                item);
            free(item);
            ret = -EINVAL;
            break;
        }
        *eq = '\0';
        const fveval_option *o = fvi_option_find(opts, item);
        if (!o) {
            char *keys = valid_keys(opts);
            *err = fvi_asprintf("%s: unknown option '%s'; valid options: %s", metric, item,
                                *keys ? keys : "(none)");
            free(keys);
            free(item);
            ret = -EINVAL;
            break;
        }
        if (seen[o - opts]) {
            *err = fvi_asprintf("%s: option '%s' is given twice; give each option once", metric, item);
            free(item);
            ret = -EINVAL;
            break;
        }
        seen[o - opts] = true;
        char *e = NULL;
        if (fvi_option_set(o, priv, eq + 1, &e) < 0) {
            *err = fvi_asprintf("%s: %s", metric, e);
            free(e);
            free(item);
            ret = -EINVAL;
            break;
        }
        free(item);
    }
    free(seen);
    return ret;
}

void fvi_options_free(const fveval_option *opts, void *priv)
{
    for (size_t i = 0; opts && opts[i].name; i++) {
        if (opts[i].type == FVEVAL_OPT_STRING) {
            char **slot = OPT_PTR(priv, &opts[i], char *);
            free(*slot);
            *slot = NULL;
        }
    }
}

static char *format_number(double v)
{
    char buf[FVI_DOUBLE_BUFSZ];
    return fvi_xstrdup(fvi_format_double(buf, v));
}

char *fvi_option_value_string(const fveval_option *o, const void *priv)
{
    switch (o->type) {
    case FVEVAL_OPT_BOOL:
        return fvi_xstrdup(*OPT_CPTR(priv, o, int) ? "true" : "false");
    case FVEVAL_OPT_INT:
        return fvi_asprintf("%lld", (long long) *OPT_CPTR(priv, o, int64_t));
    case FVEVAL_OPT_DOUBLE:
        return format_number(*OPT_CPTR(priv, o, double));
    case FVEVAL_OPT_STRING: {
        const char *s = *OPT_CPTR(priv, o, char *);
        return fvi_xstrdup(s ? s : "");
    }
    case FVEVAL_OPT_ENUM: {
        int i = *OPT_CPTR(priv, o, int);
        if (i >= 0 && (size_t) i < enum_count(o))
            return fvi_xstrdup(o->enum_names[i]);
        return fvi_asprintf("%d", i);
    }
    default:
        return fvi_xstrdup("?");
    }
}

char *fvi_option_default_string(const fveval_option *o)
{
    switch (o->type) {
    case FVEVAL_OPT_BOOL:
        return fvi_xstrdup(o->def.i64 ? "true" : "false");
    case FVEVAL_OPT_INT:
        return fvi_asprintf("%lld", (long long) o->def.i64);
    case FVEVAL_OPT_DOUBLE:
        return format_number(o->def.dbl);
    case FVEVAL_OPT_STRING:
        return fvi_xstrdup(o->def.str ? o->def.str : "");
    case FVEVAL_OPT_ENUM:
        if (o->def.i64 >= 0 && (size_t) o->def.i64 < enum_count(o))
            return fvi_xstrdup(o->enum_names[o->def.i64]);
        return fvi_asprintf("%lld", (long long) o->def.i64);
    default:
        return fvi_xstrdup("?");
    }
}

char *fvi_option_range_string(const fveval_option *o)
{
    char lo[FVI_DOUBLE_BUFSZ], hi[FVI_DOUBLE_BUFSZ];
    switch (o->type) {
    case FVEVAL_OPT_BOOL:
        return fvi_xstrdup("true|false");
    case FVEVAL_OPT_INT:
    case FVEVAL_OPT_DOUBLE:
        if (!has_range(o))
            return fvi_xstrdup("any");
        return fvi_asprintf("[%s, %s]", fvi_format_double(lo, o->min), fvi_format_double(hi, o->max));
    case FVEVAL_OPT_ENUM: {
        char *l = enum_list(o);
        for (char *c = l; *c; c++)
            if (*c == ',' && c[1] == ' ')
                *c = '|';
        /* "a| b" -> "a|b" */
        char *r = l, *w = l;
        while (*r) {
            if (*r == ' ' && r > l && r[-1] == '|') {
                r++;
                continue;
            }
            *w++ = *r++;
        }
        *w = '\0';
        return l;
    }
    default:
        return fvi_xstrdup("text");
    }
}

char *fvi_options_validate(const fveval_option *opts, size_t priv_size)
{
    char lo[FVI_DOUBLE_BUFSZ], hi[FVI_DOUBLE_BUFSZ], def[FVI_DOUBLE_BUFSZ];
    for (size_t i = 0; opts && opts[i].name; i++) {
        const fveval_option *o = &opts[i];
        size_t sz = opt_storage_size(o->type);
        if (!sz)
            return fvi_asprintf("option '%s' has unknown type %d", o->name, (int) o->type);
        if (!*o->name)
            return fvi_xstrdup("an option has an empty name");
        if (o->offset + sz > priv_size)
            return fvi_asprintf("option '%s' lies outside priv_size (%zu)", o->name, priv_size);
        for (size_t j = 0; j < i; j++)
            if (strcmp(opts[j].name, o->name) == 0)
                return fvi_asprintf("option '%s' is declared twice", o->name);
        switch (o->type) {
        case FVEVAL_OPT_BOOL:
            if (o->def.i64 != 0 && o->def.i64 != 1)
                return fvi_asprintf("option '%s': default %lld is not a boolean", o->name,
                                    (long long) o->def.i64);
            break;
        case FVEVAL_OPT_INT:
            if (has_range(o) && ((double) o->def.i64 < o->min || (double) o->def.i64 > o->max))
                return fvi_asprintf("option '%s': default %lld is out of range [%s, %s]",
                                    o->name, (long long) o->def.i64,
                                    fvi_format_double(lo, o->min), fvi_format_double(hi, o->max));
            break;
        case FVEVAL_OPT_DOUBLE:
            if (!isfinite(o->def.dbl) || (has_range(o) && (o->def.dbl < o->min || o->def.dbl > o->max)))
                return fvi_asprintf("option '%s': default %s is out of range [%s, %s]",
                                    o->name, fvi_format_double(def, o->def.dbl),
                                    fvi_format_double(lo, o->min), fvi_format_double(hi, o->max));
            break;
        case FVEVAL_OPT_ENUM:
            if (enum_count(o) == 0)
                return fvi_asprintf("option '%s' is an enum without values", o->name);
            if (o->def.i64 < 0 || (size_t) o->def.i64 >= enum_count(o))
                return fvi_asprintf("option '%s': default index %lld has no enum value", o->name,
                                    (long long) o->def.i64);
            break;
        default:
            break;
        }
        if (has_range(o) && o->min > o->max)
            return fvi_asprintf("option '%s': min > max", o->name);
    }
    return NULL;
}
