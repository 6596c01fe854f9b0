// Regression tests for the bugs native/fuzz found (see native/fuzz/README.md), each reduced to
// the smallest descriptor that showed it. They also run under ASan + UBSan (native-asan).
#include <cstring>
#include <limits>
#include <vector>

#include "conv/conv.h"
#include "pool/pool.h"
#include "test_util.h"

namespace {

// fuzz_conv: a depthwise convolution with a huge (valid) padding and stride allocated and
// cleared a padded plane of 2^80 floats (a hang, or an overflowing size). Now it takes the
// im2col path and agrees with the reference.
TEST(FuzzRegression, DepthwiseConvWithHugePaddingAndStride) {
    nn_conv2d_desc d{};
    d.n = 1, d.c = 2, d.h = 3, d.w = 3, d.k = 2, d.r = 3, d.s = 3, d.groups = 2;
    d.stride_h = d.stride_w = int64_t{1} << 40;
    d.pad_top = d.pad_bottom = d.pad_left = d.pad_right = int64_t{1} << 40;
    d.dilation_h = d.dilation_w = 1;
    int64_t oh = 0, ow = 0;
    ASSERT_EQ(nn_conv2d_output_size(&d, &oh, &ow), NN_OK) << nn_last_error();
    ASSERT_EQ(oh, 3);
    ASSERT_EQ(ow, 3);
    const auto p = nn::conv::validate(d);
    auto x = nn_test::random_vector(18, 1), w = nn_test::random_vector(18, 2), b = nn_test::random_vector(2, 3);
    auto dy = nn_test::random_vector(18, 4);
    std::vector<float> y(18), want(18), dx(18), want_dx(18), dw(18), want_dw(18), db(2), want_db(2);
    ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), b.data(), NN_UNARY_IDENTITY, y.data()), NN_OK) << nn_last_error();
    nn::conv::forward_ref(p, x.data(), w.data(), b.data(), 0, want.data());
    EXPECT_TRUE(nn_test::all_close(y.data(), want.data(), 18, 1e-6f, 1e-6f, "forward"));
    ASSERT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), dx.data()), NN_OK) << nn_last_error();
    nn::conv::backward_data_ref(p, dy.data(), w.data(), want_dx.data());
    EXPECT_TRUE(nn_test::all_close(dx.data(), want_dx.data(), 18, 1e-6f, 1e-6f, "backward data"));
    ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw.data(), db.data()), NN_OK) << nn_last_error();
    nn::conv::backward_weights_ref(p, x.data(), dy.data(), want_dw.data(), want_db.data());
    EXPECT_TRUE(nn_test::all_close(dw.data(), want_dw.data(), 18, 1e-6f, 1e-6f, "backward weights"));
    EXPECT_TRUE(nn_test::all_close(db.data(), want_db.data(), 2, 1e-6f, 1e-6f, "bias gradient"));
}

// fuzz_gemm: lda near INT64_MAX is a valid leading dimension, but (m - 1) * lda + k overflowed
// (signed overflow, reported by UBSan) instead of being refused.
TEST(FuzzRegression, SgemmOperandSpanOverflowIsRefused) {
    float a[2] = {1, 2}, b[1] = {3}, c[2] = {0, 0};
    const int64_t huge = std::numeric_limits<int64_t>::max();  // (m - 1) * lda + k = MAX + 1
    EXPECT_EQ(nn_sgemm(NN_NO_TRANS, NN_NO_TRANS, 2, 1, 1, 1.0f, a, huge, b, 1, 0.0f, c, 1), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::strstr(nn_last_error(), "overflows int64"), nullptr) << nn_last_error();
    EXPECT_EQ(c[0], 0.0f);
}

