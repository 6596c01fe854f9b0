// The Winograd F(2x2, 3x3) kernels (src/conv/conv_winograd.h) written once over a simd.h wrapper
// V and instantiated per ISA (kernels/avx2, kernels/avx512). Vectors run over consecutive tiles.
#pragma once
#include <algorithm>
#include <cstdint>

#include "conv/conv_winograd.h"
#include "conv_direct_simd.h"

namespace nn::conv::winograd_impl {
namespace {  // internal linkage: see simd.h

using direct_impl::activate;
using direct_impl::lanes;
using direct_impl::static_for;

#define NN_INLINE __attribute__((always_inline)) inline

// Row transform of four vectors: (d0 - d2, d1 + d2, d2 - d1, d1 - d3), the product with B^T.
template <class V>
NN_INLINE void bt4(typename V::reg& a, typename V::reg& b, typename V::reg& c, typename V::reg& d) {
    const auto t0 = V::sub(a, c), t1 = V::add(b, c), t2 = V::sub(c, b), t3 = V::sub(b, d);
    a = t0;
    b = t1;
    c = t2;
    d = t3;
}

#if defined(__AVX512F__)
// input_row for tile rows of at most 8 tiles (LeNet's 11x11 outputs: 6; ResNet's 14x14 and 7x7
// stages: 7 and 4) on AVX-512: two tile rows a vector, the first in lanes 0-7, the next in 8-15,
// each half a 256-bit load, so a vector of 16 lanes carries up to 16 tiles instead of one row's
// 6 or 4 (the transform's 32 additions and 16 stores per vector were spent on a third of the
// lanes). Every lane goes through the same operations as in input_row, so V is the same bits.
// Each of V's rows is stored whole from t, then its upper half from the second row's first tile:
// the lanes past each row's tiles land on later tiles' places, written after them.
NN_INLINE __m512 two_halves(const float* lo, const float* hi) {
    return _mm512_castpd_ps(
        _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(_mm256_loadu_ps(lo))), _mm256_castps_pd(_mm256_loadu_ps(hi)), 1));
}

inline void input_row_pairs(const float* xs, int64_t rp, int64_t hp, int64_t cs, int64_t channels, int64_t tx0, int64_t n,
                            int64_t tw, float* v, int64_t vs, int64_t vxi) {
    using V = nn::simd::V512;
    using R = __m512;
    for (int64_t c = 0; c < channels; ++c) {
        float* dst = v + c * vs;
        for (int64_t t = 0, tx = tx0, row = 0; t < n;) {
            const int64_t len0 = std::min(n - t, tw - tx);
            const float* s0 = xs + c * cs + 2 * row * rp + tx;
            // The second half's row: the next tile row, or (past the last) the first again, its
            // lanes then of no meaning and dropped like the others past n.
            const bool two = t + len0 < n;
            const int64_t len1 = two ? std::min(n - t - len0, tw) : 0;
            const float* s1 = two ? xs + c * cs + 2 * (row + 1) * rp : s0;
            R d[4][4];
            static_for<4>([&](auto i) __attribute__((always_inline)) {
                const float* r0 = s0 + i * rp;
                const float* r1 = s1 + i * rp;
                d[i][0] = two_halves(r0, r1);
                d[i][1] = two_halves(r0 + hp, r1 + hp);
                d[i][2] = two_halves(r0 + 1, r1 + 1);
                d[i][3] = two_halves(r0 + hp + 1, r1 + hp + 1);
            });
            static_for<4>([&](auto j) __attribute__((always_inline)) { bt4<V>(d[0][j], d[1][j], d[2][j], d[3][j]); });
            static_for<4>([&](auto i) __attribute__((always_inline)) {
                bt4<V>(d[i][0], d[i][1], d[i][2], d[i][3]);
                static_for<4>([&](auto j) __attribute__((always_inline)) {
                    float* o = dst + (i * 4 + j) * vxi + t;
                    V::store(o, d[i][j]);
                    if (two) _mm256_storeu_ps(o + len0, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(d[i][j]), 1)));
                });
            });
            t += len0 + len1;
            row += two ? 2 : 1;
            tx = 0;
        }
    }
}
#endif

