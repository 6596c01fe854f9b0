// Narrow-N SGEMM (n within one vector, K beyond the rank-k update's): one K block of
// C = act(alpha * A B + beta * C + bias) over rows [0, m), each row one vector of accumulators,
// rows in groups that share each load of B's row. The micro-tile runs such a product as half-width
// tiles of MR rows, and at small K a tile's fixed cost (zeroing and storing its accumulators, the
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

// Rows a group: one accumulator chain each, the 8 chains the FMA latency needs (4 cycles, 2 FMAs
// a cycle). 16 rows on AVX-512 ran at 0.75-0.95x of the tiles: GCC keeps a pointer a row, and 16
// do not fit the general registers (moved in from vector registers every step); 8 do.
template <class V>
constexpr int kRows = 8;

// Rows [i0, i0 + R); TAIL: n < W columns (masked loads and stores, nothing touched past them).
template <class V, int R, bool TAIL, bool PLAIN, class Act>
void group(const rank_k_args& d, const epi& e, int64_t i0, Act& act) {
    using reg = typename V::reg;
    const int count = static_cast<int>(d.n);
    const float* const a = d.a + i0 * d.a_rs;
    const int64_t a_rs = d.a_rs, a_cs = d.a_cs, b_rs = d.b_rs, k = d.k;
    reg acc[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc[r] = V::zero();
    for (int64_t p = 0; p < k; ++p) {
        // Formed as base + p * stride, never by stepping past the last row (stride overflow).
        const float* bp = d.b + p * b_rs;
        reg bv = TAIL ? mask_impl::load_first<V>(bp, count) : V::load(bp);
        // One load of B shared by the R rows (left to itself the compiler folds it into each FMA).
        asm("" : "+v"(bv));
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            // Row r from a base every 3 rows plus 0, rs or 2 * rs, which x86 addressing encodes
            // (a pointer a row would not fit the registers; r * rs would take a multiply a row).
            const float* ap = a + p * a_cs + (r / 3) * 3 * a_rs;
            acc[r] = V::fmadd(V::set1(ap[(r % 3) * a_rs]), bv, acc[r]);
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) row_epilogue::finish<V, PLAIN, TAIL>(d.c + (i0 + r) * d.ldc, acc[r], e, i0 + r, 0, count, act);
}

// Full groups, then the last rows in groups of R/2, R/4, ... (a single row runs one chain: the
// latency bounds it, which only the last row or so of a call pays).
template <class V, int R, bool TAIL, bool PLAIN, class Act>
void rows_from(const rank_k_args& d, const epi& e, int64_t i, Act& act) {
    for (; i + R <= d.m; i += R) group<V, R, TAIL, PLAIN>(d, e, i, act);
    if constexpr (R > 1) {
        if (i < d.m) rows_from<V, R / 2, TAIL, PLAIN>(d, e, i, act);
    }
}

// act(int activation, V::reg) -> V::reg: the ISA's vectorized activation.
template <class V, class Act>
void narrow(const rank_k_args& d, Act&& act) {
    constexpr int W = V::width;
    if (d.m <= 0 || d.n <= 0 || d.n > W) return;
    const epi e{d.alpha, d.beta, d.bias_row, d.bias_col, d.act};
    const bool tail = d.n < W;
    if (e.plain()) {
        if (tail) rows_from<V, kRows<V>, true, true>(d, e, 0, act);
        else rows_from<V, kRows<V>, false, true>(d, e, 0, act);
    } else {
        if (tail) rows_from<V, kRows<V>, true, false>(d, e, 0, act);
        else rows_from<V, kRows<V>, false, false>(d, e, 0, act);
    }
}

}  // namespace narrow_impl
}  // namespace
}  // namespace nn::gemm
