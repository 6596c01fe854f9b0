// Skinny-N SGEMM (n <= kDotMaxN columns, row-major A): each C(i, j) is one dot product of A's
// row i with column j of B over all of k, vectorized along k. A tile of NR columns would spend
// most of its multiply-adds on columns that do not exist (n = 1 uses 1 lane of 16); here every
// lane works, and A is read once, in place, in the order it is stored.
// Order of operations per element, a function of k alone: lane l sums p = l, l + W, l + 2W, ...
// by FMA (the tail zero-filled), the lanes are added as a halving tree, then
// act(alpha * dot + beta * C + bias). The row grouping (4 rows share each B load) and the
// thread split over rows do not change it.
// Included by each ISA's gemm file: everything here has internal linkage.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "gemm/gemm_kernels.h"
#include "simd.h"

namespace nn::gemm {
namespace {
namespace dot_impl {

constexpr int kRows = 4;  // rows per group: 4 x n <= 16 accumulators

template <class V>
typename V::reg load_n(const float* p, int count) {
    alignas(64) float tmp[V::width] = {};
    std::memcpy(tmp, p, sizeof(float) * static_cast<size_t>(count));
    return V::load(tmp);
}

// Sum of the lanes. 16 lanes: the two 8-lane halves are added through memory, then reduced as
// 8 lanes (GCC 12 warns on every 512-to-256-bit intrinsic inlined here: they start from
// _mm512_undefined_ps).
template <class V>
float lane_sum(typename V::reg v) {
#if defined(__AVX512F__)
    if constexpr (V::width == 16) {
        using H = nn::simd::V256;
        alignas(64) float t[16];
        V::store(t, v);
        return H::reduce_add(H::add(H::load(t), H::load(t + 8)));
    } else
#endif
    {
        return V::reduce_add(v);
    }
}

// Rows [i0, i0 + R) against the n = N columns of bt (column j at bt + j * k, contiguous).
template <class V, int R, int N, class Act>
void rows(const dot_args& d, int64_t i0, Act&& act) {
    constexpr int W = V::width;
    using reg = typename V::reg;
    const int64_t k = d.k, kv = k / W * W;
    const float* a[R];
    for (int r = 0; r < R; ++r) a[r] = d.a + (i0 + r) * d.lda;
    reg acc[R][N];
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < N; ++j) acc[r][j] = V::zero();
    for (int64_t p = 0; p < kv; p += W) {
        reg b[N];
        for (int j = 0; j < N; ++j) b[j] = V::load(d.bt + j * k + p);
        for (int r = 0; r < R; ++r) {
            const reg av = V::load(a[r] + p);
            for (int j = 0; j < N; ++j) acc[r][j] = V::fmadd(av, b[j], acc[r][j]);
        }
    }
    if (kv < k) {
        const int rem = static_cast<int>(k - kv);
        reg b[N];
        for (int j = 0; j < N; ++j) b[j] = load_n<V>(d.bt + j * k + kv, rem);
        for (int r = 0; r < R; ++r) {
            const reg av = load_n<V>(a[r] + kv, rem);
            for (int j = 0; j < N; ++j) acc[r][j] = V::fmadd(av, b[j], acc[r][j]);
        }
    }
    for (int r = 0; r < R; ++r) {
        const int64_t i = i0 + r;
        float* c = d.c + i * d.ldc;
        alignas(64) float v[V::width] = {};
        for (int j = 0; j < N; ++j) {
            float x = d.alpha * lane_sum<V>(acc[r][j]);
            if (d.beta != 0.0f) x = std::fma(d.beta, c[j], x);
            if (d.bias_row) x += d.bias_row[i];
            if (d.bias_col) x += d.bias_col[j];
            v[j] = x;
        }
        if (d.act != 0) V::store(v, act(d.act, V::load(v)));
        std::memcpy(c, v, sizeof(float) * N);
    }
}

template <class V, int N, class Act>
void all_rows(const dot_args& d, Act&& act) {
    int64_t i = 0;
    for (; i + kRows <= d.m; i += kRows) rows<V, kRows, N>(d, i, act);
    switch (d.m - i) {
        case 1: rows<V, 1, N>(d, i, act); break;
        case 2: rows<V, 2, N>(d, i, act); break;
        case 3: rows<V, 3, N>(d, i, act); break;
        default: break;
    }
}

// act(int activation, V::reg) -> V::reg: the ISA's vectorized activation.
template <class V, class Act>
void dot(const dot_args& d, Act&& act) {
    static_assert(kDotMaxN == 4, "one instantiation per column count");
    switch (d.n) {
        case 1: all_rows<V, 1>(d, act); break;
        case 2: all_rows<V, 2>(d, act); break;
        case 3: all_rows<V, 3>(d, act); break;
        case 4: all_rows<V, 4>(d, act); break;
        default: break;
    }
}

}  // namespace dot_impl
}  // namespace
}  // namespace nn::gemm
