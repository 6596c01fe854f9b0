// The direct forward tile (src/conv/conv_direct.h) written once over a simd.h wrapper V and
// instantiated per ISA (kernels/avx2, kernels/avx512).
//
// MR output channels x NV vectors of consecutive flat positions: MR * NV accumulators, per tap
// NV unaligned loads of the padded input and MR weight broadcasts (AVX-512 8 x 3: 24 zmm
// accumulators, 11 loads per 24 FMAs; AVX2 4 x 3: 12 ymm). Bias is the accumulators' start,
// the activation is applied on the registers, and each vector is stored straight into y, split
// at row ends (the columns past ow are dropped).
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>

#include "conv/conv_direct.h"
#include "simd.h"
#include "vecmath.h"

namespace nn::conv::direct_impl {
namespace {  // internal linkage: see simd.h

// Stores of lanes [lo, hi) of a vector to the address of its lane 0 (an integer: that address
// may lie before the buffer, only the stored lanes must be inside).
template <class V>
struct lanes {
    struct part {
        int lo, hi;
    };
    static part make(int lo, int hi) { return part{lo, hi}; }
    static void store(uintptr_t lane0, part p, typename V::reg v) {
        alignas(64) float tmp[V::width];
        V::store(tmp, v);
        float* dst = reinterpret_cast<float*>(lane0 + sizeof(float) * static_cast<unsigned>(p.lo));
        for (int l = p.lo; l < p.hi; ++l) dst[l - p.lo] = tmp[l];
    }
    // Lanes [lo, hi) read from the address of lane 0 on, the others zero.
    static typename V::reg load(uintptr_t lane0, part p) {
        alignas(64) float tmp[V::width] = {};
        const float* src = reinterpret_cast<const float*>(lane0 + sizeof(float) * static_cast<unsigned>(p.lo));
        for (int l = p.lo; l < p.hi; ++l) tmp[l] = src[l - p.lo];
        return V::load(tmp);
    }
};

#if defined(__AVX512F__)
template <>
struct lanes<nn::simd::V512> {
    using part = __mmask16;
    static part make(int lo, int hi) { return static_cast<__mmask16>(((1u << hi) - 1u) & ~((1u << lo) - 1u)); }
    static void store(uintptr_t lane0, part m, __m512 v) { _mm512_mask_storeu_ps(reinterpret_cast<float*>(lane0), m, v); }
    static __m512 load(uintptr_t lane0, part m) { return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(lane0)); }
};
#endif

// Out of line: these activations are rare and large, the tile loop stays small.
template <class V>
__attribute__((noinline)) typename V::reg activate_out_of_line(int act, typename V::reg x) {
    switch (act) {
        case NN_UNARY_SIGMOID: return vecmath::sigmoid<V>(x);
        case NN_UNARY_TANH: return vecmath::tanh<V>(x);
        case NN_UNARY_GELU: return vecmath::gelu<V>(x);
        default: return x;
    }
}

// ReLU, the common one, inline: a call per accumulator took about a fifth of the direct tile's
// time on LeNet's one-channel first layer (9 multiply-adds an output; perf, Zen 5).
template <class V>
inline typename V::reg activate(int act, typename V::reg x) {
    // maxps(0, NaN) = NaN, like the reference
    return act == NN_UNARY_RELU ? V::max(V::zero(), x) : activate_out_of_line<V>(act, x);
}

// One run of a vector's lanes that lands in one output row: lanes [lo, hi) go to y + dst.
struct segment {
    int lo, hi;
    int64_t dst;
};

// The kept runs of the vector whose lane 0 is flat position (row, col), lanes [0, last).
// static: each ISA's object keeps its own copy (a shared out-of-line one could carry AVX-512 code).
static inline int segments_of(int64_t row, int64_t col, int last, int64_t wp, int64_t ow, segment* seg) {
    int count = 0;
    for (int lane = 0; lane < last;) {
        const int run = static_cast<int>(std::min<int64_t>(last - lane, wp - col));
        const int valid = static_cast<int>(std::clamp<int64_t>(ow - col, 0, run));
        if (valid > 0) seg[count++] = segment{lane, lane + valid, row * ow + col};
        lane += run;
        ++row;
        col = 0;
    }
    return count;
}

// Where a tile's vectors go, copied out of the tile arguments: the vector stores may alias
// anything, and would make the compiler reload every field after each one.
struct out_view {
    float* y;
    int64_t ldy, wp, ow, np;
};

#define NN_INLINE __attribute__((always_inline)) inline

// f(integral_constant<0>), ..., f(integral_constant<N - 1>), all inlined before the compiler
// decides where acc lives: with constant indices it keeps the accumulators in registers (with
// plain loops it kept the array on the stack, stored and reloaded around the main loop).
template <class F, int... I>
NN_INLINE void static_for_impl(F& f, std::integer_sequence<int, I...>) {
    (f(std::integral_constant<int, I>{}), ...);
}
template <int N, class F>
NN_INLINE void static_for(F&& f) {
    static_for_impl(f, std::make_integer_sequence<int, N>{});
}

template <class V, int KMR, int MR, int NV>
void tile(const direct_tile& t) {
    using R = typename V::reg;
    constexpr int W = V::width;
    R acc[NV][MR];
    static_for<MR>([&](auto m) __attribute__((always_inline)) {
        const R b = t.bias ? V::set1(t.bias[m]) : V::zero();
        static_for<NV>([&](auto v) __attribute__((always_inline)) { acc[v][m] = b; });
    });
    // One loop over (channel, tap) pairs: a nested tap loop costs a mispredicted exit per channel.
    const float* w = t.w;
    const int64_t steps = t.channels * t.taps;
    for (int64_t k = 0; k < steps; ++k, w += KMR) {
        const float* s = t.x + t.off[k];
        R xv[NV];
        static_for<NV>([&](auto v) __attribute__((always_inline)) { xv[v] = V::load(s + v * W); });
        static_for<MR>([&](auto m) __attribute__((always_inline)) {
            const R wv = V::set1(w[m]);
            static_for<NV>([&](auto v) __attribute__((always_inline)) { acc[v][m] = V::fmadd(wv, xv[v], acc[v][m]); });
        });
    }
    if (t.act != 0) {
        const int act = t.act;
        static_for<NV>([&](auto v) __attribute__((always_inline)) {
            static_for<MR>([&](auto m) __attribute__((always_inline)) { acc[v][m] = activate<V>(act, acc[v][m]); });
        });
    }
    // Vector v of row m to y, dropping the lanes past the tile's end and the columns past ow.
    // The common case, a vector inside one row's kept columns, is one plain store per row.
    const out_view o{t.y, t.ldy, t.wp, t.ow, t.np};
    int64_t row = t.row0, col = t.col0;
    static_for<NV>([&](auto v) __attribute__((always_inline)) {
        const int last = static_cast<int>(std::min<int64_t>(W, o.np - v * W));
        if (o.ow == o.wp) {
            // y's rows are wp apart (direct_forward_packed_flat, or no columns to drop): flat
            // position n is y[n], every vector one store (LeNet's 26 of 28 columns: most vectors
            // crossed a row end and took two masked stores per channel, about half the tile's time).
            float* dst = o.y + (row * o.ow + col);
            if (last == W) {
                static_for<MR>([&](auto m) __attribute__((always_inline)) { V::store(dst + m * o.ldy, acc[v][m]); });
            } else {
                const auto part = lanes<V>::make(0, last);
                const uintptr_t ldy = sizeof(float) * static_cast<uintptr_t>(o.ldy);
                static_for<MR>([&](auto m) __attribute__((always_inline)) {
                    lanes<V>::store(reinterpret_cast<uintptr_t>(dst) + m * ldy, part, acc[v][m]);
                });
            }
        } else if (last == W && col + W <= o.ow) {
            float* dst = o.y + (row * o.ow + col);
            static_for<MR>([&](auto m) __attribute__((always_inline)) { V::store(dst + m * o.ldy, acc[v][m]); });
        } else {
            segment seg[W + 1];
            const int count = segments_of(row, col, last, o.wp, o.ow, seg);
            const uintptr_t ldy = sizeof(float) * static_cast<uintptr_t>(o.ldy);
            for (int q = 0; q < count; ++q) {
                const auto part = lanes<V>::make(seg[q].lo, seg[q].hi);
                // Unsigned arithmetic: dst - lo may be "negative" (the integer wraps back at the store).
                const uintptr_t lane0 = reinterpret_cast<uintptr_t>(o.y) +
                                        sizeof(float) * (static_cast<uintptr_t>(seg[q].dst) - static_cast<uintptr_t>(seg[q].lo));
                static_for<MR>([&](auto m) __attribute__((always_inline)) { lanes<V>::store(lane0 + m * ldy, part, acc[v][m]); });
            }
        }
        for (col += W; col >= o.wp; col -= o.wp) ++row;
    });
}

// Register steps of the pooled tile's 2x2 windows, per ISA.
template <class V>
struct window_lanes;

#if defined(__AVX2__) && defined(__FMA__)
template <>
struct window_lanes<nn::simd::V256> {
    using R = __m256;
    // Lane 2i + 1 copied to lane 2i: the second column of each window under its first.
    static R odd_to_even(R v) { return _mm256_movehdup_ps(v); }
    // Lanes 0, 2, 4, 6 of a, then of b.
    static R even_lanes(R a, R b) {
        const R s = _mm256_shuffle_ps(a, b, 0x88);  // a0 a2 b0 b2 | a4 a6 b4 b6
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), 0xD8));
    }
    // Lanes where a or b is NaN (as a mask), and whether any is.
    using M = __m256;
    static M nan_of(R a, R b) { return _mm256_cmp_ps(a, b, _CMP_UNORD_Q); }
    static M either(M a, M b) { return _mm256_or_ps(a, b); }
    static bool any(M m) { return _mm256_movemask_ps(m) != 0; }
};
#endif

