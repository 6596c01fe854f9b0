// AArch64 NEON instantiation of the element-wise family (NEON is baseline on AArch64, so this
// folder needs no extra compiler flags; it is compiled only when NN_ARCH is arm64).
#include "../common/eltwise_simd.h"

namespace nn::eltwise {
namespace {
const kernels table = simd_impl::make_table<nn::simd::V128>("neon");
}
const kernels* neon_kernels() noexcept { return &table; }
}  // namespace nn::eltwise