template <class V>
void input_row(const float* xs, int64_t rp, int64_t hp, int64_t cs, int64_t channels, int64_t tx0, int64_t n, int64_t tw,
               float* v, int64_t vs, int64_t vxi) {
    using R = typename V::reg;
    constexpr int W = V::width;
#if defined(__AVX512F__)
    if constexpr (W == 16)
        if (tw <= 8) return input_row_pairs(xs, rp, hp, cs, channels, tx0, n, tw, v, vs, vxi);
#endif
    // Channel by channel, the tiles in order across tile rows: each of V's 16 rows is then written
    // front to back, every line completed before the next (row by row over all channels, each
    // line was written in two visits far apart, and fetched for ownership twice).
    for (int64_t c = 0; c < channels; ++c) {
        float* dst = v + c * vs;
        for (int64_t t = 0, tx = tx0, row = 0; t < n; t += tw - tx, tx = 0, ++row) {
            const int64_t len = std::min(n - t, tw - tx);
            const float* src = xs + c * cs + 2 * row * rp + tx;
            for (int64_t q = 0; q < len; q += W, src += W) {
                // d[i][j]: patch element (i, j) of the W tiles: columns 2 tx + j of row i.
                R d[4][4];
                static_for<4>([&](auto i) __attribute__((always_inline)) {
                    const float* r = src + i * rp;
                    d[i][0] = V::load(r);
                    d[i][1] = V::load(r + hp);
                    d[i][2] = V::load(r + 1);
                    d[i][3] = V::load(r + hp + 1);
                });
                static_for<4>([&](auto j) __attribute__((always_inline)) { bt4<V>(d[0][j], d[1][j], d[2][j], d[3][j]); });
                static_for<4>([&](auto i) __attribute__((always_inline)) {
                    bt4<V>(d[i][0], d[i][1], d[i][2], d[i][3]);
                    static_for<4>([&](auto j) __attribute__((always_inline)) { V::store(dst + (i * 4 + j) * vxi + t + q, d[i][j]); });
                });
            }
        }
    }
}

// Lanes l < W of parity `odd` of the padded row whose input row is `row` (w floats, pl zero
// columns before it): row[2 (e + l) + odd - pl], zero outside [0, w).
template <class V>
struct split_loader {
    // Generic: whole vectors where the window lies inside the row, lane by lane at the edges.
    static typename V::reg load(const float* row, int64_t w, int64_t pl, int64_t e, int odd) {
        const int64_t s = 2 * e + odd - pl;
        if (s >= 0 && s + 2 * V::width <= w) return V::load_even(row + s);
        alignas(64) float t[V::width];
        for (int l = 0; l < V::width; ++l) {
            const int64_t iw = s + 2 * l;
            t[l] = iw >= 0 && iw < w ? row[iw] : 0.0f;
        }
        return V::load(t);
    }
};

#if defined(__AVX512F__)
template <>
struct split_loader<nn::simd::V512> {
    // Two masked loads (masked-off lanes never fault, so the window may hang over either end of
    // the row) and one permute: no scalar edges, no store-to-load round trip through a buffer.
    static __m512 load(const float* row, int64_t w, int64_t pl, int64_t e, int odd) {
        const int64_t s = 2 * e + odd - pl;
        const auto mask = [&](int64_t from) -> __mmask16 {
            const int64_t lo = std::clamp<int64_t>(-from, 0, 16), hi = std::clamp<int64_t>(w - from, 0, 16);
            return hi > lo ? static_cast<__mmask16>(((1u << hi) - 1u) & ~((1u << lo) - 1u)) : 0;
        };
        // Unsigned arithmetic: row + s may lie before the row (only unmasked lanes are read).
        const auto at = [&](int64_t from) {
            return reinterpret_cast<const float*>(reinterpret_cast<uintptr_t>(row) + sizeof(float) * static_cast<uintptr_t>(from));
        };
        const __m512 a = _mm512_maskz_loadu_ps(mask(s), at(s)), b = _mm512_maskz_loadu_ps(mask(s + 16), at(s + 16));
        const __m512i idx = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        return _mm512_permutex2var_ps(a, idx, b);
    }
};
#endif

// See winograd::kernels::pad_split. A parity's last vector may run past hp: the evens into the
// odds (written after them), the odds into the next row (written after it) or the zeroed tail.
// The loop over channels and rows both pad_split paths share: split_row(row, ev, od) writes one
// input row's even and odd columns; rows outside the input and each channel's tail are zeroed.
template <class V, class SplitRow>
void pad_split_rows(const float* x, const winograd_pad& a, float* xs, SplitRow split_row) {
    for (int64_t c = 0; c < a.channels; ++c) {
        float* dst = xs + c * a.cs;
        const float* plane = x + c * a.h * a.w;
        for (int64_t yy = 0; yy < a.rows; ++yy) {
            float* ev = dst + yy * 2 * a.hp;
            const int64_t ih = a.ih0 + yy;
            if (ih < 0 || ih >= a.h) {
                direct_impl::zero_floats<V>(ev, 2 * a.hp);
                continue;
            }
            split_row(plane + ih * a.w, ev, ev + a.hp);
        }
        direct_impl::zero_floats<V>(dst + a.rows * 2 * a.hp, a.cs - a.rows * 2 * a.hp);
    }
}

