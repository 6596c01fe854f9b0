// Descriptor validation: every field checked, every message names the field and its value.
#include "conv/conv.h"
#include "runtime/error.h"

namespace nn::conv {

namespace {

// Output length along one axis; throws when the dilated kernel does not fit the padded input.
int64_t out_len(int64_t in, int64_t kernel, int64_t stride, int64_t pad0, int64_t pad1, int64_t dil,
                const char* in_name, const char* k_name, const char* p0_name, const char* p1_name,
                const char* d_name) {
    int64_t extent = checked_add(checked_mul(dil, kernel - 1, "dilation * (kernel - 1)"), 1, "dilated kernel");
    int64_t padded = checked_add(checked_add(in, pad0, "padded input"), pad1, "padded input");
    if (extent > padded)
        invalid_argument("the dilated kernel (", d_name, " * (", k_name, " - 1) + 1 = ", extent,
                         ") must fit the padded input (", in_name, " + ", p0_name, " + ", p1_name, " = ", padded,
                         ") so that the output is at least 1. Received: ", in_name, "=", in, ", ", k_name, "=",
                         kernel, ", ", d_name, "=", dil, ", ", p0_name, "=", pad0, ", ", p1_name, "=", pad1);
    return (padded - extent) / stride + 1;
}

void finish(shape& p, const char* c_name, const char* k_name, const char* g_name) {
    if (p.c % p.groups != 0)
        invalid_argument(c_name, " must be divisible by ", g_name, ". Received: ", c_name, "=", p.c, ", ", g_name,
                         "=", p.groups);
    if (p.k % p.groups != 0)
        invalid_argument(k_name, " must be divisible by ", g_name, ". Received: ", k_name, "=", p.k, ", ", g_name,
                         "=", p.groups);
    p.cg = p.c / p.groups;
    p.kg = p.k / p.groups;
    p.crs = checked_mul(checked_mul(p.cg, p.r, "weight size"), p.s, "weight size");
    checked_mul(p.crs, p.k, "weight size");
    checked_mul(checked_mul(checked_mul(p.n, p.c, "input size"), p.h, "input size"), p.w, "input size");
    checked_mul(checked_mul(checked_mul(p.n, p.k, "output size"), p.oh, "output size"), p.ow, "output size");
    // Per-tile index arithmetic stays far from the int64 limit.
    checked_mul(checked_mul(p.crs, p.oh, "im2col size"), p.ow, "im2col size");
}

}  // namespace

shape validate(const nn_conv2d_desc& d) {
    check_positive(d.n, "desc->n");
    check_positive(d.c, "desc->c");
    check_positive(d.h, "desc->h");
    check_positive(d.w, "desc->w");
    check_positive(d.k, "desc->k");
    check_positive(d.r, "desc->r");
    check_positive(d.s, "desc->s");
    check_positive(d.stride_h, "desc->stride_h");
    check_positive(d.stride_w, "desc->stride_w");
    check_non_negative(d.pad_top, "desc->pad_top");
    check_non_negative(d.pad_bottom, "desc->pad_bottom");
    check_non_negative(d.pad_left, "desc->pad_left");
    check_non_negative(d.pad_right, "desc->pad_right");
    check_positive(d.dilation_h, "desc->dilation_h");
    check_positive(d.dilation_w, "desc->dilation_w");
    check_positive(d.groups, "desc->groups");
    shape p{};
    p.n = d.n, p.c = d.c, p.h = d.h, p.w = d.w, p.k = d.k, p.r = d.r, p.s = d.s;
    p.sh = d.stride_h, p.sw = d.stride_w, p.pt = d.pad_top, p.pb = d.pad_bottom, p.pl = d.pad_left,
    p.pr = d.pad_right, p.dh = d.dilation_h, p.dw = d.dilation_w, p.groups = d.groups;
    p.oh = out_len(p.h, p.r, p.sh, p.pt, p.pb, p.dh, "desc->h", "desc->r", "desc->pad_top", "desc->pad_bottom",
                   "desc->dilation_h");
    p.ow = out_len(p.w, p.s, p.sw, p.pl, p.pr, p.dw, "desc->w", "desc->s", "desc->pad_left", "desc->pad_right",
                   "desc->dilation_w");
    finish(p, "desc->c", "desc->k", "desc->groups");
    return p;
}

shape validate(const nn_conv1d_desc& d) {
    check_positive(d.n, "desc->n");
    check_positive(d.c, "desc->c");
    check_positive(d.l, "desc->l");
    check_positive(d.k, "desc->k");
    check_positive(d.kernel_size, "desc->kernel_size");
    check_positive(d.stride, "desc->stride");
    check_non_negative(d.pad_left, "desc->pad_left");
    check_non_negative(d.pad_right, "desc->pad_right");
    check_positive(d.dilation, "desc->dilation");
    check_positive(d.groups, "desc->groups");
    // A 1-D convolution is a 2-D one over a single row.
    shape p{};
    p.n = d.n, p.c = d.c, p.h = 1, p.w = d.l, p.k = d.k, p.r = 1, p.s = d.kernel_size;
    p.sh = 1, p.sw = d.stride, p.pt = 0, p.pb = 0, p.pl = d.pad_left, p.pr = d.pad_right, p.dh = 1,
    p.dw = d.dilation, p.groups = d.groups;
    p.oh = 1;
    p.ow = out_len(p.w, p.s, p.sw, p.pl, p.pr, p.dw, "desc->l", "desc->kernel_size", "desc->pad_left",
                   "desc->pad_right", "desc->dilation");
    finish(p, "desc->c", "desc->k", "desc->groups");
    return p;
}

nn::pool::shape validate_pool_of(const shape& p, int64_t n, const nn_pool2d_desc& pool) {
    // The pooling reads the convolution's output: its input sizes are that output's.
    const struct {
        const char *field, *what;
        int64_t want, got;
    } dims[] = {{"pool->n", "the batch n", n, pool.n},
                {"pool->c", "the output channels k", p.k, pool.c},
                {"pool->h", "the output height oh", p.oh, pool.h},
                {"pool->w", "the output width ow", p.ow, pool.w}};
    for (const auto& d : dims)
        if (d.got != d.want)
            nn::invalid_argument(d.field, " must be ", d.what, "=", d.want, ". Received: ", d.field, "=", d.got);
    return nn::pool::validate(pool, false, "pool");
}

}  // namespace nn::conv
