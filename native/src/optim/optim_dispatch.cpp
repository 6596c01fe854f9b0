#include "optim/optim.h"

#include "runtime/cpu.h"

namespace nn::optim {

#if !defined(NN_HAVE_X86_KERNELS)
const kernels* avx2_kernels() noexcept { return nullptr; }
#endif
#if !defined(NN_HAVE_AVX512_KERNELS)
const kernels* avx512_kernels() noexcept { return nullptr; }
#endif

const kernels& active() noexcept {
    static const kernels* chosen = [] {
        const kernels* k = &ref_kernels;
        if (isa_enabled(NN_ISA_AVX2) && avx2_kernels()) k = avx2_kernels();
        if (isa_enabled(NN_ISA_AVX512) && avx512_kernels()) k = avx512_kernels();
        return k;
    }();
    return *chosen;
}

}  // namespace nn::optim
