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
    static const kernels* chosen = choose_table(&ref_kernels, &avx2_kernels, &avx512_kernels);
    return *chosen;
}

}  // namespace nn::optim
