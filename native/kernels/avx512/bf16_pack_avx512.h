// Packing of bf16 pairs with AVX-512F, shared by the vdpbf16ps kernels (kernels/avx512_bf16/)
// and the float32 kernels on bf16-packed B (kernels/avx512/bf16_avx512.cpp): the one layout of
// packed_b (bf16/bf16.h) for both. Internal linkage, as every shared kernel header (simd.h).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "../common/bf16_convert.h"

namespace nn::bf16 {
namespace {  // internal linkage: see kernels/common/simd.h
namespace pack512 {

// One row of k values (kc of them, contiguous) as pairs down a column of a panel:
// dst[pp * stride] = bf16(src[2pp]) | bf16(src[2pp + 1]) << 16, the last pair zero-padded.
// 32 values at a time are converted and narrowed in order, which is already 16 pairs (little
// endian: the even k value in the low half).
inline void pairs_of_row(const float* src, int64_t kc, uint32_t* dst, int64_t stride) {
    using convert_impl::to_bf16;
    using convert_impl::to_bf16_lanes;
    const int64_t full = kc / 2;
    int64_t pp = 0;
    for (; 2 * pp + 32 <= kc; pp += 16) {
        const __m256i lo = _mm512_cvtepi32_epi16(to_bf16_lanes(_mm512_loadu_ps(src + 2 * pp)));
        const __m256i hi = _mm512_cvtepi32_epi16(to_bf16_lanes(_mm512_loadu_ps(src + 2 * pp + 16)));
        alignas(64) uint32_t pairs[16];
        _mm512_store_si512(pairs, _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1));
#pragma GCC unroll 16
        for (int q = 0; q < 16; ++q) dst[(pp + q) * stride] = pairs[q];
    }
    for (; pp < full; ++pp) dst[pp * stride] = to_bf16(src[2 * pp]) | static_cast<uint32_t>(to_bf16(src[2 * pp + 1])) << 16;
    if (kc & 1) dst[full * stride] = to_bf16(src[2 * full]);
}

// Up to 16 lanes of k value p and of p + 1 (null: zero) as pairs: the even run in the low halves.
inline __m512i pairs_of_runs(const float* even, const float* odd, __mmask16 m) {
    using convert_impl::to_bf16_lanes;
    const __m512i lo = to_bf16_lanes(_mm512_maskz_loadu_ps(m, even));
    if (odd == nullptr) return lo;
    return _mm512_or_si512(lo, _mm512_slli_epi32(to_bf16_lanes(_mm512_maskz_loadu_ps(m, odd)), 16));
}

// A K block of B (kc rows, all n columns, B(p, j) = src[p * rs + j * cs]) as panels of pairs:
// panel j at dst + j * kce * NR bf16 values (kce = kc rounded up to even), pair pp of column c
// at pp * NR + c (in pairs); columns >= n zero.
template <int NR>
void pack_b(const float* src, int64_t rs, int64_t cs, int64_t kc, int64_t n, uint16_t* dst) {
    const int64_t kp = (kc + 1) / 2, panels = (n + NR - 1) / NR;
    uint32_t* const out = reinterpret_cast<uint32_t*>(dst);
    if (cs == 1) {  // row-major B: 16 columns of two adjacent rows at a time
        for (int64_t pp = 0; pp < kp; ++pp) {
            const float* even = src + 2 * pp * rs;
            const float* odd = 2 * pp + 1 < kc ? even + rs : nullptr;
            for (int64_t jp = 0; jp < panels; ++jp)
                for (int h = 0; h < NR; h += 16) {
                    const int64_t j = jp * NR + h, left = n - j;
                    const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1u);
                    _mm512_storeu_si512(out + jp * kp * NR + pp * NR + h,
                                        pairs_of_runs(even + j, odd ? odd + j : nullptr, m));
                }
        }
        return;
    }
    // Transposed B: column j's k values are contiguous (a row of the stored matrix).
    for (int64_t jp = 0; jp < panels; ++jp)
        for (int c = 0; c < NR; ++c) {
            uint32_t* col = out + jp * kp * NR + c;
            if (jp * NR + c < n) pairs_of_row(src + (jp * NR + c) * cs, kc, col, NR);
            else for (int64_t pp = 0; pp < kp; ++pp) col[pp * NR] = 0;
        }
}

}  // namespace pack512
}  // namespace
}  // namespace nn::bf16
