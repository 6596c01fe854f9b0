// The depthwise 3x3 kernel (kernels::dw3x3) against its scalar reference and the convolution's
// definition, and the prepacked entry point (nn_conv2d_pack / nn_conv2d_packed_forward) on every
// algorithm it packs for, with residual and activation epilogues, against the direct reference.
// CTest runs the binary under every ISA cap, so each SIMD table meets the reference here.
#include <cmath>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "conv/conv.h"
#include "conv/conv_strided.h"
#include "eltwise/eltwise.h"
#include "conv_epilogue_reference.h"
#include "test_util.h"

namespace {

const nn_unary_op kActs[] = {NN_UNARY_IDENTITY, NN_UNARY_RELU, NN_UNARY_RELU6, NN_UNARY_HARDSWISH,
                             NN_UNARY_LEAKY_RELU, NN_UNARY_SIGMOID};

}  // namespace

TEST(Dw3x3, ActiveTableMatchesReferenceAndDefinition) {
    const auto& kt = nn::conv::active();
    const auto& ref = nn::conv::ref_kernels;
    int variant = 0;
    for (int64_t stride : {1, 2})
        for (int64_t h : {1, 2, 5, 14})
            for (int64_t w : {1, 2, 3, 7, 15, 16, 17, 31, 33, 56, 70, 112, 113}) {
                const int64_t oh = (h - 1) / stride + 1, ow = (w - 1) / stride + 1;
                const auto x = nn_test::random_vector(h * w, 20 + variant), wt = nn_test::random_vector(9, 21 + variant);
                const auto res = nn_test::random_vector(oh * ow, 22 + variant);
                const nn_unary_op act = kActs[variant % 6];
                const bool with_res = variant % 2 == 0;
                ++variant;
                std::vector<float> got(static_cast<size_t>(oh * ow), -7.0f), want(got.size(), -9.0f);
                std::vector<float> rows(static_cast<size_t>(nn::conv::dw3x3_rows_floats(w)), 123.0f);
                nn::conv::dw3x3_args a{x.data(), h, w, stride, oh, ow, wt.data(), 0.25f,
                                       with_res ? res.data() : nullptr, act, 0.1f, got.data(), rows.data()};
                kt.dw3x3(a);
                a.y = want.data();
                ref.dw3x3(a);
                const std::string ctx = std::string(kt.isa) + " dw3x3 h=" + std::to_string(h) + " w=" + std::to_string(w) +
                                        " stride=" + std::to_string(stride) + " act=" + std::to_string(act) +
                                        (with_res ? " residual" : "");
                EXPECT_TRUE(nn_test::all_close(got.data(), want.data(), oh * ow, 1e-5f, 1e-6f, ctx));
                // The reference kernel against the convolution's definition.
                const auto p = nn::conv::validate(nn_conv2d_desc{1, 1, h, w, 1, 3, 3, stride, stride, 1, 1, 1, 1, 1, 1, 1});
                const float bias = 0.25f;
                const auto def = nn_test::conv_epilogue_reference(p, x, wt, &bias, with_res ? res.data() : nullptr, act, 0.1f);
                EXPECT_TRUE(nn_test::all_close(want.data(), def.data(), oh * ow, 1e-5f, 1e-6f, "reference " + ctx));
            }
}

