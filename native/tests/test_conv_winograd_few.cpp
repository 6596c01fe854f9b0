// The few-tiles Winograd products (src/conv/conv_winograd_few.h): the kernel against the same
// ISA's gemm_part bit for bit, and the packed forward with it against the forward without it and
// at 1 and 2 threads, on the shapes whose last GEMM tile it takes.
#include <cstring>
#include <string>
#include <vector>

#include "conv/conv.h"
#include "conv/conv_winograd.h"
#include "conv/conv_winograd_few.h"
#include "test_util.h"

namespace {

namespace wg = nn::conv::winograd;
namespace few = nn::conv::winograd_few;

// Restores the driver's use of the kernel.
struct FewScope {
    explicit FewScope(bool on) : saved(few::set_enabled(on)) {}
    ~FewScope() { few::set_enabled(saved); }
    bool saved;
};

}  // namespace

// Every tile count the kernel takes, block counts around its passes of 8, with and without a bias
// start: each block's products are gemm_part's bits, and nothing past the n tiles is written.
TEST(WinogradFew, KernelMatchesGemmPartBitwise) {
    const wg::kernels* K = wg::available();
    const few::kernels* F = few::available();
    if (!K || !F) GTEST_SKIP() << "no Winograd kernels on this target";
    ASSERT_EQ(F->kmr, K->kmr) << F->isa;
    if (F->max_tiles == 0) GTEST_SKIP() << "the " << F->isa << " table leaves every tile count to gemm_part";
    const int64_t channels = 37, vs = K->nt + 5, kmr = K->kmr, mtile = kmr * K->nt;
    for (int64_t blocks : {1, 3, 8, 11, 17}) {
        const int64_t us = channels * kmr + 8;  // blocks apart by more than their weights
        const auto u = nn_test::random_vector(blocks * us, 91), v = nn_test::random_vector(channels * vs, 92);
        const auto init = nn_test::random_vector(blocks * kmr, 93);
        for (const float* start : {static_cast<const float*>(nullptr), init.data()}) {
            for (int n = 1; n <= F->max_tiles; ++n) {
                std::vector<float> got(static_cast<size_t>(blocks * mtile), 12345.0f), want(static_cast<size_t>(mtile));
                F->gemm(u.data(), us, blocks, v.data(), vs, channels, start, got.data(), mtile, K->nt, n);
                for (int64_t b = 0; b < blocks; ++b) {
                    wg::gemm_tile(*K, u.data() + b * us, v.data(), vs, channels, start ? start + b * kmr : nullptr, want.data(), n);
                    for (int64_t r = 0; r < kmr; ++r)
                        for (int64_t q = 0; q < K->nt; ++q) {
                            const float g = got[static_cast<size_t>(b * mtile + r * K->nt + q)];
                            if (q < n) ASSERT_EQ(g, want[static_cast<size_t>(r * K->nt + q)]) << F->isa << " blocks " << blocks << " n " << n << " b " << b << " r " << r;
                            else ASSERT_EQ(g, 12345.0f) << F->isa << " wrote tile " << q;
                        }
                }
            }
        }
    }
}

// The packed forward (residual, activation, bias) with and without the kernel, at 1 and 2 threads:
// the same bits. Batch 1 at 14x14 (49 tiles: 48 + 1) on both drivers (256 input channels take the
// xi-outer order on AVX-512), 28x28 at 64 channels (at 2 threads, ranges of 96 and 100 tiles:
// 2 x 48 + 4), and output channels in 9.5 blocks (passes of 8 and a partial block).
TEST(WinogradFew, PackedForwardEqualsGemmPartAndOneVsTwoThreads) {
    const nn_conv2d_desc shapes[] = {{1, 256, 14, 14, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                                     {1, 32, 14, 14, 76, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                                     {1, 64, 28, 28, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
    int seed = 0;
    for (const auto& d : shapes) {
        const auto p = nn::conv::validate(d);
        ASSERT_TRUE(nn::conv::takes_winograd(p) || !wg::available()) << nn_test::describe(d);
        const auto w = nn_test::random_vector(p.k * p.crs, 100 + seed), b = nn_test::random_vector(p.k, 101 + seed);
        const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 102 + seed);
        const auto res = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 103 + seed);
        seed += 4;
        nn_conv2d_packed* pk = nullptr;
        ASSERT_EQ(nn_conv2d_pack(&d, w.data(), b.data(), &pk), NN_OK) << nn_last_error();
        for (const bool with_res : {false, true}) {
            std::vector<float> want(res.size()), one(res.size()), two(res.size());
            const float* r = with_res ? res.data() : nullptr;
            {
                FewScope off(false);
                nn_test::ThreadScope t(1);
                ASSERT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), r, NN_UNARY_RELU, 0.0f, want.data()), NN_OK);
            }
            {
                FewScope on(true);
                nn_test::ThreadScope t(1);
                ASSERT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), r, NN_UNARY_RELU, 0.0f, one.data()), NN_OK);
            }
            {
                FewScope on(true);
                nn_test::ThreadScope t(2);
                ASSERT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), r, NN_UNARY_RELU, 0.0f, two.data()), NN_OK);
            }
            const std::string ctx = nn_test::describe(d) + (with_res ? " residual" : "");
            EXPECT_EQ(0, std::memcmp(want.data(), one.data(), want.size() * 4)) << "with / without the kernel " << ctx;
            EXPECT_EQ(0, std::memcmp(one.data(), two.data(), one.size() * 4)) << "1 vs 2 threads " << ctx;
        }
        nn_conv2d_packed_destroy(pk);
    }
}

// The xi-outer order (more than 128 input channels on AVX-512) at 2 threads takes the batch's tiles
// as one block and splits the output channels one chunk a thread; at 1 thread, and at 3 where a
// thread would get fewer than 4 channel blocks, it keeps the L2 budget's blocks. Every split gives
// the bits of one thread: 3 x 36 tiles (2 x 48 + 12), 68 output channels (8.5 blocks of 8, chunks
// of 5 and 4 blocks at 2 threads), with a residual.
TEST(WinogradFew, XiOuterChunkPerThreadEqualsOneThread) {
    const nn_conv2d_desc d{3, 160, 12, 12, 68, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const auto p = nn::conv::validate(d);
    const auto w = nn_test::random_vector(p.k * p.crs, 120), b = nn_test::random_vector(p.k, 121);
    const auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 122), res = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 123);
    nn_conv2d_packed* pk = nullptr;
    ASSERT_EQ(nn_conv2d_pack(&d, w.data(), b.data(), &pk), NN_OK) << nn_last_error();
    std::vector<float> want(res.size());
    {
        nn_test::ThreadScope t(1);
        ASSERT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), res.data(), NN_UNARY_RELU, 0.0f, want.data()), NN_OK);
    }
    for (int threads : {2, 3}) {
        std::vector<float> got(res.size());
        nn_test::ThreadScope t(threads);
        ASSERT_EQ(nn_conv2d_packed_forward(pk, p.n, x.data(), res.data(), NN_UNARY_RELU, 0.0f, got.data()), NN_OK);
        EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * 4)) << threads << " threads";
    }
    nn_conv2d_packed_destroy(pk);
}
