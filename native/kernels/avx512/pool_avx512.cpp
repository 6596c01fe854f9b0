// avx512 instantiation of the pooling micro-kernels (kernels/common/pool_simd.h).
#include "../common/pool_simd.h"

namespace nn::pool {
namespace {
const kernels table = simd_impl::make_table<nn::simd::V512>("avx512");
}
const kernels* avx512_kernels() noexcept { return &table; }
}  // namespace nn::pool
