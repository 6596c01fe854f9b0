// Convolution micro-kernels written once over a simd.h wrapper V (instantiated per ISA in
// kernels/avx2 and kernels/avx512). Unit-stride rows take the vector paths; other strides fall
// back to scalar loops inside the same kernels.
#pragma once
#include <algorithm>
#include <cstring>

#include "conv/conv.h"
#include "eltwise_simd.h"
#include "simd.h"

namespace nn::conv::simd_impl {
namespace {  // internal linkage: see simd.h

// Without forming a + b - 1, which overflows for a stride near INT64_MAX (found by fuzz_conv).
inline int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? a / b + (a % b != 0) : -((-a) / b); }

// Output columns [lo, hi) whose tap j lands inside the input row.
inline void valid_cols(const geom& g, int64_t j, int64_t* lo, int64_t* hi) {
    const int64_t off = j * g.dw - g.pl;  // iw = ow * sw + off
    int64_t l = std::max<int64_t>(0, ceil_div(-off, g.sw));
    int64_t h = (g.w - 1 - off) >= 0 ? (g.w - 1 - off) / g.sw + 1 : 0;
    h = std::min(h, g.ow);
    l = std::min(l, h);
    *lo = l;
    *hi = h;
}

// dst[o] = src[o] for o in [lo, hi). Rows are short (tens of floats), so instead of a tail loop
// the last vector overlaps the previous one (storing the same values twice is harmless).
template <class V>
inline void copy_row(const float* src, float* dst, int64_t lo, int64_t hi) {
    const int64_t n = hi - lo;
    if (n < V::width) {
        for (int64_t o = lo; o < hi; ++o) dst[o] = src[o];
        return;
    }
    int64_t o = lo;
    for (; o + V::width <= hi; o += V::width) V::store(dst + o, V::load(src + o));
    if (o < hi) V::store(dst + hi - V::width, V::load(src + hi - V::width));
}

// One row of im2col: row[o] = x[c, ih, o * sw + off] for output column o, 0 in the padding
// (columns outside [lo, hi) or ih outside the input).
template <class V>
inline void im2col_row(const float* x, int64_t c, int64_t ih, int64_t off, int64_t lo, int64_t hi, const geom& g,
                       float* row) {
    if (ih < 0 || ih >= g.h) {
        std::memset(row, 0, sizeof(float) * static_cast<size_t>(g.ow));
        return;
    }
    // Input column of output column o is o * sw + off; off < 0 inside the left padding, so
    // pointers are formed from the first valid column (x + ... + off alone could point before
    // the buffer, which is undefined behaviour even unread: found by fuzz_conv under UBSan).
    const float* xrow = x + (c * g.h + ih) * g.w;
    for (int64_t o = 0; o < lo; ++o) row[o] = 0.0f;  // padding: a few columns
    if (lo < hi) {
        const float* first = xrow + (lo * g.sw + off);  // input of output column lo (index first: lo * sw alone may pass the buffer's end)
        if (g.sw == 1) {
            copy_row<V>(first, row + lo, 0, hi - lo);
        } else if (g.sw == 2) {
            // Even lanes of two vectors; a vector may start at ow while its last read,
            // first[2 * (ow - lo + width) - 1], stays inside the row.
            const int64_t last = g.w - 1 - (lo * 2 + off);  // first[last] is the row's end
            int64_t ow = lo;
            for (; ow + V::width <= hi && 2 * (ow - lo + V::width) - 1 <= last; ow += V::width)
                V::store(row + ow, V::load_even(first + 2 * (ow - lo)));
            // The rest (ResNet's 14- and 28-wide rows: all or part of a row) in masked vectors
            // that read only the row's own floats: one float at a time this took 11% of the
            // stride-2 3x3 256 -> 512 forward (batch 8, 1 thread, Emerald Rapids).
            for (; ow < hi; ow += V::width) {
                const int n = static_cast<int>(std::min<int64_t>(V::width, hi - ow));
                V::store_n(row + ow, V::load_even_n(first + 2 * (ow - lo), n), n);
            }
        } else {
            for (int64_t ow = lo; ow < hi; ++ow) row[ow] = first[(ow - lo) * g.sw];
        }
    }
    for (int64_t o = hi; o < g.ow; ++o) row[o] = 0.0f;
}

// All output rows [oh0, oh1) of im2col row q = (c, i, j), back to back (L floats).
template <class V>
inline void im2col_band_row(const float* x, int64_t q, const geom& g, int64_t oh0, int64_t oh1, float* row) {
    const int64_t c = q / (g.r * g.s), i = q / g.s % g.r, j = q % g.s;
    int64_t lo, hi;
    valid_cols(g, j, &lo, &hi);
    const int64_t off = j * g.dw - g.pl;
    for (int64_t oh = oh0; oh < oh1; ++oh, row += g.ow) im2col_row<V>(x, c, oh * g.sh - g.pt + i * g.dh, off, lo, hi, g, row);
}

template <class V>
void im2col(const float* x, int64_t channels, const geom& g, int64_t oh0, int64_t oh1, float* col, int64_t ld) {
    for (int64_t q = 0; q < channels * g.r * g.s; ++q) im2col_band_row<V>(x, q, g, oh0, oh1, col + q * ld);
}

// im2col written straight into the SGEMM's packed-B layout (no col matrix in between): each
// row goes to tmp (L1) and from there in nr-wide pieces into its panels.
template <class V>
void im2col_panels(const float* x, int64_t channels, const geom& g, int64_t oh0, int64_t oh1, int64_t nr, float* tmp,
                   float* dst) {
    const int64_t L = (oh1 - oh0) * g.ow, kc = channels * g.r * g.s, panels = (L + nr - 1) / nr;
    for (int64_t p = L; p < panels * nr; ++p) tmp[p] = 0.0f;  // the last panel's columns past L
    for (int64_t q = 0; q < kc; ++q) {
        im2col_band_row<V>(x, q, g, oh0, oh1, tmp);
        float* d = dst + q * nr;
        for (int64_t pn = 0; pn < panels; ++pn, d += kc * nr) {
            const float* s = tmp + pn * nr;
            int64_t o = 0;
            for (; o + V::width <= nr; o += V::width) V::store(d + o, V::load(s + o));
            for (; o < nr; ++o) d[o] = s[o];
        }
    }
}

template <class V>
void col2im(const float* col, int64_t channels, const geom& g, int64_t oh0, int64_t oh1, float* dx, int64_t ld) {
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < g.r; ++i)
            for (int64_t j = 0; j < g.s; ++j) {
                int64_t lo, hi;
                valid_cols(g, j, &lo, &hi);
                const int64_t off = j * g.dw - g.pl;
                const float* row = col + ((c * g.r + i) * g.s + j) * ld;
                for (int64_t oh = oh0; oh < oh1; ++oh, row += g.ow) {
                    const int64_t ih = oh * g.sh - g.pt + i * g.dh;
                    if (ih < 0 || ih >= g.h || lo >= hi) continue;
                    // First valid column's input (see im2col_row: never form x + off < x).
                    // The index is summed first: dx + lo * sw alone can overflow the pointer for a huge stride.
                    float* dst = dx + ((c * g.h + ih) * g.w + lo * g.sw + off);
                    const float* src = row + lo;
                    const int64_t n = hi - lo;
                    if (g.sw == 1) {
                        int64_t o = 0;
                        for (; o + V::width <= n; o += V::width)
                            V::store(dst + o, V::add(V::load(dst + o), V::load(src + o)));
                        for (; o < n; ++o) dst[o] += src[o];
                    } else if (g.sw == 2) {  // the same adds, a vector of outputs at a time
                        for (int64_t o = 0; o < n; o += V::width) {
                            const int cnt = static_cast<int>(std::min<int64_t>(V::width, n - o));
                            V::add_even_n(dst + 2 * o, V::load_n(src + o, cnt), cnt);
                        }
                    } else {
                        for (int64_t o = 0; o < n; ++o) dst[o * g.sw] += src[o];
                    }
                }
            }
}

