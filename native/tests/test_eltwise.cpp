// Element-wise family: the active ISA path (through the C ABI) against the scalar reference
// (called directly), over odd sizes, special values, aliasing and 1 vs 2 threads.
#include <limits>
#include <string>
#include <vector>

#include "eltwise/eltwise.h"
#include "test_util.h"

namespace {

const int64_t kSizes[] = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 127, 129, 257, 100003};

struct UnaryCase {
    nn_unary_op op;
    const char* name;
    float lo, hi, alpha, rtol, atol;
};

// Tolerances state the accuracy promised by kernels/common/vecmath.h.
const UnaryCase kUnary[] = {
    {NN_UNARY_IDENTITY, "identity", -5, 5, 0, 0, 0},
    {NN_UNARY_RELU, "relu", -5, 5, 0, 0, 0},
    {NN_UNARY_SIGMOID, "sigmoid", -30, 30, 0, 3e-7f, 1e-7f},
    {NN_UNARY_TANH, "tanh", -10, 10, 0, 3e-7f, 1e-7f},
    {NN_UNARY_GELU, "gelu", -8, 8, 0, 5e-7f, 1e-7f},
    {NN_UNARY_LEAKY_RELU, "leaky_relu", -5, 5, 0.01f, 0, 0},
    {NN_UNARY_ELU, "elu", -10, 3, 1.3f, 3e-7f, 1e-7f},
    {NN_UNARY_EXP, "exp", -87, 88, 0, 3e-7f, 0},
    {NN_UNARY_LOG, "log", 1e-30f, 1e30f, 0, 3e-7f, 1e-7f},
    {NN_UNARY_NEG, "neg", -5, 5, 0, 0, 0},
    {NN_UNARY_ABS, "abs", -5, 5, 0, 0, 0},
    {NN_UNARY_SQRT, "sqrt", 0, 100, 0, 0, 0},
    {NN_UNARY_SQUARE, "square", -5, 5, 0, 0, 0},
    {NN_UNARY_SCALE, "scale", -5, 5, -0.7f, 0, 0},
    {NN_UNARY_RELU6, "relu6", -3, 9, 0, 0, 0},
    {NN_UNARY_HARDSWISH, "hardswish", -6, 6, 0, 3e-7f, 1e-7f},
    {NN_UNARY_HARDSIGMOID, "hardsigmoid", -6, 6, 0, 3e-7f, 1e-7f},
    {NN_UNARY_SILU, "silu", -30, 30, 0, 5e-7f, 1e-7f},
    {NN_UNARY_SOFTPLUS, "softplus", -40, 40, 0, 5e-7f, 1e-7f},
    {NN_UNARY_MISH, "mish", -30, 30, 0, 1e-6f, 1e-7f},
};

std::string ctx(const char* what, int64_t n) {
    return std::string(what) + " n=" + std::to_string(n) + " isa=" + nn_test::active_isa_name();
}

}  // namespace

TEST(Eltwise, UnaryMatchesReference) {
    const auto& ref = nn::eltwise::ref_kernels;
    for (const auto& c : kUnary)
        for (int64_t n : kSizes) {
            auto x = nn_test::random_vector(n, 7u + static_cast<uint32_t>(n), c.lo, c.hi);
            std::vector<float> got(static_cast<size_t>(n)), want(static_cast<size_t>(n));
            ASSERT_EQ(nn_unary(c.op, x.data(), got.data(), n, c.alpha), NN_OK) << nn_last_error();
            ref.unary(c.op, x.data(), want.data(), n, c.alpha);
            ASSERT_TRUE(nn_test::all_close(got.data(), want.data(), n, c.rtol, c.atol, ctx(c.name, n)));
        }
}

