// Pooling, batch/layer normalization and dropout through the C ABI against the scalar
// references, 1 vs 2 threads bitwise, bad arguments, finite differences of the batch-norm
// reference, and PyTorch's parity fixtures.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "norm/norm.h"
#include "pool/pool.h"
#include "safetensors.h"
#include "test_util.h"

namespace {

nn_pool2d_desc pd(int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                  int64_t ph, int64_t pw, int64_t dh, int64_t dw, int32_t inc) {
    return nn_pool2d_desc{n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, inc};
}

const nn_pool2d_desc kPools[] = {
    pd(2, 3, 12, 12, 2, 2, 2, 2, 0, 0, 1, 1, 1),  pd(2, 3, 12, 13, 3, 3, 2, 2, 1, 1, 1, 1, 1),
    pd(1, 2, 41, 77, 3, 3, 1, 1, 1, 1, 1, 1, 0),  pd(3, 2, 35, 70, 2, 2, 2, 2, 0, 0, 1, 1, 1),
    pd(1, 3, 19, 50, 3, 5, 2, 1, 1, 2, 1, 1, 0),  pd(2, 2, 9, 40, 2, 3, 3, 3, 1, 1, 1, 1, 1),
    pd(1, 1, 4, 5, 4, 5, 1, 1, 2, 2, 1, 1, 1),    pd(1, 2, 64, 66, 3, 3, 2, 2, 1, 1, 1, 1, 0),
};
const nn_pool2d_desc kMaxOnly[] = {pd(2, 2, 20, 45, 3, 3, 1, 2, 1, 1, 2, 2, 0), pd(1, 1, 30, 37, 2, 3, 1, 1, 1, 1, 3, 1, 0),
                                   // ResNet's stem pooling (3x3, stride 2, padding 1), and a window wider than a vector.
                                   pd(1, 3, 112, 112, 3, 3, 2, 2, 1, 1, 1, 1, 0), pd(1, 2, 9, 40, 5, 19, 2, 1, 2, 9, 1, 1, 0)};
// 2x2 stride 2 without padding (the packed even/odd-row path; without indices, the input rows
// are read in place: one vector per output row where the rows are narrower): LeNet's planes, odd sizes (last row / column
// unused), planes smaller than one vector, several vectors plus a tail, rows of exactly one
// AVX-512 vector, diabetes_cnn's 112x112.
const nn_pool2d_desc k2x2[] = {pd(2, 3, 26, 26, 2, 2, 2, 2, 0, 0, 1, 1, 0), pd(3, 2, 11, 11, 2, 2, 2, 2, 0, 0, 1, 1, 0),
                               pd(1, 2, 3, 2, 2, 2, 2, 2, 0, 0, 1, 1, 0),   pd(1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 0),
                               pd(2, 2, 17, 70, 2, 2, 2, 2, 0, 0, 1, 1, 0), pd(1, 3, 64, 65, 2, 2, 2, 2, 0, 0, 1, 1, 0),
                               pd(1, 2, 33, 32, 2, 2, 2, 2, 0, 0, 1, 1, 0), pd(1, 2, 16, 33, 2, 2, 2, 2, 0, 0, 1, 1, 0),
                               pd(2, 2, 112, 112, 2, 2, 2, 2, 0, 0, 1, 1, 0),
                               // Output rows narrower than an AVX2 / AVX-512 vector, odd and even widths.
                               pd(2, 3, 14, 15, 2, 2, 2, 2, 0, 0, 1, 1, 0), pd(1, 2, 31, 30, 2, 2, 2, 2, 0, 0, 1, 1, 0),
                               // Many narrow planes: vectors cross plane ends, and tasks of 135 planes (the last partial)
                               // each stop at their own last plane.
                               pd(40, 8, 11, 11, 2, 2, 2, 2, 0, 0, 1, 1, 0)};

std::string describe(const nn_pool2d_desc& d) {
    char b[200];
    std::snprintf(b, sizeof b, "n%ldc%ldh%ldw%ld k%ldx%ld s%ld,%ld p%ld,%ld d%ld,%ld inc%d isa=%s", (long)d.n,
                  (long)d.c, (long)d.h, (long)d.w, (long)d.kernel_h, (long)d.kernel_w, (long)d.stride_h,
                  (long)d.stride_w, (long)d.pad_h, (long)d.pad_w, (long)d.dilation_h, (long)d.dilation_w,
                  d.count_include_pad, nn_test::active_isa_name().c_str());
    return b;
}

void check_max(const nn_pool2d_desc& d, bool with_nans) {
    const auto p = nn::pool::validate(d, false);
    const int64_t xs = d.n * d.c * d.h * d.w, ys = d.n * d.c * p.g.oh * p.g.ow;
    // Coarse values make ties common; NaNs exercise PyTorch's NaN rule.
    auto x = nn_test::random_vector(xs, 31);
    for (auto& v : x) v = std::round(v * 4.0f);
    if (with_nans)
        for (int64_t i = 0; i < xs; i += 13) x[static_cast<size_t>(i)] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> y(ys), ry(ys), dx(xs), rdx(xs);
    std::vector<int64_t> idx(ys), ridx(ys);
    ASSERT_EQ(nn_max_pool2d_forward(&d, x.data(), y.data(), idx.data()), NN_OK) << nn_last_error();
    nn::pool::max_forward_ref(p, x.data(), ry.data(), ridx.data());
    EXPECT_TRUE(nn_test::all_close(y.data(), ry.data(), ys, 0, 0, "max forward " + describe(d)));
    EXPECT_EQ(idx, ridx) << "max indices " << describe(d);
    auto dy = nn_test::random_vector(ys, 32);
    ASSERT_EQ(nn_max_pool2d_backward(&d, dy.data(), idx.data(), dx.data()), NN_OK) << nn_last_error();
    nn::pool::max_backward_ref(p, dy.data(), ridx.data(), rdx.data());
    EXPECT_TRUE(nn_test::all_close(dx.data(), rdx.data(), xs, 0, 0, "max backward " + describe(d)));
    // Without indices the values are the same, bit for bit (-0 or +0 from the first maximum).
    std::vector<float> y2(ys);
    ASSERT_EQ(nn_max_pool2d_forward(&d, x.data(), y2.data(), nullptr), NN_OK);
    EXPECT_TRUE(nn_test::all_close(y2.data(), ry.data(), ys, 0, 0, "max forward no idx " + describe(d)));
    EXPECT_EQ(std::memcmp(y2.data(), ry.data(), sizeof(float) * static_cast<size_t>(ys)), 0) << "bits, no idx " << describe(d);
}

}  // namespace

