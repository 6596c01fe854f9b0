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
    static const kernels* chosen = choose_table(&ref_kernels, &avx2_kernels, &avx512_kernels, &neon_kernels);
    return *chosen;
}

bool unary_op_valid(int op) noexcept { return op >= NN_UNARY_IDENTITY && op <= NN_UNARY_MISH; }
bool binary_op_valid(int op) noexcept { return op >= NN_BINARY_ADD && op <= NN_BINARY_MIN; }

}  // namespace nn::eltwise
