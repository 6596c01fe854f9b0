// Optimizer updates and softmax written once over a simd.h wrapper V; each ISA's translation unit
// instantiates the table with its own flags. Updates use separate multiply and add exactly in the
// scalar order (optim.h *_one), so every ISA agrees bitwise with the reference; tails run the
// scalar element function.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>

#include "optim/optim.h"
#include "simd.h"
#include "vecmath.h"

namespace nn::optim::simd_impl {
namespace {  // internal linkage: see simd.h

template <class V>
void sgd(const sgd_params& q, int64_t n, float* p, const float* g, float* buf) {
    using R = typename V::reg;
    const R lr = V::set1(q.lr), wd = V::set1(q.weight_decay), mo = V::set1(q.momentum),
            damp = V::set1(1.0f - q.dampening);
    const bool use_wd = q.weight_decay != 0.0f, use_mo = q.momentum != 0.0f;
    int64_t i = 0;
    for (; i + V::width <= n; i += V::width) {
        R pv = V::load(p + i), d = V::load(g + i);
        if (q.maximize) d = V::neg(d);
        if (use_wd) d = V::add(d, V::mul(wd, pv));
        if (use_mo) {
            const R b = q.first_step ? d : V::add(V::mul(mo, V::load(buf + i)), V::mul(damp, d));
            V::store(buf + i, b);
            d = q.nesterov ? V::add(d, V::mul(mo, b)) : b;
        }
        V::store(p + i, V::sub(pv, V::mul(lr, d)));
    }
    for (; i < n; ++i) sgd_one(q, p[i], g[i], buf ? buf + i : nullptr);
}

template <class V>
void adam(const adam_params& q, int64_t n, float* p, const float* g, float* m, float* v, float* vmax) {
    using R = typename V::reg;
    const R wd = V::set1(q.weight_decay), decay = V::set1(1.0f - q.lr * q.weight_decay),
            omb1 = V::set1(1.0f - q.beta1), b2 = V::set1(q.beta2), omb2 = V::set1(1.0f - q.beta2),
            bc2 = V::set1(q.bc2_sqrt), eps = V::set1(q.eps), step = V::set1(q.step_size);
    const bool use_wd = q.weight_decay != 0.0f;
    int64_t i = 0;
    for (; i + V::width <= n; i += V::width) {
        R gv = V::load(g + i), pv = V::load(p + i);
        if (q.maximize) gv = V::neg(gv);
        if (use_wd) {
            if (q.decoupled) pv = V::mul(pv, decay);
            else gv = V::add(gv, V::mul(wd, pv));
        }
        R mv = V::load(m + i);
        mv = V::add(mv, V::mul(V::sub(gv, mv), omb1));
        R vv = V::add(V::mul(V::load(v + i), b2), V::mul(V::mul(omb2, gv), gv));
        V::store(m + i, mv);
        V::store(v + i, vv);
        if (q.amsgrad) {
            const R old = V::load(vmax + i);
            vv = V::select(V::gt(old, vv), old, vv);
            V::store(vmax + i, vv);
        }
        const R denom = V::add(V::div(V::sqrt(vv), bc2), eps);
        V::store(p + i, V::sub(pv, V::mul(step, V::div(mv, denom))));
    }
    for (; i < n; ++i) adam_one(q, p[i], g[i], m[i], v[i], vmax ? vmax + i : nullptr);
}

template <class V>
void rmsprop(const rmsprop_params& q, int64_t n, float* p, const float* g, float* sq, float* buf, float* gavg) {
    using R = typename V::reg;
    const R wd = V::set1(q.weight_decay), al = V::set1(q.alpha), oma = V::set1(1.0f - q.alpha),
            eps = V::set1(q.eps), mo = V::set1(q.momentum), lr = V::set1(q.lr);
    const bool use_wd = q.weight_decay != 0.0f, use_mo = q.momentum > 0.0f;
    int64_t i = 0;
    for (; i + V::width <= n; i += V::width) {
        R gv = V::load(g + i), pv = V::load(p + i);
        if (q.maximize) gv = V::neg(gv);
        if (use_wd) gv = V::add(gv, V::mul(wd, pv));
        const R s = V::add(V::mul(V::load(sq + i), al), V::mul(V::mul(oma, gv), gv));
        V::store(sq + i, s);
        R avg;
        if (q.centered) {
            const R ga = V::add(V::mul(V::load(gavg + i), al), V::mul(oma, gv));
            V::store(gavg + i, ga);
            avg = V::add(V::sqrt(V::sub(s, V::mul(ga, ga))), eps);
        } else {
            avg = V::add(V::sqrt(s), eps);
        }
        if (use_mo) {
            const R b = V::add(V::mul(V::load(buf + i), mo), V::div(gv, avg));
            V::store(buf + i, b);
            V::store(p + i, V::sub(pv, V::mul(lr, b)));
        } else {
            V::store(p + i, V::sub(pv, V::mul(lr, V::div(gv, avg))));
        }
    }
    for (; i < n; ++i) rmsprop_one(q, p[i], g[i], sq[i], buf ? buf + i : nullptr, gavg ? gavg + i : nullptr);
}

// Contiguous rows: max, then sum of exp (kept in y for softmax), then scale or shift.
template <class V>
void softmax_rows(int64_t rows, int64_t d, const float* x, float* y, bool log) {
    using R = typename V::reg;
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * d;
        float* yr = y + r * d;
        int64_t j = 0;
        R vm = V::set1(-std::numeric_limits<float>::infinity());
        for (; j + V::width <= d; j += V::width) vm = V::max(vm, V::load(xr + j));
        float mx = V::reduce_max(vm);
        for (; j < d; ++j) mx = std::max(mx, xr[j]);
        const R vmx = V::set1(mx);
        R vs = V::zero();
        float s = 0.0f;
        for (j = 0; j + V::width <= d; j += V::width) {
            const R e = nn::vecmath::exp<V>(V::sub(V::load(xr + j), vmx));
            if (!log) V::store(yr + j, e);
            vs = V::add(vs, e);
        }
        for (; j < d; ++j) {
            const float e = std::exp(xr[j] - mx);
            if (!log) yr[j] = e;
            s += e;
        }
        s += V::reduce_add(vs);
        if (log) {
            // (x - max) - log(sum), PyTorch's order: exact near the maximum, where
            // x - (max + log(sum)) would round to the spacing of x.
            const float ls = std::log(s);
            const R vl = V::set1(ls);
            for (j = 0; j + V::width <= d; j += V::width) V::store(yr + j, V::sub(V::sub(V::load(xr + j), vmx), vl));
            for (; j < d; ++j) yr[j] = (xr[j] - mx) - ls;
        } else {
            const float inv = 1.0f / s;
            const R vi = V::set1(inv);
            for (j = 0; j + V::width <= d; j += V::width) V::store(yr + j, V::mul(V::load(yr + j), vi));
            for (; j < d; ++j) yr[j] *= inv;
        }
    }
}

// [d, inner] with inner > 1: each lane owns one inner position; columns past the last full
// vector go through the scalar reference.
template <class V>
void softmax_strided(int64_t d, int64_t inner, const float* x, float* y, bool log) {
    using R = typename V::reg;
    int64_t i = 0;
    for (; i + V::width <= inner; i += V::width) {
        R mx = V::set1(-std::numeric_limits<float>::infinity());
        for (int64_t j = 0; j < d; ++j) mx = V::max(mx, V::load(x + j * inner + i));
        R s = V::zero();
        for (int64_t j = 0; j < d; ++j) {
            const R e = nn::vecmath::exp<V>(V::sub(V::load(x + j * inner + i), mx));
            if (!log) V::store(y + j * inner + i, e);
            s = V::add(s, e);
        }
        if (log) {
            const R ls = nn::vecmath::log<V>(s);
            for (int64_t j = 0; j < d; ++j)
                V::store(y + j * inner + i, V::sub(V::sub(V::load(x + j * inner + i), mx), ls));
        } else {
            const R inv = V::div(V::set1(1.0f), s);
            for (int64_t j = 0; j < d; ++j) V::store(y + j * inner + i, V::mul(V::load(y + j * inner + i), inv));
        }
    }
    for (; i < inner; ++i) {
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < d; ++j) mx = std::max(mx, x[j * inner + i]);
        float s = 0.0f;
        for (int64_t j = 0; j < d; ++j) s += std::exp(x[j * inner + i] - mx);
        const float ls = std::log(s), inv = 1.0f / s;
        for (int64_t j = 0; j < d; ++j) {
            const int64_t k = j * inner + i;
            y[k] = log ? (x[k] - mx) - ls : std::exp(x[k] - mx) * inv;
        }
    }
}