TEST(Pool, MaxMatchesReference) {
    for (const auto& d : kPools) check_max(d, false);
    for (const auto& d : kMaxOnly) check_max(d, false);
    check_max(kPools[2], true);
    check_max(kPools[7], true);
    for (const auto& d : kMaxOnly) check_max(d, true);
    for (const auto& d : k2x2) check_max(d, false), check_max(d, true);
}

// Windows whose every tap inside the input is -inf: the index stays at the window's first tap
// inside the input (the reference's start), on every path, border columns included.
TEST(Pool, MaxIndicesOfMinusInfinityWindowsMatchReference) {
    for (const auto& set : {std::vector<nn_pool2d_desc>(std::begin(kPools), std::end(kPools)),
                            std::vector<nn_pool2d_desc>(std::begin(kMaxOnly), std::end(kMaxOnly))})
        for (const auto& d : set) {
            const auto p = nn::pool::validate(d, false);
            const int64_t xs = d.n * d.c * d.h * d.w, ys = d.n * d.c * p.g.oh * p.g.ow;
            auto x = nn_test::random_vector(xs, 33);
            // Whole rows and columns of -inf, and a few -0 / +0 ties.
            for (int64_t i = 0; i < xs; ++i) {
                const int64_t col = i % d.w, row = (i / d.w) % d.h;
                if (row % 3 != 1 || col % 4 == 0) x[static_cast<size_t>(i)] = -std::numeric_limits<float>::infinity();
                else if (col % 5 == 0) x[static_cast<size_t>(i)] = (i & 1) ? -0.0f : 0.0f;
            }
            std::vector<float> y(ys), ry(ys);
            std::vector<int64_t> idx(ys), ridx(ys);
            ASSERT_EQ(nn_max_pool2d_forward(&d, x.data(), y.data(), idx.data()), NN_OK) << nn_last_error();
            nn::pool::max_forward_ref(p, x.data(), ry.data(), ridx.data());
            EXPECT_EQ(std::memcmp(y.data(), ry.data(), sizeof(float) * static_cast<size_t>(ys)), 0) << "bits " << describe(d);
            EXPECT_EQ(idx, ridx) << "max indices " << describe(d);
        }
}

// Without indices (inference) every vector path keeps the reference's rule bit for bit: windows
// of -0 / +0 ties, +inf beside -inf, and NaNs in some windows only (2x2 narrow and row planes,
// the separable 3x3/2, the others). A maxps chain without the NaN rule fails it. Three data sets:
// all of these; the zero ties and infinities of one sign only, no NaN (the 2x2 row planes' maxps
// pass keeps its result); NaNs of distinct payloads side by side, so a window holds two and the
// last one must win.
TEST(Pool, MaxWithoutIndicesKeepsTheReferencesTiesInfinitiesAndNaNs) {
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    const auto nan_payload = [](int64_t i) {
        const uint32_t bits = 0x7FC00000u | static_cast<uint32_t>(i & 0x3FFFFF);
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return f;
    };
    for (int data = 0; data < 3; ++data)
        for (const auto& set : {std::vector<nn_pool2d_desc>(std::begin(kPools), std::end(kPools)),
                                std::vector<nn_pool2d_desc>(std::begin(kMaxOnly), std::end(kMaxOnly)),
                                std::vector<nn_pool2d_desc>(std::begin(k2x2), std::end(k2x2))})
            for (const auto& d : set) {
                const auto p = nn::pool::validate(d, false);
                const int64_t xs = d.n * d.c * d.h * d.w, ys = d.n * d.c * p.g.oh * p.g.ow;
                auto x = nn_test::random_vector(xs, 39);
                for (int64_t i = 0; i < xs; ++i) {
                    const int64_t col = i % d.w, row = (i / d.w) % d.h;
                    float& v = x[static_cast<size_t>(i)];
                    if (data == 2) {
                        if (i % 61 == 7 || i % 61 == 8 || i % 61 == 7 + d.w % 61) v = nan_payload(i);
                    } else if (row % 4 == 0) {
                        v = (i & 1) ? -0.0f : 0.0f;  // ties of zeros
                    } else if (row % 4 == 1 && col % 3 == 0) {
                        v = data == 0 ? -inf : -0.0f;
                    } else if (row % 4 == 1 && col % 7 == 1) {
                        v = inf;
                    } else if (row % 4 == 1) {
                        v = -0.0f;
                    } else if (data == 0 && i % 97 == 5) {
                        v = nan;
                    }
                }
                std::vector<float> y(ys), ry(ys);
                std::vector<int64_t> ridx(ys);
                ASSERT_EQ(nn_max_pool2d_forward(&d, x.data(), y.data(), nullptr), NN_OK) << nn_last_error();
                nn::pool::max_forward_ref(p, x.data(), ry.data(), ridx.data());
                EXPECT_EQ(std::memcmp(y.data(), ry.data(), sizeof(float) * static_cast<size_t>(ys)), 0)
                    << "bits, data set " << data << ", " << describe(d);
            }
}

TEST(Pool, AvgMatchesReference) {
    for (const auto& d : kPools)
        for (int32_t inc : {0, 1}) {
            auto dd = d;
            dd.count_include_pad = inc;
            const auto p = nn::pool::validate(dd, true);
            const int64_t xs = d.n * d.c * d.h * d.w, ys = d.n * d.c * p.g.oh * p.g.ow;
            auto x = nn_test::random_vector(xs, 33), dy = nn_test::random_vector(ys, 34);
            std::vector<float> y(ys), ry(ys), dx(xs), rdx(xs);
            ASSERT_EQ(nn_avg_pool2d_forward(&dd, x.data(), y.data()), NN_OK) << nn_last_error();
            ASSERT_EQ(nn_avg_pool2d_backward(&dd, dy.data(), dx.data()), NN_OK) << nn_last_error();
            nn::pool::avg_forward_ref(p, x.data(), ry.data());
            nn::pool::avg_backward_ref(p, dy.data(), rdx.data());
            EXPECT_TRUE(nn_test::all_close(y.data(), ry.data(), ys, 1e-6f, 1e-7f, "avg forward " + describe(dd)));
            EXPECT_TRUE(nn_test::all_close(dx.data(), rdx.data(), xs, 1e-6f, 1e-7f, "avg backward " + describe(dd)));
        }
}

