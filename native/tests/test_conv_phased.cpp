// Strided layers with few input channels on phase planes (conv_direct.h: takes_phases): the
// direct forward tile and the direct weight gradient read the sh * sw phase planes of the padded
// input as stride-1 views. ResNet's 7x7/2 stem and MobileNetV2's 3x3/2 one at small planes, odd
// sizes (a phase plane one column or row longer than another), padding wider than the kernel's
// reach, stride 3, a stride in one direction only, groups, bias and activations; y inside a
// guarded buffer; 1 vs 2 threads bitwise. Each case is checked to take the phase planes (the
// weight gradient from 64 output channels a group).
#include <cstring>
#include <string>
#include <vector>

#include "conv/conv.h"
#include "conv/conv_direct.h"
#include "test_util.h"

namespace {

nn_conv2d_desc make(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r, int64_t s, int64_t sh,
                    int64_t sw, int64_t pt, int64_t pb, int64_t pl, int64_t pr, int64_t g) {
    return nn_conv2d_desc{n, c, h, w, k, r, s, sh, sw, pt, pb, pl, pr, 1, 1, g};
}

const nn_conv2d_desc kPhased[] = {
    make(2, 3, 32, 32, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1),    // ResNet's stem
    make(2, 3, 29, 31, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1),    // MobileNetV2's stem, odd sizes (dW: im2col)
    make(1, 3, 23, 20, 68, 7, 7, 2, 2, 3, 3, 3, 3, 1),    // odd height, k = 64 + 4
    make(2, 1, 17, 19, 64, 5, 5, 2, 2, 4, 1, 0, 5, 1),    // C = 1, padding past the kernel's reach, one-sided
    make(1, 4, 20, 22, 64, 5, 4, 3, 3, 2, 2, 1, 2, 1),    // stride 3, even kernel width
    make(2, 2, 12, 18, 64, 3, 5, 1, 2, 1, 1, 2, 2, 1),    // stride in columns only
    make(1, 6, 15, 15, 128, 3, 3, 2, 2, 1, 1, 1, 1, 2),    // groups of 3 channels
    make(1, 3, 9, 9, 5, 7, 7, 2, 2, 3, 3, 3, 3, 1),       // plane smaller than a tile, k < 8 (dW: im2col)
};

}  // namespace

TEST(ConvPhased, CasesTakeThePhasePlanes) {
    for (const auto& d : kPhased) EXPECT_TRUE(nn::conv::takes_phases(nn::conv::validate(d))) << nn_test::describe(d);
    // Not taken: stride 1, many input channels, 1x1.
    EXPECT_FALSE(nn::conv::takes_phases(nn::conv::validate(make(1, 3, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1))));
    EXPECT_FALSE(nn::conv::takes_phases(nn::conv::validate(make(1, 64, 9, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1))));
    EXPECT_FALSE(nn::conv::takes_phases(nn::conv::validate(make(1, 3, 9, 9, 8, 1, 1, 2, 2, 0, 0, 0, 0, 1))));
}

TEST(ConvPhased, MatchesReference) {
    int act = 0;
    for (const auto& d : kPhased) {
        const auto p = nn::conv::validate(d);
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow, ws = p.k * p.crs, guard = 64;
        auto x = nn_test::random_vector(xs, 51), w = nn_test::random_vector(ws, 52), b = nn_test::random_vector(p.k, 53);
        auto dy = nn_test::random_vector(ys, 54);
        act = (act + 1) % 5;
        const std::string ctx = nn_test::describe(d) + " act=" + std::to_string(act);
        std::vector<float> buf(static_cast<size_t>(ys + 2 * guard), 123.0f), y(ys), dw(ws, -7.0f), db(p.k, -7.0f);
        std::vector<float> want_dw(ws), want_db(p.k);
        ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), static_cast<nn_unary_op>(act), buf.data() + guard),
                  NN_OK)
            << nn_last_error();
        ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw.data(), db.data()), NN_OK) << nn_last_error();
        nn::conv::forward_ref(p, x.data(), w.data(), b.data(), act, y.data());
        nn::conv::backward_weights_ref(p, x.data(), dy.data(), want_dw.data(), want_db.data());
        for (int64_t i = 0; i < guard; ++i) {
            EXPECT_EQ(buf[static_cast<size_t>(i)], 123.0f) << ctx;
            EXPECT_EQ(buf[static_cast<size_t>(guard + ys + i)], 123.0f) << ctx;
        }
        EXPECT_TRUE(nn_test::all_close(buf.data() + guard, y.data(), ys, 1e-4f, 1e-5f, "forward " + ctx));
        EXPECT_TRUE(nn_test::all_close(dw.data(), want_dw.data(), ws, 1e-4f, 2e-5f, "backward_weights " + ctx));
        EXPECT_TRUE(nn_test::all_close(db.data(), want_db.data(), p.k, 1e-4f, 2e-5f, "bias grad " + ctx));
        // Without a bias gradient the weight gradient runs one tap fewer: the same weights.
        std::vector<float> dw2(ws, -7.0f);
        ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw2.data(), nullptr), NN_OK) << nn_last_error();
        EXPECT_TRUE(nn_test::all_close(dw2.data(), want_dw.data(), ws, 1e-4f, 2e-5f, "backward_weights, no db " + ctx));
    }
}

TEST(ConvPhased, OneAndTwoThreadsAreBitwiseEqual) {
    for (const auto& d : {kPhased[0], kPhased[1], kPhased[6], make(9, 3, 40, 36, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1)}) {
        const auto p = nn::conv::validate(d);
        auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 61), w = nn_test::random_vector(p.k * p.crs, 62);
        auto b = nn_test::random_vector(p.k, 63), dy = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 64);
        std::vector<float> y[2], dw[2], db[2];
        for (int t = 0; t < 2; ++t) {
            nn_test::ThreadScope scope(t + 1);
            y[t].assign(dy.size(), -7.0f);
            dw[t].assign(w.size(), -7.0f);
            db[t].assign(b.size(), -7.0f);
            ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), NN_UNARY_RELU, y[t].data()), NN_OK);
            ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw[t].data(), db[t].data()), NN_OK);
        }
        const std::string ctx = nn_test::describe(d);
        EXPECT_EQ(0, std::memcmp(y[0].data(), y[1].data(), y[0].size() * 4)) << "forward " << ctx;
        EXPECT_EQ(0, std::memcmp(dw[0].data(), dw[1].data(), dw[0].size() * 4)) << "backward_weights " << ctx;
        EXPECT_EQ(0, std::memcmp(db[0].data(), db[1].data(), db[0].size() * 4)) << "bias grad " << ctx;
    }
}