// softmax: dx = y * (dy - sum(dy * y)); log-softmax: dx = dy - exp(y) * sum(dy).
template <class V>
void softmax_backward_rows(int64_t rows, int64_t d, const float* y, const float* dy, float* dx, bool log) {
    using R = typename V::reg;
    for (int64_t r = 0; r < rows; ++r) {
        const float *yr = y + r * d, *gr = dy + r * d;
        float* xr = dx + r * d;
        R vs = V::zero();
        float s = 0.0f;
        int64_t j = 0;
        for (; j + V::width <= d; j += V::width) {
            const R gv = V::load(gr + j);
            vs = V::add(vs, log ? gv : V::mul(gv, V::load(yr + j)));
        }
        for (; j < d; ++j) s += log ? gr[j] : gr[j] * yr[j];
        s += V::reduce_add(vs);
        const R sv = V::set1(s);
        for (j = 0; j + V::width <= d; j += V::width) {
            const R yv = V::load(yr + j), gv = V::load(gr + j);
            V::store(xr + j, log ? V::sub(gv, V::mul(nn::vecmath::exp<V>(yv), sv)) : V::mul(yv, V::sub(gv, sv)));
        }
        for (; j < d; ++j) xr[j] = log ? gr[j] - std::exp(yr[j]) * s : yr[j] * (gr[j] - s);
    }
}

