// bfloat16: conversions bitwise against the scalar reference on every path this CPU runs, and
// the bf16 GEMM against the double-precision SGEMM reference computed on bf16-rounded operands.
// Under avx512_bf16 with vdpbf16ps products (NATIVENET_BF16_DOT=1, or the probe) the GEMM runs its
// vdpbf16ps micro-kernel; on AVX-512 otherwise the float32 micro-kernel on B as bf16 pairs; under
// avx2 or lower the rounded operands through the float32 SGEMM. All must pass the same checks.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../kernels/common/bf16_convert.h"
#include "bf16/bf16.h"
#include "gemm/gemm.h"
#include "test_util.h"

namespace {

using nn::bf16::convert_impl::to_bf16;
using nn::bf16::convert_impl::to_f32;

uint32_t bits(float x) {
    uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}
float from_bits(uint32_t u) {
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

// The conversion tables this CPU can run, whatever the cap (every one must agree bit for bit).
std::vector<const nn::bf16::kernels*> runnable_tables() {
    std::vector<const nn::bf16::kernels*> t = {&nn::bf16::ref_kernels};
    const nn_isa best = nn::cpu_features().best_isa;
    const bool x86 = best == NN_ISA_AVX2 || best == NN_ISA_AVX512 || best == NN_ISA_AVX512_BF16;
    if (x86 && nn::bf16::avx2_kernels()) t.push_back(nn::bf16::avx2_kernels());
    if ((best == NN_ISA_AVX512 || best == NN_ISA_AVX512_BF16) && nn::bf16::avx512_kernels())
        t.push_back(nn::bf16::avx512_kernels());
    if (best == NN_ISA_AVX512_BF16 && nn::bf16::avx512_bf16_kernels()) t.push_back(nn::bf16::avx512_bf16_kernels());
    return t;
}

// Random bit patterns (every exponent, NaNs, infinities, subnormals) plus the edge cases.
std::vector<float> hard_floats(uint32_t seed, size_t n) {
    std::mt19937 rng(seed);
    std::vector<float> v;
    for (uint32_t u : {0x00000000u, 0x80000000u, 0x3F800000u, 0x3F808000u, 0x3F818000u, 0x3F808001u, 0x3F80FFFFu,
                       0x7F7FFFFFu, 0x7F7F7FFFu, 0x7F7F8000u, 0x7F800000u, 0xFF800000u, 0x7F800001u, 0xFF800001u,
                       0x7FC00000u, 0xFFFFFFFFu, 0x00000001u, 0x00008000u, 0x00018000u, 0x807FFFFFu})
        v.push_back(from_bits(u));
    while (v.size() < n) v.push_back(from_bits(rng()));
    return v;
}

}  // namespace

TEST(Bf16, ConversionKnownValues) {
    // Ties go to the even bf16; past the largest bf16 is infinity; NaN stays a quiet NaN.
    EXPECT_EQ(to_bf16(1.0f), 0x3F80);
    EXPECT_EQ(to_bf16(from_bits(0x3F808000u)), 0x3F80);  // tie, even below
    EXPECT_EQ(to_bf16(from_bits(0x3F818000u)), 0x3F82);  // tie, even above
    EXPECT_EQ(to_bf16(from_bits(0x3F808001u)), 0x3F81);  // just past the tie
    EXPECT_EQ(to_bf16(from_bits(0x7F7FFFFFu)), 0x7F80);  // FLT_MAX rounds to +inf
    EXPECT_EQ(to_bf16(from_bits(0x7F800001u)), 0x7FC0);  // signalling NaN: quiet, not inf
    EXPECT_EQ(to_bf16(from_bits(0xFF800001u)), 0xFFC0);
    EXPECT_EQ(to_bf16(from_bits(0x80000000u)), 0x8000);  // -0 kept
    EXPECT_EQ(to_bf16(from_bits(0x00018000u)), 0x0002);  // subnormal tie rounds, not flushed
    EXPECT_EQ(to_bf16(from_bits(0x00008000u)), 0x0000);
    EXPECT_EQ(bits(to_f32(0xC0A0)), 0xC0A00000u);
}

TEST(Bf16, EveryPathConvertsBitwiseLikeTheReference) {
    const std::vector<float> x = hard_floats(7, 4099);  // odd length: every tail
    for (const nn::bf16::kernels* k : runnable_tables()) {
        for (int64_t n : {int64_t{1}, int64_t{15}, int64_t{16}, int64_t{17}, int64_t{33}, static_cast<int64_t>(x.size())}) {
            std::vector<uint16_t> y(static_cast<size_t>(n) + 1, 0xABCD);
            k->to_bf16(x.data(), y.data(), n);
            for (int64_t i = 0; i < n; ++i)
                ASSERT_EQ(y[i], to_bf16(x[i])) << k->isa << " n=" << n << " i=" << i << " bits=" << std::hex << bits(x[i]);
            EXPECT_EQ(y[n], 0xABCD) << k->isa << ": wrote past n=" << n;
        }
        // round: the same rounding as a float, in place and into another array.
        for (int64_t n : {int64_t{1}, int64_t{15}, int64_t{17}, static_cast<int64_t>(x.size())}) {
            std::vector<float> y(static_cast<size_t>(n) + 1, 7.0f), z(x.begin(), x.begin() + n);
            k->round(x.data(), y.data(), n);
            k->round(z.data(), z.data(), n);
            for (int64_t i = 0; i < n; ++i) {
                ASSERT_EQ(bits(y[i]), bits(to_f32(to_bf16(x[i])))) << k->isa << " n=" << n << " i=" << i;
                ASSERT_EQ(bits(z[i]), bits(y[i])) << k->isa << " in place, n=" << n << " i=" << i;
            }
            EXPECT_EQ(y[n], 7.0f) << k->isa << ": rounded past n=" << n;
        }
        // Every bf16 widens exactly and converts back to itself (a NaN comes back quiet).
        std::vector<uint16_t> all(65536), back(65536);
        for (uint32_t h = 0; h < 65536; ++h) all[h] = static_cast<uint16_t>(h);
        std::vector<float> wide(65536);
        k->to_f32(all.data(), wide.data(), 65536);
        k->to_bf16(wide.data(), back.data(), 65536);
        for (uint32_t h = 0; h < 65536; ++h) {
            ASSERT_EQ(bits(wide[h]), h << 16) << k->isa;
            const bool nan = (h & 0x7F80) == 0x7F80 && (h & 0x7F) != 0;
            ASSERT_EQ(back[h], nan ? (h | 0x40) : h) << k->isa << " h=" << std::hex << h;
        }
    }
}

TEST(Bf16, ConversionEntryPointsValidate) {
    std::vector<float> x = {1.5f, -2.25f, 3.0e38f};
    std::vector<uint16_t> y(3);
    ASSERT_EQ(nn_f32_to_bf16(x.data(), y.data(), 3), NN_OK);
    EXPECT_EQ(y[0], 0x3FC0);
    std::vector<float> z(3);
    ASSERT_EQ(nn_bf16_to_f32(y.data(), z.data(), 3), NN_OK);
    EXPECT_EQ(z[1], -2.25f);
    EXPECT_EQ(nn_f32_to_bf16(nullptr, y.data(), 3), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("x"), std::string::npos);
    EXPECT_EQ(nn_bf16_to_f32(y.data(), z.data(), -1), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("n=-1"), std::string::npos);
    EXPECT_EQ(nn_f32_to_bf16(nullptr, nullptr, 0), NN_OK);
}

TEST(Bf16, GemmRunsNativeExactlyWhenTheCapAndTheChoiceAdmitBf16) {
    const bool available = nn::active_isa() == NN_ISA_AVX512_BF16 && nn::bf16::avx512_bf16_kernels() != nullptr;
    const nn::bf16::products_choice_t& choice = nn::bf16::products_choice();
    const char* env = std::getenv("NATIVENET_BF16_DOT");
    const std::string dot_env = env ? env : "";
    bool want = false;
    if (available && dot_env == "1") {
        want = true;
    } else if (available && dot_env != "0") {
        // Measured: the choice must be the rule applied to a real measurement.
        EXPECT_GT(choice.speedup, 0.0) << choice.reason;
        want = choice.speedup >= nn::bf16::kDotMinSpeedup;
    }
    EXPECT_EQ(choice.dot, want) << choice.reason;
    EXPECT_EQ(nn_bf16_gemm_native(), want ? 1 : 0) << "isa=" << nn_test::active_isa_name() << " " << choice.reason;
    EXPECT_EQ(nn::bf16::active().winograd_gemm != nullptr, want) << nn::bf16::active().isa;
    // The bf16 micro-kernels: vdpbf16ps, or on AVX-512 float32 FMAs on B kept as bf16 pairs.
    const bool avx512 = nn::active_isa() == NN_ISA_AVX512 || nn::active_isa() == NN_ISA_AVX512_BF16;
    const bool pairs = avx512 && (want || nn::bf16::avx512_kernels() != nullptr);
    EXPECT_EQ(nn::bf16::active().tile != nullptr, pairs) << nn::bf16::active().isa;
    // A as bf16 pairs for vdpbf16ps, as rounded floats for the float32 micro-kernel.
    EXPECT_EQ(nn::bf16::active().a_words, pairs && !want ? 2 : 1) << nn::bf16::active().isa;
    // The packed layouts ask the same table: bf16 pairs for either micro-kernel, else rounded floats.
    const std::vector<float> w = nn_test::random_vector(64 * 48, 5);
    const nn::bf16::packed_b pb(false, 64, 48, w.data(), 48);
    EXPECT_EQ(pb.f32 == nullptr, pairs);
    EXPECT_EQ(nn::bf16::packed_a(16, 64, nullptr).row_align() > 1, pairs);
    const std::string reason = nn_bf16_products();
    EXPECT_EQ(reason, choice.reason);
    EXPECT_EQ(reason.rfind(want ? "vdpbf16ps" : "float32 kernels", 0), 0u) << reason;
}

namespace {
int g_probe_calls = 0;
double probe_twice() { return ++g_probe_calls, 2.1; }
double probe_half() { return ++g_probe_calls, 0.49; }
double probe_at_threshold() { return ++g_probe_calls, nn::bf16::kDotMinSpeedup; }
double probe_just_below() { return ++g_probe_calls, nn::bf16::kDotMinSpeedup - 0.01; }
}  // namespace

TEST(Bf16Products, RuleTakesTheOverrideThenTheMeasuredRate) {
    using nn::bf16::decide_products;
    g_probe_calls = 0;
    // Without the instructions nothing forces them, and nothing is measured.
    EXPECT_FALSE(decide_products(false, "1", &probe_twice).dot);
    EXPECT_FALSE(decide_products(false, nullptr, &probe_twice).dot);
    // The override both ways, whatever the probe would say.
    EXPECT_TRUE(decide_products(true, "1", &probe_half).dot);
    EXPECT_FALSE(decide_products(true, "0", &probe_twice).dot);
    EXPECT_EQ(g_probe_calls, 0);
    // Unset or any other value: the measured rate against the threshold.
    const nn::bf16::products_choice_t zen = decide_products(true, nullptr, &probe_twice);
    EXPECT_TRUE(zen.dot);
    EXPECT_EQ(zen.speedup, 2.1);
    EXPECT_NE(std::string(zen.reason).find("2.10x"), std::string::npos) << zen.reason;
    const nn::bf16::products_choice_t emr = decide_products(true, "", &probe_half);
    EXPECT_FALSE(emr.dot);
    EXPECT_NE(std::string(emr.reason).find("0.49x"), std::string::npos) << emr.reason;
    EXPECT_TRUE(decide_products(true, "yes", &probe_at_threshold).dot);
    EXPECT_FALSE(decide_products(true, nullptr, &probe_just_below).dot);
    EXPECT_EQ(g_probe_calls, 4);
}

TEST(Bf16Products, ProbeMeasuresARateOnCpusWithVdpbf16ps) {
    if (nn::cpu_features().best_isa != NN_ISA_AVX512_BF16 || !nn::bf16::avx512_bf16_kernels())
        GTEST_SKIP() << "no AVX512_BF16 on this CPU or in this build";
    // Any core we know lies between a quarter and four times the FMA rate; 0 means the probe failed.
    const double r = nn::bf16::measure_dot_speedup();
    EXPECT_GT(r, 0.25);
    EXPECT_LT(r, 4.0);
}

namespace {

struct GemmCase {
    int64_t m, n, k;
    bool ta, tb;
    float alpha = 1.0f, beta = 0.0f;
    int bias = NN_BIAS_NONE, act = NN_UNARY_IDENTITY;
};

std::string describe(const GemmCase& c) {
    return "m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) + " k=" + std::to_string(c.k) +
           " ta=" + std::to_string(c.ta) + " tb=" + std::to_string(c.tb) + " beta=" + std::to_string(c.beta) +
           " bias=" + std::to_string(c.bias) + " act=" + std::to_string(c.act) + " isa=" + nn_test::active_isa_name();
}

std::vector<float> rounded(const std::vector<float>& x) {
    std::vector<float> r(x.size());
    for (size_t i = 0; i < x.size(); ++i) r[i] = to_f32(to_bf16(x[i]));
    return r;
}

// Runs the case through the packed and the unpacked entry point (bitwise equal to each other)
// and, unless told not to, checks against the reference on rounded operands. Returns C.
std::vector<float> check_gemm(const GemmCase& c, uint32_t seed, bool against_reference = true) {
    const int64_t lda = c.ta ? c.m + 1 : c.k + 3, ldb = c.tb ? c.k + 2 : c.n + 1, ldc = c.n + 5;
    const std::vector<float> a = nn_test::random_vector((c.ta ? c.k : c.m) * lda + 1, seed);
    const std::vector<float> b = nn_test::random_vector((c.tb ? c.n : c.k) * ldb + 1, seed + 1);
    const std::vector<float> bias = nn_test::random_vector(std::max(c.m, c.n) + 1, seed + 2);
    const std::vector<float> c0 = nn_test::random_vector(c.m * ldc + 1, seed + 3);
    const nn_transpose ta = c.ta ? NN_TRANS : NN_NO_TRANS, tb = c.tb ? NN_TRANS : NN_NO_TRANS;
    const auto mode = static_cast<nn_bias_mode>(c.bias);
    const auto act = static_cast<nn_unary_op>(c.act);

    std::vector<float> got = c0, got_packed = c0, want = c0;
    EXPECT_EQ(nn_bf16_gemm(ta, tb, c.m, c.n, c.k, c.alpha, a.data(), lda, b.data(), ldb, c.beta, got.data(), ldc,
                           bias.data(), mode, act),
              NN_OK)
        << nn_last_error();
    nn_bf16_matrix* pb = nullptr;
    EXPECT_EQ(nn_bf16_pack_b(tb, c.k, c.n, b.data(), ldb, &pb), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_bf16_gemm_packed(ta, c.m, c.n, c.k, c.alpha, a.data(), lda, pb, c.beta, got_packed.data(), ldc,
                                  bias.data(), mode, act),
              NN_OK)
        << nn_last_error();
    nn_bf16_matrix_destroy(pb);
    EXPECT_EQ(std::memcmp(got.data(), got_packed.data(), got.size() * sizeof(float)), 0) << describe(c);
    if (!against_reference) return got;

    const std::vector<float> ar = rounded(a), br = rounded(b);
    nn::gemm::epilogue ep{c.bias == NN_BIAS_NONE ? nullptr : bias.data(), static_cast<nn::gemm::bias_mode>(c.bias),
                          static_cast<nn::gemm::activation>(c.act)};
    nn::gemm::sgemm_ref(c.ta, c.tb, c.m, c.n, c.k, c.alpha, ar.data(), lda, br.data(), ldb, c.beta, want.data(), ldc, ep);
    // bf16 products are exact in float32; what remains is float32 summation over k terms of
    // magnitude <= 1 against double. Skipping the rounding of either operand errs by ~2^-9 per
    // term, far above this bound.
    const float atol = 4e-7f * static_cast<float>(c.k + 2) + 1e-6f;
    EXPECT_TRUE(nn_test::all_close(got.data(), want.data(), static_cast<int64_t>(got.size()), 1e-5f, atol, describe(c)));
    return got;
}

}  // namespace

TEST(Bf16, GemmMatchesReferenceOnRoundedOperands) {
    uint32_t seed = 100;
    // Every edge tile (m, n around 12 and 32), odd k (a padded pair), k past the K block.
    for (int64_t m : {1, 5, 12, 13, 31})
        for (int64_t n : {1, 17, 32, 33, 70})
            for (int64_t k : {1, 2, 7, 64, 515})
                for (int t = 0; t < 4; ++t) {
                    GemmCase c{m, n, k, (t & 1) != 0, (t & 2) != 0};
                    check_gemm(c, seed++);
                    if (::testing::Test::HasFailure()) return;
                }
    for (int64_t k : {1030, 1537}) check_gemm(GemmCase{29, 45, k, false, false}, seed++);
}

TEST(Bf16, GemmEpiloguesAndScaling) {
    uint32_t seed = 500;
    for (int bias : {NN_BIAS_NONE, NN_BIAS_ROW, NN_BIAS_COL})
        for (int act = NN_UNARY_IDENTITY; act <= NN_UNARY_GELU; ++act) {
            GemmCase c{25, 40, 33, false, true, 0.75f, act % 2 ? 0.5f : 0.0f, bias, act};
            check_gemm(c, seed++);
        }
    // k == 0 and alpha == 0: C = act(beta * C + bias), neither operand read.
    check_gemm(GemmCase{7, 9, 0, false, false, 1.0f, 2.0f, NN_BIAS_COL, NN_UNARY_RELU}, seed++);
    check_gemm(GemmCase{7, 9, 5, true, false, 0.0f, 1.0f, NN_BIAS_ROW, NN_UNARY_IDENTITY}, seed++);
}

TEST(Bf16, GemmThreadCountDoesNotChangeTheResult) {
    // Large enough to split over threads by rows (tall) and by columns (wide); the last two pack
    // B on two threads (k * n >= 2^18), over two K blocks, with a partial last panel.
    for (GemmCase c : {GemmCase{300, 200, 600, false, false}, GemmCase{24, 700, 300, true, true},
                       GemmCase{40, 515, 701, false, false}, GemmCase{13, 515, 701, true, true}}) {
        std::vector<float> one, two;
        {
            nn_test::ThreadScope t(1);
            one = check_gemm(c, 900);
        }
        {  // same operands: the reference has already been checked on one thread
            nn_test::ThreadScope t(2);
            two = check_gemm(c, 900, false);
        }
        EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)), 0) << describe(c);
    }
}

