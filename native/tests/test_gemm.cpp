// SGEMM: the active ISA path (through the C ABI) against the scalar reference sgemm_ref (called
// directly), over odd sizes, all transposes, alpha/beta, padded leading dimensions whose padding
// must stay untouched, unaligned pointers, NaN in C with beta = 0, every epilogue, pre-packed B,
// 1 vs 2 threads, and bad arguments.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gemm/gemm.h"
#include "gemm/gemm_kernels.h"
#include "test_util.h"

namespace {

using nn::gemm::activation;
using nn::gemm::bias_mode;

const int64_t kSizes[] = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 127, 129, 257};
const float kSentinel = -12345.0f;

struct Case {
    bool ta = false, tb = false;
    int64_t m = 1, n = 1, k = 1;
    float alpha = 1.0f, beta = 0.0f;
    int64_t pad = 0;     // extra elements per row of A, B and C (sentinel-filled)
    int64_t offset = 0;  // floats the operands start after an aligned allocation
    nn_bias_mode bias = NN_BIAS_NONE;
    nn_unary_op act = NN_UNARY_IDENTITY;
    uint32_t seed = 1;
};

std::string describe(const Case& c) {
    return "m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) + " k=" + std::to_string(c.k) +
           " ta=" + std::to_string(c.ta) + " tb=" + std::to_string(c.tb) + " alpha=" + std::to_string(c.alpha) +
           " beta=" + std::to_string(c.beta) + " pad=" + std::to_string(c.pad) + " offset=" +
           std::to_string(c.offset) + " bias=" + std::to_string(c.bias) + " act=" + std::to_string(c.act) +
           " isa=" + nn_test::active_isa_name();
}

// A stored rows x cols matrix with leading dimension cols + pad inside a sentinel-filled buffer.
struct Operand {
    std::vector<float> buf;
    int64_t rows, cols, ld, offset;
    Operand(int64_t r, int64_t c, int64_t pad, int64_t off, uint32_t seed)
        : buf(static_cast<size_t>(off + r * (c + pad) + 1), kSentinel), rows(r), cols(c), ld(c + pad), offset(off) {
        if (ld < 1) ld = 1;
        buf.resize(static_cast<size_t>(off + r * ld + 1), kSentinel);
        auto v = nn_test::random_vector(r * c, seed);
        for (int64_t i = 0; i < r; ++i)
            for (int64_t j = 0; j < c; ++j) buf[static_cast<size_t>(off + i * ld + j)] = v[static_cast<size_t>(i * c + j)];
    }
    float* data() { return buf.data() + offset; }
    // True when everything outside the rows x cols window still holds the sentinel.
    ::testing::AssertionResult padding_intact() const {
        for (size_t idx = 0; idx < buf.size(); ++idx) {
            int64_t rel = static_cast<int64_t>(idx) - offset;
            bool inside = rel >= 0 && rel / ld < rows && rel % ld < cols;
            if (!inside && !(buf[idx] == kSentinel))
                return ::testing::AssertionFailure() << "padding overwritten at buffer index " << idx << ": " << buf[idx];
        }
        return ::testing::AssertionSuccess();
    }
};