#if defined(__AVX512F__)
// pad_split for split rows of at most 16 floats a parity (outputs up to 30 wide: LeNet's 11x11,
// ResNet's 14x14 and 7x7 stages) on AVX-512: the padded row's first 32 columns are read once,
// two masked loads whose masks are the same for every row, and both parities are permuted out
// of them (split_loader read them once per parity and recomputed the masks for each). The
// values are the same: column 2e + odd of the padded row is input column 2e + odd - pl, zero
// outside the row.
inline void pad_split_short(const float* x, const winograd_pad& a, float* xs) {
    const auto mask = [&](int64_t from) -> __mmask16 {
        const int64_t lo = std::clamp<int64_t>(-from, 0, 16), hi = std::clamp<int64_t>(a.w - from, 0, 16);
        return hi > lo ? static_cast<__mmask16>(((1u << hi) - 1u) & ~((1u << lo) - 1u)) : 0;
    };
    const __mmask16 m0 = mask(-a.pl), m1 = mask(16 - a.pl);
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    // Unsigned arithmetic: the padded row's start may lie before the input row (masked lanes
    // are never read).
    const auto at = [](const float* row, int64_t from) {
        return reinterpret_cast<const float*>(reinterpret_cast<uintptr_t>(row) + sizeof(float) * static_cast<uintptr_t>(from));
    };
    pad_split_rows<nn::simd::V512>(x, a, xs, [&](const float* row, float* ev, float* od) {
        const __m512 lo = _mm512_maskz_loadu_ps(m0, at(row, -a.pl)), hi = _mm512_maskz_loadu_ps(m1, at(row, 16 - a.pl));
        // Evens first, then the odds over the evens' spare lanes (as pad_split's order).
        _mm512_storeu_ps(ev, _mm512_permutex2var_ps(lo, even, hi));
        _mm512_storeu_ps(od, _mm512_permutex2var_ps(lo, odd, hi));
    });
}
#endif

template <class V>
void pad_split(const float* x, const winograd_pad& a, float* xs) {
    constexpr int W = V::width;
#if defined(__AVX512F__)
    if constexpr (W == 16)
        if (a.hp <= 16) return pad_split_short(x, a, xs);
#endif
    pad_split_rows<V>(x, a, xs, [&](const float* row, float* ev, float* od) {
        for (int64_t e = 0; e < a.hp; e += W) V::store(ev + e, split_loader<V>::load(row, a.w, a.pl, e, 0));
        for (int64_t e = 0; e < a.hp; e += W) V::store(od + e, split_loader<V>::load(row, a.w, a.pl, e, 1));
    });
}

// One of the 16 GEMMs of a block: KMR output channels x NU of the NV vectors of tiles (AVX-512 8 x 3:
// 24 zmm accumulators, 11 loads per 24 FMAs, as the direct tile), reduction over the channels; m
// keeps the whole tile's pitch (NV vectors), so the output transform reads either the same way.
template <class V, int KMR, int NV, int NU>
void gemm_vectors(const float* u, const float* v, int64_t vs, int64_t channels, const float* init, float* m) {
    using R = typename V::reg;
    constexpr int W = V::width, NT = NV * W;
    R acc[NU][KMR];
    static_for<KMR>([&](auto r) __attribute__((always_inline)) {
        const R a0 = init ? V::set1(init[r]) : V::zero();
        static_for<NU>([&](auto q) __attribute__((always_inline)) { acc[q][r] = a0; });
    });
    for (int64_t c = 0; c < channels; ++c, u += KMR, v += vs) {
        // At batch 1 every tile waits on U's stream from memory (ResNet-18's transformed weights
        // do not stay in cache between runs), full tiles as well as partial ones; fetch it well
        // ahead of the broadcasts. ResNet-18 b1, 1 thread, Zen 5: 14.3-14.9 -> 13.5-13.9 ms for
        // the sum of steps; batch 8 within noise.
        __builtin_prefetch(u + 64 * KMR);
        R xv[NU];
        static_for<NU>([&](auto q) __attribute__((always_inline)) { xv[q] = V::load(v + q * W); });
        static_for<KMR>([&](auto r) __attribute__((always_inline)) {
            const R wv = V::set1(u[r]);
            static_for<NU>([&](auto q) __attribute__((always_inline)) { acc[q][r] = V::fmadd(wv, xv[q], acc[q][r]); });
        });
    }
    static_for<KMR>([&](auto r) __attribute__((always_inline)) {
        static_for<NU>([&](auto q) __attribute__((always_inline)) { V::store(m + r * NT + q * W, acc[q][r]); });
    });
}

