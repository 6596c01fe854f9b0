// Vectorized transcendental functions over a simd.h wrapper V. Accuracy (measured by
// native/tests/test_eltwise.cpp against the scalar reference): exp, log within ~2 ulp; tanh,
// sigmoid, gelu within 3e-7 relative or 1e-7 absolute.
#pragma once
#include "simd.h"

namespace nn::vecmath {
namespace {  // internal linkage: see simd.h

// exp(x) = 2^n * p: n = round(x / ln2), p = exp(r) for r = x - n*ln2, |r| <= ln2/2 (Cody-Waite
// split), by a degree-6 polynomial. The shared core of exp and exp_clamped.
template <class V>
inline typename V::reg exp_reduced(typename V::reg x, typename V::reg& n) {
    using R = typename V::reg;
    n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
    R r = V::fnmadd(n, V::set1(0.693359375f), x);
    r = V::fnmadd(n, V::set1(-2.12194440e-4f), r);
    R p = V::set1(1.9875691500e-4f);
    p = V::fmadd(p, r, V::set1(1.3981999507e-3f));
    p = V::fmadd(p, r, V::set1(8.3334519073e-3f));
    p = V::fmadd(p, r, V::set1(4.1665795894e-2f));
    p = V::fmadd(p, r, V::set1(1.6666665459e-1f));
    p = V::fmadd(p, r, V::set1(5.0000001201e-1f));
    R r2 = V::mul(r, r);
    return V::fmadd(p, r2, V::add(r, V::set1(1.0f)));
}

// exp(x), x = n*ln2 + r: see exp_reduced.
template <class V>
inline typename V::reg exp(typename V::reg x) {
    using R = typename V::reg;
    // hi = ln(FLT_MAX); below lo the result is 0 even as a denormal.
    const R hi = V::set1(88.72283935546875f), lo = V::set1(-103.972084045410f);
    R over = x;  // remember inputs beyond range to fix up after
    x = V::min(V::max(x, lo), hi);
    R n;
    R p = exp_reduced<V>(x, n);
    // n spans [-150, 128]: scale by 2^a * 2^(n-a), a = n/2, so neither factor leaves the normal
    // range and results that are denormal or near FLT_MAX come out right.
    typename V::ireg ni = V::to_int(n);
    typename V::ireg half = V::to_int(V::floor(V::mul(n, V::set1(0.5f))));
    R result = V::mul(V::mul(p, V::pow2i(half)), V::pow2i(V::sub_int(ni, half)));
    result = V::select(V::lt(over, lo), V::zero(), result);
    result = V::select(V::gt(over, hi), V::set1(__builtin_inff()), result);
    return V::select(V::is_nan(over), over, result);
}

// exp(min(max(x, -87), 88)): normal results only, so one power-of-two scale and no fix-ups
// (about half exp's instructions). For activations whose value is settled long before the
// clamp bites (sigmoid, tanh). NaN passes through (max/min return their second operand then).
template <class V>
inline typename V::reg exp_clamped(typename V::reg x) {
    x = V::min(V::set1(88.0f), V::max(V::set1(-87.0f), x));
    typename V::reg n;
    typename V::reg p = exp_reduced<V>(x, n);
    return V::scale2(p, n);
}

// log(x) for x > 0 (NaN for x < 0, -inf for 0): mantissa in [sqrt(1/2), sqrt(2)), Cephes-style polynomial.
template <class V>
inline typename V::reg log(typename V::reg x) {
    using R = typename V::reg;
    R orig = x;
    x = V::max(x, V::set1(1.17549435e-38f));  // denormals: flush to the smallest normal
    typename V::ireg xi = V::as_int(x);
    typename V::ireg e = V::sub_i(V::srli(xi, 23), 127);
    R m = V::as_float(V::or_i(V::and_i(xi, 0x007FFFFF), 0x3F800000));  // [1, 2)
    R ef = V::cvt_i(e);
    // Move m into [sqrt(1/2), sqrt(2)).
    auto big = V::gt(m, V::set1(1.41421356f));
    m = V::select(big, V::mul(m, V::set1(0.5f)), m);
    ef = V::select(big, V::add(ef, V::set1(1.0f)), ef);
    R f = V::sub(m, V::set1(1.0f));
    R f2 = V::mul(f, f);
    R p = V::set1(7.0376836292e-2f);
    p = V::fmadd(p, f, V::set1(-1.1514610310e-1f));
    p = V::fmadd(p, f, V::set1(1.1676998740e-1f));
    p = V::fmadd(p, f, V::set1(-1.2420140846e-1f));
    p = V::fmadd(p, f, V::set1(1.4249322787e-1f));
    p = V::fmadd(p, f, V::set1(-1.6668057665e-1f));
    p = V::fmadd(p, f, V::set1(2.0000714765e-1f));
    p = V::fmadd(p, f, V::set1(-2.4999993993e-1f));
    p = V::fmadd(p, f, V::set1(3.3333331174e-1f));
    R y = V::mul(V::mul(p, f), f2);
    y = V::fmadd(ef, V::set1(-2.12194440e-4f), y);
    y = V::fnmadd(f2, V::set1(0.5f), y);
    R r = V::add(f, y);
    r = V::fmadd(ef, V::set1(0.693359375f), r);
    r = V::select(V::lt(orig, V::zero()), V::set1(__builtin_nanf("")), r);
    r = V::select(V::lt(orig, V::set1(1.17549435e-38f)), V::select(V::lt(orig, V::zero()), r, V::set1(-__builtin_inff())), r);
    r = V::select(V::gt(orig, V::set1(3.40282347e38f)), orig, r);  // +inf stays +inf
    return V::select(V::is_nan(orig), orig, r);
}

template <class V>
inline typename V::reg sigmoid(typename V::reg x) {
    // 1 / (1 + exp(-x)): exact limits 0 and 1, no cancellation for either sign.
    return V::div(V::set1(1.0f), V::add(V::set1(1.0f), exp<V>(V::neg(x))));
}

template <class V>
inline typename V::reg tanh(typename V::reg x) {
    using R = typename V::reg;
    R ax = V::abs(x);
    // |x| < 0.625: odd polynomial (no cancellation near 0); else 1 - 2 / (exp(2|x|) + 1).
    R x2 = V::mul(x, x);
    R p = V::set1(-5.70498872745e-3f);
    p = V::fmadd(p, x2, V::set1(2.06390887954e-2f));
    p = V::fmadd(p, x2, V::set1(-5.37397155531e-2f));
    p = V::fmadd(p, x2, V::set1(1.33314422036e-1f));
    p = V::fmadd(p, x2, V::set1(-3.33332819422e-1f));
    R small = V::fmadd(V::mul(p, x2), x, x);
    R e = exp<V>(V::min(V::add(ax, ax), V::set1(88.0f)));
    R large = V::sub(V::set1(1.0f), V::div(V::set1(2.0f), V::add(e, V::set1(1.0f))));
    // copy the sign of x onto `large`
    large = V::select(V::lt(x, V::zero()), V::neg(large), large);
    R r = V::select(V::lt(ax, V::set1(0.625f)), small, large);
    return V::select(V::is_nan(x), x, r);
}

// erfc(z) with fractional error < 1.2e-7 for all z (Chebyshev fit, Numerical Recipes §6.2).
template <class V>
inline typename V::reg erfc(typename V::reg z) {
    using R = typename V::reg;
    R az = V::abs(z);
    R t = V::div(V::set1(1.0f), V::fmadd(V::set1(0.5f), az, V::set1(1.0f)));
    R p = V::set1(0.17087277f);
    p = V::fmadd(p, t, V::set1(-0.82215223f));
    p = V::fmadd(p, t, V::set1(1.48851587f));
    p = V::fmadd(p, t, V::set1(-1.13520398f));
    p = V::fmadd(p, t, V::set1(0.27886807f));
    p = V::fmadd(p, t, V::set1(-0.18628806f));
    p = V::fmadd(p, t, V::set1(0.09678418f));
    p = V::fmadd(p, t, V::set1(0.37409196f));
    p = V::fmadd(p, t, V::set1(1.00002368f));
    p = V::fmadd(p, t, V::set1(-1.26551223f));
    R r = V::mul(t, exp<V>(V::sub(p, V::mul(az, az))));
    return V::select(V::lt(z, V::zero()), V::sub(V::set1(2.0f), r), r);
}

// relu6(x) = min(max(x, 0), 6), NaN kept, -0 to +0. Three operations on V::max / V::min's rule
// (a > b ? a : b, a < b ? a : b: the second operand on NaN or a tie): max(0, x) keeps NaN and
// -0, adding +0 turns -0 into +0, min(6, .) keeps NaN. The same values as three compares and
// three blends, in half the operations: in MobileNetV2's 16 -> 96 expansion (16 products a
// value) the epilogue was a third of the tile's work.
template <class V>
inline typename V::reg relu6(typename V::reg x) {
    return V::min(V::set1(6.0f), V::add(V::max(V::zero(), x), V::zero()));
}

// gelu(x) = x * Phi(x) = 0.5 * x * erfc(-x / sqrt(2)): accurate in relative terms for both tails.
template <class V>
inline typename V::reg gelu(typename V::reg x) {
    auto c = erfc<V>(V::mul(x, V::set1(-0.70710678118654752f)));
    return V::mul(V::mul(V::set1(0.5f), x), c);
}

// The standard normal density, for gelu's derivative.
template <class V>
inline typename V::reg normal_pdf(typename V::reg x) {
    return V::mul(V::set1(0.39894228040143268f), exp<V>(V::mul(V::set1(-0.5f), V::mul(x, x))));
}

}  // namespace
}  // namespace nn::vecmath
