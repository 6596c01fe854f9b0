// The bf16 Winograd convolution (nn_conv2d_pack_bf16 + nn_conv2d_packed_forward) on every ISA cap:
// bf16 products where the process has them (avx512_bf16), the rounded operands on the float32
// kernels below that cap (native.avx512 and lower run the fallback).
//   - Small integer inputs and weights make every transformed operand exact in bf16, so the
//     result must equal the convolution's definition to float32 rounding: this checks the pair
//     layout of U and V, the bias start and the output transform, not just an error bound.
//   - Random inputs: within a bf16 bound of the definition, and not equal to the float32 result
//     (the operands really are rounded).
//   - 1 and 2 threads give the same bits; direct and depthwise shapes pack as in float32.
//   - The unpacked forward and the data gradient (mixed-precision training) likewise.
//   - The im2col GEMM path (strided and 1x1 layers, Bf16Im2col): the same checks, on every build.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "bf16/bf16.h"
#include "conv/conv.h"
#include "conv/conv_direct.h"
#include "conv/conv_winograd.h"
#include "test_util.h"

namespace {

struct Bf16Case {
    nn_conv2d_desc d;
    const char* what;
};

const Bf16Case kWinogradCases[] = {
    {{2, 16, 12, 13, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "Winograd"},
    {{1, 9, 10, 11, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "Winograd, odd input channels"},
    {{2, 32, 9, 9, 16, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 2}, "Winograd, groups, no padding"},
    {{1, 16, 10, 10, 96, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "Winograd, one tile block, channels split"},
};

std::vector<float> small_integers(int64_t n, uint32_t seed, float lo, float hi) {
    auto v = nn_test::random_vector(n, seed, lo, hi);
    for (auto& x : v) x = std::round(x);
    return v;
}

std::vector<float> reference(const nn::conv::shape& p, const std::vector<float>& x, const std::vector<float>& w,
                             const float* bias) {
    std::vector<float> y(static_cast<size_t>(p.n * p.k * p.oh * p.ow));
    nn::conv::forward_ref(p, x.data(), w.data(), bias, 0, y.data());
    return y;
}

std::vector<float> packed_forward(const nn_conv2d_desc& d, bool bf16, const std::vector<float>& x,
                                  const std::vector<float>& w, const float* bias, int64_t n) {
    const auto p = nn::conv::validate(d);
    nn_conv2d_packed* pk = nullptr;
    const nn_status st = bf16 ? nn_conv2d_pack_bf16(&d, w.data(), bias, &pk) : nn_conv2d_pack(&d, w.data(), bias, &pk);
    EXPECT_EQ(st, NN_OK) << nn_last_error();
    std::vector<float> y(static_cast<size_t>(n * p.k * p.oh * p.ow), -7.0f);
    EXPECT_EQ(nn_conv2d_packed_forward(pk, n, x.data(), nullptr, NN_UNARY_IDENTITY, 0.0f, y.data()), NN_OK) << nn_last_error();
    nn_conv2d_packed_destroy(pk);
    return y;
}

// The bf16 packed forward of every case at 1 and at 2 threads: bitwise equal (seed, seed + 1,
// seed + 2 draw x, w and the bias).
template <size_t N>
void expect_same_bits_at_one_and_two_threads(const Bf16Case (&cases)[N], uint32_t seed) {
    for (const auto& c : cases) {
        const auto p = nn::conv::validate(c.d);
        const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, seed);
        const auto w = nn_test::random_vector(p.k * p.crs, seed + 1);
        const auto b = nn_test::random_vector(p.k, seed + 2);
        std::vector<float> one, two;
        {
            nn_test::ThreadScope t(1);
            one = packed_forward(c.d, true, x, w, b.data(), p.n);
        }
        {
            nn_test::ThreadScope t(2);
            two = packed_forward(c.d, true, x, w, b.data(), p.n);
        }
        EXPECT_EQ(0, std::memcmp(one.data(), two.data(), one.size() * 4)) << c.what;
    }
}

std::vector<float> abs_of(std::vector<float> v) {
    for (auto& x : v) x = std::fabs(x);
    return v;
}

}  // namespace

// The bf16 products are the Winograd path's; where this build has no Winograd kernels (NEON), every
// convolution runs in float32, which OtherAlgorithmsPackAsFloat32 checks.
#define SKIP_WITHOUT_WINOGRAD()                   \
    if (!nn::conv::winograd::available())         \
    GTEST_SKIP() << "no Winograd kernels in this build: bf16 convolutions run as float32"

TEST(Bf16Winograd, ExactOperandsGiveTheDefinition) {
    SKIP_WITHOUT_WINOGRAD();
    int variant = 0;
    for (const auto& c : kWinogradCases) {
        const auto p0 = nn::conv::validate(c.d);
        ASSERT_TRUE(nn::conv::takes_winograd(p0)) << c.what;
        // |x| <= 4, |w| <= 4 integers: V = B^T d B and U = G g G^T (multiples of 1/4) stay within
        // bf16's 8 significant bits, so rounding them changes nothing.
        const auto w = small_integers(p0.k * p0.crs, 60 + variant, -4.0f, 4.0f);
        const auto b = small_integers(p0.k, 61 + variant, -4.0f, 4.0f);
        const float* bias = variant % 2 ? nullptr : b.data();
        for (int64_t n : {p0.n, p0.n + 1}) {
            auto p = p0;
            p.n = n;
            const auto x = small_integers(n * p.c * p.h * p.w, 62 + variant, -4.0f, 4.0f);
            const auto got = packed_forward(c.d, true, x, w, bias, n);
            const auto want = reference(p, x, w, bias);
            const std::string ctx = std::string(c.what) + " " + nn_test::describe(c.d) + " n=" + std::to_string(n);
            EXPECT_TRUE(nn_test::all_close(got.data(), want.data(), static_cast<int64_t>(want.size()), 1e-6f, 1e-4f, ctx));
        }
        ++variant;
    }
}

TEST(Bf16Winograd, RandomOperandsWithinTheBf16BoundAndRounded) {
    SKIP_WITHOUT_WINOGRAD();
    int variant = 0;
    for (const auto& c : kWinogradCases) {
        const auto p = nn::conv::validate(c.d);
        const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 70 + variant);
        const auto w = nn_test::random_vector(p.k * p.crs, 71 + variant);
        const auto b = nn_test::random_vector(p.k, 72 + variant);
        const auto got = packed_forward(c.d, true, x, w, b.data(), p.n);
        const auto f32 = packed_forward(c.d, false, x, w, b.data(), p.n);
        const auto want = reference(p, x, w, b.data());
        // scale[i] = sum |w| |x| over output i's taps. Each product of rounded operands is within
        // 2^-8 of the exact one, and the transforms add at most 16 such terms per tap (4 x 4
        // patch, coefficients <= 1): 2^-4 of the scale bounds the error with room to spare.
        const auto scale = reference(p, abs_of(x), abs_of(w), nullptr);
        double worst = 0.0, differ = 0.0;
        for (size_t i = 0; i < want.size(); ++i) {
            const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
            ASSERT_LE(err, 0.0625 * scale[i] + 1e-6) << c.what << " " << nn_test::describe(c.d) << " at " << i;
            worst = std::max(worst, err / (scale[i] + 1e-6));
            differ = std::max(differ, std::fabs(static_cast<double>(got[i]) - f32[i]) / (scale[i] + 1e-6));
        }
        // The operands are rounded: float32 and bf16 results differ well past float32 rounding.
        EXPECT_GT(differ, 1e-4) << c.what << ": the bf16 pack gave the float32 result";
        EXPECT_LT(worst, 0.02) << c.what;
        ++variant;
    }
}

TEST(Bf16Winograd, OneAndTwoThreadsGiveTheSameBits) { expect_same_bits_at_one_and_two_threads(kWinogradCases, 80); }

TEST(Bf16Winograd, OtherAlgorithmsPackAsFloat32) {
    const nn_conv2d_desc cases[] = {
        {2, 4, 10, 12, 6, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1},    // direct
        {2, 16, 14, 15, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 16}  // depthwise
    };
    for (const auto& d : cases) {
        const auto p = nn::conv::validate(d);
        // Without direct kernels (linux-arm64) the first shape is an im2col one: bf16 products.
        if (d.groups == 1 && !nn::conv::takes_direct(p)) continue;
        const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 90), w = nn_test::random_vector(p.k * p.crs, 91);
        const auto bf = packed_forward(d, true, x, w, nullptr, p.n), f32 = packed_forward(d, false, x, w, nullptr, p.n);
        EXPECT_EQ(0, std::memcmp(bf.data(), f32.data(), bf.size() * 4)) << nn_test::describe(d);
    }
}

