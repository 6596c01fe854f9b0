// AVX2 + FMA SGEMM micro-kernel: 6 x 16 tile (12 ymm accumulators, 2 ymm of B, 1 broadcast).
// Two FMA pipes at 4 cycles latency need >= 8 independent accumulators; 12 + 3 = 15 of the 16
// ymm registers. Per k step: 2 B loads + 6 broadcasts for 12 FMAs (6 cycles), under the load
// ports' limit. Blocking as for AVX-512 (kc = 512, nc = 1024): the A micro-panel (6 x 512 floats,
// 12 KiB) stays in L1 while the tile walks the packed B block.
#include <immintrin.h>


#include "../common/gemm_x86_tile.h"
#include "../common/vecmath.h"
#include "gemm/gemm.h"
#include "gemm/gemm_kernels.h"

namespace nn::gemm {
namespace {

using V = nn::simd::V256;
constexpr int MR = 6;
constexpr int NR = 16;

__attribute__((noinline)) __m256 apply_act(int act, __m256 x) {
    switch (static_cast<activation>(act)) {
        case activation::relu: return _mm256_max_ps(_mm256_setzero_ps(), x);  // NaN stays NaN
        case activation::sigmoid: return vecmath::sigmoid<V>(x);
        case activation::tanh: return vecmath::tanh<V>(x);
        case activation::gelu: return vecmath::gelu<V>(x);
        case activation::relu6: return vecmath::relu6<V>(x);
        default: return x;
    }
}

// Lanes [0, n) set (n clamped to [0, 8]).
inline __m256i first_n(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// R rows of the tile; A_RS1 and HALF as in gemm_x86_tile.h.
template <int R, bool A_RS1, bool BP, bool HALF>
void tile_body(const tile_args& t) {
    __m256 c0[R], c1[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) c0[r] = c1[r] = _mm256_setzero_ps();
    // C's rows are usually far apart (cold lines the epilogue would stall on): request them now,
    // hidden behind the k loop. Both lines of a row when it is not 64-byte aligned.
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(t.c + r * t.ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(t.c + r * t.ldc + NR - 1), _MM_HINT_T0);
    }
    // Step p's operands are formed as base + p * stride, never by stepping a pointer past the
    // last step: with a stride near INT64_MAX (k = 1) that step overflows (UBSan, fuzz_gemm).
    const float* const a_base = t.a;
    const float* const b_base = t.b;
    const int64_t ars = A_RS1 ? 1 : t.a_rs, acs = t.a_cs, brs = BP ? NR : t.b_rs;
    const int64_t k = t.k;
    if (BP) {
#pragma GCC unroll 4
        for (int64_t p = 0; p < k; ++p) {
            const float* a = a_base + p * acs;
            const float* b = b_base + p * brs;
            __m256 b0 = _mm256_loadu_ps(b), b1 = HALF ? _mm256_setzero_ps() : _mm256_loadu_ps(b + 8);
#pragma GCC unroll 8
            for (int r = 0; r < R; ++r) {
                __m256 av = _mm256_broadcast_ss(&a_at(a, r, ars));
                c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
                if (!HALF) c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
            }
        }
    } else {
        const __m256i bm0 = first_n(t.n), bm1 = first_n(t.n - 8);
        for (int64_t p = 0; p < k; ++p) {
            const float* a = a_base + p * acs;
            const float* b = b_base + p * brs;
            __m256 b0 = _mm256_maskload_ps(b, bm0), b1 = HALF ? _mm256_setzero_ps() : _mm256_maskload_ps(b + 8, bm1);
#pragma GCC unroll 8
            for (int r = 0; r < R; ++r) {
                __m256 av = _mm256_broadcast_ss(&a_at(a, r, ars));
                c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
                if (!HALF) c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
            }
        }
    }
    const __m256 va = _mm256_set1_ps(t.alpha), vb = _mm256_set1_ps(t.beta);
    const bool use_beta = t.beta != 0.0f;
    const bool full = t.n == NR, has1 = t.n > 8;
    const __m256i sm0 = first_n(t.n), sm1 = first_n(t.n - 8);
    __m256 bc0 = _mm256_setzero_ps(), bc1 = _mm256_setzero_ps();
    if (t.bias_col) {
        bc0 = _mm256_maskload_ps(t.bias_col, sm0);
        bc1 = _mm256_maskload_ps(t.bias_col + 8, sm1);
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
        float* cr = t.c + r * t.ldc;
        __m256 x0 = _mm256_mul_ps(c0[r], va), x1 = _mm256_mul_ps(c1[r], va);
        if (use_beta) {
            __m256 o0 = full ? _mm256_loadu_ps(cr) : _mm256_maskload_ps(cr, sm0);
            __m256 o1 = full ? _mm256_loadu_ps(cr + 8) : _mm256_maskload_ps(cr + 8, sm1);
            x0 = _mm256_fmadd_ps(vb, o0, x0);
            x1 = _mm256_fmadd_ps(vb, o1, x1);
        }
        if (t.bias_row) {
            __m256 br = _mm256_broadcast_ss(t.bias_row + r);
            x0 = _mm256_add_ps(x0, br);
            x1 = _mm256_add_ps(x1, br);
        }
        if (t.bias_col) {
            x0 = _mm256_add_ps(x0, bc0);
            x1 = _mm256_add_ps(x1, bc1);
        }
        if (t.act != 0) {
            x0 = apply_act(t.act, x0);
            if (has1) x1 = apply_act(t.act, x1);
        }
        if (full) {
            _mm256_storeu_ps(cr, x0);
            _mm256_storeu_ps(cr + 8, x1);
        } else {
            _mm256_maskstore_ps(cr, sm0, x0);
            if (has1) _mm256_maskstore_ps(cr + 8, sm1, x1);
        }
    }
}

}  // namespace

// B is never streamed in place: with rows prefetched ahead as the AVX-512 kernel does, 37x337x760
// ran at 0.9x and 40x2000x900 at 0.83x of packed B (Emerald Rapids under the AVX2 cap, 1 thread).
// Narrow N in two vectors a row (9-16 columns) stays on the tiles: the narrow kernel with 4 rows a
// group ran at 0.94-1.02x of them (1092x11x20, 500x12x30, 1000x16x64, 800x14x128, 1000x12x256;
// Emerald Rapids under the AVX2 cap, 1 thread, CPU time, medians of 3).
NN_GEMM_X86_ISA_TABLE(avx2, /*kc=*/512, /*nc=*/1024, /*stream_b_panels=*/0, /*narrow_wide_max_k=*/0)

}  // namespace nn::gemm
