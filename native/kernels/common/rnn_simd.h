// The recurrent gate kernels written once over a simd.h wrapper V; kernels/avx2 and
// kernels/avx512 instantiate them with their own flags. One call = one batch row of one step:
// all gates of a hidden unit are fused (bias-added pre-activations in, activations, new state
// and output out) so each value is touched once per step. Tails reuse the element-wise
// family's padded load/store functions.
#pragma once
#include "eltwise_simd.h"
#include "rnn/rnn.h"
#include "vecmath.h"

namespace nn::rnn::simd_impl {
namespace {  // internal linkage: see simd.h

using nn::eltwise::simd_impl::load_n;
using nn::eltwise::simd_impl::store_n;

// Gate activations, the bulk of the gate kernels' arithmetic (5 per LSTM unit and step), over
// gate_exp_neg and V::recip (no division). sigmoid within ~3e-7 relative; tanh = 2 sigmoid(2x) - 1
// within ~5e-7 absolute (no small-|x| branch: the gates' consumers add and multiply, so
// absolute error is what propagates). Max error vs std:: is printed by test_rnn's gate kernel test.
//
// exp(-x) for x clamped to [-87, 87] (beyond, the sigmoid is 0 or 1 in float either way), in
// 11 vector operations where vecmath's exp_clamped takes 16: n = round(-x log2 e) by the
// 1.5 * 2^23 rounding constant (one FMA and a subtraction, not a multiply and a round), one
// FMA for the reduction with ln 2 in float (its 1.9e-9 error times |n| <= 126 stays under
// 2.4e-7 relative), and a degree-5 polynomial with exp's first two coefficients (relative
// minimax fit on |s| <= 0.35: 1.7e-7 in float32 Horner evaluation).
template <class V>
inline typename V::reg gate_exp_neg(typename V::reg x) {
    using reg = typename V::reg;
    x = V::min(V::set1(87.0f), V::max(V::set1(-87.0f), x));  // NaN stays NaN (x86 min/max return the second operand)
    const reg round = V::set1(12582912.0f);  // 1.5 * 2^23: the sum's last bit is the units
    const reg n = V::sub(round, V::fmadd(x, V::set1(1.44269504088896341f), round));  // round(-x log2 e)
    const reg s = V::fmadd(n, V::set1(0.693147182464599609f), x);  // x + n ln 2 = -(-x - n ln 2), |s| <= ln2/2
    // exp(-s) = 1 - s + s^2/2 - ...: the fitted coefficients with alternating signs.
    reg p = V::set1(-0.008312046f);
    p = V::fmadd(p, s, V::set1(0.041894533f));
    p = V::fmadd(p, s, V::set1(-0.16667134f));
    p = V::fmadd(p, s, V::set1(0.499992f));
    p = V::fmadd(p, s, V::set1(-1.0f));
    p = V::fmadd(p, s, V::set1(1.0f));
    return V::scale2(p, n);
}
template <class V>
inline typename V::reg gate_sigmoid(typename V::reg x) {
    return V::recip(V::add(V::set1(1.0f), gate_exp_neg<V>(x)));
}
template <class V>
inline typename V::reg gate_tanh(typename V::reg x) {
    auto e = gate_exp_neg<V>(V::add(x, x));
    return V::fmadd(V::set1(2.0f), V::recip(V::add(V::set1(1.0f), e)), V::set1(-1.0f));
}

template <class V, class Body>
inline void for_lanes(int64_t n, Body&& body) {
    int64_t j = 0;
    for (; j + V::width <= n; j += V::width) body(j, V::width);
    if (j < n) body(j, static_cast<int>(n - j));
}

// The LSTM cell on N independent sets of pre-activations i, f, g, o (in place: activations out)
// and c_{t-1}: c_t, h_t. Each activation runs over all N sets before the next one starts, so N
// dependency chains interleave: a fused step tile hands over its R rows at once, where row by
// row each row's chain of about a hundred dependent operations left the FMA ports waiting.
template <class V, int N>
inline void lstm_cells(typename V::reg (&q)[4][N], const typename V::reg (&c_prev)[N], typename V::reg (&c)[N],
                       typename V::reg (&hv)[N]) {
    for (int r = 0; r < N; ++r) q[0][r] = gate_sigmoid<V>(q[0][r]);
    for (int r = 0; r < N; ++r) q[1][r] = gate_sigmoid<V>(q[1][r]);
    for (int r = 0; r < N; ++r) q[2][r] = gate_tanh<V>(q[2][r]);
    for (int r = 0; r < N; ++r) q[3][r] = gate_sigmoid<V>(q[3][r]);
    for (int r = 0; r < N; ++r) c[r] = V::fmadd(q[1][r], c_prev[r], V::mul(q[0][r], q[2][r]));
    for (int r = 0; r < N; ++r) hv[r] = V::mul(q[3][r], gate_tanh<V>(c[r]));
}

// The GRU cell on N independent sets of pre-activations (r, z: input + hidden side; xn, hn: the
// n gate's two sides apart, r scales hn) and h_{t-1}: r, z, n activated in place,
// h_t = (1 - z) n + z h_{t-1}. Gate by gate over the N sets, as lstm_cells.
template <class V, int N>
inline void gru_cells(typename V::reg (&q)[3][N], const typename V::reg (&xn)[N], const typename V::reg (&hn)[N],
                      const typename V::reg (&h_prev)[N], typename V::reg (&hv)[N]) {
    for (int r = 0; r < N; ++r) q[0][r] = gate_sigmoid<V>(q[0][r]);
    for (int r = 0; r < N; ++r) q[1][r] = gate_sigmoid<V>(q[1][r]);
    for (int r = 0; r < N; ++r) q[2][r] = gate_tanh<V>(V::fmadd(q[0][r], hn[r], xn[r]));
    for (int r = 0; r < N; ++r) hv[r] = V::fmadd(q[1][r], V::sub(h_prev[r], q[2][r]), q[2][r]);  // n + z (h - n)
}

template <class V>
void lstm_forward(const float* px, const float* ph, const float* c_prev, float* gates, float* c_out, float* c_state,
                  float* h_state, float* y, int64_t h) {
    for_lanes<V>(h, [&](int64_t j, int n) {
        typename V::reg q[4][1], c[1], hv[1];
        for (int g = 0; g < 4; ++g) q[g][0] = V::add(load_n<V>(px + g * h + j, n), load_n<V>(ph + g * h + j, n));
        lstm_cells<V, 1>(q, {load_n<V>(c_prev + j, n)}, c, hv);
        for (int g = 0; g < 4; ++g) store_n<V>(gates + g * h + j, q[g][0], n);
        store_n<V>(c_out + j, c[0], n);
        store_n<V>(c_state + j, c[0], n);
        store_n<V>(h_state + j, hv[0], n);
        if (y) store_n<V>(y + j, hv[0], n);
    });
}

template <class V>
void lstm_backward(const float* gates, const float* c_prev, const float* c, const float* dh_carry, const float* dy,
                   float* dc, float* dgates, float* dgates_copy, int64_t h) {
    const auto one = V::set1(1.0f);
    for_lanes<V>(h, [&](int64_t j, int n) {
        auto i = load_n<V>(gates + j, n), f = load_n<V>(gates + h + j, n);
        auto g = load_n<V>(gates + 2 * h + j, n), o = load_n<V>(gates + 3 * h + j, n);
        auto dh = load_n<V>(dh_carry + j, n);
        if (dy) dh = V::add(dh, load_n<V>(dy + j, n));
        auto tc = gate_tanh<V>(load_n<V>(c + j, n));
        // dc' = dc_carry + dh * o * (1 - tanh(c')^2)
        auto dct = V::fmadd(V::mul(dh, o), V::fnmadd(tc, tc, one), load_n<V>(dc + j, n));
        auto d_o = V::mul(V::mul(dh, tc), V::mul(o, V::sub(one, o)));
        auto d_i = V::mul(V::mul(dct, g), V::mul(i, V::sub(one, i)));
        auto d_f = V::mul(V::mul(dct, load_n<V>(c_prev + j, n)), V::mul(f, V::sub(one, f)));
        auto d_g = V::mul(V::mul(dct, i), V::fnmadd(g, g, one));
        store_n<V>(dc + j, V::mul(dct, f), n);
        store_n<V>(dgates + j, d_i, n);
        store_n<V>(dgates + h + j, d_f, n);
        store_n<V>(dgates + 2 * h + j, d_g, n);
        store_n<V>(dgates + 3 * h + j, d_o, n);
        store_n<V>(dgates_copy + j, d_i, n);
        store_n<V>(dgates_copy + h + j, d_f, n);
        store_n<V>(dgates_copy + 2 * h + j, d_g, n);
        store_n<V>(dgates_copy + 3 * h + j, d_o, n);
    });
}

template <class V>
void gru_forward(const float* px, const float* ph, const float* h_prev, float* gates, float* hn, float* h_state,
                 float* y, int64_t h) {
    for_lanes<V>(h, [&](int64_t j, int n) {
        typename V::reg q[3][1], hv[1];
        for (int g = 0; g < 2; ++g) q[g][0] = V::add(load_n<V>(px + g * h + j, n), load_n<V>(ph + g * h + j, n));
        const typename V::reg phn[1] = {load_n<V>(ph + 2 * h + j, n)};
        gru_cells<V, 1>(q, {load_n<V>(px + 2 * h + j, n)}, phn, {load_n<V>(h_prev + j, n)}, hv);
        for (int g = 0; g < 3; ++g) store_n<V>(gates + g * h + j, q[g][0], n);
        store_n<V>(hn + j, phn[0], n);
        store_n<V>(h_state + j, hv[0], n);
        if (y) store_n<V>(y + j, hv[0], n);
    });
}

template <class V>
void gru_backward(const float* gates, const float* hn, const float* h_prev, const float* dh_carry, const float* dy,
                  float* dgates, float* dgates_h, float* dhn, float* dh_prev, int64_t h) {
    const auto one = V::set1(1.0f);
    for_lanes<V>(h, [&](int64_t j, int n) {
        auto r = load_n<V>(gates + j, n), z = load_n<V>(gates + h + j, n), nv = load_n<V>(gates + 2 * h + j, n);
        auto phn = load_n<V>(hn + j, n);
        auto dh = load_n<V>(dh_carry + j, n);
        if (dy) dh = V::add(dh, load_n<V>(dy + j, n));
        auto d_npre = V::mul(V::mul(dh, V::sub(one, z)), V::fnmadd(nv, nv, one));
        auto d_zpre = V::mul(V::mul(dh, V::sub(load_n<V>(h_prev + j, n), nv)), V::mul(z, V::sub(one, z)));
        auto d_rpre = V::mul(V::mul(d_npre, phn), V::mul(r, V::sub(one, r)));
        auto d_hn = V::mul(d_npre, r);
        store_n<V>(dh_prev + j, V::mul(dh, z), n);
        store_n<V>(dgates + j, d_rpre, n);
        store_n<V>(dgates + h + j, d_zpre, n);
        store_n<V>(dgates + 2 * h + j, d_npre, n);
        store_n<V>(dgates_h + j, d_rpre, n);
        store_n<V>(dgates_h + h + j, d_zpre, n);
        store_n<V>(dgates_h + 2 * h + j, d_hn, n);
        store_n<V>(dhn + j, d_hn, n);
    });
}

// ---- Fused forward step (step_args in rnn.h) ----
// A tile is R batch rows x one vector of units x all G gates: G*R accumulators, fed per k by G
// weight vectors and R broadcasts of h_{t-1}[k]. R fills the register file (AVX-512: 32 zmm,
// LSTM 24 accumulators and 4 weight vectors; AVX2: 16 ymm, LSTM 12 and GRU 12 accumulators, the
// weights read as FMA memory operands), which keeps the FMA ports busy with two loads a cycle.
// AVX2 covers a 16-unit block as two 8-lane halves. With 8 accumulators (LSTM at R = 2) the
// AVX2 step waited on FMA latency: an LSTM layer 12 -> 128, batch 32, 100 steps under the avx2
// cap took 8.8 ms at R = 2 and 6.0 at R = 3; the GRU 4.3 at R = 3, 3.8 at R = 4, 5.8 at R = 5
// (spills) (1 thread, Zen 5, 2026-12-06).
template <class V, int G>
constexpr int tile_rows() {
    if constexpr (V::width >= 16) return G == 4 ? 6 : 8;
    else return G == 4 ? 3 : 4;
}

// acc[g][r] += sum over c < k of w[c][g][lanes] * rows[r][c]: the tile's inner loop.
template <class V, int G, int R>
inline void multiply_add(const float* w, const float* const (&rows)[R], int64_t k, typename V::reg (&acc)[G][R]) {
    using reg = typename V::reg;
    for (int64_t c = 0; c < k; ++c) {
        const float* wk = w + c * G * kUnitBlock;
        reg wg[G];
#pragma GCC unroll 8
        for (int g = 0; g < G; ++g) wg[g] = V::load(wk + g * kUnitBlock);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            const reg v = V::set1(rows[r][c]);
#pragma GCC unroll 8
            for (int g = 0; g < G; ++g) acc[g][r] = V::fmadd(wg[g], v, acc[g][r]);
        }
    }
}

template <class V, int G, int R>
inline void step_tile(const step_args& a, int64_t r0, int64_t j, int n) {
    using reg = typename V::reg;
    const int64_t h = a.h;
    // Unit j sits in block j / 16 at lane offset j % 16 of every gate's 16 weights.
    const int64_t block = j / kUnitBlock, lane = j % kUnitBlock;
    // Every loop over gates and rows in the tile is unrolled outright (the pragmas): GCC 12
    // leaves the larger ones rolled, which forces acc onto the stack, zeroed, spilled between
    // the x and h products and re-read by the cell. In registers, an LSTM layer (12 -> 128,
    // batch 32, 100 steps, 1 thread, Zen 5) runs in 2.46-2.62 ms instead of 2.68-2.83.
    reg acc[G][R];
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g)
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) acc[g][r] = V::zero();
    // With x: the input projection first, into the same accumulators. The GRU's n gate keeps
    // its input side apart (r scales only the hidden side), parked on the stack for the cell.
    [[maybe_unused]] alignas(64) float xn[G == 3 ? R : 1][V::width] = {};
    if (a.x) {
        const float* xr[R];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) xr[r] = a.x[r0 + r];
        multiply_add<V, G, R>(a.w_x + block * a.i * G * kUnitBlock + lane, xr, a.i, acc);
        if constexpr (G == 3)
