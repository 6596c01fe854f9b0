// The direct stride-1 forward (src/conv/conv_direct.h) at its edges: channel counts that are no
// multiple of the tile's 8 (AVX2: 4), rows narrower than a vector (the flat layout wraps a
// vector over several rows), dilation, asymmetric and one-sided padding, groups, C = 1, several
// bands, every activation; backward data through it (the flipped-weights forward) for few
// input channels; 1 vs 2 threads bitwise. Each case is checked to take the direct path (the
// Winograd path, which would take the 3x3 ones, is switched off here: test_conv_winograd.cpp).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "conv/conv.h"
#include "conv/conv_direct.h"
#include "pool/pool.h"
#include "test_util.h"

namespace {

nn_conv2d_desc make(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r, int64_t s, int64_t pt,
                    int64_t pb, int64_t pl, int64_t pr, int64_t dh, int64_t dw, int64_t g) {
    return nn_conv2d_desc{n, c, h, w, k, r, s, 1, 1, pt, pb, pl, pr, dh, dw, g};
}

const nn_conv2d_desc kDirect[] = {
    make(2, 8, 9, 7, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // k % 8 = 5, rows (wp = 8) under a vector
    make(1, 12, 3, 3, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // 3x3 plane, k < 8: every vector wraps rows
    make(2, 6, 11, 23, 9, 3, 3, 2, 0, 0, 3, 2, 3, 1),     // dilation 2 x 3, pads on one side each
    make(1, 16, 7, 19, 24, 2, 3, 0, 1, 2, 0, 1, 1, 2),    // groups, even kernel, left padding only
    make(2, 1, 17, 15, 10, 7, 7, 3, 3, 3, 3, 1, 1, 1),    // C = 1, 7x7
    make(1, 11, 9, 1, 3, 3, 1, 1, 1, 0, 0, 1, 1, 1),      // one-column plane (wp = 1)
    make(1, 64, 40, 60, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // several bands, k = 8 + 1
    make(3, 16, 12, 10, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // dx as a direct forward with cg < 32
    make(1, 4, 5, 33, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // dx as a direct forward, cg = 4; wide k
    make(2, 32, 6, 6, 16, 4, 2, 2, 1, 0, 1, 1, 2, 1),     // 4x2 kernel, dilated columns, pad > 0 only right
    // Padding on both sides beyond the kernel's width extent: rows share no (or fewer) zeros,
    // or they would overlap (found by fuzz_conv: a 1-wide kernel wrote past y).
    make(1, 11, 9, 5, 3, 3, 1, 1, 1, 2, 1, 1, 1, 1),      // s = 1, pl = 2, pr = 1: no shared zeros
    make(2, 8, 6, 10, 9, 3, 2, 1, 1, 3, 3, 1, 1, 1),      // s = 2, pads 3: one shared zero, ow = wp
};

}  // namespace

TEST(ConvDirect, CasesTakeTheDirectPath) {
    if (!nn::conv::direct::available()) GTEST_SKIP() << "no direct kernels on this target";
    for (const auto& d : kDirect) EXPECT_TRUE(nn::conv::takes_direct(nn::conv::validate(d))) << nn_test::describe(d);
}

TEST(ConvDirect, MatchesReference) {
    const nn_test::NoWinograd direct_only;
    int act = 0;
    for (const auto& d : kDirect) {
        const auto p = nn::conv::validate(d);
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow, ws = p.k * p.crs;
        auto x = nn_test::random_vector(xs, 31), w = nn_test::random_vector(ws, 32), b = nn_test::random_vector(p.k, 33);
        auto dy = nn_test::random_vector(ys, 34);
        act = (act + 1) % 5;
        std::vector<float> y(ys, -7.0f), dx(xs, -7.0f), ry(ys), rdx(xs);
        const std::string ctx = nn_test::describe(d) + " act=" + std::to_string(act);
        ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), static_cast<nn_unary_op>(act), y.data()), NN_OK) << nn_last_error();
        ASSERT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), dx.data()), NN_OK) << nn_last_error();
        nn::conv::forward_ref(p, x.data(), w.data(), b.data(), act, ry.data());
        nn::conv::backward_data_ref(p, dy.data(), w.data(), rdx.data());
        EXPECT_TRUE(nn_test::all_close(y.data(), ry.data(), ys, 1e-4f, 1e-5f, "forward " + ctx));
        EXPECT_TRUE(nn_test::all_close(dx.data(), rdx.data(), xs, 1e-4f, 1e-5f, "backward_data " + ctx));
        // No bias: the accumulators start at zero.
        ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), nullptr, NN_UNARY_IDENTITY, y.data()), NN_OK) << nn_last_error();
        nn::conv::forward_ref(p, x.data(), w.data(), nullptr, 0, ry.data());
        EXPECT_TRUE(nn_test::all_close(y.data(), ry.data(), ys, 1e-4f, 1e-5f, "forward, no bias " + ctx));
    }
}

