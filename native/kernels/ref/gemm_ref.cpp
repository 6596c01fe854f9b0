// Scalar reference SGEMM: straightforward triple loop with double accumulation. Ground truth
// for the blocked SIMD paths, never the fast path.
#include <cmath>

#include "activation_ref.h"

#include "gemm/gemm.h"

namespace nn::gemm {

namespace {
float activate(activation act, float v) { return nn::ref::activate(static_cast<int>(act), v); }
}  // namespace

void sgemm_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
               int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const epilogue& ep) {
    for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
            double acc = 0.0;
            for (int64_t p = 0; p < k; ++p) {
                float av = trans_a ? a[p * lda + i] : a[i * lda + p];
                float bv = trans_b ? b[j * ldb + p] : b[p * ldb + j];
                acc += static_cast<double>(av) * static_cast<double>(bv);
            }
            float v = alpha * static_cast<float>(acc);
            if (beta != 0.0f) v += beta * c[i * ldc + j];
            if (ep.mode == bias_mode::per_row) v += ep.bias[i];
            if (ep.mode == bias_mode::per_col) v += ep.bias[j];
            c[i * ldc + j] = activate(ep.act, v);
        }
    }
}

}  // namespace nn::gemm