template <class V>
void softmax_backward_strided(int64_t d, int64_t inner, const float* y, const float* dy, float* dx, bool log) {
    using R = typename V::reg;
    int64_t i = 0;
    for (; i + V::width <= inner; i += V::width) {
        R s = V::zero();
        for (int64_t j = 0; j < d; ++j) {
            const R gv = V::load(dy + j * inner + i);
            s = V::add(s, log ? gv : V::mul(gv, V::load(y + j * inner + i)));
        }
        for (int64_t j = 0; j < d; ++j) {
            const int64_t k = j * inner + i;
            const R yv = V::load(y + k), gv = V::load(dy + k);
            V::store(dx + k, log ? V::sub(gv, V::mul(nn::vecmath::exp<V>(yv), s)) : V::mul(yv, V::sub(gv, s)));
        }
    }
    for (; i < inner; ++i) {
        float s = 0.0f;
        for (int64_t j = 0; j < d; ++j) s += log ? dy[j * inner + i] : dy[j * inner + i] * y[j * inner + i];
        for (int64_t j = 0; j < d; ++j) {
            const int64_t k = j * inner + i;
            dx[k] = log ? dy[k] - std::exp(y[k]) * s : y[k] * (dy[k] - s);
        }
    }
}

template <class V>
constexpr kernels make_table(const char* isa) {
    return kernels{isa,           sgd<V>,           adam<V>,
                   rmsprop<V>,    softmax_rows<V>,  softmax_strided<V>,
                   softmax_backward_rows<V>, softmax_backward_strided<V>};
}

}  // namespace
}  // namespace nn::optim::simd_impl
