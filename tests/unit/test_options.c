/* SPDX-License-Identifier: Apache-2.0 */
/* Option tables: defaults, parsing, type and range checks, validation. */
#include "config.h"

#include <stdlib.h>

#include "check.h"
#include "fveval-core.h"

typedef struct {
    int flag;
    int64_t count;
    double ratio;
    char *label;
    int mode;
} priv_t;

static const char *const modes[] = {"first", "last", NULL};

static const fveval_option opts[] = {
    {.name = "flag", .type = FVEVAL_OPT_BOOL, .offset = offsetof(priv_t, flag), .def.i64 = 1},
    {.name = "count", .type = FVEVAL_OPT_INT, .offset = offsetof(priv_t, count), .def.i64 = 5, .min = 1, .max = 100},
    {.name = "ratio", .type = FVEVAL_OPT_DOUBLE, .offset = offsetof(priv_t, ratio), .def.dbl = 0.5, .min = 0, .max = 1},
    {.name = "label", .type = FVEVAL_OPT_STRING, .offset = offsetof(priv_t, label), .def.str = "x"},
    {.name = "mode", .type = FVEVAL_OPT_ENUM, .offset = offsetof(priv_t, mode), .def.i64 = 0, .enum_names = modes},
    {.name = NULL},
};

static int parse(priv_t *p, const char *spec, char **err)
{
    *err = NULL;
    return fvi_options_parse("t.m", opts, p, spec, err);
}

int main(void)
{
    priv_t p = {0};
    char *err = NULL;

    fvi_options_apply_defaults(opts, &p);
    CHECK(p.flag == 1 && p.count == 5 && p.ratio == 0.5 && strcmp(p.label, "x") == 0 && p.mode == 0);

    CHECK(parse(&p, "flag=off:count=7:ratio=0.25:label=a\\:b:mode=last", &err) == 0);
    CHECK(p.flag == 0 && p.count == 7 && p.ratio == 0.25 && strcmp(p.label, "a:b") == 0 && p.mode == 1);

    CHECK(parse(&p, "bogus=1", &err) < 0);
    CHECK_STR_CONTAINS(err, "unknown option 'bogus'");
    CHECK_STR_CONTAINS(err, "flag, count, ratio, label, mode");
    free(err);

    CHECK(parse(&p, "count=1000", &err) < 0);
    CHECK_STR_CONTAINS(err, "out of range");
    free(err);
    CHECK(p.count == 7); /* a rejected value leaves the old one */

    CHECK(parse(&p, "count=abc", &err) < 0);
    CHECK_STR_CONTAINS(err, "not an integer");
    free(err);
    CHECK(parse(&p, "count=3.5", &err) < 0);
    free(err);
    CHECK(parse(&p, "ratio=nan", &err) < 0);
    CHECK_STR_CONTAINS(err, "not a finite number");
    free(err);
    CHECK(parse(&p, "ratio=-0.1", &err) < 0);
    free(err);
    /* Well-formed numbers a double or int64 cannot hold are out of range, not "no number". */
    CHECK(parse(&p, "ratio=1e-320", &err) < 0);
    CHECK_STR_CONTAINS(err, "option 'ratio': 1e-320 is out of range [0, 1]");
    free(err);
    CHECK(parse(&p, "ratio=1e400", &err) < 0);
    CHECK_STR_CONTAINS(err, "out of range");
    free(err);
    CHECK(parse(&p, "count=99999999999999999999", &err) < 0);
    CHECK_STR_CONTAINS(err, "out of range [1, 100]");
    free(err);
    {
        const fveval_option unbounded[] = {
            {.name = "x", .type = FVEVAL_OPT_DOUBLE, .offset = 0},
            {.name = NULL},
        };
        double x = 0;
        CHECK(fvi_options_parse("t.m", unbounded, &x, "x=1e-320", &err) < 0);
        CHECK_STR_CONTAINS(err, "option 'x': 1e-320 is out of range for a double");
        free(err);
    }
    /* A key given twice in one list is refused, not last-wins. */
    CHECK(parse(&p, "count=2:count=3", &err) < 0);
    CHECK_STR_CONTAINS(err, "option 'count' is given twice");
    free(err);
    CHECK(parse(&p, "flag=maybe", &err) < 0);
    CHECK_STR_CONTAINS(err, "not a boolean");
    free(err);
    CHECK(parse(&p, "mode=middle", &err) < 0);
    CHECK_STR_CONTAINS(err, "first, last");
    free(err);
    CHECK(parse(&p, "count", &err) < 0);
    CHECK_STR_CONTAINS(err, "has no value");
    free(err);
    CHECK(parse(&p, "", &err) == 0);

    char *s = fvi_option_range_string(&opts[4]);
    CHECK(strcmp(s, "first|last") == 0);
    free(s);
    s = fvi_option_range_string(&opts[1]);
    CHECK(strcmp(s, "[1, 100]") == 0);
    free(s);

    /* Validation of tables. */
    CHECK(fvi_options_validate(opts, sizeof(priv_t)) == NULL);
    char *why = fvi_options_validate(opts, 8);
    CHECK_STR_CONTAINS(why, "outside priv_size");
    free(why);
    const fveval_option dup[] = {
        {.name = "a", .type = FVEVAL_OPT_INT, .offset = 0},
        {.name = "a", .type = FVEVAL_OPT_INT, .offset = 8},
        {.name = NULL},
    };
    why = fvi_options_validate(dup, 64);
    CHECK_STR_CONTAINS(why, "declared twice");
    free(why);
    const fveval_option bad_def[] = {
        {.name = "a", .type = FVEVAL_OPT_DOUBLE, .def.dbl = 5, .min = 0, .max = 1},
        {.name = NULL},
    };
    why = fvi_options_validate(bad_def, 64);
    CHECK_STR_CONTAINS(why, "out of range");
    free(why);
    const fveval_option bad_enum[] = {
        {.name = "a", .type = FVEVAL_OPT_ENUM, .def.i64 = 2, .enum_names = modes},
        {.name = NULL},
    };
    why = fvi_options_validate(bad_enum, 64);
    CHECK_STR_CONTAINS(why, "no enum value");
    free(why);

    fvi_options_free(opts, &p);
    CHECK(p.label == NULL);
    return CHECK_DONE();
}
