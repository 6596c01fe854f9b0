// Small-M SGEMM (m <= kStripMaxRows rows, row-major B read in place): one K block of
// C = act(alpha * A B + beta * C + bias) computed a strip of columns at a time, with the strip's
// accumulators in registers for the whole block. A micro-tile of 1 or 2 rows has only 2 or 4
// accumulator chains (the FMA latency, not the FMA pipes, bounds it) and reads B 128 bytes per
// row, rows a whole B row apart (page-apart loads the prefetchers follow poorly once B is out of
// cache). Here a strip is up to 24 vectors (AVX-512) wide for one row, fewer for more rows: every
// step of k reads a contiguous kilobyte-sized run of B's row and feeds one FMA per accumulator.
// Nothing is packed. Order of operations per element, the micro-kernel's (gemm_kernels.h): acc = 0,
// acc += A(i,p) * B(p,j) by FMA for p in the block in increasing order, then the row epilogue, so
// the driver's K blocking gives the tiles' bits. Included by each x86 ISA's gemm file: internal
// linkage (see simd.h).
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "gemm/gemm_kernels.h"
#include "gemm_mask.h"
#include "gemm_row_epilogue.h"
#include "simd.h"

namespace nn::gemm {
namespace {
namespace strip_impl {

using row_epilogue::epi;

// Vectors per strip: at most 24 accumulators (AVX-512) or 12 (AVX2), and no more than the
// registers left after the R broadcasts of A and one vector of B (32 zmm, 16 ymm: AVX2 with 4 rows
// takes 2 vectors, 3 would spill). R rows share each load of B.
template <class V, int R>
constexpr int kVectors = std::min((V::width == 16 ? 24 : 12) / R, ((V::width == 16 ? 32 : 16) - R - 1) / R);

// Rows [0, R) x S vectors of columns from j over the block's k steps; TAIL: the last vector has
// `count` < W columns (masked loads and stores, nothing touched past them).
template <class V, int R, int S, bool TAIL, bool PLAIN, class Act>
void strip(const rank_k_args& d, const epi& e, int64_t j, int count, Act& act) {
    using reg = typename V::reg;
    constexpr int W = V::width;
    const float* const a = d.a;
    const float* const b = d.b + j;
    const int64_t a_rs = d.a_rs, a_cs = d.a_cs, b_rs = d.b_rs, k = d.k;
    reg acc[R][S];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 24
        for (int v = 0; v < S; ++v) acc[r][v] = V::zero();
    for (int64_t p = 0; p < k; ++p) {
        // Formed as base + p * stride, never by stepping past the last row (stride overflow).
        const float* bp = b + p * b_rs;
        reg av[R];
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) av[r] = V::set1(a[r * a_rs + p * a_cs]);
#pragma GCC unroll 24
        for (int v = 0; v < S; ++v) {
            reg bv = TAIL && v == S - 1 ? mask_impl::load_first<V>(bp + v * W, count) : V::load(bp + v * W);
            // One load per vector of B, shared by the R rows: left to itself the compiler folds
            // the load into each row's FMA, R loads a vector, and the loads, not the FMAs, bound.
            if constexpr (R > 1) asm("" : "+v"(bv));
#pragma GCC unroll 4
            for (int r = 0; r < R; ++r) acc[r][v] = V::fmadd(av[r], bv, acc[r][v]);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 24
        for (int v = 0; v < S; ++v) {
            float* cp = d.c + r * d.ldc + j + v * W;
            if (TAIL && v == S - 1) row_epilogue::finish<V, PLAIN, true>(cp, acc[r][v], e, r, j + v * W, count, act);
            else row_epilogue::finish<V, PLAIN, false>(cp, acc[r][v], e, r, j + v * W, W, act);
        }
}

// The last 0 < n - j <= S * W columns as one strip of ceil((n - j) / W) vectors, the last one
// masked when partial. Every vector's FMA chain runs beside the others: strips of S / 2, S / 4, ...
// would each walk the block's k steps again with fewer chains than the FMA latency needs (n = 17,
// one row: two passes of one chain each instead of one pass of two).
template <class V, int R, int S, bool PLAIN, class Act>
void last_strip(const rank_k_args& d, const epi& e, int64_t j, Act& act) {
    constexpr int W = V::width;
    const int64_t left = d.n - j;
    if constexpr (S > 1) {
        if (left <= (S - 1) * W) {
            last_strip<V, R, S - 1, PLAIN>(d, e, j, act);
            return;
        }
    }
    const int count = static_cast<int>(left - (S - 1) * W);  // columns of the last vector, 1..W
    if (count == W) strip<V, R, S, false, PLAIN>(d, e, j, W, act);
    else strip<V, R, S, true, PLAIN>(d, e, j, count, act);
}

// Columns [j, n) by strips of S vectors while they fit, then the rest as one strip.
template <class V, int R, int S, bool PLAIN, class Act>
void strips(const rank_k_args& d, const epi& e, int64_t j, Act& act) {
    constexpr int W = V::width;
    for (; j + S * W <= d.n; j += S * W) strip<V, R, S, false, PLAIN>(d, e, j, W, act);
    if (j < d.n) last_strip<V, R, S, PLAIN>(d, e, j, act);
}

template <class V, int R, class Act>
void rows(const rank_k_args& d, Act& act) {
    const epi e{d.alpha, d.beta, d.bias_row, d.bias_col, d.act};
    if (e.plain()) strips<V, R, kVectors<V, R>, true>(d, e, 0, act);
    else strips<V, R, kVectors<V, R>, false>(d, e, 0, act);
}

// act(int activation, V::reg) -> V::reg: the ISA's vectorized activation.
template <class V, class Act>
void row_strip(const rank_k_args& d, Act&& act) {
    static_assert(kStripMaxRows == 4, "one instantiation per row count");
    switch (d.m) {
        case 1: rows<V, 1>(d, act); break;
        case 2: rows<V, 2>(d, act); break;
        case 3: rows<V, 3>(d, act); break;
        case 4: rows<V, 4>(d, act); break;
        default: break;
    }
}

}  // namespace strip_impl
}  // namespace
}  // namespace nn::gemm
