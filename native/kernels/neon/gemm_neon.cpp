// AArch64 NEON SGEMM micro-kernel: 8 x 12 tile (24 q-register accumulators, 3 of B, 2 of A:
// 29 of the 32 vector registers). Per k step: 3 B loads + 2 A loads feed 24 FMAs, each FMA
// taking its A value from a lane of a loaded A vector (FMLA by element), so no broadcasts are
// needed. Cortex-A76 / Neoverse N1 class cores have 2 FMA pipes at 4 cycles latency: >= 8
// independent accumulators keep them busy; 24 leave slack for the loads.
// Blocking: the A micro-panel (8 x KC = 8 KB at KC = 256) stays in a 64 KB L1 while the B block
// (KC x NC = 256 x 384 x 4 = 384 KB) stays in a 512 KB - 1 MB L2.
// Edge tiles: NEON has no masked loads, so partial B rows and partial C rows go through a small
// zero-padded stack buffer; only columns < n of the caller's arrays are ever touched.
#include <arm_neon.h>

#include <cstring>

#include "../common/gemm_table.h"
#include "../common/vecmath.h"
#include "gemm/gemm.h"
#include "gemm/gemm_kernels.h"

namespace nn::gemm {
namespace {

using V = nn::simd::V128;
constexpr int MR = 8;
constexpr int NR = 12;
constexpr int NV = NR / 4;  // q registers per row of the tile

// Kept out of line: activations are rare and large next to the k loop.
__attribute__((noinline)) float32x4_t apply_act(int act, float32x4_t x) {
    switch (static_cast<activation>(act)) {
        case activation::relu: return V::max(vdupq_n_f32(0.0f), x);  // `0 > x ? 0 : x`: NaN stays NaN
        case activation::sigmoid: return vecmath::sigmoid<V>(x);
        case activation::tanh: return vecmath::tanh<V>(x);
        case activation::gelu: return vecmath::gelu<V>(x);
        case activation::relu6: return vecmath::relu6<V>(x);
        default: return x;
    }
}

using acc_t = float32x4_t[NV];

// Row I of the tile += a(I) * b, with a(I) a lane of the packed A vectors (lane index must be a
// compile-time constant, hence the recursion over I rather than a loop).
template <int R, int I = 0>
[[gnu::always_inline]] inline void fma_lanes(acc_t* c, const float32x4_t (&b)[NV], float32x4_t a0,
                                             float32x4_t a1) {
    if constexpr (I < R) {
        const float32x4_t a = I < 4 ? a0 : a1;
        c[I][0] = vfmaq_laneq_f32(c[I][0], b[0], a, I & 3);
        c[I][1] = vfmaq_laneq_f32(c[I][1], b[1], a, I & 3);
        c[I][2] = vfmaq_laneq_f32(c[I][2], b[2], a, I & 3);
        fma_lanes<R, I + 1>(c, b, a0, a1);
    }
}

// APACK: A is a packed micro-panel (a_rs = 1, a_cs = MR, rows >= m are padding inside the
// panel), so whole A vectors may be loaded. Otherwise A is read in place one element per row,
// never beyond row m - 1. FULLB: every B row holds NR readable floats (packed panel, or n == NR).
template <int R, bool APACK, bool FULLB>
void tile_impl(const tile_args& t) {
    float32x4_t c[R][NV];
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < NV; ++v) c[r][v] = vdupq_n_f32(0.0f);
    // Step p's operands are formed as base + p * stride, never by stepping a pointer past the
    // last step: with a stride near INT64_MAX (k = 1) that step overflows (UBSan, fuzz_gemm).
    const float* const a_base = t.a;
    const float* const b_base = t.b;
    const int64_t ars = t.a_rs, acs = APACK ? MR : t.a_cs, brs = t.b_rs;
    float bbuf[NR] = {};  // partial B row, zero beyond n
    for (int64_t p = 0; p < t.k; ++p) {
        const float* a = a_base + p * acs;
        const float* b = b_base + p * brs;
        const float* brow = b;
        if (!FULLB) {
            std::memcpy(bbuf, b, sizeof(float) * static_cast<size_t>(t.n));
            brow = bbuf;
        }
        const float32x4_t bv[NV] = {vld1q_f32(brow), vld1q_f32(brow + 4), vld1q_f32(brow + 8)};
        if (APACK) {
            const float32x4_t a0 = vld1q_f32(a);
            const float32x4_t a1 = R > 4 ? vld1q_f32(a + 4) : a0;
            fma_lanes<R>(c, bv, a0, a1);
        } else {
            for (int r = 0; r < R; ++r) {
                const float av = a[r * ars];
                for (int v = 0; v < NV; ++v) c[r][v] = vfmaq_n_f32(c[r][v], bv[v], av);
            }
        }
    }

    // Epilogue on the hot tile: alpha, beta (fused, as on x86), bias, activation, store.
    const int n = t.n;
    const bool full = n == NR;
    const float32x4_t va = vdupq_n_f32(t.alpha), vb = vdupq_n_f32(t.beta);
    const bool use_beta = t.beta != 0.0f;
    float32x4_t bc[NV] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
    if (t.bias_col) {
        float tmp[NR] = {};
        std::memcpy(tmp, t.bias_col, sizeof(float) * static_cast<size_t>(n));
        for (int v = 0; v < NV; ++v) bc[v] = vld1q_f32(tmp + 4 * v);
    }
    const int nv_used = (n + 3) / 4;  // vectors holding at least one live column
    for (int r = 0; r < R; ++r) {
        float* cr = t.c + r * t.ldc;
        float tmp[NR] = {};
        float32x4_t x[NV];
        for (int v = 0; v < NV; ++v) x[v] = vmulq_f32(c[r][v], va);
        if (use_beta) {
            const float* src = cr;
            if (!full) {
                std::memcpy(tmp, cr, sizeof(float) * static_cast<size_t>(n));
                src = tmp;
            }
            for (int v = 0; v < NV; ++v) x[v] = vfmaq_f32(x[v], vb, vld1q_f32(src + 4 * v));
        }
        if (t.bias_row) {
            const float32x4_t br = vdupq_n_f32(t.bias_row[r]);
            for (int v = 0; v < NV; ++v) x[v] = vaddq_f32(x[v], br);
        }
        if (t.bias_col)
            for (int v = 0; v < NV; ++v) x[v] = vaddq_f32(x[v], bc[v]);
        if (t.act != 0)
            for (int v = 0; v < nv_used; ++v) x[v] = apply_act(t.act, x[v]);
        if (full) {
            for (int v = 0; v < NV; ++v) vst1q_f32(cr + 4 * v, x[v]);
        } else {
            for (int v = 0; v < NV; ++v) vst1q_f32(tmp + 4 * v, x[v]);
            std::memcpy(cr, tmp, sizeof(float) * static_cast<size_t>(n));
        }
    }
}

// Variants: A a packed micro-panel; every B row holding NR readable floats.
struct neon_variants {
    static bool f0(const tile_args& t) { return t.a_packed; }
    static bool f1(const tile_args& t) { return t.b_packed || t.n == NR; }
};

}  // namespace

NN_GEMM_ISA_TABLE(neon, neon_variants, /*kc=*/256, /*nc=*/384, /*dot=*/nullptr, /*rank_k=*/nullptr,
                  /*row_strip=*/nullptr, /*stream_b_panels=*/0, /*narrow=*/nullptr,
                  /*narrow_wide_max_k=*/0)

}  // namespace nn::gemm
