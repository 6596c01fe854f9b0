// Skinny-N SGEMM (n <= kDotMaxN columns, row-major A): each C(i, j) is one dot product of A's
// row i with column j of B over all of k, vectorized along k. A tile of NR columns would spend
// most of its multiply-adds on columns that do not exist (n = 1 uses 1 lane of 16); here every
// lane works, and A is read once, in place, in the order it is stored.
// Order of operations per element, a function of k alone: lane l sums p = l, l + W, l + 2W, ...
// by FMA (the tail zero-filled), the lanes are added as a halving tree, then
// act(alpha * dot + beta * C + bias). The row grouping (up to 16 rows share each B load and one
// batched lane reduction) and the thread split over rows do not change it.
// Included by each ISA's gemm file: everything here has internal linkage.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "gemm/gemm_kernels.h"
#include "gemm_mask.h"
#include "simd.h"

namespace nn::gemm {
namespace {
namespace dot_impl {

// Accumulators a row group may hold: 16 zmm of 32 (AVX-512), 8 ymm of 16 (AVX2), so the loads
// of A and B never spill.
template <class V>
constexpr int kSlots = V::width == 16 ? 16 : 8;
// Rows per group for n columns: as many as fill the slots, so each B load serves several rows
// and one batched reduction finishes them all.
template <class V, int N>
constexpr int kRows = kSlots<V> / N;

using mask_impl::load_first;

// Lane sums of up to kSlots accumulators at once: out[s] = sum of acc[s]'s lanes, by the halving
// tree x[l] += x[l + h] for h = W/2, ..., 1 (the order lane_sum used, so results are unchanged).
// Each step adds pairs of registers after a two-source shuffle that puts one register's low
// halves beside the other's, so S slots cost about S shuffle-add pairs, not S separate trees.
// out[0, kSlots) is written in full (slots >= S hold zero sums).
template <class V, int S>
__attribute__((always_inline)) inline void lane_sums(typename V::reg (&acc)[S], float* out) {
    using reg = typename V::reg;
    constexpr int W = V::width;
    constexpr int P = kSlots<V>;
    static_assert(S <= P, "one register of sums");
    reg x[P];
#pragma GCC unroll 16
    for (int s = 0; s < P; ++s) x[s] = s < S ? acc[s] : V::zero();
    // Every loop bound is a constant, so the compiler keeps x in registers.
    // h = W/2 (and W/4 for 16 lanes): whole 128-bit blocks move; rows end one per block.
    if constexpr (W == 16) {
#if defined(__AVX512F__)
        // _mm512_shuffle_f32x4 through its masked form with an all-ones mask: the plain
        // intrinsic starts from _mm512_undefined_ps, which GCC 12 reports as an uninitialized read.
#  define NN_BLOCKS(a, b, imm) _mm512_mask_shuffle_f32x4(a, 0xFFFF, a, b, imm)
#pragma GCC unroll 16
        for (int s = 0; s < P / 2; ++s)  // [a lo 8 | b lo 8] + [a hi 8 | b hi 8]
            x[s] = _mm512_add_ps(NN_BLOCKS(x[2 * s], x[2 * s + 1], 0x44), NN_BLOCKS(x[2 * s], x[2 * s + 1], 0xEE));
#pragma GCC unroll 16
        for (int s = 0; s < P / 4; ++s)  // blocks 0, 2 of each + blocks 1, 3 of each
            x[s] = _mm512_add_ps(NN_BLOCKS(x[2 * s], x[2 * s + 1], 0x88), NN_BLOCKS(x[2 * s], x[2 * s + 1], 0xDD));
#  undef NN_BLOCKS
#pragma GCC unroll 16
        for (int s = 0; s < P / 8; ++s)  // h = 2 within each block
            x[s] = _mm512_add_ps(_mm512_shuffle_ps(x[2 * s], x[2 * s + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                                 _mm512_shuffle_ps(x[2 * s], x[2 * s + 1], _MM_SHUFFLE(3, 2, 3, 2)));
        x[0] = _mm512_add_ps(_mm512_shuffle_ps(x[0], x[1], _MM_SHUFFLE(2, 0, 2, 0)),  // h = 1
                             _mm512_shuffle_ps(x[0], x[1], _MM_SHUFFLE(3, 1, 3, 1)));
#endif
    } else {
#pragma GCC unroll 16
        for (int s = 0; s < P / 2; ++s)
            x[s] = _mm256_add_ps(_mm256_permute2f128_ps(x[2 * s], x[2 * s + 1], 0x20),
                                 _mm256_permute2f128_ps(x[2 * s], x[2 * s + 1], 0x31));
#pragma GCC unroll 16
        for (int s = 0; s < P / 4; ++s)  // h = 2 within each block
            x[s] = _mm256_add_ps(_mm256_shuffle_ps(x[2 * s], x[2 * s + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                                 _mm256_shuffle_ps(x[2 * s], x[2 * s + 1], _MM_SHUFFLE(3, 2, 3, 2)));
        x[0] = _mm256_add_ps(_mm256_shuffle_ps(x[0], x[1], _MM_SHUFFLE(2, 0, 2, 0)),  // h = 1
                             _mm256_shuffle_ps(x[0], x[1], _MM_SHUFFLE(3, 1, 3, 1)));
    }
    // Slot s sits in lane 4 * (s % B) + s / B (B = W / 4 blocks): one permute puts them in order.
    if constexpr (W == 16) {
#if defined(__AVX512F__)
        const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        V::store(out, _mm512_mask_permutexvar_ps(x[0], 0xFFFF, order, x[0]));  // masked form: see NN_BLOCKS
#endif
    } else {
        V::store(out, _mm256_permutevar8x32_ps(x[0], _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    }
}

// Rows [i0, i0 + rows) (rows <= R <= kRows) against the n = N columns of bt (column j at
// bt + j * k, contiguous). A short group repeats its last row in the unused slots and stores only
// its own rows. Every row is computed by the same instructions wherever it falls and whatever R:
// a slot's lane sum reads only its own accumulator.
template <class V, int N, int R, class Act>
void rows(const dot_args& d, int64_t i0, int nrows, Act&& act) {
    constexpr int W = V::width;
    static_assert(R >= 1 && R <= kRows<V, N>, "one register of sums");
    using reg = typename V::reg;
    const int64_t k = d.k, kv = k / W * W;
    // Every loop over rows and columns is unrolled in full: a loop left rolled indexes acc at run
    // time, which puts the accumulators in memory (a zeroing rep stos and loads per FMA).
    const float* a[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) a[r] = d.a + (i0 + (r < nrows ? r : nrows - 1)) * d.lda;
    reg acc[R * N];
#pragma GCC unroll 16
    for (int s = 0; s < R * N; ++s) acc[s] = V::zero();
    for (int64_t p = 0; p < kv; p += W) {
        reg b[N];
#pragma GCC unroll 4
        for (int j = 0; j < N; ++j) b[j] = V::load(d.bt + j * k + p);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            const reg av = V::load(a[r] + p);
#pragma GCC unroll 4
            for (int j = 0; j < N; ++j) acc[r * N + j] = V::fmadd(av, b[j], acc[r * N + j]);
        }
    }
    if (kv < k) {  // the tail, zero-filled: the same FMA per lane as a full step
        const int rem = static_cast<int>(k - kv);
        reg b[N];
#pragma GCC unroll 4
        for (int j = 0; j < N; ++j) b[j] = load_first<V>(d.bt + j * k + kv, rem);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            const reg av = load_first<V>(a[r] + kv, rem);
#pragma GCC unroll 4
            for (int j = 0; j < N; ++j) acc[r * N + j] = V::fmadd(av, b[j], acc[r * N + j]);
        }
    }
    alignas(64) float v[kSlots<V>];  // slot r * N + j = C(i0 + r, j)
    lane_sums<V>(acc, v);
    for (int s = 0; s < kSlots<V>; s += W) V::store(v + s, V::mul(V::set1(d.alpha), V::load(v + s)));
    if (d.beta != 0.0f || d.bias_row || d.bias_col)
        for (int r = 0; r < nrows; ++r) {
            const float* c = d.c + (i0 + r) * d.ldc;
            for (int j = 0; j < N; ++j) {
                float x = v[r * N + j];
                if (d.beta != 0.0f) x = std::fma(d.beta, c[j], x);
                if (d.bias_row) x += d.bias_row[i0 + r];
                if (d.bias_col) x += d.bias_col[j];
                v[r * N + j] = x;
            }
        }
    if (d.act != 0)
        for (int s = 0; s < kSlots<V>; s += W) V::store(v + s, act(d.act, V::load(v + s)));
    for (int r = 0; r < nrows; ++r) std::memcpy(d.c + (i0 + r) * d.ldc, v + r * N, sizeof(float) * N);
}

// Full groups of R rows, then the last m % R rows in groups of R/2 and R/4 (at least one row
// each), the smallest that holds what is left taking the remainder: 12 rows as 8 + 4 rather than
// 16 with 4 repeated, 23 as 16 + 8 rather than 16 + 16. Each repeated row costs a group's loads
// and FMAs over all of k.
template <class V, int N, class Act>
void all_rows(const dot_args& d, Act&& act) {
    constexpr int R = kRows<V, N>, R2 = R / 2 > 0 ? R / 2 : 1, R4 = R / 4 > 0 ? R / 4 : 1;
    int64_t i = 0;
    for (; d.m - i >= R; i += R) rows<V, N, R>(d, i, R, act);
    for (; d.m - i >= R2 && R2 < R; i += R2) rows<V, N, R2>(d, i, R2, act);
    const int left = static_cast<int>(d.m - i);
    if (left == 0) return;
    if (left <= R4) rows<V, N, R4>(d, i, left, act);
    else rows<V, N, R2>(d, i, left, act);
}

// act(int activation, V::reg) -> V::reg: the ISA's vectorized activation.
template <class V, class Act>
void dot(const dot_args& d, Act&& act) {
    static_assert(kDotMaxN == 4, "one instantiation per column count");
    switch (d.n) {
        case 1: all_rows<V, 1>(d, act); break;
        case 2: all_rows<V, 2>(d, act); break;
        case 3: all_rows<V, 3>(d, act); break;
        case 4: all_rows<V, 4>(d, act); break;
        default: break;
    }
}

}  // namespace dot_impl
}  // namespace
}  // namespace nn::gemm