// Runs one case through nn_sgemm_ex and checks it against the reference. Returns C (dense).
std::vector<float> check_case(const Case& c, bool use_packed = false) {
    Operand a(c.ta ? c.k : c.m, c.ta ? c.m : c.k, c.pad, c.offset, c.seed);
    Operand b(c.tb ? c.n : c.k, c.tb ? c.k : c.n, c.pad, c.offset, c.seed + 1);
    Operand out(c.m, c.n, c.pad, c.offset, c.seed + 2);
    if (c.beta == 0.0f)  // beta = 0 must never read C
        for (int64_t i = 0; i < c.m; ++i)
            for (int64_t j = 0; j < c.n; ++j) out.data()[i * out.ld + j] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> want(static_cast<size_t>(c.m * c.n));
    for (int64_t i = 0; i < c.m; ++i)
        for (int64_t j = 0; j < c.n; ++j) want[static_cast<size_t>(i * c.n + j)] = out.data()[i * out.ld + j];
    const int64_t bias_len = c.bias == NN_BIAS_ROW ? c.m : c.bias == NN_BIAS_COL ? c.n : 0;
    auto bias = nn_test::random_vector(bias_len, c.seed + 3);
    const float* bias_ptr = bias_len ? bias.data() : nullptr;

    const nn_transpose ta = c.ta ? NN_TRANS : NN_NO_TRANS, tb = c.tb ? NN_TRANS : NN_NO_TRANS;
    if (use_packed) {
        nn_packed_matrix* pb = nullptr;
        EXPECT_EQ(nn_sgemm_pack_b(tb, c.k, c.n, b.data(), b.ld, &pb), NN_OK) << nn_last_error();
        EXPECT_EQ(nn_sgemm_packed(ta, c.m, c.n, c.k, c.alpha, a.data(), a.ld, pb, c.beta, out.data(), out.ld,
                                  bias_ptr, c.bias, c.act),
                  NN_OK)
            << nn_last_error();
        nn_packed_matrix_destroy(pb);
    } else {
        EXPECT_EQ(nn_sgemm_ex(ta, tb, c.m, c.n, c.k, c.alpha, a.data(), a.ld, b.data(), b.ld, c.beta, out.data(),
                              out.ld, bias_ptr, c.bias, c.act),
                  NN_OK)
            << nn_last_error() << " " << describe(c);
    }
    nn::gemm::epilogue ep{bias_ptr, static_cast<bias_mode>(c.bias), static_cast<activation>(c.act)};
    nn::gemm::sgemm_ref(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a.data(), a.ld, b.data(), b.ld, c.beta, want.data(),
                        c.n, ep);
    std::vector<float> got(static_cast<size_t>(c.m * c.n));
    for (int64_t i = 0; i < c.m; ++i)
        for (int64_t j = 0; j < c.n; ++j) got[static_cast<size_t>(i * c.n + j)] = out.data()[i * out.ld + j];
    // Float accumulation over k terms of magnitude <= 1 (FMA or not) against double: the error
    // grows with k; a missing or doubled term is >> this bound.
    const float atol = 2e-6f * static_cast<float>(c.k + 2) * std::max(1.0f, std::fabs(c.alpha)) + 1e-6f;
    EXPECT_TRUE(nn_test::all_close(got.data(), want.data(), c.m * c.n, 2e-6f, atol, describe(c)));
    EXPECT_TRUE(a.padding_intact()) << "A " << describe(c);
    EXPECT_TRUE(b.padding_intact()) << "B " << describe(c);
    EXPECT_TRUE(out.padding_intact()) << "C " << describe(c);
    return got;
}

}  // namespace

// m and n over the odd sizes (every edge tile shape), k from a smaller set, all transposes.
TEST(Gemm, SweepMN) {
    uint32_t seed = 1;
    for (int64_t m : kSizes)
        for (int64_t n : kSizes)
            for (int64_t k : {0, 1, 7, 64})
                for (int t = 0; t < 4; ++t) {
                    Case c;
                    c.ta = t & 1;
                    c.tb = t & 2;
                    c.m = m;
                    c.n = n;
                    c.k = k;
                    c.pad = (m + n + t) % 3;
                    c.offset = (m + k + t) % 2;
                    c.beta = (t == 3) ? 1.3f : 0.0f;
                    c.seed = seed++;
                    check_case(c);
                    if (::testing::Test::HasFailure()) return;
                }
}

// k over the odd sizes and past the K block (several blocks, uneven), m and n small.
TEST(Gemm, SweepK) {
    uint32_t seed = 1000;
    std::vector<int64_t> ks(std::begin(kSizes), std::end(kSizes));
    for (int64_t k : {300, 385, 513, 800, 1100}) ks.push_back(k);
    for (int64_t k : ks)
        for (int64_t mn : {1, 13, 33})
            for (int t = 0; t < 4; ++t) {
                Case c;
                c.ta = t & 1;
                c.tb = t & 2;
                c.m = mn;
                c.n = mn + 4;
                c.k = k;
                c.pad = t % 2;
                c.offset = 1 - t % 2;
                c.beta = (t == 1) ? 1.0f : 0.0f;
                c.seed = seed++;
                check_case(c);
                if (::testing::Test::HasFailure()) return;
            }
}

// alpha in {0, 1, -1, 0.7} x beta in {0, 1, 1.3} on the small path, the threaded blocked path
// and a K-split blocked path.
TEST(Gemm, AlphaBeta) {
    struct Shape {
        int64_t m, n, k;
    };
    uint32_t seed = 2000;
    for (Shape s : {Shape{17, 33, 9}, Shape{65, 140, 129}, Shape{130, 70, 400}})
        for (float alpha : {0.0f, 1.0f, -1.0f, 0.7f})
            for (float beta : {0.0f, 1.0f, 1.3f})
                for (int t = 0; t < 4; ++t) {
                    Case c;
                    c.ta = t & 1;
                    c.tb = t & 2;
                    c.m = s.m;
                    c.n = s.n;
                    c.k = s.k;
                    c.alpha = alpha;
                    c.beta = beta;
                    c.pad = 2;
                    c.offset = 1;
                    c.seed = seed++;
                    check_case(c);
                    if (::testing::Test::HasFailure()) return;
                }
}