TEST(Pool, AdaptiveMatchesReference) {
    struct C { int64_t n, c, h, w, oh, ow; };
    for (C t : {C{2, 3, 7, 6, 1, 1}, C{1, 2, 10, 13, 3, 4}, C{2, 2, 5, 7, 7, 9}, C{1, 1, 64, 64, 1, 1}, C{1, 2, 9, 9, 9, 9}}) {
        const int64_t xs = t.n * t.c * t.h * t.w, ys = t.n * t.c * t.oh * t.ow;
        auto x = nn_test::random_vector(xs, 35), dy = nn_test::random_vector(ys, 36);
        std::vector<float> y(ys), ry(ys), dx(xs), rdx(xs);
        ASSERT_EQ(nn_adaptive_avg_pool2d_forward(t.n, t.c, t.h, t.w, t.oh, t.ow, x.data(), y.data()), NN_OK);
        ASSERT_EQ(nn_adaptive_avg_pool2d_backward(t.n, t.c, t.h, t.w, t.oh, t.ow, dy.data(), dx.data()), NN_OK);
        nn::pool::adaptive_avg_forward_ref(t.n, t.c, t.h, t.w, t.oh, t.ow, x.data(), ry.data());
        nn::pool::adaptive_avg_backward_ref(t.n, t.c, t.h, t.w, t.oh, t.ow, dy.data(), rdx.data());
        const std::string ctx = "adaptive h" + std::to_string(t.h) + "w" + std::to_string(t.w) + "->" +
                                std::to_string(t.oh) + "x" + std::to_string(t.ow);
        EXPECT_TRUE(nn_test::all_close(y.data(), ry.data(), ys, 1e-6f, 1e-7f, ctx));
        EXPECT_TRUE(nn_test::all_close(dx.data(), rdx.data(), xs, 1e-6f, 1e-7f, ctx + " backward"));
    }
}

TEST(Pool, OneAndTwoThreadsAreBitwiseEqual) {
    const auto d = pd(4, 8, 33, 35, 3, 3, 2, 2, 1, 1, 1, 1, 0);
    const auto p = nn::pool::validate(d, false);
    const int64_t xs = d.n * d.c * d.h * d.w, ys = d.n * d.c * p.g.oh * p.g.ow;
    auto x = nn_test::random_vector(xs, 37), dy = nn_test::random_vector(ys, 38);
    std::vector<float> a[2][4];
    for (int t = 0; t < 2; ++t) {
        nn_test::ThreadScope scope(t + 1);
        for (auto& v : a[t]) v.assign(static_cast<size_t>(xs), 0.0f);
        std::vector<int64_t> idx(ys);
        ASSERT_EQ(nn_max_pool2d_forward(&d, x.data(), a[t][0].data(), idx.data()), NN_OK);
        ASSERT_EQ(nn_max_pool2d_backward(&d, dy.data(), idx.data(), a[t][1].data()), NN_OK);
        ASSERT_EQ(nn_avg_pool2d_forward(&d, x.data(), a[t][2].data()), NN_OK);
        ASSERT_EQ(nn_avg_pool2d_backward(&d, dy.data(), a[t][3].data()), NN_OK);
    }
    for (int i = 0; i < 4; ++i) EXPECT_EQ(0, std::memcmp(a[0][i].data(), a[1][i].data(), a[0][i].size() * 4)) << i;
}

