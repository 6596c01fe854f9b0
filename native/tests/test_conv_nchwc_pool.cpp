// nn_conv2d_nchwc_forward_maxpool (src/conv/nchwc/nchwc_pool.cpp): a stem convolution and the
// max pooling of its output in bands of pooled rows must give, bit for bit, the separate calls
// (nn_conv2d_nchwc_forward, nn_nchwc_to_nchw, nn_max_pool2d_forward) at 1 and 2 threads: the
// bands keep or recompute shared rows, so every output must still come out of the same operations.
// Shapes: ResNet's 7x7/2 stem with its 3x3/2 padded pooling (small plane, several bands and two
// weight groups; a near-full-size plane whose bands keep the rows they share and whose pooled
// rows span several 16-pixel tiles), a 2x2/2 pooling that drops the last odd row and column, a
// 5-block partial group with a NaN in the input (PyTorch's NaN rule), +0/-0 ties (the window's
// first wins), and a batch of two images.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "conv/conv.h"
#include "test_util.h"

namespace {

uint32_t bits(float v) {
    uint32_t u;
    std::memcpy(&u, &v, sizeof u);
    return u;
}

int64_t nchwc_block() {
    int64_t b = -1;
    EXPECT_EQ(nn_nchwc_block(&b), NN_OK);
    return b;
}

struct PoolCase {
    nn_conv2d_desc d;
    int64_t kh, kw, sh, sw, ph, pw;
    nn_unary_op act;
    bool nan;
    bool signed_zeros;  // x = 0, bias -0, weights negative but at tap column 0: the outputs whose
                        // column-0 tap falls in the padding are -0, the others +0
    const char* what;
};

const PoolCase kPoolCases[] = {
    {{1, 3, 42, 38, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1}, 3, 3, 2, 2, 1, 1, NN_UNARY_RELU, false, false,
     "ResNet's stem 7x7/2 and 3x3/2 pooling, 42x38 input"},
    {{1, 3, 230, 222, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1}, 3, 3, 2, 2, 1, 1, NN_UNARY_RELU, false, false,
     "stem, 230x222 input: several bands (kept rows), 56 pooled columns (three 16-pixel tiles and a tail)"},
    {{1, 3, 20, 800, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1}, 3, 3, 2, 2, 1, 1, NN_UNARY_RELU, false, false,
     "stem on a 20x800 input: bands of two pooled rows (1 MiB L2), 5 pooled rows in chunks of 3 and 2"},
    {{1, 3, 40, 70, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1}, 3, 3, 2, 2, 1, 1, NN_UNARY_RELU, false, true,
     "stem over zeros: +0 and -0 ties in the windows (the first tap's sign wins)"},
    {{2, 3, 30, 26, 128, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1}, 3, 3, 2, 2, 1, 1, NN_UNARY_RELU, false, false,
     "stem, two images, two weight groups"},
    {{1, 4, 23, 21, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1}, 2, 2, 2, 2, 0, 0, NN_UNARY_IDENTITY, false, false,
     "3x3/2 stem, 2x2/2 pooling of a 12x11 output (last row and column dropped)"},
    {{1, 1, 17, 19, 72, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 1}, 3, 2, 1, 2, 1, 0, NN_UNARY_IDENTITY, true, false,
     "5x5/2, 5 blocks (a partial group, padded lanes), 3x2 pooling stride 1x2, a NaN"},
};

std::vector<float> separate(const PoolCase& c, nn_conv2d_nchwc* pk, const std::vector<float>& x, int64_t poh, int64_t pow_) {
    const auto p = nn::conv::validate(c.d);
    const int64_t ohw = p.oh * p.ow, kp = (p.k + 15) / 16 * 16;
    std::vector<float> yb(static_cast<size_t>(p.n * kp * ohw)), y(static_cast<size_t>(p.n * p.k * ohw));
    EXPECT_EQ(nn_conv2d_nchwc_forward(pk, p.n, x.data(), nullptr, c.act, 0.0f, yb.data()), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_nchwc_to_nchw(yb.data(), p.n, p.k, ohw, y.data()), NN_OK);
    nn_pool2d_desc pd{p.n, p.k, p.oh, p.ow, c.kh, c.kw, c.sh, c.sw, c.ph, c.pw, 1, 1, 0};
    std::vector<float> out(static_cast<size_t>(p.n * p.k * poh * pow_));
    EXPECT_EQ(nn_max_pool2d_forward(&pd, y.data(), out.data(), nullptr), NN_OK) << nn_last_error();
    return out;
}

}  // namespace

