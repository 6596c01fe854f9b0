// avx2 instantiation of the Winograd F(2x2, 3x3) kernels (kernels/common/conv_winograd_simd.h):
// GEMM tiles of 4 output channels x 24 tiles (12 ymm accumulators).
#include "../common/conv_winograd_simd.h"

namespace nn::conv {
const winograd::kernels* winograd::avx2_kernels() noexcept {
    // Built on first call, never at load (see conv_avx2.cpp).
    static const winograd::kernels table = winograd_impl::make_table<nn::simd::V256, 4, 3>("avx2");
    return &table;
}
}  // namespace nn::conv