namespace {
void expect_error(nn_status st, const std::vector<std::string>& parts) {
    EXPECT_EQ(st, NN_ERR_INVALID_ARGUMENT);
    std::string msg = nn_last_error();
    for (const auto& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << "message: " << msg << " lacks " << part;
}
}  // namespace

TEST(Pool, RejectsBadArguments) {
    std::vector<float> f(1024);
    std::vector<int64_t> idx(1024, 0);
    auto good = pd(1, 1, 6, 6, 2, 2, 2, 2, 0, 0, 1, 1, 1);
    auto d = good;
    d.kernel_w = 0;
    expect_error(nn_max_pool2d_forward(&d, f.data(), f.data(), nullptr), {"desc->kernel_w=0"});
    d = good;
    d.pad_h = 2;
    expect_error(nn_avg_pool2d_forward(&d, f.data(), f.data()), {"desc->pad_h=2", "desc->kernel_h=2"});
    d = good;
    d.dilation_w = 2;
    expect_error(nn_avg_pool2d_forward(&d, f.data(), f.data()), {"desc->dilation_w=2"});
    d = good;
    d.kernel_h = 7;
    expect_error(nn_max_pool2d_forward(&d, f.data(), f.data(), nullptr), {"desc->kernel_h=7", "desc->h=6"});
    d = good;
    d.count_include_pad = 2;
    expect_error(nn_avg_pool2d_backward(&d, f.data(), f.data()), {"desc->count_include_pad=2"});
    expect_error(nn_max_pool2d_backward(&good, f.data(), nullptr, f.data()), {"indices"});
    idx[3] = 36;
    expect_error(nn_max_pool2d_backward(&good, f.data(), idx.data(), f.data()), {"indices[3]=36"});
    expect_error(nn_adaptive_avg_pool2d_forward(1, 1, 4, 4, 0, 1, f.data(), f.data()), {"oh=0"});
    expect_error(nn_max_pool2d_forward(nullptr, f.data(), f.data(), nullptr), {"desc"});
}

// max_backward checks its indices over the threads: the message names the first bad index of
// the whole tensor whichever range finds one first, and nothing is written before the check.
TEST(Pool, MaxBackwardNamesTheFirstBadIndexAtAnyThreadCount) {
    auto d = pd(2, 16, 128, 128, 2, 2, 2, 2, 0, 0, 1, 1, 1);  // 131072 indices: two ranges or more
    const size_t count = 2 * 16 * 64 * 64;
    std::vector<float> dy(count, 1.0f), dx(2 * 16 * 128 * 128, 7.0f);
    std::vector<int64_t> idx(count, 0);
    const int saved = nn_get_num_threads();
    for (int threads : {1, 2, 3}) {
        nn_set_num_threads(threads);
        idx.assign(count, 0);
        idx[120000] = -1;
        idx[70000] = 1 << 20;
        expect_error(nn_max_pool2d_backward(&d, dy.data(), idx.data(), dx.data()), {"indices[70000]=1048576"});
        idx[30000] = 16384;
        expect_error(nn_max_pool2d_backward(&d, dy.data(), idx.data(), dx.data()), {"indices[30000]=16384"});
        for (float v : dx) ASSERT_EQ(v, 7.0f);
    }
    nn_set_num_threads(saved);
}

TEST(Pool, MatchesPyTorchFixtures) {
    auto all = nn_test::fixtures("maxpool2d_");
    for (auto& f : nn_test::fixtures("avgpool2d_")) all.push_back(f);
    for (auto& f : nn_test::fixtures("global_avgpool2d_")) all.push_back(f);
    if (all.empty()) GTEST_SKIP() << "no parity fixtures (set NATIVENET_PARITY_DIR)";
    for (const auto& f : all) {
        auto st = nn_test::read_safetensors(f);
        const auto& in = st.at("input");
        const auto& out = st.at("output");
        const auto& go = st.at("grad_output");
        const std::string op = st.meta.at("op");
        std::vector<float> y(out.data.size()), dx(in.data.size());
        if (op == "global_avg_pool2d") {
            ASSERT_EQ(nn_adaptive_avg_pool2d_forward(in.shape[0], in.shape[1], in.shape[2], in.shape[3], 1, 1,
                                                     in.data.data(), y.data()), NN_OK);
            ASSERT_EQ(nn_adaptive_avg_pool2d_backward(in.shape[0], in.shape[1], in.shape[2], in.shape[3], 1, 1,
                                                      go.data.data(), dx.data()), NN_OK);
        } else {
            const int64_t k = st.meta_int("kernel_size", 1), s = st.meta_int("stride", k), pad = st.meta_int("padding", 0);
            const bool inc = st.meta.count("count_include_pad") ? st.meta.at("count_include_pad") == "True" : true;
            auto d = pd(in.shape[0], in.shape[1], in.shape[2], in.shape[3], k, k, s, s, pad, pad, 1, 1, inc ? 1 : 0);
            if (op == "max_pool2d") {
                std::vector<int64_t> idx(out.data.size());
                ASSERT_EQ(nn_max_pool2d_forward(&d, in.data.data(), y.data(), idx.data()), NN_OK) << nn_last_error();
                ASSERT_EQ(nn_max_pool2d_backward(&d, go.data.data(), idx.data(), dx.data()), NN_OK);
            } else {
                ASSERT_EQ(op, "avg_pool2d");
                ASSERT_EQ(nn_avg_pool2d_forward(&d, in.data.data(), y.data()), NN_OK) << nn_last_error();
                ASSERT_EQ(nn_avg_pool2d_backward(&d, go.data.data(), dx.data()), NN_OK);
            }
        }
        EXPECT_TRUE(nn_test::all_close(y.data(), out.data.data(), (int64_t)y.size(), 1e-5f, 1e-6f, f + " output"));
        EXPECT_TRUE(nn_test::all_close(dx.data(), st.at("grad_input").data.data(), (int64_t)dx.size(), 1e-5f, 1e-6f,
                                       f + " grad_input"));
    }
}

// ----------------------------------------------------------------------------- normalization --

TEST(BatchNorm, TrainingMatchesReference) {
    struct C { int64_t n, c, sp; };
    for (C t : {C{6, 4, 1}, C{3, 5, 16}, C{2, 3, 1000}, C{5, 2, 37}, C{64, 33, 1}}) {
        const int64_t total = t.n * t.c * t.sp;
        auto x = nn_test::random_vector(total, 40, -2.0f, 3.0f), dy = nn_test::random_vector(total, 41);
        auto gamma = nn_test::random_vector(t.c, 42), beta = nn_test::random_vector(t.c, 43);
        std::vector<float> rm(t.c, 0.5f), rv(t.c, 2.0f), rrm(rm), rrv(rv);
        std::vector<float> y(total), ry(total), sm(t.c), si(t.c), rsm(t.c), rsi(t.c);
        ASSERT_EQ(nn_batch_norm_forward_training(t.n, t.c, t.sp, x.data(), gamma.data(), beta.data(), rm.data(),
                                                 rv.data(), 0.1f, 1e-5f, y.data(), sm.data(), si.data()), NN_OK)
            << nn_last_error();
        nn::norm::batch_norm_training_ref(t.n, t.c, t.sp, x.data(), gamma.data(), beta.data(), rrm.data(), rrv.data(),
                                          0.1f, 1e-5f, ry.data(), rsm.data(), rsi.data());
        const std::string ctx = "n" + std::to_string(t.n) + "c" + std::to_string(t.c) + "sp" + std::to_string(t.sp) +
                                " isa=" + nn_test::active_isa_name();
        EXPECT_TRUE(nn_test::all_close(y.data(), ry.data(), total, 1e-5f, 1e-5f, "bn y " + ctx));
        EXPECT_TRUE(nn_test::all_close(rm.data(), rrm.data(), t.c, 1e-6f, 1e-6f, "running_mean " + ctx));
        EXPECT_TRUE(nn_test::all_close(rv.data(), rrv.data(), t.c, 1e-6f, 1e-6f, "running_var " + ctx));
        EXPECT_TRUE(nn_test::all_close(si.data(), rsi.data(), t.c, 1e-6f, 1e-6f, "invstd " + ctx));
        std::vector<float> dx(total), rdx(total), dg(t.c), db(t.c), rdg(t.c), rdb(t.c);
        ASSERT_EQ(nn_batch_norm_backward(t.n, t.c, t.sp, x.data(), dy.data(), gamma.data(), sm.data(), si.data(),
                                         dx.data(), dg.data(), db.data()), NN_OK);
        nn::norm::batch_norm_backward_ref(t.n, t.c, t.sp, x.data(), dy.data(), gamma.data(), rsm.data(), rsi.data(),
                                          rdx.data(), rdg.data(), rdb.data());
        EXPECT_TRUE(nn_test::all_close(dx.data(), rdx.data(), total, 1e-4f, 1e-5f, "bn dx " + ctx));
        EXPECT_TRUE(nn_test::all_close(dg.data(), rdg.data(), t.c, 1e-5f, 1e-5f, "bn dgamma " + ctx));
        EXPECT_TRUE(nn_test::all_close(db.data(), rdb.data(), t.c, 1e-5f, 1e-5f, "bn dbeta " + ctx));
        // Inference mode with the running statistics.
        std::vector<float> yi(total);
        ASSERT_EQ(nn_batch_norm_forward_inference(t.n, t.c, t.sp, x.data(), gamma.data(), beta.data(), rm.data(),
                                                  rv.data(), 1e-5f, yi.data()), NN_OK);
        for (int64_t i = 0; i < total; i += 7) {
            const int64_t ci = (i / t.sp) % t.c;
            const double want = (x[i] - rm[ci]) / std::sqrt(rv[ci] + 1e-5) * gamma[ci] + beta[ci];
            ASSERT_NEAR(yi[i], want, 1e-5 + 1e-5 * std::fabs(want)) << "bn inference " << ctx << " at " << i;
        }
    }
}

// The reference backward against central differences of the reference forward (loss = <y, g>).
TEST(BatchNorm, ReferenceGradientsMatchFiniteDifferences) {
    const int64_t n = 3, c = 2, sp = 5, total = n * c * sp;
    auto x = nn_test::random_vector(total, 44, -2.0f, 2.0f), g = nn_test::random_vector(total, 45);
    auto gamma = nn_test::random_vector(c, 46, 0.5f, 1.5f), beta = nn_test::random_vector(c, 47);
    std::vector<float> y(total), sm(c), si(c), dx(total), dg(c), db(c);
    nn::norm::batch_norm_training_ref(n, c, sp, x.data(), gamma.data(), beta.data(), nullptr, nullptr, 0.1f, 1e-5f,
                                      y.data(), sm.data(), si.data());
    nn::norm::batch_norm_backward_ref(n, c, sp, x.data(), g.data(), gamma.data(), sm.data(), si.data(), dx.data(),
                                      dg.data(), db.data());
    auto loss = [&]() {
        nn::norm::batch_norm_training_ref(n, c, sp, x.data(), gamma.data(), beta.data(), nullptr, nullptr, 0.1f, 1e-5f,
                                          y.data(), nullptr, nullptr);
        double s = 0.0;
        for (int64_t i = 0; i < total; ++i) s += static_cast<double>(y[i]) * g[i];
        return s;
    };
    const float h = 1e-2f;
    auto check = [&](std::vector<float>& v, const std::vector<float>& grad, const char* what) {
        for (size_t i = 0; i < v.size(); ++i) {
            const float keep = v[i];
            v[i] = keep + h;
            const double up = loss();
            v[i] = keep - h;
            const double down = loss();
            v[i] = keep;
            const double fd = (up - down) / (2.0 * h);
            EXPECT_NEAR(fd, grad[i], 3e-3 + 3e-3 * std::fabs(fd)) << what << "[" << i << "]";
        }
    };
    check(x, dx, "dx");
    check(gamma, dg, "dgamma");
    check(beta, db, "dbeta");
}

TEST(BatchNorm, MatchesPyTorchFixtures) {
    auto files = nn_test::fixtures("batchnorm_");
    if (files.empty()) GTEST_SKIP() << "no parity fixtures (set NATIVENET_PARITY_DIR)";
    for (const auto& f : files) {
        auto st = nn_test::read_safetensors(f);
        const auto& in = st.at("input");
        const int64_t n = in.shape[0], c = in.shape[1];
        int64_t sp = 1;
        for (size_t i = 2; i < in.shape.size(); ++i) sp *= in.shape[i];
        const float eps = static_cast<float>(st.meta_double("eps", 1e-5)), mom = static_cast<float>(st.meta_double("momentum", 0.1));
        std::vector<float> rm(c, 0.0f), rv(c, 1.0f), y(in.data.size()), sm(c), si(c), dx(in.data.size()), dg(c), db(c);
        const auto& gamma = st.at("weight").data;
        ASSERT_EQ(nn_batch_norm_forward_training(n, c, sp, in.data.data(), gamma.data(), st.at("bias").data.data(),
                                                 rm.data(), rv.data(), mom, eps, y.data(), sm.data(), si.data()), NN_OK);
        ASSERT_EQ(nn_batch_norm_backward(n, c, sp, in.data.data(), st.at("grad_output").data.data(), gamma.data(),
                                         sm.data(), si.data(), dx.data(), dg.data(), db.data()), NN_OK);
        EXPECT_TRUE(nn_test::all_close(y.data(), st.at("output").data.data(), (int64_t)y.size(), 1e-4f, 1e-5f, f + " output"));
        EXPECT_TRUE(nn_test::all_close(rm.data(), st.at("running_mean_after").data.data(), c, 1e-4f, 1e-5f, f + " rm"));
        EXPECT_TRUE(nn_test::all_close(rv.data(), st.at("running_var_after").data.data(), c, 1e-4f, 1e-5f, f + " rv"));
        EXPECT_TRUE(nn_test::all_close(dx.data(), st.at("grad_input").data.data(), (int64_t)dx.size(), 1e-4f, 2e-5f, f + " dx"));
        EXPECT_TRUE(nn_test::all_close(dg.data(), st.at("grad_weight").data.data(), c, 1e-4f, 2e-5f, f + " dgamma"));
        EXPECT_TRUE(nn_test::all_close(db.data(), st.at("grad_bias").data.data(), c, 1e-4f, 2e-5f, f + " dbeta"));
    }
}

TEST(LayerNorm, MatchesReference) {
    struct C { int64_t rows, d; bool affine; };
    for (C t : {C{1, 1, true}, C{7, 33, true}, C{5, 128, false}, C{40, 1000, true}, C{3, 17, false}}) {
        const int64_t total = t.rows * t.d;
        auto x = nn_test::random_vector(total, 50, -2.0f, 3.0f), dy = nn_test::random_vector(total, 51);
        auto gamma = nn_test::random_vector(t.d, 52), beta = nn_test::random_vector(t.d, 53);
        const float* g = t.affine ? gamma.data() : nullptr;
        const float* b = t.affine ? beta.data() : nullptr;
        std::vector<float> y(total), ry(total), sm(t.rows), si(t.rows), rsm(t.rows), rsi(t.rows);
        ASSERT_EQ(nn_layer_norm_forward(t.rows, t.d, x.data(), g, b, 1e-5f, y.data(), sm.data(), si.data()), NN_OK);
        nn::norm::layer_norm_ref(t.rows, t.d, x.data(), g, b, 1e-5f, ry.data(), rsm.data(), rsi.data());
        const std::string ctx = "rows" + std::to_string(t.rows) + "d" + std::to_string(t.d) + " isa=" + nn_test::active_isa_name();
        EXPECT_TRUE(nn_test::all_close(y.data(), ry.data(), total, 1e-5f, 2e-5f, "ln y " + ctx));
        std::vector<float> dx(total), rdx(total), dg(t.d), db(t.d), rdg(t.d), rdb(t.d);
        ASSERT_EQ(nn_layer_norm_backward(t.rows, t.d, x.data(), dy.data(), g, sm.data(), si.data(), dx.data(), dg.data(),
                                         db.data()), NN_OK);
        nn::norm::layer_norm_backward_ref(t.rows, t.d, x.data(), dy.data(), g, rsm.data(), rsi.data(), rdx.data(),
                                          rdg.data(), rdb.data());
        EXPECT_TRUE(nn_test::all_close(dx.data(), rdx.data(), total, 1e-4f, 2e-5f, "ln dx " + ctx));
        EXPECT_TRUE(nn_test::all_close(dg.data(), rdg.data(), t.d, 1e-5f, 1e-5f, "ln dgamma " + ctx));
        EXPECT_TRUE(nn_test::all_close(db.data(), rdb.data(), t.d, 1e-5f, 1e-5f, "ln dbeta " + ctx));
    }
}

TEST(Norm, OneAndTwoThreadsAreBitwiseEqual) {
    const int64_t n = 8, c = 6, sp = 300, total = n * c * sp;
    auto x = nn_test::random_vector(total, 60), dy = nn_test::random_vector(total, 61);
    std::vector<float> r[2][5];
    for (int t = 0; t < 2; ++t) {
        nn_test::ThreadScope scope(t + 1);
        for (auto& v : r[t]) v.assign(static_cast<size_t>(total), 0.0f);
        std::vector<float> sm(c), si(c), lm(n * c), ls(n * c);
        ASSERT_EQ(nn_batch_norm_forward_training(n, c, sp, x.data(), nullptr, nullptr, nullptr, nullptr, 0.1f, 1e-5f,
                                                 r[t][0].data(), sm.data(), si.data()), NN_OK);
        ASSERT_EQ(nn_batch_norm_backward(n, c, sp, x.data(), dy.data(), nullptr, sm.data(), si.data(), r[t][1].data(),
                                         r[t][2].data(), r[t][2].data() + c), NN_OK);
        ASSERT_EQ(nn_layer_norm_forward(n * c, sp, x.data(), nullptr, nullptr, 1e-5f, r[t][3].data(), lm.data(), ls.data()), NN_OK);
        ASSERT_EQ(nn_layer_norm_backward(n * c, sp, x.data(), dy.data(), nullptr, lm.data(), ls.data(), r[t][4].data(),
                                         r[t][2].data() + 2 * c, r[t][2].data() + 2 * c + sp), NN_OK);
    }
    for (int i = 0; i < 5; ++i) EXPECT_EQ(0, std::memcmp(r[0][i].data(), r[1][i].data(), r[0][i].size() * 4)) << i;
}

// Fused batch norm + ReLU (and + residual) against the three separate calls: the same operations
// in the same order, so the same bits, forward and backward. Includes NaN, zeros at the ReLU's
// kink and tails shorter than a vector; sp == 1 takes the driver's [n, c] path.
TEST(BatchNorm, ReluFusedMatchesSeparateStepsBitwise) {
    struct C { int64_t n, c, sp; };
    for (int with_residual = 0; with_residual < 2; ++with_residual)
        for (C t : {C{6, 4, 1}, C{3, 5, 19}, C{2, 3, 200}}) {
            const int64_t total = t.n * t.c * t.sp;
            auto x = nn_test::random_vector(total, 70, -2.0f, 3.0f), dy = nn_test::random_vector(total, 71);
            auto res = nn_test::random_vector(total, 72);
            auto gamma = nn_test::random_vector(t.c, 73), beta = nn_test::random_vector(t.c, 74);
            const float* r = with_residual ? res.data() : nullptr;
            if (with_residual) res[5] = std::nanf("");
            // Separate: bn, (+ residual), relu; backward: relu from its input, bn.
            std::vector<float> rm(t.c, 0.5f), rv(t.c, 2.0f), sm(t.c), si(t.c), pre(total), y(total);
            ASSERT_EQ(nn_batch_norm_forward_training(t.n, t.c, t.sp, x.data(), gamma.data(), beta.data(), rm.data(),
                                                     rv.data(), 0.1f, 1e-5f, pre.data(), sm.data(), si.data()), NN_OK);
            if (r) ASSERT_EQ(nn_binary(NN_BINARY_ADD, pre.data(), r, pre.data(), total), NN_OK);
            ASSERT_EQ(nn_unary(NN_UNARY_RELU, pre.data(), y.data(), total, 0.0f), NN_OK);
            std::vector<float> g(total), dx(total), dg(t.c), db(t.c);
            ASSERT_EQ(nn_unary_backward(NN_UNARY_RELU, pre.data(), y.data(), dy.data(), g.data(), total, 0.0f), NN_OK);
            ASSERT_EQ(nn_batch_norm_backward(t.n, t.c, t.sp, x.data(), g.data(), gamma.data(), sm.data(), si.data(),
                                             dx.data(), dg.data(), db.data()), NN_OK);
            // Fused.
            std::vector<float> frm(t.c, 0.5f), frv(t.c, 2.0f), fsm(t.c), fsi(t.c), fy(total);
            ASSERT_EQ(nn_batch_norm_relu_forward_training(t.n, t.c, t.sp, x.data(), r, gamma.data(), beta.data(),
                                                          frm.data(), frv.data(), 0.1f, 1e-5f, fy.data(), fsm.data(),
                                                          fsi.data()), NN_OK) << nn_last_error();
            std::vector<float> fdx(total), fdg(t.c), fdb(t.c), fg(total, -1.0f);
            ASSERT_EQ(nn_batch_norm_relu_backward(t.n, t.c, t.sp, x.data(), fy.data(), dy.data(), gamma.data(),
                                                  fsm.data(), fsi.data(), fdx.data(), fdg.data(), fdb.data(),
                                                  r ? fg.data() : nullptr), NN_OK) << nn_last_error();
            const std::string ctx = "n" + std::to_string(t.n) + "c" + std::to_string(t.c) + "sp" +
                                    std::to_string(t.sp) + (r ? " residual" : "") + " isa=" + nn_test::active_isa_name();
            const auto same = [&](const std::vector<float>& a, const std::vector<float>& b, const char* what) {
                EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * 4)) << what << " " << ctx;
            };
            same(fy, y, "y");
            same(frm, rm, "running_mean");
            same(frv, rv, "running_var");
            same(fdx, dx, "dx");
            same(fdg, dg, "dgamma");
            same(fdb, db, "dbeta");
            if (r) same(fg, g, "dresidual");
            if (r) EXPECT_TRUE(std::isnan(fy[5])) << "NaN kept by the ReLU " << ctx;
        }
}

