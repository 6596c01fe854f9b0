// The Winograd F(2x2, 3x3) forward (src/conv/conv_winograd.h) at its edges: odd output sizes
// (tiles half outside y), planes narrower than a vector (one vector's tiles span rows and
// images), padding 0 / 1 / 2 and one-sided, groups, channel counts that are no multiple of the
// GEMM tile, several tasks, every activation; backward data through it (the flipped-weights
// forward, padding 2 - p) and the weight and bias gradients by the same transforms; y inside
// guard zones; 1 vs 2 threads bitwise; the error against the double-precision reference
// bounded, and no worse than a few times the direct kernel's.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "conv/conv.h"
#include "conv/conv_winograd.h"
#include "test_util.h"

namespace {

nn_conv2d_desc make(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t pt, int64_t pb, int64_t pl,
                    int64_t pr, int64_t g = 1) {
    return nn_conv2d_desc{n, c, h, w, k, 3, 3, 1, 1, pt, pb, pl, pr, 1, 1, g};
}

const nn_conv2d_desc kWinograd[] = {
    make(2, 16, 56, 56, 32, 1, 1, 1, 1),   // the benchmark's c16 shape, smaller batch
    make(3, 64, 28, 28, 64, 1, 1, 1, 1),   // c64: 14 tiles a row, vectors span rows
    make(2, 8, 9, 11, 13, 1, 1, 1, 1),     // odd oh / ow, k % 8 = 5, cg = 8 (the least)
    make(5, 9, 8, 8, 8, 0, 0, 0, 0),       // no padding: 6x6 outputs, one vector spans images
    make(2, 12, 10, 14, 11, 2, 2, 2, 2),   // padding 2 (backward data of an unpadded layer)
    make(1, 33, 13, 21, 17, 0, 2, 1, 0),   // one-sided pads, odd everything
    make(4, 32, 12, 6, 20, 1, 1, 1, 1, 2),  // groups (16 channels a group), ow = 6: 3 tiles a row
    make(1, 24, 64, 40, 9, 1, 1, 1, 1),    // several tasks per image, k = 8 + 1
    // Batch 1, 300 tiles in 4 blocks (64 channels): at 2 threads on AVX-512 one contiguous range a
    // thread (144 and 156 tiles, cut at a whole GEMM tile), each in two blocks, the last partial.
    make(1, 64, 20, 60, 16, 1, 1, 1, 1),
    make(16, 8, 6, 6, 8, 1, 1, 1, 1),      // many tiny images: every task spans several
    // The products with xi outermost (V of one GEMM tile at every xi past the L2 budget: 272
    // channels on AVX2 and AVX-512, 144 on AVX-512; the scalar table's tile stays under it):
    make(16, 272, 15, 15, 9, 1, 1, 1, 1),  // 1024 tiles: two passes of tile blocks, odd planes, k = 8 + 1
    make(2, 288, 9, 7, 24, 1, 1, 1, 1, 2),  // groups of 144, 40 tiles: one partial GEMM tile
    // Batch 1 with a partial last GEMM tile that needs fewer vectors than the tile holds:
    make(1, 40, 14, 14, 24, 1, 1, 1, 1),   // ResNet's 14x14 stage: 49 tiles, 48 + 1 (AVX-512)
    make(1, 160, 7, 7, 40, 1, 1, 1, 1),    // its 7x7 stage, products xi outermost: 16 tiles
};

double max_abs(const std::vector<double>& e) { return e.empty() ? 0.0 : *std::max_element(e.begin(), e.end()); }

// Absolute tolerance against the double-precision reference: 2e-5, or 2e-6 of the largest |want|
// where the reduction is long enough (272 channels: outputs near 50) that an output close to zero
// carries an absolute rounding error of the terms' scale, not of its own.
float atol_for(const std::vector<float>& want) {
    float scale = 0.0f;
    for (float v : want) scale = std::max(scale, std::fabs(v));
    return std::max(2e-5f, 2e-6f * scale);
}

// |got - want| per element, and the largest |want| (the error's scale).
std::vector<double> errors(const std::vector<float>& got, const std::vector<float>& want) {
    std::vector<double> e(got.size());
    for (size_t i = 0; i < got.size(); ++i) e[i] = std::fabs(static_cast<double>(got[i]) - want[i]);
    return e;
}

}  // namespace

