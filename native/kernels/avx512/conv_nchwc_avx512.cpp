// AVX-512 kernels of the NCHW16c blocked convolutions (src/conv/nchwc/nchwc.h): one 16-channel
// block is one zmm register, so a 1x1 convolution is register tiles of output vectors times
// broadcast input pixels, and every depthwise tap is a plain vector load and FMA.
#include <immintrin.h>

#include <algorithm>
#include <type_traits>

#include "../common/eltwise_simd.h"
#include "../common/simd.h"
#include "../common/vecmath.h"
#include "conv/nchwc/nchwc.h"

namespace nn::conv::nchwc {
namespace {

using V = nn::simd::V512;
using R = __m512;

// act(v + residual), then one store. The branch is per vector of a tile and always goes the
// same way within a call; ReLU and ReLU6 (MobileNet's) are inline, the rest a call into apply.
inline void finish(const epilogue& e, R v, int64_t off, float* y) {
    if (e.res) v = _mm512_add_ps(v, _mm512_loadu_ps(e.res + off));
    if (e.act == NN_UNARY_RELU6) v = nn::vecmath::relu6<V>(v);
    else if (e.act == NN_UNARY_RELU) v = _mm512_max_ps(_mm512_setzero_ps(), v);  // NaN kept: max returns its second operand
    else if (e.act != NN_UNARY_IDENTITY) v = nn::eltwise::simd_impl::apply<V>(static_cast<nn_unary_op>(e.act), v, _mm512_set1_ps(e.alpha));
    _mm512_storeu_ps(y + off, v);
}

// finish() with the residual and activation fixed at compile time, for the full tiles of the
// pointwise kernel and the depthwise rows: the branch-free epilogue lets the accumulators stay in
// registers (the generic one spilled all 24 of a pointwise tile to the stack and ran a jump table
// per vector, a third of the time of MobileNetV2's 16 -> 96 expansion, whose tiles sum only 16
// products). The same operations in the same order as finish(): the same bits.
enum class act_kind { identity, relu, relu6, other };

template <act_kind A, bool RES>
inline void finish_as(const epilogue& e, R v, int64_t off, float* y) {
    if constexpr (RES) v = _mm512_add_ps(v, _mm512_loadu_ps(e.res + off));
    if constexpr (A == act_kind::relu6) v = nn::vecmath::relu6<V>(v);
    // finish()'s max(0, v) (GCC 12 warns on _mm512_max_ps's undefined pass-through here).
    else if constexpr (A == act_kind::relu) v = _mm512_maskz_max_ps(0xFFFF, _mm512_setzero_ps(), v);
    else if constexpr (A == act_kind::other) v = nn::eltwise::simd_impl::apply<V>(static_cast<nn_unary_op>(e.act), v, _mm512_set1_ps(e.alpha));
    _mm512_storeu_ps(y + off, v);
}

// Calls f(integral_constant<act_kind, A>, bool_constant<RES>) for the epilogue's residual and activation.
template <bool RES, class F>
inline void with_act(const epilogue& e, F& f) {
    using K = act_kind;
    const std::bool_constant<RES> res;
    switch (e.act) {
        case NN_UNARY_IDENTITY: return f(std::integral_constant<K, K::identity>{}, res);
        case NN_UNARY_RELU: return f(std::integral_constant<K, K::relu>{}, res);
        case NN_UNARY_RELU6: return f(std::integral_constant<K, K::relu6>{}, res);
        default: return f(std::integral_constant<K, K::other>{}, res);
    }
}

template <class F>
inline void with_epilogue(const epilogue& e, F&& f) {
    if (e.res) with_act<true>(e, f);
    else with_act<false>(e, f);
}

// The lane indices 0..15 times a stride (in floats).
inline __m512i strided_lanes(int64_t stride) {
    return _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                              _mm512_set1_epi32(static_cast<int>(stride)));
}

inline __mmask16 first_lanes(int64_t n) { return static_cast<__mmask16>((1u << std::min<int64_t>(n, 16)) - 1u); }

void to_blocked(const float* x, int64_t channels, int64_t hw, float* y) {
    for (int64_t b = 0; b * kBlock < channels; ++b) {
        const float* xb = x + b * kBlock * hw;
        float* yb = y + b * hw * kBlock;
        const int64_t lanes = std::min<int64_t>(kBlock, channels - b * kBlock);
        if (hw * kBlock < (int64_t{1} << 31)) {
            // One gather per pixel: lane j from channel plane j (the padding lanes masked to 0).
            const __m512i idx = strided_lanes(hw);
            const __mmask16 m = first_lanes(lanes);
            for (int64_t p = 0; p < hw; ++p)
                _mm512_storeu_ps(yb + p * kBlock, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, xb + p, 4));
        } else {
            // Planes too large for 32-bit gather offsets.
            for (int64_t p = 0; p < hw; ++p)
                for (int64_t j = 0; j < kBlock; ++j) yb[p * kBlock + j] = j < lanes ? xb[j * hw + p] : 0.0f;
        }
    }
}