TEST(BatchNorm, ReluFusedOneAndTwoThreadsAreBitwiseEqual) {
    const int64_t n = 4, c = 6, sp = 300, total = n * c * sp;
    auto x = nn_test::random_vector(total, 80), dy = nn_test::random_vector(total, 81), res = nn_test::random_vector(total, 82);
    std::vector<float> r[2][4];
    for (int t = 0; t < 2; ++t) {
        nn_test::ThreadScope scope(t + 1);
        for (auto& v : r[t]) v.assign(static_cast<size_t>(total), 0.0f);
        std::vector<float> sm(c), si(c);
        ASSERT_EQ(nn_batch_norm_relu_forward_training(n, c, sp, x.data(), res.data(), nullptr, nullptr, nullptr,
                                                      nullptr, 0.1f, 1e-5f, r[t][0].data(), sm.data(), si.data()), NN_OK);
        ASSERT_EQ(nn_batch_norm_relu_backward(n, c, sp, x.data(), r[t][0].data(), dy.data(), nullptr, sm.data(),
                                              si.data(), r[t][1].data(), r[t][2].data(), r[t][2].data() + c,
                                              r[t][3].data()), NN_OK);
    }
    for (int i = 0; i < 4; ++i) EXPECT_EQ(0, std::memcmp(r[0][i].data(), r[1][i].data(), r[0][i].size() * 4)) << i;
}

