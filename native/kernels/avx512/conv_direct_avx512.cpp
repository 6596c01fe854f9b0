// avx512 instantiation of the direct forward tile (kernels/common/conv_direct_simd.h):
// 8 output channels x 48 positions (24 zmm accumulators); pooled: 4 channels x 2 rows x 48 columns.
#include "../common/conv_direct_simd.h"

namespace nn::conv {
const direct::kernels* direct::avx512_kernels() noexcept {
    // Built on first call, never at load (see conv_avx512.cpp).
    static const direct::kernels table = direct_impl::make_table<nn::simd::V512, 8, 3, 4, 3>("avx512", 1);
    return &table;
}
}  // namespace nn::conv