// fuzz_gemm (CI run): a transposed A with lda near INT64_MAX (valid for k = 1) overflowed
// lda * sizeof(float) in the driver's "pack A or read it in place" choice.
TEST(FuzzRegression, SgemmTransposedAWithHugeLda) {
    const int64_t huge = std::numeric_limits<int64_t>::max() / 2;
    float a[2] = {2, 3}, b[2] = {5, 7}, c[4] = {0, 0, 0, 0};
    // C (2 x 2) = A^T B with A stored k x m = 1 x 2 (lda huge), B 1 x 2.
    ASSERT_EQ(nn_sgemm(NN_TRANS, NN_NO_TRANS, 2, 2, 1, 1.0f, a, huge, b, 2, 0.0f, c, 2), NN_OK) << nn_last_error();
    EXPECT_EQ(c[0], 10.0f);
    EXPECT_EQ(c[1], 14.0f);
    EXPECT_EQ(c[2], 15.0f);
    EXPECT_EQ(c[3], 21.0f);
    // fuzz_gemm (longer gemm run): B read in place with ldb near INT64_MAX (k = 1): the
    // micro-kernels stepped b += ldb after the last k step, past the end of the address space.
    float c2[2] = {0, 0};
    ASSERT_EQ(nn_sgemm(NN_NO_TRANS, NN_NO_TRANS, 2, 2, 1, 1.0f, a, 1, b, huge, 0.0f, c2, 1), NN_ERR_INVALID_ARGUMENT);
    float c3[4] = {0, 0, 0, 0};
    ASSERT_EQ(nn_sgemm(NN_NO_TRANS, NN_NO_TRANS, 2, 2, 1, 1.0f, a, 1, b, huge, 0.0f, c3, 2), NN_OK) << nn_last_error();
    EXPECT_EQ(c3[0], 10.0f);
    EXPECT_EQ(c3[3], 21.0f);
}

// fuzz_gemm (long run): packing an empty (k = 0) B with n = INT64_MAX rounded n up to whole
// panels as n + nr - 1 (signed overflow); the rounding is now overflow-free and checked.
TEST(FuzzRegression, PackBWithHugeNIsRefused) {
    const int64_t huge = std::numeric_limits<int64_t>::max();
    float b[1] = {0};
    nn_packed_matrix* packed = nullptr;
    EXPECT_EQ(nn_sgemm_pack_b(NN_NO_TRANS, 0, huge, b, huge, &packed), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::strstr(nn_last_error(), "overflows int64"), nullptr) << nn_last_error();
    EXPECT_EQ(packed, nullptr);
}

// fuzz_gemm (gemm-only run): packing B with n = 0 and k near INT64_MAX walked ~2^55 empty K
// blocks (a hang); an empty B packs at once and multiplies to nothing.
TEST(FuzzRegression, PackEmptyBWithHugeKFinishes) {
    const int64_t huge = std::numeric_limits<int64_t>::max();
    float b[1] = {0};
    nn_packed_matrix* packed = nullptr;
    ASSERT_EQ(nn_sgemm_pack_b(NN_TRANS, huge, 0, b, huge, &packed), NN_OK) << nn_last_error();
    ASSERT_NE(packed, nullptr);
    nn_packed_matrix_destroy(packed);
}

// fuzz_conv: a stride near INT64_MAX (valid: one output) overflowed ceil_div's a + b - 1 when
// the im2col kernels computed which output columns a tap lands in.
TEST(FuzzRegression, ConvWithHugeStride) {
    nn_conv2d_desc d{};
    d.n = 1, d.c = 2, d.h = 5, d.w = 5, d.k = 2, d.r = 3, d.s = 3, d.groups = 1;
    d.stride_h = d.stride_w = std::numeric_limits<int64_t>::max();
    d.pad_top = d.pad_bottom = d.pad_left = d.pad_right = 2;
    d.dilation_h = d.dilation_w = 1;
    const auto p = nn::conv::validate(d);
    ASSERT_EQ(p.oh, 1);
    auto x = nn_test::random_vector(50, 6), w = nn_test::random_vector(36, 7);
    std::vector<float> y(2), want(2);
    ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), nullptr, NN_UNARY_IDENTITY, y.data()), NN_OK) << nn_last_error();
    nn::conv::forward_ref(p, x.data(), w.data(), nullptr, 0, want.data());
    EXPECT_TRUE(nn_test::all_close(y.data(), want.data(), 2, 1e-6f, 1e-6f, "forward"));
}

