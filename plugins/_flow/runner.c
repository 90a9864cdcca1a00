/* SPDX-License-Identifier: Apache-2.0 */
/* Padding and batched model calls on frame pairs (flow.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

void fvf_pad_init(fvf_pad *p, int h, int w, int divisor)
{
    int ph = (((h / divisor) + 1) * divisor - h) % divisor;
    int pw = (((w / divisor) + 1) * divisor - w) % divisor;
    p->h = h;
    p->w = w;
    p->hp = h + ph;
    p->wp = w + pw;
    p->top = ph / 2;
    p->left = pw / 2;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

void fvf_frame_padded(const fveval_video *v, int t, const fvf_pad *pad, float divisor, int bgr,
                      float *dst)
{
    size_t plane = (size_t) pad->hp * pad->wp;
    for (int y = 0; y < pad->hp; y++) {
        const uint8_t *row = fveval_video_pixel(v, t, clampi(y - pad->top, 0, pad->h - 1), 0);
        float *o[3];
        for (int c = 0; c < 3; c++)
            o[c] = dst + (size_t) (bgr ? 2 - c : c) * plane + (size_t) y * pad->wp;
        for (int x = 0; x < pad->wp; x++) {
            const uint8_t *px = row + 3 * clampi(x - pad->left, 0, pad->w - 1);
            for (int c = 0; c < 3; c++)
                o[c][x] = divisor == 1.0f ? (float) px[c] : (float) px[c] / divisor;
        }
    }
}

int fvf_raft_pairs_per_call(int hp, int wp, int chunk)
{
    long long h8 = hp / 8 > 1 ? hp / 8 : 1, w8 = wp / 8 > 1 ? wp / 8 : 1;
    long long lim = (1LL << 30) / (h8 * h8 * w8 * w8);
    if (lim < 1)
        lim = 1;
    return chunk < lim ? chunk : (int) lim;
}

int fvf_runner_init(fvf_runner *r, fveval_ctx *ctx, fveval_model *model, fvf_kind kind, int h,
                    int w, int cap, double amt_scale)
{
    memset(r, 0, sizeof(*r));
    r->ctx = ctx;
    r->model = model;
    r->kind = kind;
    r->cap = cap < 1 ? 1 : cap;
    r->amt_scale = amt_scale;
    int divisor = 1;
    if (kind == FVF_RAFT)
        divisor = 8;
    else if (kind == FVF_AMT)
        divisor = (int) (16.0 / amt_scale); /* upstream: padding = int(16 / scale) */
    if (divisor < 1 || h < 1 || w < 1) {
        snprintf(r->err, sizeof(r->err), "bad frame size %dx%d or padding divisor %d", w, h, divisor);
        return -EINVAL;
    }
    fvf_pad_init(&r->pad, h, w, divisor);
    size_t per_pair = 2 * 3 * (size_t) r->pad.hp * r->pad.wp;
    r->in = malloc((size_t) r->cap * per_pair * sizeof(float));
    if (kind == FVF_AMT)
        r->embt = malloc((size_t) r->cap * sizeof(float));
    if (!r->in || (kind == FVF_AMT && !r->embt)) {
        snprintf(r->err, sizeof(r->err), "out of memory for %d pairs of %dx%d", r->cap, r->pad.wp,
                 r->pad.hp);
        fvf_runner_free(r);
        return -ENOMEM;
    }
    return 0;
}

int fvf_runner_add(fvf_runner *r, const fveval_video *va, int ta, const fveval_video *vb, int tb)
{
    if (r->n >= r->cap)
        return -ENOSPC;
    size_t img = 3 * (size_t) r->pad.hp * r->pad.wp;
    float *a, *b;
    if (r->kind == FVF_PTLFLOW) {
        a = r->in + (size_t) r->n * 2 * img;
        b = a + img;
    } else {
        a = r->in + (size_t) r->n * img;
        b = r->in + (size_t) (r->cap + r->n) * img;
    }
    /* RAFT gets 0..255 (video * 255 of byte / 255 is the byte); the others byte / 255. */
    float div = r->kind == FVF_RAFT ? 1.0f : 255.0f;
    int bgr = r->kind == FVF_PTLFLOW;
    fvf_frame_padded(va, ta, &r->pad, div, bgr, a);
    fvf_frame_padded(vb, tb, &r->pad, div, bgr, b);
    if (r->kind == FVF_AMT)
        r->embt[r->n] = 0.5f;
    r->n++;
    return 0;
}

static void drop_output(fvf_runner *r)
{
    fveval_tensor_free(r->ctx, r->out);
    r->out = NULL;
    r->out_data = NULL;
}