TEST(ConvWinograd, CasesTakeTheWinogradPath) {
    if (!nn::conv::winograd::available()) GTEST_SKIP() << "no Winograd kernels on this target";
    for (const auto& d : kWinograd) EXPECT_TRUE(nn::conv::takes_winograd(nn::conv::validate(d))) << nn_test::describe(d);
    // Shapes it must leave to the other paths.
    EXPECT_FALSE(nn::conv::takes_winograd(nn::conv::validate(make(2, 3, 32, 32, 16, 1, 1, 1, 1))));   // C = 3
    EXPECT_FALSE(nn::conv::takes_winograd(nn::conv::validate(make(2, 16, 32, 32, 4, 1, 1, 1, 1))));   // K = 4
    EXPECT_FALSE(nn::conv::takes_winograd(nn::conv::validate(make(2, 16, 3, 9, 16, 1, 1, 1, 1))));    // 3 output rows
    EXPECT_FALSE(nn::conv::takes_winograd(nn::conv::validate(make(1, 16, 20, 20, 16, 3, 3, 3, 3))));  // pad 3
    EXPECT_FALSE(nn::conv::takes_winograd(nn::conv::validate(make(1, 8, 4, 2000, 8, 1, 1, 1, 1))));   // w > 1024
    EXPECT_FALSE(nn::conv::takes_winograd(nn::conv::validate(make(1, 600, 8, 8, 8, 1, 1, 1, 1))));    // C > 512
    nn_conv2d_desc strided = make(1, 16, 20, 20, 16, 1, 1, 1, 1);
    strided.stride_h = 2;
    EXPECT_FALSE(nn::conv::takes_winograd(nn::conv::validate(strided)));
    nn_conv2d_desc dilated = make(1, 16, 20, 20, 16, 2, 2, 2, 2);
    dilated.dilation_w = 2;
    EXPECT_FALSE(nn::conv::takes_winograd(nn::conv::validate(dilated)));
    // The switch turns it off.
    const bool saved = nn::conv::set_winograd_enabled(false);
    EXPECT_FALSE(nn::conv::takes_winograd(nn::conv::validate(kWinograd[0])));
    nn::conv::set_winograd_enabled(saved);
}

TEST(ConvWinograd, MatchesReferenceInsideGuards) {
    int act = 0;
    for (const auto& d : kWinograd) {
        const auto p = nn::conv::validate(d);
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow, ws = p.k * p.crs, guard = 64;
        auto x = nn_test::random_vector(xs, 51), w = nn_test::random_vector(ws, 52), b = nn_test::random_vector(p.k, 53);
        auto dy = nn_test::random_vector(ys, 54);
        act = (act + 1) % 5;
        const std::string ctx = nn_test::describe(d) + " act=" + std::to_string(act);
        std::vector<float> buf(static_cast<size_t>(ys + 2 * guard), 123.0f), ry(ys);
        ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), static_cast<nn_unary_op>(act), buf.data() + guard), NN_OK) << nn_last_error();
        nn::conv::forward_ref(p, x.data(), w.data(), b.data(), act, ry.data());
        for (int64_t i = 0; i < guard; ++i) {
            ASSERT_EQ(buf[static_cast<size_t>(i)], 123.0f) << ctx;
            ASSERT_EQ(buf[static_cast<size_t>(guard + ys + i)], 123.0f) << ctx;
        }
        EXPECT_TRUE(nn_test::all_close(buf.data() + guard, ry.data(), ys, 1e-4f, atol_for(ry), "forward " + ctx));
        // No bias.
        std::vector<float> y(ys);
        ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), nullptr, NN_UNARY_IDENTITY, y.data()), NN_OK) << nn_last_error();
        nn::conv::forward_ref(p, x.data(), w.data(), nullptr, 0, ry.data());
        EXPECT_TRUE(nn_test::all_close(y.data(), ry.data(), ys, 1e-4f, atol_for(ry), "forward, no bias " + ctx));
        // Backward data: the flipped-weights forward (padding 2 - p) runs on the same path.
        std::vector<float> dx(xs, -7.0f), rdx(xs);
        ASSERT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), dx.data()), NN_OK) << nn_last_error();
        nn::conv::backward_data_ref(p, dy.data(), w.data(), rdx.data());
        EXPECT_TRUE(nn_test::all_close(dx.data(), rdx.data(), xs, 1e-4f, atol_for(rdx), "backward_data " + ctx));
    }
}

