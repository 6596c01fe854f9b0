// AVX2 + FMA instantiation of the element-wise family (compiled with -mavx2 -mfma).
#include "../common/eltwise_simd.h"

namespace nn::eltwise {
const kernels* avx2_kernels() noexcept {
    // Built on first call, never at load: a namespace-scope initializer in this file would be
    // compiled with this ISA's flags and run on every CPU when the library is loaded.
    static const kernels table = simd_impl::make_table<nn::simd::V256>("avx2");
    return &table;
}
}  // namespace nn::eltwise