TEST(Bf16Winograd, PackRejectsBadArguments) {
    const nn_conv2d_desc d{1, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    std::vector<float> w(16 * 16 * 9, 0.5f);
    nn_conv2d_packed* pk = nullptr;
    EXPECT_EQ(nn_conv2d_pack_bf16(&d, w.data(), nullptr, nullptr), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("out"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_conv2d_pack_bf16(&d, nullptr, nullptr, &pk), NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(pk, nullptr);
    nn_conv2d_desc bad = d;
    bad.groups = 3;
    EXPECT_EQ(nn_conv2d_pack_bf16(&bad, w.data(), nullptr, &pk), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("groups"), std::string::npos) << nn_last_error();
    EXPECT_EQ(pk, nullptr);
}

// Mixed-precision training: the unpacked forward and the data gradient with bf16 products.
TEST(Bf16Winograd, UnpackedForwardEqualsThePackedOne) {
    for (const auto& c : kWinogradCases) {
        const auto p = nn::conv::validate(c.d);
        const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 100), w = nn_test::random_vector(p.k * p.crs, 101);
        const auto b = nn_test::random_vector(p.k, 102);
        const auto packed = packed_forward(c.d, true, x, w, b.data(), p.n);
        std::vector<float> y(packed.size(), -7.0f);
        ASSERT_EQ(nn_conv2d_forward_bf16(&c.d, x.data(), w.data(), b.data(), NN_UNARY_IDENTITY, y.data()), NN_OK) << nn_last_error();
        EXPECT_EQ(0, std::memcmp(y.data(), packed.data(), y.size() * 4)) << c.what;
    }
}

TEST(Bf16Winograd, DataGradientTakesBf16Products) {
    SKIP_WITHOUT_WINOGRAD();
    // Stride 1 with 32 input channels: dx is the flipped-weights forward, on Winograd.
    const nn_conv2d_desc d{2, 32, 12, 11, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const auto p = nn::conv::validate(d);
    const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow;
    // Exact operands: the definition to float32 rounding.
    {
        const auto dy = small_integers(ys, 110, -4.0f, 4.0f), w = small_integers(p.k * p.crs, 111, -4.0f, 4.0f);
        std::vector<float> got(static_cast<size_t>(xs), -7.0f), want(got.size());
        ASSERT_EQ(nn_conv2d_backward_data_bf16(&d, dy.data(), w.data(), got.data()), NN_OK) << nn_last_error();
        nn::conv::backward_data_ref(p, dy.data(), w.data(), want.data());
        EXPECT_TRUE(nn_test::all_close(got.data(), want.data(), xs, 1e-6f, 1e-4f, "bf16 data gradient, exact operands"));
    }
    // Random operands: within the bound of Σ|w||dy|, and rounded.
    const auto dy = nn_test::random_vector(ys, 112), w = nn_test::random_vector(p.k * p.crs, 113);
    std::vector<float> got(static_cast<size_t>(xs)), f32(got.size()), want(got.size()), scale(got.size());
    ASSERT_EQ(nn_conv2d_backward_data_bf16(&d, dy.data(), w.data(), got.data()), NN_OK);
    ASSERT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), f32.data()), NN_OK);
    nn::conv::backward_data_ref(p, dy.data(), w.data(), want.data());
    nn::conv::backward_data_ref(p, abs_of(dy).data(), abs_of(w).data(), scale.data());
    double differ = 0.0;
    for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_LE(std::fabs(static_cast<double>(got[i]) - want[i]), 0.0625 * scale[i] + 1e-6) << "at " << i;
        differ = std::max(differ, std::fabs(static_cast<double>(got[i]) - f32[i]) / (scale[i] + 1e-6));
    }
    EXPECT_GT(differ, 1e-4) << "the bf16 data gradient gave the float32 result";
}

