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
    static const kernels* chosen = [] {
        const kernels* k = &ref_gemm_kernels;
        if (isa_enabled(NN_ISA_AVX2) && avx2_gemm_kernels()) k = avx2_gemm_kernels();
        if (isa_enabled(NN_ISA_AVX512) && avx512_gemm_kernels()) k = avx512_gemm_kernels();
        if (isa_enabled(NN_ISA_NEON) && neon_gemm_kernels()) k = neon_gemm_kernels();
        return k;
    }();
    return *chosen;
}

}  // namespace nn::gemm