// The gradient of y in two parts: nn_batch_norm_relu_backward_sum against nn_binary's add into one
// tensor followed by nn_batch_norm_relu_backward, bitwise, with and without dresidual (without it
// the masked sum goes through dx), NaN and signed zeros in the parts, tails shorter than a vector,
// sp == 1 (the driver's [n, c] path), and 1 vs 2 threads.
TEST(BatchNorm, ReluBackwardOfTwoGradientPartsMatchesTheirSumBitwise) {
    struct C { int64_t n, c, sp; };
    for (int threads = 1; threads <= 2; ++threads)
        for (int with_residual = 0; with_residual < 2; ++with_residual)
            for (C t : {C{6, 4, 1}, C{3, 5, 19}, C{2, 3, 200}}) {
                nn_test::ThreadScope scope(threads);
                const int64_t total = t.n * t.c * t.sp;
                auto x = nn_test::random_vector(total, 90, -2.0f, 3.0f), res = nn_test::random_vector(total, 91);
                auto da = nn_test::random_vector(total, 92), db = nn_test::random_vector(total, 93);
                auto gamma = nn_test::random_vector(t.c, 94), beta = nn_test::random_vector(t.c, 95);
                da[3] = std::nanf(""), da[7] = -0.0f, db[7] = 0.0f, db[11] = -da[11];
                std::vector<float> sm(t.c), si(t.c), y(total);
                ASSERT_EQ(nn_batch_norm_relu_forward_training(t.n, t.c, t.sp, x.data(), with_residual ? res.data() : nullptr,
                                                              gamma.data(), beta.data(), nullptr, nullptr, 0.1f, 1e-5f,
                                                              y.data(), sm.data(), si.data()), NN_OK) << nn_last_error();
                std::vector<float> sum(total), dx(total), dg(t.c), dbeta(t.c), dr(total, -1.0f);
                ASSERT_EQ(nn_binary(NN_BINARY_ADD, da.data(), db.data(), sum.data(), total), NN_OK);
                ASSERT_EQ(nn_batch_norm_relu_backward(t.n, t.c, t.sp, x.data(), y.data(), sum.data(), gamma.data(),
                                                      sm.data(), si.data(), dx.data(), dg.data(), dbeta.data(),
                                                      with_residual ? dr.data() : nullptr), NN_OK) << nn_last_error();
                std::vector<float> fdx(total, -2.0f), fdg(t.c), fdbeta(t.c), fdr(total, -1.0f);
                ASSERT_EQ(nn_batch_norm_relu_backward_sum(t.n, t.c, t.sp, x.data(), y.data(), da.data(), db.data(),
                                                          gamma.data(), sm.data(), si.data(), fdx.data(), fdg.data(),
                                                          fdbeta.data(), with_residual ? fdr.data() : nullptr), NN_OK)
                    << nn_last_error();
                const std::string ctx = "n" + std::to_string(t.n) + "c" + std::to_string(t.c) + "sp" +
                                        std::to_string(t.sp) + (with_residual ? " residual" : "") + " threads=" +
                                        std::to_string(threads) + " isa=" + nn_test::active_isa_name();
                EXPECT_EQ(0, std::memcmp(fdx.data(), dx.data(), dx.size() * 4)) << "dx " << ctx;
                EXPECT_EQ(0, std::memcmp(fdg.data(), dg.data(), dg.size() * 4)) << "dgamma " << ctx;
                EXPECT_EQ(0, std::memcmp(fdbeta.data(), dbeta.data(), dbeta.size() * 4)) << "dbeta " << ctx;
                EXPECT_EQ(0, std::memcmp(fdr.data(), dr.data(), dr.size() * 4)) << "dresidual " << ctx;
            }
}

