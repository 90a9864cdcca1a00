/* SPDX-License-Identifier: Apache-2.0 */
/* Third-person camera kinematics and its inputs (thirdperson.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "thirdperson.h"

static int fail(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* @p json parsed; a JSON string is taken as the path of a .json file and that file parsed. */
static json_t *load_value(const char *json, const char *what, char *why, size_t whylen)
{
    json_error_t e;
    json_t *v = json_loads(json, JSON_DECODE_ANY, &e);
    if (!v) {
        fail(why, whylen, "'%s' is not JSON: %s", what, e.text);
        return NULL;
    }
    if (!json_is_string(v))
        return v;
    char *path = strdup(json_string_value(v));
    json_decref(v);
    if (!path)
        return NULL;
    v = json_load_file(path, JSON_DECODE_ANY, &e);
    if (!v)
        fail(why, whylen, "'%s' file %s: %s", what, path, e.text);
    free(path);
    return v;
}

static int calibration_of(json_t *v, tp_calibration *cal, char *why, size_t whylen)
{
    static const struct {
        const char *key;
        size_t off;
        int required;
    } keys[] = {
        {"alpha_yaw", offsetof(tp_calibration, alpha_yaw), 1},
        {"alpha_pitch", offsetof(tp_calibration, alpha_pitch), 1},
        {"alpha_turn", offsetof(tp_calibration, alpha_turn), 1},
        {"beta_fwd", offsetof(tp_calibration, beta_fwd), 1},
        {"beta_strafe", offsetof(tp_calibration, beta_strafe), 1},
        {"focal_length", offsetof(tp_calibration, focal_length), 1},
        {"r_z", offsetof(tp_calibration, r_z), 0},
        {"r_y", offsetof(tp_calibration, r_y), 0},
        {"init_pitch", offsetof(tp_calibration, init_pitch), 0},
    };
    int r = 0;
    memset(cal, 0, sizeof(*cal));
    if (!json_is_object(v)) {
        r = fail(why, whylen, "'calibration' must be an object (or the path of a .json file holding one)");
        goto out;
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *x = json_object_get(v, keys[i].key);
        double *dst = (double *) ((char *) cal + keys[i].off);
        if (!x && !keys[i].required)
            continue;
        if (!x) {
            r = fail(why, whylen, "calibration lacks '%s'", keys[i].key);
            goto out;
        }
        if (!json_is_number(x) || !isfinite(json_number_value(x))) {
            r = fail(why, whylen, "calibration '%s' is not a finite number", keys[i].key);
            goto out;
        }
        *dst = json_number_value(x);
    }
    if (cal->focal_length == 0)
        r = fail(why, whylen, "calibration 'focal_length' is 0");
out:
    json_decref(v);
    return r;
}

int tp_calibration_parse(const char *json, tp_calibration *cal, char *why, size_t whylen)
{
    json_t *v = load_value(json, "calibration", why, whylen);
    return v ? calibration_of(v, cal, why, whylen) : -EINVAL;
}

int tp_calibration_load(const char *path, tp_calibration *cal, char *why, size_t whylen)
{
    json_error_t e;
    json_t *v = json_load_file(path, 0, &e);
    if (!v)
        return fail(why, whylen, "calibration file %s: %s", path, e.text);
    return calibration_of(v, cal, why, whylen);
}

/* ---- .npy (2-D, C order, numeric or bool) ---------------------------------------- */

