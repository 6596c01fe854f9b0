// Fuzzes the element-wise entry points: nn_unary (every op, in place or not), nn_unary_backward,
// nn_binary, nn_binary_scalar, nn_axpby and nn_sum, over lengths that straddle every SIMD
// width and the thread split, op codes in and out of range, and NULL arrays.
#include "eltwise/eltwise.h"  // ref_kernels: the ground truth
#include "fuzz_input.h"

using namespace nn_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    input in(data, size);
    set_threads(in);
    const int fn = in.choice(6);
    static const char* names[] = {"nn_unary", "nn_unary_backward", "nn_binary", "nn_binary_scalar", "nn_axpby", "nn_sum"};
    const char* call = names[fn];
    const int64_t n = in.choice(4) == 0 ? sat_mul(in.size(0, 255), 97) : in.size(0, 80);
    const int32_t op = fn <= 1 ? in.code(14) : in.code(6);
    static const float usual[] = {0.0f, 1.0f, -0.7f, 0.01f, 1.3f, 2.0f};
    const float alpha = in.real(usual, 6), beta = in.real(usual, 6);
    const bool in_place = in.flag();
    const int null_arg = in.choice(8);  // 1: first input, 2: output, 3: second input
    static const float scales[] = {1.0f, 10.0f, 100.0f};
    const float scale = scales[in.choice(3)];

    std::string why;
    if (n < 0) why = "n < 0";
    else if (fn <= 1 && (op < 0 || op > 13)) why = "unary op out of the documented range";
    else if ((fn == 2 || fn == 3) && (op < 0 || op > 5)) why = "binary op out of the documented range";
    else if (null_arg >= 1 && null_arg <= 3 && n > 0 && !(null_arg == 3 && (fn == 0 || fn == 3 || fn == 5)))
        why = "an array is NULL";
    else if (fn == 5 && null_arg == 2) why = "out is NULL";

    if (!why.empty()) {
        auto a = decoy(), b = decoy(), c = decoy(), e = decoy();
        float* pa = null_arg == 1 ? nullptr : a.get();
        float* pc = null_arg == 2 ? nullptr : c.get();
        float* pb = null_arg == 3 ? nullptr : b.get();
        double sum = 0;
        nn_status s;
        switch (fn) {
        case 0: s = nn_unary((nn_unary_op)op, pa, pc, n, alpha); break;
        case 1: s = nn_unary_backward((nn_unary_op)op, pa, e.get(), pb, pc, n, alpha); break;
        case 2: s = nn_binary((nn_binary_op)op, pa, pb, pc, n); break;
        case 3: s = nn_binary_scalar((nn_binary_op)op, pa, alpha, pc, n); break;
        case 4: s = nn_axpby(n, alpha, pa, beta, null_arg == 3 ? nullptr : pc); break;
        default: s = nn_sum(pa, n, null_arg == 2 ? nullptr : &sum); break;
        }
        expect_error(s, call, why);
        return 0;
    }
    if (n > kMaxElems) return 0;

    const uint32_t seed = in.u32();
    buffer<float> a(n, seed), b(n, seed + 1), y(n, seed + 2);
    for (int64_t i = 0; i < n; ++i) a[i] *= scale, b[i] *= scale;
    const auto& ref = nn::eltwise::ref_kernels;
    buffer<float> want = y.copy();
    float rtol = 1e-6f, atol = 1e-7f;
    nn_status s;
    switch (fn) {
    case 0: {
        ref.unary((nn_unary_op)op, a.get(), want.get(), n, alpha);
        float* out = in_place ? a.get() : y.get();
        buffer<float> src = a.copy();
        s = nn_unary((nn_unary_op)op, in_place ? a.get() : src.get(), out, n, alpha);
        expect_ok(s, call);
        expect_close(out, want.get(), n, rtol, atol, call);
        return 0;
    }
    case 1: {
        buffer<float> fwd(n), dy(n, seed + 3);
        ref.unary((nn_unary_op)op, a.get(), fwd.get(), n, alpha);
        ref.unary_backward((nn_unary_op)op, a.get(), fwd.get(), dy.get(), want.get(), n, alpha);
        float* out = in_place ? dy.get() : y.get();
        s = nn_unary_backward((nn_unary_op)op, a.get(), fwd.get(), dy.get(), out, n, alpha);
        expect_ok(s, call);
        expect_close(out, want.get(), n, 1e-5f, 1e-6f, call);
        return 0;
    }
    case 2: {
        ref.binary((nn_binary_op)op, a.get(), b.get(), want.get(), n);
        float* out = in_place ? a.get() : y.get();
        s = nn_binary((nn_binary_op)op, a.get(), b.get(), out, n);
        expect_ok(s, call);
        expect_close(out, want.get(), n, 0.0f, 0.0f, call);
        return 0;
    }
    case 3: {
        ref.binary_scalar((nn_binary_op)op, a.get(), alpha, want.get(), n);
        float* out = in_place ? a.get() : y.get();
        s = nn_binary_scalar((nn_binary_op)op, a.get(), alpha, out, n);
        expect_ok(s, call);
        expect_close(out, want.get(), n, 0.0f, 0.0f, call);
        return 0;
    }
    case 4: {
        ref.axpby(n, alpha, a.get(), beta, want.get());
        expect_ok(nn_axpby(n, alpha, a.get(), beta, y.get()), call);
        expect_close(y.get(), want.get(), n, 1e-6f, 1e-7f, call);
        return 0;
    }
    default: {
        double got = -1, want_sum = 0;
        for (int64_t i = 0; i < n; ++i) want_sum += a[i];
        expect_ok(nn_sum(a.get(), n, &got), call);
        if (!(std::fabs(got - want_sum) <= 1e-9 * (std::fabs(want_sum) + double(n) * scale)))
            fail("nn_sum differs from a double loop: " + std::to_string(got) + " vs " + std::to_string(want_sum));
        return 0;
    }
    }
}
