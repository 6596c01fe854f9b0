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

// Gate activations, the bulk of the gate kernels' arithmetic (5 per LSTM unit and step): over
// exp_clamped and V::recip (no division), about a third of vecmath's sigmoid / tanh cost.
// sigmoid within ~4 ulp; tanh = 2 sigmoid(2x) - 1 within ~5e-7 absolute (no small-|x| branch: the gates' consumers
// add and multiply, so absolute error is what propagates). Max error vs std:: is printed by
// test_rnn's gate kernel test.
template <class V>
inline typename V::reg gate_sigmoid(typename V::reg x) {
    return V::recip(V::add(V::set1(1.0f), nn::vecmath::exp_clamped<V>(V::neg(x))));
}
template <class V>
inline typename V::reg gate_tanh(typename V::reg x) {
    auto e = nn::vecmath::exp_clamped<V>(V::mul(x, V::set1(-2.0f)));
    return V::fmadd(V::set1(2.0f), V::recip(V::add(V::set1(1.0f), e)), V::set1(-1.0f));
}

template <class V, class Body>
inline void for_lanes(int64_t n, Body&& body) {
    int64_t j = 0;
    for (; j + V::width <= n; j += V::width) body(j, V::width);
    if (j < n) body(j, static_cast<int>(n - j));
}

template <class V>
void lstm_forward(const float* px, const float* ph, const float* c_prev, float* gates, float* c_out, float* c_state,
                  float* h_state, float* y, int64_t h) {
    for_lanes<V>(h, [&](int64_t j, int n) {
        auto i = gate_sigmoid<V>(V::add(load_n<V>(px + j, n), load_n<V>(ph + j, n)));
        auto f = gate_sigmoid<V>(V::add(load_n<V>(px + h + j, n), load_n<V>(ph + h + j, n)));
        auto g = gate_tanh<V>(V::add(load_n<V>(px + 2 * h + j, n), load_n<V>(ph + 2 * h + j, n)));
        auto o = gate_sigmoid<V>(V::add(load_n<V>(px + 3 * h + j, n), load_n<V>(ph + 3 * h + j, n)));
        auto c = V::fmadd(f, load_n<V>(c_prev + j, n), V::mul(i, g));
        auto hv = V::mul(o, gate_tanh<V>(c));
        store_n<V>(gates + j, i, n);
        store_n<V>(gates + h + j, f, n);
        store_n<V>(gates + 2 * h + j, g, n);
        store_n<V>(gates + 3 * h + j, o, n);
        store_n<V>(c_out + j, c, n);
        store_n<V>(c_state + j, c, n);
        store_n<V>(h_state + j, hv, n);
        if (y) store_n<V>(y + j, hv, n);
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
        auto r = gate_sigmoid<V>(V::add(load_n<V>(px + j, n), load_n<V>(ph + j, n)));
        auto z = gate_sigmoid<V>(V::add(load_n<V>(px + h + j, n), load_n<V>(ph + h + j, n)));
        auto phn = load_n<V>(ph + 2 * h + j, n);
        auto nv = gate_tanh<V>(V::fmadd(r, phn, load_n<V>(px + 2 * h + j, n)));
        auto hp = load_n<V>(h_prev + j, n);
        auto hv = V::fmadd(z, V::sub(hp, nv), nv);  // (1 - z) n + z h = n + z (h - n)
        store_n<V>(gates + j, r, n);
        store_n<V>(gates + h + j, z, n);
        store_n<V>(gates + 2 * h + j, nv, n);
        store_n<V>(hn + j, phn, n);
        store_n<V>(h_state + j, hv, n);
        if (y) store_n<V>(y + j, hv, n);
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

template <class V>
constexpr kernels make_table(const char* isa) {
    return kernels{isa, &lstm_forward<V>, &lstm_backward<V>, &gru_forward<V>, &gru_backward<V>};
}

}  // namespace
}  // namespace nn::rnn::simd_impl