template <class V>
void dw_forward(const float* xp, int64_t wp, const float* w, float bias, const geom& g, float* y) {
    using R = typename V::reg;
    const int64_t taps = g.r * g.s;
    for (int64_t oh = 0; oh < g.oh; ++oh) {
        const float* base = xp + oh * g.sh * wp;
        float* yr = y + oh * g.ow;
        int64_t ow = 0;
        if (g.sw == 1) {
            for (; ow + 2 * V::width <= g.ow; ow += 2 * V::width) {
                R a0 = V::set1(bias), a1 = a0;
                for (int64_t t = 0; t < taps; ++t) {
                    const float* p = base + (t / g.s) * g.dh * wp + (t % g.s) * g.dw + ow;
                    const R wv = V::set1(w[t]);
                    a0 = V::fmadd(wv, V::load(p), a0);
                    a1 = V::fmadd(wv, V::load(p + V::width), a1);
                }
                V::store(yr + ow, a0);
                V::store(yr + ow + V::width, a1);
            }
            for (; ow + V::width <= g.ow; ow += V::width) {
                R a0 = V::set1(bias);
                for (int64_t t = 0; t < taps; ++t)
                    a0 = V::fmadd(V::set1(w[t]), V::load(base + (t / g.s) * g.dh * wp + (t % g.s) * g.dw + ow), a0);
                V::store(yr + ow, a0);
            }
        } else if (g.sw == 2) {
            // The padded row holds wp floats; the last tap's vector reads up to
            // 2 * (ow + width) - 1 + (s - 1) * dw, which must stay below wp.
            for (; ow + V::width <= g.ow && 2 * (ow + V::width) - 1 + (g.s - 1) * g.dw < wp; ow += V::width) {
                R a0 = V::set1(bias);
                for (int64_t t = 0; t < taps; ++t)
                    a0 = V::fmadd(V::set1(w[t]), V::load_even(base + (t / g.s) * g.dh * wp + (t % g.s) * g.dw + 2 * ow),
                                  a0);
                V::store(yr + ow, a0);
            }
        }
        for (; ow < g.ow; ++ow) {
            float acc = bias;
            for (int64_t t = 0; t < taps; ++t)
                acc = __builtin_fmaf(w[t], base[(t / g.s) * g.dh * wp + (t % g.s) * g.dw + ow * g.sw], acc);
            yr[ow] = acc;
        }
    }
}

// The depthwise 3x3 kernel (conv.h, dw3x3_args). Each input row is copied once into a ring of
// zero-bordered rows (pitch dw3x3_pitch), so every output vector is nine plain (stride 1) or
// even-lane (stride 2) loads with no edge cases; rows above and below the plane point at a row
// of zeros. The stride, the residual and the activation (none, ReLU6, or any other through
// apply<V>) are template parameters, so the row loop has no branches and the nine weights stay
// in registers; each output vector sums its three kernel rows in separate registers, so two
// vectors keep six short FMA chains in flight. The last, partial vector is computed in full (the
// ring's slack is zero).
enum class dw_act { none, relu6, other };

