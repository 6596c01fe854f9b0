// Convolution: every path (im2col + GEMM, pointwise, depthwise, banded, channel-chunked) through
// the C ABI against the direct scalar reference, 1 vs 2 threads bitwise, bad arguments, a
// finite-difference check of the reference itself, and PyTorch's parity fixtures.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "conv/conv.h"
#include "safetensors.h"
#include "test_util.h"

namespace {

nn_conv2d_desc make(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r, int64_t s, int64_t sh,
                    int64_t sw, int64_t pt, int64_t pb, int64_t pl, int64_t pr, int64_t dh, int64_t dw, int64_t g) {
    return nn_conv2d_desc{n, c, h, w, k, r, s, sh, sw, pt, pb, pl, pr, dh, dw, g};
}

const nn_conv2d_desc kCases[] = {
    make(2, 3, 11, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),      // basic 3x3 same
    make(3, 4, 13, 13, 6, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 1),     // stride 2
    make(1, 8, 10, 12, 8, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 2),     // groups, n=1 (channel-chunked dx)
    make(2, 2, 9, 9, 3, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1),       // dilation
    make(4, 16, 8, 8, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1),     // pointwise
    make(2, 6, 17, 19, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6),     // depthwise
    make(2, 4, 15, 13, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4),     // depthwise x2, stride 2
    make(2, 3, 10, 11, 4, 2, 4, 1, 1, 0, 1, 1, 2, 1, 1, 1),     // asymmetric "same"
    make(3, 5, 7, 33, 7, 3, 2, 1, 3, 1, 0, 2, 1, 1, 2, 1),      // odd strides/dilations
    make(1, 64, 20, 30, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),    // several im2col bands
    make(1, 512, 9, 64, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1),    // pointwise, several bands
    make(2, 8, 9, 9, 4, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1),       // strided 1x1
    make(1, 2, 9, 9, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2),      // one input channel/group, many outputs
    make(1, 2, 5, 5, 3, 3, 3, 2, 1, 4, 3, 0, 5, 1, 1, 1),       // padding wider than the kernel
    make(2, 3, 12, 12, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),     // C=3 first layer
    make(1, 3, 6, 40, 3, 1, 5, 1, 1, 0, 0, 2, 2, 1, 3, 3),      // depthwise 1x5 dilated rows
    make(2, 1, 9, 8, 3, 3, 3, 1, 2, 1, 1, 0, 1, 1, 1, 1),       // c=1, few outputs (direct)
    make(2, 3, 20, 70, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1),     // stride 2, wide rows (vector im2col)
    make(1, 4, 11, 75, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4),     // depthwise stride 2, wide rows
    make(1, 2, 9, 80, 2, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2),      // depthwise stride 2, dilated
    make(1, 2, 6, 67, 3, 1, 4, 1, 2, 0, 0, 0, 1, 1, 1, 1),      // stride 2, even kernel, right pad only
    make(2, 40, 13, 37, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),   // several K blocks and bands, k % 6 != 0
    make(1, 4, 6, 7, 300, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),     // dx: several K blocks (k > 256), chunks
    make(2, 64, 9, 11, 6, 3, 3, 1, 1, 2, 1, 0, 3, 2, 2, 2),     // dx as a forward conv: dilated, uneven pads
    make(2, 5, 7, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 5),       // depthwise 3x3 on rows narrower than a vector
    make(1, 3, 70, 50, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3),     // depthwise 3x3: full vectors, tail, many rows
    make(2, 4, 14, 48, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4),     // depthwise 3x3 stride 2, even width
    make(1, 2, 9, 37, 2, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2),      // depthwise 3x3 dilated, stride 1
    make(2, 64, 30, 30, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1),   // stride 2: bands refitted to whole panels (12 -> 8 rows)
    make(5, 8, 20, 19, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1),    // stride 2, small planes: the batch's columns in one GEMM, dx in image groups of 3 and 2
};

struct ConvRun {
    std::vector<float> y, dx, dw, db;
};

ConvRun run_all(const nn_conv2d_desc& d, const std::vector<float>& x, const std::vector<float>& w,
            const std::vector<float>& b, const std::vector<float>& dy, int act, int64_t ysize) {
    ConvRun r;
    r.y.assign(static_cast<size_t>(ysize), -7.0f);
    r.dx.assign(x.size(), -7.0f);
    r.dw.assign(w.size(), -7.0f);
    r.db.assign(b.size(), -7.0f);
    EXPECT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), static_cast<nn_unary_op>(act), r.y.data()), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), r.dx.data()), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), r.dw.data(), r.db.data()), NN_OK) << nn_last_error();
    return r;
}

}  // namespace

