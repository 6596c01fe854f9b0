// SGEMM kernel table (registration as data): one struct per ISA holding the micro-kernel, its
// tile shape, the cache blocking the driver uses with it, and the packing routines.
//
// Micro-kernel contract (BLIS style, row-major): one call computes an m x n tile of C
// (m <= mr, n <= nr) over k steps:
//     acc[i][j] = sum_{p < k} A(i, p) * B(p, j)      (FMA, p in increasing order, from 0)
//     C[i][j]   = act(alpha * acc + beta * C + bias)  (beta == 0: C is never read)
// The order of operations for one element depends only on k, never on the tile's position,
// m, n, the packing or the thread count: this is what makes 1 vs N threads and packed vs
// unpacked B bitwise equal.
#pragma once
#include <cstdint>

#include "runtime/kernel_table.h"

namespace nn::gemm {

struct tile_args {
    int64_t k;
    // A(i, p) = a[i * a_rs + p * a_cs]. Packed A: a_rs = 1, a_cs = mr.
    const float* a;
    int64_t a_rs, a_cs;
    // B(p, j) = b[p * b_rs + j]. Packed B: b_rs = nr and columns >= n are zero (full-width
    // loads); unpacked B: only columns < n are read (masked loads).
    const float* b;
    int64_t b_rs;
    float* c;
    int64_t ldc;
    int m, n;
    bool a_packed, b_packed;
    float alpha, beta;
    const float* bias_row;  // m values (bias per row of C), or null
    const float* bias_col;  // n values (bias per column of C), or null
    int act;                // nn::gemm::activation
    bool prefetch_b = false;  // B streamed once from memory (unpacked, or a pre-packed panel this
                              // tile reads first): kernels may prefetch its rows
};

// Skinny-N product (kernels/common/gemm_dot.h): C rows [0, m) of n <= kDotMaxN columns, each
// element one dot product over all of k. A(i, p) = a[i * lda + p] (row-major A, read in place);
// B(p, j) = bt[j * k + p] (the driver gathers B's n columns, k floats each).
constexpr int kDotMaxN = 4;
struct dot_args {
    int64_t m, k;
    const float* a;
    int64_t lda;
    const float* bt;
    int n;
    float* c;
    int64_t ldc;
    float alpha, beta;
    const float* bias_row;  // m values, or null
    const float* bias_col;  // n values, or null
    int act;
};

// Small-K product (kernels/common/gemm_rank_k.h): C rows [0, m) x columns [0, n) as one rank-k
// update, k <= kRankKMaxK. A(i, p) = a[i * a_rs + p * a_cs] (read in place, any layout);
// B(p, j) = b[p * b_rs + j] (row-major: the driver gathers transposed or pre-packed B).
constexpr int kRankKMaxK = 8;
struct rank_k_args {
    int64_t m, n;
    int k;
    const float* a;
    int64_t a_rs, a_cs;
    const float* b;
    int64_t b_rs;
    float* c;
    int64_t ldc;
    float alpha, beta;
    const float* bias_row;  // m values, or null
    const float* bias_col;  // n values, or null
    int act;
};

// Small-M product (kernels/common/gemm_row_strip.h): one K block (k steps, at most the driver's
// K block) of C rows [0, m) x columns [0, n), m <= kStripMaxRows, with the same arguments as the
// rank-k kernel: A read in place in any layout, row-major B read in place.
constexpr int kStripMaxRows = 4;

struct kernels {
    const char* isa;
    int mr, nr;      // micro-tile
    int64_t kc, nc;  // K block (A micro-panel in L1, B block in L2), N block (B block kc x nc in L2)
    void (*tile)(const tile_args& t);
    // dst[p * mr + i] = src[i * rs + p * cs] for i < rows (<= mr), p < kc.
    void (*pack_a)(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, float* dst);
    // B block kc x nc as ceil(nc / nr) panels: dst[(j / nr) * kc * nr + p * nr + j % nr] =
    // src[p * rs + j * cs] for j < nc, zero up to the next multiple of nr.
    void (*pack_b)(const float* src, int64_t rs, int64_t cs, int64_t kc, int64_t nc, float* dst);
    // Skinny-N dot-product kernel, or null (then every shape runs on tiles).
    void (*dot)(const dot_args& d) = nullptr;
    // Small-K rank-k kernel, or null (then small K runs on tiles).
    void (*rank_k)(const rank_k_args& d) = nullptr;
    // Small-M row-strip kernel, or null (then small M runs on tiles).
    void (*row_strip)(const rank_k_args& d) = nullptr;
    // Micro-panels of a panel-major range up to which row-major B beyond the cached size is
    // streamed in place (the tile prefetches its rows when asked, tile_args::prefetch_b); 0: packed.
    int64_t stream_b_panels = 0;
    // Narrow-N kernel (n <= nr / 2: one vector a row, or n <= nr: two; one K block, same arguments
    // as the rank-k kernel), or null (then narrow N runs on the tiles).
    void (*narrow)(const rank_k_args& d) = nullptr;
    // K up to which the narrow kernel takes n in (nr / 2, nr] (two vectors a row); 0: the tiles.
    int64_t narrow_wide_max_k = 0;
};

NN_KERNEL_TABLES(kernels)

}  // namespace nn::gemm