void from_blocked(const float* x, int64_t channels, int64_t hw, float* y) {
    // 16 pixels of one channel are lanes 16 floats apart: a gather with a fixed stride.
    const __m512i idx = strided_lanes(kBlock);
    for (int64_t c = 0; c < channels; ++c) {
        const float* xc = x + (c / kBlock) * hw * kBlock + c % kBlock;
        float* yc = y + c * hw;
        int64_t p = 0;
        for (; p + 16 <= hw; p += 16) _mm512_storeu_ps(yc + p, _mm512_i32gather_ps(idx, xc + p * kBlock, 4));
        if (p < hw) {
            const __mmask16 m = first_lanes(hw - p);
            _mm512_mask_storeu_ps(yc + p, m, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, xc + p * kBlock, 4));
        }
    }
}

// NB output blocks x NP pixels from pixel p: NB * NP accumulators (at most 24 of the 32 zmm),
// NB weight vectors loaded per input channel, each input value broadcast once. The loops over
// blocks and pixels are unrolled outright (the pragmas): GCC 12 left the epilogue's rolled, which
// kept acc on the stack (stored at the start, spilled after the sums, re-read per vector).
// MobileNetV2's block 2 (16 -> 96 at 112 x 112, batch 1, 1 thread, Zen 5): 0.74-0.92 -> 0.53 ms.
template <int NB, int NP, act_kind A, bool RES>
void pointwise_tile(const pointwise_args& a, int64_t p) {
    R acc[NB][NP];
#pragma GCC unroll 8
    for (int b = 0; b < NB; ++b) {
        const R bias = _mm512_loadu_ps(a.e.bias + b * kBlock);
#pragma GCC unroll 8
        for (int q = 0; q < NP; ++q) acc[b][q] = bias;
    }
    for (int64_t ib = 0; ib < a.cb; ++ib) {
        const float* xb = a.x + (ib * a.hw + p) * kBlock;
        const float* w = a.w + ib * kBlock * NB * kBlock;
        // The last block's lanes past c are zero in x and w: skipped (24 channels: 8 of 32).
        const int lanes = static_cast<int>(std::min<int64_t>(kBlock, a.c - ib * kBlock));
        for (int j = 0; j < lanes; ++j, w += NB * kBlock) {
            R wv[NB];
#pragma GCC unroll 8
            for (int b = 0; b < NB; ++b) wv[b] = _mm512_loadu_ps(w + b * kBlock);
#pragma GCC unroll 8
            for (int q = 0; q < NP; ++q) {
                const R xv = _mm512_set1_ps(xb[q * kBlock + j]);
#pragma GCC unroll 8
                for (int b = 0; b < NB; ++b) acc[b][q] = _mm512_fmadd_ps(wv[b], xv, acc[b][q]);
            }
        }
    }
#pragma GCC unroll 8
    for (int b = 0; b < NB; ++b)
#pragma GCC unroll 8
        for (int q = 0; q < NP; ++q) {
            if constexpr (A == act_kind::other && !RES) finish(a.e, acc[b][q], (b * a.hw + p + q) * kBlock, a.y);
            else finish_as<A, RES>(a.e, acc[b][q], (b * a.hw + p + q) * kBlock, a.y);
        }
}