TEST(Bf16, GemmEntryPointsValidate) {
    std::vector<float> a(64, 1.0f), b(64, 1.0f), c(64);
    nn_bf16_matrix* pb = nullptr;
    EXPECT_EQ(nn_bf16_pack_b(NN_NO_TRANS, 4, 4, b.data(), 4, nullptr), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("out"), std::string::npos);
    EXPECT_EQ(nn_bf16_pack_b(NN_NO_TRANS, 4, 4, b.data(), 3, &pb), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("ldb=3"), std::string::npos);
    ASSERT_EQ(nn_bf16_pack_b(NN_NO_TRANS, 4, 4, b.data(), 4, &pb), NN_OK);
    EXPECT_EQ(nn_bf16_gemm_packed(NN_NO_TRANS, 4, 4, 5, 1.0f, a.data(), 5, pb, 0.0f, c.data(), 4, nullptr, NN_BIAS_NONE,
                                  NN_UNARY_IDENTITY),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("k=5"), std::string::npos);
    EXPECT_EQ(nn_bf16_gemm_packed(NN_NO_TRANS, 4, 4, 4, 1.0f, a.data(), 4, nullptr, 0.0f, c.data(), 4, nullptr,
                                  NN_BIAS_NONE, NN_UNARY_IDENTITY),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_bf16_gemm_packed(NN_NO_TRANS, 4, 4, 4, 1.0f, a.data(), 4, pb, 0.0f, c.data(), 4, nullptr,
                                  static_cast<nn_bias_mode>(7), NN_UNARY_IDENTITY),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("bias_mode=7"), std::string::npos);
    EXPECT_EQ(nn_bf16_gemm(NN_NO_TRANS, NN_NO_TRANS, 4, 4, 4, 1.0f, a.data(), 4, nullptr, 4, 0.0f, c.data(), 4,
                           nullptr, NN_BIAS_NONE, NN_UNARY_IDENTITY),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("b"), std::string::npos);
    nn_bf16_matrix_destroy(pb);
    EXPECT_EQ(nn_bf16_matrix_destroy(nullptr), NN_OK);
}

