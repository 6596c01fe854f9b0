// nn_conv2d_nchwc_forward_expand_dw (src/conv/nchwc/nchwc_fused.cpp): an inverted residual
// block's 1x1 expansion and depthwise 3x3 in one call (and with the 1x1 projection,
// nn_conv2d_nchwc_forward_expand_dw_project) must give the bits of the blocked calls it replaces, whether it runs over bands (large
// planes; small ones with one task per thread), by groups of expanded channels (small planes where bands do not pay) or falls
// back to the passes through mid, at 1 and 2 threads; so must a stem (NCHW input) in the expansion's place. Shapes
// are MobileNetV2's in miniature (run banded whatever their size, and by the size rule): stride 1 and 2, channel counts off the 16-lane blocks, several
// weight groups, planes with many bands and with one. Below AVX-512 every call is
// NN_ERR_UNSUPPORTED (the engine keeps the NCHW path).
#include <optional>
#include <string>
#include <vector>

#include "conv/nchwc/nchwc.h"
#include "test_util.h"

namespace {

int64_t blocked(int64_t n, int64_t c, int64_t hw) { return n * ((c + 15) / 16) * 16 * hw; }

struct Pair {
    int64_t n, c, h, w, expanded, stride;
    const char* what;
};

const Pair kPairs[] = {
    {1, 24, 56, 40, 144, 1, "56x40, 24 -> 144, stride 1: many bands"},
    {1, 16, 48, 36, 96, 2, "48x36, 16 -> 96, stride 2"},
    {2, 32, 28, 28, 200, 1, "two 28x28 images, 200 channels (padded lanes, a partial weight group)"},
    {1, 40, 14, 14, 240, 1, "one 14x14 image: one band a thread or the two passes, by thread count"},
    {3, 20, 7, 9, 72, 2, "three 7x9 images, stride 2: two bands an image at two threads"},
    {1, 24, 7, 7, 144, 1, "one 7x7 image: by channel groups at one thread (3 groups), the passes at two"},
    {1, 32, 7, 7, 328, 1, "one 7x7 image, 21 channel blocks: by channel groups (6, the last of one block) at 1 and 2 threads"},
    {2, 8, 96, 80, 48, 1, "two 96x80 images: 2.9 MB expanded, banded at the default size rule"},
};

// Sets the size rule (set_expand_dw_fuse_above) for a scope: 0 makes every shape with enough
// bands for the threads take the banded path.
class FuseAbove {
public:
    explicit FuseAbove(int64_t bytes) : saved_(nn::conv::nchwc::set_expand_dw_fuse_above(bytes)) {}
    ~FuseAbove() { nn::conv::nchwc::set_expand_dw_fuse_above(saved_); }

private:
    int64_t saved_;
};

struct Layers {
    nn_conv2d_nchwc* expand = nullptr;
    nn_conv2d_nchwc* dw = nullptr;
    nn_conv2d_nchwc* project = nullptr;
    ~Layers() {
        nn_conv2d_nchwc_destroy(expand);
        nn_conv2d_nchwc_destroy(dw);
        nn_conv2d_nchwc_destroy(project);
    }
};

}  // namespace

