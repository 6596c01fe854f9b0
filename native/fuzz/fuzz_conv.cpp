// Fuzzes the convolution entry points: nn_conv2d_* and nn_conv1d_* (output size, forward with
// every fused activation, backward data, backward weights) over strides, asymmetric padding,
// dilation and groups (depthwise included). Valid shapes are compared with the scalar reference.
#include <algorithm>

#include "conv/conv.h"
#include "fuzz_input.h"

using namespace nn_fuzz;

namespace {

// The documented output length along one axis, or -1 when the dilated kernel does not fit
// (or a step of the arithmetic overflows).
int64_t out_len(int64_t in, int64_t kernel, int64_t stride, int64_t p0, int64_t p1, int64_t dil) {
    count extent = count(dil) * (kernel - 1) + 1;
    count padded = count(in) + p0 + p1;
    if (extent.overflow || padded.overflow || extent.value > padded.value) return -1;
    return (padded.value - extent.value) / stride + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    input in(data, size);
    set_threads(in);
    const bool one_d = in.flag();
    // Groups are usually made to divide c and k (depthwise sometimes), so most shapes are valid.
    const int64_t groups = in.size(1, 4);
    const bool depthwise = in.choice(4) == 0;
    int64_t c = in.size(1, 4), k = in.size(1, 4);
    if (in.choice(8) != 0 && groups > 0 && groups < 64) {
        c = depthwise ? groups : sat_mul(c, groups);
        k = sat_mul(k, groups);
    }
    nn_conv2d_desc d2{};
    d2.n = in.size(1, 3), d2.c = c, d2.k = k, d2.groups = groups;
    d2.h = one_d ? 1 : in.size(1, 12);
    d2.w = in.size(1, 16);
    d2.r = one_d ? 1 : in.size(1, 5);
    d2.s = in.size(1, 5);
    d2.stride_h = one_d ? 1 : in.size(1, 3);
    d2.stride_w = in.size(1, 3);
    d2.pad_top = one_d ? 0 : in.size(0, 3);
    d2.pad_bottom = one_d ? 0 : in.size(0, 3);
    d2.pad_left = in.size(0, 3);
    d2.pad_right = in.size(0, 3);
    d2.dilation_h = one_d ? 1 : in.size(1, 3);
    d2.dilation_w = in.size(1, 3);
    const int op = in.choice(4);  // 0: output size, 1: forward, 2: backward data, 3: backward weights
    const int32_t act = in.code(5);
    const bool with_bias = in.flag();
    const int null_arg = in.choice(8);  // 1: x / dy, 2: weight / dy, 3: output

    std::string why;
    const int64_t dims[] = {d2.n, d2.c, d2.h, d2.w, d2.k, d2.r, d2.s, d2.stride_h, d2.stride_w, d2.dilation_h,
                            d2.dilation_w, d2.groups};
    for (int64_t v : dims)
        if (v < 1) why = "a size, stride, dilation or groups < 1";
    if (d2.pad_top < 0 || d2.pad_bottom < 0 || d2.pad_left < 0 || d2.pad_right < 0) why = "negative padding";
    int64_t oh = -1, ow = -1;
    if (why.empty()) {
        oh = out_len(d2.h, d2.r, d2.stride_h, d2.pad_top, d2.pad_bottom, d2.dilation_h);
        ow = out_len(d2.w, d2.s, d2.stride_w, d2.pad_left, d2.pad_right, d2.dilation_w);
        if (oh < 0 || ow < 0) why = "kernel does not fit";
        else if (d2.c % d2.groups != 0 || d2.k % d2.groups != 0) why = "groups does not divide c and k";
    }
    count x_n, w_n, y_n, col_n;
    if (why.empty()) {
        x_n = count(d2.n) * d2.c * d2.h * d2.w;
        w_n = count(d2.k) * (d2.c / d2.groups) * d2.r * d2.s;
        y_n = count(d2.n) * d2.k * oh * ow;
        col_n = count(d2.c / d2.groups) * d2.r * d2.s * oh * ow;
        if (x_n.overflow || w_n.overflow || y_n.overflow || col_n.overflow) why = "a tensor size overflows int64";
    }
    if (why.empty() && op == 1 && (act < 0 || act > 4)) why = "activation";
    if (why.empty() && op != 0 && null_arg >= 1 && null_arg <= 3) why = "a required pointer is NULL";

    nn_conv1d_desc d1{d2.n, d2.c, d2.w, d2.k, d2.s, d2.stride_w, d2.pad_left, d2.pad_right, d2.dilation_w, d2.groups};
    const char* names[2][4] = {
        {"nn_conv2d_output_size", "nn_conv2d_forward", "nn_conv2d_backward_data", "nn_conv2d_backward_weights"},
        {"nn_conv1d_output_size", "nn_conv1d_forward", "nn_conv1d_backward_data", "nn_conv1d_backward_weights"}};
    const char* call = names[one_d][op];

    // Runs the chosen call on the given buffers (pointers nulled as null_arg says).
    auto run = [&](float* x, float* w, float* bias, float* y, float* dx, float* dw, float* db) {
        const bool nx = null_arg == 1, nw = null_arg == 2, ny = null_arg == 3;
        int64_t goh = 0, gow = 0;
        switch (op) {
        case 0:
            if (one_d) {
                nn_status s = nn_conv1d_output_size(&d1, &gow);
                goh = 1;
                if (s == NN_OK && (goh != oh || gow != ow)) fail("nn_conv1d_output_size disagrees with the formula");
                return s;
            } else {
                nn_status s = nn_conv2d_output_size(&d2, &goh, &gow);
                if (s == NN_OK && (goh != oh || gow != ow)) fail("nn_conv2d_output_size disagrees with the formula");
                return s;
            }
        case 1:
            return one_d ? nn_conv1d_forward(&d1, nx ? nullptr : x, nw ? nullptr : w, bias, static_cast<nn_unary_op>(act), ny ? nullptr : y)
                         : nn_conv2d_forward(&d2, nx ? nullptr : x, nw ? nullptr : w, bias, static_cast<nn_unary_op>(act), ny ? nullptr : y);
        case 2:
            return one_d ? nn_conv1d_backward_data(&d1, nx ? nullptr : y, nw ? nullptr : w, ny ? nullptr : dx)
                         : nn_conv2d_backward_data(&d2, nx ? nullptr : y, nw ? nullptr : w, ny ? nullptr : dx);
        default:
            return one_d ? nn_conv1d_backward_weights(&d1, nx ? nullptr : x, nw ? nullptr : y, ny ? nullptr : dw, db)
                         : nn_conv2d_backward_weights(&d2, nx ? nullptr : x, nw ? nullptr : y, ny ? nullptr : dw, db);
        }
    };

    if (!why.empty()) {
        auto a = decoy(), b = decoy(), c2 = decoy(), e = decoy(), f = decoy(), g = decoy(), h = decoy();
        expect_error(run(a.get(), b.get(), c2.get(), e.get(), f.get(), g.get(), h.get()), call, why);
        return 0;
    }
    // Valid but too large for honest buffers, or for a quick reference (weights x output pixels).
    const count ref_cost = w_n * (y_n.value / d2.k);
    if (!(x_n + w_n + y_n).fits() || ref_cost.overflow || ref_cost.value > (int64_t(1) << 22)) return 0;

    const uint32_t seed = in.u32();
    buffer<float> x(x_n.value, seed), w(w_n.value, seed + 1), bias(with_bias ? d2.k : 0, seed + 2),
        y(y_n.value, seed + 3);
    const nn::conv::shape p = one_d ? nn::conv::validate(d1) : nn::conv::validate(d2);
    if (p.oh != oh || p.ow != ow) fail("nn::conv::validate disagrees with the documented output size");
    const float tol = 2e-6f * static_cast<float>(p.crs + 8);
    switch (op) {
    case 0:
        expect_ok(run(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr), call);
        break;
    case 1: {
        buffer<float> want(y_n.value), got(y_n.value, seed + 9);
        nn::conv::forward_ref(p, x.get(), w.get(), bias.get(), act, want.get());
        expect_ok(run(x.get(), w.get(), bias.get(), got.get(), nullptr, nullptr, nullptr), call);
        expect_close(got.get(), want.get(), y_n.value, 1e-5f, tol, call);
        break;
    }
    case 2: {
        buffer<float> want(x_n.value), got(x_n.value, seed + 9);
        nn::conv::backward_data_ref(p, y.get(), w.get(), want.get());
        expect_ok(run(nullptr, w.get(), nullptr, y.get(), got.get(), nullptr, nullptr), call);
        expect_close(got.get(), want.get(), x_n.value, 1e-5f, 2e-6f * static_cast<float>(d2.k * d2.r * d2.s + 8),
                     call);
        break;
    }
    default: {
        buffer<float> want_w(w_n.value), got_w(w_n.value, seed + 9);
        buffer<float> want_b(d2.k), got_b(with_bias ? d2.k : 0, seed + 10);
        nn::conv::backward_weights_ref(p, x.get(), y.get(), want_w.get(), want_b.get());
        expect_ok(run(x.get(), nullptr, nullptr, y.get(), nullptr, got_w.get(), got_b.get()), call);
        const float wtol = 2e-6f * static_cast<float>(d2.n * oh * ow + 8);
        expect_close(got_w.get(), want_w.get(), w_n.value, 1e-5f, wtol, call);
        if (with_bias) expect_close(got_b.get(), want_b.get(), d2.k, 1e-5f, wtol, "conv bias gradient");
        break;
    }
    }
    return 0;
}
