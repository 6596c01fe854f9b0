// Pooling micro-kernels over a simd.h wrapper V. Output columns whose whole window lies inside
// the input row take the vector path (stride 1 and 2, in the scalar reference's scan order, so
// results match it exactly); border columns and other strides use the scalar loop.
#pragma once
#include "runtime/thread_scratch.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "pool/pool.h"
#include "simd.h"

namespace nn::pool::simd_impl {
namespace {  // internal linkage: see simd.h

// Vector-safe output columns [lo, hi): every element a vector of `width` outputs reads
// (including load_even's one extra) lies inside the row.
inline void interior_cols(const geom& g, int width, int64_t* lo, int64_t* hi) {
    const int64_t l = (g.pw + g.sw - 1) / g.sw;  // first ow with ow*sw - pw >= 0
    // last lane of a vector starting at ow reads (ow + width - 1) * sw + (sw - 1) - pw + (kw - 1) * dw
    const int64_t lim = g.w - 1 - (g.sw - 1) + g.pw - (g.kw - 1) * g.dw;  // >= (ow+width-1)*sw
    int64_t h = lim >= 0 ? lim / g.sw + 1 - (width - 1) : 0;                // vector starts < h
    *lo = std::min(l, g.ow);
    *hi = std::max(*lo, std::min(h, g.ow - width + 1));
}

template <class V>
inline typename V::reg load_s(const float* p, int64_t sw) {
    return sw == 1 ? V::load(p) : V::load_even(p);
}

inline void max_one(const float* x, const geom& g, int64_t oh, int64_t ow, float* y, int64_t* idx) {
    int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
    const int64_t h1 = std::min(h0 + (g.kh - 1) * g.dh + 1, g.h), w1 = std::min(w0 + (g.kw - 1) * g.dw + 1, g.w);
    // First tap inside the input, in O(1): a padding near INT64_MAX / 2 made the old
    // step-by-step loop spin for ~2^61 iterations (found by fuzz_pool).
    h0 = first_tap(h0, g.dh);
    w0 = first_tap(w0, g.dw);
    float best = -std::numeric_limits<float>::infinity();
    int64_t bi = h0 * g.w + w0;
    for (int64_t ih = h0; ih < h1; ih = next_tap(ih, h1, g.dh))
        for (int64_t iw = w0; iw < w1; iw = next_tap(iw, w1, g.dw)) {
            const float v = x[ih * g.w + iw];
            if (v > best || std::isnan(v)) {
                best = v;
                bi = ih * g.w + iw;
            }
        }
    y[oh * g.ow + ow] = best;
    if (idx) idx[oh * g.ow + ow] = bi;
}

// 2x2 windows, stride 2, no padding or dilation: the common CNN pooling. The plane's even and
// odd input rows are first packed back to back (E, O: oh rows of 2 * ow floats each), so output
// i = oh * ow + ow' reads its taps at E[2i], E[2i + 1], O[2i], O[2i + 1]: whole vectors across
// output rows however narrow the plane (LeNet's 13-wide output rows never filled a 16-lane
// vector, so every output took the scalar window loop: 5 ms for one 64x32x26x26 pooling).
// Taps are visited in the window's row-major order with the same update rule as max_one, so
// ties keep the first maximum and a NaN wins, bit for bit as the reference.
inline bool is_2x2_stride_2(const geom& g) {
    return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1;
}

template <class V>
void max_forward_2x2(const float* x, const geom& g, float* y, int64_t* idx) {
    using R = typename V::reg;
    const int64_t n = g.oh * g.ow, rowlen = 2 * g.ow, tail = 2 * V::width;
    float* e = nn::thread_scratch(nn::scratch::pool_row, static_cast<size_t>(2 * (2 * n + tail)));
    float* o = e + 2 * n + tail;
    for (int64_t r = 0; r < g.oh; ++r) {
        std::memcpy(e + r * rowlen, x + 2 * r * g.w, sizeof(float) * static_cast<size_t>(rowlen));
        std::memcpy(o + r * rowlen, x + (2 * r + 1) * g.w, sizeof(float) * static_cast<size_t>(rowlen));
    }
    // The last vector may run past n outputs: its loads read these zeros, its lanes are dropped.
    std::memset(e + 2 * n, 0, sizeof(float) * static_cast<size_t>(tail));
    std::memset(o + 2 * n, 0, sizeof(float) * static_cast<size_t>(tail));
    alignas(64) float best_l[V::width], code_l[V::width];
    int64_t r = 0, c = 0;  // (output row, column) of output i
    for (int64_t i = 0; i < n; i += V::width) {
        R best = V::load_even(e + 2 * i), code = V::zero();
        const float* taps[3] = {e + 2 * i + 1, o + 2 * i, o + 2 * i + 1};
        for (int t = 0; t < 3; ++t) {
            const R v = V::load_even(taps[t]);
            const auto upd = V::or_mask(V::gt(v, best), V::is_nan(v));
            best = V::select(upd, v, best);
            code = V::select(upd, V::set1(static_cast<float>(t + 1)), code);
        }
        const int64_t lanes = std::min<int64_t>(V::width, n - i);
        if (lanes == V::width) {
            V::store(y + i, best);
        } else {
            V::store(best_l, best);
            std::memcpy(y + i, best_l, sizeof(float) * static_cast<size_t>(lanes));
        }
        if (!idx) continue;
        V::store(code_l, code);
        for (int64_t l = 0; l < lanes; ++l) {
            const int k = static_cast<int>(code_l[l]);  // 0..3: tap (k / 2, k % 2) of the window
            idx[i + l] = (2 * r + k / 2) * g.w + 2 * c + k % 2;
            if (++c == g.ow) c = 0, ++r;
        }
    }
}

// Whether a lane of v is NaN (once a plane or a call: the lanes through memory).
template <class V>
bool any_nan(typename V::reg v) {
    alignas(64) float lanes[V::width];
    V::store(lanes, v);
    bool nan = false;
    for (float f : lanes) nan |= std::isnan(f);
    return nan;
}

// The same windows at inference (no indices) on planes whose output rows hold at least one
// vector: the taps come straight from the two input rows, as the even and odd columns of the same
// 2 * width floats, and a row's last vector overlaps the one before it instead of running past
// the row. No row copies and no tap codes; same taps, order and update rule as max_forward_2x2.
// (diabetes_cnn's 112x112 planes: the copies were a third of the pooling's memory traffic.)
template <class V>
void max_forward_2x2_rows(const float* x, const geom& g, float* y) {
    using R = typename V::reg;
    const auto take = [](R best, R v) { return V::select(V::or_mask(V::gt(v, best), V::is_nan(v)), v, best); };
    const int64_t last = g.ow - V::width;  // >= 0; the loads of column c end at 2c + 2 * width - 1 < w
    // First pass: V::max(v, best) is (v > best ? v : best) on every ISA, which is take(best, v)
    // wherever v is not NaN (a NaN best stays, ties keep the first tap). One FMA a window
    // watches the three later taps: (t1 + t2 + t3) * 0 added to `seen` leaves it zero unless one
    // of them is NaN (or the sum infinite). Then the plane is pooled again by take, so the values
    // are take's bit for bit whatever the data; a finite plane costs max, add and FMA where take
    // spends two compares, a mask or and a blend a tap (the compares share the shuffles' port on
    // Intel).
    const R zero = V::zero();
    R seen = zero;
    for (int64_t r = 0; r < g.oh; ++r) {
        const float* e = x + 2 * r * g.w;
        const float* o = e + g.w;
        float* yr = y + r * g.ow;
        for (int64_t c = 0;; c += V::width) {
            c = std::min(c, last);
            const R t1 = V::load_odd(e + 2 * c), t2 = V::load_even(o + 2 * c), t3 = V::load_odd(o + 2 * c);
            R best = V::load_even(e + 2 * c);
            best = V::max(t1, best);
            best = V::max(t2, best);
            best = V::max(t3, best);
            seen = V::fmadd(V::add(V::add(t1, t2), t3), zero, seen);
            V::store(yr + c, best);
            if (c == last) break;
        }
    }
    if (!any_nan<V>(seen)) return;
    for (int64_t r = 0; r < g.oh; ++r) {
        const float* e = x + 2 * r * g.w;
        const float* o = e + g.w;
        float* yr = y + r * g.ow;
        for (int64_t c = 0;; c += V::width) {
            c = std::min(c, last);
            R best = V::load_even(e + 2 * c);
            best = take(best, V::load_odd(e + 2 * c));
            best = take(best, V::load_even(o + 2 * c));
            best = take(best, V::load_odd(o + 2 * c));
            V::store(yr + c, best);
            if (c == last) break;
        }
    }
}

// The same windows at inference on planes whose output rows are narrower than a vector (LeNet's
// 26 -> 13 and 11 -> 5), over `planes` consecutive planes: each output row is one vector of the
// same four taps, read straight from the two input rows; its lanes past ow read the following
// rows (or the next plane's) and land on the next output row's place, which that row's store
// then overwrites (rows and planes are written in order). Only the last rows of the last plane,
// whose loads would run past the planes given or whose store past their output, go through a row
// copy and a partial store. Until this path every row pair was first copied out (two short
// memcpy calls per output row, with tap codes computed and dropped): in perf (Zen 5), LeNet's two
// poolings took about as long as its second convolution's Winograd products; with one call per
// plane, the copies at each plane's end were still most of the 5x5 planes' time.
template <class V>
void max_forward_2x2_narrow(const float* x, const geom& g, int64_t planes, float* y) {
    using R = typename V::reg;
    constexpr int W = V::width;
    const auto take = [](R best, R v) { return V::select(V::or_mask(V::gt(v, best), V::is_nan(v)), v, best); };
    alignas(64) float rows[2][2 * W] = {}, out[W];  // rows: lanes past a copied row read zeros
    const int64_t plane = g.h * g.w, inputs = planes * plane, outputs = planes * g.oh * g.ow;
    // As max_forward_2x2_rows: a maxps pass watching the later taps for NaN, then take's pass over
    // the planes where one was seen. The lanes past ow (the next row's taps) are watched too: a NaN
    // there only costs the second pass.
    const R zero = V::zero();
    R seen = zero;
    const auto pass = [&](auto exact) {
        for (int64_t pl = 0; pl < planes; ++pl)
            for (int64_t r = 0; r < g.oh; ++r) {
                const int64_t at = pl * plane + 2 * r * g.w, to = (pl * g.oh + r) * g.ow;
                const float* e = x + at;
                const float* o = e + g.w;
                // load_even/load_odd read 2 * W floats from each row start.
                if (at + g.w + 2 * W > inputs) {
                    std::memcpy(rows[0], e, sizeof(float) * static_cast<size_t>(2 * g.ow));
                    std::memcpy(rows[1], o, sizeof(float) * static_cast<size_t>(2 * g.ow));
                    e = rows[0];
                    o = rows[1];
                }
                R best = V::load_even(e);
                const R t1 = V::load_odd(e), t2 = V::load_even(o), t3 = V::load_odd(o);
                if constexpr (decltype(exact)::value) {
                    best = take(best, t1);
                    best = take(best, t2);
                    best = take(best, t3);
                } else {
                    best = V::max(t1, best);
                    best = V::max(t2, best);
                    best = V::max(t3, best);
                    seen = V::fmadd(V::add(V::add(t1, t2), t3), zero, seen);
                }
                if (to + W <= outputs) {
                    V::store(y + to, best);
                } else {
                    V::store(out, best);
                    std::memcpy(y + to, out, sizeof(float) * static_cast<size_t>(g.ow));
                }
            }
    };
    pass(std::false_type{});
    if (any_nan<V>(seen)) pass(std::true_type{});
}

// Inference pooling (no indices), stride 1 or 2: each tap row is copied once into a row with
// -inf borders and slack, so every output, edges and the partial last vector included, is the
// same vector loop. A -inf tap never replaces a maximum (nor a NaN), so visiting the padding
// changes nothing; the taps are visited in the window's row-major order with max_one's update
// rule (ties keep the first), so the values equal the reference bit for bit. Until this path
// the columns outside interior_cols took max_one one by one: 8 of 56 outputs a row of ResNet's
// 3x3/2 pooling, most of its time.
struct value_rows {
    int64_t padded, outs;  // padded row width (floats), output row rounded up to whole vectors
};
template <class V>
value_rows value_rows_of(const geom& g) {
    const int64_t outs = (g.ow + V::width - 1) / V::width * V::width;
    // The last vector's last lane reads (outs - 1) * sw + (sw - 1) + (kw - 1) * dw (load_even's extra lane).
    return {outs * g.sw + (g.kw - 1) * g.dw + 1, outs};
}
template <class V>
bool takes_values_path(const geom& g) {
    if (g.sw != 1 && g.sw != 2) return false;
    // Only rows about as wide as the input: a valid window may be 2^40 wide over a 1-wide row.
    const int64_t limit = 4 * g.w + 1024;
    return g.kw <= limit && g.dw <= limit && g.pw <= limit && g.ow <= limit && value_rows_of<V>(g).padded <= limit;
}

template <class V>
void max_forward_values(const float* x, const geom& g, float* y) {
    using R = typename V::reg;
    const value_rows vr = value_rows_of<V>(g);
    const float ninf = -std::numeric_limits<float>::infinity();
    float* row = nn::thread_scratch(nn::scratch::pool_row, static_cast<size_t>(vr.padded + vr.outs));
    float* best = row + vr.padded;
    std::fill(row, row + vr.padded, ninf);  // the borders; columns [pw, pw + w) are rewritten per tap row
    const int64_t copy = std::min(g.w, vr.padded - g.pw);  // input columns any output reads
    for (int64_t oh = 0; oh < g.oh; ++oh) {
        const int64_t h0 = oh * g.sh - g.ph, h1 = std::min(h0 + (g.kh - 1) * g.dh + 1, g.h);
        std::fill(best, best + vr.outs, ninf);
        // Only the tap rows inside the input (as max_one: O(1) to the first, whatever the padding).
        for (int64_t ih = first_tap(h0, g.dh); ih < h1; ih = next_tap(ih, h1, g.dh)) {
            std::memcpy(row + g.pw, x + ih * g.w, sizeof(float) * static_cast<size_t>(copy));
            for (int64_t o = 0; o < vr.outs; o += V::width) {
                R b = V::load(best + o);
                for (int64_t j = 0; j < g.kw; ++j) {
                    const R v = load_s<V>(row + o * g.sw + j * g.dw, g.sw);
                    b = V::select(V::or_mask(V::gt(v, b), V::is_nan(v)), v, b);
                }
                V::store(best + o, b);
            }
        }
        std::memcpy(y + oh * g.ow, best, sizeof(float) * static_cast<size_t>(g.ow));
    }
}

// Inference pooling whose windows overlap vertically (stride_h < kernel_h: ResNet's 3x3/2 stem
// pooling reads each input row for one or two output rows): the maximum of each input row over
// every output column's taps is computed once into a row of hmax (the rows of max_forward_values,
// -inf borders), then each output row folds the hmax rows of its tap rows. The same update rule
// in two steps gives the same bits as the one-step scan: with a NaN in the window both keep the
// last NaN in row-major order (the last row holding one, and that row's last), otherwise the
// first maximum in row-major order (a row's first, then the first row reaching it), which decides
// between -0 and +0.
constexpr int64_t kMaxSeparableFloats = int64_t{1} << 18;  // hmax of a whole plane, in L2
template <class V>
bool takes_separable_path(const geom& g) {
    return g.sh < g.kh && takes_values_path<V>(g) && g.h <= kMaxSeparableFloats / value_rows_of<V>(g).outs;
}

template <class V>
void max_forward_separable(const float* x, const geom& g, float* y) {
    using R = typename V::reg;
    const value_rows vr = value_rows_of<V>(g);
    const float ninf = -std::numeric_limits<float>::infinity();
    const auto take = [](R best, R v) { return V::select(V::or_mask(V::gt(v, best), V::is_nan(v)), v, best); };
    float* row = nn::thread_scratch(nn::scratch::pool_row, static_cast<size_t>(vr.padded + vr.outs * (g.h + 1)));
    float* out = row + vr.padded;      // one output row, whole vectors
    float* hmax = out + vr.outs;       // hmax[ih * outs + o]: input row ih's maximum over output column o's taps
    std::fill(row, row + vr.padded, ninf);
    const int64_t copy = std::min(g.w, vr.padded - g.pw);
    int64_t done = 0;  // input rows whose hmax is formed (tap rows only grow with oh)
    for (int64_t oh = 0; oh < g.oh; ++oh) {
        const int64_t h0 = oh * g.sh - g.ph, h1 = std::min(h0 + (g.kh - 1) * g.dh + 1, g.h);
        for (; done < h1; ++done) {
            std::memcpy(row + g.pw, x + done * g.w, sizeof(float) * static_cast<size_t>(copy));
            for (int64_t o = 0; o < vr.outs; o += V::width) {
                R b = V::set1(ninf);
                for (int64_t j = 0; j < g.kw; ++j) b = take(b, load_s<V>(row + o * g.sw + j * g.dw, g.sw));
                V::store(hmax + done * vr.outs + o, b);
            }
        }
        for (int64_t o = 0; o < vr.outs; o += V::width) {
            R b = V::set1(ninf);
            for (int64_t ih = first_tap(h0, g.dh); ih < h1; ih = next_tap(ih, h1, g.dh)) b = take(b, V::load(hmax + ih * vr.outs + o));
            V::store(out + o, b);
        }
        std::memcpy(y + oh * g.ow, out, sizeof(float) * static_cast<size_t>(g.ow));
    }
}

// Training pooling (with indices), stride 1 or 2: max_forward_values' -inf-bordered rows, each
// lane's winning index riding along in a float lane (exact below 2^24). A lane's index starts at
// its window's first tap inside the input, as max_one's; a -inf border tap never replaces the
// maximum, so the border columns take the vector loop too. Until this path those columns took
// max_one one by one: 8 of 56 outputs a row of ResNet's 3x3/2 stem pooling in training, most of
// the pooling's time.
template <class V>
bool takes_indexed_values_path(const geom& g) {
    return takes_values_path<V>(g) && g.h * g.w + value_rows_of<V>(g).padded < (int64_t{1} << 24);
}

template <class V>
void max_forward_values_indexed(const float* x, const geom& g, float* y, int64_t* idx) {
    using R = typename V::reg;
    const value_rows vr = value_rows_of<V>(g);
    const float ninf = -std::numeric_limits<float>::infinity();
    float* row = nn::thread_scratch(nn::scratch::pool_row, static_cast<size_t>(vr.padded + 3 * vr.outs));
    float* best = row + vr.padded;
    float* bidx = best + vr.outs;   // the winning taps' indices in the plane, as floats
    float* first = bidx + vr.outs;  // each output column's first tap column inside the input
    std::fill(row, row + vr.padded, ninf);
    const int64_t copy = std::min(g.w, vr.padded - g.pw);
    for (int64_t o = 0; o < vr.outs; ++o) first[o] = static_cast<float>(std::min(first_tap(o * g.sw - g.pw, g.dw), g.w));
    alignas(64) float iota[V::width];
    for (int i = 0; i < V::width; ++i) iota[i] = static_cast<float>(i * g.sw);
    const R viota = V::load(iota);
    for (int64_t oh = 0; oh < g.oh; ++oh) {
        const int64_t h0 = first_tap(oh * g.sh - g.ph, g.dh), h1 = std::min(oh * g.sh - g.ph + (g.kh - 1) * g.dh + 1, g.h);
        const R row0 = V::set1(static_cast<float>(h0 * g.w));
        for (int64_t o = 0; o < vr.outs; o += V::width) {
            V::store(best + o, V::set1(ninf));
            V::store(bidx + o, V::add(row0, V::load(first + o)));
        }
        for (int64_t ih = h0; ih < h1; ih = next_tap(ih, h1, g.dh)) {
            std::memcpy(row + g.pw, x + ih * g.w, sizeof(float) * static_cast<size_t>(copy));
            const int64_t base = ih * g.w - g.pw;  // the plane index of padded column 0 of this row
            for (int64_t o = 0; o < vr.outs; o += V::width) {
                R b = V::load(best + o), bi = V::load(bidx + o);
                for (int64_t j = 0; j < g.kw; ++j) {
                    const R v = load_s<V>(row + o * g.sw + j * g.dw, g.sw);
                    const auto upd = V::or_mask(V::gt(v, b), V::is_nan(v));
                    b = V::select(upd, v, b);
                    bi = V::select(upd, V::add(V::set1(static_cast<float>(base + o * g.sw + j * g.dw)), viota), bi);
                }
                V::store(best + o, b);
                V::store(bidx + o, bi);
            }
        }
        std::memcpy(y + oh * g.ow, best, sizeof(float) * static_cast<size_t>(g.ow));
        for (int64_t c = 0; c < g.ow; ++c) idx[oh * g.ow + c] = static_cast<int64_t>(bidx[c]);
    }
}

template <class V>
void max_forward(const float* x, const geom& g, float* y, int64_t* idx) {
    using R = typename V::reg;
    if (is_2x2_stride_2(g)) {
        if (idx) return max_forward_2x2<V>(x, g, y, idx);
        return g.ow >= V::width ? max_forward_2x2_rows<V>(x, g, y) : max_forward_2x2_narrow<V>(x, g, 1, y);
    }
    if (idx && takes_indexed_values_path<V>(g)) return max_forward_values_indexed<V>(x, g, y, idx);
    if (!idx && takes_separable_path<V>(g)) return max_forward_separable<V>(x, g, y);
    if (!idx && takes_values_path<V>(g)) return max_forward_values<V>(x, g, y);
    int64_t lo = 0, hi = 0;
    // Indices ride in float lanes: exact below 2^24.
    const bool vec = (g.sw == 1 || g.sw == 2) && g.h * g.w < (int64_t{1} << 24);
    if (vec) interior_cols(g, V::width, &lo, &hi);
    alignas(64) float iota[V::width], ti[V::width];
    // Only the vector path reads iota (sw <= 2 there); any stride up to INT64_MAX is valid.
    for (int i = 0; i < V::width; ++i) iota[i] = static_cast<float>(vec ? i * g.sw : i);
    const R viota = V::load(iota);
    for (int64_t oh = 0; oh < g.oh; ++oh) {
        int64_t ow = 0;
        if (vec) {
            for (; ow < lo; ++ow) max_one(x, g, oh, ow, y, idx);
            int64_t h0 = oh * g.sh - g.ph;
            const int64_t h1 = std::min(h0 + (g.kh - 1) * g.dh + 1, g.h);
            h0 = first_tap(h0, g.dh);
            for (; ow < hi; ow += V::width) {
                const int64_t w0 = ow * g.sw - g.pw;
                R best = V::set1(-std::numeric_limits<float>::infinity());
                R bi = V::add(V::set1(static_cast<float>(h0 * g.w + w0)), viota);
                for (int64_t ih = h0; ih < h1; ih = next_tap(ih, h1, g.dh))
                    for (int64_t j = 0; j < g.kw; ++j) {
                        const int64_t at = ih * g.w + w0 + j * g.dw;
                        const R v = load_s<V>(x + at, g.sw);
                        const auto upd = V::or_mask(V::gt(v, best), V::is_nan(v));
                        best = V::select(upd, v, best);
                        bi = V::select(upd, V::add(V::set1(static_cast<float>(at)), viota), bi);
                    }
                V::store(y + oh * g.ow + ow, best);
                if (idx) {
                    V::store(ti, bi);
                    for (int l = 0; l < V::width; ++l) idx[oh * g.ow + ow + l] = static_cast<int64_t>(ti[l]);
                }
            }
        }
        for (; ow < g.ow; ++ow) max_one(x, g, oh, ow, y, idx);
    }
}

struct avg_rows {
    int64_t h0, h1, hpool;
};
inline avg_rows rows_of(const geom& g, int64_t oh) {
    int64_t h0 = oh * g.sh - g.ph;
    int64_t h1 = std::min(h0 + g.kh, g.h + g.ph);
    const int64_t hp = h1 - h0;
    return {std::max<int64_t>(h0, 0), std::min(h1, g.h), hp};
}

inline float avg_one(const float* x, const geom& g, int64_t oh, int64_t ow) {
    const avg_rows r = rows_of(g, oh);
    int64_t w0 = ow * g.sw - g.pw, w1 = std::min(w0 + g.kw, g.w + g.pw);
    const int64_t wp = w1 - w0;
    w0 = std::max<int64_t>(w0, 0), w1 = std::min(w1, g.w);
    const float div = g.include_pad ? window_divisor(r.hpool, wp) : window_divisor(r.h1 - r.h0, w1 - w0);
    float s = 0.0f;
    for (int64_t ih = r.h0; ih < r.h1; ++ih)
        for (int64_t iw = w0; iw < w1; ++iw) s += x[ih * g.w + iw];
    return s / div;
}

template <class V>
void avg_forward(const float* x, const geom& g, float* y) {
    using R = typename V::reg;
    int64_t lo = 0, hi = 0;
    const bool vec = g.sw == 1 || g.sw == 2;
    if (vec) interior_cols(g, V::width, &lo, &hi);
    for (int64_t oh = 0; oh < g.oh; ++oh) {
        int64_t ow = 0;
        if (vec) {
            for (; ow < lo; ++ow) y[oh * g.ow + ow] = avg_one(x, g, oh, ow);
            const avg_rows r = rows_of(g, oh);
            // Interior columns: the window is never clipped horizontally.
            const R div = V::set1(window_divisor(g.include_pad ? r.hpool : r.h1 - r.h0, g.kw));
            for (; ow < hi; ow += V::width) {
                const int64_t w0 = ow * g.sw - g.pw;
                R s = V::zero();
                for (int64_t ih = r.h0; ih < r.h1; ++ih)
                    for (int64_t j = 0; j < g.kw; ++j) s = V::add(s, load_s<V>(x + ih * g.w + w0 + j, g.sw));
                V::store(y + oh * g.ow + ow, V::div(s, div));
            }
        }
        for (; ow < g.ow; ++ow) y[oh * g.ow + ow] = avg_one(x, g, oh, ow);
    }
}

template <class V>
void avg_backward(const float* dy, const geom& g, float* dx) {
    std::memset(dx, 0, sizeof(float) * static_cast<size_t>(g.h * g.w));
    int64_t lo = 0, hi = 0;  // other strides: every column takes the scalar path
    if (g.sw == 1 || g.sw == 2) interior_cols(g, V::width, &lo, &hi);
    // Per-thread, no thread_local destructor (runtime/thread_scratch.h explains why).
    float* vrow = nn::thread_scratch(nn::scratch::pool_row, static_cast<size_t>(g.ow + V::width));
    for (int64_t oh = 0; oh < g.oh; ++oh) {
        const avg_rows r = rows_of(g, oh);
        auto scalar = [&](int64_t ow) {
            int64_t w0 = ow * g.sw - g.pw, w1 = std::min(w0 + g.kw, g.w + g.pw);
            const int64_t wp = w1 - w0;
            w0 = std::max<int64_t>(w0, 0), w1 = std::min(w1, g.w);
            const float div = g.include_pad ? window_divisor(r.hpool, wp) : window_divisor(r.h1 - r.h0, w1 - w0);
            const float v = dy[oh * g.ow + ow] / div;
            for (int64_t ih = r.h0; ih < r.h1; ++ih)
                for (int64_t iw = w0; iw < w1; ++iw) dx[ih * g.w + iw] += v;
        };
        int64_t ow = 0;
        for (; ow < lo; ++ow) scalar(ow);
        if (hi > lo) {
            // Interior columns share one divisor per output row: scale them into a row buffer,
            // then add it once per (input row, tap) as a streaming pass. (Adding tap after tap
            // at the same columns would reload each store one float later and stall on
            // store-to-load forwarding.)
            const auto div = V::set1(window_divisor(g.include_pad ? r.hpool : r.h1 - r.h0, g.kw));
            const int64_t o0 = ow;
            for (; ow < hi; ow += V::width) V::store(vrow + ow, V::div(V::load(dy + oh * g.ow + ow), div));
            for (int64_t ih = r.h0; ih < r.h1; ++ih) {
                // Input column of interior output o0's first tap (>= 0; a pointer formed as
                // row - pw could precede dx, undefined behaviour even unread).
                float* drow = dx + ih * g.w + (o0 * g.sw - g.pw);
                if (g.sw == 1) {
                    for (int64_t j = 0; j < g.kw; ++j)
                        for (int64_t o = o0; o < ow; o += V::width)
                            V::store(drow + (o - o0) + j, V::add(V::load(drow + (o - o0) + j), V::load(vrow + o)));
                } else {
                    for (int64_t o = o0; o < ow; ++o)
                        for (int64_t j = 0; j < g.kw; ++j) drow[(o - o0) * g.sw + j] += vrow[o];
                }
            }
        }
        for (; ow < g.ow; ++ow) scalar(ow);
    }
}

template <class V>
void max_planes(const float* x, const geom& g, int64_t planes, float* y) {
    if (is_2x2_stride_2(g) && g.ow < V::width) return max_forward_2x2_narrow<V>(x, g, planes, y);
    for (int64_t pl = 0; pl < planes; ++pl) max_forward<V>(x + pl * g.h * g.w, g, y + pl * g.oh * g.ow, nullptr);
}

template <class V>
kernels make_table(const char* isa) {
    return kernels{isa, &max_forward<V>, &max_planes<V>, &avg_forward<V>, &avg_backward<V>};
}

}  // namespace
}  // namespace nn::pool::simd_impl
