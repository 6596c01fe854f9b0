// Narrow-N SGEMM (n within one or two vectors, K beyond the rank-k update's): one K block of
// C = act(alpha * A B + beta * C + bias) over rows [0, m), each row one or two vectors of
// accumulators, rows in groups that share each load of B's row. The micro-tile runs such a
// product as tiles of MR rows, and at small K a tile's fixed cost (zeroing and storing its accumulators, the
// call, packing B) is a large share of its multiply-adds (1308x13x29: ~300 cycles a 12-row tile
// against 174 of FMAs); here a group of rows costs its FMAs, one load of B per step and its
// stores, all groups in one call. Nothing is packed: A is read in place in any layout, B
// row-major (the driver gathers any other layout). Emerald Rapids, 1 thread, CPU time,
// interleaved with the tiles, medians of 3: AVX-512 1308x13x29 1.21x, 2000x9x20 1.34x,
// 1000x16x64 1.11x, 1000x12x128 1.08x, 1000x10x256 1.0x; AVX2 cap 1308x7x29 1.26x, 2000x5x20
// 1.31x, 1000x8x64 1.29x, 1000x6x128 1.27x, 1000x8x256 1.23x.
// Order of operations per element, the micro-kernel's (gemm_kernels.h): acc = 0, acc += A(i,p) *
// B(p,j) by FMA for p in the block in increasing order, then the row epilogue, so with the
// driver's K blocking the bits are the tiles'. Included by each x86 ISA's gemm file: internal
// linkage (see simd.h).
#pragma once
#include <cstdint>

#include "gemm/gemm_kernels.h"
#include "gemm_mask.h"
#include "gemm_row_epilogue.h"
#include "simd.h"

namespace nn::gemm {
namespace {
namespace narrow_impl {

using row_epilogue::epi;

// Rows a group: one accumulator chain a vector each, at least the 8 chains the FMA latency needs
// (4 cycles, 2 FMAs a cycle). 16 rows on AVX-512 ran at 0.75-0.95x of the tiles: GCC keeps a
// pointer a row, and 16 do not fit the general registers (moved in from vector registers every
// step); 8 do. AVX2 with two vectors a row takes 4 rows (16 ymm: 8 sums, 2 of B, the broadcast).
template <class V, int NV>
constexpr int kRows = V::width == 8 && NV == 2 ? 4 : 8;

// Rows [i0, i0 + R) over NV vectors of columns; TAIL: the last vector has count < W columns
// (masked loads and stores, nothing touched past them).
template <class V, int R, int NV, bool TAIL, bool PLAIN, class Act>
void group(const rank_k_args& d, const epi& e, int64_t i0, Act& act) {
    using reg = typename V::reg;
    constexpr int W = V::width;
    const int count = static_cast<int>(d.n - (NV - 1) * W);  // columns of the last vector
    const float* const a = d.a + i0 * d.a_rs;
    const int64_t a_rs = d.a_rs, a_cs = d.a_cs, b_rs = d.b_rs, k = d.k;
    reg acc[R][NV];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < NV; ++v) acc[r][v] = V::zero();
    for (int64_t p = 0; p < k; ++p) {
        // Formed as base + p * stride, never by stepping past the last row (stride overflow).
        const float* bp = d.b + p * b_rs;
        reg bv[NV];
        for (int v = 0; v < NV; ++v) {
            bv[v] = TAIL && v == NV - 1 ? mask_impl::load_first<V>(bp + v * W, count) : V::load(bp + v * W);
            // One load of B shared by the R rows (left to itself the compiler folds it into each FMA).
            asm("" : "+v"(bv[v]));
        }
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            // Row r from a base every 3 rows plus 0, rs or 2 * rs, which x86 addressing encodes.
            const float* ap = a + p * a_cs + (r / 3) * 3 * a_rs;
            const reg av = V::set1(ap[(r % 3) * a_rs]);
            for (int v = 0; v < NV; ++v) acc[r][v] = V::fmadd(av, bv[v], acc[r][v]);
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < NV; ++v) {
            float* cp = d.c + (i0 + r) * d.ldc + v * W;
            if (TAIL && v == NV - 1) row_epilogue::finish<V, PLAIN, true>(cp, acc[r][v], e, i0 + r, v * W, count, act);
            else row_epilogue::finish<V, PLAIN, false>(cp, acc[r][v], e, i0 + r, v * W, W, act);
        }
}

// Full groups, then the last rows in groups of R/2, R/4, ... (a single row runs NV chains: the
// latency bounds it, which only the last row or so of a call pays).
template <class V, int R, int NV, bool TAIL, bool PLAIN, class Act>
void rows_from(const rank_k_args& d, const epi& e, int64_t i, Act& act) {
    for (; i + R <= d.m; i += R) group<V, R, NV, TAIL, PLAIN>(d, e, i, act);
    if constexpr (R > 1) {
        if (i < d.m) rows_from<V, R / 2, NV, TAIL, PLAIN>(d, e, i, act);
    }
}

template <class V, int NV, bool PLAIN, class Act>
void all_rows(const rank_k_args& d, const epi& e, Act& act) {
    constexpr int W = V::width;
    if (d.n < NV * W) rows_from<V, kRows<V, NV>, NV, true, PLAIN>(d, e, 0, act);
    else rows_from<V, kRows<V, NV>, NV, false, PLAIN>(d, e, 0, act);
}

// act(int activation, V::reg) -> V::reg: the ISA's vectorized activation.
template <class V, class Act>
void narrow(const rank_k_args& d, Act&& act) {
    constexpr int W = V::width;
    if (d.m <= 0 || d.n <= 0 || d.n > 2 * W) return;
    const epi e{d.alpha, d.beta, d.bias_row, d.bias_col, d.act};
    if (d.n <= W) {
        if (e.plain()) all_rows<V, 1, true>(d, e, act);
        else all_rows<V, 1, false>(d, e, act);
    } else {
        if (e.plain()) all_rows<V, 2, true>(d, e, act);
        else all_rows<V, 2, false>(d, e, act);
    }
}

}  // namespace narrow_impl
}  // namespace
}  // namespace nn::gemm