namespace {

struct PackedCase {
    nn_conv2d_desc d;
    const char* algo;  // what the case is there to reach
};

const PackedCase kPackedCases[] = {
    {{2, 16, 14, 15, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 16}, "depthwise 3x3 stride 1"},
    {{2, 24, 15, 20, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 24}, "depthwise 3x3 stride 2"},
    {{2, 8, 11, 11, 16, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 8}, "depthwise 5x5, two outputs a channel"},
    {{2, 16, 12, 13, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "Winograd"},
    {{2, 4, 10, 12, 6, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1}, "direct"},
    {{2, 24, 9, 9, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "pointwise GEMM"},
    {{2, 12, 13, 13, 10, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2}, "im2col GEMM, strided, groups"},
    {{2, 6, 13, 13, 10, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2}, "direct on phase planes, strided, 3 channels a group"},
    {{2, 3, 21, 19, 20, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1}, "direct on phase planes, a strided 7x7 stem"},
    {{1, 300, 4, 5, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "pointwise GEMM, several K blocks"},
    // One image, one band: with two threads the output channels are split into row chunks.
    {{1, 64, 7, 7, 160, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, "pointwise GEMM, 7x7, channels split"},
    {{1, 24, 15, 15, 100, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1}, "im2col GEMM, strided, channels split"},
    // Split channels read one B packed for all chunks (conv2d.cpp: kMaxSharedB), K block by K block.
    {{1, 96, 12, 11, 256, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1}, "im2col GEMM, strided, several K blocks, channels split"},
    {{1, 40, 14, 14, 256, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1}, "1x1 stride 2 (im2col), channels split"},
    {{1, 16, 10, 10, 96, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "Winograd, one tile block, channels split"},
    {{1, 8, 9, 9, 96, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1}, "direct, one band, channels split"},
    {{1, 16, 7, 7, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "Winograd, one 7x7 image: a partial GEMM tile"},
};

// Shapes the packed entry point runs on another algorithm than the plain call (not bitwise equal).
const PackedCase kPackedOnlyCases[] = {
    {{1, 16, 4, 4, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "Winograd shape, one 4x4 image: direct on AVX-512"},
};

}  // namespace

TEST(Conv2dPacked, MatchesReferenceForAnyBatchWithResidualAndActivation) {
    int variant = 0;
    std::vector<PackedCase> cases(std::begin(kPackedCases), std::end(kPackedCases));
    cases.insert(cases.end(), std::begin(kPackedOnlyCases), std::end(kPackedOnlyCases));
    for (const auto& c : cases) {
        const auto p0 = nn::conv::validate(c.d);
        const auto w = nn_test::random_vector(p0.k * p0.crs, 30 + variant);
        const auto b = nn_test::random_vector(p0.k, 31 + variant);
        const float* bias = variant % 3 == 2 ? nullptr : b.data();
        nn_conv2d_packed* pk = nullptr;
        ASSERT_EQ(nn_conv2d_pack(&c.d, w.data(), bias, &pk), NN_OK) << nn_last_error();
        for (int64_t n : {p0.n, p0.n + 1})
            for (bool with_res : {false, true}) {
                auto p = p0;
                p.n = n;
                const nn_unary_op act = kActs[variant++ % 6];
                const int64_t xs = n * p.c * p.h * p.w, ys = n * p.k * p.oh * p.ow;
                const auto x = nn_test::random_vector(xs, 40 + variant), res = nn_test::random_vector(ys, 41 + variant);
                std::vector<float> y(static_cast<size_t>(ys), -7.0f);
                ASSERT_EQ(nn_conv2d_packed_forward(pk, n, x.data(), with_res ? res.data() : nullptr, act, 0.05f, y.data()),
                          NN_OK)
                    << nn_last_error();
                const auto want = nn_test::conv_epilogue_reference(p, x, w, bias, with_res ? res.data() : nullptr, act, 0.05f);
                const std::string ctx = std::string(c.algo) + " " + nn_test::describe(c.d) + " n=" + std::to_string(n) +
                                        " act=" + std::to_string(act) + (with_res ? " residual" : "");
                EXPECT_TRUE(nn_test::all_close(y.data(), want.data(), ys, 1e-4f, 1e-5f, ctx));
            }
        nn_conv2d_packed_destroy(pk);
    }
}

// ReLU6 runs in the GEMM micro-kernel's epilogue on 1x1 layers (MobileNet's expansions): inputs
// scaled so that outputs fall below 0, inside [0, 6] and above 6, and a NaN that must stay NaN.
TEST(Conv2dPacked, PointwiseReLU6InTheMicroKernelEpilogue) {
    const nn_conv2d_desc shapes[] = {{2, 24, 9, 9, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
                                     {1, 64, 7, 7, 160, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
                                     {1, 16, 13, 11, 37, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}};
    int variant = 0;
    for (const auto& d : shapes) {
        const auto p = nn::conv::validate(d);
        const auto w = nn_test::random_vector(p.k * p.crs, 80 + variant), b = nn_test::random_vector(p.k, 81 + variant);
        auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 82 + variant++);
        for (auto& v : x) v *= 8.0f;
        x[5] = std::nanf("");  // column 5 of every output channel of image 0 is NaN
        nn_conv2d_packed* pk = nullptr;
        ASSERT_EQ(nn_conv2d_pack(&d, w.data(), b.data(), &pk), NN_OK) << nn_last_error();
        const int64_t ys = p.n * p.k * p.oh * p.ow;
        std::vector<float> y(static_cast<size_t>(ys), -7.0f);
        ASSERT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), nullptr, NN_UNARY_RELU6, 0.0f, y.data()), NN_OK)
            << nn_last_error();
        const auto want = nn_test::conv_epilogue_reference(p, x, w, b.data(), nullptr, NN_UNARY_RELU6, 0.0f);
        int64_t low = 0, high = 0;
        for (float v : want) low += v == 0.0f, high += v == 6.0f;
        EXPECT_GT(low, 0);
        EXPECT_GT(high, 0);
        EXPECT_TRUE(std::isnan(y[5])) << nn_test::describe(d);
        EXPECT_TRUE(nn_test::all_close(y.data(), want.data(), ys, 1e-4f, 1e-5f, nn_test::describe(d) + " relu6"));
        nn_conv2d_packed_destroy(pk);
    }
}

// Winograd's output transform adds the residual itself before the activations it applies
// (identity .. GELU): whole vectors and the edge runs of planes whose width is not a multiple of
// the vector (13 columns: runs cross tile rows), one tile block or several; and with xi
// outermost on AVX-512 (160 input channels at 7x7: ResNet's last stage, smaller).
TEST(Conv2dPacked, WinogradAddsTheResidualInItsOutputTransform) {
    const nn_conv2d_desc shapes[] = {{2, 16, 12, 13, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                                     {1, 16, 10, 10, 96, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                                     {3, 8, 17, 9, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                                     {3, 160, 7, 7, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
    int variant = 0;
    for (const auto& d : shapes) {
        const auto p = nn::conv::validate(d);
        const auto w = nn_test::random_vector(p.k * p.crs, 60 + variant), b = nn_test::random_vector(p.k, 61 + variant);
        nn_conv2d_packed* pk = nullptr;
        ASSERT_EQ(nn_conv2d_pack(&d, w.data(), b.data(), &pk), NN_OK) << nn_last_error();
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow;
        for (nn_unary_op act : {NN_UNARY_IDENTITY, NN_UNARY_RELU, NN_UNARY_SIGMOID, NN_UNARY_TANH, NN_UNARY_GELU}) {
            ++variant;
            const auto x = nn_test::random_vector(xs, 70 + variant), res = nn_test::random_vector(ys, 71 + variant);
            std::vector<float> y(static_cast<size_t>(ys), -7.0f);
            ASSERT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), res.data(), act, 0.0f, y.data()), NN_OK) << nn_last_error();
            const auto want = nn_test::conv_epilogue_reference(p, x, w, b.data(), res.data(), act, 0.0f);
            // Winograd's tolerance (test_conv_winograd.cpp): its transforms add rounding steps.
            EXPECT_TRUE(nn_test::all_close(y.data(), want.data(), ys, 1e-4f, 2e-5f,
                                           nn_test::describe(d) + " act=" + std::to_string(act)));
        }
        nn_conv2d_packed_destroy(pk);
    }
}

TEST(Conv2dPacked, EqualsUnpackedForwardAndOneVsTwoThreads) {
    for (const auto& c : kPackedCases) {
        const auto p = nn::conv::validate(c.d);
        const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 50), w = nn_test::random_vector(p.k * p.crs, 51);
        const auto b = nn_test::random_vector(p.k, 52);
        const int64_t ys = p.n * p.k * p.oh * p.ow;
        std::vector<float> plain(static_cast<size_t>(ys)), one(plain.size()), two(plain.size());
        ASSERT_EQ(nn_conv2d_forward(&c.d, x.data(), w.data(), b.data(), NN_UNARY_RELU, plain.data()), NN_OK);
        nn_conv2d_packed* pk = nullptr;
        ASSERT_EQ(nn_conv2d_pack(&c.d, w.data(), b.data(), &pk), NN_OK);
        {
            nn_test::ThreadScope t(1);
            ASSERT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), nullptr, NN_UNARY_RELU, 0.0f, one.data()), NN_OK);
        }
        {
            nn_test::ThreadScope t(2);
            ASSERT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), nullptr, NN_UNARY_RELU, 0.0f, two.data()), NN_OK);
        }
        nn_conv2d_packed_destroy(pk);
        // On AVX-512 the packed strided layers with many channels run the strided direct kernel
        // (conv_strided.h), the plain call the im2col GEMM: close, not the same bits.
        if (nn::conv::takes_strided_direct(p))
            EXPECT_TRUE(nn_test::all_close(one.data(), plain.data(), ys, 1e-4f, 1e-5f, std::string("packed vs plain ") + c.algo));
        else
            EXPECT_EQ(0, std::memcmp(plain.data(), one.data(), plain.size() * 4)) << "packed vs plain " << c.algo;
        EXPECT_EQ(0, std::memcmp(one.data(), two.data(), one.size() * 4)) << "1 vs 2 threads " << c.algo;
    }
}