static int npy_load(const char *path, double **out, int *rows, int *cols, char *why, size_t whylen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return fail(why, whylen, "cannot open %s: %s", path, strerror(errno));
    unsigned char pre[12];
    char *hdr = NULL;
    double *data = NULL;
    int r = -EINVAL;
    if (fread(pre, 1, 10, fp) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        r = fail(why, whylen, "%s is not a .npy file", path);
        goto out;
    }
    size_t hlen = pre[8] | (size_t) pre[9] << 8;
    if (pre[6] >= 2) {
        if (fread(pre + 10, 1, 2, fp) != 2)
            goto bad;
        hlen |= (size_t) pre[10] << 16 | (size_t) pre[11] << 24;
    }
    if (hlen > 1 << 16 || !(hdr = calloc(1, hlen + 1)) || fread(hdr, 1, hlen, fp) != hlen)
        goto bad;
    const char *d = strstr(hdr, "'descr': '");
    char kind = 0;
    int size = 0;
    if (d) {
        d += 10;
        if ((d[0] == '<' || d[0] == '|') && d[1] && d[2] >= '1' && d[2] <= '8' && d[3] == '\'') {
            kind = d[1];
            size = d[2] - '0';
        }
    }
    int ok_type = (kind == 'f' && (size == 4 || size == 8)) || ((kind == 'i' || kind == 'u') &&
                  (size == 1 || size == 2 || size == 4 || size == 8)) || (kind == 'b' && size == 1);
    if (!ok_type || !strstr(hdr, "'fortran_order': False")) {
        r = fail(why, whylen, "%s: want a C-order array of numbers or booleans", path);
        goto out;
    }
    const char *sh = strstr(hdr, "'shape': (");
    long long a = 0, b = 0;
    if (!sh || sscanf(sh, "'shape': (%lld, %lld)", &a, &b) != 2 || a < 0 || b < 1 || a > (1 << 24) || b > 64) {
        r = fail(why, whylen, "%s: want a 2-D (frames x values) array", path);
        goto out;
    }
    size_t n = (size_t) a * (size_t) b;
    if (!(data = malloc((n ? n : 1) * sizeof(double)))) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char raw[8];
        if (fread(raw, 1, (size_t) size, fp) != (size_t) size)
            goto bad;
        double x;
        if (kind == 'f' && size == 4) {
            float f;
            memcpy(&f, raw, 4);
            x = f;
        } else if (kind == 'f') {
            memcpy(&x, raw, 8);
        } else {
            uint64_t u = 0;
            for (int k = size - 1; k >= 0; k--)
                u = u << 8 | raw[k];
            if (kind == 'i' && size < 8 && (u >> (8 * size - 1)) & 1)
                u |= ~(uint64_t) 0 << (8 * size); /* sign-extend */
            x = kind == 'i' ? (double) (int64_t) u : (double) u;
        }
        data[i] = x;
    }
    *out = data;
    *rows = (int) a;
    *cols = (int) b;
    data = NULL;
    r = 0;
    goto out;
bad:
    r = fail(why, whylen, "%s: truncated or malformed .npy", path);
out:
    free(data);
    free(hdr);
    fclose(fp);
    return r;
}

/* One (T, cols) table from a JSON array of rows or a string naming a .npy/.json file. */
static int table_load(json_t *x, const char *what, double **out, int *rows, int *cols, char *why, size_t whylen)
{
    json_t *owned = NULL;
    if (json_is_string(x)) {
        const char *path = json_string_value(x);
        size_t len = strlen(path);
        if (len > 4 && strcmp(path + len - 4, ".npy") == 0)
            return npy_load(path, out, rows, cols, why, whylen);
        json_error_t e;
        if (!(owned = x = json_load_file(path, 0, &e)))
            return fail(why, whylen, "actions '%s' file %s: %s", what, path, e.text);
    }
    int r = 0;
    size_t nr = json_is_array(x) ? json_array_size(x) : 0;
    json_t *row0 = nr ? json_array_get(x, 0) : NULL;
    size_t nc = json_is_array(row0) ? json_array_size(row0) : 0;
    if (!json_is_array(x) || (nr && !nc)) {
        r = fail(why, whylen, "actions '%s' must be an array of rows (or a .npy/.json path)", what);
        goto out;
    }
    double *d = malloc((nr && nc ? nr * nc : 1) * sizeof(double));
    if (!d) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < nr; i++) {
        json_t *row = json_array_get(x, i);
        if (!json_is_array(row) || json_array_size(row) != nc) {
            free(d);
            r = fail(why, whylen, "actions '%s' row %zu has %zu values, row 0 has %zu", what, i,
                     json_is_array(row) ? json_array_size(row) : 0, nc);
            goto out;
        }
        for (size_t j = 0; j < nc; j++) {
            json_t *e = json_array_get(row, j);
            if (json_is_boolean(e))
                d[i * nc + j] = json_is_true(e);
            else if (json_is_number(e))
                d[i * nc + j] = json_number_value(e);
            else {
                free(d);
                r = fail(why, whylen, "actions '%s'[%zu][%zu] is not a number", what, i, j);
                goto out;
            }
        }
    }
    *out = d;
    *rows = (int) nr;
    *cols = (int) nc;
