// nn_sum's one summation order (eltwise.h): every ISA's block kernel against the reference bit
// for bit, nn_sum against an independent spelling of the order, and thread-count independence.
// Data spans ~2^100 in magnitude with cancelling signs, so any other order gives other bits.
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "eltwise/eltwise.h"
#include "test_util.h"

namespace {

const int64_t kSizes[] = {0, 1, 2, 31, 32, 33, 4095, 4096, 4097, 8193, 100003};

// Signed values from 2^-30 to 2^70 in magnitude: double loses the small ones next to the large
// ones, so the result depends on which elements meet in which accumulator.
std::vector<float> wide_values(int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> ex(-30, 70);
    std::uniform_real_distribution<float> m(1.0f, 2.0f);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = std::ldexp(m(rng), ex(rng)) * (rng() & 1 ? 1.0f : -1.0f);
    return v;
}

// Pairs +big, -big with small values between: the totals are all cancellation residue.
std::vector<float> cancelling_values(int64_t n, uint32_t seed) {
    auto v = wide_values(n, seed);
    for (int64_t i = 0; i + 33 < n; i += 64) v[static_cast<size_t>(i + 33)] = -v[static_cast<size_t>(i)];
    return v;
}

// The order written out independently of eltwise.h: 4096-element blocks, lane i % 32, the lanes
// folded by halves (16, 8, 4, 2, 1), block totals added first to last.
double defined_sum(const std::vector<float>& x) {
    double total = 0.0;
    for (size_t b = 0; b < x.size(); b += 4096) {
        double lane[32] = {};
        for (size_t i = b; i < x.size() && i < b + 4096; ++i) lane[(i - b) % 32] += static_cast<double>(x[i]);
        for (int h = 16; h >= 1; h /= 2)
            for (int j = 0; j < h; ++j) lane[j] = lane[j] + lane[j + h];
        total += lane[0];
    }
    return total;
}

double sequential_sum(const std::vector<float>& x) {
    double s = 0.0;
    for (float v : x) s += static_cast<double>(v);
    return s;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The block kernels this CPU can run, whatever NATIVENET_MAX_ISA caps the dispatch to.
std::vector<std::pair<std::string, const nn::eltwise::kernels*>> runnable_tables() {
    std::vector<std::pair<std::string, const nn::eltwise::kernels*>> t = {{"scalar", &nn::eltwise::ref_kernels}};
    nn_isa best = nn::cpu_features().best_isa;
    const bool avx512 = best == NN_ISA_AVX512 || best == NN_ISA_AVX512_BF16;
    if ((best == NN_ISA_AVX2 || avx512) && nn::eltwise::avx2_kernels())
        t.emplace_back("avx2", nn::eltwise::avx2_kernels());
    if (avx512 && nn::eltwise::avx512_kernels()) t.emplace_back("avx512", nn::eltwise::avx512_kernels());
    if (best == NN_ISA_NEON && nn::eltwise::neon_kernels()) t.emplace_back("neon", nn::eltwise::neon_kernels());
    return t;
}

}  // namespace

TEST(Sum, TestDataTellsOrdersApart) {
    // Guards the tests below: with data a plain left-to-right sum agrees with, they prove nothing.
    for (auto* make : {wide_values, cancelling_values}) {
        auto x = make(4096, 11u);
        EXPECT_FALSE(same_bits(defined_sum(x), sequential_sum(x)));
    }
}

TEST(Sum, EveryIsaBlockKernelMatchesTheReferenceBitwise) {
    auto tables = runnable_tables();
    for (auto* make : {wide_values, cancelling_values})
        for (int64_t n = 0; n <= nn::eltwise::kSumBlock; n += (n < 70 ? 1 : 509)) {
            auto x = make(n, static_cast<uint32_t>(n) + 1u);
            double want = nn::eltwise::sum_block_ref(x.data(), n);
            for (auto& [name, k] : tables) {
                double got = k->sum_block(x.data(), n);
                EXPECT_TRUE(same_bits(got, want)) << name << " n=" << n << ": " << got << " vs " << want;
            }
        }
}

TEST(Sum, BlockKernelReadsOnlyItsElements) {
    // A NaN right past the end must not leak in through a vector load of the tail.
    for (auto& [name, k] : runnable_tables())
        for (int64_t n : {1, 7, 31, 33, 63}) {
            auto x = wide_values(n + 64, 5u);
            for (int64_t i = n; i < n + 64; ++i) x[static_cast<size_t>(i)] = std::nanf("");
            double got = k->sum_block(x.data(), n);
            EXPECT_TRUE(same_bits(got, nn::eltwise::sum_block_ref(x.data(), n))) << name << " n=" << n;
        }
}

TEST(Sum, NnSumFollowsTheDefinedOrder) {
    for (int64_t n : kSizes)
        for (auto* make : {wide_values, cancelling_values}) {
            auto x = make(n, 7u);
            double got = -1.0;
            ASSERT_EQ(nn_sum(x.data(), n, &got), NN_OK);
            EXPECT_TRUE(same_bits(got, defined_sum(x)))
                << "n=" << n << " isa=" << nn_test::active_isa_name() << ": " << got << " vs " << defined_sum(x);
        }
}

TEST(Sum, ResultDoesNotDependOnThreadCount) {
    const int64_t n = (1 << 20) + 4099;
    auto x = cancelling_values(n, 3u);
    double one = 0.0;
    {
        nn_test::ThreadScope t(1);
        ASSERT_EQ(nn_sum(x.data(), n, &one), NN_OK);
    }
    for (int threads : {2, 3, 5, 8}) {
        nn_test::ThreadScope t(threads);
        double got = 0.0;
        ASSERT_EQ(nn_sum(x.data(), n, &got), NN_OK);
        EXPECT_TRUE(same_bits(got, one)) << "threads=" << threads << ": " << got << " vs " << one;
    }
}

TEST(Sum, SpecialValues) {
    std::vector<float> x(100, 1.0f);
    double got = 0.0;
    x[40] = std::numeric_limits<float>::infinity();
    ASSERT_EQ(nn_sum(x.data(), 100, &got), NN_OK);
    EXPECT_EQ(got, std::numeric_limits<double>::infinity());
    x[77] = -std::numeric_limits<float>::infinity();
    ASSERT_EQ(nn_sum(x.data(), 100, &got), NN_OK);
    EXPECT_TRUE(std::isnan(got));
    // All -0.0: the accumulators start at +0.0, so the sum is +0.0 on every path.
    std::vector<float> z(50, -0.0f);
    ASSERT_EQ(nn_sum(z.data(), 50, &got), NN_OK);
    EXPECT_TRUE(same_bits(got, 0.0));
    // Float extremes do not overflow the double accumulators.
    std::vector<float> big(9000, std::numeric_limits<float>::max());
    ASSERT_EQ(nn_sum(big.data(), 9000, &got), NN_OK);
    EXPECT_EQ(got, 9000.0 * static_cast<double>(std::numeric_limits<float>::max()));
}
