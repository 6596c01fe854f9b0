// AVX2 + FMA instantiation of the element-wise family (compiled with -mavx2 -mfma).
#include "../common/eltwise_simd.h"

namespace nn::eltwise {
namespace {
const kernels table = simd_impl::make_table<nn::simd::V256>("avx2");
}
const kernels* avx2_kernels() noexcept { return &table; }
}  // namespace nn::eltwise
