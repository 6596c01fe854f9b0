// The NCHW16c blocked convolutions (src/conv/nchwc, nn_conv2d_nchwc_*) against the NCHW ground
// truth (conv::forward_ref): each case converts the input and residual to the blocked layout,
// runs the blocked layer and converts back. Shapes cover odd planes, channel counts that are
// not multiples of 16 (the padding lanes), several weight groups and a partial one, stride 2, the
// direct (stem) kernel from NCHW input with edge columns and asymmetric padding,
// residuals and the activations, and 1 vs 2 threads bit for bit. CTest runs the binary under
// every ISA cap: where the blocked kernels are absent (below AVX-512, arm64) every entry point
// must say so with NN_ERR_UNSUPPORTED, and the callers keep the NCHW path.
#include <cmath>
#include <string>
#include <vector>

#include "conv/conv.h"
#include "eltwise/eltwise.h"
#include "conv_epilogue_reference.h"
#include "test_util.h"

namespace {

int64_t blocked_size(int64_t n, int64_t c, int64_t hw) { return n * ((c + 15) / 16) * 16 * hw; }

int64_t nchwc_block() {
    int64_t b = -1;
    EXPECT_EQ(nn_nchwc_block(&b), NN_OK);
    return b;
}

std::vector<float> to_blocked(const std::vector<float>& x, int64_t n, int64_t c, int64_t hw) {
    std::vector<float> y(static_cast<size_t>(blocked_size(n, c, hw)), 99.0f);
    EXPECT_EQ(nn_nchwc_from_nchw(x.data(), n, c, hw, y.data()), NN_OK) << nn_last_error();
    return y;
}

struct Case {
    nn_conv2d_desc d;
    const char* what;
};

const Case kCases[] = {
    {{2, 24, 9, 7, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "pointwise, 24 -> 40 channels (padded lanes)"},
    {{1, 16, 5, 5, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "pointwise, one block each side"},
    {{1, 160, 7, 7, 960, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "pointwise, 15 weight groups, groups split"},
    {{1, 96, 7, 7, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "pointwise, one weight group, pixel bands narrowed"},
    {{1, 320, 7, 7, 1280, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "pointwise, MobileNet's last: 20 weight groups in chunks of 2 and 3"},
    {{1, 192, 7, 7, 160, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "pointwise, 3 weight groups, 49 pixels in even bands"},
    {{2, 96, 13, 11, 104, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "pointwise, 7 blocks: a partial group of 3"},
    {{1, 37, 23, 29, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "pointwise, several pixel bands"},
    {{2, 32, 15, 17, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32}, "depthwise 3x3 stride 1, odd plane"},
    {{1, 24, 12, 13, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 24}, "depthwise 3x3 stride 2, padded lanes"},
    {{1, 16, 1, 1, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 16}, "depthwise 3x3, 1x1 plane"},
    {{1, 20, 2, 9, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 20}, "depthwise 3x3 stride 2, two rows"},
    {{1, 48, 40, 40, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 48}, "depthwise 3x3, several row bands"},
    {{1, 32, 9, 37, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 32}, "depthwise 3x3 stride 2, 8-, 4-pixel and edge columns"},
    {{2, 3, 19, 23, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1}, "direct from NCHW: MobileNet's stem, odd plane"},
    {{1, 3, 64, 40, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1}, "direct from NCHW: stem, several row bands"},
    {{1, 1, 9, 10, 20, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1}, "direct from NCHW: 1 channel, 5x5, padded lanes"},
    {{1, 4, 8, 7, 72, 3, 2, 1, 2, 0, 2, 1, 0, 1, 1, 1}, "direct from NCHW: 3x2, asymmetric padding, 5 blocks"},
    {{2, 3, 15, 34, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},
     "direct from NCHW: ResNet's 7x7/2 stem, 17 columns (masked tiles at both edges, a 5-pixel last tile)"},
    {{1, 3, 9, 5, 40, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},
     "direct from NCHW: 7x7/2 on 5 columns (every pixel has taps outside both sides), 3 blocks"},
};

// The direct (stem) kind reads NCHW input (nn_conv2d_nchwc_supported: 2); the others blocked (1).
bool reads_nchw(const nn_conv2d_desc& d) {
    int32_t supported = 0;
    EXPECT_EQ(nn_conv2d_nchwc_supported(&d, &supported), NN_OK);
    return supported == 2;
}

const nn_unary_op kActs[] = {NN_UNARY_RELU6, NN_UNARY_IDENTITY, NN_UNARY_RELU, NN_UNARY_HARDSWISH, NN_UNARY_SIGMOID};

}  // namespace

TEST(Nchwc, ReordersRoundTripAndZeroThePaddingLanes) {
    if (nchwc_block() == 0) GTEST_SKIP() << "no blocked kernels under " << nn_test::active_isa_name();
    for (int64_t c : {1, 15, 16, 17, 40})
        for (int64_t hw : {1, 15, 16, 33}) {
            const int64_t n = 2;
            const auto x = nn_test::random_vector(n * c * hw, static_cast<uint32_t>(c * 100 + hw));
            const auto b = to_blocked(x, n, c, hw);
            const int64_t cb = (c + 15) / 16;
            for (int64_t i = 0; i < n; ++i)
                for (int64_t ch = 0; ch < cb * 16; ++ch)
                    for (int64_t p = 0; p < hw; ++p) {
                        const float got = b[static_cast<size_t>(((i * cb + ch / 16) * hw + p) * 16 + ch % 16)];
                        const float want = ch < c ? x[static_cast<size_t>((i * c + ch) * hw + p)] : 0.0f;
                        ASSERT_EQ(got, want) << "c=" << c << " hw=" << hw << " image " << i << " channel " << ch << " pixel " << p;
                    }
            std::vector<float> back(x.size(), -5.0f);
            ASSERT_EQ(nn_nchwc_to_nchw(b.data(), n, c, hw, back.data()), NN_OK) << nn_last_error();
            EXPECT_EQ(back, x) << "c=" << c << " hw=" << hw;
        }
}

TEST(Nchwc, BlockedLayersMatchTheReference) {
    if (nchwc_block() == 0) GTEST_SKIP() << "no blocked kernels under " << nn_test::active_isa_name();
    int variant = 0;
    for (const auto& c : kCases) {
        const auto p = nn::conv::validate(c.d);
        int32_t supported = 0;
        ASSERT_EQ(nn_conv2d_nchwc_supported(&c.d, &supported), NN_OK);
        ASSERT_EQ(supported, std::string(c.what).rfind("direct", 0) == 0 ? 2 : 1) << c.what;
        const auto w = nn_test::random_vector(p.k * p.crs, 130 + variant), b = nn_test::random_vector(p.k, 131 + variant);
        nn_conv2d_nchwc* pk = nullptr;
        const float* bias = variant % 3 == 2 ? nullptr : b.data();
        ASSERT_EQ(nn_conv2d_nchwc_pack(&c.d, w.data(), bias, &pk), NN_OK) << nn_last_error();
        for (bool with_res : {false, true}) {
            const nn_unary_op act = kActs[variant++ % 5];
            const int64_t ohw = p.oh * p.ow;
            const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 140 + variant);
            const auto res = nn_test::random_vector(p.n * p.k * ohw, 141 + variant);
            const auto xb = reads_nchw(c.d) ? x : to_blocked(x, p.n, p.c, p.h * p.w), rb = to_blocked(res, p.n, p.k, ohw);
            std::vector<float> yb(static_cast<size_t>(blocked_size(p.n, p.k, ohw)), -7.0f);
            ASSERT_EQ(nn_conv2d_nchwc_forward(pk, p.n, xb.data(), with_res ? rb.data() : nullptr, act, 0.0f, yb.data()),
                      NN_OK)
                << nn_last_error();
            std::vector<float> y(static_cast<size_t>(p.n * p.k * ohw), -9.0f);
            ASSERT_EQ(nn_nchwc_to_nchw(yb.data(), p.n, p.k, ohw, y.data()), NN_OK);
            const auto want = nn_test::conv_epilogue_reference(p, x, w, bias, with_res ? res.data() : nullptr, act, 0.0f);
            const std::string ctx = std::string(c.what) + " " + nn_test::describe(c.d) + " act=" + std::to_string(act) +
                                    (with_res ? " residual" : "");
            EXPECT_TRUE(nn_test::all_close(y.data(), want.data(), static_cast<int64_t>(y.size()), 1e-4f, 1e-5f, ctx));
            // The padding lanes hold act(0): zero for ReLU6, none and ReLU (what the next layer's
            // zero weights meet either way).
            if (p.k % 16 != 0 && (act == NN_UNARY_RELU6 || act == NN_UNARY_IDENTITY || act == NN_UNARY_RELU) && !with_res)
                for (int64_t ch = p.k; ch < (p.k + 15) / 16 * 16; ++ch)
                    EXPECT_EQ(yb[static_cast<size_t>((p.k / 16 * ohw) * 16 + ch % 16)], 0.0f) << ctx << " lane " << ch;
        }
        nn_conv2d_nchwc_destroy(pk);
    }
}

TEST(Nchwc, OneAndTwoThreadsAgreeBitwise) {
    if (nchwc_block() == 0) GTEST_SKIP() << "no blocked kernels under " << nn_test::active_isa_name();
    for (const auto& c : kCases) {
        const auto p = nn::conv::validate(c.d);
        const auto w = nn_test::random_vector(p.k * p.crs, 150), b = nn_test::random_vector(p.k, 151);
        const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 152);
        const auto xb = reads_nchw(c.d) ? x : to_blocked(x, p.n, p.c, p.h * p.w);
        nn_conv2d_nchwc* pk = nullptr;
        ASSERT_EQ(nn_conv2d_nchwc_pack(&c.d, w.data(), b.data(), &pk), NN_OK) << nn_last_error();
        const size_t ys = static_cast<size_t>(blocked_size(p.n, p.k, p.oh * p.ow));
        std::vector<float> one(ys, 1.0f), two(ys, 2.0f);
        {
            nn_test::ThreadScope t(1);
            ASSERT_EQ(nn_conv2d_nchwc_forward(pk, p.n, xb.data(), nullptr, NN_UNARY_RELU6, 0.0f, one.data()), NN_OK);
        }
        {
            nn_test::ThreadScope t(2);
            ASSERT_EQ(nn_conv2d_nchwc_forward(pk, p.n, xb.data(), nullptr, NN_UNARY_RELU6, 0.0f, two.data()), NN_OK);
        }
        EXPECT_EQ(one, two) << c.what;
        nn_conv2d_nchwc_destroy(pk);
    }
}

TEST(Nchwc, UnsupportedGeometryOrIsaAndBadArgumentsAreStatuses) {
    const nn_conv2d_desc strided1x1{1, 16, 8, 8, 16, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1};
    const nn_conv2d_desc dw5x5{1, 16, 8, 8, 16, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 16};
    const nn_conv2d_desc dense5ch{1, 5, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const nn_conv2d_desc pointwise{1, 16, 8, 8, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
    const std::vector<float> w(16 * 25, 0.5f), x(16 * 64, 1.0f);
    std::vector<float> y(16 * 64);
    for (const auto* d : {&strided1x1, &dw5x5, &dense5ch}) {
        int32_t supported = 7;
        ASSERT_EQ(nn_conv2d_nchwc_supported(d, &supported), NN_OK);
        EXPECT_EQ(supported, 0) << nn_test::describe(*d);
        nn_conv2d_nchwc* pk = reinterpret_cast<nn_conv2d_nchwc*>(&supported);
        EXPECT_EQ(nn_conv2d_nchwc_pack(d, w.data(), nullptr, &pk), NN_ERR_UNSUPPORTED) << nn_test::describe(*d);
        EXPECT_EQ(pk, nullptr);
    }
    int32_t supported = 7;
    ASSERT_EQ(nn_conv2d_nchwc_supported(&pointwise, &supported), NN_OK);
    if (nchwc_block() == 0) {
        EXPECT_EQ(supported, 0);
        nn_conv2d_nchwc* pk = nullptr;
        EXPECT_EQ(nn_conv2d_nchwc_pack(&pointwise, w.data(), nullptr, &pk), NN_ERR_UNSUPPORTED);
        EXPECT_EQ(nn_nchwc_from_nchw(x.data(), 1, 16, 64, y.data()), NN_ERR_UNSUPPORTED);
        EXPECT_EQ(nn_nchwc_to_nchw(x.data(), 1, 16, 64, y.data()), NN_ERR_UNSUPPORTED);
        return;
    }
    EXPECT_EQ(supported, 1);
    EXPECT_EQ(nn_nchwc_block(nullptr), NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_nchwc_from_nchw(x.data(), 1, 0, 64, y.data()), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("c="), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_nchwc_to_nchw(x.data(), 1, 16, 64, nullptr), NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_nchwc_from_nchw(x.data(), int64_t{1} << 40, 16, int64_t{1} << 30, y.data()), NN_ERR_INVALID_ARGUMENT);
    nn_conv2d_nchwc* pk = nullptr;
    ASSERT_EQ(nn_conv2d_nchwc_pack(&pointwise, w.data(), nullptr, &pk), NN_OK);
    EXPECT_EQ(nn_conv2d_nchwc_forward(pk, 0, x.data(), nullptr, NN_UNARY_RELU, 0.0f, y.data()), NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_nchwc_forward(pk, 1, x.data(), nullptr, static_cast<nn_unary_op>(999), 0.0f, y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_nchwc_forward(nullptr, 1, x.data(), nullptr, NN_UNARY_RELU, 0.0f, y.data()), NN_ERR_INVALID_ARGUMENT);
    nn_conv2d_nchwc_destroy(pk);
    EXPECT_EQ(nn_conv2d_nchwc_destroy(nullptr), NN_OK);
}
