// AVX-512 instantiation of the optimizer / softmax family.
#include "../common/optim_simd.h"

namespace nn::optim {
namespace {
const kernels table = simd_impl::make_table<nn::simd::V512>("avx512");
}
const kernels* avx512_kernels() noexcept { return &table; }
}  // namespace nn::optim