// dW = G^T (sum_t Z V) G and db = sum_t Z[5], with and without the bias gradient.
TEST(ConvWinograd, WeightGradientsMatchReference) {
    for (const auto& d : kWinograd) {
        const auto p = nn::conv::validate(d);
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow, ws = p.k * p.crs;
        auto x = nn_test::random_vector(xs, 91), dy = nn_test::random_vector(ys, 92);
        std::vector<float> rdw(ws), rdb(p.k);
        nn::conv::backward_weights_ref(p, x.data(), dy.data(), rdw.data(), rdb.data());
        for (bool with_db : {true, false}) {
            std::vector<float> dw(ws, -7.0f), db(p.k, -7.0f);
            ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw.data(), with_db ? db.data() : nullptr), NN_OK)
                << nn_last_error();
            const std::string ctx = nn_test::describe(d) + (with_db ? " with db" : " no db");
            EXPECT_TRUE(nn_test::all_close(dw.data(), rdw.data(), ws, 1e-4f, 5e-5f, "dW " + ctx));
            if (with_db) EXPECT_TRUE(nn_test::all_close(db.data(), rdb.data(), p.k, 1e-4f, 5e-5f, "db " + ctx));
            else
                for (float v : db) ASSERT_EQ(v, -7.0f) << "db written without being asked for: " << ctx;
        }
    }
}

// Late-layer shapes (few tiles, many channels), whose weight gradient builds V and Z of the whole
// batch before the products: odd planes, the bias row, groups, channels past one V task (16), and
// more tiles than one product call takes.
const nn_conv2d_desc kWholeBatch[] = {
    make(4, 64, 7, 7, 64, 1, 1, 1, 1),       // ResNet's 7x7 stage, fewer channels
    make(8, 40, 5, 5, 24, 1, 1, 1, 1),       // odd plane, k % 16 = 8
    make(6, 64, 6, 6, 64, 1, 1, 1, 1, 2),    // groups
    make(7, 150, 16, 16, 150, 1, 1, 1, 1),   // 448 tiles: more than one product call (about 420)
    make(2, 100, 9, 8, 120, 2, 0, 0, 2),     // one-sided pads, odd rows
};

TEST(ConvWinograd, WholeBatchWeightGradientMatchesReferenceAndThreads) {
    if (!nn::conv::winograd::available()) GTEST_SKIP() << "no Winograd kernels on this target";
    for (const auto& d : kWholeBatch) {
        const auto p = nn::conv::validate(d);
        const std::string ctx = nn_test::describe(d);
        ASSERT_TRUE(nn::conv::takes_winograd(p)) << ctx;
        ASSERT_TRUE(nn::conv::winograd_weights_whole_batch(p)) << ctx;
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow, ws = p.k * p.crs;
        auto x = nn_test::random_vector(xs, 95), dy = nn_test::random_vector(ys, 96);
        std::vector<float> rdw(ws), rdb(p.k);
        nn::conv::backward_weights_ref(p, x.data(), dy.data(), rdw.data(), rdb.data());
        std::vector<float> dw1(ws, -7.0f), db1(p.k, -7.0f), dw2(ws, -7.0f), db2(p.k, -7.0f), dw3(ws, -7.0f), db3(p.k, -7.0f);
        {
            nn_test::ThreadScope t(1);
            ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw1.data(), db1.data()), NN_OK) << nn_last_error();
            ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw3.data(), nullptr), NN_OK) << nn_last_error();
        }
        {
            nn_test::ThreadScope t(2);
            ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw2.data(), db2.data()), NN_OK) << nn_last_error();
        }
        EXPECT_TRUE(nn_test::all_close(dw1.data(), rdw.data(), ws, 1e-4f, 5e-5f, "dW " + ctx));
        EXPECT_TRUE(nn_test::all_close(db1.data(), rdb.data(), p.k, 1e-4f, 5e-5f, "db " + ctx));
        EXPECT_EQ(dw1, dw2) << ctx;
        EXPECT_EQ(db1, db2) << ctx;
        EXPECT_EQ(dw1, dw3) << "dW without db " << ctx;
        for (float v : db3) ASSERT_EQ(v, -7.0f) << "db written without being asked for: " << ctx;
    }
    // The early layers keep the chunked scheme.
    EXPECT_FALSE(nn::conv::winograd_weights_whole_batch(nn::conv::validate(kWinograd[0])));
}