template <class V, int KMR, int NV>
void gemm(const float* u, const float* v, int64_t vs, int64_t channels, const float* init, float* m) {
    gemm_vectors<V, KMR, NV, NV>(u, v, vs, channels, init, m);
}

// A GEMM tile's first `vectors` vectors of tiles only (1 <= vectors <= NV): a partial last tile
// (ResNet's 14x14 stage at batch 1: 49 tiles, 48 + 1) costs the vectors it uses, not NV. Each
// column's sum runs in the same order as in gemm, so the bits are the same.
template <class V, int KMR, int NV>
void gemm_part(const float* u, const float* v, int64_t vs, int64_t channels, const float* init, float* m, int vectors) {
    static_for<NV>([&](auto q) __attribute__((always_inline)) {
        constexpr int nu = decltype(q)::value + 1;
        if (vectors == nu) gemm_vectors<V, KMR, NV, nu>(u, v, vs, channels, init, m);
    });
}

// (a0 b0 a1 b1 ...): lanes [0, W/2) of a and b interleaved, then lanes [W/2, W).
template <class V>
struct zip;

#if defined(__AVX512F__)
template <>
struct zip<nn::simd::V512> {
    static __m512 lo(__m512 a, __m512 b) {
        const __m512i i = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
        return _mm512_permutex2var_ps(a, i, b);
    }
    static __m512 hi(__m512 a, __m512 b) {
        const __m512i i = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
        return _mm512_permutex2var_ps(a, i, b);
    }
};
#endif

#if defined(__AVX2__)
template <>
struct zip<nn::simd::V256> {
    // unpack interleaves within 128-bit halves; the permute puts the halves in order.
    static __m256 lo(__m256 a, __m256 b) {
        return _mm256_permute2f128_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b), 0x20);
    }
    static __m256 hi(__m256 a, __m256 b) {
        return _mm256_permute2f128_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b), 0x31);
    }
};
#endif

// A run of a vector's lanes whose tiles lie in one tile row: lanes [lo, hi), tile (img, ty, tx) at lo.
struct run {
    int lo, hi;
    int64_t img, ty, tx;
};

// static: each ISA's object keeps its own copy (a shared out-of-line one could carry AVX-512 code).
static inline int runs_of(int64_t t, int last, const winograd_out& o, run* out) {
    const int64_t per_img = o.th * o.tw;
    int64_t img = t / per_img, rem = t - img * per_img, ty = rem / o.tw, tx = rem - ty * o.tw;
    int count = 0;
    for (int lane = 0; lane < last;) {
        const int len = static_cast<int>(std::min<int64_t>(last - lane, o.tw - tx));
        out[count++] = run{lane, lane + len, img, ty, tx};
        lane += len;
        tx = 0;
        if (++ty == o.th) {
            ty = 0;
            ++img;
        }
    }
    return count;
}

// Floats [lo, hi) of the 2W-float output row (z0, z1) to the row whose float 0 is at lane0.
template <class V>
NN_INLINE void store_part(uintptr_t lane0, int lo, int hi, typename V::reg z0, typename V::reg z1) {
    constexpr int W = V::width;
    if (lo < W) lanes<V>::store(lane0, lanes<V>::make(lo, std::min(hi, W)), z0);
    if (hi > W) lanes<V>::store(lane0 + sizeof(float) * W, lanes<V>::make(std::max(lo, W) - W, hi - W), z1);
}

// Adds floats [lo, hi) of the row whose float 0 is at lane0 to the same floats of (z0, z1).
template <class V>
NN_INLINE void add_part(uintptr_t lane0, int lo, int hi, typename V::reg& z0, typename V::reg& z1) {
    constexpr int W = V::width;
    if (lo < W) z0 = V::add(z0, lanes<V>::load(lane0, lanes<V>::make(lo, std::min(hi, W))));
    if (hi > W) z1 = V::add(z1, lanes<V>::load(lane0 + sizeof(float) * W, lanes<V>::make(std::max(lo, W) - W, hi - W)));
}

