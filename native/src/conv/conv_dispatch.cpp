// Kernel-table selection for convolution, pooling and normalization (chosen once per process).
#include "conv/conv.h"
#include "conv/norm.h"
#include "conv/pool.h"
#include "runtime/cpu.h"

namespace {
// Takes the accessors, not the tables: an ISA's table is only built (its accessor only called)
// once that ISA is known to run here, so no AVX-512 instruction executes on an AVX2-only CPU.
template <class K>
const K* choose(const K* ref, const K* (*avx2)() noexcept, const K* (*avx512)() noexcept) {
    const K* k = ref;
    if (nn::isa_enabled(NN_ISA_AVX2))
        if (const K* t = avx2()) k = t;
    if (nn::isa_enabled(NN_ISA_AVX512))
        if (const K* t = avx512()) k = t;
    return k;
}
}  // namespace

#define NN_TABLE_DISPATCH(ns)                                                                    \
    namespace nn::ns {                                                                           \
    const kernels& active() noexcept {                                                           \
        static const kernels* chosen = choose(&ref_kernels, &avx2_kernels, &avx512_kernels);   \
        return *chosen;                                                                          \
    }                                                                                            \
    }

#if !defined(NN_HAVE_X86_KERNELS)
namespace nn::conv { const kernels* avx2_kernels() noexcept { return nullptr; } }
namespace nn::pool { const kernels* avx2_kernels() noexcept { return nullptr; } }
namespace nn::norm { const kernels* avx2_kernels() noexcept { return nullptr; } }
#endif
#if !defined(NN_HAVE_AVX512_KERNELS)
namespace nn::conv { const kernels* avx512_kernels() noexcept { return nullptr; } }
namespace nn::pool { const kernels* avx512_kernels() noexcept { return nullptr; } }
namespace nn::norm { const kernels* avx512_kernels() noexcept { return nullptr; } }
#endif

NN_TABLE_DISPATCH(conv)
NN_TABLE_DISPATCH(pool)
NN_TABLE_DISPATCH(norm)