TEST(Eltwise, UnaryBackwardMatchesReference) {
    const auto& ref = nn::eltwise::ref_kernels;
    for (const auto& c : kUnary)
        for (int64_t n : {1, 17, 100, 4099}) {
            auto x = nn_test::random_vector(n, 11u, c.lo, c.hi);
            auto dy = nn_test::random_vector(n, 12u);
            std::vector<float> y(static_cast<size_t>(n)), got(static_cast<size_t>(n)), want(static_cast<size_t>(n));
            ref.unary(c.op, x.data(), y.data(), n, c.alpha);
            ASSERT_EQ(nn_unary_backward(c.op, x.data(), y.data(), dy.data(), got.data(), n, c.alpha), NN_OK);
            ref.unary_backward(c.op, x.data(), y.data(), dy.data(), want.data(), n, c.alpha);
            ASSERT_TRUE(nn_test::all_close(got.data(), want.data(), n, 2e-6f, 1e-7f, ctx(c.name, n)));
        }
}

TEST(Eltwise, SpecialValuesFollowTheReference) {
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> x = {0.0f, -0.0f, inf, -inf, nan, 1e-40f, -1e-40f, 100.0f, -100.0f, 88.7f, -104.0f,
                            3.0e38f, 1e-7f, -1e-7f, 0.6249f, 0.6251f, 20.0f};
    const int64_t n = static_cast<int64_t>(x.size());
    for (nn_unary_op op : {NN_UNARY_RELU, NN_UNARY_SIGMOID, NN_UNARY_TANH, NN_UNARY_EXP, NN_UNARY_GELU, NN_UNARY_RELU6,
                            NN_UNARY_SILU, NN_UNARY_SOFTPLUS}) {
        std::vector<float> got(x.size()), want(x.size());
        ASSERT_EQ(nn_unary(op, x.data(), got.data(), n, 0.0f), NN_OK);
        nn::eltwise::ref_kernels.unary(op, x.data(), want.data(), n, 0.0f);
        EXPECT_TRUE(nn_test::all_close(got.data(), want.data(), n, 5e-7f, 1e-30f, ctx("special", n)))
            << "op=" << op;
    }
    // log: positive finite, zero, negative, inf, NaN.
    std::vector<float> lx = {1.0f, 0.0f, -1.0f, inf, nan, 2.0f, 1e-45f}, lg(lx.size()), lw(lx.size());
    ASSERT_EQ(nn_unary(NN_UNARY_LOG, lx.data(), lg.data(), static_cast<int64_t>(lx.size()), 0.0f), NN_OK);
    nn::eltwise::ref_kernels.unary(NN_UNARY_LOG, lx.data(), lw.data(), static_cast<int64_t>(lx.size()), 0.0f);
    EXPECT_EQ(lg[0], 0.0f);
    EXPECT_TRUE(std::isinf(lg[1]) && lg[1] < 0);
    EXPECT_TRUE(std::isnan(lg[2]));
    EXPECT_TRUE(std::isinf(lg[3]) && lg[3] > 0);
    EXPECT_TRUE(std::isnan(lg[4]));
    EXPECT_TRUE(nn_test::close(lg[5], lw[5], 3e-7f, 0));
}

TEST(Eltwise, BinaryMatchesReferenceAndAllowsAliasing) {
    for (nn_binary_op op : {NN_BINARY_ADD, NN_BINARY_SUB, NN_BINARY_MUL, NN_BINARY_DIV, NN_BINARY_MAX, NN_BINARY_MIN})
        for (int64_t n : kSizes) {
            auto a = nn_test::random_vector(n, 1u), b = nn_test::random_vector(n, 2u, 0.5f, 2.0f);
            std::vector<float> want(static_cast<size_t>(n));
            nn::eltwise::ref_kernels.binary(op, a.data(), b.data(), want.data(), n);
            ASSERT_EQ(nn_binary(op, a.data(), b.data(), a.data(), n), NN_OK);  // y aliases a
            ASSERT_TRUE(nn_test::all_close(a.data(), want.data(), n, 0, 0, ctx("binary", n)));
        }
}