TEST(ConvDirect, OneAndTwoThreadsAreBitwiseEqual) {
    const nn_test::NoWinograd direct_only;
    for (const auto& d : kDirect) {
        const auto p = nn::conv::validate(d);
        auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 35), w = nn_test::random_vector(p.k * p.crs, 36);
        auto b = nn_test::random_vector(p.k, 37), dy = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 38);
        std::vector<float> y1(dy.size()), y2(dy.size()), dx1(x.size()), dx2(x.size());
        {
            nn_test::ThreadScope t(1);
            ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), NN_UNARY_SIGMOID, y1.data()), NN_OK);
            ASSERT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), dx1.data()), NN_OK);
        }
        {
            nn_test::ThreadScope t(2);
            ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), NN_UNARY_SIGMOID, y2.data()), NN_OK);
            ASSERT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), dx2.data()), NN_OK);
        }
        EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), y1.size() * 4)) << "forward " << nn_test::describe(d);
        EXPECT_EQ(0, std::memcmp(dx1.data(), dx2.data(), dx1.size() * 4)) << "backward_data " << nn_test::describe(d);
    }
}

// Output written exactly where it belongs: the split stores at row ends must leave every
// element outside y and every dropped column's neighbour alone (y sits inside a guarded buffer).
TEST(ConvDirect, WritesOnlyTheOutput) {
    const nn_test::NoWinograd direct_only;
    for (const auto& d : kDirect) {
        const auto p = nn::conv::validate(d);
        const int64_t ys = p.n * p.k * p.oh * p.ow, guard = 64;
        auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 39), w = nn_test::random_vector(p.k * p.crs, 40);
        std::vector<float> buf(static_cast<size_t>(ys + 2 * guard), 123.0f), ry(ys);
        ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), nullptr, NN_UNARY_IDENTITY, buf.data() + guard), NN_OK);
        nn::conv::forward_ref(p, x.data(), w.data(), nullptr, 0, ry.data());
        for (int64_t i = 0; i < guard; ++i) {
            EXPECT_EQ(buf[static_cast<size_t>(i)], 123.0f) << nn_test::describe(d);
            EXPECT_EQ(buf[static_cast<size_t>(guard + ys + i)], 123.0f) << nn_test::describe(d);
        }
        EXPECT_TRUE(nn_test::all_close(buf.data() + guard, ry.data(), ys, 1e-4f, 1e-5f, "guarded " + nn_test::describe(d)));
    }
}

// Random small stride-1 shapes (the fuzzer's space, minus hostile values): forward and backward
// data against the reference, y inside a guarded buffer. Covers the AVX-512 masked stores,
// which ASan does not see.
TEST(ConvDirect, RandomShapesMatchReference) {
    const nn_test::NoWinograd direct_only;
    uint32_t state = 12345;
    auto next = [&](int64_t lo, int64_t hi) {
        state = state * 1664525u + 1013904223u;
        return lo + static_cast<int64_t>((state >> 8) % static_cast<uint32_t>(hi - lo + 1));
    };
    int tried = 0;
    for (int it = 0; it < 400; ++it) {
        const int64_t g = next(1, 2);
        nn_conv2d_desc d = make(next(1, 2), g * next(1, 12), next(1, 12), next(1, 14), g * next(1, 19), next(1, 4),
                                next(1, 4), next(0, 4), next(0, 4), next(0, 4), next(0, 4), next(1, 3), next(1, 3), g);
        int64_t oh = 0, ow = 0;
        if (nn_conv2d_output_size(&d, &oh, &ow) != NN_OK) continue;
        const auto p = nn::conv::validate(d);
        ++tried;
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow, ws = p.k * p.crs, guard = 32;
        auto x = nn_test::random_vector(xs, 41 + it), w = nn_test::random_vector(ws, 42 + it);
        auto b = nn_test::random_vector(p.k, 43 + it), dy = nn_test::random_vector(ys, 44 + it);
        std::vector<float> buf(static_cast<size_t>(ys + 2 * guard), 123.0f), ry(ys), dx(xs), rdx(xs);
        const int act = it % 5;
        ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), static_cast<nn_unary_op>(act), buf.data() + guard), NN_OK) << nn_last_error();
        nn::conv::forward_ref(p, x.data(), w.data(), b.data(), act, ry.data());
        const std::string ctx = nn_test::describe(d) + " act=" + std::to_string(act);
        for (int64_t i = 0; i < guard; ++i) {
            ASSERT_EQ(buf[static_cast<size_t>(i)], 123.0f) << ctx;
            ASSERT_EQ(buf[static_cast<size_t>(guard + ys + i)], 123.0f) << ctx;
        }
        ASSERT_TRUE(nn_test::all_close(buf.data() + guard, ry.data(), ys, 1e-4f, 1e-5f, "forward " + ctx));
        ASSERT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), dx.data()), NN_OK) << nn_last_error();
        nn::conv::backward_data_ref(p, dy.data(), w.data(), rdx.data());
        ASSERT_TRUE(nn_test::all_close(dx.data(), rdx.data(), xs, 1e-4f, 1e-5f, "backward_data " + ctx));
    }
    EXPECT_GT(tried, 100);
}