template <class V, int ST, bool RES, dw_act ACT>
void dw3x3_plane(const dw3x3_args& a) {
    using R = typename V::reg;
    using nn::eltwise::simd_impl::load_n;
    using nn::eltwise::simd_impl::store_n;
    const int64_t rp = dw3x3_pitch(a.w);
    float* zero = a.rows + 4 * rp;
    std::memset(a.rows, 0, sizeof(float) * static_cast<size_t>(5 * rp));
    int64_t held[4] = {-1, -1, -1, -1};  // the input row each ring slot holds
    const auto row = [&](int64_t ih) -> const float* {
        if (ih < 0 || ih >= a.h) return zero;
        float* slot = a.rows + (ih & 3) * rp;
        if (held[ih & 3] != ih) {
            copy_row<V>(a.x + ih * a.w, slot + 1, 0, a.w);
            held[ih & 3] = ih;
        }
        return slot;
    };
    const R w0 = V::set1(a.wt[0]), w1 = V::set1(a.wt[1]), w2 = V::set1(a.wt[2]);
    const R w3 = V::set1(a.wt[3]), w4 = V::set1(a.wt[4]), w5 = V::set1(a.wt[5]);
    const R w6 = V::set1(a.wt[6]), w7 = V::set1(a.wt[7]), w8 = V::set1(a.wt[8]);
    const R vb = V::set1(a.bias), va = V::set1(a.alpha);
    const auto op = static_cast<nn_unary_op>(a.act);
    const auto tap = [](const float* p) {
        if constexpr (ST == 1) return V::load(p);
        else return V::load_even(p);
    };
    // The output vector at column o of padded rows r0..r2 (column c of the input is c + 1 there).
    const auto taps = [&](const float* r0, const float* r1, const float* r2, int64_t o) {
        const float *p0 = r0 + o * ST, *p1 = r1 + o * ST, *p2 = r2 + o * ST;
        R top = V::fmadd(w0, tap(p0), vb);
        R mid = V::mul(w3, tap(p1));
        R bot = V::mul(w6, tap(p2));
        top = V::fmadd(w1, tap(p0 + 1), top);
        mid = V::fmadd(w4, tap(p1 + 1), mid);
        bot = V::fmadd(w7, tap(p2 + 1), bot);
        top = V::fmadd(w2, tap(p0 + 2), top);
        mid = V::fmadd(w5, tap(p1 + 2), mid);
        bot = V::fmadd(w8, tap(p2 + 2), bot);
        return V::add(V::add(top, mid), bot);
    };
    const auto finish = [&](R acc, const float* res, int count) {
        if constexpr (RES) acc = V::add(acc, load_n<V>(res, count));
        if constexpr (ACT == dw_act::relu6) return vecmath::relu6<V>(acc);
        // apply<V> is too large to inline: a call per vector, for activations MobileNet lacks.
        else if constexpr (ACT == dw_act::other) return nn::eltwise::simd_impl::apply<V>(op, acc, va);
        else return acc;
    };
    for (int64_t oh = 0; oh < a.oh; ++oh) {
        const float* r0 = row(oh * ST - 1);
        const float* r1 = row(oh * ST);
        const float* r2 = row(oh * ST + 1);
        float* y = a.y + oh * a.ow;
        const float* res = RES ? a.res + oh * a.ow : y;  // not read without a residual
        int64_t o = 0;
        for (; o + 2 * V::width <= a.ow; o += 2 * V::width) {
            const R u0 = taps(r0, r1, r2, o), u1 = taps(r0, r1, r2, o + V::width);
            V::store(y + o, finish(u0, res + o, V::width));
            V::store(y + o + V::width, finish(u1, res + o + V::width, V::width));
        }
        // The last, partial vector: on every row but the plane's last its spare lanes fall on the
        // next row's first outputs (and residuals), which are read in range and rewritten when
        // that row is computed, so it is a plain store; the last row stores lane by lane.
        for (; o < a.ow; o += V::width) {
            const int n = static_cast<int>(std::min<int64_t>(V::width, a.ow - o));
            if (o + V::width <= (a.oh - oh) * a.ow) {
                V::store(y + o, finish(taps(r0, r1, r2, o), res + o, V::width));
            } else {
                store_n<V>(y + o, finish(taps(r0, r1, r2, o), res + o, n), n);
            }
        }
    }
}

template <class V, int ST, bool RES>
void dw3x3_act(const dw3x3_args& a) {
    if (a.act == NN_UNARY_IDENTITY) return dw3x3_plane<V, ST, RES, dw_act::none>(a);
    if (a.act == NN_UNARY_RELU6) return dw3x3_plane<V, ST, RES, dw_act::relu6>(a);
    dw3x3_plane<V, ST, RES, dw_act::other>(a);
}

template <class V>
void dw3x3(const dw3x3_args& a) {
    if (a.stride == 1) return a.res ? dw3x3_act<V, 1, true>(a) : dw3x3_act<V, 1, false>(a);
    a.res ? dw3x3_act<V, 2, true>(a) : dw3x3_act<V, 2, false>(a);
}