TEST(NchwcMaxPool, StemAndPoolingInBandsEqualTheSeparateCallsBitwise) {
    if (nchwc_block() == 0) GTEST_SKIP() << "no blocked kernels under " << nn_test::active_isa_name();
    int seed = 300;
    for (const auto& c : kPoolCases) {
        const auto p = nn::conv::validate(c.d);
        nn_pool2d_desc pd{p.n, p.k, p.oh, p.ow, c.kh, c.kw, c.sh, c.sw, c.ph, c.pw, 1, 1, 0};
        int64_t poh = 0, pow_ = 0;
        ASSERT_EQ(nn_pool2d_output_size(&pd, &poh, &pow_), NN_OK);
        auto w = nn_test::random_vector(p.k * p.crs, seed++), b = nn_test::random_vector(p.k, seed++);
        auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, seed++);
        if (c.nan) x[static_cast<size_t>(5 * p.w + 7)] = std::nanf("");
        if (c.signed_zeros) {
            std::fill(x.begin(), x.end(), 0.0f);
            std::fill(b.begin(), b.end(), -0.0f);
            for (size_t i = 0; i < w.size(); ++i)
                w[i] = (i % static_cast<size_t>(p.s) == 0 ? 1.0f : -1.0f) * (std::fabs(w[i]) + 0.1f);
        }
        nn_conv2d_nchwc* pk = nullptr;
        ASSERT_EQ(nn_conv2d_nchwc_pack(&c.d, w.data(), b.data(), &pk), NN_OK) << nn_last_error();
        for (int threads : {1, 2}) {
            nn_test::ThreadScope scope(threads);
            const auto want = separate(c, pk, x, poh, pow_);
            std::vector<float> got(want.size(), -5.0f);
            ASSERT_EQ(nn_conv2d_nchwc_forward_maxpool(pk, p.n, x.data(), c.act, 0.0f, &pd, got.data()), NN_OK)
                << nn_last_error();
            int64_t nans = 0;
            for (size_t i = 0; i < want.size(); ++i) {
                nans += std::isnan(want[i]) ? 1 : 0;
                ASSERT_EQ(std::isnan(want[i]), std::isnan(got[i])) << c.what << " threads " << threads << " at " << i;
                if (!std::isnan(want[i]))
                    ASSERT_EQ(bits(want[i]), bits(got[i])) << c.what << " threads " << threads << " at " << i;
            }
            EXPECT_EQ(nans > 0, c.nan) << c.what;
            if (c.signed_zeros) {
                const auto negative = std::count_if(want.begin(), want.end(), [](float v) { return std::signbit(v); });
                EXPECT_GT(negative, 0) << c.what;
                EXPECT_LT(negative, static_cast<std::ptrdiff_t>(want.size())) << c.what;
            }
        }
        nn_conv2d_nchwc_destroy(pk);
    }
}

TEST(NchwcMaxPool, BadArgumentsAreStatusesNamingThem) {
    const nn_conv2d_desc stem{1, 3, 16, 16, 32, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1};
    const nn_conv2d_desc pointwise{1, 16, 8, 8, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
    const std::vector<float> w(32 * 3 * 49, 0.1f), x(3 * 16 * 16, 1.0f);
    std::vector<float> y(32 * 4 * 4);
    nn_pool2d_desc pd{1, 32, 8, 8, 3, 3, 2, 2, 1, 1, 1, 1, 0};
    if (nchwc_block() == 0) {
        nn_conv2d_nchwc* pk = nullptr;
        EXPECT_EQ(nn_conv2d_nchwc_pack(&stem, w.data(), nullptr, &pk), NN_ERR_UNSUPPORTED);
        return;
    }
    nn_conv2d_nchwc* pk = nullptr;
    ASSERT_EQ(nn_conv2d_nchwc_pack(&stem, w.data(), nullptr, &pk), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_conv2d_nchwc_forward_maxpool(pk, 1, x.data(), NN_UNARY_RELU, 0.0f, &pd, y.data()), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_conv2d_nchwc_forward_maxpool(pk, 1, x.data(), NN_UNARY_RELU, 0.0f, nullptr, y.data()), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("pool"), std::string::npos) << nn_last_error();
    nn_pool2d_desc wrong = pd;
    wrong.h = 9;
    EXPECT_EQ(nn_conv2d_nchwc_forward_maxpool(pk, 1, x.data(), NN_UNARY_RELU, 0.0f, &wrong, y.data()), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("pool->h"), std::string::npos) << nn_last_error();
    wrong = pd;
    wrong.dilation_h = 2;
    EXPECT_EQ(nn_conv2d_nchwc_forward_maxpool(pk, 1, x.data(), NN_UNARY_RELU, 0.0f, &wrong, y.data()), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("dilation"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_conv2d_nchwc_forward_maxpool(pk, 2, x.data(), NN_UNARY_RELU, 0.0f, &pd, y.data()), NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_nchwc_forward_maxpool(pk, 1, nullptr, NN_UNARY_RELU, 0.0f, &pd, y.data()), NN_ERR_INVALID_ARGUMENT);
    nn_conv2d_nchwc* pw = nullptr;
    ASSERT_EQ(nn_conv2d_nchwc_pack(&pointwise, w.data(), nullptr, &pw), NN_OK);
    nn_pool2d_desc pp{1, 16, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1, 0};
    EXPECT_EQ(nn_conv2d_nchwc_forward_maxpool(pw, 1, x.data(), NN_UNARY_RELU, 0.0f, &pp, y.data()), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("stem"), std::string::npos) << nn_last_error();
    nn_conv2d_nchwc_destroy(pw);
    nn_conv2d_nchwc_destroy(pk);
}