constexpr int kTilePixels = 6;

// Full tiles with the call's epilogue compiled in; the last partial tile of a band takes the
// generic epilogue (act_kind::other without RES calls finish()), which keeps the instantiations few.
template <int NB, act_kind A, bool RES>
void pointwise_blocks(const pointwise_args& a) {
    using G = std::integral_constant<act_kind, act_kind::other>;
    int64_t p = a.p0;
    for (; p + kTilePixels <= a.p1; p += kTilePixels) pointwise_tile<NB, kTilePixels, A, RES>(a, p);
    switch (a.p1 - p) {
        case 5: return pointwise_tile<NB, 5, G::value, false>(a, p);
        case 4: return pointwise_tile<NB, 4, G::value, false>(a, p);
        case 3: return pointwise_tile<NB, 3, G::value, false>(a, p);
        case 2: return pointwise_tile<NB, 2, G::value, false>(a, p);
        case 1: return pointwise_tile<NB, 1, G::value, false>(a, p);
        default: return;
    }
}

void pointwise(const pointwise_args& a) {
    static_assert(kGroupBlocks == 4, "pointwise dispatches 1..4 blocks");
    with_epilogue(a.e, [&](auto act, auto res) {
        constexpr act_kind A = decltype(act)::value;
        constexpr bool RES = decltype(res)::value;
        switch (a.nb) {
            case 4: return pointwise_blocks<4, A, RES>(a);
            case 3: return pointwise_blocks<3, A, RES>(a);
            case 2: return pointwise_blocks<2, A, RES>(a);
            default: return pointwise_blocks<1, A, RES>(a);
        }
    });
}

// Depthwise 3x3 over the rows of one channel block. Interior columns (all three taps inside the
// row) run four output pixels at a time with no checks; the edge columns check each tap. Rows
// above or below the plane are skipped.
template <int ST, act_kind A, bool RES>
void dw3x3_rows(const dw3x3_args& a) {
    R wt[9];
    for (int t = 0; t < 9; ++t) wt[t] = _mm512_loadu_ps(a.wt + t * kBlock);
    const R bias = _mm512_loadu_ps(a.e.bias);
    // Columns [lo, hi) have taps ow*ST - 1 .. ow*ST + 1 inside [0, w).
    int64_t hi = a.w >= 2 ? std::min(a.ow, (a.w - 2) / ST + 1) : 0;
    const int64_t lo = std::min<int64_t>(1, hi);
    hi = std::max(hi, lo);
    for (int64_t oh = a.oh0; oh < a.oh1; ++oh) {
        const float* rows[3];
        for (int i = 0; i < 3; ++i) {
            const int64_t ih = oh * ST - 1 + i;
            rows[i] = ih >= 0 && ih < a.h ? a.x + ih * a.w * kBlock : nullptr;
        }
        const int64_t yrow = oh * a.ow * kBlock;
        const auto edge = [&](int64_t o) {
            R acc = bias;
            for (int i = 0; i < 3; ++i) {
                if (!rows[i]) continue;
                for (int j = 0; j < 3; ++j) {
                    const int64_t iw = o * ST - 1 + j;
                    if (iw >= 0 && iw < a.w) acc = _mm512_fmadd_ps(wt[i * 3 + j], _mm512_loadu_ps(rows[i] + iw * kBlock), acc);
                }
            }
            finish_as<A, RES>(a.e, acc, yrow + o * kBlock, a.y);
        };
        for (int64_t o = 0; o < lo; ++o) edge(o);
        // NP interior pixels at once: each accumulator takes 9 dependent FMAs, so 4 of them left
        // the FMA ports waiting on latency; 8 fill them.
        const auto interior = [&](int64_t o, auto np) {
            constexpr int NP = decltype(np)::value;
            R acc[NP];
#pragma GCC unroll 8
            for (int q = 0; q < NP; ++q) acc[q] = bias;
#pragma GCC unroll 3
            for (int i = 0; i < 3; ++i) {
                if (!rows[i]) continue;
                const float* r = rows[i] + (o * ST - 1) * kBlock;
#pragma GCC unroll 3
                for (int j = 0; j < 3; ++j)
#pragma GCC unroll 8
                    for (int q = 0; q < NP; ++q)
                        acc[q] = _mm512_fmadd_ps(wt[i * 3 + j], _mm512_loadu_ps(r + (q * ST + j) * kBlock), acc[q]);
            }
#pragma GCC unroll 8
            for (int q = 0; q < NP; ++q) finish_as<A, RES>(a.e, acc[q], yrow + (o + q) * kBlock, a.y);
        };
        int64_t o = lo;
        for (; o + 8 <= hi; o += 8) interior(o, std::integral_constant<int, 8>{});
        for (; o + 4 <= hi; o += 4) interior(o, std::integral_constant<int, 4>{});
        for (; o < a.ow; ++o) edge(o);
    }
}