// The transforms' extra roundings: bounded against the double reference and compared with the
// direct kernel's error on the same data (a regression in a transform shows up as a jump here).
TEST(ConvWinograd, ErrorStaysNearTheDirectKernels) {
    for (const auto& d : {kWinograd[0], kWinograd[1], kWinograd[5]}) {
        const auto p = nn::conv::validate(d);
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow, ws = p.k * p.crs;
        auto x = nn_test::random_vector(xs, 61), w = nn_test::random_vector(ws, 62);
        std::vector<float> wy(ys), dy(ys), ry(ys);
        ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), nullptr, NN_UNARY_IDENTITY, wy.data()), NN_OK);
        const bool saved = nn::conv::set_winograd_enabled(false);
        ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), nullptr, NN_UNARY_IDENTITY, dy.data()), NN_OK);
        nn::conv::set_winograd_enabled(saved);
        nn::conv::forward_ref(p, x.data(), w.data(), nullptr, 0, ry.data());
        double scale = 0;
        for (float v : ry) scale = std::max(scale, std::fabs(static_cast<double>(v)));
        const double we = max_abs(errors(wy, ry)), de = max_abs(errors(dy, ry));
        // float32 sums of crs products of magnitude <= 1: a few ulps of the scale.
        EXPECT_LT(we, 4e-6 * scale + 1e-6) << nn_test::describe(d) << " winograd " << we << " direct " << de << " scale " << scale;
        // The SIMD direct tiles sum in float (the scalar one in double: no error to compare with).
        if (nn_test::active_isa_name() != "scalar")
            EXPECT_LT(we, 8.0 * de + 1e-6) << nn_test::describe(d) << " winograd " << we << " direct " << de;
        std::printf("[ winograd error ] %s: %.3g (direct %.3g, scale %.3g)\n", nn_test::describe(d).c_str(), we, de, scale);
    }
}

// U = G g G^T per (output channel, input channel), laid out U[grp][xi][kb][c][kmr] with the
// channels past kg zero, against G's non-zero terms summed in column order (bit for bit); and the
// data gradient's U packed straight from the layer's weights against U of the weights flipped
// and transposed first. Signed zeros included: a -0 weight stays -0 through both.
TEST(ConvWinograd, PackedWeightsAreGgGtBitwise) {
    const auto* K = nn::conv::winograd::available();
    if (!K) GTEST_SKIP() << "no Winograd kernels on this target";
    const auto g_times = [](const float* v, int64_t stride, float out[4]) {
        for (int i = 0; i < 4; ++i) {
            float s = 0.0f;
            bool any = false;
            for (int j = 0; j < 3; ++j) {
                const float gij = nn::conv::kWinogradG[i][j];
                if (gij == 0.0f) continue;
                const float term = gij == 1.0f ? v[j * stride] : gij * v[j * stride];
                s = any ? s + term : term;
                any = true;
            }
            out[i] = s;
        }
    };
    // (44 -> 67 channels: the flipped pack's tasks of 32 output channels, the last one partial,
    // its chunks of 64 input channels, the last one of 3, odd.)
    for (const auto& d : {make(1, 16, 8, 8, 13, 1, 1, 1, 1), make(1, 24, 8, 8, 40, 1, 1, 1, 1, 2), make(1, 9, 8, 8, 8, 0, 0, 0, 0),
                          make(1, 44, 4, 4, 67, 1, 1, 1, 1), make(1, 88, 4, 4, 134, 1, 1, 1, 1, 2)}) {
        const auto p = nn::conv::validate(d);
        auto w = nn_test::random_vector(p.k * p.crs, 91);
        w[0] = -0.0f;
        w[5] = 0.0f;
        const int64_t kmr = K->kmr, kblocks = (p.kg + kmr - 1) / kmr, uxi = kblocks * p.cg * kmr;
        std::vector<float> want(static_cast<size_t>(nn::conv::winograd_weights_size(p)), 99.0f);
        for (int64_t grp = 0; grp < p.groups; ++grp)
            for (int64_t k = 0; k < kblocks * kmr; ++k)
                for (int64_t c = 0; c < p.cg; ++c) {
                    float gg[4][3] = {}, u[4][4] = {};
                    if (k < p.kg) {
                        const float* g = w.data() + ((grp * p.kg + k) * p.cg + c) * 9;
                        for (int j = 0; j < 3; ++j) {
                            float col[4];
                            g_times(g + j, 3, col);
                            for (int i = 0; i < 4; ++i) gg[i][j] = col[i];
                        }
                        for (int i = 0; i < 4; ++i) g_times(gg[i], 1, u[i]);
                    }
                    for (int xi = 0; xi < 16; ++xi)
                        want[static_cast<size_t>(grp * 16 * uxi + xi * uxi + ((k / kmr) * p.cg + c) * kmr + k % kmr)] = u[xi / 4][xi % 4];
                }
        std::vector<float> got(want.size(), -5.0f);
        nn::conv::winograd_pack_weights(p, w.data(), got.data());
        EXPECT_EQ(0, std::memcmp(got.data(), want.data(), sizeof(float) * got.size())) << nn_test::describe(d);

        // The data gradient as a forward convolution: q's weights are w flipped and transposed.
        nn_conv2d_desc qd = d;
        std::swap(qd.c, qd.k);
        const auto q = nn::conv::validate(qd);
        std::vector<float> wt(w.size());
        for (int64_t grp = 0; grp < p.groups; ++grp)
            for (int64_t m = 0; m < p.kg; ++m)
                for (int64_t c = 0; c < p.cg; ++c)
                    for (int t = 0; t < 9; ++t)
                        wt[static_cast<size_t>(((grp * p.cg + c) * p.kg + m) * 9 + 8 - t)] = w[static_cast<size_t>(((grp * p.kg + m) * p.cg + c) * 9 + t)];
        std::vector<float> via_copy(static_cast<size_t>(nn::conv::winograd_weights_size(q)), 1.0f), direct(via_copy.size(), -1.0f);
        nn::conv::winograd_pack_weights(q, wt.data(), via_copy.data());
        nn::conv::winograd_pack_flipped_weights(q, w.data(), direct.data());
        EXPECT_EQ(0, std::memcmp(via_copy.data(), direct.data(), sizeof(float) * direct.size())) << nn_test::describe(d);
    }
}