TEST(Conv2d, MatchesReferenceOnEveryPath) {
    int act = 0;
    for (const auto& d : kCases) {
        const auto p = nn::conv::validate(d);
        const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow, ws = p.k * p.crs;
        auto x = nn_test::random_vector(xs, 1), w = nn_test::random_vector(ws, 2), b = nn_test::random_vector(p.k, 3);
        auto dy = nn_test::random_vector(ys, 4);
        act = (act + 1) % 5;
        ConvRun got = run_all(d, x, w, b, dy, act, ys);
        std::vector<float> y(ys), dx(xs), dw(ws), db(p.k);
        nn::conv::forward_ref(p, x.data(), w.data(), b.data(), act, y.data());
        nn::conv::backward_data_ref(p, dy.data(), w.data(), dx.data());
        nn::conv::backward_weights_ref(p, x.data(), dy.data(), dw.data(), db.data());
        const std::string ctx = nn_test::describe(d) + " act=" + std::to_string(act);
        EXPECT_TRUE(nn_test::all_close(got.y.data(), y.data(), ys, 1e-4f, 1e-5f, "forward " + ctx));
        EXPECT_TRUE(nn_test::all_close(got.dx.data(), dx.data(), xs, 1e-4f, 1e-5f, "backward_data " + ctx));
        EXPECT_TRUE(nn_test::all_close(got.dw.data(), dw.data(), ws, 1e-4f, 2e-5f, "backward_weights " + ctx));
        EXPECT_TRUE(nn_test::all_close(got.db.data(), db.data(), p.k, 1e-4f, 2e-5f, "bias grad " + ctx));
    }
}

// An infinite input reaches only the weight-gradient taps that see it: the depthwise 3x3 kernels
// sum in vectors, and their partial vectors must not pair a dy with an input its output does not
// see (0 * inf would turn a finite gradient into NaN).
TEST(Conv2d, DepthwiseWeightGradientKeepsNonFiniteInputsToTheirTaps) {
    for (const int64_t stride : {1, 2})
        for (const int64_t w : {7, 20, 37}) {
            const auto d = make(1, 2, 6, w, 2, 3, 3, stride, stride, 1, 1, 1, 1, 1, 1, 2);
            const auto p = nn::conv::validate(d);
            auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 12);
            auto dy = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 13);
            x[static_cast<size_t>(p.w - 1)] = INFINITY;                    // channel 0, row 0, last column
            x[static_cast<size_t>(p.h * p.w + 2 * p.w)] = -INFINITY;       // channel 1, row 2, first column
            std::vector<float> got(static_cast<size_t>(p.k * 9)), want(got.size());
            ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), got.data(), nullptr), NN_OK) << nn_last_error();
            nn::conv::backward_weights_ref(p, x.data(), dy.data(), want.data(), nullptr);
            int finite = 0;
            for (size_t t = 0; t < got.size(); ++t) {
                const std::string ctx = nn_test::describe(d) + " tap " + std::to_string(t);
                if (std::isfinite(want[t])) {
                    ++finite;
                    EXPECT_TRUE(std::isfinite(got[t])) << ctx << ": " << got[t];
                    EXPECT_NEAR(got[t], want[t], 1e-4f * (1.0f + std::fabs(want[t]))) << ctx;
                } else {
                    EXPECT_FALSE(std::isfinite(got[t])) << ctx << ": " << got[t];
                }
            }
            EXPECT_GE(finite, 6) << nn_test::describe(d);  // the taps that never see the infinite input
        }
}

