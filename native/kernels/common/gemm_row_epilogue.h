// The epilogue of the x86 SGEMM kernels that walk rows of C in place (the small-K rank-k kernel,
// the small-M row-strip kernel): one vector of accumulators finished as the micro-tile finishes
// it, C = act(alpha * acc + beta * C + bias), in that order, so these kernels give the tiles' bits.
// Included by each x86 ISA's gemm file: internal linkage (see simd.h).
#pragma once
#include <cstdint>

#include "gemm_mask.h"
#include "simd.h"

namespace nn::gemm {
namespace {
namespace row_epilogue {

// The epilogue of one call, copied out of the kernel's arguments so nothing is reloaded after a
// store to C. PLAIN: alpha only (beta == 0, no bias, no activation), the common case, without
// the tests.
struct epi {
    float alpha, beta;
    const float* bias_row;
    const float* bias_col;
    int act;
    bool plain() const { return beta == 0.0f && !bias_row && !bias_col && act == 0; }
};

// C(row, col + [0, W)) from acc (TAIL: only the first `count` lanes are read or written).
template <class V, bool PLAIN, bool TAIL, class Act>
__attribute__((always_inline)) inline void finish(float* cp, typename V::reg acc, const epi& e, int64_t row, int64_t col,
                                                  int count, Act& act) {
    using reg = typename V::reg;
    auto load = [&](const float* p) { return TAIL ? mask_impl::load_first<V>(p, count) : V::load(p); };
    reg x = V::mul(acc, V::set1(e.alpha));
    if (!PLAIN) {
        if (e.beta != 0.0f) x = V::fmadd(V::set1(e.beta), load(cp), x);
        if (e.bias_row) x = V::add(x, V::set1(e.bias_row[row]));
        if (e.bias_col) x = V::add(x, load(e.bias_col + col));
        if (e.act != 0) x = act(e.act, x);
    }
    if (TAIL) mask_impl::store_first<V>(cp, x, count);
    else V::store(cp, x);
}

}  // namespace row_epilogue
}  // namespace
}  // namespace nn::gemm