TEST(Bf16Winograd, TrainingCallsOnDirectKernelsAreFloat32) {
    // Stride 1, few channels: the direct kernels (forward and data gradient), float32 where the
    // build has them; elsewhere the im2col path's bf16 products (Bf16Im2col below).
    const nn_conv2d_desc d{2, 4, 10, 12, 6, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1};
    const auto p = nn::conv::validate(d);
    const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 120), w = nn_test::random_vector(p.k * p.crs, 121);
    const auto dy = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 122);
    std::vector<float> a(dy.size()), b(dy.size()), da(x.size()), db(x.size());
    if (nn::conv::takes_direct(p)) {
        ASSERT_EQ(nn_conv2d_forward_bf16(&d, x.data(), w.data(), nullptr, NN_UNARY_RELU, a.data()), NN_OK);
        ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), nullptr, NN_UNARY_RELU, b.data()), NN_OK);
        EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * 4));
        ASSERT_EQ(nn_conv2d_backward_data_bf16(&d, dy.data(), w.data(), da.data()), NN_OK);
        ASSERT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), db.data()), NN_OK);
        EXPECT_EQ(0, std::memcmp(da.data(), db.data(), da.size() * 4));
    }
    EXPECT_EQ(nn_conv2d_forward_bf16(nullptr, x.data(), w.data(), nullptr, NN_UNARY_RELU, a.data()), NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_backward_data_bf16(&d, nullptr, w.data(), da.data()), NN_ERR_INVALID_ARGUMENT);
}

