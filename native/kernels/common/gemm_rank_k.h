// Small-K SGEMM (k <= kRankKMaxK): C = act(alpha * A B + beta * C + bias) as one rank-k update
// that streams C once. With k this small a packed micro-tile spends its time on packing, on
// zeroing and storing accumulators and on the call per tile, not on multiply-adds; here each row
// of C is finished in one pass: A's k values of a few rows are broadcast once into registers, B's
// k rows are read in place (they stay in L1: a column block of B is at most 16 KiB), and every
// vector of C costs k FMAs, the epilogue and one store. Masked vectors take the column tail.
// Order of operations per element, the micro-kernel's (gemm_kernels.h): acc = 0, acc += A(i,p) *
// B(p,j) by FMA for p = 0 .. k-1, then alpha, beta, bias, activation, so the result is bitwise
// the one the tiles give. Included by each x86 ISA's gemm file: internal linkage (see simd.h).
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
namespace rank_k_impl {

// Rows that share each load of B: their k broadcasts fill at most half the vector registers
// (32 zmm, 16 ymm), and at most 4 (more rows save no loads that matter next to the stores).
template <class V, int K>
constexpr int kRows = std::clamp((V::width == 16 ? 16 : 8) / K, 1, 4);
// Vectors of columns per step: enough that R * NV >= 8 accumulator chains cover the FMA latency
// (4 cycles, 2 FMAs a cycle), as registers allow (R * K broadcasts, R * NV sums, B, alpha, beta).
template <class V, int K>
constexpr int kVectors = std::clamp(std::min(8 / kRows<V, K>, ((V::width == 16 ? 32 : 16) - kRows<V, K> * K - 3) / kRows<V, K>), 1, 4);

using row_epilogue::epi;

// Rows [i0, i0 + R) of C over columns [j0, j1). Each step takes NV vectors of columns (R * NV
// accumulator chains), then single vectors; the last, partial vector is masked.
// head: columns [j0, j0 + head) first as one masked vector, so the stores after it start on a
// vector boundary of C (0: none).
template <class V, int K, int R, int NV, bool PLAIN, class Act>
void row_group(const rank_k_args& d, const epi e, int64_t i0, int64_t j0, int64_t j1, Act& act, int head = 0) {
    using reg = typename V::reg;
    constexpr int W = V::width;
    const float* const b = d.b;
    const int64_t b_rs = d.b_rs, ldc = d.ldc;
    float* const c = d.c + i0 * ldc;
    reg a[R][K];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
        for (int p = 0; p < K; ++p) a[r][p] = V::set1(d.a[(i0 + r) * d.a_rs + p * d.a_cs]);
    // NV vectors of columns from j; TAIL: one vector of `count` < W columns, masked.
    auto step = [&](int64_t j, int count, auto nv, auto tail) {
        constexpr int S = decltype(nv)::value;
        constexpr bool TAIL = decltype(tail)::value;
        auto load = [&](const float* p) { return TAIL ? mask_impl::load_first<V>(p, count) : V::load(p); };
        reg acc[R][S];
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r)
            for (int v = 0; v < S; ++v) acc[r][v] = V::zero();
#pragma GCC unroll 8
        for (int p = 0; p < K; ++p)
            for (int v = 0; v < S; ++v) {
                const reg bv = load(b + p * b_rs + j + v * W);
#pragma GCC unroll 4
                for (int r = 0; r < R; ++r) acc[r][v] = V::fmadd(a[r][p], bv, acc[r][v]);
            }
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r)
            for (int v = 0; v < S; ++v)
                row_epilogue::finish<V, PLAIN, TAIL>(c + r * ldc + j + v * W, acc[r][v], e, i0 + r, j + v * W, count, act);
    };
    using one = std::integral_constant<int, 1>;
    int64_t j = j0;
    if (head > 0) {
        step(j, head, one{}, std::true_type{});
        j += head;
    }
    for (; j + NV * W <= j1; j += NV * W) step(j, W, std::integral_constant<int, NV>{}, std::false_type{});
    for (; j + W <= j1; j += W) step(j, W, one{}, std::false_type{});
    if (j < j1) step(j, static_cast<int>(j1 - j), one{}, std::true_type{});
}

// N within one vector (n <= W): B's k rows stay in registers for the whole call, and kNarrowRows
// rows share them, each with one accumulator: per row k FMAs on broadcast A and one store (the
// row groups above would reload B and preload A's broadcasts for every two rows).
template <class V>
constexpr int kNarrowRows = V::width == 16 ? 8 : 4;

template <class V, int K, int R, bool PLAIN, bool TAIL, class Act>
__attribute__((always_inline)) inline void narrow_group(const rank_k_args& d, const epi& e, const typename V::reg (&b)[K],
                                                        int64_t i0, Act& act) {
    using reg = typename V::reg;
    reg acc[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) acc[r] = V::zero();
#pragma GCC unroll 8
    for (int p = 0; p < K; ++p)
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) acc[r] = V::fmadd(V::set1(d.a[(i0 + r) * d.a_rs + p * d.a_cs]), b[p], acc[r]);
    const int count = static_cast<int>(d.n);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) row_epilogue::finish<V, PLAIN, TAIL>(d.c + (i0 + r) * d.ldc, acc[r], e, i0 + r, 0, count, act);
}

