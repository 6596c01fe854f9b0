// AVX2 + FMA instantiation of the optimizer / softmax family.
#include "../common/optim_simd.h"

namespace nn::optim {
const kernels* avx2_kernels() noexcept {
    // Built on first call, never at load: a namespace-scope initializer in this file would be
    // compiled with this ISA's flags and run on every CPU when the library is loaded.
    static const kernels table = simd_impl::make_table<nn::simd::V256>("avx2");
    return &table;
}
}  // namespace nn::optim
