// The AVX-512 GEMM epilogue, shared by the float32 micro-kernel (gemm_avx512.cpp) and the bf16
// one (kernels/avx512_bf16/): C = act(alpha * acc + beta * C + bias) on an R x 32 tile held in
// two zmm per row, masked for edge columns. Compiled only with AVX-512 flags; internal linkage
// (see kernels/common/simd.h).
#pragma once
#include <immintrin.h>

#include "../common/vecmath.h"
#include "gemm/gemm.h"
#include "gemm/gemm_kernels.h"

namespace nn::gemm {
namespace {
namespace epilogue512 {

// Kept out of line: activations are rare in the hot loop's instruction cache and large.
__attribute__((noinline)) __m512 apply_act(int act, __m512 x) {
    switch (static_cast<activation>(act)) {
        case activation::relu: return _mm512_max_ps(_mm512_setzero_ps(), x);  // NaN stays NaN
        case activation::sigmoid: return vecmath::sigmoid<nn::simd::V512>(x);
        case activation::tanh: return vecmath::tanh<nn::simd::V512>(x);
        case activation::gelu: return vecmath::gelu<nn::simd::V512>(x);
        case activation::relu6: return vecmath::relu6<nn::simd::V512>(x);
        default: return x;
    }
}

inline __mmask16 first_n(int n) {
    return n >= 16 ? static_cast<__mmask16>(0xFFFF) : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1u);
}

// Stores rows [0, R) of the tile: t.c, t.ldc, t.n, t.alpha, t.beta, t.bias_row, t.bias_col, t.act.
template <int R>
inline void store(const tile_args& t, const __m512 (&c0)[R], const __m512 (&c1)[R]) {
    const __m512 va = _mm512_set1_ps(t.alpha), vb = _mm512_set1_ps(t.beta);
    const bool use_beta = t.beta != 0.0f;
    const __mmask16 sm0 = first_n(t.n), sm1 = first_n(t.n - 16);
    __m512 bc0 = _mm512_setzero_ps(), bc1 = _mm512_setzero_ps();
    if (t.bias_col) {
        bc0 = _mm512_maskz_loadu_ps(sm0, t.bias_col);
        bc1 = _mm512_maskz_loadu_ps(sm1, t.bias_col + 16);
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
        float* cr = t.c + r * t.ldc;
        __m512 x0 = _mm512_mul_ps(c0[r], va), x1 = _mm512_mul_ps(c1[r], va);
        if (use_beta) {
            x0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(sm0, cr), x0);
            x1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(sm1, cr + 16), x1);
        }
        if (t.bias_row) {
            __m512 br = _mm512_set1_ps(t.bias_row[r]);
            x0 = _mm512_add_ps(x0, br);
            x1 = _mm512_add_ps(x1, br);
        }
        if (t.bias_col) {
            x0 = _mm512_add_ps(x0, bc0);
            x1 = _mm512_add_ps(x1, bc1);
        }
        if (t.act != 0) {
            x0 = apply_act(t.act, x0);
            if (sm1) x1 = apply_act(t.act, x1);
        }
        _mm512_mask_storeu_ps(cr, sm0, x0);
        if (sm1) _mm512_mask_storeu_ps(cr + 16, sm1, x1);
    }
}

// Prefetches the tile's rows of C during the k loop so the epilogue does not wait on them.
template <int R>
inline void prefetch_c(const tile_args& t) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(t.c + r * t.ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(t.c + r * t.ldc + 31), _MM_HINT_T0);
    }
}

}  // namespace epilogue512
}  // namespace
}  // namespace nn::gemm
