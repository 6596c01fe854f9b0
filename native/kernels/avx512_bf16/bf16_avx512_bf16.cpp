// bf16 GEMM micro-kernel on AVX512_BF16: 12 x 32 tile, 24 zmm accumulators, like the float32
// AVX-512 kernel, but each vdpbf16ps multiplies a pair of k values per lane: twice the
// multiply-adds of an FMA per instruction. A pair of A (one 32-bit broadcast) meets two zmm of B
// pairs (32 columns). Blocking: kc = 512 (the A micro-panel, 12 x 256 pairs = 12 KiB, in L1),
// nc = 512 (the B block, 512 x 512 bf16 = 512 KiB, in Zen 4/5's 1 MiB L2).
#include <immintrin.h>

#include <array>
#include <cstdint>
#include <utility>

#include "../avx512/bf16_pack_avx512.h"
#include "../avx512/gemm_epilogue_avx512.h"
#include "../common/bf16_convert.h"
#include "bf16/bf16.h"

namespace nn::bf16 {
namespace {

constexpr int MR = 12;
constexpr int NR = 32;

template <int R>
void tile_rows(const tile_args& t) {
    __m512 c0[R], c1[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
    gemm::epilogue512::prefetch_c<R>(t.out);
    const uint32_t* const a = t.a;
    const uint32_t* const b = t.b;
#pragma GCC unroll 2
    for (int64_t pp = 0; pp < t.kp; ++pp) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + pp * NR);
        const __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + pp * NR + 16);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            const __m512bh av = (__m512bh)_mm512_set1_epi32(static_cast<int>(a[pp * MR + r]));
            c0[r] = _mm512_dpbf16_ps(c0[r], av, b0);
            c1[r] = _mm512_dpbf16_ps(c1[r], av, b1);
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

using pack512::pairs_of_row;
using pack512::pairs_of_runs;

// A micro-panel as pairs: dst[pp * MR + i] = bf16(A(i, 2pp)) | bf16(A(i, 2pp + 1)) << 16.
void pack_a(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, uint32_t* dst) {
    if (cs == 1) {  // row-major A: each row's k values are contiguous
        for (int i = 0; i < rows; ++i) pairs_of_row(src + i * rs, kc, dst + i, MR);
        return;
    }
    // Transposed A: k value p of the panel's rows is a contiguous run of `rows` floats.
    const __mmask16 m = static_cast<__mmask16>((1u << rows) - 1u);
    for (int64_t p = 0; p < kc; p += 2)
        _mm512_mask_storeu_epi32(dst + (p / 2) * MR, m, pairs_of_runs(src + p * cs, p + 1 < kc ? src + (p + 1) * cs : nullptr, m));
}

// Winograd's transform-domain GEMM (kernels::winograd_gemm): WKMR output channels (one 32-bit
// broadcast of a U pair each) by WNV zmm of V pairs (16 tiles each), 24 accumulators, the shape
// of the float32 AVX-512 Winograd GEMM (8 x 48) with a pair of input channels per step.
constexpr int WKMR = 8, WNV = 3, WNT = 16 * WNV;

void winograd_gemm(const uint32_t* u, const uint32_t* v, int64_t vs, int64_t pairs, const float* init, float* m) {
    __m512 acc[WKMR][WNV];
#pragma GCC unroll 8
    for (int r = 0; r < WKMR; ++r) {
        const __m512 start = init ? _mm512_set1_ps(init[r]) : _mm512_setzero_ps();
#pragma GCC unroll 3
        for (int j = 0; j < WNV; ++j) acc[r][j] = start;
    }
    for (int64_t cp = 0; cp < pairs; ++cp) {
        __m512bh vv[WNV];
#pragma GCC unroll 3
        for (int j = 0; j < WNV; ++j) vv[j] = (__m512bh)_mm512_loadu_si512(v + cp * vs + 16 * j);
#pragma GCC unroll 8
        for (int r = 0; r < WKMR; ++r) {
            const __m512bh uv = (__m512bh)_mm512_set1_epi32(static_cast<int>(u[cp * WKMR + r]));
#pragma GCC unroll 3
            for (int j = 0; j < WNV; ++j) acc[r][j] = _mm512_dpbf16_ps(acc[r][j], uv, vv[j]);
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < WKMR; ++r)
#pragma GCC unroll 3
        for (int j = 0; j < WNV; ++j) _mm512_storeu_ps(m + r * WNT + 16 * j, acc[r][j]);
}

void row_pairs(const float* src, int64_t vs, int64_t rows, int64_t n, uint32_t* dst, int64_t dvs) {
    for (int64_t cp = 0; 2 * cp < rows; ++cp) {
        const float* even = src + 2 * cp * vs;
        const float* odd = 2 * cp + 1 < rows ? even + vs : nullptr;
        for (int64_t q = 0; q < n; q += 16) {
            const int64_t left = n - q;
            const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
            _mm512_mask_storeu_epi32(dst + cp * dvs + q, m, pairs_of_runs(even + q, odd ? odd + q : nullptr, m));
        }
    }
}

// kernels::rate_chains: 12 independent accumulator chains (more than latency x throughput needs
// on any core we know), `steps` instructions each. The operands come from `seed` and the sums go
// to `out`, so the compiler can neither fold nor drop the loop.
void rate_chains(bool dot, int64_t steps, const float* seed, float* out) {
    constexpr int C = 12;
    __m512 acc[C];
#pragma GCC unroll 12
    for (int c = 0; c < C; ++c) acc[c] = _mm512_set1_ps(seed[0] * static_cast<float>(c));
    const __m512 x = _mm512_set1_ps(seed[1]), y = _mm512_set1_ps(seed[2]);
    if (dot) {
        const __m512bh xb = _mm512_cvtne2ps_pbh(x, x), yb = _mm512_cvtne2ps_pbh(y, y);
        for (int64_t s = 0; s < steps; ++s) {
#pragma GCC unroll 12
            for (int c = 0; c < C; ++c) acc[c] = _mm512_dpbf16_ps(acc[c], xb, yb);
        }
    } else {
        for (int64_t s = 0; s < steps; ++s) {
#pragma GCC unroll 12
            for (int c = 0; c < C; ++c) acc[c] = _mm512_fmadd_ps(acc[c], x, y);
        }
    }
    __m512 sum = acc[0];
#pragma GCC unroll 12
    for (int c = 1; c < C; ++c) sum = _mm512_add_ps(sum, acc[c]);
    _mm512_storeu_ps(out, sum);
}

void to_bf16(const float* x, uint16_t* y, int64_t n) { convert_impl::to_bf16_array(x, y, n); }
void to_f32(const uint16_t* x, float* y, int64_t n) { convert_impl::to_f32_array(x, y, n); }
void round_values(const float* x, float* y, int64_t n) { convert_impl::round_array(x, y, n); }

}  // namespace

const kernels* avx512_bf16_kernels() noexcept {
    static const kernels table{"avx512_bf16", &to_bf16, &to_f32, &round_values, MR, NR, /*kc=*/512, /*nc=*/512, &tile, &pack_a, &pack512::pack_b<NR>,
                               WKMR, WNT, &winograd_gemm, &row_pairs, &rate_chains};
    return &table;
}

}  // namespace nn::bf16
