// avx512 instantiation of the Winograd F(2x2, 3x3) kernels (kernels/common/conv_winograd_simd.h):
// GEMM tiles of 8 output channels x 48 tiles (24 zmm accumulators).
#include "../common/conv_winograd_simd.h"

namespace nn::conv {
const winograd::kernels* winograd::avx512_kernels() noexcept {
    // Built on first call, never at load (see conv_avx512.cpp).
    static const winograd::kernels table = winograd_impl::make_table<nn::simd::V512, 8, 3>("avx512");
    return &table;
}
}  // namespace nn::conv
