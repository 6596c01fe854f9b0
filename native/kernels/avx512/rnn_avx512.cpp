// AVX-512 instantiation of the recurrent gate kernels.
// GCC 12 reports false "used uninitialized" warnings inside its own avx512fintrin.h here.
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "../common/rnn_simd.h"

namespace nn::rnn {
const kernels* avx512_kernels() noexcept {
    // Built on first call, never at load: a namespace-scope initializer in this file would be
    // compiled with this ISA's flags and run on every CPU when the library is loaded.
    static const kernels table = simd_impl::make_table<nn::simd::V512>("avx512");
    return &table;
}
}  // namespace nn::rnn