TEST(Norm, RejectsBadArguments) {
    std::vector<float> f(64);
    expect_error(nn_batch_norm_forward_training(0, 2, 1, f.data(), nullptr, nullptr, nullptr, nullptr, 0.1f, 1e-5f,
                                                f.data(), nullptr, nullptr), {"n=0"});
    expect_error(nn_batch_norm_forward_training(1, 2, 1, f.data(), nullptr, nullptr, f.data(), f.data(), 0.1f, 1e-5f,
                                                f.data(), nullptr, nullptr), {"n * spatial >= 2", "n=1"});
    expect_error(nn_batch_norm_forward_training(2, 2, 1, f.data(), nullptr, nullptr, f.data(), nullptr, 0.1f, 1e-5f,
                                                f.data(), nullptr, nullptr), {"running_var=NULL"});
    expect_error(nn_batch_norm_forward_training(2, 2, 1, f.data(), nullptr, nullptr, f.data(), f.data(), 1.5f, 1e-5f,
                                                f.data(), nullptr, nullptr), {"momentum=1.5"});
    expect_error(nn_batch_norm_forward_inference(2, 2, 1, f.data(), nullptr, nullptr, nullptr, f.data(), 1e-5f, f.data()),
                 {"running_mean"});
    expect_error(nn_batch_norm_backward(2, 2, 1, f.data(), f.data(), nullptr, nullptr, f.data(), f.data(), nullptr, nullptr),
                 {"save_mean"});
    expect_error(nn_batch_norm_relu_forward_training(2, 2, 1, f.data(), nullptr, nullptr, nullptr, f.data(), nullptr,
                                                     0.1f, 1e-5f, f.data(), nullptr, nullptr), {"running_var=NULL"});
    expect_error(nn_batch_norm_relu_backward(2, 2, 1, f.data(), nullptr, f.data(), nullptr, f.data(), f.data(), f.data(),
                                             nullptr, nullptr, nullptr), {"y must not be null"});
    expect_error(nn_batch_norm_relu_backward_sum(2, 2, 1, f.data(), f.data(), f.data(), nullptr, nullptr, f.data(),
                                                 f.data(), f.data() + 8, nullptr, nullptr, nullptr), {"dy_b must not be null"});
    expect_error(nn_batch_norm_relu_backward_sum(2, 2, 1, f.data(), f.data() + 8, f.data() + 16, f.data() + 24, nullptr,
                                                 f.data(), f.data(), f.data() + 16, nullptr, nullptr, nullptr),
                 {"dx must not alias"});
    expect_error(nn_layer_norm_forward(2, 0, f.data(), nullptr, nullptr, 1e-5f, f.data(), nullptr, nullptr), {"d=0"});
    expect_error(nn_layer_norm_forward(2, 2, f.data(), nullptr, nullptr, -1.0f, f.data(), nullptr, nullptr), {"eps=-1"});
    expect_error(nn_dropout_forward(f.data(), f.data(), nullptr, 4, 1.5f, 1, 0), {"p=1.5"});
    expect_error(nn_dropout_forward(nullptr, f.data(), nullptr, 4, 0.5f, 1, 0), {"x must not be null"});
    expect_error(nn_dropout_backward(f.data(), nullptr, f.data(), 4, 0.5f), {"mask"});
}