#pragma GCC unroll 8
            for (int r = 0; r < R; ++r) {
                V::store(xn[r], acc[2][r]);
                acc[2][r] = V::zero();
            }
    }
    const float* hin[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) hin[r] = a.h_in[r0 + r];
    multiply_add<V, G, R>(a.w + block * h * G * kUnitBlock + lane, hin, h, acc);
    // The cell on the accumulators: px (or b_ih) and b_hh are read once, the product never stored.
    reg bias[G], bias_x[G];
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) {
        bias[g] = a.b_hh ? load_n<V>(a.b_hh + g * h + j, n) : V::zero();
        bias_x[g] = a.b_ih ? load_n<V>(a.b_ih + g * h + j, n) : V::zero();
    }
    const bool train = a.aux != nullptr;
    float* px[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) px[r] = a.px ? a.px[r0 + r] : nullptr;
    // The input side of gate g for row r: precomputed, or the bias b_ih (the product is in acc / xn).
    auto input = [&](int g, int r) { return px[r] ? load_n<V>(px[r] + g * h + j, n) : bias_x[g]; };
    reg hv[R];
    if constexpr (G == 4) {
        reg q[4][R], c_prev[R], c[R];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
            for (int g = 0; g < 4; ++g) q[g][r] = V::add(V::add(acc[g][r], bias[g]), input(g, r));
            c_prev[r] = load_n<V>(a.c[r0 + r] + j, n);
        }
        lstm_cells<V, R>(q, c_prev, c, hv);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            store_n<V>(a.c[r0 + r] + j, c[r], n);
            if (train) {
#pragma GCC unroll 8
                for (int g = 0; g < 4; ++g) store_n<V>(px[r] + g * h + j, q[g][r], n);
                store_n<V>(a.aux[r0 + r] + j, c[r], n);
            }
        }
    } else {
        reg q[3][R], in_n[R], hn[R], h_prev[R];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
            for (int g = 0; g < 2; ++g) q[g][r] = V::add(V::add(acc[g][r], bias[g]), input(g, r));
            hn[r] = V::add(acc[2][r], bias[2]);
            in_n[r] = a.x ? V::add(V::load(xn[r]), bias_x[2]) : input(2, r);
            h_prev[r] = load_n<V>((a.h_cell ? a.h_cell[r0 + r] : hin[r]) + j, n);
        }
        gru_cells<V, R>(q, in_n, hn, h_prev, hv);
        if (train)
