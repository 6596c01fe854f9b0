// The part of an SGEMM kernel table every ISA shares: the dispatch from one call's tile to the
// micro-kernel instance for its row count and variant, and the packing routines for the tile
// shape. An ISA file (kernels/<isa>/gemm_<isa>.cpp) defines, in an anonymous namespace,
//
//   constexpr int MR = ..., NR = ...;                  // the tile
//   template <int R, bool F0, bool F1>                 // R rows (1 <= R <= MR), variant F0/F1
//   void tile_impl(const tile_args& t);
//
// then registers its table with NN_GEMM_ISA_TABLE(avx2, x86_variants, kc, nc, dot, rank_k, row_strip,
// stream_b_panels, narrow, narrow_wide_max_k): the variant
// selector (which F0/F1 a call takes), the blocking, which belongs to the core the kernel was
// tuned on and so is set there, beside the tile (BLIS's config/<arch>), and the skinny-N
// dot-product kernel (kernels/common/gemm_dot.h), the small-K rank-k kernel
// (kernels/common/gemm_rank_k.h) and the small-M row-strip kernel (kernels/common/gemm_row_strip.h),
// each nullptr where the ISA has none, and how many micro-panels may share a streamed row-major B
// (kernels::stream_b_panels; 0 where the kernel was not measured faster on it than on packed B),
// and the narrow-N kernel (kernels/common/gemm_narrow.h), nullptr where the ISA has none, with the K
// up to which it takes two vectors a row (0 where it was not measured faster than the tiles there).
#pragma once
#include <array>
#include <cstdint>
#include <utility>

#include "gemm/gemm_kernels.h"
#include "gemm_pack.h"

namespace nn::gemm::table_impl {
namespace {  // internal linkage: see simd.h

using tile_fn = void (*)(const tile_args&);

template <class U, bool F0, bool F1, int... R>
constexpr std::array<tile_fn, sizeof...(R)> rows_of(std::integer_sequence<int, R...>) {
    return {&U::template tile<R + 1, F0, F1>...};
}

// kRows<U, F0, F1>[m - 1]: the instance for m rows.
template <class U, bool F0, bool F1>
constexpr std::array<tile_fn, U::mr> kRows = rows_of<U, F0, F1>(std::make_integer_sequence<int, U::mr>{});

template <class U>
void tile(const tile_args& t) {
    const int i = t.m - 1;
    if (U::f0(t)) {
        if (U::f1(t)) kRows<U, true, true>[i](t);
        else kRows<U, true, false>[i](t);
    } else {
        if (U::f1(t)) kRows<U, false, true>[i](t);
        else kRows<U, false, false>[i](t);
    }
}

template <class U>
void pack_a(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, float* dst) {
    pack_impl::pack_a<U::mr>(src, rs, cs, rows, kc, dst);
}

template <class U>
void pack_b(const float* src, int64_t rs, int64_t cs, int64_t kc, int64_t nc, float* dst) {
    pack_impl::pack_b<U::nr>(src, rs, cs, kc, nc, dst);
}

template <class U>
constexpr kernels make_table(const char* isa, int64_t kc, int64_t nc, void (*dot)(const dot_args&),
                             void (*rank_k)(const rank_k_args&), void (*row_strip)(const rank_k_args&),
                             int64_t stream_b_panels, void (*narrow)(const rank_k_args&), int64_t narrow_wide_max_k) {
    return kernels{isa, U::mr, U::nr, kc, nc, &tile<U>, &pack_a<U>, &pack_b<U>, dot, rank_k, row_strip, stream_b_panels, narrow,
                   narrow_wide_max_k};
}

// The variants the x86 micro-kernels specialise on: A's rows adjacent (a packed panel or A^T read
// in place, so the broadcasts use constant offsets) and B packed (full-width loads).
struct x86_variants {
    static bool f0(const tile_args& t) { return t.a_rs == 1; }
    static bool f1(const tile_args& t) { return t.b_packed; }
};

}  // namespace
}  // namespace nn::gemm::table_impl

// Defines nn::gemm::<isa>_kernels() (runtime/kernel_table.h) from the file's MR, NR and
// tile_impl. Use at namespace nn::gemm scope. The table is built on the accessor's first call,
// never at load: a namespace-scope initializer here would be compiled with this ISA's flags and
// run on every CPU when the library is loaded.
#define NN_GEMM_ISA_TABLE(isa, variants, kc, nc, dot, rank_k, row_strip, stream_b_panels, narrow, narrow_wide_max_k) \
    namespace {                                                                                   \
    struct isa##_ukernel : variants {                                                             \
        static constexpr int mr = MR, nr = NR;                                                    \
        template <int R, bool F0, bool F1>                                                        \
        static void tile(const tile_args& t) { tile_impl<R, F0, F1>(t); }                         \
    };                                                                                            \
    }                                                                                             \
    const kernels* isa##_kernels() noexcept {                                                     \
        static const kernels table =                                                              \
            table_impl::make_table<isa##_ukernel>(#isa, kc, nc, dot, rank_k, row_strip, stream_b_panels, narrow, \
                                                  narrow_wide_max_k);                                         \
        return &table;                                                                            \
    }