// Few pixels, many channels (ResNet's stride-2 layers into 256 and 512 channels): the weight
// gradient by slices of taps over the whole batch. Only the weight and bias gradients: the data
// gradient's 2304-term sums would need a looser tolerance than the cases above.
TEST(Conv2d, WeightGradientBySlicesMatchesReference) {
    // Channel counts whose taps and outputs are multiples of 96, so every table's tiles (mr and nr
    // up to 32) waste nothing either way and the transposed orientation, which slices need, is taken.
    for (const auto& d : {make(4, 192, 6, 6, 384, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2),     // groups
                          make(3, 160, 5, 5, 480, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1)}) {  // uneven last slice
        const auto p = nn::conv::validate(d);
        const std::string ctx = nn_test::describe(d);
        ASSERT_TRUE(nn::conv::weights_by_slices(p)) << ctx;
        auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 21), dy = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 22);
        std::vector<float> dw(static_cast<size_t>(p.k * p.crs), -7.0f), db(static_cast<size_t>(p.k), -7.0f);
        std::vector<float> want_dw(dw.size()), want_db(db.size());
        ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw.data(), db.data()), NN_OK) << nn_last_error();
        nn::conv::backward_weights_ref(p, x.data(), dy.data(), want_dw.data(), want_db.data());
        EXPECT_TRUE(nn_test::all_close(dw.data(), want_dw.data(), (int64_t)dw.size(), 1e-4f, 2e-5f, "backward_weights " + ctx));
        EXPECT_TRUE(nn_test::all_close(db.data(), want_db.data(), p.k, 1e-4f, 2e-5f, "bias grad " + ctx));
    }
}

TEST(Conv2d, NullBiasAndNoBiasGrad) {
    const auto d = make(2, 4, 7, 7, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    const auto p = nn::conv::validate(d);
    auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 5), w = nn_test::random_vector(p.k * p.crs, 6);
    auto dy = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 7);
    std::vector<float> y(dy.size()), want(dy.size()), dw(w.size()), dww(w.size());
    ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), nullptr, NN_UNARY_IDENTITY, y.data()), NN_OK);
    nn::conv::forward_ref(p, x.data(), w.data(), nullptr, 0, want.data());
    EXPECT_TRUE(nn_test::all_close(y.data(), want.data(), (int64_t)y.size(), 1e-4f, 1e-5f, "no bias"));
    ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw.data(), nullptr), NN_OK);
    nn::conv::backward_weights_ref(p, x.data(), dy.data(), dww.data(), nullptr);
    EXPECT_TRUE(nn_test::all_close(dw.data(), dww.data(), (int64_t)dw.size(), 1e-4f, 2e-5f, "no db"));
}

