// Every area's kernel-table choice (runtime/kernel_table.h), and the accessors of the ISA paths
// this build does not compile, which report themselves absent.
#include "bf16/bf16.h"
#include "conv/conv.h"
#include "conv/conv_direct.h"
#include "conv/nchwc/nchwc.h"
#include "conv/conv_winograd.h"
#include "conv/conv_winograd_few.h"
#include "eltwise/eltwise.h"
#include "gemm/gemm_kernels.h"
#include "norm/norm.h"
#include "optim/optim.h"
#include "pool/pool.h"
#include "rnn/rnn.h"
#include "runtime/cpu.h"

#if defined(NN_HAVE_X86_KERNELS)
#  define NN_AVX2_ABSENT(area)
#else
#  define NN_AVX2_ABSENT(area) \
      namespace nn::area { const kernels* avx2_kernels() noexcept { return nullptr; } }
#endif
#if defined(NN_HAVE_AVX512_KERNELS)
#  define NN_AVX512_ABSENT(area)
#else
#  define NN_AVX512_ABSENT(area) \
      namespace nn::area { const kernels* avx512_kernels() noexcept { return nullptr; } }
#endif

// Areas with a NEON path define neon_kernels() in kernels/neon/ on arm64 builds.
#if defined(NN_HAVE_NEON_KERNELS)
#  define NN_NEON_ABSENT_WHERE_BUILT(area)
#else
#  define NN_NEON_ABSENT_WHERE_BUILT(area) NN_NEON_ABSENT(area)
#endif
#define NN_NEON_ABSENT(area) \
    namespace nn::area { const kernels* neon_kernels() noexcept { return nullptr; } }

#define NN_ACTIVE_TABLE(area)                                                                     \
    namespace nn::area {                                                                          \
    const kernels& active() noexcept {                                                            \
        static const kernels* chosen =                                                            \
            choose_table(&ref_kernels, &avx2_kernels, &avx512_kernels, &neon_kernels);            \
        return *chosen;                                                                           \
    }                                                                                             \
    }

// An area with SIMD paths for x86 only.
#define NN_X86_AREA(area) NN_AVX2_ABSENT(area) NN_AVX512_ABSENT(area) NN_NEON_ABSENT(area) NN_ACTIVE_TABLE(area)
// An area with SIMD paths for x86 and arm64.
#define NN_X86_NEON_AREA(area) \
    NN_AVX2_ABSENT(area) NN_AVX512_ABSENT(area) NN_NEON_ABSENT_WHERE_BUILT(area) NN_ACTIVE_TABLE(area)

// Paths used only where the x86 kernels are built (arm64 keeps the im2col path on its NEON GEMM).
#if defined(NN_HAVE_X86_KERNELS)
#  define NN_X86_PATH(area) \
      namespace nn::area { const kernels* available() noexcept { return &active(); } }
#else
#  define NN_X86_PATH(area) \
      namespace nn::area { const kernels* available() noexcept { return nullptr; } }
#endif

NN_X86_NEON_AREA(gemm)
NN_X86_NEON_AREA(eltwise)
NN_X86_AREA(conv)
NN_X86_AREA(conv::direct)
NN_X86_AREA(conv::winograd)
NN_X86_PATH(conv::direct)
NN_X86_PATH(conv::winograd)
NN_X86_AREA(conv::winograd_few)
NN_X86_PATH(conv::winograd_few)
// The NCHW16c blocked convolutions: AVX-512 only (16 channels a register); elsewhere the
// reference table, which has no kernels, is chosen and nchwc::block() reports 0.
namespace nn::conv::nchwc { const kernels* avx2_kernels() noexcept { return nullptr; } }
NN_AVX512_ABSENT(conv::nchwc)
NN_NEON_ABSENT(conv::nchwc)
NN_ACTIVE_TABLE(conv::nchwc)
NN_X86_AREA(pool)
NN_X86_AREA(norm)
NN_X86_AREA(optim)
NN_X86_AREA(rnn)

// bf16 converts on every path and has one more: avx512_bf16 (its products), built where the
// compiler targets AVX512_BF16 (CMake: NN_HAVE_AVX512_BF16_KERNELS).
NN_AVX2_ABSENT(bf16)
NN_AVX512_ABSENT(bf16)
NN_NEON_ABSENT(bf16)
#if !defined(NN_HAVE_AVX512_BF16_KERNELS)
namespace nn::bf16 { const kernels* avx512_bf16_kernels() noexcept { return nullptr; } }
#endif
// Where the products do not take vdpbf16ps (products_choice(): the cap, NATIVENET_BF16_DOT or the
// measured rate), the table is the one the avx512 cap takes: float32 FMAs on B as bf16 pairs
// (AVX-512), else the rounded operands on the float32 SGEMM.
namespace nn::bf16 {
const kernels& active() noexcept {
    static const kernels* chosen = choose_table(&ref_kernels, &avx2_kernels, &avx512_kernels, &neon_kernels,
                                                products_choice().dot ? &avx512_bf16_kernels : nullptr);
    return *chosen;
}
}  // namespace nn::bf16
