// Kernel-table selection for convolution, pooling and normalization (chosen once per process).
#include "conv/conv.h"
#include "conv/norm.h"
#include "conv/pool.h"
#include "runtime/cpu.h"

#define NN_TABLE_DISPATCH(ns)                                                                    \
    namespace nn::ns {                                                                           \
    const kernels& active() noexcept {                                                           \
        static const kernels* chosen = choose_table(&ref_kernels, &avx2_kernels, &avx512_kernels); \
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