// The im2col GEMM path in bf16 (conv/conv_gemm_bf16.h): strided layers, 1x1 layers, ResNet's stem.
namespace {

const Bf16Case kIm2colCases[] = {
    {{2, 3, 20, 21, 16, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1}, "7x7 stride 2 (ResNet's stem)"},
    {{2, 6, 13, 13, 10, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2}, "3x3 stride 2, groups"},
    {{3, 24, 9, 9, 40, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1}, "1x1 stride 2 (ResNet's downsample)"},
    {{2, 24, 9, 9, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "1x1 stride 1 (the input is the operand)"},
    {{1, 32, 7, 7, 48, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1}, "batch 1, one band: output channels split"},
};

}  // namespace

TEST(Bf16Im2col, ExactOperandsGiveTheDefinition) {
    int variant = 0;
    for (const auto& c : kIm2colCases) {
        const auto p = nn::conv::validate(c.d);
        ASSERT_FALSE(nn::conv::takes_winograd(p) || nn::conv::takes_direct(p)) << c.what;
        // Integers up to 4 are exact in bf16 and their sums of products exact in float32.
        const auto x = small_integers(p.n * p.c * p.h * p.w, 130 + variant, -4.0f, 4.0f);
        const auto w = small_integers(p.k * p.crs, 131 + variant, -4.0f, 4.0f);
        const auto b = small_integers(p.k, 132 + variant, -8.0f, 8.0f);
        const auto want = reference(p, x, w, b.data());
        const auto got = packed_forward(c.d, true, x, w, b.data(), p.n);
        EXPECT_TRUE(nn_test::all_close(got.data(), want.data(), static_cast<int64_t>(want.size()), 0.0f, 1e-6f, c.what));
        std::vector<float> unpacked(want.size(), -7.0f);
        ASSERT_EQ(nn_conv2d_forward_bf16(&c.d, x.data(), w.data(), b.data(), NN_UNARY_IDENTITY, unpacked.data()), NN_OK)
            << nn_last_error();
        EXPECT_EQ(0, std::memcmp(unpacked.data(), got.data(), got.size() * 4)) << c.what;
        ++variant;
    }
}

TEST(Bf16Im2col, RandomOperandsWithinTheBf16BoundAndRounded) {
    int variant = 0;
    for (const auto& c : kIm2colCases) {
        const auto p = nn::conv::validate(c.d);
        const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 140 + variant);
        const auto w = nn_test::random_vector(p.k * p.crs, 141 + variant);
        const auto b = nn_test::random_vector(p.k, 142 + variant);
        const auto got = packed_forward(c.d, true, x, w, b.data(), p.n);
        const auto f32 = packed_forward(c.d, false, x, w, b.data(), p.n);
        const auto want = reference(p, x, w, b.data());
        const auto scale = reference(p, abs_of(x), abs_of(w), nullptr);
        double differ = 0.0;
        for (size_t i = 0; i < want.size(); ++i) {
            // Two roundings of 2^-9 each per product, float32 sums: 2^-7 of the scale.
            ASSERT_LE(std::fabs(static_cast<double>(got[i]) - want[i]), 0.0078125 * scale[i] + 1e-5) << c.what << " at " << i;
            differ = std::max(differ, std::fabs(static_cast<double>(got[i]) - f32[i]) / (scale[i] + 1e-6));
        }
        EXPECT_GT(differ, 1e-4) << c.what << ": the bf16 pack gave the float32 result";
        ++variant;
    }
}