TEST(Eltwise, AxpbyWithZeroBetaNeverReadsY) {
    for (int64_t n : kSizes) {
        auto x = nn_test::random_vector(n, 3u);
        std::vector<float> y(static_cast<size_t>(n), std::numeric_limits<float>::quiet_NaN());
        std::vector<float> want(static_cast<size_t>(n));
        nn::eltwise::ref_kernels.axpby(n, 0.5f, x.data(), 0.0f, want.data());
        ASSERT_EQ(nn_axpby(n, 0.5f, x.data(), 0.0f, y.data()), NN_OK);
        ASSERT_TRUE(nn_test::all_close(y.data(), want.data(), n, 0, 0, ctx("axpby beta=0", n)));
        auto y2 = nn_test::random_vector(n, 4u), want2 = y2;
        nn::eltwise::ref_kernels.axpby(n, -1.5f, x.data(), 1.3f, want2.data());
        ASSERT_EQ(nn_axpby(n, -1.5f, x.data(), 1.3f, y2.data()), NN_OK);
        ASSERT_TRUE(nn_test::all_close(y2.data(), want2.data(), n, 0, 0, ctx("axpby", n)));
    }
}

TEST(Eltwise, ResultsAreBitwiseEqualForOneAndTwoThreads) {
    const int64_t n = 1 << 20;
    auto x = nn_test::random_vector(n, 5u, -4, 4);
    std::vector<float> one(static_cast<size_t>(n)), two(static_cast<size_t>(n));
    double s1 = 0, s2 = 0;
    {
        nn_test::ThreadScope t(1);
        ASSERT_EQ(nn_unary(NN_UNARY_GELU, x.data(), one.data(), n, 0), NN_OK);
        ASSERT_EQ(nn_sum(x.data(), n, &s1), NN_OK);
    }
    {
        nn_test::ThreadScope t(2);
        ASSERT_EQ(nn_unary(NN_UNARY_GELU, x.data(), two.data(), n, 0), NN_OK);
        ASSERT_EQ(nn_sum(x.data(), n, &s2), NN_OK);
    }
    EXPECT_EQ(one, two);
    EXPECT_EQ(s1, s2);
}

TEST(Eltwise, SumIsAccurate) {
    for (int64_t n : kSizes) {
        auto x = nn_test::random_vector(n, 9u);
        double want = 0;
        for (float v : x) want += v;
        double got = -1;
        ASSERT_EQ(nn_sum(x.data(), n, &got), NN_OK);
        EXPECT_NEAR(got, want, 1e-9 * (1 + static_cast<double>(n))) << "n=" << n;
    }
}

TEST(Eltwise, FillWritesExactlyNElements) {
    // Sizes below and above one thread's grain (1 << 15), with a sentinel just past the end.
    for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{17}, int64_t{100003}, int64_t{(1 << 20) + 3}})
        for (int threads : {1, 2}) {
            nn_test::ThreadScope t(threads);
            std::vector<float> y(static_cast<size_t>(n) + 1, 7.0f);
            ASSERT_EQ(nn_fill(y.data(), n, -0.25f), NN_OK);
            for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[static_cast<size_t>(i)], -0.25f) << "n=" << n << " i=" << i;
            EXPECT_EQ(y[static_cast<size_t>(n)], 7.0f) << "n=" << n << " wrote past the end";
        }
    float nan_buf[3] = {};
    ASSERT_EQ(nn_fill(nan_buf, 3, std::numeric_limits<float>::quiet_NaN()), NN_OK);
    for (float v : nan_buf) EXPECT_TRUE(std::isnan(v));
}

TEST(Eltwise, BadArgumentsNameTheArgument) {
    float buf[4] = {};
    EXPECT_EQ(nn_unary(NN_UNARY_RELU, nullptr, buf, 4, 0), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("x must not be null"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_unary(NN_UNARY_RELU, buf, buf, -1, 0), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("n=-1"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_unary(static_cast<nn_unary_op>(99), buf, buf, 4, 0), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("op=99"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_binary(static_cast<nn_binary_op>(-1), buf, buf, buf, 4), NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_sum(buf, 4, nullptr), NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_fill(nullptr, 4, 1.0f), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("y must not be null"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_fill(buf, -2, 1.0f), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("n=-2"), std::string::npos) << nn_last_error();
    // Zero-length calls accept null pointers: nothing is touched.
    EXPECT_EQ(nn_unary(NN_UNARY_RELU, nullptr, nullptr, 0, 0), NN_OK);
}