TEST(Conv2dPacked, RejectsBadArguments) {
    const nn_conv2d_desc d{1, 2, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    std::vector<float> w(2 * 2 * 9, 0.5f), x(50, 1.0f), y(50);
    nn_conv2d_packed* pk = nullptr;
    EXPECT_EQ(nn_conv2d_pack(&d, w.data(), nullptr, nullptr), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("out"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_conv2d_pack(&d, nullptr, nullptr, &pk), NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(pk, nullptr);
    nn_conv2d_desc bad = d;
    bad.groups = 3;
    EXPECT_EQ(nn_conv2d_pack(&bad, w.data(), nullptr, &pk), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("groups"), std::string::npos) << nn_last_error();
    ASSERT_EQ(nn_conv2d_pack(&d, w.data(), nullptr, &pk), NN_OK);
    EXPECT_EQ(nn_conv2d_packed_forward(nullptr, 1, x.data(), nullptr, NN_UNARY_IDENTITY, 0.0f, y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_packed_forward(pk, 0, x.data(), nullptr, NN_UNARY_IDENTITY, 0.0f, y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("n="), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_conv2d_packed_forward(pk, int64_t{1} << 62, x.data(), nullptr, NN_UNARY_IDENTITY, 0.0f, y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_packed_forward(pk, 1, x.data(), nullptr, static_cast<nn_unary_op>(99), 0.0f, y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("activation"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_conv2d_packed_forward(pk, 1, nullptr, nullptr, NN_UNARY_IDENTITY, 0.0f, y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_packed_forward(pk, 1, x.data(), nullptr, NN_UNARY_IDENTITY, 0.0f, nullptr),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_packed_destroy(pk), NN_OK);
    EXPECT_EQ(nn_conv2d_packed_destroy(nullptr), NN_OK);
}

namespace {

struct ConvPoolCase {
    nn_conv2d_desc d;
    int64_t kernel, stride, pad;  // the square max pooling after the convolution
    const char* what;
};

// The CNN stages the fused call serves (smaller batches and planes, same kinds of layer).
const ConvPoolCase kConvPoolCases[] = {
    {{9, 1, 28, 28, 32, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1}, 2, 2, 0, "LeNet conv1: one input channel, 26x26 -> 13x13"},
    {{9, 32, 13, 13, 64, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1}, 2, 2, 0, "LeNet conv2: Winograd, 11x11 -> 5x5 (floor)"},
    {{5, 3, 40, 40, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, 2, 0, "diabetes_cnn conv1: three channels, padded"},
    {{3, 3, 30, 30, 8, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1}, 3, 2, 1, "ResNet stem: strided GEMM, 3x3/2 padded pooling"},
    // Winograd with 2x2/2 pooling: the output transform writes the pooled values.
    {{3, 16, 20, 20, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, 2, 0, "diabetes_cnn conv2: Winograd, padded, 20x20 -> 10x10"},
    {{2, 8, 9, 14, 12, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1}, 2, 2, 0, "Winograd 7x12 -> 3x6: the odd tile row dropped"},
    {{2, 160, 8, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, 2, 0, "Winograd, products xi outermost (160 channels), 8x9 -> 4x4"},
    {{2, 160, 9, 7, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, 2, 0, "Winograd, xi outermost, 9x7 -> 4x3: odd row and column dropped"},
    // The direct kernel's rows at the padded band's pitch, read by pools without column padding:
    {{4, 2, 17, 23, 12, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1}, 3, 2, 0, "direct 5x5 padded, odd plane, 3x3/2 pooling"},
    {{4, 4, 19, 19, 20, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1}, 2, 2, 0, "direct, 17x17 -> 8x8, a partial channel block"},
    {{3, 3, 21, 25, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 3, 2, 1, "direct, padded 3x3/2 pooling (rows at ow)"},
};

}  // namespace

// Conv -> activation -> MaxPool in one call equals the two calls bit for bit, for batches that
// give every thread whole images, for a batch of one (the two passes split over the threads),
// with the activation in the kernel's epilogue (ReLU) or applied after it (HardSwish).
TEST(Conv2dPackedMaxPool, EqualsConvThenPoolBitForBit) {
    int variant = 0;
    for (const auto& c : kConvPoolCases) {
        const auto p0 = nn::conv::validate(c.d);
        const auto w = nn_test::random_vector(p0.k * p0.crs, 90 + variant), b = nn_test::random_vector(p0.k, 91 + variant);
        nn_conv2d_packed* pk = nullptr;
        ASSERT_EQ(nn_conv2d_pack(&c.d, w.data(), b.data(), &pk), NN_OK) << nn_last_error();
        for (int64_t n : {p0.n, int64_t{1}})
            for (int threads : {1, 2, 3}) {
                const nn_unary_op act = variant % 3 == 2 ? NN_UNARY_HARDSWISH : NN_UNARY_RELU;
                const auto x = nn_test::random_vector(n * p0.c * p0.h * p0.w, 92 + variant++);
                nn_pool2d_desc pd{n, p0.k, p0.oh, p0.ow, c.kernel, c.kernel, c.stride, c.stride, c.pad, c.pad, 1, 1, 0};
                int64_t ph = 0, pw = 0;
                ASSERT_EQ(nn_pool2d_output_size(&pd, &ph, &pw), NN_OK) << nn_last_error();
                std::vector<float> conv(static_cast<size_t>(n * p0.k * p0.oh * p0.ow));
                std::vector<float> want(static_cast<size_t>(n * p0.k * ph * pw), -7.0f), got(want.size(), -9.0f);
                nn_test::ThreadScope scope(threads);
                ASSERT_EQ(nn_conv2d_packed_forward(pk, n, x.data(), nullptr, act, 0.0f, conv.data()), NN_OK);
                ASSERT_EQ(nn_max_pool2d_forward(&pd, conv.data(), want.data(), nullptr), NN_OK);
                ASSERT_EQ(nn_conv2d_packed_forward_maxpool(pk, n, x.data(), act, 0.0f, &pd, got.data()), NN_OK)
                    << nn_last_error();
                EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * sizeof(float)))
                    << c.what << " n=" << n << " threads=" << threads << " act=" << act;
            }
        nn_conv2d_packed_destroy(pk);
    }
}

TEST(Conv2dPackedMaxPool, RejectsAPoolingThatDoesNotFitTheConvolution) {
    const nn_conv2d_desc d{2, 2, 6, 6, 3, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1};  // output 2 x 3 x 4 x 4
    std::vector<float> w(3 * 2 * 9, 0.5f), x(2 * 2 * 36, 1.0f), y(2 * 3 * 4);
    nn_conv2d_packed* pk = nullptr;
    ASSERT_EQ(nn_conv2d_pack(&d, w.data(), nullptr, &pk), NN_OK);
    const nn_pool2d_desc good{2, 3, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, 0};
    ASSERT_EQ(nn_conv2d_packed_forward_maxpool(pk, 2, x.data(), NN_UNARY_RELU, 0.0f, &good, y.data()), NN_OK)
        << nn_last_error();
    for (float v : y) EXPECT_EQ(v, 9.0f);  // 2 channels x 9 taps x 0.5 x 1, ReLU, max of equal values
    const auto rejects = [&](nn_pool2d_desc bad, const char* field) {
        EXPECT_EQ(nn_conv2d_packed_forward_maxpool(pk, 2, x.data(), NN_UNARY_RELU, 0.0f, &bad, y.data()),
                  NN_ERR_INVALID_ARGUMENT);
        EXPECT_NE(std::string(nn_last_error()).find(field), std::string::npos) << nn_last_error();
    };
    nn_pool2d_desc bad = good;
    bad.n = 1;
    rejects(bad, "pool->n=1");
    bad = good;
    bad.c = 4;
    rejects(bad, "pool->c=4");
    bad = good;
    bad.h = 5;
    rejects(bad, "pool->h=5");
    bad = good;
    bad.w = 3;
    rejects(bad, "pool->w=3");
    bad = good;
    bad.kernel_h = 0;
    rejects(bad, "pool->kernel_h");
    bad = good;
    bad.pad_w = 2;
    rejects(bad, "pool->pad_w");
    EXPECT_EQ(nn_conv2d_packed_forward_maxpool(pk, 2, x.data(), NN_UNARY_RELU, 0.0f, nullptr, y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("pool"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_conv2d_packed_forward_maxpool(pk, 0, x.data(), NN_UNARY_RELU, 0.0f, &good, y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_packed_forward_maxpool(nullptr, 2, x.data(), NN_UNARY_RELU, 0.0f, &good, y.data()),
              NN_ERR_INVALID_ARGUMENT);
    nn_conv2d_packed_destroy(pk);
}