// fuzz_conv (CI run): with a stride and left padding of 2^62 - 1, im2col and col2im formed
// x + lo * stride (past the buffer: 4 bytes * 2^62 wraps the address) before adding the
// negative offset that brings it back; the index is now summed before the pointer is formed.
TEST(FuzzRegression, ConvWithHugeStrideAndPaddingBackward) {
    nn_conv2d_desc d{};
    d.n = 1, d.c = 1, d.h = 1, d.w = 5, d.k = 1, d.r = 1, d.s = 2, d.groups = 1;
    d.stride_h = 1, d.stride_w = (int64_t{1} << 62) - 1;
    d.pad_left = (int64_t{1} << 62) - 1;
    d.dilation_h = 1, d.dilation_w = 2;
    const auto p = nn::conv::validate(d);
    ASSERT_EQ(p.ow, 2);
    auto x = nn_test::random_vector(5, 8), w = nn_test::random_vector(2, 9), dy = nn_test::random_vector(2, 10);
    std::vector<float> y(2), want(2), dx(5), want_dx(5), dw(2), want_dw(2), db(1), want_db(1);
    ASSERT_EQ(nn_conv2d_forward(&d, x.data(), w.data(), nullptr, NN_UNARY_IDENTITY, y.data()), NN_OK) << nn_last_error();
    nn::conv::forward_ref(p, x.data(), w.data(), nullptr, 0, want.data());
    EXPECT_TRUE(nn_test::all_close(y.data(), want.data(), 2, 1e-6f, 1e-6f, "forward"));
    ASSERT_EQ(nn_conv2d_backward_data(&d, dy.data(), w.data(), dx.data()), NN_OK) << nn_last_error();
    nn::conv::backward_data_ref(p, dy.data(), w.data(), want_dx.data());
    EXPECT_TRUE(nn_test::all_close(dx.data(), want_dx.data(), 5, 1e-6f, 1e-6f, "backward data"));
    ASSERT_EQ(nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw.data(), db.data()), NN_OK) << nn_last_error();
    nn::conv::backward_weights_ref(p, x.data(), dy.data(), want_dw.data(), want_db.data());
    EXPECT_TRUE(nn_test::all_close(dw.data(), want_dw.data(), 2, 1e-6f, 1e-6f, "backward weights"));
}

nn_pool2d_desc pool_desc() {
    nn_pool2d_desc d{};
    d.n = 1, d.c = 1, d.h = 4, d.w = 4, d.kernel_h = d.kernel_w = 2, d.stride_h = d.stride_w = 2;
    d.dilation_h = d.dilation_w = 1;
    return d;
}

// fuzz_pool: a stride near INT64_MAX (valid: one output) overflowed `lane * stride` in the max
// pooling kernel (signed overflow, reported by UBSan).
TEST(FuzzRegression, MaxPoolWithHugeStride) {
    auto d = pool_desc();
    d.stride_h = d.stride_w = std::numeric_limits<int64_t>::max();
    auto x = nn_test::random_vector(16, 5);
    float y = 0;
    int64_t idx = -1;
    ASSERT_EQ(nn_max_pool2d_forward(&d, x.data(), &y, &idx), NN_OK) << nn_last_error();
    EXPECT_EQ(y, std::max({x[0], x[1], x[4], x[5]}));
    EXPECT_EQ(x[static_cast<size_t>(idx)], y);
}

// fuzz_pool: a valid padding near INT64_MAX / 2 (kernel near INT64_MAX) made max pooling step
// to the first tap one dilation at a time, ~2^61 iterations (a hang). Now O(1).
TEST(FuzzRegression, MaxPoolWithHugePaddingFinishes) {
    auto d = pool_desc();
    d.h = d.w = 1, d.stride_h = d.stride_w = 1;
    d.kernel_h = d.kernel_w = int64_t{1} << 62;
    d.pad_h = d.pad_w = int64_t{1} << 61;
    int64_t oh = 0, ow = 0;
    ASSERT_EQ(nn_pool2d_output_size(&d, &oh, &ow), NN_OK) << nn_last_error();
    ASSERT_EQ(oh, 2);
    std::vector<float> x{0.5f}, y(4);
    std::vector<int64_t> idx(4, -1);
    ASSERT_EQ(nn_max_pool2d_forward(&d, x.data(), y.data(), idx.data()), NN_OK) << nn_last_error();
    for (int i = 0; i < 4; ++i) EXPECT_EQ(idx[i], 0);
}

// fuzz_pool: a 1-tap window with dilation INT64_MAX (valid) overflowed `ih += dilation` after
// its only tap.
TEST(FuzzRegression, MaxPoolWithHugeDilation) {
    auto d = pool_desc();
    d.kernel_h = d.kernel_w = 1, d.stride_h = d.stride_w = 1;
    d.dilation_h = d.dilation_w = std::numeric_limits<int64_t>::max();
    auto x = nn_test::random_vector(16, 8);
    std::vector<float> y(16);
    std::vector<int64_t> idx(16);
    ASSERT_EQ(nn_max_pool2d_forward(&d, x.data(), y.data(), idx.data()), NN_OK) << nn_last_error();
    for (int i = 0; i < 16; ++i) {
        EXPECT_EQ(y[i], x[i]);
        EXPECT_EQ(idx[i], i);
    }
}