// ----------------------------------------------------------------------------------- dropout --

TEST(Dropout, MaskIsACounterHashIndependentOfSplitThreadsAndIsa) {
    const int64_t n = 200003;
    auto x = nn_test::random_vector(n, 70);
    for (float p : {0.0f, 0.1f, 0.5f, 0.9f, 1.0f}) {
        const uint64_t seed = 0x1234567890ull, offset = (uint64_t{1} << 32) - 1000;  // crosses a key block
        std::vector<float> y(n), ry(n), y1(n);
        std::vector<uint8_t> m(n), rm(n), m1(n);
        ASSERT_EQ(nn_dropout_forward(x.data(), y.data(), m.data(), n, p, seed, offset), NN_OK);
        nn::norm::dropout_ref(x.data(), ry.data(), rm.data(), n, p, seed, offset);
        EXPECT_EQ(m, rm) << "p=" << p;
        EXPECT_EQ(0, std::memcmp(y.data(), ry.data(), n * 4)) << "p=" << p;
        {
            nn_test::ThreadScope one(1);
            // In two pieces, the second continuing the counter.
            ASSERT_EQ(nn_dropout_forward(x.data(), y1.data(), m1.data(), 777, p, seed, offset), NN_OK);
            ASSERT_EQ(nn_dropout_forward(x.data() + 777, y1.data() + 777, m1.data() + 777, n - 777, p, seed, offset + 777), NN_OK);
        }
        EXPECT_EQ(m, m1) << "p=" << p;
        int64_t kept = 0;
        for (auto v : m) kept += v;
        const double rate = static_cast<double>(kept) / n;
        EXPECT_NEAR(rate, 1.0 - p, 0.01) << "keep rate at p=" << p;
        for (int64_t i = 0; i < n; i += 101)
            ASSERT_EQ(y[i], m[i] ? x[i] * (1.0f / (1.0f - p)) : 0.0f) << i;
        std::vector<float> dx(n), rdx(n);
        ASSERT_EQ(nn_dropout_backward(x.data(), m.data(), dx.data(), n, p), NN_OK);
        for (int64_t i = 0; i < n; ++i) rdx[i] = m[i] ? x[i] * (p < 1.0f ? 1.0f / (1.0f - p) : 0.0f) : 0.0f;
        EXPECT_EQ(0, std::memcmp(dx.data(), rdx.data(), n * 4)) << "p=" << p;
    }
    // A different seed gives a different mask; neighbouring elements are not correlated.
    std::vector<float> y(n), y2(n);
    std::vector<uint8_t> a(n), b(n);
    ASSERT_EQ(nn_dropout_forward(x.data(), y.data(), a.data(), n, 0.5f, 1, 0), NN_OK);
    ASSERT_EQ(nn_dropout_forward(x.data(), y2.data(), b.data(), n, 0.5f, 2, 0), NN_OK);
    int64_t same = 0, pairs = 0;
    for (int64_t i = 0; i < n; ++i) same += a[i] == b[i];
    for (int64_t i = 1; i < n; ++i) pairs += a[i] == a[i - 1];
    EXPECT_NEAR(static_cast<double>(same) / n, 0.5, 0.01);
    EXPECT_NEAR(static_cast<double>(pairs) / (n - 1), 0.5, 0.01);
}
