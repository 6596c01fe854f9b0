// AArch64 NEON instantiation of the element-wise family (NEON is baseline on AArch64, so this
// folder needs no extra compiler flags; it is compiled only when NN_ARCH is arm64).
#include "../common/eltwise_simd.h"

namespace nn::eltwise {
const kernels* neon_kernels() noexcept {
    // Built on first call, never at load: a namespace-scope initializer in this file would be
    // compiled with this ISA's flags and run on every CPU when the library is loaded.
    static const kernels table = simd_impl::make_table<nn::simd::V128>("neon");
    return &table;
}
}  // namespace nn::eltwise