// p[2i] = a[i], p[2i + 1] = b[i] for the 2 * width floats at p.
template <class V>
inline void store_interleaved(float* p, typename V::reg a, typename V::reg b) {
#if defined(__AVX512F__)
    if constexpr (V::width == 16) {
        const __m512i lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
        const __m512i hi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
        _mm512_storeu_ps(p, _mm512_permutex2var_ps(a, lo, b));
        _mm512_storeu_ps(p + 16, _mm512_permutex2var_ps(a, hi, b));
        return;
    }
#endif
#if defined(__AVX2__)
    if constexpr (V::width == 8) {
        const __m256 l = _mm256_unpacklo_ps(a, b), h = _mm256_unpackhi_ps(a, b);  // a0 b0 a1 b1 | a4 b4 a5 b5
        _mm256_storeu_ps(p, _mm256_permute2f128_ps(l, h, 0x20));
        _mm256_storeu_ps(p + 8, _mm256_permute2f128_ps(l, h, 0x31));
        return;
    }
#endif
    alignas(64) float ta[V::width], tb[V::width];
    V::store(ta, a);
    V::store(tb, b);
    for (int i = 0; i < V::width; ++i) {
        p[2 * i] = ta[i];
        p[2 * i + 1] = tb[i];
    }
}

// The 3x3 stride-2 data gradient (MobileNet's downsampling depthwise layers), undilated: padded
// column 2m gets taps 0 and 2 (dy columns m and m - 1), column 2m + 1 tap 1 (column m), so each
// padded row is updated as even and odd vectors, interleaved on store. The products are added in
// the general loop's order (tap 0, 1, 2 per element, fused), so the result is the same bits.
template <class V>
void dw3x3_s2_backward_data(const float* dy, const float* w, const geom& g, float* dxp, int64_t wp) {
    constexpr int W = V::width;
    for (int64_t oh = 0; oh < g.oh; ++oh) {
        const float* d = dy + oh * g.ow;
        for (int64_t i = 0; i < 3; ++i) {
            float* row = dxp + (2 * oh + i) * wp;
            const float w0 = w[i * 3], w1 = w[i * 3 + 1], w2 = w[i * 3 + 2];
            const auto v0 = V::set1(w0), v1 = V::set1(w1), v2 = V::set1(w2);
            // m = 0: no column m - 1.
            row[0] = __builtin_fmaf(w0, d[0], row[0]);
            row[1] = __builtin_fmaf(w1, d[0], row[1]);
            int64_t m = 1;
            for (; m + W <= g.ow; m += W) {
                const auto dm = V::load(d + m), dl = V::load(d + m - 1);
                float* q = row + 2 * m;
                const auto even = V::fmadd(v2, dl, V::fmadd(v0, dm, V::load_even(q)));
                const auto odd = V::fmadd(v1, dm, V::load_odd(q));
                store_interleaved<V>(q, even, odd);
            }
            for (; m < g.ow; ++m) {
                row[2 * m] = __builtin_fmaf(w2, d[m - 1], __builtin_fmaf(w0, d[m], row[2 * m]));
                row[2 * m + 1] = __builtin_fmaf(w1, d[m], row[2 * m + 1]);
            }
            row[2 * g.ow] = __builtin_fmaf(w2, d[g.ow - 1], row[2 * g.ow]);  // the last padded column
        }
    }
}

template <class V>
void dw_backward_data(const float* dy, const float* w, const geom& g, float* dxp, int64_t wp) {
    if (g.r == 3 && g.s == 3 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1)
        return dw3x3_s2_backward_data<V>(dy, w, g, dxp, wp);
    for (int64_t oh = 0; oh < g.oh; ++oh) {
        const float* d = dy + oh * g.ow;
        for (int64_t i = 0; i < g.r; ++i)
            for (int64_t j = 0; j < g.s; ++j) {
                float* row = dxp + (oh * g.sh + i * g.dh) * wp + j * g.dw;
                const float wt = w[i * g.s + j];
                int64_t ow = 0;
                if (g.sw == 1) {
                    const auto wv = V::set1(wt);
                    for (; ow + V::width <= g.ow; ow += V::width)
                        V::store(row + ow, V::fmadd(wv, V::load(d + ow), V::load(row + ow)));
                }
                for (; ow < g.ow; ++ow) row[ow * g.sw] = __builtin_fmaf(wt, d[ow], row[ow * g.sw]);
            }
    }
}

template <class V>
double hsum(typename V::reg v) {
    alignas(64) float t[V::width];
    V::store(t, v);
    double s = 0.0;
    for (int i = 0; i < V::width; ++i) s += t[i];
    return s;
}

// The first n (< width) floats at p and zeros after, reading nothing past p + n: a masked load
// where the ISA has one (as fast as a plain load on current x86 cores), else through a buffer.
template <class V>
inline typename V::reg load_first(const float* p, int n) {
#if defined(__AVX512F__)
    if constexpr (V::width == 16) return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1u), p);
#endif
#if defined(__AVX2__)
    if constexpr (V::width == 8)
        return _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
#endif
    return nn::eltwise::simd_impl::load_n<V>(p, n);
}

