// Scalar bf16 conversion: the reference every SIMD path must match bit for bit.
#include "../common/bf16_convert.h"
#include "bf16/bf16.h"

namespace nn::bf16 {
namespace {
void to_bf16(const float* x, uint16_t* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = convert_impl::to_bf16(x[i]);
}
void to_f32(const uint16_t* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = convert_impl::to_f32(x[i]);
}
void round_values(const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = convert_impl::to_f32(convert_impl::to_bf16(x[i]));
}
}  // namespace

const kernels ref_kernels{"scalar", &to_bf16, &to_f32, &round_values};

}  // namespace nn::bf16