TEST(Conv2d, OneAndTwoThreadsAreBitwiseEqual) {
    const nn_conv2d_desc cases[] = {kCases[0], kCases[2], kCases[4], kCases[5], kCases[9], kCases[10],
                                    make(11, 3, 10, 10, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                                    make(2, 64, 30, 30, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1),  // refitted bands
                                    make(5, 8, 20, 19, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1),   // batched columns, image groups
                                    // weights large enough that their packing splits over the threads
                                    make(4, 128, 6, 6, 256, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1),
                                    // dW by slices of taps, uneven last slice, bias gradient
                                    make(3, 160, 5, 5, 480, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1)};
    for (const auto& d : cases) {
        const auto p = nn::conv::validate(d);
        auto x = nn_test::random_vector(p.n * p.c * p.h * p.w, 8), w = nn_test::random_vector(p.k * p.crs, 9);
        auto b = nn_test::random_vector(p.k, 10), dy = nn_test::random_vector(p.n * p.k * p.oh * p.ow, 11);
        ConvRun one, two;
        {
            nn_test::ThreadScope t(1);
            one = run_all(d, x, w, b, dy, 1, (int64_t)dy.size());
        }
        {
            nn_test::ThreadScope t(2);
            two = run_all(d, x, w, b, dy, 1, (int64_t)dy.size());
        }
        const std::string ctx = nn_test::describe(d);
        EXPECT_EQ(0, std::memcmp(one.y.data(), two.y.data(), one.y.size() * 4)) << "forward " << ctx;
        EXPECT_EQ(0, std::memcmp(one.dx.data(), two.dx.data(), one.dx.size() * 4)) << "backward_data " << ctx;
        EXPECT_EQ(0, std::memcmp(one.dw.data(), two.dw.data(), one.dw.size() * 4)) << "backward_weights " << ctx;
        EXPECT_EQ(0, std::memcmp(one.db.data(), two.db.data(), one.db.size() * 4)) << "bias grad " << ctx;
    }
}

TEST(Conv1d, MatchesReference) {
    const nn_conv1d_desc cases[] = {
        {2, 3, 50, 4, 5, 2, 2, 1, 2, 1},  // stride, asymmetric pad, dilation
        {3, 4, 33, 4, 3, 1, 1, 1, 1, 4},  // depthwise
        {1, 6, 17, 9, 1, 1, 0, 0, 1, 3},  // pointwise, groups
    };
    for (const auto& d : cases) {
        int64_t ol = 0;
        ASSERT_EQ(nn_conv1d_output_size(&d, &ol), NN_OK) << nn_last_error();
        ASSERT_EQ(ol, (d.l + d.pad_left + d.pad_right - d.dilation * (d.kernel_size - 1) - 1) / d.stride + 1);
        const auto p = nn::conv::validate(d);
        const int64_t xs = d.n * d.c * d.l, ys = d.n * d.k * ol, ws = d.k * (d.c / d.groups) * d.kernel_size;
        auto x = nn_test::random_vector(xs, 12), w = nn_test::random_vector(ws, 13), b = nn_test::random_vector(d.k, 14);
        auto dy = nn_test::random_vector(ys, 15);
        std::vector<float> y(ys), dx(xs), dw(ws), db(d.k), ry(ys), rdx(xs), rdw(ws), rdb(d.k);
        ASSERT_EQ(nn_conv1d_forward(&d, x.data(), w.data(), b.data(), NN_UNARY_TANH, y.data()), NN_OK) << nn_last_error();
        ASSERT_EQ(nn_conv1d_backward_data(&d, dy.data(), w.data(), dx.data()), NN_OK);
        ASSERT_EQ(nn_conv1d_backward_weights(&d, x.data(), dy.data(), dw.data(), db.data()), NN_OK);
        nn::conv::forward_ref(p, x.data(), w.data(), b.data(), 3, ry.data());
        nn::conv::backward_data_ref(p, dy.data(), w.data(), rdx.data());
        nn::conv::backward_weights_ref(p, x.data(), dy.data(), rdw.data(), rdb.data());
        EXPECT_TRUE(nn_test::all_close(y.data(), ry.data(), ys, 1e-4f, 1e-5f, "conv1d forward"));
        EXPECT_TRUE(nn_test::all_close(dx.data(), rdx.data(), xs, 1e-4f, 1e-5f, "conv1d backward_data"));
        EXPECT_TRUE(nn_test::all_close(dw.data(), rdw.data(), ws, 1e-4f, 2e-5f, "conv1d backward_weights"));
        EXPECT_TRUE(nn_test::all_close(db.data(), rdb.data(), d.k, 1e-4f, 2e-5f, "conv1d bias grad"));
    }
}

namespace {
void expect_error(nn_status st, const std::vector<std::string>& parts) {
    EXPECT_EQ(st, NN_ERR_INVALID_ARGUMENT);
    std::string msg = nn_last_error();
    for (const auto& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << "message: " << msg << " lacks " << part;
}
}  // namespace

TEST(Conv2d, RejectsBadArguments) {
    std::vector<float> buf(4096, 0.0f);
    float* f = buf.data();
    auto good = make(1, 4, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2);
    int64_t oh, ow;
    expect_error(nn_conv2d_forward(nullptr, f, f, f, NN_UNARY_IDENTITY, f), {"desc", "NULL"});
    auto d = good;
    d.n = 0;
    expect_error(nn_conv2d_forward(&d, f, f, f, NN_UNARY_IDENTITY, f), {"desc->n", "desc->n=0"});
    d = good;
    d.stride_w = -1;
    expect_error(nn_conv2d_backward_data(&d, f, f, f), {"desc->stride_w=-1"});
    d = good;
    d.pad_left = -2;
    expect_error(nn_conv2d_output_size(&d, &oh, &ow), {"desc->pad_left=-2"});
    d = good;
    d.groups = 3;
    expect_error(nn_conv2d_forward(&d, f, f, f, NN_UNARY_IDENTITY, f), {"desc->c=4", "desc->groups=3"});
    d = good;
    d.k = 3;
    expect_error(nn_conv2d_forward(&d, f, f, f, NN_UNARY_IDENTITY, f), {"desc->k=3", "desc->groups=2"});
    d = good;
    d.r = 9;
    expect_error(nn_conv2d_output_size(&d, &oh, &ow), {"desc->r=9", "desc->h=5"});
    d = good;
    d.dilation_w = 4;
    expect_error(nn_conv2d_output_size(&d, &oh, &ow), {"desc->dilation_w=4"});
    d = good;
    d.n = int64_t{1} << 40;
    d.c = int64_t{1} << 30;
    d.groups = 1;
    expect_error(nn_conv2d_output_size(&d, &oh, &ow), {"overflows"});
    expect_error(nn_conv2d_forward(&good, f, f, f, static_cast<nn_unary_op>(9), f), {"activation=9"});
    expect_error(nn_conv2d_forward(&good, nullptr, f, f, NN_UNARY_IDENTITY, f), {"x must not be null"});
    expect_error(nn_conv2d_backward_weights(&good, f, f, nullptr, f), {"dweight"});
    expect_error(nn_conv2d_output_size(&good, nullptr, &ow), {"oh"});
    ASSERT_EQ(nn_conv2d_output_size(&good, &oh, &ow), NN_OK);
    EXPECT_EQ(oh, 5);
    EXPECT_EQ(ow, 5);
    nn_conv1d_desc d1{1, 2, 10, 2, 0, 1, 0, 0, 1, 1};
    int64_t ol;
    expect_error(nn_conv1d_output_size(&d1, &ol), {"desc->kernel_size=0"});
    d1.kernel_size = 3;
    d1.dilation = 6;
    expect_error(nn_conv1d_forward(&d1, f, f, f, NN_UNARY_IDENTITY, f), {"desc->dilation=6", "desc->l=10"});
}

// The reference's gradients against central differences of its own forward (loss = <y, g>).
TEST(Conv2d, ReferenceGradientsMatchFiniteDifferences) {
    const auto d = make(2, 3, 6, 5, 4, 3, 2, 2, 1, 1, 0, 1, 1, 1, 2, 1);
    const auto p = nn::conv::validate(d);
    const int64_t xs = p.n * p.c * p.h * p.w, ys = p.n * p.k * p.oh * p.ow, ws = p.k * p.crs;
    auto x = nn_test::random_vector(xs, 20), w = nn_test::random_vector(ws, 21), b = nn_test::random_vector(p.k, 22);
    auto g = nn_test::random_vector(ys, 23);
    std::vector<float> y(ys), dx(xs), dw(ws), db(p.k);
    nn::conv::backward_data_ref(p, g.data(), w.data(), dx.data());
    nn::conv::backward_weights_ref(p, x.data(), g.data(), dw.data(), db.data());
    auto loss = [&](const std::vector<float>& xx, const std::vector<float>& ww, const std::vector<float>& bb) {
        nn::conv::forward_ref(p, xx.data(), ww.data(), bb.data(), 0, y.data());
        double s = 0.0;
        for (int64_t i = 0; i < ys; ++i) s += static_cast<double>(y[i]) * g[i];
        return s;
    };
    const float h = 1e-2f;
    auto check = [&](std::vector<float>& v, const std::vector<float>& grad, const char* what) {
        for (size_t i = 0; i < v.size(); i += 7) {
            const float keep = v[i];
            v[i] = keep + h;
            double up = loss(x, w, b);
            v[i] = keep - h;
            double down = loss(x, w, b);
            v[i] = keep;
            double fd = (up - down) / (2.0 * h);
            EXPECT_NEAR(fd, grad[i], 2e-3 + 2e-3 * std::fabs(fd)) << what << "[" << i << "]";
        }
    };
    check(x, dx, "dx");
    check(w, dw, "dw");
    check(b, db, "db");
}

TEST(Conv2d, MatchesPyTorchFixtures) {
    auto files = nn_test::fixtures("conv2d_");
    if (files.empty()) GTEST_SKIP() << "no parity fixtures (set NATIVENET_PARITY_DIR)";
    for (const auto& f : files) {
        auto st = nn_test::read_safetensors(f);
        const auto& in = st.at("input");
        const auto& wt = st.at("weight");
        const int64_t stride = st.meta_int("stride", 1), pad = st.meta_int("padding", 0);
        const int64_t dil = st.meta_int("dilation", 1), groups = st.meta_int("groups", 1);
        nn_conv2d_desc d = make(in.shape[0], in.shape[1], in.shape[2], in.shape[3], wt.shape[0], wt.shape[2],
                                wt.shape[3], stride, stride, pad, pad, pad, pad, dil, dil, groups);
        const auto& out = st.at("output");
        const float* bias = st.has("bias") ? st.at("bias").data.data() : nullptr;
        std::vector<float> y(out.data.size()), dx(in.data.size()), dw(wt.data.size()), db(wt.shape[0]);
        ASSERT_EQ(nn_conv2d_forward(&d, in.data.data(), wt.data.data(), bias, NN_UNARY_IDENTITY, y.data()), NN_OK) << f << nn_last_error();
        const auto& go = st.at("grad_output");
        ASSERT_EQ(nn_conv2d_backward_data(&d, go.data.data(), wt.data.data(), dx.data()), NN_OK);
        ASSERT_EQ(nn_conv2d_backward_weights(&d, in.data.data(), go.data.data(), dw.data(), db.data()), NN_OK);
        EXPECT_TRUE(nn_test::all_close(y.data(), out.data.data(), (int64_t)y.size(), 1e-4f, 2e-5f, f + " output"));
        EXPECT_TRUE(nn_test::all_close(dx.data(), st.at("grad_input").data.data(), (int64_t)dx.size(), 1e-4f, 2e-5f,
                                       f + " grad_input"));
        EXPECT_TRUE(nn_test::all_close(dw.data(), st.at("grad_weight").data.data(), (int64_t)dw.size(), 1e-4f, 5e-5f,
                                       f + " grad_weight"));
        if (st.has("grad_bias"))
            EXPECT_TRUE(nn_test::all_close(db.data(), st.at("grad_bias").data.data(), (int64_t)db.size(), 1e-4f, 5e-5f,
                                           f + " grad_bias"));
    }
}