// Every bias mode x activation, applied once after the last K block, with k = 0 too.
TEST(Gemm, Epilogues) {
    struct Shape {
        int64_t m, n, k;
    };
    uint32_t seed = 3000;
    for (Shape s : {Shape{1, 1, 1}, Shape{13, 37, 0}, Shape{13, 37, 50}, Shape{100, 70, 800}})
        for (int bias = NN_BIAS_NONE; bias <= NN_BIAS_COL; ++bias)
            for (int act = NN_UNARY_IDENTITY; act <= NN_UNARY_GELU; ++act)
                for (float beta : {0.0f, 0.5f}) {
                    Case c;
                    c.m = s.m;
                    c.n = s.n;
                    c.k = s.k;
                    c.ta = act % 2;
                    c.tb = bias % 2;
                    c.alpha = 0.7f;
                    c.beta = beta;
                    c.pad = 1;
                    c.bias = static_cast<nn_bias_mode>(bias);
                    c.act = static_cast<nn_unary_op>(act);
                    c.seed = seed++;
                    check_case(c);
                    if (::testing::Test::HasFailure()) return;
                }
}

// The pre-packed form is bitwise equal to the unpacked call (small and blocked paths).
TEST(Gemm, PackedEqualsUnpacked) {
    struct Shape {
        int64_t m, n, k;
    };
    uint32_t seed = 4000;
    // 16x128x1100: a fully connected layer's shape (a few rows, a narrow weight over several K
    // blocks), panel-major with A read in place (diabetes_cnn's fc1 at a smaller K).
    for (Shape s : {Shape{1, 1, 1}, Shape{5, 30, 64}, Shape{64, 30, 64}, Shape{97, 131, 385}, Shape{33, 600, 70},
                    Shape{8, 9, 0}, Shape{16, 128, 1100}})
        for (int t = 0; t < 4; ++t)
            for (int epi = 0; epi < 2; ++epi) {
                Case c;
                c.ta = t & 1;
                c.tb = t & 2;
                c.m = s.m;
                c.n = s.n;
                c.k = s.k;
                c.alpha = 0.7f;
                c.beta = epi ? 1.3f : 0.0f;
                c.bias = epi ? NN_BIAS_COL : NN_BIAS_NONE;
                c.act = epi ? NN_UNARY_TANH : NN_UNARY_IDENTITY;
                c.pad = 1;
                c.offset = t % 2;
                c.seed = seed++;
                auto plain = check_case(c);
                auto packed = check_case(c, true);
                ASSERT_EQ(0, std::memcmp(plain.data(), packed.data(), plain.size() * sizeof(float))) << describe(c);
            }
}

// Threads split M and N only: 1 and 2 threads give bitwise equal C.
TEST(Gemm, ThreadsBitwiseEqual) {
    struct Shape {
        int64_t m, n, k;
    };
    uint32_t seed = 5000;
    for (Shape s : {Shape{200, 300, 500}, Shape{31, 1000, 70}, Shape{1000, 31, 70}, Shape{129, 129, 129}})
        for (bool packed : {false, true}) {
            Case c;
            c.m = s.m;
            c.n = s.n;
            c.k = s.k;
            c.tb = packed;
            c.alpha = -1.0f;
            c.beta = 1.3f;
            c.bias = NN_BIAS_ROW;
            c.act = NN_UNARY_GELU;
            c.seed = seed++;
            std::vector<float> one, two;
            {
                nn_test::ThreadScope ts(1);
                one = check_case(c, packed);
            }
            {
                nn_test::ThreadScope ts(2);
                two = check_case(c, packed);
            }
            ASSERT_EQ(0, std::memcmp(one.data(), two.data(), one.size() * sizeof(float))) << describe(c);
        }
}

namespace {
// Overrides the driver's tuning for one scope (tests reach the internals through the static lib).
class TuningScope {
public:
    explicit TuningScope(const nn::gemm::tuning& t) : saved_(nn::gemm::tuning_params()) {
        nn::gemm::tuning_params() = t;
    }
    ~TuningScope() { nn::gemm::tuning_params() = saved_; }

private:
    nn::gemm::tuning saved_;
};
}  // namespace