// The weight gradient's last step (winograd::kernels::weights_grad), dW = G^T D G, against its
// sums written out (each from +0, G's four terms in order, zeros included), bit for bit: output
// channels past a whole vector (kn = 21), fewer input channels than a call takes (cn = 7), a
// strided dU and dW whose other floats stay untouched, and a -0 in D.
TEST(ConvWinograd, WeightsGradIsGtDGBitwise) {
    const auto* K = nn::conv::winograd::available();
    if (!K) GTEST_SKIP() << "no Winograd kernels on this target";
    constexpr auto& G = nn::conv::kWinogradG;
    const int64_t kn = 21, kp = 32, cn = 7, cs = kp + 16, xs = 9 * cs + 3, ks = 13 * 9;  // dW of 13 input channels, 7 written
    auto du = nn_test::random_vector(16 * xs, 17);
    du[static_cast<size_t>(5 * xs + 2 * cs + 4)] = -0.0f;
    std::vector<float> want(static_cast<size_t>(kn * ks), 42.0f), got(want);
    for (int64_t k = 0; k < kn; ++k)
        for (int64_t c = 0; c < cn; ++c) {
            float t[4][3];
            for (int i = 0; i < 4; ++i)
                for (int b = 0; b < 3; ++b) {
                    float s = 0.0f;
                    for (int j = 0; j < 4; ++j) s = s + du[static_cast<size_t>((i * 4 + j) * xs + c * cs + k)] * G[j][b];
                    t[i][b] = s;
                }
            for (int a = 0; a < 3; ++a)
                for (int b = 0; b < 3; ++b) {
                    float s = 0.0f;
                    for (int i = 0; i < 4; ++i) s = s + G[i][a] * t[i][b];
                    want[static_cast<size_t>(k * ks + c * 9 + a * 3 + b)] = s;
                }
        }
    K->weights_grad(du.data(), xs, cs, kn, cn, got.data(), ks);
    EXPECT_EQ(0, std::memcmp(got.data(), want.data(), sizeof(float) * got.size())) << K->isa;
}

