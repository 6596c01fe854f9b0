// Fuzzes pooling: nn_pool2d_output_size, max pooling forward (with and without indices) and
// backward (including corrupted indices, which must be refused, not scattered through),
// average pooling (count_include_pad both ways) and adaptive average pooling.
#include "pool/pool.h"
#include "fuzz_input.h"

using namespace nn_fuzz;

namespace {

int64_t out_len(int64_t in, int64_t k, int64_t s, int64_t pad, int64_t dil) {
    count extent = count(dil) * (k - 1) + 1;
    count padded = count(in) + count(pad) * 2;
    if (extent.overflow || padded.overflow || extent.value > padded.value) return -1;
    return (padded.value - extent.value) / s + 1;
}

// True when some window of the axis has no tap inside [0, in) (possible only with dilation).
// Checks every window when there are few, else the first and last (the only candidates).
bool window_misses_input(int64_t in, int64_t out, int64_t k, int64_t s, int64_t pad, int64_t dil) {
    auto misses = [&](int64_t o) {
        const count start_c = count(o) * s;
        if (start_c.overflow) return false;
        const int64_t start = start_c.value - pad;
        for (int64_t i = 0; i < k && i < 64; ++i) {
            const count tap = count(i) * dil;
            if (tap.overflow) return true;
            const int64_t t = start + tap.value;
            if (t >= in) return true;
            if (t >= 0) return false;
        }
        return k > 64 ? false : true;
    };
    if (out <= 64) {
        for (int64_t o = 0; o < out; ++o)
            if (misses(o)) return true;
        return false;
    }
    return misses(0) || misses(out - 1);
}

int adaptive(input& in) {
    const int64_t n = in.size(1, 2), c = in.size(1, 3), h = in.size(1, 12), w = in.size(1, 12);
    const int64_t oh = in.size(1, 8), ow = in.size(1, 8);
    const bool backward = in.flag();
    const bool null_arg = in.choice(8) == 0;
    const char* call = backward ? "nn_adaptive_avg_pool2d_backward" : "nn_adaptive_avg_pool2d_forward";
    std::string why;
    if (n < 1 || c < 1 || h < 1 || w < 1 || oh < 1 || ow < 1) why = "a size < 1";
    const count x_n = count(n) * c * h * w, y_n = count(n) * c * oh * ow;
    if (why.empty() && (x_n.overflow || y_n.overflow)) why = "a tensor size overflows int64";
    if (why.empty() && null_arg) why = "x / dy is NULL";
    if (!why.empty()) {
        auto a = decoy(), b = decoy();
        nn_status s = backward ? nn_adaptive_avg_pool2d_backward(n, c, h, w, oh, ow, null_arg ? nullptr : a.get(), b.get())
                               : nn_adaptive_avg_pool2d_forward(n, c, h, w, oh, ow, null_arg ? nullptr : a.get(), b.get());
        expect_error(s, call, why);
        return 0;
    }
    if (!(x_n + y_n).fits()) return 0;
    const uint32_t seed = in.u32();
    if (!backward) {
        buffer<float> x(x_n.value, seed), got(y_n.value, seed + 1), want(y_n.value);
        nn::pool::adaptive_avg_forward_ref(n, c, h, w, oh, ow, x.get(), want.get());
        expect_ok(nn_adaptive_avg_pool2d_forward(n, c, h, w, oh, ow, x.get(), got.get()), call);
        expect_close(got.get(), want.get(), y_n.value, 1e-5f, 1e-6f, call);
    } else {
        buffer<float> dy(y_n.value, seed), got(x_n.value, seed + 1), want(x_n.value);
        nn::pool::adaptive_avg_backward_ref(n, c, h, w, oh, ow, dy.get(), want.get());
        expect_ok(nn_adaptive_avg_pool2d_backward(n, c, h, w, oh, ow, dy.get(), got.get()), call);
        expect_close(got.get(), want.get(), x_n.value, 1e-5f, 1e-6f, call);
    }
    return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    input in(data, size);
    set_threads(in);
    const int op = in.choice(6);  // 0: output size, 1/2: max fwd/bwd, 3/4: avg fwd/bwd, 5: adaptive
    if (op == 5) return adaptive(in);
    nn_pool2d_desc d{};
    d.n = in.size(1, 2), d.c = in.size(1, 3), d.h = in.size(1, 14), d.w = in.size(1, 14);
    d.kernel_h = in.size(1, 5), d.kernel_w = in.size(1, 5);
    d.stride_h = in.size(1, 4), d.stride_w = in.size(1, 4);
    d.pad_h = in.size(0, 2), d.pad_w = in.size(0, 2);
    const bool avg = op == 3 || op == 4;
    d.dilation_h = avg && in.choice(8) != 0 ? 1 : in.size(1, 3);
    d.dilation_w = avg && in.choice(8) != 0 ? 1 : in.size(1, 3);
    d.count_include_pad = in.code(2);
    const bool with_indices = op == 2 || in.flag();
    const int null_arg = in.choice(8);  // 1: input, 2: output, 3: indices (max backward)
    const int corrupt = in.choice(4);   // max backward: 1 = one index out of its plane

    static const char* names[] = {"nn_pool2d_output_size", "nn_max_pool2d_forward", "nn_max_pool2d_backward",
                                  "nn_avg_pool2d_forward", "nn_avg_pool2d_backward"};
    const char* call = names[op];
    std::string why;
    const int64_t pos[] = {d.n, d.c, d.h, d.w, d.kernel_h, d.kernel_w, d.stride_h, d.stride_w, d.dilation_h, d.dilation_w};
    for (int64_t v : pos)
        if (v < 1) why = "a size, stride or dilation < 1";
    if (why.empty() && (d.pad_h < 0 || d.pad_w < 0)) why = "negative padding";
    if (why.empty() && (d.pad_h > d.kernel_h / 2 || d.pad_w > d.kernel_w / 2)) why = "padding > kernel / 2";
    if (why.empty() && avg && (d.dilation_h != 1 || d.dilation_w != 1)) why = "average pooling with dilation";
    if (why.empty() && d.count_include_pad != 0 && d.count_include_pad != 1) why = "count_include_pad";
    int64_t oh = -1, ow = -1;
    if (why.empty()) {
        oh = out_len(d.h, d.kernel_h, d.stride_h, d.pad_h, d.dilation_h);
        ow = out_len(d.w, d.kernel_w, d.stride_w, d.pad_w, d.dilation_w);
        if (oh < 0 || ow < 0) why = "window does not fit";
        else if (window_misses_input(d.h, oh, d.kernel_h, d.stride_h, d.pad_h, d.dilation_h) ||
                 window_misses_input(d.w, ow, d.kernel_w, d.stride_w, d.pad_w, d.dilation_w))
            why = "a window lies entirely in the padding";
    }
    const count x_n = count(d.n) * d.c * d.h * d.w, y_n = count(d.n) * d.c * oh * ow;
    if (why.empty() && (x_n.overflow || y_n.overflow)) why = "a tensor size overflows int64";
    if (why.empty() && op != 0 && (null_arg == 1 || null_arg == 2 || (null_arg == 3 && op == 2)))
        why = "a required pointer is NULL";

    if (!why.empty()) {
        auto x = decoy(), y = decoy();
        buffer<int64_t> idx(4);
        float* px = null_arg == 1 ? nullptr : x.get();
        float* py = null_arg == 2 ? nullptr : y.get();
        int64_t* pi = null_arg == 3 ? nullptr : idx.get();
        int64_t goh, gow;
        nn_status s = op == 0   ? nn_pool2d_output_size(&d, &goh, &gow)
                      : op == 1 ? nn_max_pool2d_forward(&d, px, py, with_indices ? pi : nullptr)
                      : op == 2 ? nn_max_pool2d_backward(&d, py, pi, px)
                      : op == 3 ? nn_avg_pool2d_forward(&d, px, py)
                                : nn_avg_pool2d_backward(&d, py, px);
        expect_error(s, call, why);
        return 0;
    }
    if (!(x_n + y_n * 3).fits()) return 0;

    const uint32_t seed = in.u32();
    const nn::pool::shape p = nn::pool::validate(d, avg);
    if (p.g.oh != oh || p.g.ow != ow) fail("nn::pool::validate disagrees with the documented output size");
    buffer<float> x(x_n.value, seed), dy(y_n.value, seed + 1);
    switch (op) {
    case 0: {
        int64_t goh = 0, gow = 0;
        expect_ok(nn_pool2d_output_size(&d, &goh, &gow), call);
        if (goh != oh || gow != ow) fail("nn_pool2d_output_size disagrees with the formula");
        break;
    }
    case 1:
    case 2: {
        buffer<float> want(y_n.value), got(y_n.value, seed + 2);
        buffer<int64_t> want_i(y_n.value), got_i(with_indices ? y_n.value : 0);
        nn::pool::max_forward_ref(p, x.get(), want.get(), want_i.get());
        expect_ok(nn_max_pool2d_forward(&d, x.get(), got.get(), got_i.get()), "nn_max_pool2d_forward");
        expect_close(got.get(), want.get(), y_n.value, 0.0f, 0.0f, "nn_max_pool2d_forward");
        if (with_indices && std::memcmp(got_i.get(), want_i.get(), sizeof(int64_t) * y_n.value) != 0)
            fail("nn_max_pool2d_forward indices differ from the reference");
        if (op == 2) {
            buffer<float> want_dx(x_n.value), got_dx(x_n.value, seed + 3);
            if (corrupt == 1 && y_n.value > 0) {
                // An index outside [0, h * w) must be refused before anything is scattered.
                const int64_t bad[] = {-1, d.h * d.w, std::numeric_limits<int64_t>::min()};
                got_i[(seed >> 3) % y_n.value] = bad[seed % 3];
                expect_error(nn_max_pool2d_backward(&d, dy.get(), got_i.get(), got_dx.get()), call,
                             "an index outside its input plane");
                break;
            }
            nn::pool::max_backward_ref(p, dy.get(), want_i.get(), want_dx.get());
            expect_ok(nn_max_pool2d_backward(&d, dy.get(), got_i.get(), got_dx.get()), call);
            expect_close(got_dx.get(), want_dx.get(), x_n.value, 1e-6f, 1e-6f, call);
        }
        break;
    }
    case 3: {
        buffer<float> want(y_n.value), got(y_n.value, seed + 2);
        nn::pool::avg_forward_ref(p, x.get(), want.get());
        expect_ok(nn_avg_pool2d_forward(&d, x.get(), got.get()), call);
        expect_close(got.get(), want.get(), y_n.value, 1e-5f, 1e-6f, call);
        break;
    }
    default: {
        buffer<float> want(x_n.value), got(x_n.value, seed + 2);
        nn::pool::avg_backward_ref(p, dy.get(), want.get());
        expect_ok(nn_avg_pool2d_backward(&d, dy.get(), got.get()), call);
        expect_close(got.get(), want.get(), x_n.value, 1e-5f, 1e-6f, call);
        break;
    }
    }
    return 0;
}