// The run's row address for plane base `base` (unsigned: lane 0 may lie before the plane).
NN_INLINE uintptr_t run_lane0(const float* base, const winograd_out& o, const run& u, int64_t row) {
    return reinterpret_cast<uintptr_t>(base) +
           sizeof(float) * (static_cast<uintptr_t>(u.img * o.img_stride + row * o.ow + 2 * u.tx) - static_cast<uintptr_t>(2 * u.lo));
}

// One vector of tiles' 2x2 outputs, y = A^T M A (F(2,3)), from their 16 products at src (product
// xi at src + xi * KMR * NT), before any residual or activation: shared by output and output_pool2.
template <class V, int KMR, int NV>
NN_INLINE void tile_outputs(const float* src, typename V::reg (&y)[2][2]) {
    using R = typename V::reg;
    constexpr int NT = NV * V::width;
    R s[2][4];
    static_for<4>([&](auto j) __attribute__((always_inline)) {
        const R m0 = V::load(src + (0 * 4 + j) * KMR * NT), m1 = V::load(src + (1 * 4 + j) * KMR * NT);
        const R m2 = V::load(src + (2 * 4 + j) * KMR * NT), m3 = V::load(src + (3 * 4 + j) * KMR * NT);
        s[0][j] = V::add(V::add(m0, m1), m2);
        s[1][j] = V::sub(V::sub(m1, m2), m3);
    });
    static_for<2>([&](auto i) __attribute__((always_inline)) {
        y[i][0] = V::add(V::add(s[i][0], s[i][1]), s[i][2]);
        y[i][1] = V::sub(V::sub(s[i][1], s[i][2]), s[i][3]);
    });
}

// output with o.pool2: each tile's four activated outputs (computed as output does) folded by the
// pooling's rule in its row-major order, (0,0), (0,1), (1,0), (1,1): a later value wins when
// greater or NaN. One vector of pooled values per vector of tiles, stored run by run (a tile
// row's tiles, cut at pool_ow; tile rows past pool_oh dropped): LeNet's 11x11 -> 5x5 layer wrote
// four values a tile in split row pieces, then read them back to pool.
template <class V, int KMR, int NV>
void output_pool2(const float* m, const winograd_out& o) {
    using R = typename V::reg;
    constexpr int W = V::width, NT = NV * W;
    const auto take = [](R best, R v) { return V::select(V::or_mask(V::gt(v, best), V::is_nan(v)), v, best); };
    for (int q = 0; q < NV && q * W < o.np; ++q) {
        const int last = static_cast<int>(std::min<int64_t>(W, o.np - q * W));
        run rs[W + 1];
        const int count = runs_of(o.t0 + q * W, last, o, rs);
        for (int r = 0; r < o.mr; ++r) {
            R y[2][2];
            tile_outputs<V, KMR, NV>(m + r * NT + q * W, y);
            static_for<2>([&](auto i) __attribute__((always_inline)) {
                if (o.act != 0) {
                    y[i][0] = activate<V>(o.act, y[i][0]);
                    y[i][1] = activate<V>(o.act, y[i][1]);
                }
            });
            const R best = take(take(take(y[0][0], y[0][1]), y[1][0]), y[1][1]);
            float* plane = o.y + r * o.ch_stride;
            for (int g = 0; g < count; ++g) {
                const run& u = rs[g];
                const int n = static_cast<int>(std::min<int64_t>(u.hi - u.lo, o.pool_ow - u.tx));
                if (u.ty >= o.pool_oh || n <= 0) continue;
                // Unsigned arithmetic: lane 0's address may lie before the plane (see lanes<V>).
                const uintptr_t lane0 = reinterpret_cast<uintptr_t>(plane) +
                                        sizeof(float) * (static_cast<uintptr_t>(u.img * o.img_stride + u.ty * o.pool_ow + u.tx) -
                                                         static_cast<uintptr_t>(u.lo));
                lanes<V>::store(lane0, lanes<V>::make(u.lo, u.lo + n), best);
            }
        }
    }
}