namespace {

// Conv -> activation -> 2x2 stride-2 max pooling on the direct kernel's pooled tile
// (direct_forward_packed_maxpool2): rows and columns that leave a partial last tile or drop the
// last row and column, channel counts off the tile's 4 (AVX2: 2) and block's 8, padding,
// dilation, groups, C = 1, planes pooled to one value, a batch of one split into bands.
const nn_conv2d_desc kPooled[] = {
    make(3, 3, 50, 113, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // diabetes_cnn's first layer, narrower: 48 + 48 + 16 columns
    make(2, 5, 23, 37, 13, 3, 3, 0, 0, 0, 0, 1, 1, 1),    // 21 x 35: last row and column dropped, k = 8 + 5
    make(1, 4, 20, 30, 9, 3, 3, 2, 0, 0, 3, 2, 3, 1),     // dilation 2 x 3, one-sided padding
    make(2, 6, 14, 18, 10, 3, 3, 1, 1, 1, 1, 1, 1, 2),    // groups: 3 -> 5 channels each
    make(4, 1, 28, 28, 6, 5, 5, 0, 0, 0, 0, 1, 1, 1),     // C = 1, 5x5 (LeNet-5's first layer)
    make(1, 4, 3, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 1),       // 2 x 2 output: one pooled value a plane
    make(1, 3, 64, 70, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // batch 1: bands for the threads
    make(2, 3, 10, 96, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // 96 columns: whole tiles only
};

nn_pool2d_desc pool2x2(const nn::conv::shape& p) { return nn_pool2d_desc{p.n, p.k, p.oh, p.ow, 2, 2, 2, 2, 0, 0, 1, 1, 0}; }

// The fused call's pooled planes at `threads`, inside a guarded buffer (checked here).
std::vector<float> pooled_in_tile(const nn_conv2d_packed* pk, const nn::conv::shape& p, const std::vector<float>& x,
                                  nn_unary_op act, int threads) {
    const nn_pool2d_desc pd = pool2x2(p);
    const int64_t ys = p.n * p.k * (p.oh / 2) * (p.ow / 2), guard = 64;
    std::vector<float> buf(static_cast<size_t>(ys + 2 * guard), 123.0f);
    nn_test::ThreadScope scope(threads);
    EXPECT_EQ(nn_conv2d_packed_forward_maxpool(pk, p.n, x.data(), act, 0.0f, &pd, buf.data() + guard), NN_OK)
        << nn_last_error();
    for (int64_t i = 0; i < guard; ++i) {
        EXPECT_EQ(buf[static_cast<size_t>(i)], 123.0f) << "before y, threads=" << threads;
        EXPECT_EQ(buf[static_cast<size_t>(guard + ys + i)], 123.0f) << "after y, threads=" << threads;
    }
    return {buf.begin() + guard, buf.end() - guard};
}

// The two calls the fused one replaces: the packed convolution, then the max pooling.
std::vector<float> conv_then_pool(const nn_conv2d_packed* pk, const nn::conv::shape& p, const std::vector<float>& x,
                                  nn_unary_op act) {
    const nn_pool2d_desc pd = pool2x2(p);
    std::vector<float> conv(static_cast<size_t>(p.n * p.k * p.oh * p.ow)), y(static_cast<size_t>(p.n * p.k * (p.oh / 2) * (p.ow / 2)));
    EXPECT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), nullptr, act, 0.0f, conv.data()), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_max_pool2d_forward(&pd, conv.data(), y.data(), nullptr), NN_OK) << nn_last_error();
    return y;
}

}  // namespace

TEST(ConvDirectPooled, CasesTakeThePooledTile) {
    if (!nn::conv::direct::available()) GTEST_SKIP() << "no direct kernels on this target";
    const nn_test::NoWinograd direct_only;
    for (const auto& d : kPooled) {
        const auto p = nn::conv::validate(d);
        const auto w = nn_test::random_vector(p.k * p.crs, 60);
        EXPECT_EQ(nn::conv::pack(p, w.data(), nullptr).a, nn::conv::packed_conv::algo::direct) << nn_test::describe(d);
    }
}

