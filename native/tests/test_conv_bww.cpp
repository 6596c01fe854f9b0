// The direct stride-1 gradients (conv2d.cpp backward_weights_direct: padded input views x dY^T,
// bias as a ones tap; backward_data_direct: padded dY x broadcast weights, for few input
// channels) at their edges: channel counts not a multiple of the tiles, odd widths, dilation,
// asymmetric and over-wide padding, groups, one input channel, tiny planes, uneven batch chunks,
// blocks of output rows; and the shapes that must fall back (huge padding). Against the scalar
// reference at every ISA cap (CTest), 1 vs 2 threads bitwise. The Winograd path, which would take
// the 3x3 cases, is off here (test_conv_winograd.cpp).
#include <cstring>
#include <string>
#include <vector>

#include "conv/conv.h"
#include "test_util.h"

namespace {

nn_conv2d_desc make(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r, int64_t s, int64_t pt,
                    int64_t pb, int64_t pl, int64_t pr, int64_t dh, int64_t dw, int64_t g) {
    return nn_conv2d_desc{n, c, h, w, k, r, s, 1, 1, pt, pb, pl, pr, dh, dw, g};
}

const nn_conv2d_desc kCases[] = {
    make(3, 5, 11, 13, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // one whole vector of outputs
    make(2, 4, 9, 7, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1),       // k % 16 != 0 (padded vector)
    make(2, 3, 10, 31, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // k = 20: 2 vectors, half padding
    make(2, 6, 8, 9, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1),       // k = 40: a 3-vector group (zmm)
    make(1, 7, 6, 11, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // k = 70: 4 + 1 vector groups
    make(9, 2, 12, 12, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // 9 images in 8 chunks (uneven)
    make(17, 1, 28, 28, 32, 3, 3, 0, 0, 0, 0, 1, 1, 1),    // C = 1 (9 taps + bias), no padding
    make(3, 32, 13, 13, 64, 3, 3, 0, 0, 0, 0, 1, 1, 1),    // LeNet's second layer
    make(2, 3, 15, 17, 24, 3, 3, 2, 2, 2, 2, 2, 2, 1),     // dilation 2
    make(2, 2, 14, 19, 16, 3, 3, 1, 1, 3, 3, 1, 3, 1),     // dilation 1 x 3
    make(2, 3, 10, 11, 18, 2, 4, 0, 1, 1, 2, 1, 1, 1),     // even kernel, asymmetric padding
    make(2, 3, 9, 10, 16, 3, 3, 2, 0, 0, 1, 1, 1, 1),      // padding on two sides only
    make(1, 2, 5, 6, 16, 3, 3, 3, 4, 4, 3, 1, 1, 1),       // padding wider than the kernel
    make(2, 8, 9, 9, 32, 3, 3, 1, 1, 1, 1, 1, 1, 2),       // groups (16 outputs each)
    make(2, 6, 7, 8, 39, 3, 3, 1, 1, 1, 1, 1, 1, 3),       // groups, 13 outputs each
    make(2, 3, 1, 1, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),       // 1 x 1 plane, all padding
    make(3, 2, 2, 3, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1),       // tiny plane
    make(2, 3, 12, 9, 16, 5, 5, 2, 2, 2, 2, 1, 1, 1),      // 5 x 5: 75 taps, tail tiles
    make(2, 5, 7, 20, 16, 1, 3, 0, 0, 1, 1, 1, 1, 1),      // 1 x 3
    make(2, 5, 20, 7, 16, 3, 1, 1, 1, 0, 0, 1, 1, 1),      // 3 x 1
    make(1, 3, 60, 45, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // several blocks of output rows
    make(1, 2, 40, 1100, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // one output row per block
    make(2, 2, 3, 3, 16, 3, 3, 200, 200, 150, 150, 1, 1, 1),  // huge padding: the im2col path
    make(2, 2, 6, 5, 16, 2, 2, 30, 30, 0, 1, 50, 1, 1),    // large dilation over large padding
    // Data-gradient edges (input channels 4..31 take the direct data path).
    make(2, 16, 12, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // the benchmark's C = 16 shape, small
    make(2, 13, 9, 23, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // 13 channels: balanced 7 + 6 (zmm) tiles
    make(1, 31, 7, 50, 9, 3, 3, 0, 2, 2, 0, 1, 1, 1),      // 31 channels, pad only bottom / left
    make(2, 12, 10, 9, 7, 3, 3, 1, 4, 0, 5, 1, 1, 1),      // bottom / right pads wider than the kernel
    make(2, 5, 13, 12, 6, 5, 5, 4, 4, 4, 4, 2, 2, 1),      // 5 x 5 dilated, full padding
    make(2, 8, 6, 40, 10, 1, 3, 0, 0, 0, 0, 1, 1, 2),      // 1 x 3, no padding, groups
    make(1, 4, 1, 3, 3, 1, 3, 0, 0, 2, 2, 1, 1, 1),        // one row, 3 pixels
    make(2, 6, 5, 6, 8, 3, 3, 3, 1, 1, 3, 1, 1, 1),        // top pad wider than the kernel: dcol path
};

struct Grads {
    std::vector<float> dw, db, dx;
};

Grads weight_grads(const nn_conv2d_desc& d, const std::vector<float>& x, const std::vector<float>& dy, int64_t ws,
                   bool with_db) {
    Grads g;
    // The data gradient too, with the weights' values standing in for w (any values do).
    std::vector<float> w = nn_test::random_vector(ws, 77);
    g.dx.assign(x.size(), -7.0f);
    EXPECT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), g.dx.data()), NN_OK) << nn_last_error();
    g.dw.assign(static_cast<size_t>(ws), -7.0f);
    g.db.assign(with_db ? static_cast<size_t>(d.k) : 0, -7.0f);
    EXPECT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), g.dw.data(), with_db ? g.db.data() : nullptr), NN_OK)
        << nn_last_error();
    return g;
}

}  // namespace

TEST(Conv2dBackwardDirect, MatchesReference) {
    const nn_test::NoWinograd direct_only;
    uint32_t seed = 100;
    for (const auto& d : kCases) {
        const auto p = nn::conv::validate(d);
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow, ws = p.k * p.crs;
        auto x = nn_test::random_vector(xs, seed++), dy = nn_test::random_vector(ys, seed++);
        std::vector<float> dw(ws), db(p.k), dx(xs);
        nn::conv::backward_weights_ref(p, x.data(), dy.data(), dw.data(), db.data());
        const std::vector<float> w = nn_test::random_vector(ws, 77);
        nn::conv::backward_data_ref(p, dy.data(), w.data(), dx.data());
        const std::string ctx = nn_test::describe(d);
        for (bool with_db : {true, false}) {
            Grads got = weight_grads(d, x, dy, ws, with_db);
            EXPECT_TRUE(nn_test::all_close(got.dx.data(), dx.data(), xs, 1e-4f, 1e-5f, "dx " + ctx));
            EXPECT_TRUE(nn_test::all_close(got.dw.data(), dw.data(), ws, 1e-4f, 2e-5f, "dW " + ctx));
            if (with_db) EXPECT_TRUE(nn_test::all_close(got.db.data(), db.data(), p.k, 1e-4f, 2e-5f, "db " + ctx));
        }
    }
}

TEST(Conv2dBackwardDirect, OneAndTwoThreadsAreBitwiseEqual) {
    const nn_test::NoWinograd direct_only;
    uint32_t seed = 300;
    for (const auto& d : kCases) {
        const auto p = nn::conv::validate(d);
        auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, seed++);
        auto dy = nn_test::random_vector(p.n * p.k * p.oh * p.ow, seed++);
        Grads one, two;
        {
            nn_test::ThreadScope t(1);
            one = weight_grads(d, x, dy, p.k * p.crs, true);
        }
        {
            nn_test::ThreadScope t(2);
            two = weight_grads(d, x, dy, p.k * p.crs, true);
        }
        EXPECT_EQ(0, std::memcmp(one.dx.data(), two.dx.data(), one.dx.size() * 4)) << "dx " << nn_test::describe(d);
        EXPECT_EQ(0, std::memcmp(one.dw.data(), two.dw.data(), one.dw.size() * 4)) << "dW " << nn_test::describe(d);
        EXPECT_EQ(0, std::memcmp(one.db.data(), two.db.data(), one.db.size() * 4)) << "db " << nn_test::describe(d);
    }
}

// conv1d maps onto h = 1: a single output row per image.
TEST(Conv2dBackwardDirect, Conv1dMatchesReference) {
    const nn_test::NoWinograd direct_only;
    const nn_conv1d_desc d{3, 5, 37, 24, 3, 1, 2, 1, 2, 1};
    const auto p = nn::conv::validate(d);
    auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 500), dy = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 501);
    std::vector<float> dw(p.k * p.crs), db(p.k), rdw(dw.size()), rdb(db.size());
    ASSERT_EQ(nn_conv1d_backward_weights(&d, x.data(), dy.data(), dw.data(), db.data()), NN_OK) << nn_last_error();
    nn::conv::backward_weights_ref(p, x.data(), dy.data(), rdw.data(), rdb.data());
    EXPECT_TRUE(nn_test::all_close(dw.data(), rdw.data(), (int64_t)dw.size(), 1e-4f, 2e-5f, "conv1d dW"));
    EXPECT_TRUE(nn_test::all_close(db.data(), rdb.data(), p.k, 1e-4f, 2e-5f, "conv1d db"));
}
