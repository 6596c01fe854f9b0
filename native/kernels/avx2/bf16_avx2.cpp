// bf16 conversion with avx2 (kernels/common/bf16_convert.h). No bf16 products on this path: the
// bf16 GEMM rounds its operands and runs the float32 SGEMM (bf16/bf16_gemm.cpp).
#include "../common/bf16_convert.h"
#include "bf16/bf16.h"

namespace nn::bf16 {
namespace {
void to_bf16(const float* x, uint16_t* y, int64_t n) { convert_impl::to_bf16_array(x, y, n); }
void to_f32(const uint16_t* x, float* y, int64_t n) { convert_impl::to_f32_array(x, y, n); }
void round_values(const float* x, float* y, int64_t n) { convert_impl::round_array(x, y, n); }
}  // namespace

const kernels* avx2_kernels() noexcept {
    static const kernels table{"avx2", &to_bf16, &to_f32, &round_values};
    return &table;
}

}  // namespace nn::bf16
