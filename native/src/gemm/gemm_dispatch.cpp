#include "gemm_kernels.h"

#include "runtime/cpu.h"

namespace nn::gemm {

#if !defined(NN_HAVE_X86_KERNELS)
const kernels* avx2_gemm_kernels() noexcept { return nullptr; }
#endif
#if !defined(NN_HAVE_AVX512_KERNELS)
const kernels* avx512_gemm_kernels() noexcept { return nullptr; }
#endif
#if !defined(NN_HAVE_NEON_KERNELS)
const kernels* neon_gemm_kernels() noexcept { return nullptr; }
#endif

const kernels& active_kernels() noexcept {
    static const kernels* chosen = choose_table(&ref_gemm_kernels, &avx2_gemm_kernels, &avx512_gemm_kernels, &neon_gemm_kernels);
    return *chosen;
}

}  // namespace nn::gemm