TEST(Bf16Im2col, OneAndTwoThreadsGiveTheSameBits) { expect_same_bits_at_one_and_two_threads(kIm2colCases, 150); }

TEST(Bf16Im2col, PackedResidualAndActivationAfterTheProducts) {
    const auto& c = kIm2colCases[2];
    const auto p = nn::conv::validate(c.d);
    const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 160), w = nn_test::random_vector(p.k * p.crs, 161);
    const auto b = nn_test::random_vector(p.k, 162);
    const auto res = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 163);
    const auto plain = packed_forward(c.d, true, x, w, b.data(), p.n);
    nn_conv2d_packed* pk = nullptr;
    ASSERT_EQ(nn_conv2d_pack_bf16(&c.d, w.data(), b.data(), &pk), NN_OK) << nn_last_error();
    std::vector<float> y(plain.size()), fused(plain.size());
    ASSERT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), res.data(), NN_UNARY_RELU, 0.0f, y.data()), NN_OK);
    ASSERT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), nullptr, NN_UNARY_SIGMOID, 0.0f, fused.data()), NN_OK);
    nn_conv2d_packed_destroy(pk);
    for (size_t i = 0; i < y.size(); ++i) {
        ASSERT_EQ(y[i], std::max(0.0f, plain[i] + res[i])) << "at " << i;
        ASSERT_NEAR(fused[i], 1.0f / (1.0f + std::exp(-plain[i])), 1e-6f) << "at " << i;
    }
}

// Without vdpbf16ps products the im2col layers run the float32 path on operands rounded once, so
// the bf16 forward (packed and not) and data gradient equal the float32 ones on rounded x, w and
// dY bit for bit; with vdpbf16ps they agree with them within float32's summation bound
// (4e-7 (crs + 2) of sum |w||x|): the products are the same, only their summation order differs.
TEST(Bf16Im2col, Float32PathsGiveTheFloat32BitsOfRoundedOperands) {
    const bool dot = nn::bf16::native_products();
    const auto rounded = [](std::vector<float> v) {
        std::vector<uint16_t> h(v.size());
        EXPECT_EQ(nn_f32_to_bf16(v.data(), h.data(), static_cast<int64_t>(v.size())), NN_OK);
        EXPECT_EQ(nn_bf16_to_f32(h.data(), v.data(), static_cast<int64_t>(v.size())), NN_OK);
        return v;
    };
    const auto expect_match = [&](const std::vector<float>& got, const std::vector<float>& want, const std::vector<float>& scale,
                                  int64_t terms, const std::string& what) {
        if (!dot) {
            EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * 4)) << what;
            return;
        }
        for (size_t i = 0; i < got.size(); ++i)
            ASSERT_LE(std::fabs(static_cast<double>(got[i]) - want[i]), 4e-7 * static_cast<double>(terms + 2) * scale[i] + 1e-30)
                << what << " at " << i;
    };
    int variant = 0;
    for (const auto& c : kIm2colCases) {
        const auto p = nn::conv::validate(c.d);
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow;
        const auto x = nn_test::random_vector(xs, 180 + variant), w = nn_test::random_vector(p.k * p.crs, 181 + variant);
        const auto b = nn_test::random_vector(p.k, 182 + variant), dy = nn_test::random_vector(ys, 183 + variant);
        const auto xr = rounded(x), wr = rounded(w), dyr = rounded(dy);
        const auto scale = reference(p, abs_of(xr), abs_of(wr), nullptr);
        expect_match(packed_forward(c.d, true, x, w, b.data(), p.n), packed_forward(c.d, false, xr, wr, b.data(), p.n), scale,
                     p.crs, std::string(c.what) + ", packed");
        std::vector<float> got(static_cast<size_t>(ys)), want(got.size());
        ASSERT_EQ(nn_conv2d_forward_bf16(&c.d, x.data(), w.data(), b.data(), NN_UNARY_IDENTITY, got.data()), NN_OK);
        ASSERT_EQ(nn_conv2d_forward(&c.d, xr.data(), wr.data(), b.data(), NN_UNARY_IDENTITY, want.data()), NN_OK);
        expect_match(got, want, scale, p.crs, c.what);
        std::vector<float> dgot(static_cast<size_t>(xs)), dwant(dgot.size()), dscale(dgot.size());
        ASSERT_EQ(nn_conv2d_backward_data_bf16(&c.d, dy.data(), w.data(), dgot.data()), NN_OK);
        ASSERT_EQ(nn_conv2d_backward_data(&c.d, dyr.data(), wr.data(), dwant.data()), NN_OK);
        nn::conv::backward_data_ref(p, abs_of(dyr).data(), abs_of(wr).data(), dscale.data());
        expect_match(dgot, dwant, dscale, p.kg * p.r * p.s, std::string(c.what) + ", data gradient");
        ++variant;
    }
}

