#include "eltwise.h"

#include "runtime/cpu.h"

namespace nn::eltwise {

// Paths this build does not compile report themselves absent.
#if !defined(NN_HAVE_X86_KERNELS)
const kernels* avx2_kernels() noexcept { return nullptr; }
#endif
#if !defined(NN_HAVE_AVX512_KERNELS)
const kernels* avx512_kernels() noexcept { return nullptr; }
#endif
#if !defined(NN_HAVE_NEON_KERNELS)
const kernels* neon_kernels() noexcept { return nullptr; }
#endif

const kernels& active() noexcept {
    static const kernels* chosen = [] {
        const kernels* k = &ref_kernels;
        if (isa_enabled(NN_ISA_AVX2) && avx2_kernels()) k = avx2_kernels();
        if (isa_enabled(NN_ISA_AVX512) && avx512_kernels()) k = avx512_kernels();
        if (isa_enabled(NN_ISA_NEON) && neon_kernels()) k = neon_kernels();
        return k;
    }();
    return *chosen;
}

bool unary_op_valid(int op) noexcept { return op >= NN_UNARY_IDENTITY && op <= NN_UNARY_SCALE; }
bool binary_op_valid(int op) noexcept { return op >= NN_BINARY_ADD && op <= NN_BINARY_MIN; }

}  // namespace nn::eltwise