void dw3x3(const dw3x3_args& a) {
    with_epilogue(a.e, [&](auto act, auto res) {
        constexpr act_kind A = decltype(act)::value;
        constexpr bool RES = decltype(res)::value;
        a.stride == 1 ? dw3x3_rows<1, A, RES>(a) : dw3x3_rows<2, A, RES>(a);
    });
}

// NB output blocks x NP pixels of output row oh from column o0 of the direct (stem) convolution:
// per tap, NB weight vectors and one broadcast input value per pixel. EDGE: some taps of these
// pixels fall left or right of the row; their FMAs are masked off (the accumulator kept as it
// was: the bits of skipping them), reading a column clamped into the row. Rows above or below
// are always skipped.
template <int NB, int NP, bool EDGE>
void direct_tile(const direct_args& a, int64_t oh, int64_t o0) {
    constexpr int kMaxTaps = 7;  // supports(): kernels up to 7x7
    R acc[NB][NP];
    for (int b = 0; b < NB; ++b) {
        const R bias = _mm512_loadu_ps(a.e.bias + b * kBlock);
        for (int q = 0; q < NP; ++q) acc[b][q] = bias;
    }
    // EDGE: per pixel and tap column, whether the column is inside the row and the column read.
    [[maybe_unused]] __mmask16 inside[NP][kMaxTaps];
    [[maybe_unused]] int32_t col[NP][kMaxTaps];
    if constexpr (EDGE)
        for (int q = 0; q < NP; ++q)
            for (int64_t j = 0; j < a.s; ++j) {
                const int64_t c = (o0 + q) * a.sw - a.pl + j;
                inside[q][j] = c >= 0 && c < a.w ? 0xFFFF : 0;
                col[q][j] = static_cast<int32_t>(std::clamp<int64_t>(c, 0, a.w - 1));
            }
    const int64_t row_taps = a.s * NB * kBlock;
    const float* w = a.wt;
    for (int64_t ci = 0; ci < a.c; ++ci)
        for (int64_t i = 0; i < a.r; ++i, w += row_taps) {
            const int64_t ih = oh * a.sh - a.pt + i;
            if (ih < 0 || ih >= a.h) continue;
            const float* xrow = a.x + (ci * a.h + ih) * a.w;
            const float* xr = xrow + o0 * a.sw - a.pl;
            for (int64_t j = 0; j < a.s; ++j) {
                R wv[NB];
                for (int b = 0; b < NB; ++b) wv[b] = _mm512_loadu_ps(w + (j * NB + b) * kBlock);
                for (int q = 0; q < NP; ++q) {
                    if constexpr (EDGE) {
                        const R xv = _mm512_set1_ps(xrow[col[q][j]]);
                        for (int b = 0; b < NB; ++b) acc[b][q] = _mm512_mask3_fmadd_ps(wv[b], xv, acc[b][q], inside[q][j]);
                    } else {
                        const R xv = _mm512_set1_ps(xr[q * a.sw + j]);
                        for (int b = 0; b < NB; ++b) acc[b][q] = _mm512_fmadd_ps(wv[b], xv, acc[b][q]);
                    }
                }
            }
        }
    const int64_t plane = (a.yrows ? a.yrows : a.oh) * a.ow * kBlock;
    for (int b = 0; b < NB; ++b)
        for (int q = 0; q < NP; ++q) finish(a.e, acc[b][q], b * plane + ((oh - a.y0) * a.ow + o0 + q) * kBlock, a.y);
}