out:
    json_decref(owned);
    return r;
}

static int check_finite(const double *d, int rows, int cols, const char *what, char *why, size_t whylen)
{
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            if (!isfinite(d[(size_t) i * cols + j]))
                return fail(why, whylen, "actions '%s'[%d][%d] is not finite", what, i, j);
    return 0;
}

int tp_actions_parse(const char *json, tp_actions *act, char *why, size_t whylen)
{
    memset(act, 0, sizeof(*act));
    json_t *v = load_value(json, "actions", why, whylen);
    if (!v)
        return -EINVAL;
    int r, mc = 0;
    json_t *kb = json_is_object(v) ? json_object_get(v, "keyboard") : NULL;
    json_t *mo = json_is_object(v) ? json_object_get(v, "mouse") : NULL;
    if (!kb || !mo) {
        r = fail(why, whylen, "'actions' must be an object with 'keyboard' (T, 6) and 'mouse' (T, 2)");
        goto out;
    }
    if ((r = table_load(kb, "keyboard", &act->keyboard, &act->kb_rows, &act->kb_cols, why, whylen)) < 0 ||
        (r = table_load(mo, "mouse", &act->mouse, &act->mouse_rows, &mc, why, whylen)) < 0)
        goto out;
    if (act->kb_rows && (act->kb_cols < 4 || act->kb_cols > 6))
        r = fail(why, whylen, "actions 'keyboard' has %d columns, want 6 (W, S, A, D, turn_left, turn_right)",
                 act->kb_cols);
    else if (act->mouse_rows && mc != 2)
        r = fail(why, whylen, "actions 'mouse' has %d columns, want 2 (pitch, yaw)", mc);
    else if ((r = check_finite(act->keyboard, act->kb_rows, act->kb_cols, "keyboard", why, whylen)) == 0)
        r = check_finite(act->mouse, act->mouse_rows, 2, "mouse", why, whylen);
out:
    json_decref(v);
    if (r < 0)
        tp_actions_free(act);
    return r;
}

void tp_actions_free(tp_actions *act)
{
    free(act->keyboard);
    free(act->mouse);
    act->keyboard = act->mouse = NULL;
}

void tp_flow(const tp_calibration *cal, const tp_actions *act, int i, double mouse_pitch_sign, int h,
             int w, float *flow)
{
    const double *kb = act->keyboard + (size_t) i * act->kb_cols, *mo = act->mouse + (size_t) i * 2;
    double pitch = mo[0] * mouse_pitch_sign, yaw = mo[1];
    double wx = cal->alpha_pitch * pitch;
    double wy = cal->alpha_yaw * yaw + (act->kb_cols >= 6 ? cal->alpha_turn * (kb[5] - kb[4]) : 0.0);
    double wz = 0.0;
    /* T_orbit = -(w x r), r = (0, r_y, r_z), as np.cross computes it */
    double cx = wy * cal->r_z - wz * cal->r_y, cy = wz * 0.0 - wx * cal->r_z, cz = wx * cal->r_y - wy * 0.0;
    double tx = cal->beta_strafe * (kb[3] - kb[2]) + -cx;
    double ty = 0.0 + -cy;
    double tz = cal->beta_fwd * (kb[0] - kb[1]) + -cz;
    double f = cal->focal_length;
    size_t hw = (size_t) h * w;
    for (int yi = 0; yi < h; yi++) {
        double y = (double) yi - h / 2.0;
        for (int xi = 0; xi < w; xi++) {
            double x = (double) xi - w / 2.0;
            double u = (x * y / f) * wx - (f + x * x / f) * wy + y * wz - f * tx + x * tz;
            double v = (f + y * y / f) * wx - (x * y / f) * wy - x * wz - f * ty + y * tz;
            flow[(size_t) yi * w + xi] = (float) u;
            flow[hw + (size_t) yi * w + xi] = (float) v;
        }
    }
}