namespace {
// One case on 1 thread, on 2 threads and with pre-packed B, each against the reference; the three
// must be bitwise equal. Returns the 1-thread C.
std::vector<float> check_threads_and_packing(const Case& c) {
    std::vector<float> one, two, packed;
    {
        nn_test::ThreadScope ts(1);
        one = check_case(c);
    }
    {
        nn_test::ThreadScope ts(2);
        two = check_case(c);
        packed = check_case(c, true);
    }
    EXPECT_EQ(0, std::memcmp(one.data(), two.data(), one.size() * sizeof(float))) << "1 vs 2 threads " << describe(c);
    EXPECT_EQ(0, std::memcmp(one.data(), packed.data(), one.size() * sizeof(float))) << "plain vs packed " << describe(c);
    return one;
}
}  // namespace

// Skinny N (the dot-product kernel): every column count it takes, row counts around its row
// groups (16, 8, 5, 4 rows a group on AVX-512; 8, 4, 2, 2 on AVX2) and the half- and
// quarter-size groups that finish the last rows (12 = 8 + 4, 13 = 8 + 5, 29 = 16 + 8 + 5 at
// n = 1 on AVX-512), K around the vector width (masked tails); against the reference, and
// bitwise equal plain vs packed and 1 vs 2 threads (the threads' row ranges cut the groups
// elsewhere).
TEST(Gemm, SkinnyNRowGroups) {
    nn::gemm::tuning dot_only;  // small k too (the rank-k kernel takes it by default)
    dot_only.rank_k_max_k = dot_only.rank_k_narrow_max_k = 0;
    TuningScope scope(dot_only);
    uint32_t seed = 7000;
    for (int64_t m : {1, 3, 7, 12, 13, 16, 17, 29, 37, 3000})
        for (int64_t n = 1; n <= 4; ++n)
            for (int64_t k : {1, 7, 16, 33})
                for (int variant = 0; variant < 2; ++variant) {
                    Case c;
                    c.m = m;
                    c.n = n;
                    c.k = k;
                    c.tb = variant;
                    c.alpha = variant ? 0.7f : 1.0f;
                    c.beta = variant ? 1.3f : 0.0f;
                    c.bias = static_cast<nn_bias_mode>((m + n + k) % 3);
                    c.act = static_cast<nn_unary_op>((m + k + variant) % 5);
                    c.seed = seed++;
                    check_threads_and_packing(c);
                    if (::testing::Test::HasFailure()) return;
                }
}

// Zero sizes are no-ops that accept null pointers for what they do not touch.
TEST(Gemm, ZeroSizes) {
    float c[4] = {1, 2, 3, 4};
    EXPECT_EQ(nn_sgemm(NN_NO_TRANS, NN_NO_TRANS, 0, 0, 0, 1.0f, nullptr, 1, nullptr, 1, 0.0f, nullptr, 1), NN_OK);
    EXPECT_EQ(nn_sgemm(NN_NO_TRANS, NN_NO_TRANS, 0, 5, 3, 1.0f, nullptr, 3, nullptr, 5, 0.0f, nullptr, 5), NN_OK);
    EXPECT_EQ(nn_sgemm(NN_TRANS, NN_TRANS, 4, 0, 3, 1.0f, nullptr, 4, nullptr, 3, 0.0f, nullptr, 1), NN_OK);
    // k == 0: C = beta * C, A and B untouched.
    EXPECT_EQ(nn_sgemm(NN_NO_TRANS, NN_NO_TRANS, 2, 2, 0, 1.0f, nullptr, 1, nullptr, 2, 2.0f, c, 2), NN_OK)
        << nn_last_error();
    EXPECT_EQ(c[0], 2.0f);
    EXPECT_EQ(c[3], 8.0f);
    EXPECT_EQ(nn_packed_matrix_destroy(nullptr), NN_OK);
}

