// avx512 few-tiles Winograd products (kernels/common/conv_winograd_few_simd.h): kmr = 8, so a
// block's weights for a channel are one ymm; up to 4 tiles, 24 accumulators (AVX-512VL: 32 ymm).
#include "../common/conv_winograd_few_simd.h"

namespace nn::conv {
const winograd_few::kernels* winograd_few::avx512_kernels() noexcept {
    // Built on first call, never at load (see conv_avx512.cpp).
    static const winograd_few::kernels table = {"avx512", 8, 4, &winograd_few_impl::gemm<nn::simd::V256, 4, 24>};
    return &table;
}
}  // namespace nn::conv