#if defined(__AVX512F__)
template <>
struct window_lanes<nn::simd::V512> {
    using R = __m512;
    static R odd_to_even(R v) { return _mm512_movehdup_ps(v); }
    static R even_lanes(R a, R b) {
        const __m512i idx = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        return _mm512_permutex2var_ps(a, idx, b);
    }
    using M = __mmask16;
    static M nan_of(R a, R b) { return _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q); }
    static M either(M a, M b) { return static_cast<M>(a | b); }
    static bool any(M m) { return m != 0; }
};
#endif

// See direct_pool_tile. MR channels x 2 rows x NV vectors accumulate (AVX-512 4 x 2 x 3: 24 zmm;
// per tap 6 input loads and 4 broadcasts for 24 FMAs), the same FMA sequence a sum as tile's.
// The windows are then pooled on the registers: the row's odd lanes moved under the even ones,
// four maxes in pool::max_forward's tap order, and the even lanes of two vectors packed into one
// store. diabetes_cnn's first layer (3 -> 16 channels, 112 x 112, batch 16) wrote and pooled back
// 800 KiB of convolution output an image, a fifth of the layer's time: with the pooling here,
// 1.17 -> 0.96 ms at 1 thread (bench infer --profile, Zen 5, 2026-12-06).
template <class V, int KMR, int MR, int NV>
void pool_tile(const direct_pool_tile& t) {
    using R = typename V::reg;
    using L = window_lanes<V>;
    constexpr int W = V::width;
    R acc[2][NV][MR];
    static_for<MR>([&](auto m) __attribute__((always_inline)) {
        const R b = t.bias ? V::set1(t.bias[m]) : V::zero();
        static_for<NV>([&](auto v) __attribute__((always_inline)) {
            acc[0][v][m] = b;
            acc[1][v][m] = b;
        });
    });
    const float* w = t.w;
    const int64_t steps = t.channels * t.taps, wp = t.wp;
    for (int64_t k = 0; k < steps; ++k, w += KMR) {
        const float* s = t.x + t.off[k];
        R x0[NV], x1[NV];
        static_for<NV>([&](auto v) __attribute__((always_inline)) {
            x0[v] = V::load(s + v * W);
            x1[v] = V::load(s + wp + v * W);
        });
        static_for<MR>([&](auto m) __attribute__((always_inline)) {
            const R wv = V::set1(w[m]);
            static_for<NV>([&](auto v) __attribute__((always_inline)) {
                acc[0][v][m] = V::fmadd(wv, x0[v], acc[0][v][m]);
                acc[1][v][m] = V::fmadd(wv, x1[v], acc[1][v][m]);
            });
        });
    }
    // ReLU on the first row only: a window's first tap starts the maximum at >= 0 (or NaN), and
    // then a later tap's ReLU changes no step of the pooling (a negative tap or -0 loses to it
    // either way, a NaN is a NaN), so the other taps enter as they are.
    if (t.act == NN_UNARY_RELU) {
        static_for<NV>([&](auto v) __attribute__((always_inline)) {
            static_for<MR>([&](auto m) __attribute__((always_inline)) { acc[0][v][m] = V::max(V::zero(), acc[0][v][m]); });
        });
    } else if (t.act != 0) {
        const int act = t.act;
        static_for<NV>([&](auto v) __attribute__((always_inline)) {
            static_for<MR>([&](auto m) __attribute__((always_inline)) {
                acc[0][v][m] = activate<V>(act, acc[0][v][m]);
                acc[1][v][m] = activate<V>(act, acc[1][v][m]);
            });
        });
    }
    // maxps(t, best) is (t > best ? t : best): the pooling's rule wherever t is not NaN. A NaN
    // anywhere in the tile takes the rule itself.
    typename L::M nan = L::nan_of(acc[0][0][0], acc[1][0][0]);
    static_for<NV>([&](auto v) __attribute__((always_inline)) {
        static_for<MR>([&](auto m) __attribute__((always_inline)) {
            nan = L::either(nan, L::nan_of(acc[0][v][m], acc[1][v][m]));
        });
    });
    const bool exact = L::any(nan);
    const auto take = [](R best, R v) { return V::select(V::or_mask(V::gt(v, best), V::is_nan(v)), v, best); };
    constexpr int NO = (NV + 1) / 2;  // output vectors a channel
    const int64_t pooled = t.pooled, ldy = t.ldy;
    float* y = t.y;
    static_for<MR>([&](auto m) __attribute__((always_inline)) {
        R win[NV];
        static_for<NV>([&](auto v) __attribute__((always_inline)) {
            const R e = acc[0][v][m], o = acc[1][v][m];
            R best = e;
            if (exact) {
                best = take(best, L::odd_to_even(e));
                best = take(best, o);
                best = take(best, L::odd_to_even(o));
            } else {
                best = V::max(L::odd_to_even(e), best);
                best = V::max(o, best);
                best = V::max(L::odd_to_even(o), best);
            }
            win[v] = best;
        });
        static_for<NO>([&](auto u) __attribute__((always_inline)) {
            constexpr int U = decltype(u)::value, a = 2 * U, b = 2 * U + 1 < NV ? 2 * U + 1 : 2 * U;
            const R out = L::even_lanes(win[a], win[b]);
            float* dst = y + m * ldy + U * W;
            const int64_t left = pooled - int64_t{U} * W;
            if (left >= W) V::store(dst, out);
            else if (left > 0)
                lanes<V>::store(reinterpret_cast<uintptr_t>(dst), lanes<V>::make(0, static_cast<int>(left)), out);
        });
    });
}