// Bad arguments: a status and a message naming the argument and the value received.
TEST(Gemm, BadArguments) {
    std::vector<float> a(64, 1.0f), b(64, 1.0f), c(64, 0.0f);
    auto expect_error = [](nn_status s, const char* needle) {
        EXPECT_EQ(s, NN_ERR_INVALID_ARGUMENT);
        EXPECT_NE(std::string(nn_last_error()).find(needle), std::string::npos) << nn_last_error();
    };
    const auto N = NN_NO_TRANS, T = NN_TRANS;
    expect_error(nn_sgemm(N, N, -1, 4, 4, 1, a.data(), 4, b.data(), 4, 0, c.data(), 4), "m=-1");
    expect_error(nn_sgemm(N, N, 4, -2, 4, 1, a.data(), 4, b.data(), 4, 0, c.data(), 4), "n=-2");
    expect_error(nn_sgemm(N, N, 4, 4, -3, 1, a.data(), 4, b.data(), 4, 0, c.data(), 4), "k=-3");
    expect_error(nn_sgemm(N, N, 4, 4, 5, 1, a.data(), 4, b.data(), 4, 0, c.data(), 4), "lda=4");
    expect_error(nn_sgemm(T, N, 6, 4, 4, 1, a.data(), 5, b.data(), 4, 0, c.data(), 4), "lda=5");
    expect_error(nn_sgemm(N, N, 4, 6, 4, 1, a.data(), 4, b.data(), 5, 0, c.data(), 6), "ldb=5");
    expect_error(nn_sgemm(N, T, 4, 4, 6, 1, a.data(), 6, b.data(), 5, 0, c.data(), 4), "ldb=5");
    expect_error(nn_sgemm(N, N, 4, 4, 4, 1, a.data(), 4, b.data(), 4, 0, c.data(), 3), "ldc=3");
    expect_error(nn_sgemm(N, N, 1, 1, 1, 1, a.data(), 1, b.data(), 1, 0, c.data(), 0), "ldc=0");
    expect_error(nn_sgemm(N, N, 4, 4, 4, 1, nullptr, 4, b.data(), 4, 0, c.data(), 4), "a=NULL");
    expect_error(nn_sgemm(N, N, 4, 4, 4, 1, a.data(), 4, nullptr, 4, 0, c.data(), 4), "b=NULL");
    expect_error(nn_sgemm(N, N, 4, 4, 4, 1, a.data(), 4, b.data(), 4, 0, nullptr, 4), "c=NULL");
    expect_error(nn_sgemm(static_cast<nn_transpose>(2), N, 4, 4, 4, 1, a.data(), 4, b.data(), 4, 0, c.data(), 4),
                 "trans_a=2");
    expect_error(nn_sgemm(N, static_cast<nn_transpose>(-1), 4, 4, 4, 1, a.data(), 4, b.data(), 4, 0, c.data(), 4),
                 "trans_b=-1");
    expect_error(nn_sgemm_ex(N, N, 4, 4, 4, 1, a.data(), 4, b.data(), 4, 0, c.data(), 4, nullptr, NN_BIAS_ROW,
                             NN_UNARY_IDENTITY),
                 "bias=NULL");
    expect_error(nn_sgemm_ex(N, N, 4, 4, 4, 1, a.data(), 4, b.data(), 4, 0, c.data(), 4, nullptr,
                             static_cast<nn_bias_mode>(3), NN_UNARY_IDENTITY),
                 "bias_mode=3");
    expect_error(nn_sgemm_ex(N, N, 4, 4, 4, 1, a.data(), 4, b.data(), 4, 0, c.data(), 4, nullptr, NN_BIAS_NONE,
                             static_cast<nn_unary_op>(9)),
                 "activation=9");
    // Packed form: handle checks and k / n consistency.
    nn_packed_matrix* pb = nullptr;
    expect_error(nn_sgemm_pack_b(N, 4, 4, b.data(), 4, nullptr), "out=NULL");
    expect_error(nn_sgemm_pack_b(N, 4, 4, b.data(), 3, &pb), "ldb=3");
    EXPECT_EQ(pb, nullptr);
    expect_error(nn_sgemm_pack_b(N, -1, 4, b.data(), 4, &pb), "k=-1");
    ASSERT_EQ(nn_sgemm_pack_b(N, 4, 4, b.data(), 4, &pb), NN_OK) << nn_last_error();
    expect_error(nn_sgemm_packed(N, 4, 4, 5, 1, a.data(), 5, pb, 0, c.data(), 4, nullptr, NN_BIAS_NONE, NN_UNARY_IDENTITY),
                 "k=5");
    expect_error(nn_sgemm_packed(N, 4, 3, 4, 1, a.data(), 4, pb, 0, c.data(), 4, nullptr, NN_BIAS_NONE, NN_UNARY_IDENTITY),
                 "n=3");
    expect_error(nn_sgemm_packed(N, 4, 4, 4, 1, a.data(), 4, nullptr, 0, c.data(), 4, nullptr, NN_BIAS_NONE,
                                 NN_UNARY_IDENTITY),
                 "packed_b=NULL");
    expect_error(nn_sgemm_packed(N, 4, 4, 4, 1, a.data(), 4, pb, 0, c.data(), 4, nullptr, NN_BIAS_COL, NN_UNARY_IDENTITY),
                 "bias=NULL");
    nn_packed_matrix_destroy(pb);
}


