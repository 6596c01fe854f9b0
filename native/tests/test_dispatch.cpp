// Kernel tables follow the chosen ISA on every architecture: on arm64 the NEON kernels unless
// NATIVENET_MAX_ISA=scalar, on x86-64 the AVX2 / AVX-512 ones as capped. This is what makes the
// reference comparisons in the other test files exercise each architecture's SIMD path.
#include <cstdlib>
#include <string>

#include "bf16/bf16.h"
#include "eltwise/eltwise.h"
#include "gemm/gemm_kernels.h"
#include "test_util.h"

namespace {

bool capped_to_scalar() {
    const char* cap = std::getenv("NATIVENET_MAX_ISA");
    return cap && std::string(cap) == "scalar";
}

}  // namespace

TEST(Dispatch, TablesAreTheChosenIsa) {
    const std::string chosen = nn::isa_name(nn::active_isa());
    // avx512_bf16 adds bf16 products only: every other area runs its avx512 table there.
    const std::string area = chosen == "avx512_bf16" ? "avx512" : chosen;
    EXPECT_EQ(nn::eltwise::active().isa, area);
    EXPECT_EQ(nn::gemm::active().isa, area);
#if defined(__aarch64__) || defined(_M_ARM64)
    // bf16 has no NEON table: its conversions run on the reference there (bf16 products are x86's avx512_bf16 only).
    EXPECT_EQ(std::string(nn::bf16::active().isa), "scalar");
#else
    // Without vdpbf16ps products (cap, NATIVENET_BF16_DOT=0 or the measured rate) bf16 runs the
    // table the avx512 cap takes.
    EXPECT_EQ(nn::bf16::active().isa, nn::bf16::avx512_bf16_kernels() && nn::bf16::products_choice().dot ? chosen : area);
#endif
    if (capped_to_scalar()) EXPECT_EQ(chosen, "scalar");
}

TEST(Dispatch, Arm64UsesNeonUnlessCappedToScalar) {
#if defined(__aarch64__) || defined(_M_ARM64)
    // x86 caps (avx2, avx512) and "neon" leave NEON on; only "scalar" turns it off.
    const std::string want = capped_to_scalar() ? "scalar" : "neon";
    EXPECT_EQ(nn::isa_name(nn::active_isa()), want);
    EXPECT_EQ(nn::eltwise::active().isa, want);
    EXPECT_EQ(nn::gemm::active().isa, want);
    nn_cpu_info_t info;
    ASSERT_EQ(nn_cpu_info(&info), NN_OK);
    EXPECT_EQ(info.neon, 1);
    EXPECT_EQ(info.best_isa, NN_ISA_NEON);
#else
    GTEST_SKIP() << "not an arm64 build";
#endif
}
