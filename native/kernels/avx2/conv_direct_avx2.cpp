// avx2 instantiation of the direct forward tile (kernels/common/conv_direct_simd.h):
// 4 output channels x 24 positions (12 of the 16 ymm registers accumulate); pooled: 2 channels
// x 2 rows x 16 columns (8 accumulators, beside 4 input vectors and a weight).
#include "../common/conv_direct_simd.h"

namespace nn::conv {
const direct::kernels* direct::avx2_kernels() noexcept {
    // Built on first call, never at load (see conv_avx2.cpp).
    static const direct::kernels table = direct_impl::make_table<nn::simd::V256, 4, 3, 2, 2>("avx2", 16);
    return &table;
}
}  // namespace nn::conv