// Every driver path on small sizes: all operands packed or read in place, the panel-major order
// for short M ranges (B panels packed or in place), tiny K and N blocks (many blocks, uneven
// last ones), each with transposes, beta, epilogues and packed B, on 2 threads.
TEST(Gemm, BlockingVariants) {
    struct Variant {
        const char* name;
        int64_t small, a_cols, b_rows, kc, nc, per_thread;
        int64_t panel_rows = 0, panel_b_bytes = 0;  // panel-major M ranges, its B read in place
        int64_t dot_n = 0;                          // skinny N on dot products
        int64_t rank_k = 0, rank_k_elems = 0;       // small K on rank-k updates, work a thread
        int64_t panel_pack_cols = nn::gemm::tuning{}.panel_pack_cols;  // panel-major B packed this wide
        int64_t panel_a_cols = nn::gemm::tuning{}.panel_a_in_place_max_cols;  // ... A in place up to
        int64_t panel_stream = 0;  // panel-major B larger than panel_b_bytes streamed in place up to
                                   // this many micro-panels
        int64_t panel_b_panels = nn::gemm::tuning{}.panel_b_in_place_max_panels;  // ... B within
                                   // panel_b_bytes read in place up to this many micro-panels
        int64_t narrow_k = 0;      // narrow N (n <= NR) on row groups up to this K
    };
    const int64_t big = int64_t{1} << 40;
    const Variant variants[] = {
        {"all packed", 0, 0, 0, 16, 64, 1 << 10},
        {"all in place", big, 0, 0, 16, 64, 1 << 10},
        {"A in place, B packed", 0, big, 0, 24, 32, 1 << 10},
        {"A packed, B in place", 0, 0, big, 7, 96, 1 << 10},
        {"panel-major, B panels packed", 0, 0, 0, 16, 64, 1 << 10, big, 0},
        {"panel-major, B packed 2 panels at a time", 0, 0, 0, 16, 64, 1 << 10, big, 0, 0, 0, 0, 64},
        {"panel-major, B packed 1 panel at a time", 0, 0, 0, 7, 96, 1 << 10, big, 0, 0, 0, 0, 1},
        {"panel-major, A packed", 0, 0, 0, 16, 64, 1 << 10, big, 0, 0, 0, 0, 64, 0},
        {"panel-major, A packed, B in place", 0, 0, 0, 7, 96, 1 << 10, big, big, 0, 0, 0, 64, 0},
        {"panel-major, A in place up to 2 panels", 0, big, 0, 16, 64, 1 << 10, big, 0, 0, 0, 0, 64, 64},
        {"panel-major, B in place", 0, 0, 0, 7, 96, 1 << 10, big, big},
        {"panel-major, B streamed in place", 0, 0, 0, 16, 64, 1 << 10, big, 0, 0, 0, 0, 64, 0, big},
        {"panel-major, cached B in place up to 2 micro-panels", 0, 0, 0, 7, 96, 1 << 10, big, big, 0, 0, 0, 64, 0, 0, 2},
        {"skinny N on dot products", 0, 0, 0, 16, 64, 1 << 10, 0, 0, 4},
        {"small K on rank-k updates", 0, 0, 0, 16, 64, 1 << 10, 0, 0, 0, 8, 64},
        {"narrow N on row groups", 0, 0, 0, 16, 64, 1 << 10, 0, 0, 0, 0, 0, nn::gemm::tuning{}.panel_pack_cols,
         nn::gemm::tuning{}.panel_a_in_place_max_cols, 0, nn::gemm::tuning{}.panel_b_in_place_max_panels, big},
    };
    uint32_t seed = 6000;
    for (const auto& v : variants) {
        nn::gemm::tuning t;
        t.small_work = v.small;
        t.a_in_place_max_cols = v.a_cols;
        t.b_in_place_max_rows = v.b_rows;
        t.kc = v.kc;
        t.nc = v.nc;
        t.work_per_thread = v.per_thread;
        t.panel_major_max_rows = v.panel_rows;
        t.panel_b_in_place_max_bytes = v.panel_b_bytes;
        t.dot_max_n = v.dot_n;
        t.rank_k_max_k = t.rank_k_narrow_max_k = v.rank_k;
        t.rank_k_work_per_thread = v.rank_k_elems;
        t.panel_pack_cols = v.panel_pack_cols;
        t.panel_a_in_place_max_cols = v.panel_a_cols;
        t.panel_b_stream_max_panels = v.panel_stream;
        t.panel_b_in_place_max_panels = v.panel_b_panels;
        t.narrow_max_k = t.narrow_wide_max_k = v.narrow_k;
        t.dot_a_floats_per_thread = v.per_thread / 16;  // dot products threaded on these small shapes too
        TuningScope scope(t);
        nn_test::ThreadScope threads(2);
        for (int64_t m : {1, 13, 40})
            for (int64_t n : {1, 3, 17, 70, 130})
                for (int64_t k : {0, 1, 5, 16, 41})
                    for (int tr = 0; tr < 4; ++tr) {
                        Case c;
                        c.ta = tr & 1;
                        c.tb = tr & 2;
                        c.m = m;
                        c.n = n;
                        c.k = k;
                        c.alpha = (tr == 1) ? -1.0f : 0.7f;
                        c.beta = (tr == 2) ? 1.3f : 0.0f;
                        c.bias = static_cast<nn_bias_mode>((m + n + k) % 3);
                        c.act = static_cast<nn_unary_op>((m + k + tr) % 5);
                        c.pad = tr % 2;
                        c.offset = (n + tr) % 2;
                        c.seed = seed++;
                        auto plain = check_case(c);
                        auto packed = check_case(c, true);
                        ASSERT_EQ(0, std::memcmp(plain.data(), packed.data(), plain.size() * sizeof(float)))
                            << v.name << " " << describe(c);
                        if (::testing::Test::HasFailure()) {
                            ADD_FAILURE() << "variant: " << v.name;
                            return;
                        }
                    }
    }
}

