// AVX2 + FMA instantiation of the optimizer / softmax family.
#include "../common/optim_simd.h"

namespace nn::optim {
namespace {
const kernels table = simd_impl::make_table<nn::simd::V256>("avx2");
}
const kernels* avx2_kernels() noexcept { return &table; }
}  // namespace nn::optim
