// bf16 on AVX-512 without vdpbf16ps products (no AVX512_BF16, the avx512 cap, or a core whose
// vdpbf16ps is slower than its FMAs: bf16/bf16_products.cpp). Conversions, and a float32 12 x 32
// micro-kernel on B kept as bf16 pairs (the vdpbf16ps kernels' packing, half the bytes of float32
// weights): each pair zmm widens to the even k row of B with one shift and to the odd one with a
// zero-masked load, 2 ALU operations per 48 FMAs; A is packed as rounded floats, broadcast from memory. Per
// element, products are added in increasing k from zero. On Intel Emerald Rapids a GEMV over
// bf16 weights streams half the bytes of the float32 path (docs/bf16.md).
#include <immintrin.h>

#include <array>
#include <cstdint>
#include <utility>

#include "../common/bf16_convert.h"
#include "bf16/bf16.h"
#include "bf16_pack_avx512.h"
#include "gemm_epilogue_avx512.h"

namespace nn::bf16 {
namespace {

constexpr int MR = 12;
constexpr int NR = 32;
constexpr __mmask32 kHighHalves = 0xAAAAAAAAu;

template <int R>
void tile_rows(const tile_args& t) {
    __m512 c0[R], c1[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
    gemm::epilogue512::prefetch_c<R>(t.out);
    const float* const a = reinterpret_cast<const float*>(t.a);
    const uint32_t* const b = t.b;
    for (int64_t pp = 0; pp < t.kp; ++pp) {
        const uint32_t* bp = b + pp * NR;
        // Even k row: the low halves shifted up; odd k row: the high halves, loaded with the low
        // ones zeroed (a load, no ALU operation).
        const __m512 e0 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_loadu_si512(bp), 16));
        const __m512 e1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_loadu_si512(bp + 16), 16));
        const __m512 o0 = _mm512_castsi512_ps(_mm512_maskz_loadu_epi16(kHighHalves, bp));
        const __m512 o1 = _mm512_castsi512_ps(_mm512_maskz_loadu_epi16(kHighHalves, bp + 16));
        const float* ap = a + 2 * pp * MR;
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            const __m512 ae = _mm512_set1_ps(ap[r]);
            c0[r] = _mm512_fmadd_ps(ae, e0, c0[r]);
            c1[r] = _mm512_fmadd_ps(ae, e1, c1[r]);
            const __m512 ao = _mm512_set1_ps(ap[MR + r]);
            c0[r] = _mm512_fmadd_ps(ao, o0, c0[r]);
            c1[r] = _mm512_fmadd_ps(ao, o1, c1[r]);
        }
    }
    gemm::epilogue512::store<R>(t.out, c0, c1);
}

template <int... R>
constexpr std::array<void (*)(const tile_args&), sizeof...(R)> rows_of(std::integer_sequence<int, R...>) {
    return {&tile_rows<R + 1>...};
}
constexpr auto kTiles = rows_of(std::make_integer_sequence<int, MR>{});

void tile(const tile_args& t) { kTiles[t.out.m - 1](t); }

// 16 lanes rounded to bf16 values, as floats.
inline __m512 rounded(__m512 x) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(convert_impl::to_bf16_lanes(x), 16));
}

// A micro-panel as rounded floats: dst[p * MR + i] = bf16(A(i, p)) for p < kc rounded up to even
// (the padding row zero), i < rows.
void pack_a(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, uint32_t* dst_words) {
    float* dst = reinterpret_cast<float*>(dst_words);
    if (cs == 1) {  // row-major A: each row's k values are contiguous
        for (int i = 0; i < rows; ++i) {
            const float* row = src + i * rs;
            int64_t p = 0;
            for (; p + 16 <= kc; p += 16) {
                alignas(64) float v[16];
                _mm512_store_ps(v, rounded(_mm512_loadu_ps(row + p)));
#pragma GCC unroll 16
                for (int q = 0; q < 16; ++q) dst[(p + q) * MR + i] = v[q];
            }
            if (p < kc) {
                const int left = static_cast<int>(kc - p);
                alignas(64) float v[16];
                _mm512_store_ps(v, rounded(_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << left) - 1u), row + p)));
                for (int q = 0; q < left; ++q) dst[(p + q) * MR + i] = v[q];
            }
            if (kc & 1) dst[kc * MR + i] = 0.0f;
        }
        return;
    }
    // Transposed A: k value p of the panel's rows is a contiguous run of `rows` floats.
    const __mmask16 m = static_cast<__mmask16>((1u << rows) - 1u);
    for (int64_t p = 0; p < kc; ++p) _mm512_mask_storeu_ps(dst + p * MR, m, rounded(_mm512_maskz_loadu_ps(m, src + p * cs)));
    if (kc & 1) _mm512_mask_storeu_ps(dst + kc * MR, m, _mm512_setzero_ps());
}

void to_bf16(const float* x, uint16_t* y, int64_t n) { convert_impl::to_bf16_array(x, y, n); }
void to_f32(const uint16_t* x, float* y, int64_t n) { convert_impl::to_f32_array(x, y, n); }
void round_values(const float* x, float* y, int64_t n) { convert_impl::round_array(x, y, n); }

}  // namespace

const kernels* avx512_kernels() noexcept {
    static const kernels table{"avx512", &to_bf16, &to_f32, &round_values, MR, NR, /*kc=*/512, /*nc=*/512, &tile, &pack_a,
                               &pack512::pack_b<NR>, 0, 0, nullptr, nullptr, nullptr, /*a_words=*/2};
    return &table;
}

}  // namespace nn::bf16
