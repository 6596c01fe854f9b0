// avx2 few-tiles Winograd products (kernels/common/conv_winograd_few_simd.h): kmr = 4, so a
// block's weights for a channel are one xmm; up to 3 tiles, 12 accumulators (16 registers).
#include "../common/conv_winograd_few_simd.h"

namespace nn::conv {
const winograd_few::kernels* winograd_few::avx2_kernels() noexcept {
    // Built on first call, never at load (see conv_avx2.cpp).
    static const winograd_few::kernels table = {"avx2", 4, 3, &winograd_few_impl::gemm<winograd_few_impl::X128, 3, 12>};
    return &table;
}
}  // namespace nn::conv
