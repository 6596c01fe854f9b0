// avx2 instantiation of the convolution micro-kernels (kernels/common/conv_simd.h).
#include "../common/conv_simd.h"

namespace nn::conv {
namespace {
const kernels table = simd_impl::make_table<nn::simd::V256>("avx2");
}
const kernels* avx2_kernels() noexcept { return &table; }
}  // namespace nn::conv
