// What the AVX2 and AVX-512 SGEMM micro-kernels share around their tile body: reading A's rows,
// choosing the half- or full-width body per tile, the skinny-N dot kernel, the small-K rank-k
// kernel, the small-M row-strip kernel, the narrow-N kernel and the table. Each ISA file defines, in an anonymous namespace, its vector type V, its
// tile (MR, NR) and
//
//   template <int R, bool A_RS1, bool BP, bool HALF>   // R rows (1 <= R <= MR)
//   void tile_body(const tile_args& t);
//   vector apply_act(int act, vector x);               // the epilogue's activation
//
// then registers its table with NN_GEMM_X86_ISA_TABLE(isa, kc, nc, stream_b_panels, narrow_wide_max_k) at namespace
// nn::gemm scope.
//
// A_RS1: A's rows are adjacent (packed panel, or transposed A read in place), so the R
// broadcasts use constant offsets. Otherwise (row-major A read in place) rows are reached from
// four base pointers with offsets 0, rs, 2 * rs, which x86 addressing encodes without extra
// registers, so nothing spills in the k loop.
// HALF: the tile has at most NR / 2 columns, so only the first vector of each row is computed
// (skinny N pays for its columns, not for a full-width tile).
#pragma once
#include <cstdint>

#include "gemm/gemm_kernels.h"
#include "gemm_dot.h"
#include "gemm_narrow.h"
#include "gemm_rank_k.h"
#include "gemm_row_strip.h"
#include "gemm_table.h"

namespace nn::gemm {
namespace {  // internal linkage: see simd.h

// Element (r, current k) of A: row r sits at r * rs, split as (r / 3) * 3 * rs + (r % 3) * rs.
inline const float& a_at(const float* a, int r, int64_t rs) {
    return (a + (r / 3) * 3 * rs)[(r % 3) * rs];
}

}  // namespace
}  // namespace nn::gemm

// The table's tile for R rows (half or full width by the tile's columns), the dot, rank-k and
// row-strip kernels over the ISA file's tile_body and apply_act, registered with the blocking kc, nc.
#define NN_GEMM_X86_ISA_TABLE(isa, kc, nc, stream_b_panels, narrow_wide_max_k)                      \
    namespace {                                                                                    \
    template <int R, bool A_RS1, bool BP>                                                          \
    void tile_impl(const tile_args& t) {                                                           \
        if (t.n <= NR / 2) tile_body<R, A_RS1, BP, true>(t);                                       \
        else tile_body<R, A_RS1, BP, false>(t);                                                    \
    }                                                                                              \
    void dot(const dot_args& d) {                                                                  \
        dot_impl::dot<V>(d, [](int act, auto x) { return apply_act(act, x); });                    \
    }                                                                                              \
    void rank_k(const rank_k_args& d) {                                                            \
        rank_k_impl::rank_k<V>(d, [](int act, auto x) { return apply_act(act, x); });              \
    }                                                                                              \
    void row_strip(const rank_k_args& d) {                                                         \
        strip_impl::row_strip<V>(d, [](int act, auto x) { return apply_act(act, x); });            \
    }                                                                                              \
    void narrow(const rank_k_args& d) {                                                            \
        narrow_impl::narrow<V>(d, [](int act, auto x) { return apply_act(act, x); });              \
    }                                                                                              \
    }                                                                                              \
    NN_GEMM_ISA_TABLE(isa, table_impl::x86_variants, kc, nc, &dot, &rank_k, &row_strip, stream_b_panels, &narrow, \
                      narrow_wide_max_k)