TEST(Bf16, PackedAGivesTheBitsOfThePerCallPacking) {
    // A packed once (a convolution's weights), rows taken from an offset, B transposed or not,
    // k over one and several K blocks: bitwise equal to nn_bf16_gemm on the same operands.
    uint32_t seed = 1200;
    for (int64_t k : {1, 7, 64, 515, 1030})
        for (bool tb : {false, true}) {
            const int64_t M = 41, n = 70, ldb = tb ? k + 2 : n + 1, ldc = n + 3;
            const std::vector<float> a = nn_test::random_vector(M * k, seed++);
            const std::vector<float> b = nn_test::random_vector((tb ? n : k) * ldb, seed++);
            const std::vector<float> bias = nn_test::random_vector(M, seed++);
            std::vector<float> storage(static_cast<size_t>(nn::bf16::packed_a::storage_floats(M, k)) + 1, -3.0f);
            nn::bf16::packed_a pa(M, k, storage.data());
            pa.pack(false, a.data(), k);
            const int64_t row0 = pa.row_align() * 2, m = M - row0;
            const nn::gemm::epilogue ep{bias.data() + row0, nn::gemm::bias_mode::per_row, nn::gemm::activation::relu};
            std::vector<float> got(static_cast<size_t>(m * ldc), -5.0f), want = got;
            nn::bf16::gemm_packed_a(pa, row0, m, tb, n, b.data(), ldb, got.data(), ldc, ep);
            ASSERT_EQ(nn_bf16_gemm(NN_NO_TRANS, tb ? NN_TRANS : NN_NO_TRANS, m, n, k, 1.0f, a.data() + row0 * k, k, b.data(),
                                   ldb, 0.0f, want.data(), ldc, bias.data() + row0, NN_BIAS_ROW, NN_UNARY_RELU),
                      NN_OK);
            EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float)))
                << "k=" << k << " tb=" << tb << " isa=" << nn_test::active_isa_name();
        }
}

