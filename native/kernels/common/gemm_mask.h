// Partial-vector loads and stores for the x86 SGEMM kernels that run over rows of any length
// (the skinny-N dot kernel, the small-K rank-K kernel): the first `count` lanes only, nothing read
// or written past them. Included by each x86 ISA's gemm file: internal linkage (see simd.h).
#pragma once
#include <immintrin.h>

namespace nn::gemm {
namespace {
namespace mask_impl {

// p[0, count) into the low lanes, zeros above (0 <= count <= width).
template <class V>
typename V::reg load_first(const float* p, int count) {
    static_assert(V::width == 8 || V::width == 16, "x86 widths");
    if constexpr (V::width == 8) {
        const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        return _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lanes));
    } else {
#if defined(__AVX512F__)
        return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1u), p);
#endif
    }
}

// The low `count` (<= 4) lanes of lo to p[0, count) by plain 128-, 64- and 32-bit stores.
inline void store_first4(float* p, __m128 lo, int count) {
    if (count == 4) {
        _mm_storeu_ps(p, lo);
        return;
    }
    if (count >= 2) _mm_storel_pi(reinterpret_cast<__m64*>(p), lo);
    if (count == 3) _mm_store_ss(p + 2, _mm_movehl_ps(lo, lo));
    if (count == 1) _mm_store_ss(p, lo);
}

// The low `count` lanes of v to p[0, count) (0 <= count <= width). Up to 4 lanes go through plain
// stores: a masked store of a few lanes costs several times as much (Zen 5, rows of 3 columns,
// 2870x3x8: 1.3x the whole product).
template <class V>
void store_first(float* p, typename V::reg v, int count) {
    static_assert(V::width == 8 || V::width == 16, "x86 widths");
    if constexpr (V::width == 8) {
        if (count <= 4) return store_first4(p, _mm256_castps256_ps128(v), count);
        const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lanes), v);
    } else {
#if defined(__AVX512F__)
        if (count <= 4) return store_first4(p, _mm512_castps512_ps128(v), count);
        _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << count) - 1u), v);
#endif
    }
}

}  // namespace mask_impl
}  // namespace
}  // namespace nn::gemm