TEST(NchwcExpandDw, EqualsTheTwoBlockedCallsBitForBit) {
    int64_t block = -1;
    ASSERT_EQ(nn_nchwc_block(&block), NN_OK);
    if (block == 0) GTEST_SKIP() << "no blocked kernels under " << nn_test::active_isa_name();
    int seed = 0;
    for (const auto& c : kPairs) {
        ++seed;
        const int64_t oh = (c.h - 1) / c.stride + 1, ow = (c.w - 1) / c.stride + 1;
        const nn_conv2d_desc de{c.n, c.c, c.h, c.w, c.expanded, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
        const nn_conv2d_desc dd{c.n, c.expanded, c.h, c.w, c.expanded, 3, 3, c.stride, c.stride, 1, 1, 1, 1, 1, 1, c.expanded};
        const auto we = nn_test::random_vector(c.expanded * c.c, 10 * seed), be = nn_test::random_vector(c.expanded, 10 * seed + 1);
        const auto wd = nn_test::random_vector(c.expanded * 9, 10 * seed + 2), bd = nn_test::random_vector(c.expanded, 10 * seed + 3);
        Layers l;
        ASSERT_EQ(nn_conv2d_nchwc_pack(&de, we.data(), be.data(), &l.expand), NN_OK) << nn_last_error();
        ASSERT_EQ(nn_conv2d_nchwc_pack(&dd, wd.data(), bd.data(), &l.dw), NN_OK) << nn_last_error();
        const auto xn = nn_test::random_vector(c.n * c.c * c.h * c.w, 10 * seed + 4);
        std::vector<float> x(static_cast<size_t>(blocked(c.n, c.c, c.h * c.w)));
        ASSERT_EQ(nn_nchwc_from_nchw(xn.data(), c.n, c.c, c.h * c.w, x.data()), NN_OK);
        const size_t ms = static_cast<size_t>(blocked(c.n, c.expanded, c.h * c.w)), ys = static_cast<size_t>(blocked(c.n, c.expanded, oh * ow));
        // ReLU6 on both (MobileNet's), and GELU then identity: an epilogue with another code path.
        for (auto [a1, a2] : {std::pair{NN_UNARY_RELU6, NN_UNARY_RELU6}, std::pair{NN_UNARY_GELU, NN_UNARY_IDENTITY}}) {
            std::vector<float> mid(ms), want(ys, -1.0f);
            ASSERT_EQ(nn_conv2d_nchwc_forward(l.expand, c.n, x.data(), nullptr, a1, 0.0f, mid.data()), NN_OK);
            ASSERT_EQ(nn_conv2d_nchwc_forward(l.dw, c.n, mid.data(), nullptr, a2, 0.0f, want.data()), NN_OK);
            // banded: every shape with enough bands for the threads takes them; else the size rule.
            for (int threads : {1, 2})
                for (bool banded : {true, false}) {
                    std::optional<FuseAbove> rule;
                    if (banded) rule.emplace(0);
                    nn_test::ThreadScope t(threads);
                    std::vector<float> scratch(ms, 5.0f), y(ys, 7.0f);
                    ASSERT_EQ(nn_conv2d_nchwc_forward_expand_dw(l.expand, l.dw, c.n, x.data(), a1, 0.0f, a2, 0.0f,
                                                                scratch.data(), y.data()),
                              NN_OK)
                        << nn_last_error();
                    EXPECT_EQ(y, want) << c.what << ", " << threads << " thread(s), act " << a1 << "/" << a2
                                       << (banded ? ", banded" : ", size rule");
                }
        }
    }
}

TEST(NchwcExpandDw, RejectsLayersThatDoNotChain) {
    int64_t block = -1;
    ASSERT_EQ(nn_nchwc_block(&block), NN_OK);
    const nn_conv2d_desc de{1, 16, 8, 8, 32, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
    const nn_conv2d_desc dd{1, 32, 8, 8, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32};
    const nn_conv2d_desc other{1, 48, 8, 8, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 48};
    const std::vector<float> w(48 * 48, 0.5f), x(3 * 16 * 64, 1.0f);
    std::vector<float> mid(3 * 48 * 64), y(3 * 48 * 64);
    if (block == 0) {
        nn_conv2d_nchwc* pk = nullptr;
        EXPECT_EQ(nn_conv2d_nchwc_pack(&de, w.data(), nullptr, &pk), NN_ERR_UNSUPPORTED);
        EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw(nullptr, nullptr, 1, x.data(), NN_UNARY_RELU6, 0.0f, NN_UNARY_RELU6,
                                                    0.0f, mid.data(), y.data()),
                  NN_ERR_INVALID_ARGUMENT);
        return;
    }
    Layers l, swapped;
    ASSERT_EQ(nn_conv2d_nchwc_pack(&de, w.data(), nullptr, &l.expand), NN_OK);
    ASSERT_EQ(nn_conv2d_nchwc_pack(&dd, w.data(), nullptr, &l.dw), NN_OK);
    ASSERT_EQ(nn_conv2d_nchwc_pack(&other, w.data(), nullptr, &swapped.dw), NN_OK);
    EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw(l.expand, swapped.dw, 1, x.data(), NN_UNARY_RELU6, 0.0f, NN_UNARY_RELU6,
                                                0.0f, mid.data(), y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("depthwise 48 channels"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw(l.dw, l.expand, 1, x.data(), NN_UNARY_RELU6, 0.0f, NN_UNARY_RELU6, 0.0f,
                                                mid.data(), y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw(l.expand, l.dw, 1, x.data(), static_cast<nn_unary_op>(999), 0.0f,
                                                NN_UNARY_RELU6, 0.0f, mid.data(), y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw(l.expand, l.dw, 1, x.data(), NN_UNARY_RELU6, 0.0f, NN_UNARY_RELU6, 0.0f,
                                                nullptr, y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw(l.expand, l.dw, 0, x.data(), NN_UNARY_RELU6, 0.0f, NN_UNARY_RELU6, 0.0f,
                                                mid.data(), y.data()),
              NN_ERR_INVALID_ARGUMENT);
}

// The whole block: expansion, depthwise, projection (to the block's input channels, or to 40:
// channel counts off the blocks, one or two weight groups) with and without a residual, against
// the three blocked calls, banded or by the size rule, at 1 and 2 threads.
TEST(NchwcExpandDwProject, EqualsTheThreeBlockedCallsBitForBit) {
    int64_t block = -1;
    ASSERT_EQ(nn_nchwc_block(&block), NN_OK);
    if (block == 0) GTEST_SKIP() << "no blocked kernels under " << nn_test::active_isa_name();
    int seed = 100;
    for (const auto& c : kPairs) {
        ++seed;
        const int64_t oh = (c.h - 1) / c.stride + 1, ow = (c.w - 1) / c.stride + 1, out = seed % 2 ? c.c : 40;
        const nn_conv2d_desc de{c.n, c.c, c.h, c.w, c.expanded, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
        const nn_conv2d_desc dd{c.n, c.expanded, c.h, c.w, c.expanded, 3, 3, c.stride, c.stride, 1, 1, 1, 1, 1, 1, c.expanded};
        const nn_conv2d_desc dp{c.n, c.expanded, oh, ow, out, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
        const auto we = nn_test::random_vector(c.expanded * c.c, 10 * seed), be = nn_test::random_vector(c.expanded, 10 * seed + 1);
        const auto wd = nn_test::random_vector(c.expanded * 9, 10 * seed + 2), bd = nn_test::random_vector(c.expanded, 10 * seed + 3);
        const auto wp = nn_test::random_vector(out * c.expanded, 10 * seed + 5), bp = nn_test::random_vector(out, 10 * seed + 6);
        Layers l;
        ASSERT_EQ(nn_conv2d_nchwc_pack(&de, we.data(), be.data(), &l.expand), NN_OK) << nn_last_error();
        ASSERT_EQ(nn_conv2d_nchwc_pack(&dd, wd.data(), bd.data(), &l.dw), NN_OK) << nn_last_error();
        ASSERT_EQ(nn_conv2d_nchwc_pack(&dp, wp.data(), bp.data(), &l.project), NN_OK) << nn_last_error();
        const auto xn = nn_test::random_vector(c.n * c.c * c.h * c.w, 10 * seed + 4);
        std::vector<float> x(static_cast<size_t>(blocked(c.n, c.c, c.h * c.w)));
        ASSERT_EQ(nn_nchwc_from_nchw(xn.data(), c.n, c.c, c.h * c.w, x.data()), NN_OK);
        const auto rn = nn_test::random_vector(c.n * out * oh * ow, 10 * seed + 7);
        std::vector<float> res(static_cast<size_t>(blocked(c.n, out, oh * ow)));
        ASSERT_EQ(nn_nchwc_from_nchw(rn.data(), c.n, out, oh * ow, res.data()), NN_OK);
        const size_t ms = static_cast<size_t>(blocked(c.n, c.expanded, c.h * c.w));
        const size_t ds = static_cast<size_t>(blocked(c.n, c.expanded, oh * ow)), ys = static_cast<size_t>(blocked(c.n, out, oh * ow));
        for (bool residual : {false, true}) {
            const float* r = residual ? res.data() : nullptr;
            // MobileNet's ReLU6, ReLU6, none; and GELU, none, HardSwish: other epilogue paths.
            const nn_unary_op a3 = residual ? NN_UNARY_HARDSWISH : NN_UNARY_IDENTITY;
            const nn_unary_op a1 = residual ? NN_UNARY_GELU : NN_UNARY_RELU6, a2 = residual ? NN_UNARY_IDENTITY : NN_UNARY_RELU6;
            std::vector<float> mid(ms), dwo(ds), want(ys, -1.0f);
            ASSERT_EQ(nn_conv2d_nchwc_forward(l.expand, c.n, x.data(), nullptr, a1, 0.0f, mid.data()), NN_OK);
            ASSERT_EQ(nn_conv2d_nchwc_forward(l.dw, c.n, mid.data(), nullptr, a2, 0.0f, dwo.data()), NN_OK);
            ASSERT_EQ(nn_conv2d_nchwc_forward(l.project, c.n, dwo.data(), r, a3, 0.0f, want.data()), NN_OK);
            for (int threads : {1, 2})
                for (bool banded : {true, false}) {
                    std::optional<FuseAbove> rule;
                    if (banded) rule.emplace(0);
                    nn_test::ThreadScope t(threads);
                    std::vector<float> s1(ms, 5.0f), s2(ds, 6.0f), y(ys, 7.0f);
                    ASSERT_EQ(nn_conv2d_nchwc_forward_expand_dw_project(l.expand, l.dw, l.project, c.n, x.data(), a1, 0.0f,
                                                                        a2, 0.0f, r, a3, 0.0f, s1.data(), s2.data(),
                                                                        y.data()),
                              NN_OK)
                        << nn_last_error();
                    EXPECT_EQ(y, want) << c.what << " -> " << out << ", " << threads << " thread(s)"
                                       << (residual ? ", residual" : "") << (banded ? ", banded" : ", size rule");
                }
        }
    }
}

TEST(NchwcExpandDwProject, RejectsAProjectionThatDoesNotChain) {
    int64_t block = -1;
    ASSERT_EQ(nn_nchwc_block(&block), NN_OK);
    const std::vector<float> w(48 * 48, 0.5f), x(16 * 64, 1.0f);
    std::vector<float> mid(48 * 64), mid2(48 * 64), y(48 * 64);
    if (block == 0) {
        EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw_project(nullptr, nullptr, nullptr, 1, x.data(), NN_UNARY_RELU6, 0.0f,
                                                            NN_UNARY_RELU6, 0.0f, nullptr, NN_UNARY_IDENTITY, 0.0f,
                                                            mid.data(), mid2.data(), y.data()),
                  NN_ERR_INVALID_ARGUMENT);
        return;
    }
    const nn_conv2d_desc de{1, 16, 8, 8, 32, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
    const nn_conv2d_desc dd{1, 32, 8, 8, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32};
    const nn_conv2d_desc dp{1, 32, 8, 8, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
    const nn_conv2d_desc wrong{1, 48, 8, 8, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
    Layers l, other;
    ASSERT_EQ(nn_conv2d_nchwc_pack(&de, w.data(), nullptr, &l.expand), NN_OK);
    ASSERT_EQ(nn_conv2d_nchwc_pack(&dd, w.data(), nullptr, &l.dw), NN_OK);
    ASSERT_EQ(nn_conv2d_nchwc_pack(&dp, w.data(), nullptr, &l.project), NN_OK);
    ASSERT_EQ(nn_conv2d_nchwc_pack(&wrong, w.data(), nullptr, &other.project), NN_OK);
    EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw_project(l.expand, l.dw, other.project, 1, x.data(), NN_UNARY_RELU6, 0.0f,
                                                        NN_UNARY_RELU6, 0.0f, nullptr, NN_UNARY_IDENTITY, 0.0f,
                                                        mid.data(), mid2.data(), y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("project 48->16"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw_project(l.expand, l.dw, l.dw, 1, x.data(), NN_UNARY_RELU6, 0.0f,
                                                        NN_UNARY_RELU6, 0.0f, nullptr, NN_UNARY_IDENTITY, 0.0f,
                                                        mid.data(), mid2.data(), y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw_project(l.expand, l.dw, nullptr, 1, x.data(), NN_UNARY_RELU6, 0.0f,
                                                        NN_UNARY_RELU6, 0.0f, nullptr, NN_UNARY_IDENTITY, 0.0f,
                                                        mid.data(), mid2.data(), y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("project"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw_project(l.expand, l.dw, l.project, 1, x.data(), NN_UNARY_RELU6, 0.0f,
                                                        NN_UNARY_RELU6, 0.0f, nullptr, static_cast<nn_unary_op>(999),
                                                        0.0f, mid.data(), mid2.data(), y.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("activation3"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_conv2d_nchwc_forward_expand_dw_project(l.expand, l.dw, l.project, 1, x.data(), NN_UNARY_RELU6, 0.0f,
                                                        NN_UNARY_RELU6, 0.0f, nullptr, NN_UNARY_IDENTITY, 0.0f,
                                                        mid.data(), nullptr, y.data()),
              NN_ERR_INVALID_ARGUMENT);
}

// A stem (dense, few input channels, NCHW input) in the expansion's place: MobileNetV2's first
// block has no expansion, its depthwise layer reads the stem's output. With and without the
// projection, banded or by the size rule, at 1 and 2 threads, against the blocked calls.
TEST(NchwcStemDw, EqualsTheBlockedCallsBitForBit) {
    int64_t block = -1;
    ASSERT_EQ(nn_nchwc_block(&block), NN_OK);
    if (block == 0) GTEST_SKIP() << "no blocked kernels under " << nn_test::active_isa_name();
    struct Stem {
        int64_t n, c, h, w, k, r, stride, pad, dw_stride;
        const char* what;
    };
    const Stem stems[] = {
        {1, 3, 64, 60, 32, 3, 2, 1, 1, "3 -> 32, 3x3/2 on 64x60 (MobileNetV2's stem in miniature), depthwise stride 1"},
        {2, 4, 23, 17, 72, 5, 1, 2, 2, "two images, 4 -> 72, 5x5/1: a partial weight group, depthwise stride 2"},
        {1, 3, 14, 14, 136, 3, 2, 1, 1, "3 -> 136 on 7x7 outputs: by channel groups (3)"},
    };
    int seed = 300;
    for (const auto& c : stems) {
        ++seed;
        const int64_t sh = (c.h + 2 * c.pad - c.r) / c.stride + 1, sw = (c.w + 2 * c.pad - c.r) / c.stride + 1;
        const int64_t oh = (sh - 1) / c.dw_stride + 1, ow = (sw - 1) / c.dw_stride + 1, out = 24;
        const nn_conv2d_desc ds{c.n, c.c, c.h, c.w, c.k, c.r, c.r, c.stride, c.stride, c.pad, c.pad, c.pad, c.pad, 1, 1, 1};
        const nn_conv2d_desc dd{c.n, c.k, sh, sw, c.k, 3, 3, c.dw_stride, c.dw_stride, 1, 1, 1, 1, 1, 1, c.k};
        const nn_conv2d_desc dp{c.n, c.k, oh, ow, out, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
        const auto ws = nn_test::random_vector(c.k * c.c * c.r * c.r, 10 * seed), bs = nn_test::random_vector(c.k, 10 * seed + 1);
        const auto wd = nn_test::random_vector(c.k * 9, 10 * seed + 2), bd = nn_test::random_vector(c.k, 10 * seed + 3);
        const auto wp = nn_test::random_vector(out * c.k, 10 * seed + 5), bp = nn_test::random_vector(out, 10 * seed + 6);
        Layers l;
        ASSERT_EQ(nn_conv2d_nchwc_pack(&ds, ws.data(), bs.data(), &l.expand), NN_OK) << nn_last_error();
        ASSERT_EQ(nn_conv2d_nchwc_pack(&dd, wd.data(), bd.data(), &l.dw), NN_OK) << nn_last_error();
        ASSERT_EQ(nn_conv2d_nchwc_pack(&dp, wp.data(), bp.data(), &l.project), NN_OK) << nn_last_error();
        const auto x = nn_test::random_vector(c.n * c.c * c.h * c.w, 10 * seed + 4);  // NCHW
        const size_t ms = static_cast<size_t>(blocked(c.n, c.k, sh * sw)), ds2 = static_cast<size_t>(blocked(c.n, c.k, oh * ow));
        const size_t ys = static_cast<size_t>(blocked(c.n, out, oh * ow));
        std::vector<float> mid(ms), dwo(ds2), want(ys, -1.0f);
        ASSERT_EQ(nn_conv2d_nchwc_forward(l.expand, c.n, x.data(), nullptr, NN_UNARY_RELU6, 0.0f, mid.data()), NN_OK);
        ASSERT_EQ(nn_conv2d_nchwc_forward(l.dw, c.n, mid.data(), nullptr, NN_UNARY_RELU6, 0.0f, dwo.data()), NN_OK);
        ASSERT_EQ(nn_conv2d_nchwc_forward(l.project, c.n, dwo.data(), nullptr, NN_UNARY_IDENTITY, 0.0f, want.data()), NN_OK);
        for (int threads : {1, 2})
            for (bool banded : {true, false}) {
                std::optional<FuseAbove> rule;
                if (banded) rule.emplace(0);
                nn_test::ThreadScope t(threads);
                const std::string where = std::string(c.what) + ", " + std::to_string(threads) + " thread(s)" +
                                          (banded ? ", banded" : ", size rule");
                std::vector<float> s1(ms, 5.0f), y(ds2, 7.0f);
                ASSERT_EQ(nn_conv2d_nchwc_forward_expand_dw(l.expand, l.dw, c.n, x.data(), NN_UNARY_RELU6, 0.0f,
                                                            NN_UNARY_RELU6, 0.0f, s1.data(), y.data()),
                          NN_OK)
                    << nn_last_error();
                EXPECT_EQ(y, dwo) << where;
                std::vector<float> s2(ds2, 6.0f), yp(ys, 8.0f);
                ASSERT_EQ(nn_conv2d_nchwc_forward_expand_dw_project(l.expand, l.dw, l.project, c.n, x.data(), NN_UNARY_RELU6,
                                                                    0.0f, NN_UNARY_RELU6, 0.0f, nullptr, NN_UNARY_IDENTITY,
                                                                    0.0f, s1.data(), s2.data(), yp.data()),
                          NN_OK)
                    << nn_last_error();
                EXPECT_EQ(yp, want) << where << ", projected";
            }
    }
}