template <class V, int KMR, int NV>
void output(const float* m, const winograd_out& o) {
    using R = typename V::reg;
    constexpr int W = V::width, NT = NV * W;
    if (o.pool2) return output_pool2<V, KMR, NV>(m, o);
    for (int q = 0; q < NV && q * W < o.np; ++q) {
        const int last = static_cast<int>(std::min<int64_t>(W, o.np - q * W));
        run rs[W + 1];
        const int count = runs_of(o.t0 + q * W, last, o, rs);
        // The common case: every lane in one tile row with both its columns and rows inside y.
        const bool whole = count == 1 && last == W && 2 * (rs[0].tx + W) <= o.ow && 2 * rs[0].ty + 1 < o.oh;
        for (int r = 0; r < o.mr; ++r) {
            // The bias is already in M[5] (the GEMM's accumulators start at it for xi = 5), which
            // enters all four outputs with coefficient 1.
            R y[2][2];
            tile_outputs<V, KMR, NV>(m + r * NT + q * W, y);
            static_for<2>([&](auto i) __attribute__((always_inline)) {
                if (o.act != 0 && !o.res) {
                    y[i][0] = activate<V>(o.act, y[i][0]);
                    y[i][1] = activate<V>(o.act, y[i][1]);
                }
            });
            R z00 = zip<V>::lo(y[0][0], y[0][1]), z01 = zip<V>::hi(y[0][0], y[0][1]);
            R z10 = zip<V>::lo(y[1][0], y[1][1]), z11 = zip<V>::hi(y[1][0], y[1][1]);
            float* plane = o.y + r * o.ch_stride;
            if (o.res) {
                // The residual in output order (as the rows are stored below), then the activation.
                const float* rplane = o.res + r * o.ch_stride;
                if (whole) {
                    const float* src = rplane + rs[0].img * o.img_stride + 2 * rs[0].ty * o.ow + 2 * rs[0].tx;
                    z00 = V::add(z00, V::load(src));
                    z01 = V::add(z01, V::load(src + W));
                    z10 = V::add(z10, V::load(src + o.ow));
                    z11 = V::add(z11, V::load(src + o.ow + W));
                } else {
                    for (int g = 0; g < count; ++g) {
                        const run& u = rs[g];
                        const int n = static_cast<int>(std::min<int64_t>(2 * (u.hi - u.lo), o.ow - 2 * u.tx));
                        const int64_t row = 2 * u.ty;
                        const uintptr_t lane0 = run_lane0(rplane, o, u, row);
                        add_part<V>(lane0, 2 * u.lo, 2 * u.lo + n, z00, z01);
                        if (row + 1 < o.oh) add_part<V>(lane0 + sizeof(float) * static_cast<uintptr_t>(o.ow), 2 * u.lo, 2 * u.lo + n, z10, z11);
                    }
                }
                if (o.act != 0) {
                    z00 = activate<V>(o.act, z00);
                    z01 = activate<V>(o.act, z01);
                    z10 = activate<V>(o.act, z10);
                    z11 = activate<V>(o.act, z11);
                }
            }
            if (whole) {
                float* dst = plane + rs[0].img * o.img_stride + 2 * rs[0].ty * o.ow + 2 * rs[0].tx;
                V::store(dst, z00);
                V::store(dst + W, z01);
                V::store(dst + o.ow, z10);
                V::store(dst + o.ow + W, z11);
                continue;
            }
            for (int g = 0; g < count; ++g) {
                const run& u = rs[g];
                // Output floats [2 lo, 2 lo + n) of the zipped rows, clipped at the plane's last column.
                const int n = static_cast<int>(std::min<int64_t>(2 * (u.hi - u.lo), o.ow - 2 * u.tx));
                const int64_t row = 2 * u.ty;
                // Unsigned arithmetic: the row's lane-0 address may lie before y (see lanes<V>).
                const uintptr_t lane0 = run_lane0(plane, o, u, row);
                store_part<V>(lane0, 2 * u.lo, 2 * u.lo + n, z00, z01);
                if (row + 1 < o.oh) store_part<V>(lane0 + sizeof(float) * static_cast<uintptr_t>(o.ow), 2 * u.lo, 2 * u.lo + n, z10, z11);
            }
        }
    }
}

