// The element-wise family written once over a simd.h wrapper V; each ISA's translation unit
// instantiates it with its own compiler flags. Tails go through a padded stack buffer so the
// main loop stays branch-free and no access leaves the caller's arrays.
#pragma once
#include "eltwise/eltwise.h"
#include "simd.h"
#include "vecmath.h"

#include <algorithm>
#include <cstring>

namespace nn::eltwise::simd_impl {
namespace {  // internal linkage: see simd.h

// Applies body(i, count) over [0, n): full vectors in place, the tail via temporaries.
template <class V, class Body>
inline void for_vectors(int64_t n, Body&& body) {
    int64_t i = 0;
    for (; i + V::width <= n; i += V::width) body(i, V::width);
    if (i < n) body(i, static_cast<int>(n - i));
}

// Loads `count` floats (count <= width) into a register, zero-filling the rest.
template <class V>
inline typename V::reg load_n(const float* p, int count) {
    if (count == V::width) return V::load(p);
    alignas(64) float tmp[V::width] = {};
    std::memcpy(tmp, p, sizeof(float) * static_cast<size_t>(count));
    return V::load(tmp);
}

template <class V>
inline void store_n(float* p, typename V::reg v, int count) {
    if (count == V::width) {
        V::store(p, v);
        return;
    }
    alignas(64) float tmp[V::width];
    V::store(tmp, v);
    std::memcpy(p, tmp, sizeof(float) * static_cast<size_t>(count));
}

using vecmath::relu6;  // min(max(x, 0), 6), NaN kept

// log(1 + e^x) without threshold, as max(x, 0) + log1p(e^-|x|); log1p(u) = log(w)·u / (w − 1)
// with w = 1 + u keeps the relative accuracy of a tiny u (the far negative tail).
template <class V>
inline typename V::reg softplus_raw(typename V::reg x) {
    using namespace nn::vecmath;
    const auto one = V::set1(1.0f);
    auto u = exp<V>(V::neg(V::abs(x)));
    auto w = V::add(one, u);
    auto l = V::select(V::gt(w, one), V::div(V::mul(nn::vecmath::log<V>(w), u), V::sub(w, one)), u);
    auto r = V::add(V::select(V::gt(x, V::zero()), x, V::zero()), l);
    return V::select(V::is_nan(x), x, r);
}

template <class V>
inline typename V::reg apply(nn_unary_op op, typename V::reg x, typename V::reg va) {
    using namespace nn::vecmath;
    const auto zero = V::zero();
    switch (op) {
        case NN_UNARY_IDENTITY: return x;
        case NN_UNARY_RELU: return V::select(V::gt(x, zero), x, V::select(V::is_nan(x), x, zero));
        case NN_UNARY_SIGMOID: return sigmoid<V>(x);
        case NN_UNARY_TANH: return tanh<V>(x);
        case NN_UNARY_GELU: return gelu<V>(x);
        case NN_UNARY_LEAKY_RELU: return V::select(V::gt(x, zero), x, V::mul(va, x));
        case NN_UNARY_ELU: {
            // expm1 without cancellation: Taylor to x^8 for |x| < ln2/2 (remainder < 1e-9
            // relative), exp(x) - 1 beyond, where the subtraction loses under 2e-7.
            auto e = V::sub(exp<V>(x), V::set1(1.0f));
            auto t = V::set1(1.0f / 40320.0f);
            t = V::fmadd(t, x, V::set1(1.0f / 5040.0f));
            t = V::fmadd(t, x, V::set1(1.0f / 720.0f));
            t = V::fmadd(t, x, V::set1(1.0f / 120.0f));
            t = V::fmadd(t, x, V::set1(1.0f / 24.0f));
            t = V::fmadd(t, x, V::set1(1.0f / 6.0f));
            t = V::fmadd(t, x, V::set1(0.5f));
            auto small = V::fmadd(t, V::mul(x, x), x);
            auto em1 = V::select(V::lt(V::abs(x), V::set1(0.34657359f)), small, e);
            return V::select(V::gt(x, zero), x, V::mul(va, em1));
        }
        case NN_UNARY_EXP: return exp<V>(x);
        case NN_UNARY_LOG: return nn::vecmath::log<V>(x);
        case NN_UNARY_NEG: return V::neg(x);
        case NN_UNARY_ABS: return V::abs(x);
        case NN_UNARY_SQRT: return V::sqrt(x);
        case NN_UNARY_SQUARE: return V::mul(x, x);
        case NN_UNARY_SCALE: return V::mul(va, x);
        case NN_UNARY_RELU6: return relu6<V>(x);
        case NN_UNARY_HARDSWISH: return V::div(V::mul(x, relu6<V>(V::add(x, V::set1(3.0f)))), V::set1(6.0f));
        case NN_UNARY_HARDSIGMOID: return V::div(relu6<V>(V::add(x, V::set1(3.0f))), V::set1(6.0f));
        case NN_UNARY_SILU: return V::mul(x, sigmoid<V>(x));
        case NN_UNARY_SOFTPLUS: return V::select(V::gt(x, V::set1(20.0f)), x, softplus_raw<V>(x));
        case NN_UNARY_MISH: return V::mul(x, tanh<V>(softplus_raw<V>(x)));
    }
    return x;
}

template <class V>
inline typename V::reg derivative(nn_unary_op op, typename V::reg x, typename V::reg y, typename V::reg va) {
    using namespace nn::vecmath;
    const auto zero = V::zero(), one = V::set1(1.0f);
    switch (op) {
        case NN_UNARY_IDENTITY: return one;
        case NN_UNARY_RELU: return V::select(V::gt(x, zero), one, zero);
        case NN_UNARY_SIGMOID: return V::mul(y, V::sub(one, y));
        case NN_UNARY_TANH: return V::fnmadd(y, y, one);
        case NN_UNARY_GELU: {
            auto cdf = V::mul(V::set1(0.5f), erfc<V>(V::mul(x, V::set1(-0.70710678118654752f))));
            return V::fmadd(x, normal_pdf<V>(x), cdf);
        }
        case NN_UNARY_LEAKY_RELU: return V::select(V::gt(x, zero), one, va);
        case NN_UNARY_ELU: return V::select(V::gt(x, zero), one, V::add(y, va));
        case NN_UNARY_EXP: return y;
        case NN_UNARY_LOG: return V::div(one, x);
        case NN_UNARY_NEG: return V::set1(-1.0f);
        case NN_UNARY_ABS: return V::select(V::gt(x, zero), one, V::select(V::lt(x, zero), V::set1(-1.0f), zero));
        case NN_UNARY_SQRT: return V::div(V::set1(0.5f), y);
        case NN_UNARY_SQUARE: return V::add(x, x);
        case NN_UNARY_SCALE: return va;
        case NN_UNARY_RELU6: return V::select(V::gt(x, zero), V::select(V::lt(x, V::set1(6.0f)), one, zero), zero);
        case NN_UNARY_HARDSWISH: {
            auto mid = V::fmadd(x, V::set1(1.0f / 3.0f), V::set1(0.5f));
            return V::select(V::lt(x, V::set1(-3.0f)), zero, V::select(V::gt(x, V::set1(3.0f)), one, mid));
        }
        case NN_UNARY_HARDSIGMOID: {
            auto inside = V::select(V::gt(x, V::set1(-3.0f)), V::select(V::lt(x, V::set1(3.0f)), one, zero), zero);
            return V::mul(inside, V::set1(1.0f / 6.0f));
        }
        case NN_UNARY_SILU: {
            auto s = sigmoid<V>(x);
            return V::mul(s, V::fmadd(x, V::sub(one, s), one));
        }
        case NN_UNARY_SOFTPLUS: return V::select(V::gt(x, V::set1(20.0f)), one, sigmoid<V>(x));
        case NN_UNARY_MISH: {
            auto t = tanh<V>(softplus_raw<V>(x));
            return V::fmadd(V::mul(x, sigmoid<V>(x)), V::fnmadd(t, t, one), t);
        }
    }
    return one;
}

template <class V, nn_unary_op OP>
void unary_of(const float* x, float* y, int64_t n, typename V::reg va) {
    for_vectors<V>(n, [&](int64_t i, int c) { store_n<V>(y + i, apply<V>(OP, load_n<V>(x + i, c), va), c); });
}

template <class V>
void unary(nn_unary_op op, const float* x, float* y, int64_t n, float alpha) {
    const auto va = V::set1(alpha);
    // ReLU and ReLU6 without the switch per vector (the same operations, so the same bits).
    if (op == NN_UNARY_RELU) return unary_of<V, NN_UNARY_RELU>(x, y, n, va);
    if (op == NN_UNARY_RELU6) return unary_of<V, NN_UNARY_RELU6>(x, y, n, va);
    for_vectors<V>(n, [&](int64_t i, int c) { store_n<V>(y + i, apply<V>(op, load_n<V>(x + i, c), va), c); });
}

// dx = dy * derivative(x) for an op whose derivative needs x alone, the op fixed at compile time.
template <class V, nn_unary_op OP>
void unary_backward_of_x(const float* x, const float* dy, float* dx, int64_t n, typename V::reg va) {
    for_vectors<V>(n, [&](int64_t i, int c) {
        const auto xv = load_n<V>(x + i, c);
        store_n<V>(dx + i, V::mul(load_n<V>(dy + i, c), derivative<V>(OP, xv, xv, va)), c);
    });
}

template <class V>
void unary_backward(nn_unary_op op, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                    float alpha) {
    const auto va = V::set1(alpha);
    // ReLU and ReLU6 (every activation of ResNet and MobileNet) get loops of their own: no switch
    // per vector, and y is not read (a quarter of the bytes of this memory-bound pass). Same
    // products as the general loop, so the same bits.
    if (op == NN_UNARY_RELU) return unary_backward_of_x<V, NN_UNARY_RELU>(x, dy, dx, n, va);
    if (op == NN_UNARY_RELU6) return unary_backward_of_x<V, NN_UNARY_RELU6>(x, dy, dx, n, va);
    for_vectors<V>(n, [&](int64_t i, int c) {
        auto d = derivative<V>(op, load_n<V>(x + i, c), load_n<V>(y + i, c), va);
        store_n<V>(dx + i, V::mul(load_n<V>(dy + i, c), d), c);
    });
}

template <class V>
inline typename V::reg binary_op(nn_binary_op op, typename V::reg u, typename V::reg v) {
    typename V::reg r = u;
    switch (op) {
        case NN_BINARY_ADD: r = V::add(u, v); break;
        case NN_BINARY_SUB: r = V::sub(u, v); break;
        case NN_BINARY_MUL: r = V::mul(u, v); break;
        case NN_BINARY_DIV: r = V::div(u, v); break;
        case NN_BINARY_MAX: r = V::select(V::gt(u, v), u, v); break;
        case NN_BINARY_MIN: r = V::select(V::lt(u, v), u, v); break;
    }
    return r;
}

template <class V>
void binary_scalar(nn_binary_op op, const float* a, float b, float* y, int64_t n) {
    const auto v = V::set1(b);
    for_vectors<V>(n, [&](int64_t i, int c) { store_n<V>(y + i, binary_op<V>(op, load_n<V>(a + i, c), v), c); });
}

template <class V>
void binary(nn_binary_op op, const float* a, const float* b, float* y, int64_t n) {
    for_vectors<V>(n, [&](int64_t i, int c) {
        auto u = load_n<V>(a + i, c), v = load_n<V>(b + i, c);
        typename V::reg r = u;
        switch (op) {
            case NN_BINARY_ADD: r = V::add(u, v); break;
            case NN_BINARY_SUB: r = V::sub(u, v); break;
            case NN_BINARY_MUL: r = V::mul(u, v); break;
            case NN_BINARY_DIV: r = V::div(u, v); break;
            // Operand order matches the reference's `u > v ? u : v` (NaN handling included).
            case NN_BINARY_MAX: r = V::select(V::gt(u, v), u, v); break;
            case NN_BINARY_MIN: r = V::select(V::lt(u, v), u, v); break;
        }
        store_n<V>(y + i, r, c);
    });
}

template <class V>
void axpby(int64_t n, float alpha, const float* x, float beta, float* y) {
    const auto va = V::set1(alpha), vb = V::set1(beta);
    if (beta == 0.0f) {
        for_vectors<V>(n, [&](int64_t i, int c) { store_n<V>(y + i, V::mul(va, load_n<V>(x + i, c)), c); });
    } else {
        // Not fused: alpha*x + beta*y rounded as the reference rounds it.
        for_vectors<V>(n, [&](int64_t i, int c) {
            store_n<V>(y + i, V::add(V::mul(va, load_n<V>(x + i, c)), V::mul(vb, load_n<V>(y + i, c))), c);
        });
    }
}

// sum_block_ref's order with kSumLanes double lanes held in kSumLanes / dwidth registers:
// register r, lane l is accumulator r * dwidth + l, which takes the elements i % kSumLanes of it.
template <class V>
double sum_block(const float* x, int64_t n) {
    constexpr int regs = kSumLanes / V::dwidth;
    static_assert(regs * V::dwidth == kSumLanes, "the accumulators must fill whole registers");
    typename V::dreg acc[regs];
    for (auto& a : acc) a = V::dzero();
    auto step = [&](const float* p) {
        for (int r = 0; r < regs; ++r) acc[r] = V::dadd(acc[r], V::widen_load(p + r * V::dwidth));
    };
    int64_t i = 0;
    for (; i + kSumLanes <= n; i += kSumLanes) step(x + i);
    if (i < n) {
        // The tail zero-padded: adding +0.0 leaves every accumulator's bits as they are (one that
        // starts at +0.0 never becomes -0.0 under round-to-nearest), as if the lane were skipped.
        float tmp[kSumLanes] = {};
        std::memcpy(tmp, x + i, sizeof(float) * static_cast<size_t>(n - i));
        step(tmp);
    }
    double lanes[kSumLanes];
    for (int r = 0; r < regs; ++r) V::dstore(lanes + r * V::dwidth, acc[r]);
    return sum_lanes(lanes);
}

template <class V>
void fill(float* y, int64_t n, float value) {
    const auto v = V::set1(value);
    for_vectors<V>(n, [&](int64_t i, int c) { store_n<V>(y + i, v, c); });
}

template <class V>
constexpr kernels make_table(const char* isa) {
    return kernels{isa, unary<V>, unary_backward<V>, binary<V>, axpby<V>, binary_scalar<V>, sum_block<V>, fill<V>};
}

}  // namespace
}  // namespace nn::eltwise::simd_impl
