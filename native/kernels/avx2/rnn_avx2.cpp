// AVX2 + FMA instantiation of the recurrent gate kernels.
#include "../common/rnn_simd.h"

namespace nn::rnn {
namespace {
const kernels table = simd_impl::make_table<nn::simd::V256>("avx2");
}
const kernels* avx2_kernels() noexcept { return &table; }
}  // namespace nn::rnn