// Against the ground truth (double sums, then the scalar pooling), and bit for bit against the
// convolution then the pooling, at 1, 2 and 3 threads, with every activation the tile applies.
TEST(ConvDirectPooled, MatchesReferenceAndConvThenPool) {
    const nn_test::NoWinograd direct_only;
    int variant = 0;
    for (const auto& d : kPooled) {
        const auto p = nn::conv::validate(d);
        const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 61 + variant);
        const auto w = nn_test::random_vector(p.k * p.crs, 62 + variant), b = nn_test::random_vector(p.k, 63 + variant);
        nn_conv2d_packed* pk = nullptr;
        ASSERT_EQ(nn_conv2d_pack(&d, w.data(), b.data(), &pk), NN_OK) << nn_last_error();
        const auto act = static_cast<nn_unary_op>(variant++ % 5);
        const std::string ctx = nn_test::describe(d) + " act=" + std::to_string(act);
        std::vector<float> conv(static_cast<size_t>(p.n * p.k * p.oh * p.ow)), want(static_cast<size_t>(p.n * p.k * (p.oh / 2) * (p.ow / 2)));
        nn::conv::forward_ref(p, x.data(), w.data(), b.data(), act, conv.data());
        nn::pool::max_forward_ref(nn::pool::validate(pool2x2(p), false), conv.data(), want.data(), nullptr);
        const auto two_calls = conv_then_pool(pk, p, x, act);
        for (int threads : {1, 2, 3}) {
            const auto got = pooled_in_tile(pk, p, x, act, threads);
            EXPECT_TRUE(nn_test::all_close(got.data(), want.data(), static_cast<int64_t>(want.size()), 1e-4f, 1e-5f, ctx));
            EXPECT_EQ(0, std::memcmp(got.data(), two_calls.data(), got.size() * sizeof(float)))
                << ctx << " threads=" << threads;
        }
        nn_conv2d_packed_destroy(pk);
    }
}

// A NaN in a window wins it wherever it lies (the pooling's rule, not maxps'); signed zeros keep
// the window's first maximum. Both bit for bit as the convolution then the pooling.
TEST(ConvDirectPooled, NaNAndSignedZerosAsThePooling) {
    const nn_test::NoWinograd direct_only;
    // NaN inputs spread over the planes (each reaches up to nine outputs).
    const nn_conv2d_desc nan_case = make(2, 3, 12, 70, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1);
    // Signed zeros: a 1x1 kernel with weights and bias -0, channels 1.. positive. Every product
    // is -0 but channel 0's where it is negative: outputs -0 and +0 by channel 0's signs (the
    // padding's -0 included), windows of both, where maxps' order would pick the other zero.
    const nn_conv2d_desc zeros_case = make(2, 16, 12, 70, 16, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    for (bool zeros : {false, true}) {
        const nn_conv2d_desc& d = zeros ? zeros_case : nan_case;
        const auto p = nn::conv::validate(d);
        auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 64);
        auto w = nn_test::random_vector(p.k * p.crs, 65), b = nn_test::random_vector(p.k, 66);
        if (zeros) {
            const auto positive = nn_test::random_vector(static_cast<int64_t>(x.size()), 67, 0.1f, 1.0f);
            for (size_t i = 0; i < x.size(); ++i)
                if (i / static_cast<size_t>(p.h * p.w) % static_cast<size_t>(p.c) != 0) x[i] = positive[i];
            std::fill(w.begin(), w.end(), -0.0f);
            std::fill(b.begin(), b.end(), -0.0f);
        } else {
            for (size_t i = 5; i < x.size(); i += 397) x[i] = std::numeric_limits<float>::quiet_NaN();
        }
        if (nn::conv::direct::available())
            EXPECT_EQ(nn::conv::pack(p, w.data(), nullptr).a, nn::conv::packed_conv::algo::direct) << nn_test::describe(d);
        nn_conv2d_packed* pk = nullptr;
        ASSERT_EQ(nn_conv2d_pack(&d, w.data(), b.data(), &pk), NN_OK) << nn_last_error();
        for (nn_unary_op act : {NN_UNARY_IDENTITY, NN_UNARY_RELU}) {
            const auto want = conv_then_pool(pk, p, x, act);
            int negative_zeros = 0;
            for (float v : want) negative_zeros += v == 0.0f && std::signbit(v);
            // The scalar tiles sum in double from +0: no -0 there, the case then only checks the order.
            const auto* K = nn::conv::direct::available();
            if (zeros && K && std::string(K->isa) != "scalar")
                EXPECT_GT(negative_zeros, static_cast<int>(want.size() / 8)) << "the case has windows of both zeros";
            for (int threads : {1, 2}) {
                const auto got = pooled_in_tile(pk, p, x, act, threads);
                EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float)))
                    << (zeros ? "signed zeros" : "NaN") << " act=" << act << " threads=" << threads;
            }
        }
        nn_conv2d_packed_destroy(pk);
    }
}
