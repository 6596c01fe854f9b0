// Normalization micro-kernels over a simd.h wrapper V: float vector accumulation inside blocks
// of 4096, blocks added in double (accurate, fixed order for a given length).
#pragma once
#include <algorithm>
#include <cmath>

#include "norm/norm.h"
#include "simd.h"

namespace nn::norm::simd_impl {
namespace {  // internal linkage: see simd.h

template <class V>
double hsum(typename V::reg v) {
    alignas(64) float t[V::width];
    V::store(t, v);
    double s = 0.0;
    for (int i = 0; i < V::width; ++i) s += t[i];
    return s;
}

constexpr int64_t kBlock = 4096;

template <class V>
double sum(const float* x, int64_t n) {
    using R = typename V::reg;
    double total = 0.0;
    for (int64_t b = 0; b < n; b += kBlock) {
        const int64_t e = std::min(n, b + kBlock);
        R a0 = V::zero(), a1 = V::zero();
        int64_t i = b;
        for (; i + 2 * V::width <= e; i += 2 * V::width) {
            a0 = V::add(a0, V::load(x + i));
            a1 = V::add(a1, V::load(x + i + V::width));
        }
        for (; i + V::width <= e; i += V::width) a0 = V::add(a0, V::load(x + i));
        total += hsum<V>(V::add(a0, a1));
        for (; i < e; ++i) total += x[i];
    }
    return total;
}

template <class V>
double sum_sq_dev(const float* x, int64_t n, float mean) {
    using R = typename V::reg;
    const R m = V::set1(mean);
    double total = 0.0;
    for (int64_t b = 0; b < n; b += kBlock) {
        const int64_t e = std::min(n, b + kBlock);
        R a0 = V::zero(), a1 = V::zero();
        int64_t i = b;
        for (; i + 2 * V::width <= e; i += 2 * V::width) {
            const R d0 = V::sub(V::load(x + i), m), d1 = V::sub(V::load(x + i + V::width), m);
            a0 = V::fmadd(d0, d0, a0);
            a1 = V::fmadd(d1, d1, a1);
        }
        for (; i + V::width <= e; i += V::width) {
            const R d0 = V::sub(V::load(x + i), m);
            a0 = V::fmadd(d0, d0, a0);
        }
        total += hsum<V>(V::add(a0, a1));
        for (; i < e; ++i) {
            const double d = static_cast<double>(x[i]) - mean;
            total += d * d;
        }
    }
    return total;
}

// ReLU backward from its output: dy * (y > 0 ? 1 : 0), the eltwise kernel's product.
template <class V>
typename V::reg relu_masked(typename V::reg d, typename V::reg y) {
    return V::mul(d, V::select(V::gt(y, V::zero()), V::set1(1.0f), V::zero()));
}
inline float relu_masked1(float d, float y) { return d * (y > 0.0f ? 1.0f : 0.0f); }

// One loop for both: the masked form sums exactly what the plain one sums over a masked dy.
// Two: the gradient comes as dy + dy2 (the eltwise add's bits), added before the mask.
template <class V, bool Masked, bool Two = false>
void sum_dy_dyxc_impl(const float* dy, const float* dy2, const float* y, const float* x, int64_t n, float mean,
                      double* sdy, double* sdyx, float* g) {
    using R = typename V::reg;
    const R m = V::set1(mean);
    double t0 = 0.0, t1 = 0.0;
    for (int64_t b = 0; b < n; b += kBlock) {
        const int64_t e = std::min(n, b + kBlock);
        R a = V::zero(), q = V::zero();
        int64_t i = b;
        for (; i + V::width <= e; i += V::width) {
            R d = V::load(dy + i);
            if constexpr (Two) d = V::add(d, V::load(dy2 + i));
            if constexpr (Masked) {
                d = relu_masked<V>(d, V::load(y + i));
                if (g) V::store(g + i, d);
            }
            a = V::add(a, d);
            q = V::fmadd(d, V::sub(V::load(x + i), m), q);
        }
        t0 += hsum<V>(a);
        t1 += hsum<V>(q);
        for (; i < e; ++i) {
            float d = dy[i];
            if constexpr (Two) d += dy2[i];
            if constexpr (Masked) {
                d = relu_masked1(d, y[i]);
                if (g) g[i] = d;
            }
            t0 += d;
            t1 += static_cast<double>(d) * (static_cast<double>(x[i]) - mean);
        }
    }
    *sdy = t0;
    *sdyx = t1;
}

template <class V>
void sum_dy_dyxc(const float* dy, const float* x, int64_t n, float mean, double* sdy, double* sdyx) {
    sum_dy_dyxc_impl<V, false>(dy, nullptr, nullptr, x, n, mean, sdy, sdyx, nullptr);
}

template <class V>
void sum_dy_dyxc_relu(const float* dy, const float* dy2, const float* y, const float* x, int64_t n, float mean,
                      double* sdy, double* sdyx, float* g) {
    if (dy2) sum_dy_dyxc_impl<V, true, true>(dy, dy2, y, x, n, mean, sdy, sdyx, g);
    else sum_dy_dyxc_impl<V, true>(dy, nullptr, y, x, n, mean, sdy, sdyx, g);
}

template <class V>
void affine(const float* x, int64_t n, float a, float b, float* y) {
    const auto va = V::set1(a), vb = V::set1(b);
    int64_t i = 0;
    for (; i + V::width <= n; i += V::width) V::store(y + i, V::fmadd(V::load(x + i), va, vb));
    for (; i < n; ++i) y[i] = __builtin_fmaf(x[i], a, b);
}

template <class V>
void affine2(const float* dy, const float* x, int64_t n, float a, float b, float c, float* dx) {
    const auto va = V::set1(a), vb = V::set1(b), vc = V::set1(c);
    int64_t i = 0;
    for (; i + V::width <= n; i += V::width)
        V::store(dx + i, V::fmadd(V::load(dy + i), va, V::fmadd(V::load(x + i), vb, vc)));
    for (; i < n; ++i) dx[i] = __builtin_fmaf(dy[i], a, __builtin_fmaf(x[i], b, c));
}

// ReLU as the eltwise kernel: x if x > 0, NaN kept, else 0.
template <class V>
typename V::reg relu(typename V::reg v) {
    const auto zero = V::zero();
    return V::select(V::gt(v, zero), v, V::select(V::is_nan(v), v, zero));
}
inline float relu1(float v) { return v > 0.0f ? v : (v != v ? v : 0.0f); }

template <class V>
void affine_relu(const float* x, const float* r, int64_t n, float a, float b, float* y) {
    const auto va = V::set1(a), vb = V::set1(b);
    int64_t i = 0;
    for (; i + V::width <= n; i += V::width) {
        auto v = V::fmadd(V::load(x + i), va, vb);
        if (r) v = V::add(v, V::load(r + i));
        V::store(y + i, relu<V>(v));
    }
    for (; i < n; ++i) {
        float v = __builtin_fmaf(x[i], a, b);
        if (r) v += r[i];
        y[i] = relu1(v);
    }
}

template <class V>
void affine2_relu(const float* dy, const float* y, const float* x, int64_t n, float a, float b, float c, float* dx) {
    const auto va = V::set1(a), vb = V::set1(b), vc = V::set1(c);
    int64_t i = 0;
    for (; i + V::width <= n; i += V::width) {
        const auto g = relu_masked<V>(V::load(dy + i), V::load(y + i));
        V::store(dx + i, V::fmadd(g, va, V::fmadd(V::load(x + i), vb, vc)));
    }
    for (; i < n; ++i) dx[i] = __builtin_fmaf(relu_masked1(dy[i], y[i]), a, __builtin_fmaf(x[i], b, c));
}

template <class V>
void ln_row(const float* x, int64_t d, float mean, float invstd, const float* gamma, const float* beta, float* y) {
    const auto m = V::set1(mean), s = V::set1(invstd), one = V::set1(1.0f), zero = V::zero();
    int64_t j = 0;
    for (; j + V::width <= d; j += V::width) {
        auto v = V::mul(V::sub(V::load(x + j), m), s);
        v = V::fmadd(v, gamma ? V::load(gamma + j) : one, beta ? V::load(beta + j) : zero);
        V::store(y + j, v);
    }
    for (; j < d; ++j) {
        float v = (x[j] - mean) * invstd;
        y[j] = __builtin_fmaf(v, gamma ? gamma[j] : 1.0f, beta ? beta[j] : 0.0f);
    }
}

template <class V>
void ln_row_backward(const float* x, const float* dy, int64_t d, float mean, float invstd, const float* gamma,
                     float* dx) {
    using R = typename V::reg;
    const R m = V::set1(mean), s = V::set1(invstd), one = V::set1(1.0f);
    R ag = V::zero(), agx = V::zero();
    double sg = 0.0, sgx = 0.0;
    int64_t j = 0;
    for (; j + V::width <= d; j += V::width) {
        const R g = V::mul(V::load(dy + j), gamma ? V::load(gamma + j) : one);
        ag = V::add(ag, g);
        agx = V::fmadd(g, V::mul(V::sub(V::load(x + j), m), s), agx);
    }
    sg = hsum<V>(ag);
    sgx = hsum<V>(agx);
    for (; j < d; ++j) {
        const double g = static_cast<double>(dy[j]) * (gamma ? gamma[j] : 1.0f);
        sg += g;
        sgx += g * ((x[j] - mean) * invstd);
    }
    const float mg = static_cast<float>(sg / static_cast<double>(d)), mgx = static_cast<float>(sgx / static_cast<double>(d));
    const R vmg = V::set1(mg), vmgx = V::set1(mgx);
    j = 0;
    for (; j + V::width <= d; j += V::width) {
        const R g = V::mul(V::load(dy + j), gamma ? V::load(gamma + j) : one);
        const R xh = V::mul(V::sub(V::load(x + j), m), s);
        V::store(dx + j, V::mul(s, V::fnmadd(xh, vmgx, V::sub(g, vmg))));
    }
    for (; j < d; ++j) {
        const float g = dy[j] * (gamma ? gamma[j] : 1.0f);
        const float xh = (x[j] - mean) * invstd;
        dx[j] = invstd * (g - mg - xh * mgx);
    }
}

template <class V>
void ln_row_param_grad(const float* x, const float* dy, int64_t d, float mean, float invstd, double* dgamma,
                       double* dbeta) {
    for (int64_t j = 0; j < d; ++j) {
        if (dgamma) dgamma[j] += static_cast<double>(dy[j]) * ((x[j] - mean) * invstd);
        if (dbeta) dbeta[j] += dy[j];
    }
}

template <class V>
void dropout_backward(const float* dy, const uint8_t* mask, float* dx, int64_t n, float scale) {
    int64_t i = 0;
    alignas(64) float m[V::width];
    const auto s = V::set1(scale);
    for (; i + V::width <= n; i += V::width) {
        for (int l = 0; l < V::width; ++l) m[l] = mask[i + l] ? 1.0f : 0.0f;
        V::store(dx + i, V::select(V::gt(V::load(m), V::zero()), V::mul(V::load(dy + i), s), V::zero()));
    }
    for (; i < n; ++i) dx[i] = mask[i] ? dy[i] * scale : 0.0f;
}

// `dropout` is ISA-specific (integer hash lanes) and passed in.
template <class V>
kernels make_table(const char* isa,
                   void (*dropout)(const float*, float*, uint8_t*, int64_t, float, uint64_t, uint64_t)) {
    return kernels{isa,          &sum<V>,     &sum_sq_dev<V>,        &sum_dy_dyxc<V>,
                   &affine<V>,   &affine2<V>, &ln_row<V>,            &ln_row_backward<V>,
                   &ln_row_param_grad<V>,     dropout,               &dropout_backward<V>,
                   &affine_relu<V>,           &sum_dy_dyxc_relu<V>,  &affine2_relu<V>};
}

}  // namespace
}  // namespace nn::norm::simd_impl
