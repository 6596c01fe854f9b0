// Strided layers with many input channels on the direct kernel vectorized over output channels
// (conv_strided.h: nn_conv2d_pack picks it on AVX-512): ResNet's 3x3/2 and 1x1/2 downsampling
// shapes and odd ones (17 and 130 channels: a partial input pass, a partial output block and a
// weight group of one block; planes whose pixel count leaves partial tiles and a band shorter
// than 16 pixels), batch 1 and 3, bias or none, activations, a residual, y inside a guarded
// buffer, against the double-accumulation reference; 1 vs 2 threads bitwise. Under a cap without
// AVX-512 the same cases run on the im2col GEMM.
#include <cstring>
#include <string>
#include <vector>

#include "conv/conv.h"
#include "conv/conv_strided.h"
#include "conv/nchwc/nchwc.h"
#include "conv_epilogue_reference.h"
#include "test_util.h"

namespace {

nn_conv2d_desc make(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r, int64_t s, int64_t sh,
                    int64_t sw, int64_t pt, int64_t pb, int64_t pl, int64_t pr) {
    return nn_conv2d_desc{n, c, h, w, k, r, s, sh, sw, pt, pb, pl, pr, 1, 1, 1};
}

const nn_conv2d_desc kStrided[] = {
    make(1, 64, 56, 56, 128, 3, 3, 2, 2, 1, 1, 1, 1),   // ResNet-18 layer2.0.conv1
    make(1, 64, 56, 56, 128, 1, 1, 2, 2, 0, 0, 0, 0),   // layer2.0.downsample
    make(3, 17, 13, 11, 130, 3, 3, 2, 2, 1, 1, 1, 1),   // odd plane, 17 channels, 130 outputs
    make(1, 130, 14, 14, 70, 3, 3, 2, 2, 1, 1, 1, 1),   // 7x7 outputs, two passes over the channels
    make(3, 130, 13, 11, 17, 1, 1, 2, 2, 0, 0, 0, 0),   // 1x1/2 on an odd plane
    make(1, 17, 7, 7, 64, 3, 3, 2, 2, 1, 1, 1, 1),      // 4x4 outputs: one short band
    make(2, 24, 15, 20, 40, 3, 3, 3, 2, 1, 0, 2, 1),    // stride 3 x 2, uneven padding
    make(1, 32, 16, 16, 48, 5, 5, 2, 2, 2, 2, 2, 2),    // 5x5/2 (MobileNet-style reduction)
    make(4, 256, 2, 2, 512, 3, 3, 2, 2, 1, 1, 1, 1),    // ResNet-18 on 32 x 32 images: 1 x 1 outputs
    make(4, 256, 2, 2, 512, 1, 1, 2, 2, 0, 0, 0, 0),
    make(4, 64, 8, 8, 128, 3, 3, 2, 2, 1, 1, 1, 1),
};

const nn_unary_op kActs[] = {NN_UNARY_IDENTITY, NN_UNARY_RELU, NN_UNARY_RELU6, NN_UNARY_SIGMOID, NN_UNARY_LEAKY_RELU, NN_UNARY_GELU};

std::vector<float> run(const nn_conv2d_desc& d, int64_t n, const std::vector<float>& x, const std::vector<float>& w,
                       const float* bias, const float* res, nn_unary_op act, int64_t guard, float fill) {
    const auto p = nn::conv::validate(d);
    const int64_t ys = n * p.k * p.oh * p.ow;
    std::vector<float> buf(static_cast<size_t>(ys + 2 * guard), fill);
    nn_conv2d_packed* pk = nullptr;
    EXPECT_EQ(nn_conv2d_pack(&d, w.data(), bias, &pk), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_conv2d_packed_forward(pk, n, x.data(), res, act, 0.05f, buf.data() + guard), NN_OK) << nn_last_error();
    nn_conv2d_packed_destroy(pk);
    return buf;
}

}  // namespace

TEST(ConvStrided, CasesTakeTheStridedKernelOnAvx512) {
    const bool avx512 = nn::conv::nchwc::block() > 0;
    for (const auto& d : kStrided)
        EXPECT_EQ(nn::conv::takes_strided_direct(nn::conv::validate(d)), avx512) << nn_test::describe(d);
    // Not taken: stride 1, a stem's few channels (phase planes), groups, dilation.
    EXPECT_FALSE(nn::conv::takes_strided_direct(nn::conv::validate(make(1, 64, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1))));
    EXPECT_FALSE(nn::conv::takes_strided_direct(nn::conv::validate(make(1, 3, 9, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1))));
    EXPECT_FALSE(nn::conv::takes_strided_direct(
        nn::conv::validate(nn_conv2d_desc{1, 64, 9, 9, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2})));
    EXPECT_FALSE(nn::conv::takes_strided_direct(
        nn::conv::validate(nn_conv2d_desc{1, 64, 9, 9, 64, 3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 1})));
}

TEST(ConvStrided, MatchesReferenceWithBiasResidualAndActivation) {
    int variant = 0;
    for (const auto& d : kStrided) {
        const auto p0 = nn::conv::validate(d);
        const auto w = nn_test::random_vector(p0.k * p0.crs, 70 + variant), b = nn_test::random_vector(p0.k, 71);
        for (int64_t n : {p0.n, p0.n + 2})
            for (bool with_res : {false, true}) {
                auto p = p0;
                p.n = n;
                const nn_unary_op act = kActs[variant % 6];
                const float* bias = variant % 3 == 1 ? nullptr : b.data();
                ++variant;
                const int64_t xs = n * p.c * p.h * p.w, ys = n * p.k * p.oh * p.ow, guard = 64;
                const auto x = nn_test::random_vector(xs, 80 + variant), res = nn_test::random_vector(ys, 81 + variant);
                const float* r = with_res ? res.data() : nullptr;
                const auto buf = run(d, n, x, w, bias, r, act, guard, 123.0f);
                const auto want = nn_test::conv_epilogue_reference(p, x, w, bias, r, act, 0.05f);
                const std::string ctx = nn_test::describe(d) + " n=" + std::to_string(n) + " act=" +
                                        std::to_string(act) + (bias ? "" : " no bias") + (with_res ? " residual" : "");
                for (int64_t i = 0; i < guard; ++i) {
                    ASSERT_EQ(buf[static_cast<size_t>(i)], 123.0f) << ctx;
                    ASSERT_EQ(buf[static_cast<size_t>(guard + ys + i)], 123.0f) << ctx;
                }
                EXPECT_TRUE(nn_test::all_close(buf.data() + guard, want.data(), ys, 1e-4f, 1e-5f, ctx));
            }
    }
}

TEST(ConvStrided, OneAndTwoThreadsAreBitwiseEqual) {
    for (const auto& d : {kStrided[0], kStrided[2], kStrided[3], kStrided[4], make(1, 256, 14, 14, 512, 3, 3, 2, 2, 1, 1, 1, 1)}) {
        const auto p = nn::conv::validate(d);
        const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 91), w = nn_test::random_vector(p.k * p.crs, 92);
        const auto b = nn_test::random_vector(p.k, 93), res = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 94);
        std::vector<float> y[2];
        for (int threads : {1, 2}) {
            nn_test::ThreadScope scope(threads);
            y[threads - 1] = run(d, p.n, x, w, b.data(), res.data(), NN_UNARY_RELU, 0, 0.0f);
        }
        EXPECT_EQ(0, std::memcmp(y[0].data(), y[1].data(), y[0].size() * sizeof(float))) << nn_test::describe(d);
    }
}
