// AVX-512 instantiation of the element-wise family (compiled with -mavx512f/bw/vl/dq).
#include "../common/eltwise_simd.h"

namespace nn::eltwise {
namespace {
const kernels table = simd_impl::make_table<nn::simd::V512>("avx512");
}
const kernels* avx512_kernels() noexcept { return &table; }
}  // namespace nn::eltwise
