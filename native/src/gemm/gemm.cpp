// SGEMM driver. Until the blocked SIMD path lands (issue #3) this calls the reference, so the
// layers built on it are correct from day one.
#include "gemm.h"

namespace nn::gemm {

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const epilogue& ep, int max_threads) {
    (void)max_threads;
    sgemm_ref(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
}

}  // namespace nn::gemm
