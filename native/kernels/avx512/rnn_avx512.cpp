// AVX-512 instantiation of the recurrent gate kernels.
// GCC 12 reports false "used uninitialized" warnings inside its own avx512fintrin.h here.
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "../common/rnn_simd.h"

namespace nn::rnn {
namespace {
const kernels table = simd_impl::make_table<nn::simd::V512>("avx512");
}
const kernels* avx512_kernels() noexcept { return &table; }
}  // namespace nn::rnn