// The two micro-kernels on B as bf16 pairs take the same operands: the float32 one (AVX-512 without
// vdpbf16ps products) adds the exact products in increasing k from zero with FMAs, so it equals
// that sum written out in scalar code bit for bit; the vdpbf16ps one sums the same products in
// another order (and pairs), so it agrees with it within float32's summation bound, 4e-7 (k + 2)
// of sum |a||b|. Whichever kernel the probe picks, a product differs only by summation order.
TEST(Bf16, PairKernelsAgreeAndTheFloat32OneIsTheFmaChain) {
    const nn_isa best = nn::cpu_features().best_isa;
    const nn::bf16::kernels* f = best == NN_ISA_AVX512 || best == NN_ISA_AVX512_BF16 ? nn::bf16::avx512_kernels() : nullptr;
    const nn::bf16::kernels* d = best == NN_ISA_AVX512_BF16 ? nn::bf16::avx512_bf16_kernels() : nullptr;
    if (!f) GTEST_SKIP() << "this CPU or build has no AVX-512 bf16 micro-kernel";
    for (int64_t k : {int64_t{1}, int64_t{37}, int64_t{256}}) {
        for (const nn::bf16::kernels* kt : {f, d}) {
            if (!kt) continue;
            const int mr = kt->mr, nr = kt->nr;
            const auto a = nn_test::random_vector(mr * k, 300 + static_cast<uint32_t>(k));
            const auto b = nn_test::random_vector(k * nr, 301 + static_cast<uint32_t>(k));
            const int64_t kce = k + (k & 1);
            std::vector<uint16_t> bp(static_cast<size_t>(kce * nr) + 64);
            std::vector<uint32_t> ap(static_cast<size_t>(kce / 2 * mr * kt->a_words) + 64);
            kt->pack_b(b.data(), nr, 1, k, nr, bp.data());
            kt->pack_a(a.data(), k, 1, mr, k, ap.data());
            std::vector<float> c(static_cast<size_t>(mr * nr), -7.0f);
            nn::bf16::tile_args t{};
            t.kp = kce / 2;
            t.a = ap.data();
            t.b = reinterpret_cast<const uint32_t*>(bp.data());
            t.out.c = c.data();
            t.out.ldc = nr;
            t.out.m = mr;
            t.out.n = nr;
            t.out.a_packed = t.out.b_packed = true;
            t.out.alpha = 1.0f;
            t.out.beta = 0.0f;
            kt->tile(t);
            for (int i = 0; i < mr; ++i)
                for (int j = 0; j < nr; ++j) {
                    float chain = 0.0f;
                    double scale = 0.0;
                    for (int64_t p = 0; p < k; ++p) {
                        const float x = to_f32(to_bf16(a[i * k + p])), y = to_f32(to_bf16(b[p * nr + j]));
                        chain = std::fma(x, y, chain);
                        scale += std::fabs(static_cast<double>(x) * y);
                    }
                    const float got = c[static_cast<size_t>(i * nr + j)];
                    if (kt == f)
                        ASSERT_EQ(bits(got), bits(chain)) << kt->isa << " k=" << k << " at " << i << "," << j;
                    else
                        ASSERT_LE(std::fabs(static_cast<double>(got) - chain), 4e-7 * static_cast<double>(k + 2) * scale + 1e-30)
                            << kt->isa << " k=" << k << " at " << i << "," << j;
                }
        }
    }
}
