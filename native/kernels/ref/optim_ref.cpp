// Scalar optimizer updates and softmax: the fallback table and the tests' ground truth.
#include <algorithm>
#include <cmath>
#include <limits>

#include "optim/optim.h"

namespace nn::optim {
namespace {

void sgd_s(const sgd_params& q, int64_t n, float* p, const float* g, float* buf) {
    for (int64_t i = 0; i < n; ++i) sgd_one(q, p[i], g[i], buf ? buf + i : nullptr);
}

void adam_s(const adam_params& q, int64_t n, float* p, const float* g, float* m, float* v, float* vmax) {
    for (int64_t i = 0; i < n; ++i) adam_one(q, p[i], g[i], m[i], v[i], vmax ? vmax + i : nullptr);
}

void rmsprop_s(const rmsprop_params& q, int64_t n, float* p, const float* g, float* sq, float* buf, float* gavg) {
    for (int64_t i = 0; i < n; ++i) rmsprop_one(q, p[i], g[i], sq[i], buf ? buf + i : nullptr, gavg ? gavg + i : nullptr);
}

void softmax_rows_s(int64_t rows, int64_t d, const float* x, float* y, bool log) {
    softmax_ref(rows, d, 1, x, y, log);
}
void softmax_strided_s(int64_t d, int64_t inner, const float* x, float* y, bool log) {
    softmax_ref(1, d, inner, x, y, log);
}
void softmax_backward_rows_s(int64_t rows, int64_t d, const float* y, const float* dy, float* dx, bool log) {
    softmax_backward_ref(rows, d, 1, y, dy, dx, log);
}
void softmax_backward_strided_s(int64_t d, int64_t inner, const float* y, const float* dy, float* dx, bool log) {
    softmax_backward_ref(1, d, inner, y, dy, dx, log);
}

}  // namespace

void softmax_ref(int64_t outer, int64_t d, int64_t inner, const float* x, float* y, bool log) {
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            const float* xs = x + o * d * inner + i;
            float* ys = y + o * d * inner + i;
            float mx = -std::numeric_limits<float>::infinity();
            for (int64_t j = 0; j < d; ++j) mx = std::max(mx, xs[j * inner]);
            double s = 0.0;
            for (int64_t j = 0; j < d; ++j) s += std::exp(static_cast<double>(xs[j * inner] - mx));
            if (log) {
                const double ls = std::log(s);
                for (int64_t j = 0; j < d; ++j) ys[j * inner] = static_cast<float>((xs[j * inner] - mx) - ls);
            } else {
                const double inv = 1.0 / s;
                for (int64_t j = 0; j < d; ++j)
                    ys[j * inner] = static_cast<float>(std::exp(static_cast<double>(xs[j * inner] - mx)) * inv);
            }
        }
}

void softmax_backward_ref(int64_t outer, int64_t d, int64_t inner, const float* y, const float* dy, float* dx,
                          bool log) {
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            const int64_t b = o * d * inner + i;
            double s = 0.0;
            if (log) {
                for (int64_t j = 0; j < d; ++j) s += dy[b + j * inner];
                for (int64_t j = 0; j < d; ++j) {
                    const int64_t k = b + j * inner;
                    dx[k] = static_cast<float>(dy[k] - std::exp(static_cast<double>(y[k])) * s);
                }
            } else {
                for (int64_t j = 0; j < d; ++j) s += static_cast<double>(dy[b + j * inner]) * y[b + j * inner];
                for (int64_t j = 0; j < d; ++j) {
                    const int64_t k = b + j * inner;
                    dx[k] = static_cast<float>(y[k] * (dy[k] - s));
                }
            }
        }
}

const kernels ref_kernels = {"scalar", sgd_s, adam_s, rmsprop_s, softmax_rows_s, softmax_strided_s,
                             softmax_backward_rows_s, softmax_backward_strided_s};

}  // namespace nn::optim