template <class V, int K, bool PLAIN, bool TAIL, class Act>
void narrow_rows(const rank_k_args& d, const epi& e, Act& act) {
    using reg = typename V::reg;
    constexpr int R = kNarrowRows<V>;
    const int count = static_cast<int>(d.n);
    reg b[K];
#pragma GCC unroll 8
    for (int p = 0; p < K; ++p) b[p] = TAIL ? mask_impl::load_first<V>(d.b + p * d.b_rs, count) : V::load(d.b + p * d.b_rs);
    int64_t i = 0;
    for (; i + R <= d.m; i += R) narrow_group<V, K, R, PLAIN, TAIL>(d, e, b, i, act);
    for (; i < d.m; ++i) narrow_group<V, K, 1, PLAIN, TAIL>(d, e, b, i, act);
}

template <class V, int K, bool PLAIN, class Act>
void all_rows(const rank_k_args& d, const epi& e, Act& act) {
    constexpr int R = kRows<V, K>, NV = kVectors<V, K>, W = V::width;
    if (d.n < W) return narrow_rows<V, K, PLAIN, true>(d, e, act);
    if (d.n == W) return narrow_rows<V, K, PLAIN, false>(d, e, act);
    // Column blocks whose k rows of B take at most 32 KiB, so B stays in L1 across the rows.
    constexpr int64_t NB = std::max<int64_t>(NV * W, 8192 / K / (NV * W) * (NV * W));
    // Rows of C off the vector grid (ldc not a multiple of W) where C is larger than L1D (or too
    // few rows to share B's loads anyway): C is written from L2 or memory, and a vector store
    // across two cache lines costs two, so each row is walked on its own from a masked head up to
    // its first vector boundary, its blocks shifted by that head; every store after the head is
    // aligned. Emerald Rapids, 1 thread: 76x1879x3 1.9x, 34x423x3 1.6x, 119x166x2 1.5x, 3x2275x2
    // 1.15x; with C in L1 the row groups' shared B loads win (40x200x3 0.6x, 9x700x4 0.7x per row).
    constexpr int64_t kL1CFloats = 12288;  // 48 KiB
    if (d.ldc % W != 0 && (d.m < R || d.m > kL1CFloats / d.n)) {  // n >= W here; m * n may overflow
        for (int64_t jb = 0; jb < d.n; jb += NB)
            for (int64_t i = 0; i < d.m; ++i) {
                const auto addr = reinterpret_cast<uintptr_t>(d.c + i * d.ldc);
                const int64_t h = addr % sizeof(float) ? 0 : static_cast<int64_t>((W - addr / sizeof(float) % W) % W);
                const int64_t j0 = jb == 0 ? 0 : std::min(d.n, jb + h), j1 = std::min(d.n, jb + NB + h);
                if (j0 < j1) row_group<V, K, 1, NV, PLAIN>(d, e, i, j0, j1, act, jb == 0 ? static_cast<int>(std::min(h, j1)) : 0);
            }
        return;
    }
    for (int64_t jb = 0; jb < d.n; jb += NB) {
        const int64_t je = std::min(d.n, jb + NB);
        int64_t i = 0;
        for (; i + R <= d.m; i += R) row_group<V, K, R, NV, PLAIN>(d, e, i, jb, je, act);
        for (; i < d.m; ++i) row_group<V, K, 1, NV, PLAIN>(d, e, i, jb, je, act);
    }
}

template <class V, int K, class Act>
void all_rows(const rank_k_args& d, Act& act) {
    const epi e{d.alpha, d.beta, d.bias_row, d.bias_col, d.act};
    if (e.plain()) all_rows<V, K, true>(d, e, act);
    else all_rows<V, K, false>(d, e, act);
}

// act(int activation, V::reg) -> V::reg: the ISA's vectorized activation.
template <class V, class Act>
void rank_k(const rank_k_args& d, Act&& act) {
    static_assert(kRankKMaxK == 8, "one instantiation per k");
    switch (d.k) {
        case 1: all_rows<V, 1>(d, act); break;
        case 2: all_rows<V, 2>(d, act); break;
        case 3: all_rows<V, 3>(d, act); break;
        case 4: all_rows<V, 4>(d, act); break;
        case 5: all_rows<V, 5>(d, act); break;
        case 6: all_rows<V, 6>(d, act); break;
        case 7: all_rows<V, 7>(d, act); break;
        case 8: all_rows<V, 8>(d, act); break;
        default: break;
    }
}

}  // namespace rank_k_impl
}  // namespace
}  // namespace nn::gemm