TEST(ConvWinograd, OneAndTwoThreadsAreBitwiseEqual) {
    for (const auto& d : kWinograd) {
        const auto p = nn::conv::validate(d);
        auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 71), w = nn_test::random_vector(p.k * p.crs, 72);
        auto b = nn_test::random_vector(p.k, 73), dy = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 74);
        std::vector<float> y1(dy.size()), y2(dy.size()), dx1(x.size()), dx2(x.size());
        {
            nn_test::ThreadScope t(1);
            ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), NN_UNARY_RELU, y1.data()), NN_OK);
            ASSERT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), dx1.data()), NN_OK);
        }
        {
            nn_test::ThreadScope t(2);
            ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), NN_UNARY_RELU, y2.data()), NN_OK);
            ASSERT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), dx2.data()), NN_OK);
        }
        EXPECT_EQ(y1, y2) << nn_test::describe(d);
        EXPECT_EQ(dx1, dx2) << nn_test::describe(d);
        std::vector<float> dw1(w.size()), dw2(w.size()), db1(b.size()), db2(b.size());
        {
            nn_test::ThreadScope t(1);
            ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw1.data(), db1.data()), NN_OK);
        }
        {
            nn_test::ThreadScope t(2);
            ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw2.data(), db2.data()), NN_OK);
        }
        EXPECT_EQ(dw1, dw2) << nn_test::describe(d);
        EXPECT_EQ(db1, db2) << nn_test::describe(d);
    }
}

// A partial GEMM tile (gemm_part, chosen by winograd::gemm_tile) gives the full kernel's bits in
// the vectors it computes and writes nothing past them, for every vector count, with and without
// a bias start.
TEST(ConvWinograd, PartialGemmTileMatchesTheFullTileBitwise) {
    const auto* K = nn::conv::winograd::available();
    if (!K) GTEST_SKIP() << "no Winograd kernels on this target";
    const int64_t channels = 37, vs = K->nt + 5;
    const auto u = nn_test::random_vector(channels * K->kmr, 81), v = nn_test::random_vector(channels * vs, 82);
    const auto init = nn_test::random_vector(64, 83);
    for (const float* start : {static_cast<const float*>(nullptr), init.data()}) {
        std::vector<float> full(static_cast<size_t>(K->kmr * K->nt));
        K->gemm(u.data(), v.data(), vs, channels, start, full.data());
        for (int vectors = 1; vectors * K->lanes <= K->nt; ++vectors) {
            std::vector<float> part(full.size(), 12345.0f);
            nn::conv::winograd::gemm_tile(*K, u.data(), v.data(), vs, channels, start, part.data(), (vectors - 1) * K->lanes + 1);
            for (int64_t r = 0; r < K->kmr; ++r)
                for (int64_t q = 0; q < K->nt; ++q) {
                    const size_t i = static_cast<size_t>(r * K->nt + q);
                    if (q < vectors * K->lanes) ASSERT_EQ(part[i], full[i]) << K->isa << " vectors " << vectors << " r " << r << " q " << q;
                    else ASSERT_EQ(part[i], 12345.0f) << K->isa << " vectors " << vectors << " wrote column " << q;
                }
        }
    }
}

// Random small 3x3 stride-1 shapes that take the path (the fuzzer's space, minus hostile values).
TEST(ConvWinograd, RandomShapesMatchReference) {
    uint32_t state = 777;
    auto next = [&](int64_t lo, int64_t hi) {
        state = state * 1664525u + 1013904223u;
        return lo + static_cast<int64_t>((state >> 8) % static_cast<uint32_t>(hi - lo + 1));
    };
    int tried = 0;
    for (int it = 0; it < 300 && tried < 120; ++it) {
        const int64_t g = next(1, 2);
        const nn_conv2d_desc d = make(next(1, 5), g * next(8, 20), next(3, 19), next(3, 23), g * next(8, 21), next(0, 2),
                                      next(0, 2), next(0, 2), next(0, 2), g);
        int64_t oh = 0, ow = 0;
        if (nn_conv2d_output_size(&d, &oh, &ow) != NN_OK) continue;
        const auto p = nn::conv::validate(d);
        if (!nn::conv::takes_winograd(p)) continue;
        ++tried;
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow, ws = p.k * p.crs, guard = 64;
        auto x = nn_test::random_vector(xs, 81 + it), w = nn_test::random_vector(ws, 82 + it);
        auto b = nn_test::random_vector(p.k, 83 + it);
        std::vector<float> buf(static_cast<size_t>(ys + 2 * guard), 123.0f), ry(ys);
        const int act = it % 5;
        ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), static_cast<nn_unary_op>(act), buf.data() + guard), NN_OK) << nn_last_error();
        nn::conv::forward_ref(p, x.data(), w.data(), b.data(), act, ry.data());
        const std::string ctx = nn_test::describe(d) + " act=" + std::to_string(act);
        for (int64_t i = 0; i < guard; ++i) {
            ASSERT_EQ(buf[static_cast<size_t>(i)], 123.0f) << ctx;
            ASSERT_EQ(buf[static_cast<size_t>(guard + ys + i)], 123.0f) << ctx;
        }
        ASSERT_TRUE(nn_test::all_close(buf.data() + guard, ry.data(), ys, 1e-4f, 2e-5f, "forward " + ctx));
    }
    if (nn::conv::winograd::available()) EXPECT_GE(tried, 100);
}