#undef NN_INLINE

// Copies n floats (vectors, the last one overlapping when n is not a multiple of the width).
template <class V>
inline void copy_floats(const float* s, float* d, int64_t n) {
    int64_t i = 0;
    for (; i + V::width <= n; i += V::width) V::store(d + i, V::load(s + i));
    if (i < n) {
        if (n >= V::width) V::store(d + n - V::width, V::load(s + n - V::width));
        else
            for (; i < n; ++i) d[i] = s[i];
    }
}

template <class V>
inline void zero_floats(float* d, int64_t n) {
    int64_t i = 0;
    for (; i + V::width <= n; i += V::width) V::store(d + i, V::zero());
    if (i < n) {
        if (n >= V::width) V::store(d + n - V::width, V::zero());
        else
            for (; i < n; ++i) d[i] = 0.0f;
    }
}

// See direct::kernels::pad.
template <class V>
void pad(const float* x, const direct_pad& a, float* xp) {
    for (int64_t c = 0; c < a.channels; ++c) {
        float* dst = xp + c * a.cstride;
        const float* src = x + c * a.h * a.w;
        for (int64_t yy = 0; yy < a.rows; ++yy) {
            float* row = dst + yy * a.wp;
            const int64_t ih = a.ih0 + yy;
            if (ih < 0 || ih >= a.h) {
                zero_floats<V>(row, a.wp);
                continue;
            }
            zero_floats<V>(row, a.pl);
            copy_floats<V>(src + ih * a.w, row + a.pl, a.w);
            zero_floats<V>(row + a.pl + a.w, a.wp - a.pl - a.w);
        }
        zero_floats<V>(dst + a.rows * a.wp, a.cstride - a.rows * a.wp);
    }
}

