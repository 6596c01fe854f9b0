// The few-tiles Winograd products (src/conv/conv_winograd_few.h) for an ISA: H is a vector of kmr
// floats (one block's weights for a channel), ACC the accumulators a pass may keep in registers.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <utility>

#include "conv/conv_winograd_few.h"
#include "conv_direct_simd.h"
#include "simd.h"

#ifndef NN_INLINE
#define NN_INLINE __attribute__((always_inline)) inline
#endif

namespace nn::conv::winograd_few_impl {
namespace {  // internal linkage: each ISA's object has its own copy

using nn::conv::direct_impl::static_for;

// Four floats (AVX2's kmr = 4): an xmm register.
struct X128 {
    using reg = __m128;
    static constexpr int width = 4;
    static reg load(const float* p) { return _mm_loadu_ps(p); }
    static void store(float* p, reg a) { _mm_storeu_ps(p, a); }
    static reg set1(float v) { return _mm_set1_ps(v); }
    static reg zero() { return _mm_setzero_ps(); }
    static reg fmadd(reg a, reg b, reg c) { return _mm_fmadd_ps(a, b, c); }
};

// B blocks x T tiles: T broadcasts and B weight loads a channel for B * T independent FMA chains.
template <class H, int T, int B>
void pass(const float* u, int64_t us, const float* v, int64_t vs, int64_t channels, const float* init, float* m,
          int64_t ms, int64_t mt) {
    using R = typename H::reg;
    constexpr int K = H::width;
    R acc[B][T];
    static_for<B>([&](auto b) __attribute__((always_inline)) {
        const R a0 = init ? H::load(init + b * K) : H::zero();
        static_for<T>([&](auto t) __attribute__((always_inline)) { acc[b][t] = a0; });
    });
    for (int64_t c = 0; c < channels; ++c, v += vs) {
        R x[T];
        static_for<T>([&](auto t) __attribute__((always_inline)) { x[t] = H::set1(v[t]); });
        static_for<B>([&](auto b) __attribute__((always_inline)) {
            const R w = H::load(u + b * us + c * K);
            static_for<T>([&](auto t) __attribute__((always_inline)) { acc[b][t] = H::fmadd(w, x[t], acc[b][t]); });
        });
    }
    alignas(64) float out[K];
    static_for<B>([&](auto b) __attribute__((always_inline)) {
        static_for<T>([&](auto t) __attribute__((always_inline)) {
            H::store(out, acc[b][t]);
            for (int r = 0; r < K; ++r) m[b * ms + r * mt + t] = out[r];
        });
    });
}

// Blocks in passes of ACC / T (at most 8): the last pass takes what is left.
template <class H, int T, int ACC>
void tiles(const float* u, int64_t us, int64_t blocks, const float* v, int64_t vs, int64_t channels, const float* init,
           float* m, int64_t ms, int64_t mt) {
    constexpr int B = ACC / T < 8 ? ACC / T : 8;
    int64_t b = 0;
    for (; b + B <= blocks; b += B)
        pass<H, T, B>(u + b * us, us, v, vs, channels, init ? init + b * H::width : nullptr, m + b * ms, ms, mt);
    const int left = static_cast<int>(blocks - b);
    static_for<B - 1>([&](auto i) __attribute__((always_inline)) {
        constexpr int nb = decltype(i)::value + 1;
        if (left == nb) pass<H, T, nb>(u + b * us, us, v, vs, channels, init ? init + b * H::width : nullptr, m + b * ms, ms, mt);
    });
}

template <class H, int MAXT, int ACC>
void gemm(const float* u, int64_t us, int64_t blocks, const float* v, int64_t vs, int64_t channels, const float* init,
          float* m, int64_t ms, int64_t mt, int n) {
    static_for<MAXT>([&](auto i) __attribute__((always_inline)) {
        constexpr int t = decltype(i)::value + 1;
        if (n == t) tiles<H, t, ACC>(u, us, blocks, v, vs, channels, init, m, ms, mt);
    });
}

}  // namespace
}  // namespace nn::conv::winograd_few_impl