// The active ISA's input transform and split padding against the scalar reference, bit for bit
// (both only add, subtract and copy): tile rows of 1 to 20 tiles starting mid-row or not (the
// AVX-512 kernels put two rows of at most 8 tiles in one vector, and split rows of at most 16
// floats a parity with one pair of loads), any count of tiles, and padded rows with left
// padding 0 to 2, rows above and below the input, inputs narrower and wider than a vector.
TEST(ConvWinograd, InputTransformAndSplitPaddingMatchTheReferenceBitwise) {
    const auto* K = nn::conv::winograd::available();
    if (!K) GTEST_SKIP() << "no Winograd kernels on this target";
    const auto& R = nn::conv::winograd::ref_kernels;
    int variant = 0;
    for (int64_t tw : std::initializer_list<int64_t>{1, 3, 4, 6, 7, 8, 9, 15, 20})
        for (int64_t tx0 : std::initializer_list<int64_t>{0, tw / 2, tw - 1})
            for (int64_t n : std::initializer_list<int64_t>{1, tw - tx0, 2 * tw + 1, 5 * tw - tx0, 23}) {
                if (n < 1) continue;
                const int64_t channels = 3, hp = tw + 1, rp = 2 * hp, rows = 2 * ((tx0 + n + tw - 1) / tw) + 2;
                const int64_t cs = (rows * rp + K->lanes + 16 + 15) / 16 * 16, vs = n + K->lanes + 16, vxi = channels * vs;
                const auto xs = nn_test::random_vector(channels * cs, 90 + variant++);
                std::vector<float> got(static_cast<size_t>(16 * vxi), 7.0f), want(got.size(), 7.0f);
                K->input_row(xs.data(), rp, hp, cs, channels, tx0, n, tw, got.data(), vs, vxi);
                R.input_row(xs.data(), rp, hp, cs, channels, tx0, n, tw, want.data(), vs, vxi);
                for (int64_t xi = 0; xi < 16; ++xi)
                    for (int64_t c = 0; c < channels; ++c)
                        for (int64_t q = 0; q < n; ++q) {
                            const size_t i = static_cast<size_t>(xi * vxi + c * vs + q);
                            ASSERT_EQ(std::memcmp(&got[i], &want[i], sizeof(float)), 0)
                                << K->isa << " tw " << tw << " tx0 " << tx0 << " n " << n << " xi " << xi << " c " << c << " q " << q;
                        }
            }
    for (int64_t w : std::initializer_list<int64_t>{3, 11, 13, 14, 16, 17, 28, 29, 40})
        for (int64_t pl : std::initializer_list<int64_t>{0, 1, 2})
            for (int64_t ih0 : std::initializer_list<int64_t>{-2, 0, 3}) {
                const int64_t channels = 2, h = 9, tw = (w + 2 * pl - 2 + 1) / 2, hp = tw + 1, rows = 12;
                const int64_t cs = (rows * 2 * hp + K->lanes + 16 + 15) / 16 * 16;
                const auto x = nn_test::random_vector(channels * h * w, 95 + variant++);
                std::vector<float> got(static_cast<size_t>(channels * cs + 64), 5.0f), want(got.size(), 5.0f);
                const nn::conv::winograd_pad a{channels, h, w, ih0, rows, hp, pl, cs};
                K->pad_split(x.data(), a, got.data());
                R.pad_split(x.data(), a, want.data());
                ASSERT_EQ(std::memcmp(got.data(), want.data(), sizeof(float) * static_cast<size_t>(channels * cs)), 0)
                    << K->isa << " w " << w << " pl " << pl << " ih0 " << ih0;
            }
}