// The 3x3 case (MobileNet's depthwise layers: stride 1 or 2 along rows, any dilation) in one pass
// over both planes with the nine sums in nine registers: the general loop below reads them nine
// times and ends every row of every tap with a horizontal sum, a dependent chain of double adds
// that costs more than the row's products on rows of 7 to 56 outputs. Each register sums at most
// about kFlushProducts products per lane in float before they go into per-lane double totals,
// which are added lane by lane in order at the end: one fixed order for a given shape. Columns
// past the last full vector are masked loads (stride 1) or gathered into zero-filled vectors, so
// no product pairs a dy with an x its output does not see (an infinite x would give NaN).
template <class V>
void dw3x3_backward_weights(const float* xp, int64_t wp, const float* dy, const geom& g, float* dw) {
    using R = typename V::reg;
    constexpr int W = V::width;
    constexpr int64_t kFlushProducts = 64;
    const int64_t sw = g.sw, cd = g.dw, rd = g.dh * wp;
    // Full vectors stop where the stride-2 load (2 * W floats from the last tap) would leave the row.
    int64_t full = g.ow / W * W;
    if (sw == 2)
        while (full > 0 && 2 * full - 1 + 2 * cd >= wp) full -= W;
    const int64_t vectors_per_row = (g.ow + W - 1) / W;
    const int64_t flush_rows = std::max<int64_t>(1, kFlushProducts / vectors_per_row);
    alignas(64) double total[9][W] = {};
    alignas(64) float tail[9][W];
    R a0 = V::zero(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0;
    const auto tap = [sw](const float* p) { return sw == 1 ? V::load(p) : V::load_even(p); };
    const auto flush = [&] {
        const R acc[9] = {a0, a1, a2, a3, a4, a5, a6, a7, a8};
        alignas(64) float lanes[W];
        for (int t = 0; t < 9; ++t) {
            V::store(lanes, acc[t]);
            for (int l = 0; l < W; ++l) total[t][l] += lanes[l];
        }
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = a8 = V::zero();
    };
    for (int64_t oh = 0; oh < g.oh; ++oh) {
        const float* x0 = xp + oh * g.sh * wp;
        const float *x1 = x0 + rd, *x2 = x0 + 2 * rd;
        const float* d = dy + oh * g.ow;
        int64_t ow = 0;
        for (; ow < full; ow += W) {
            const R dv = V::load(d + ow);
            const int64_t c = ow * sw;
            a0 = V::fmadd(dv, tap(x0 + c), a0);
            a1 = V::fmadd(dv, tap(x0 + c + cd), a1);
            a2 = V::fmadd(dv, tap(x0 + c + 2 * cd), a2);
            a3 = V::fmadd(dv, tap(x1 + c), a3);
            a4 = V::fmadd(dv, tap(x1 + c + cd), a4);
            a5 = V::fmadd(dv, tap(x1 + c + 2 * cd), a5);
            a6 = V::fmadd(dv, tap(x2 + c), a6);
            a7 = V::fmadd(dv, tap(x2 + c + cd), a7);
            a8 = V::fmadd(dv, tap(x2 + c + 2 * cd), a8);
        }
        for (; ow < g.ow; ow += W) {
            const int n = static_cast<int>(std::min<int64_t>(W, g.ow - ow));
            const R dv = n == W ? V::load(d + ow) : load_first<V>(d + ow, n);
            if (sw == 1 && n < W) {  // rows of 7 to 28 outputs (MobileNet's last stages): masked loads
                const int64_t c = ow;
                a0 = V::fmadd(dv, load_first<V>(x0 + c, n), a0);
                a1 = V::fmadd(dv, load_first<V>(x0 + c + cd, n), a1);
                a2 = V::fmadd(dv, load_first<V>(x0 + c + 2 * cd, n), a2);
                a3 = V::fmadd(dv, load_first<V>(x1 + c, n), a3);
                a4 = V::fmadd(dv, load_first<V>(x1 + c + cd, n), a4);
                a5 = V::fmadd(dv, load_first<V>(x1 + c + 2 * cd, n), a5);
                a6 = V::fmadd(dv, load_first<V>(x2 + c, n), a6);
                a7 = V::fmadd(dv, load_first<V>(x2 + c + cd, n), a7);
                a8 = V::fmadd(dv, load_first<V>(x2 + c + 2 * cd, n), a8);
                continue;
            }
            const float* rows[3] = {x0, x1, x2};
            for (int t = 0; t < 9; ++t) {
                const float* src = rows[t / 3] + ow * sw + (t % 3) * cd;
                for (int l = 0; l < W; ++l) tail[t][l] = l < n ? src[l * sw] : 0.0f;
            }
            a0 = V::fmadd(dv, V::load(tail[0]), a0);
            a1 = V::fmadd(dv, V::load(tail[1]), a1);
            a2 = V::fmadd(dv, V::load(tail[2]), a2);
            a3 = V::fmadd(dv, V::load(tail[3]), a3);
            a4 = V::fmadd(dv, V::load(tail[4]), a4);
            a5 = V::fmadd(dv, V::load(tail[5]), a5);
            a6 = V::fmadd(dv, V::load(tail[6]), a6);
            a7 = V::fmadd(dv, V::load(tail[7]), a7);
            a8 = V::fmadd(dv, V::load(tail[8]), a8);
        }
        if ((oh + 1) % flush_rows == 0 || oh + 1 == g.oh) flush();
    }
    for (int t = 0; t < 9; ++t) {
        double s = 0.0;
        for (int l = 0; l < W; ++l) s += total[t][l];
        dw[t] = static_cast<float>(s);
    }
}

template <class V>
void dw_backward_weights(const float* xp, int64_t wp, const float* dy, const geom& g, float* dw) {
    using R = typename V::reg;
    if (g.r == 3 && g.s == 3 && (g.sw == 1 || g.sw == 2)) return dw3x3_backward_weights<V>(xp, wp, dy, g, dw);
    for (int64_t i = 0; i < g.r; ++i)
        for (int64_t j = 0; j < g.s; ++j) {
            double total = 0.0;
            for (int64_t oh = 0; oh < g.oh; ++oh) {
                const float* xr = xp + (oh * g.sh + i * g.dh) * wp + j * g.dw;
                const float* d = dy + oh * g.ow;
                int64_t ow = 0;
                if (g.sw == 1) {
                    R a0 = V::zero(), a1 = V::zero();
                    for (; ow + 2 * V::width <= g.ow; ow += 2 * V::width) {
                        a0 = V::fmadd(V::load(d + ow), V::load(xr + ow), a0);
                        a1 = V::fmadd(V::load(d + ow + V::width), V::load(xr + ow + V::width), a1);
                    }
                    for (; ow + V::width <= g.ow; ow += V::width) a0 = V::fmadd(V::load(d + ow), V::load(xr + ow), a0);
                    total += hsum<V>(V::add(a0, a1));
                }
                for (; ow < g.ow; ++ow) total += static_cast<double>(d[ow]) * xr[ow * g.sw];
            }
            dw[i * g.s + j] = static_cast<float>(total);
        }
}

// Blocks of 4096 summed in float with 4 accumulators, blocks added in double: accurate and in a
// fixed order for a given n.
template <class V>
double sum(const float* x, int64_t n) {
    using R = typename V::reg;
    double total = 0.0;
    for (int64_t b = 0; b < n; b += 4096) {
        const int64_t e = std::min(n, b + 4096);
        R a0 = V::zero(), a1 = V::zero(), a2 = V::zero(), a3 = V::zero();
        int64_t i = b;
        for (; i + 4 * V::width <= e; i += 4 * V::width) {
            a0 = V::add(a0, V::load(x + i));
            a1 = V::add(a1, V::load(x + i + V::width));
            a2 = V::add(a2, V::load(x + i + 2 * V::width));
            a3 = V::add(a3, V::load(x + i + 3 * V::width));
        }
        for (; i + V::width <= e; i += V::width) a0 = V::add(a0, V::load(x + i));
        total += hsum<V>(V::add(V::add(a0, a1), V::add(a2, a3)));
        for (; i < e; ++i) total += x[i];
    }
    return total;
}

template <class V>
void add(const float* x, float* y, int64_t n) {
    int64_t i = 0;
    for (; i + V::width <= n; i += V::width) V::store(y + i, V::add(V::load(y + i), V::load(x + i)));
    for (; i < n; ++i) y[i] += x[i];
}

// Direct weight gradient (kernels::bww_direct): tiles of ROWS taps x NV vectors of output
// channels whose accumulators stay in registers over a whole block of output rows. Each pixel
// step loads NV vectors of dY (one pixel, the tile's channels) and broadcasts one input value per
// tap: ROWS * NV FMAs for ROWS + NV loads.
template <class V, int NV, int ROWS>
void bww_tile(const float* xp, const int64_t* off, int64_t oh0, int64_t oh1, int64_t ow, int64_t wp,
              const float* dyt, int64_t kp, float* dwt, bool accumulate) {
    using R = typename V::reg;
    R acc[ROWS][NV];
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = V::zero();
    for (int64_t oh = oh0; oh < oh1; ++oh) {
        const float* x[ROWS];
#pragma GCC unroll 16
        for (int r = 0; r < ROWS; ++r) x[r] = xp + (off[r] + oh * wp);  // index first (see im2col_row)
        const float* b = dyt + (oh - oh0) * ow * kp;
        for (int64_t o = 0; o < ow; ++o, b += kp) {
            R bv[NV];
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) bv[v] = V::load(b + v * V::width);
#pragma GCC unroll 16
            for (int r = 0; r < ROWS; ++r) {
                const R a = V::set1(x[r][o]);
#pragma GCC unroll 4
                for (int v = 0; v < NV; ++v) acc[r][v] = V::fmadd(a, bv[v], acc[r][v]);
            }
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
            // Each block sums from zero and is then added (or stored: the reduction's first block):
            // long reductions (many pixels, many images) lose less than one running float sum.
            float* d = dwt + r * kp + v * V::width;
            V::store(d, accumulate ? V::add(V::load(d), acc[r][v]) : acc[r][v]);
        }
}

// The last m % ROWS taps: the tile of exactly that height.
template <class V, int NV, int ROWS>
void bww_tail(int64_t rem, const float* xp, const int64_t* off, int64_t oh0, int64_t oh1, int64_t ow, int64_t wp,
              const float* dyt, int64_t kp, float* dwt, bool accumulate) {
    if constexpr (ROWS > 0) {
        if (rem == ROWS) return bww_tile<V, NV, ROWS>(xp, off, oh0, oh1, ow, wp, dyt, kp, dwt, accumulate);
        bww_tail<V, NV, ROWS - 1>(rem, xp, off, oh0, oh1, ow, wp, dyt, kp, dwt, accumulate);
    }
}

// Tile heights: accumulators + NV dY vectors + the broadcast within the vector registers (32
// zmm, 16 ymm), and at most 9 taps: their row pointers, the pixel index, the dY pointer and the
// loop bound must fit the 15 usable general registers, or the inner loop spills.
template <class V, int NV>
constexpr int bww_rows() {
    constexpr int regs = V::width == 16 ? 32 : 16;
    constexpr int fit = (regs - NV - 1) / NV;
    return fit < 9 ? fit : 9;
}

template <class V, int NV>
void bww_columns(const float* xp, const int64_t* off, int64_t m, int64_t oh0, int64_t oh1, int64_t ow, int64_t wp,
                 const float* dyt, int64_t kp, float* dwt, bool accumulate) {
    constexpr int ROWS = bww_rows<V, NV>();
    // Balanced tile heights (145 taps: 9 x 9 + 8 x 8, not 16 x 9 + 1): a short tile is
    // load-bound, and a one-row one waits on its own FMA chain every pixel.
    const int64_t tiles = (m + ROWS - 1) / ROWS;
    for (int64_t t = 0, q = 0; t < tiles; ++t) {
        const int64_t q1 = m * (t + 1) / tiles;
        if (q1 - q == ROWS)
            bww_tile<V, NV, ROWS>(xp, off + q, oh0, oh1, ow, wp, dyt, kp, dwt + q * kp, accumulate);
        else
            bww_tail<V, NV, ROWS - 1>(q1 - q, xp, off + q, oh0, oh1, ow, wp, dyt, kp, dwt + q * kp, accumulate);
        q = q1;
    }
}

template <class V>
void bww_direct(const float* xp, const int64_t* off, int64_t m, int64_t oh0, int64_t oh1, int64_t ow, int64_t wp,
                const float* dyt, int64_t kp, float* dwt, bool accumulate) {
    // kp is a multiple of 16: whole vectors. Groups of up to 4 (zmm) / 2 (ymm) vectors.
    constexpr int maxv = V::width == 16 ? 4 : 2;
    const int64_t nv = kp / V::width;
    for (int64_t v0 = 0; v0 < nv; v0 += maxv) {
        const int64_t g = std::min<int64_t>(maxv, nv - v0), k0 = v0 * V::width;
        switch (g) {
            case 4: bww_columns<V, (maxv >= 4 ? 4 : 1)>(xp, off, m, oh0, oh1, ow, wp, dyt + k0, kp, dwt + k0, accumulate); break;
            case 3: bww_columns<V, (maxv >= 3 ? 3 : 1)>(xp, off, m, oh0, oh1, ow, wp, dyt + k0, kp, dwt + k0, accumulate); break;
            case 2: bww_columns<V, 2>(xp, off, m, oh0, oh1, ow, wp, dyt + k0, kp, dwt + k0, accumulate); break;
            default: bww_columns<V, 1>(xp, off, m, oh0, oh1, ow, wp, dyt + k0, kp, dwt + k0, accumulate); break;
        }
    }
}

// Direct data gradient (kernels::bwd_data_direct): tiles of ROWS input channels x PV vectors of
// pixels, accumulated in registers over every (output channel, tap); each step loads PV shifted
// vectors of padded dY and broadcasts ROWS weights.
template <class V, int ROWS, int PV>
void bwd_tile(const float* dyp, int64_t kk, int64_t kstride, const int64_t* toff, int64_t taps, const float* wt,
              int64_t cc, int64_t m, float* dxq, int64_t cstride) {
    using R = typename V::reg;
    R acc[ROWS][PV];
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < PV; ++v) acc[r][v] = V::zero();
    for (int64_t k = 0; k < kk; ++k)
        for (int64_t t = 0; t < taps; ++t) {
            const float* src = dyp + (k * kstride + toff[t] + m);
            const float* wr = wt + (k * taps + t) * cc;
            R xv[PV];
#pragma GCC unroll 4
            for (int v = 0; v < PV; ++v) xv[v] = V::load(src + v * V::width);
#pragma GCC unroll 16
            for (int r = 0; r < ROWS; ++r) {
                const R a = V::set1(wr[r]);
#pragma GCC unroll 4
                for (int v = 0; v < PV; ++v) acc[r][v] = V::fmadd(a, xv[v], acc[r][v]);
            }
        }
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < PV; ++v) V::store(dxq + (r * cstride + m + v * V::width), acc[r][v]);
}