TEST(Bf16Im2col, DataGradientTakesBf16Products) {
    int variant = 0;
    for (const auto& c : kIm2colCases) {
        const auto p = nn::conv::validate(c.d);
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow;
        // Exact operands: the definition to float32 rounding.
        {
            const auto dy = small_integers(ys, 170 + variant, -4.0f, 4.0f);
            const auto w = small_integers(p.k * p.crs, 171 + variant, -4.0f, 4.0f);
            std::vector<float> got(static_cast<size_t>(xs), -7.0f), want(got.size());
            ASSERT_EQ(nn_conv2d_backward_data_bf16(&c.d, dy.data(), w.data(), got.data()), NN_OK) << nn_last_error();
            nn::conv::backward_data_ref(p, dy.data(), w.data(), want.data());
            EXPECT_TRUE(nn_test::all_close(got.data(), want.data(), xs, 0.0f, 1e-6f, c.what));
        }
        // Random operands: within the bound of sum |w||dy|, rounded, and 1 and 2 threads alike.
        const auto dy = nn_test::random_vector(ys, 172 + variant), w = nn_test::random_vector(p.k * p.crs, 173 + variant);
        std::vector<float> got(static_cast<size_t>(xs)), two(got.size()), f32(got.size()), want(got.size()), scale(got.size());
        {
            nn_test::ThreadScope t(1);
            ASSERT_EQ(nn_conv2d_backward_data_bf16(&c.d, dy.data(), w.data(), got.data()), NN_OK);
        }
        {
            nn_test::ThreadScope t(2);
            ASSERT_EQ(nn_conv2d_backward_data_bf16(&c.d, dy.data(), w.data(), two.data()), NN_OK);
        }
        EXPECT_EQ(0, std::memcmp(got.data(), two.data(), got.size() * 4)) << c.what;
        ASSERT_EQ(nn_conv2d_backward_data(&c.d, dy.data(), w.data(), f32.data()), NN_OK);
        nn::conv::backward_data_ref(p, dy.data(), w.data(), want.data());
        nn::conv::backward_data_ref(p, abs_of(dy).data(), abs_of(w).data(), scale.data());
        double differ = 0.0;
        for (size_t i = 0; i < got.size(); ++i) {
            ASSERT_LE(std::fabs(static_cast<double>(got[i]) - want[i]), 0.0078125 * scale[i] + 1e-5) << c.what << " at " << i;
            differ = std::max(differ, std::fabs(static_cast<double>(got[i]) - f32[i]) / (scale[i] + 1e-6));
        }
        EXPECT_GT(differ, 1e-4) << c.what << ": the bf16 data gradient gave the float32 result";
        ++variant;
    }
}