// The output-gradient transform (A Y A^T, A = [1 0; 1 1; 1 -1; 0 -1]) of tiles with output
// channels along the vectors: Y's pixels are pixel-major rows of kp floats.
template <class V>
void grad_row(const float* dyt, int64_t ow, int64_t rows, int64_t tx0, int64_t n, int64_t kp, float* z, int64_t zxi) {
    using R = typename V::reg;
    constexpr int W = V::width;
    for (int64_t q = 0; q < n; ++q) {
        const int64_t tx = tx0 + q;
        const float* p0 = dyt + 2 * tx * kp;
        const bool right = 2 * tx + 1 < ow, below = rows > 1;
        float* zt = z + q * kp;
        for (int64_t kv = 0; kv < kp; kv += W) {
            const R a = V::load(p0 + kv), b = right ? V::load(p0 + kp + kv) : V::zero();
            const R c = below ? V::load(p0 + ow * kp + kv) : V::zero();
            const R d = below && right ? V::load(p0 + (ow + 1) * kp + kv) : V::zero();
            // Rows of A Y: (a, b), (a + c, b + d), (a - c, b - d), (-c, -d); then each row (u, v)
            // times A^T: (u, u + v, u - v, -v).
            const R u[4] = {a, V::add(a, c), V::sub(a, c), V::neg(c)};
            const R w[4] = {b, V::add(b, d), V::sub(b, d), V::neg(d)};
            static_for<4>([&](auto i) __attribute__((always_inline)) {
                V::store(zt + (i * 4 + 0) * zxi + kv, u[i]);
                V::store(zt + (i * 4 + 1) * zxi + kv, V::add(u[i], w[i]));
                V::store(zt + (i * 4 + 2) * zxi + kv, V::sub(u[i], w[i]));
                V::store(zt + (i * 4 + 3) * zxi + kv, V::neg(w[i]));
            });
        }
    }
}

// See winograd::kernels::weights. A vector holds the KMR output channels of W / KMR input
// channels, in U's order, so each xi's values for those channels are one whole-vector store:
// U's 16 slices lie a multiple of 4 KB apart at 512 channels, and runs of KMR floats stored
// xi by xi evicted each line between its partial writes. The taps are gathered through a small
// buffer (9 loads per kernel); the transform then runs on whole vectors. At C = K = 512, 2.1 ms
// (8.1 ns a kernel) against 3.7 ms for the same arithmetic in the driver's generic x86-64 code
// (Emerald Rapids, 1 thread, process CPU time, 2026-12-05).
template <class V, int KMR>
void weights(const float* w, int64_t rs, int64_t cs, int64_t mr, int64_t channels, bool flip, float* u, int64_t uxi) {
    using R = typename V::reg;
    constexpr int W = V::width, P = W / KMR;  // input channels per vector
    static_assert(W % KMR == 0, "a vector holds whole blocks of output channels");
    constexpr int64_t kAhead = 8;  // input channels the kernels are fetched ahead
    alignas(64) float g[9][W];
    const R h = V::set1(0.5f), nh = V::set1(-0.5f);
    for (int64_t c0 = 0; c0 < channels; c0 += P) {
        const int64_t pc = std::min<int64_t>(P, channels - c0);
        // The data gradient's kernels (flip) lie one output channel's kernels apart (18 KB at
        // 512), a stride the prefetchers miss.
        if (c0 + kAhead + P <= channels)
            for (int64_t d = 0; d < P; ++d)
                for (int64_t r = 0; r < mr; ++r) {
                    const float* k = w + r * rs + (c0 + kAhead + d) * cs;
                    __builtin_prefetch(k);
                    __builtin_prefetch(k + 8);
                }
        if (mr == KMR && pc == P) {  // every lane: the loops unrolled, no per-lane tests
            // (vgatherdps instead: 7.4 against 8.1 ns a kernel at 512 channels, Emerald Rapids,
            // 2026-12-05; the plain loads keep off gathers' microcode-dependent cost.)
            const auto gather = [&](auto tap_of) __attribute__((always_inline)) {
                static_for<W>([&](auto l) __attribute__((always_inline)) {
                    const float* k = w + (l % KMR) * rs + (c0 + l / KMR) * cs;
                    static_for<9>([&](auto tap) __attribute__((always_inline)) { g[tap][l] = k[tap_of(tap)]; });
                });
            };
            if (flip) gather([](int tap) { return 8 - tap; });
            else gather([](int tap) { return tap; });
        } else for (int l = 0; l < W; ++l) {
            const int64_t r = l % KMR, d = l / KMR;
            if (r < mr && d < pc) {
                const float* k = w + r * rs + (c0 + d) * cs;
                if (flip)
                    for (int tap = 0; tap < 9; ++tap) g[tap][l] = k[8 - tap];
                else
                    for (int tap = 0; tap < 9; ++tap) g[tap][l] = k[tap];
            } else {
                for (int tap = 0; tap < 9; ++tap) g[tap][l] = 0.0f;
            }
        }
        R t[3][4];  // t[j][i]: column j of G g
        static_for<3>([&](auto j) __attribute__((always_inline)) {
            const R a = V::load(g[j]), b = V::load(g[3 + j]), c = V::load(g[6 + j]);
            t[j][0] = a;
            t[j][1] = V::add(V::add(V::mul(h, a), V::mul(h, b)), V::mul(h, c));
            t[j][2] = V::add(V::add(V::mul(h, a), V::mul(nh, b)), V::mul(h, c));
            t[j][3] = c;
        });
        float* dst = u + c0 * KMR;
        alignas(64) float part[W];
        const auto put = [&](int xi, R e) __attribute__((always_inline)) {
            if (pc == P) return V::store(dst + xi * uxi, e);
            V::store(part, e);
            std::copy(part, part + pc * KMR, dst + xi * uxi);
        };
        static_for<4>([&](auto i) __attribute__((always_inline)) {  // (G g) G^T: G applied to each row of G g
            const R a = t[0][i], b = t[1][i], c = t[2][i];
            put(i * 4, a);
            put(i * 4 + 1, V::add(V::add(V::mul(h, a), V::mul(h, b)), V::mul(h, c)));
            put(i * 4 + 2, V::add(V::add(V::mul(h, a), V::mul(nh, b)), V::mul(h, c)));
            put(i * 4 + 3, c);
        });
    }
}