// Each row in tiles of kTilePixels from column 0, those with a column whose taps leave the row
// (ResNet's 7x7/2 pad 3: columns 0, 1 and the last) masked, and the row's last few pixels as
// one masked tile. One pixel at a time, ResNet-18's four edge columns of 112 took 9% of its
// stem (4 FMAs per 4 weight loads, 4 accumulator chains; perf record, Zen 5, 2026-12-06).
template <int NB>
void direct_rows(const direct_args& a) {
    // Columns [lo, hi) have every tap inside the row.
    const int64_t lo = std::min(a.ow, (a.pl + a.sw - 1) / a.sw);
    const int64_t last = a.w - a.s + a.pl;  // the largest o * sw with the last tap inside
    const int64_t hi = std::max(lo, last >= 0 ? std::min(a.ow, last / a.sw + 1) : lo);
    for (int64_t oh = a.oh0; oh < a.oh1; ++oh) {
        int64_t o = 0;
        for (; o + kTilePixels <= a.ow; o += kTilePixels) {
            if (o >= lo && o + kTilePixels <= hi) direct_tile<NB, kTilePixels, false>(a, oh, o);
            else direct_tile<NB, kTilePixels, true>(a, oh, o);
        }
        static_assert(kTilePixels == 6, "direct_rows' last tile takes 1..5 pixels");
        switch (a.ow - o) {
            case 5: direct_tile<NB, 5, true>(a, oh, o); break;
            case 4: direct_tile<NB, 4, true>(a, oh, o); break;
            case 3: direct_tile<NB, 3, true>(a, oh, o); break;
            case 2: direct_tile<NB, 2, true>(a, oh, o); break;
            case 1: direct_tile<NB, 1, true>(a, oh, o); break;
            default: break;
        }
    }
}

void direct(const direct_args& a) {
    switch (a.nb) {
        case 4: return direct_rows<4>(a);
        case 3: return direct_rows<3>(a);
        case 2: return direct_rows<2>(a);
        default: return direct_rows<1>(a);
    }
}

// PyTorch's max pooling step: v replaces m when greater or NaN. vmaxps(v, m) gives v > m ? v : m
// (m on ties and when either is NaN); the blend takes a NaN v. Folding windows in pieces (the
// row maxima, then those of the rows in order) gives the same bits as tap by tap in row-major
// order: the result is the last NaN if any, else the first of the largest.
inline R max_step(R m, R v) {
    return _mm512_mask_mov_ps(_mm512_max_ps(v, m), _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v);
}

// r[p] (16 pixels of 16 channels) becomes r[c] (16 pixels of channel c).
inline void transpose16(R r[16]) {
    R t[16];
    for (int i = 0; i < 8; ++i) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; ++i) {
        const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
        const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    // r[4i + k]'s 128-bit lane L now holds channel 4L + k of pixels 4i .. 4i + 3.
    for (int k = 0; k < 4; ++k) {
        const R u0 = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x88), u1 = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xdd);
        const R u2 = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x88), u3 = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xdd);
        t[k] = _mm512_shuffle_f32x4(u0, u2, 0x88);
        t[8 + k] = _mm512_shuffle_f32x4(u0, u2, 0xdd);
        t[4 + k] = _mm512_shuffle_f32x4(u1, u3, 0x88);
        t[12 + k] = _mm512_shuffle_f32x4(u1, u3, 0xdd);
    }
    for (int c = 0; c < 16; ++c) r[c] = t[c];
}