int fvf_runner_run(fvf_runner *r)
{
    int n = r->n;
    r->n = 0;
    drop_output(r);
    if (!n)
        return 0;
    size_t img = 3 * (size_t) r->pad.hp * r->pad.wp;
    int64_t s1[4] = {n, 3, r->pad.hp, r->pad.wp};
    int64_t s5[5] = {n, 2, 3, r->pad.hp, r->pad.wp};
    int64_t se[4] = {n, 1, 1, 1};
    fveval_arg args[4];
    size_t nargs;
    const char *what;
    /* The second frames sit at in + cap * img; with a partial batch move them next to the first. */
    if (r->kind != FVF_PTLFLOW && n < r->cap)
        memmove(r->in + (size_t) n * img, r->in + (size_t) r->cap * img, (size_t) n * img * sizeof(float));
    switch (r->kind) {
    case FVF_RAFT:
        args[0] = FVEVAL_ARG_TENSOR_OF(4, s1, r->in);
        args[1] = FVEVAL_ARG_TENSOR_OF(4, s1, r->in + (size_t) n * img);
        args[2] = FVEVAL_ARG_INT_OF("iters", 20);
        args[3] = FVEVAL_ARG_BOOL_OF("test_mode", 1);
        nargs = 4;
        what = "RAFT";
        break;
    case FVF_AMT:
        args[0] = FVEVAL_ARG_TENSOR_OF(4, s1, r->in);
        args[1] = FVEVAL_ARG_TENSOR_OF(4, s1, r->in + (size_t) n * img);
        args[2] = FVEVAL_ARG_TENSOR_OF(4, se, r->embt);
        args[3] = (fveval_arg){.type = FVEVAL_ARG_DOUBLE, .d = r->amt_scale, .name = "scale_factor"};
        nargs = 4;
        what = "AMT";
        break;
    default:
        args[0] = FVEVAL_ARG_TENSOR_OF(5, s5, r->in);
        nargs = 1;
        what = "flow model";
        break;
    }
    fveval_tensor *outs[2] = {NULL, NULL};
    int got = fveval_model_run(r->ctx, r->model, "forward", args, nargs, outs, 2);
    if (got < 0) {
        snprintf(r->err, sizeof(r->err), "%s failed: %s", what, fveval_model_error(r->ctx));
        return got;
    }
    /* RAFT returns (flow_low, flow_up): keep flow_up. */
    int pick = r->kind == FVF_RAFT ? 1 : 0;
    if (got <= pick || got > 2 || !outs[pick]) {
        snprintf(r->err, sizeof(r->err), "%s returned %d tensor(s), want %s", what, got,
                 r->kind == FVF_RAFT ? "(flow_low, flow_up)" : "one");
        for (int i = 0; i < 2; i++)
            fveval_tensor_free(r->ctx, outs[i]);
        return -EINVAL;
    }
    for (int i = 0; i < 2; i++)
        if (i != pick)
            fveval_tensor_free(r->ctx, outs[i]);
    r->out = outs[pick];
    int64_t sh[5] = {0, 0, 0, 0, 0};
    int nd = fveval_tensor_shape(r->ctx, r->out, sh, 5);
    int want_c = r->kind == FVF_AMT ? 3 : 2;
    int want_h = r->kind == FVF_PTLFLOW ? r->pad.h : r->pad.hp;
    int want_w = r->kind == FVF_PTLFLOW ? r->pad.w : r->pad.wp;
    /* ptlflow returns (B, 1, 2, H, W): one flow per pair; take it as (B, 2, H, W). */
    if (nd == 5 && sh[1] == 1) {
        for (int i = 1; i < 4; i++)
            sh[i] = sh[i + 1];
        nd = 4;
    }
    if (nd != 4 || sh[0] != n || sh[1] != want_c || sh[2] != want_h || sh[3] != want_w) {
        snprintf(r->err, sizeof(r->err),
                 "%s output has shape (%lld, %lld, %lld, %lld%s), want (%d, %d, %d, %d)", what,
                 (long long) sh[0], (long long) sh[1], (long long) sh[2], (long long) sh[3],
                 nd > 4 ? ", ..." : "", n, want_c, want_h, want_w);
        drop_output(r);
        return -EINVAL;
    }
    r->out_data = fveval_tensor_data(r->ctx, r->out);
    r->out_c = want_c;
    r->out_h = want_h;
    r->out_w = want_w;
    return 0;
}

void fvf_runner_free(fvf_runner *r)
{
    drop_output(r);
    free(r->in);
    free(r->embt);
    r->in = NULL;
    r->embt = NULL;
}
