// avx512 instantiation of the convolution micro-kernels (kernels/common/conv_simd.h).
#include "../common/conv_simd.h"

namespace nn::conv {
namespace {
const kernels table = simd_impl::make_table<nn::simd::V512>("avx512");
}
const kernels* avx512_kernels() noexcept { return &table; }
}  // namespace nn::conv