#pragma GCC unroll 8
            for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
                for (int g = 0; g < 3; ++g) store_n<V>(px[r] + g * h + j, q[g][r], n);
                store_n<V>(a.aux[r0 + r] + j, hn[r], n);
            }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
        store_n<V>(a.h_out[r0 + r] + j, hv[r], n);
        if (a.y) store_n<V>(a.y[r0 + r] + j, hv[r], n);
    }
}

// The tile instantiated for exactly `rows` rows (1..R).
template <class V, int G, int R>
inline void step_rest(const step_args& a, int64_t r0, int64_t rows, int64_t j, int n) {
    if constexpr (R > 0) {
        if (rows == R) step_tile<V, G, R>(a, r0, j, n);
        else step_rest<V, G, R - 1>(a, r0, rows, j, n);
    }
}

template <class V, int G>
void fused_step(const step_args& a) {
    constexpr int R = tile_rows<V, G>();
    const int64_t h = a.h, end = a.j1 < h ? a.j1 : h;
    for (int64_t j = a.j0; j < end; j += V::width) {
        const int n = static_cast<int>(h - j < V::width ? h - j : V::width);
        // Rows in tiles of near-equal size (32 rows at R = 6: 6+6+5+5+5+5, not 6*5+2): a tile
        // of one or two rows has too few accumulators to hide the FMA latency.
        const int64_t tiles = (a.m + R - 1) / R;
        const int64_t base = tiles > 0 ? a.m / tiles : 0, extra = tiles > 0 ? a.m % tiles : 0;
        for (int64_t t = 0, r0 = 0; t < tiles; ++t) {
            const int64_t rows = base + (t < extra ? 1 : 0);
            step_rest<V, G, R>(a, r0, rows, j, n);
            r0 += rows;
        }
    }
}

template <class V>
constexpr kernels make_table(const char* isa) {
    return kernels{isa,          &lstm_forward<V>, &lstm_backward<V>, &gru_forward<V>, &gru_backward<V>,
                   &fused_step<V, 4>, &fused_step<V, 3>};
}

}  // namespace
}  // namespace nn::rnn::simd_impl
