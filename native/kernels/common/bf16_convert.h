// float32 <-> bfloat16 conversion, round to nearest even, shared by every ISA's bf16 table and the
// bf16 GEMM driver. The SIMD forms (compiled with the including object's flags: 16 lanes with
// AVX-512, 8 with AVX2, scalar otherwise) compute exactly what the scalar form computes:
//   NaN      -> the top 16 bits with the quiet bit (0x0040) set, so a signalling NaN never
//               truncates into an infinity;
//   anything -> (bits + 0x7FFF + bit 16 of bits) >> 16: ties go to the even bf16, values past
//               the largest bf16 round to infinity, subnormals round like any other value.
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__AVX2__)
#  include <immintrin.h>
#endif

namespace nn::bf16::convert_impl {
namespace {  // internal linkage: see simd.h

inline uint16_t to_bf16(float x) {
    uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    if (x != x) return static_cast<uint16_t>((u >> 16) | 0x0040u);
    return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

inline float to_f32(uint16_t h) {
    const uint32_t u = static_cast<uint32_t>(h) << 16;
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

#if defined(__AVX512F__)
// 16 floats -> 16 bf16 in the low 16 bits of each 32-bit lane.
inline __m512i to_bf16_lanes(__m512 x) {
    const __m512i u = _mm512_castps_si512(x);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    const __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7FFF))), 16);
    const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x0040));
    return _mm512_mask_mov_epi32(rounded, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), quiet);
}
#endif

#if defined(__AVX2__)
inline __m256i to_bf16_lanes(__m256 x) {
    const __m256i u = _mm256_castps_si256(x);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7FFF))), 16);
    const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x0040));
    return _mm256_blendv_epi8(rounded, quiet, _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
}
#endif

inline void to_bf16_array(const float* x, uint16_t* y, int64_t n) {
    int64_t i = 0;
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), _mm512_cvtepi32_epi16(to_bf16_lanes(_mm512_loadu_ps(x + i))));
#elif defined(__AVX2__)
    for (; i + 16 <= n; i += 16) {
        const __m256i lo = to_bf16_lanes(_mm256_loadu_ps(x + i)), hi = to_bf16_lanes(_mm256_loadu_ps(x + i + 8));
        // packus works per 128-bit lane: restore element order with a 64-bit permute.
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), _mm256_permute4x64_epi64(_mm256_packus_epi32(lo, hi), 0xD8));
    }
#endif
    for (; i < n; ++i) y[i] = to_bf16(x[i]);
}

inline void to_f32_array(const uint16_t* x, float* y, int64_t n) {
    int64_t i = 0;
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16) {
        const __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)));
        _mm512_storeu_ps(y + i, _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)));
    }
#elif defined(__AVX2__)
    for (; i + 8 <= n; i += 8) {
        const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
        _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
    }
#endif
    for (; i < n; ++i) y[i] = to_f32(x[i]);
}

// y[i] = bf16(x[i]) widened back to float (x == y allowed): to_f32(to_bf16(x[i])) in one pass, the
// operands of float32 kernels on bf16-rounded values.
inline void round_array(const float* x, float* y, int64_t n) {
    int64_t i = 0;
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_castsi512_ps(_mm512_slli_epi32(to_bf16_lanes(_mm512_loadu_ps(x + i)), 16)));
    if (i < n) {
        const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, m, _mm512_castsi512_ps(_mm512_slli_epi32(to_bf16_lanes(_mm512_maskz_loadu_ps(m, x + i)), 16)));
        return;
    }
#elif defined(__AVX2__)
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(to_bf16_lanes(_mm256_loadu_ps(x + i)), 16)));
#endif
    for (; i < n; ++i) y[i] = to_f32(to_bf16(x[i]));
}

}  // namespace
}  // namespace nn::bf16::convert_impl