// (mr, vectors) -> the instantiation; mr in [1, KMR], vectors in [1, NVMAX].
template <class V, int KMR, int NVMAX>
struct tile_table {
    using fn = void (*)(const direct_tile&);
    fn f[KMR][NVMAX];
    template <int M, int N>
    void fill_one() {
        f[M - 1][N - 1] = &tile<V, KMR, M, N>;
        if constexpr (N < NVMAX) fill_one<M, N + 1>();
        else if constexpr (M < KMR) fill_one<M + 1, 1>();
    }
    tile_table() { fill_one<1, 1>(); }
};

template <class V, int KMR, int NVMAX>
auto pick(int mr, int64_t np) -> void (*)(const direct_tile&) {
    static const tile_table<V, KMR, NVMAX> table;
    const int nv = static_cast<int>((np + V::width - 1) / V::width);
    return table.f[mr - 1][nv - 1];
}

// (mr, vectors) -> the pooled instantiation; mr in [1, PMR], vectors in [1, NVMAX].
template <class V, int KMR, int PMR, int NVMAX>
struct pool_tile_table {
    using fn = void (*)(const direct_pool_tile&);
    fn f[PMR][NVMAX];
    template <int M, int N>
    void fill_one() {
        f[M - 1][N - 1] = &pool_tile<V, KMR, M, N>;
        if constexpr (N < NVMAX) fill_one<M, N + 1>();
        else if constexpr (M < PMR) fill_one<M + 1, 1>();
    }
    pool_tile_table() { fill_one<1, 1>(); }
};

template <class V, int KMR, int PMR, int NVMAX>
auto pick_pool2(int mr, int64_t columns) -> void (*)(const direct_pool_tile&) {
    static const pool_tile_table<V, KMR, PMR, NVMAX> table;
    const int nv = static_cast<int>((columns + V::width - 1) / V::width);
    return table.f[mr - 1][nv - 1];
}

// KMR x NVMAX vectors for the flat tile, PMR x 2 x PNV for the pooled one.
template <class V, int KMR, int NVMAX, int PMR, int PNV>
direct::kernels make_table(const char* isa, int64_t min_crs) {
    static_assert(PMR <= KMR, "the pooled tile reads channels of one packed block");
    return direct::kernels{isa, KMR, NVMAX * V::width, min_crs, &pick<V, KMR, NVMAX>, &pad<V>,
                           PMR, PNV * V::width, V::width, &pick_pool2<V, KMR, PMR, PNV>};
}

}  // namespace
}  // namespace nn::conv::direct_impl