template <class V, int ROWS, int PV>
void bwd_tail(int64_t rows, const float* dyp, int64_t kk, int64_t kstride, const int64_t* toff, int64_t taps,
              const float* wt, int64_t cc, int64_t m, float* dxq, int64_t cstride) {
    if constexpr (ROWS > 0) {
        if (rows == ROWS) return bwd_tile<V, ROWS, PV>(dyp, kk, kstride, toff, taps, wt, cc, m, dxq, cstride);
        bwd_tail<V, ROWS - 1, PV>(rows, dyp, kk, kstride, toff, taps, wt, cc, m, dxq, cstride);
    }
}

template <class V>
void bwd_data_direct(const float* dyp, int64_t kk, int64_t kstride, const int64_t* toff, int64_t taps,
                     const float* wt, int64_t cc, int64_t m0, int64_t m1, float* dxq, int64_t cstride) {
    // 8 x 3 zmm (24 accumulators, 11 loads per 24 FMAs) or 6 x 2 ymm: within the register file.
    constexpr int ROWS = V::width == 16 ? 8 : 6, PV = V::width == 16 ? 3 : 2, TW = PV * V::width;
    static_assert(TW <= 64 && 192 % TW == 0, "bwd_data_direct promises at most 64 floats of slack");
    const int64_t tiles = (cc + ROWS - 1) / ROWS;
    // Pixels outer: the tiles of channels reuse the same rows of dY from L1.
    for (int64_t m = m0; m < m1; m += TW)
        for (int64_t t = 0, c = 0; t < tiles; ++t) {
            const int64_t c1 = cc * (t + 1) / tiles;  // balanced heights
            if (c1 - c == ROWS)
                bwd_tile<V, ROWS, PV>(dyp, kk, kstride, toff, taps, wt + c, cc, m, dxq + c * cstride, cstride);
            else
                bwd_tail<V, ROWS - 1, PV>(c1 - c, dyp, kk, kstride, toff, taps, wt + c, cc, m, dxq + c * cstride,
                                          cstride);
            c = c1;
        }
}