namespace {
// An m x n x k case in variant tr (0..3) of A's layout, alpha, beta, bias, activation, row
// padding and offset (each varies with tr and the sizes); B transposed when tb.
Case varied_case(int64_t m, int64_t n, int64_t k, int tr, bool tb, uint32_t seed) {
    Case c;
    c.ta = tr & 1;
    c.tb = tb;
    c.m = m;
    c.n = n;
    c.k = k;
    c.alpha = tr == 1 ? -1.0f : tr == 3 ? 0.7f : 1.0f;
    c.beta = (tr + k) % 2 ? 1.3f : 0.0f;
    c.bias = static_cast<nn_bias_mode>((m + n + k) % 3);
    c.act = static_cast<nn_unary_op>((m + k + tr) % 5);
    c.pad = tr % 2;
    c.offset = (n + tr) % 2;
    c.seed = seed;
    return c;
}

// c under tuning `on` against the reference (1 and 2 threads, pre-packed B), and bitwise equal to
// the same case under `off` (the micro-tiles) on 1 thread. False once anything failed.
bool matches_tiles(const Case& c, const nn::gemm::tuning& on, const nn::gemm::tuning& off) {
    std::vector<float> tiles;
    {
        TuningScope scope(off);
        nn_test::ThreadScope ts(1);
        tiles = check_case(c);
    }
    TuningScope scope(on);
    const std::vector<float> one = check_threads_and_packing(c);
    if (::testing::Test::HasFailure()) return false;
    EXPECT_EQ(0, std::memcmp(one.data(), tiles.data(), one.size() * sizeof(float))) << describe(c);
    return !::testing::Test::HasFailure();
}
}  // namespace

// Small K (the rank-k kernel): every k it takes, row counts around its row groups (4, 2, 1 rows on
// AVX-512 and AVX2) and column counts around its steps (1, 2, 4 vectors and the masked tail), every
// layout and epilogue, against the reference; bitwise equal to the micro-tiles on the same inputs
// (same order of operations per element), to itself on 2 threads (row and column splits) and
// with pre-packed B.
TEST(Gemm, SmallKRankK) {
    nn::gemm::tuning on, off;
    on.rank_k_max_k = nn::gemm::kRankKMaxK;
    on.rank_k_work_per_thread = 64;  // 2 threads on all but the smallest shapes
    on.rank_k_narrow_max_k = nn::gemm::kRankKMaxK;
    off.rank_k_max_k = off.rank_k_narrow_max_k = 0;
    off.dot_max_n = 0;
    off.strip_small_k_max_k = 0;
    off.narrow_max_k = off.narrow_wide_max_k = 0;
    uint32_t seed = 9000;
    for (int64_t k = 1; k <= nn::gemm::kRankKMaxK; ++k)
        for (int64_t m : {1, 3, 6, 9, 130})
            for (int64_t n : {1, 5, 16, 40, 71, 200})
                for (int tr = 0; tr < 4; ++tr)
                    if (!matches_tiles(varied_case(m, n, k, tr, tr & 2, seed++), on, off)) return;
    // Rows longer than one column block (1024 columns at k = 8) with C off the vector grid: each
    // row's blocks shifted by its masked head.
    for (int tr = 0; tr < 4; ++tr)
        if (!matches_tiles(varied_case(3, 1100, 8, tr, tr & 2, seed++), on, off)) return;
}