// See winograd::kernels::weights_grad: W output channels along the vectors, one input channel
// at a time; the block's kernels are gathered in a buffer, so dW ([k][c][9]) is stored in whole
// runs of cn * 9 floats a kernel row (one store per kernel touched a new line per output channel).
template <class V>
void weights_grad(const float* du, int64_t xs, int64_t cs, int64_t kn, int64_t cn, float* dw, int64_t ks) {
    using R = typename V::reg;
    constexpr int W = V::width;
    constexpr auto& G = kWinogradG;
    constexpr int64_t kAhead = 2;  // vectors of output channels the rows of dU are fetched ahead
    alignas(64) float out[W][kWinogradGradChannels * 9];  // out[l][c * 9 + e]
    for (int64_t k0 = 0; k0 < kn; k0 += W) {
        for (int64_t c = 0; c < cn; ++c) {
            // 16 rows of dU a call, more streams than the prefetchers follow.
            if (k0 + kAhead * W < kn)
                for (int xi = 0; xi < 16; ++xi) __builtin_prefetch(du + xi * xs + c * cs + k0 + kAhead * W);
            R t[4][3];  // D G
            static_for<4>([&](auto i) __attribute__((always_inline)) {
                R x[4];
                static_for<4>([&](auto j) __attribute__((always_inline)) { x[j] = V::load(du + (i * 4 + j) * xs + c * cs + k0); });
                static_for<3>([&](auto b) __attribute__((always_inline)) {
                    R s = V::zero();
                    static_for<4>([&](auto j) __attribute__((always_inline)) { s = V::add(s, V::mul(x[j], V::set1(G[j][b]))); });
                    t[i][b] = s;
                });
            });
            alignas(64) float d[9][W];  // G^T (D G)
            static_for<3>([&](auto a) __attribute__((always_inline)) {
                static_for<3>([&](auto b) __attribute__((always_inline)) {
                    R s = V::zero();
                    static_for<4>([&](auto i) __attribute__((always_inline)) { s = V::add(s, V::mul(V::set1(G[i][a]), t[i][b])); });
                    V::store(d[a * 3 + b], s);
                });
            });
            for (int l = 0; l < W; ++l)
                for (int e = 0; e < 9; ++e) out[l][c * 9 + e] = d[e][l];
        }
        for (int64_t l = 0; l < std::min<int64_t>(W, kn - k0); ++l) std::copy(out[l], out[l] + cn * 9, dw + (k0 + l) * ks);
    }
}

#undef NN_INLINE

template <class V, int KMR, int NV>
winograd::kernels make_table(const char* isa) {
    return winograd::kernels{isa,       KMR,           NV * V::width,           V::width,
                             &input_row<V>, &pad_split<V>, &gemm<V, KMR, NV>,      &gemm_part<V, KMR, NV>,
                             &output<V, KMR, NV>, &grad_row<V>, &weights<V, KMR>, &weights_grad<V>};
}

}  // namespace
}  // namespace nn::conv::winograd_impl