template <class V>
void pad_rows(const float* x, int64_t channels, int64_t h, int64_t w, int64_t pt, int64_t pl, int64_t wp,
              int64_t plane, int64_t y0, int64_t y1, float* xp) {
    // Columns [lo, lo + n) of a padded row come from the input row; the rest are zeros.
    const int64_t lo = std::min(pl, wp), n = std::max<int64_t>(0, std::min(w, wp - pl));
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t y = y0; y < y1; ++y) {
            float* row = xp + (c * plane + y * wp);
            const int64_t ih = y - pt;
            if (ih < 0 || ih >= h) {
                int64_t o = 0;
                for (; o + V::width <= wp; o += V::width) V::store(row + o, V::zero());
                for (; o < wp; ++o) row[o] = 0.0f;
                continue;
            }
            for (int64_t o = 0; o < lo; ++o) row[o] = 0.0f;
            copy_row<V>(x + (c * h + ih) * w, row + lo, 0, n);
            for (int64_t o = lo + n; o < wp; ++o) row[o] = 0.0f;
        }
}

#if defined(__AVX2__)
// dst[p * ldd + k] = src[k * lds + p] for an 8 x 8 block.
inline void transpose8x8(const float* src, int64_t lds, float* dst, int64_t ldd) {
    __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + lds), r2 = _mm256_loadu_ps(src + 2 * lds),
           r3 = _mm256_loadu_ps(src + 3 * lds), r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds),
           r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
           t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
           t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    r0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    r1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    r2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    r3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    r4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    r5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    r6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    r7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(r0, r4, 0x20));
    _mm256_storeu_ps(dst + ldd, _mm256_permute2f128_ps(r1, r5, 0x20));
    _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(r2, r6, 0x20));
    _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(r3, r7, 0x20));
    _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(r0, r4, 0x31));
    _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(r1, r5, 0x31));
    _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(r2, r6, 0x31));
    _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(r3, r7, 0x31));
}
#endif