// The row maxima of convolution row xr [ow][16]: h[q] folds the taps of window q inside the row
// in order, for q < pw_out; h's pixels up to the next multiple of 16 are -inf. Windows [qlo, qhi)
// have every tap inside and run eight at a time (independent chains of max steps).
void row_maxima(const maxpool_args& a, const float* xr, int64_t qlo, int64_t qhi, float* h) {
    const auto edge = [&](int64_t q) {
        const int64_t iw0 = std::max<int64_t>(0, q * a.sw - a.pw), iw1 = std::min(a.ow, q * a.sw - a.pw + a.kw);
        R m = _mm512_set1_ps(-__builtin_inff());
        for (int64_t iw = iw0; iw < iw1; ++iw) m = max_step(m, _mm512_loadu_ps(xr + iw * kBlock));
        _mm512_storeu_ps(h + q * kBlock, m);
    };
    int64_t q = 0;
    for (; q < qlo; ++q) edge(q);
    for (; q + 8 <= qhi; q += 8) {
        const float* x0 = xr + (q * a.sw - a.pw) * kBlock;
        R m[8];
        for (int u = 0; u < 8; ++u) m[u] = _mm512_loadu_ps(x0 + u * a.sw * kBlock);
        for (int64_t t = 1; t < a.kw; ++t)
            for (int u = 0; u < 8; ++u) m[u] = max_step(m[u], _mm512_loadu_ps(x0 + (u * a.sw + t) * kBlock));
        for (int u = 0; u < 8; ++u) _mm512_storeu_ps(h + (q + u) * kBlock, m[u]);
    }
    for (; q < a.pw_out; ++q) edge(q);
    for (; q % 16 != 0; ++q) _mm512_storeu_ps(h + q * kBlock, _mm512_set1_ps(-__builtin_inff()));
}

// Pooled rows [r0, r1) of every block: the row maxima of each convolution row once (kept in a
// ring of kh rows, as consecutive windows share rows), then per 16 pooled pixels the fold of
// their window's rows in order, transposed in registers and stored to the 16 channel planes.
// Tap by tap with a compare-and-blend chain per window and gathers to the planes this took
// 0.25 ms of ResNet-18's 1.47 ms stem at batch 1 (perf record, Zen 5, 2026-12-06).
void maxpool(const maxpool_args& a) {
    const int64_t width = (a.pw_out + 15) / 16 * 16;  // pixels of a scratch row
    const int64_t qlo = std::min(a.pw_out, (a.pw + a.sw - 1) / a.sw);
    const int64_t last = a.ow - a.kw + a.pw;  // the largest q * sw with the window's last tap inside
    const int64_t qhi = std::max(qlo, last >= 0 ? std::min(a.pw_out, last / a.sw + 1) : qlo);
    for (int64_t b = 0; b * kBlock < a.channels; ++b) {
        const float* xb = a.x + b * a.xrows * a.ow * kBlock;
        const int64_t lanes = std::min<int64_t>(kBlock, a.channels - b * kBlock);
        const auto ring = [&](int64_t ih) { return a.row + (ih % a.kh) * width * kBlock; };
        // The ring holds this block's row maxima of rows [computed - kh, computed): the windows
        // move down, so a window's rows below `computed` are all still there.
        int64_t computed = 0;
        for (int64_t r = a.r0; r < a.r1; ++r) {
            const int64_t ih0 = std::max<int64_t>(0, r * a.sh - a.ph), ih1 = std::min(a.oh, r * a.sh - a.ph + a.kh);
            for (int64_t ih = std::max(ih0, computed); ih < ih1; ++ih)
                row_maxima(a, xb + (ih - a.x0) * a.ow * kBlock, qlo, qhi, ring(ih));
            computed = std::max(computed, ih1);
            for (int64_t q0 = 0; q0 < a.pw_out; q0 += 16) {
                R m[16];
                if (ih1 <= ih0) {
                    for (int u = 0; u < 16; ++u) m[u] = _mm512_set1_ps(-__builtin_inff());
                } else {
                    const float* h = ring(ih0) + q0 * kBlock;
                    for (int u = 0; u < 16; ++u) m[u] = _mm512_loadu_ps(h + u * kBlock);
                    for (int64_t ih = ih0 + 1; ih < ih1; ++ih) {
                        h = ring(ih) + q0 * kBlock;
                        for (int u = 0; u < 16; ++u) m[u] = max_step(m[u], _mm512_loadu_ps(h + u * kBlock));
                    }
                }
                transpose16(m);
                const __mmask16 mk = first_lanes(a.pw_out - q0);
                float* yq = a.y + b * kBlock * a.plane + r * a.pw_out + q0;
                for (int64_t j = 0; j < lanes; ++j) _mm512_mask_storeu_ps(yq + j * a.plane, mk, m[j]);
            }
        }
    }
}