// Narrow N (the narrow-N kernel, n <= NR): column counts up to one vector (AVX-512 16, AVX2 8)
// and up to two (32, 16), with and without the masked tail, row counts around its groups of 8
// (4 for two vectors on AVX2; 5 = 4 + 1, 15 = 8 + 4 + 2 + 1, 130 = 16 groups + 2), K from just
// above the rank-k update's to several K blocks (later blocks accumulate onto C), every A and B
// layout and epilogue, against the reference; bitwise equal to the micro-tiles on the same
// inputs, to itself on 2 threads (row split) and with pre-packed B (which runs on the tiles).
TEST(Gemm, NarrowNRowGroups) {
    nn::gemm::tuning on, off;
    on.narrow_max_k = on.narrow_wide_max_k = int64_t{1} << 40;
    on.work_per_thread = 1 << 10;  // 2 threads on all but the smallest shapes
    on.small_work = 0;
    on.kc = 24;  // two and three K blocks at k = 33 and 64
    on.dot_max_n = 0;  // n <= 4 on the narrow kernel too
    off = on;
    off.narrow_max_k = off.narrow_wide_max_k = 0;
    uint32_t seed = 17000;
    for (int64_t m : {5, 8, 15, 130})
        for (int64_t n : {1, 3, 7, 8, 13, 16, 17, 24, 31, 32})
            for (int64_t k : {9, 24, 33, 64})
                for (int tr = 0; tr < 4; ++tr)
                    if (!matches_tiles(varied_case(m, n, k, tr, tr & 2, seed++), on, off)) return;
}

// Small M (the row-strip kernel): every row count it takes, column counts around its strips (at
// most 24, 12, 8, 6 vectors for 1-4 rows on AVX-512; 12, 6, 4, 2 on AVX2), the last strip of any
// width up to that, with and without a masked last vector (33, 64, 767 = 384 + 383), K across a K block
// boundary (later blocks accumulate onto C), every layout and epilogue, against the reference;
// bitwise equal to the micro-tiles on the same inputs, to itself on 2 threads (column split) and
// with pre-packed B (which runs on the tiles).
TEST(Gemm, SmallMRowStrips) {
    nn::gemm::tuning on, off;
    on.strip_max_rows = nn::gemm::kStripMaxRows;
    on.work_per_thread = 1 << 10;  // 2 threads on all but the smallest shapes
    on.small_work = 0;
    on.kc = 64;  // several K blocks at k = 130
    on.rank_k_max_k = on.rank_k_narrow_max_k = 0;  // k = 1 and 9 on the strips too
    off = on;
    off.strip_max_rows = 0;
    off.strip_small_k_max_k = 0;
    off.narrow_max_k = off.narrow_wide_max_k = 0;
    uint32_t seed = 11000;
    for (int64_t m = 1; m <= nn::gemm::kStripMaxRows; ++m)
        for (int64_t n : {5, 8, 23, 33, 48, 64, 100, 397, 767})
            for (int64_t k : {1, 9, 64, 130})
                for (int tr = 0; tr < 4; ++tr)  // B row-major: transposed B is packed, the tiles' path
                    if (!matches_tiles(varied_case(m, n, k, tr, false, seed++), on, off)) return;
}

// Small K on row strips (more rows than one strip): row counts around the groups of 4 (5 = 4 + 1,
// 130 = 32 groups + 2), column counts around the column blocks the groups share (96 wide and more,
// 1000 crossing a block at k = 9) and the strips' masked last vectors, K across K blocks (later
// blocks accumulate onto C), A in either layout, every epilogue; against the reference, bitwise
// equal to the micro-tiles, to itself on 2 threads (column split below 8 row groups, row split
// above) and with pre-packed B (which runs on the tiles).
TEST(Gemm, SmallKRowStrips) {
    nn::gemm::tuning on, off;
    on.rank_k_max_k = on.rank_k_narrow_max_k = 0;
    on.dot_max_n = 0;
    on.work_per_thread = 1 << 10;  // 2 threads on all but the smallest shapes
    on.small_work = 0;
    on.kc = 24;  // two and three K blocks at k = 33 and 64
    on.strip_small_k_max_k = 64;
    on.strip_small_k_min_n = 40;
    off = on;
    off.strip_small_k_max_k = 0;
    off.narrow_max_k = off.narrow_wide_max_k = 0;
    uint32_t seed = 15000;
    for (int64_t m : {5, 7, 9, 13, 130})
        for (int64_t n : {40, 47, 96, 97, 300, 1000})
            for (int64_t k : {5, 9, 33, 64})
                for (int tr = 0; tr < 4; ++tr)  // B row-major: transposed B is packed, the tiles' path
                    if (!matches_tiles(varied_case(m, n, k, tr, false, seed++), on, off)) return;
}