#if defined(__AVX512F__)
// GCC 12's avx512fintrin.h passes _mm512_undefined_ps() to the masked builtins behind these
// intrinsics and then warns about it (-Wuninitialized, not only the "maybe" form).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
// dst[p * ldd + k] = src[k * lds + p] for a 16 x 16 block: 64 shuffles, whole-line stores.
inline void transpose16x16(const float* src, int64_t lds, float* dst, int64_t ldd) {
    __m512 r[16], t[16], u[16];
    for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    // u[4g + c] lane L: column 4L + c of rows 4g..4g+3.
    for (int g = 0; g < 16; g += 4) {
        u[g] = _mm512_shuffle_ps(t[g], t[g + 2], 0x44);
        u[g + 1] = _mm512_shuffle_ps(t[g], t[g + 2], 0xEE);
        u[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0x44);
        u[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
    for (int c = 0; c < 4; ++c) {
        const __m512 v = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), vv = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
        const __m512 w = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88),
                     ww = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
        _mm512_storeu_ps(dst + c * ldd, _mm512_shuffle_f32x4(v, w, 0x88));
        _mm512_storeu_ps(dst + (8 + c) * ldd, _mm512_shuffle_f32x4(v, w, 0xDD));
        _mm512_storeu_ps(dst + (4 + c) * ldd, _mm512_shuffle_f32x4(vv, ww, 0x88));
        _mm512_storeu_ps(dst + (12 + c) * ldd, _mm512_shuffle_f32x4(vv, ww, 0xDD));
    }
}
#pragma GCC diagnostic pop
#endif

// Channels [k0, ...) in bands of B, each band's pixels in B x B blocks (block(src, lds, dst, ldd)),
// the last np % B pixels one by one; returns the first channel not done. Templated on V so each
// ISA's object has its own copy (one shared out-of-line copy could run AVX-512 code on AVX2).
template <class V, int B, class Block>
int64_t transpose_bands(const float* src, int64_t lds, int64_t k0, int64_t kk, int64_t np, int64_t kp, float* dst, Block block) {
    for (; k0 + B <= kk; k0 += B) {
        int64_t p = 0;
        for (; p + B <= np; p += B) block(src + (k0 * lds + p), lds, dst + (p * kp + k0), kp);
        for (; p < np; ++p)
            for (int64_t k = k0; k < k0 + B; ++k) dst[p * kp + k] = src[k * lds + p];
    }
    return k0;
}

template <class V>
void transpose_pad(const float* src, int64_t lds, int64_t kk, int64_t np, int64_t kp, float* dst) {
    int64_t k0 = 0;
#if defined(__AVX512F__)
    if constexpr (V::width == 16) k0 = transpose_bands<V, 16>(src, lds, k0, kk, np, kp, dst, transpose16x16);
#endif
#if defined(__AVX2__)
    k0 = transpose_bands<V, 8>(src, lds, k0, kk, np, kp, dst, transpose8x8);
#endif
    // The last kk % 8 channels and the zero padding, pixel by pixel (a few columns).
    if (k0 < kp)
        for (int64_t p = 0; p < np; ++p)
            for (int64_t k = k0; k < kp; ++k) dst[p * kp + k] = k < kk ? src[k * lds + p] : 0.0f;
}

template <class V>
kernels make_table(const char* isa) {
    return kernels{isa,
                   kBlockingZen,
                   &im2col<V>,
                   &im2col_panels<V>,
                   &col2im<V>,
                   &dw_forward<V>,
                   &dw3x3<V>,
                   &dw_backward_data<V>,
                   &dw_backward_weights<V>,
                   &sum<V>,
                   &add<V>,
                   &bww_direct<V>,
                   &bwd_data_direct<V>,
                   &pad_rows<V>,
                   &transpose_pad<V>};
}

}  // namespace
}  // namespace nn::conv::simd_impl