// NB output blocks x NP pixels from flat pixel p of a strided band (strided_args), input channels
// [c0, c1): per (channel, tap) NB weight vectors and NP broadcast input values. The pass's sum
// starts from zero and is then added to the bias (first pass) or to the previous passes' sums in
// buf ([NB][pixels][16], ldb floats a block): blocked summation, as the im2col GEMM's K blocks.
// One chain over all of 256 -> 512 3x3's 2304 products had 4x the GEMM's rounding error, which
// ResNet-18's train step on 32 x 32 images (batch statistics over 4 values at 1 x 1) amplified
// past the PyTorch parity fixture's tolerance. Unrolled outright as pointwise_tile, so acc stays
// in registers: ResNet-18's layer2-4.0.conv1 at batch 1, 1 thread, 5-10% faster.
template <int NB, int NP, int TAPS>
void strided_tile(const strided_args& a, int64_t p, int64_t oh, int64_t o, int64_t c0, int64_t c1, bool first, float* buf,
                  int64_t ldb) {
    const int64_t taps = TAPS > 0 ? TAPS : a.taps;  // 9 and 1 (3x3, 1x1) compiled in
    R acc[NB][NP];
    int64_t base[NP];
#pragma GCC unroll 8
    for (int q = 0; q < NP; ++q) {  // pixel p is output (oh, o); no division per tile
        base[q] = oh * a.sh * a.wp + o * a.sw;
        if (++o == a.ow) o = 0, ++oh;
    }
    float* bq = buf + (p - a.p0) * kBlock;
#pragma GCC unroll 8
    for (int b = 0; b < NB; ++b)
#pragma GCC unroll 8
        for (int q = 0; q < NP; ++q) acc[b][q] = _mm512_setzero_ps();
    const float* w = a.w + c0 * taps * NB * kBlock;
    // One (channel, tap) step: NB weight vectors, NP broadcasts from xt, NB * NP FMAs.
    const auto step = [&](const float* xt) {
        R wv[NB];
#pragma GCC unroll 8
        for (int b = 0; b < NB; ++b) wv[b] = _mm512_loadu_ps(w + b * kBlock);
        w += NB * kBlock;
#pragma GCC unroll 8
        for (int q = 0; q < NP; ++q) {
            const R xv = _mm512_set1_ps(xt[base[q]]);
#pragma GCC unroll 8
            for (int b = 0; b < NB; ++b) acc[b][q] = _mm512_fmadd_ps(wv[b], xv, acc[b][q]);
        }
    };
    for (int64_t ci = c0; ci < c1; ++ci) {
        const float* xc = a.x + ci * a.plane;
        if constexpr (TAPS == 9) {  // 3x3: the row's three taps at constant offsets
            for (int i = 0; i < 3; ++i) {
                const float* xr = xc + i * a.wp;
                step(xr);
                step(xr + 1);
                step(xr + 2);
            }
        } else {
            for (int64_t t = 0; t < taps; ++t) step(xc + a.toff[t]);
        }
    }
#pragma GCC unroll 8
    for (int b = 0; b < NB; ++b) {
        const R bias = _mm512_loadu_ps(a.e.bias + b * kBlock);
#pragma GCC unroll 8
        for (int q = 0; q < NP; ++q) {
            float* dst = bq + b * ldb + q * kBlock;
            _mm512_storeu_ps(dst, _mm512_add_ps(first ? bias : _mm512_loadu_ps(dst), acc[b][q]));
        }
    }
}