// fuzz_pool: kernel and padding near INT64_MAX overflowed `h + 2 * pad` while validating.
TEST(FuzzRegression, PoolPaddingOverflowIsRefused) {
    auto d = pool_desc();
    d.kernel_h = std::numeric_limits<int64_t>::max();
    d.pad_h = std::numeric_limits<int64_t>::max() / 2;
    int64_t oh, ow;
    EXPECT_EQ(nn_pool2d_output_size(&d, &oh, &ow), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::strstr(nn_last_error(), "overflows int64"), nullptr) << nn_last_error();
}

// fuzz_pool: with dilation a max-pooling window could lie entirely in the padding; forward then
// wrote an index outside the plane that its own backward refused. Such a descriptor is refused.
TEST(FuzzRegression, MaxPoolWindowInsidePaddingIsRefused) {
    auto d = pool_desc();
    d.h = 1, d.kernel_h = 2, d.pad_h = 1, d.dilation_h = 2, d.stride_h = 1;  // rows -1 and 1 of a 1-row input
    std::vector<float> x(4), y(8);
    EXPECT_EQ(nn_max_pool2d_forward(&d, x.data(), y.data(), nullptr), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::strstr(nn_last_error(), "desc->dilation_h"), nullptr) << nn_last_error();
    d.h = 2;  // rows -1 and 1: row 1 exists, so the window is valid
    int64_t oh, ow;
    EXPECT_EQ(nn_pool2d_output_size(&d, &oh, &ow), NN_OK) << nn_last_error();
}

// fuzz_pool (long run): an average window of INT64_MAX rows (kernel INT64_MAX, padding half of
// it, h = 1: valid) by 3 columns overflowed the int64 divisor rows * cols; it is now a float
// product taken in double. Without count_include_pad the divisor is the valid part (1 x n).
TEST(FuzzRegression, AvgPoolWithHugeWindowDivisor) {
    for (int include_pad : {0, 1}) {
        auto d = pool_desc();
        d.h = 1, d.w = 3, d.stride_h = d.stride_w = 1;
        d.kernel_h = std::numeric_limits<int64_t>::max(), d.kernel_w = 3;
        d.pad_h = d.kernel_h / 2, d.pad_w = 1;
        d.count_include_pad = include_pad;
        int64_t oh = 0, ow = 0;
        ASSERT_EQ(nn_pool2d_output_size(&d, &oh, &ow), NN_OK) << nn_last_error();
        ASSERT_EQ(oh, 1);
        ASSERT_EQ(ow, 3);
        std::vector<float> x{1.0f, 2.0f, 4.0f}, y(3), dx(3);
        ASSERT_EQ(nn_avg_pool2d_forward(&d, x.data(), y.data()), NN_OK) << nn_last_error();
        if (include_pad) {
            for (float v : y) EXPECT_TRUE(v >= 0.0f && v < 1e-15f) << v;
        } else {
            EXPECT_FLOAT_EQ(y[0], 1.5f);
            EXPECT_FLOAT_EQ(y[1], 7.0f / 3.0f);
            EXPECT_FLOAT_EQ(y[2], 3.0f);
        }
        std::vector<float> dy{1.0f, 1.0f, 1.0f};
        ASSERT_EQ(nn_avg_pool2d_backward(&d, dy.data(), dx.data()), NN_OK) << nn_last_error();
        if (!include_pad) EXPECT_FLOAT_EQ(dx[0], 0.5f + 1.0f / 3.0f);
    }
}

// fuzz_pool (CI run): a 1-tap window (kernel 1) with a dilation larger than a huge input made
// validation check every one of ~2^40 windows for lying in the padding (a hang).
TEST(FuzzRegression, PoolHugeInputWithDilatedOneTapWindowValidatesAtOnce) {
    auto d = pool_desc();
    d.h = int64_t{1} << 40, d.w = 1, d.kernel_h = d.kernel_w = 1, d.stride_h = d.stride_w = 1;
    d.dilation_h = std::numeric_limits<int64_t>::max();
    int64_t oh = 0, ow = 0;
    ASSERT_EQ(nn_pool2d_output_size(&d, &oh, &ow), NN_OK) << nn_last_error();
    EXPECT_EQ(oh, int64_t{1} << 40);
    EXPECT_EQ(ow, 1);
}

}  // namespace