// The band's sums in buf to NCHW: 16 pixels x 16 channels transposed in registers, then
// act(v + residual) and one (masked, at the band's end) store per channel and 16 pixels.
void strided_store(const strided_args& a, const float* buf, int64_t ldb) {
    const int64_t np = a.p1 - a.p0;
    for (int64_t b = 0; b * kBlock < a.mr; ++b) {
        const int64_t lanes = std::min<int64_t>(kBlock, a.mr - b * kBlock);
        for (int64_t p = 0; p < np; p += 16) {
            R r[16];
            for (int q = 0; q < 16; ++q) r[q] = _mm512_loadu_ps(buf + b * ldb + (p + q) * kBlock);
            transpose16(r);
            const __mmask16 m = first_lanes(np - p);
            for (int64_t j = 0; j < lanes; ++j) {
                const int64_t off = (b * kBlock + j) * a.ohw + a.p0 + p;
                R v = r[j];
                if (a.e.res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, a.e.res + off));
                if (a.e.act == NN_UNARY_RELU) v = _mm512_max_ps(_mm512_setzero_ps(), v);
                else if (a.e.act == NN_UNARY_RELU6) v = nn::vecmath::relu6<V>(v);
                else if (a.e.act != NN_UNARY_IDENTITY)
                    v = nn::eltwise::simd_impl::apply<V>(static_cast<nn_unary_op>(a.e.act), v, _mm512_set1_ps(a.e.alpha));
                _mm512_mask_storeu_ps(a.y + off, m, v);
            }
        }
    }
}

constexpr int kStridedPixels = 6;

template <int NB, int TAPS>
void strided_band(const strided_args& a) {
    const int64_t ldb = (a.p1 - a.p0 + 15) / 16 * 16 * kBlock;
    for (int64_t c0 = 0; c0 < a.c; c0 += a.cblock) {
        const int64_t c1 = std::min(a.c, c0 + a.cblock);
        const bool first = c0 == 0;
        int64_t p = a.p0, oh = a.p0 / a.ow, o = a.p0 - oh * a.ow;
        for (; p + kStridedPixels <= a.p1; p += kStridedPixels) {
            strided_tile<NB, kStridedPixels, TAPS>(a, p, oh, o, c0, c1, first, a.buf, ldb);
            for (o += kStridedPixels; o >= a.ow; o -= a.ow) ++oh;
        }
        switch (a.p1 - p) {
            case 5: strided_tile<NB, 5, TAPS>(a, p, oh, o, c0, c1, first, a.buf, ldb); break;
            case 4: strided_tile<NB, 4, TAPS>(a, p, oh, o, c0, c1, first, a.buf, ldb); break;
            case 3: strided_tile<NB, 3, TAPS>(a, p, oh, o, c0, c1, first, a.buf, ldb); break;
            case 2: strided_tile<NB, 2, TAPS>(a, p, oh, o, c0, c1, first, a.buf, ldb); break;
            case 1: strided_tile<NB, 1, TAPS>(a, p, oh, o, c0, c1, first, a.buf, ldb); break;
            default: break;
        }
    }
    strided_store(a, a.buf, ldb);
}

void strided(const strided_args& a) {
    const auto run = [&](auto taps) {
        constexpr int T = decltype(taps)::value;
        switch (a.nb) {
            case 4: return strided_band<4, T>(a);
            case 3: return strided_band<3, T>(a);
            case 2: return strided_band<2, T>(a);
            default: return strided_band<1, T>(a);
        }
    };
    if (a.r == 3 && a.s == 3) run(std::integral_constant<int, 9>{});
    else if (a.r == 1 && a.s == 1) run(std::integral_constant<int, 1>{});
    else run(std::integral_constant<int, 0>{});
}
}  // namespace

const kernels* avx512_kernels() noexcept {
    // Built on first call, never at load (see conv_avx512.cpp).
    static const kernels table = {"avx512", to_blocked, from_blocked, pointwise, dw3x3, direct, maxpool, strided};
    return &table;
}

}  // namespace nn::conv::nchwc
