// The per-step recurrent product (h W_hh^T forward, dG W_hh backward): the same weight is
// multiplied T times, so it is packed once per call when SGEMM offers pre-packed operands
// (gemm::packed_b, part of the blocked SGEMM of issue #3); with the reference SGEMM it is
// passed as is. Feature-detected so this area builds before and after that branch merges.
#pragma once
#include <cstdint>
#include <memory>

#include "gemm/gemm.h"

#if __has_include("gemm/gemm_kernels.h")
#  define NN_RNN_PACKED_WEIGHTS 1
#endif

namespace nn::rnn {

class step_weight {
public:
    // op(W) is [k, n]; trans: W is stored [n, k] (row-major, leading dimension ldw).
    step_weight(bool trans, int64_t k, int64_t n, const float* w, int64_t ldw)
        : trans_(trans), k_(k), n_(n), w_(w), ldw_(ldw) {
#if defined(NN_RNN_PACKED_WEIGHTS)
        packed_ = std::make_unique<gemm::packed_b>(trans, k, n, w, ldw);
#endif
    }
    // C[m, n] = A[m, k] op(W) + beta C (+ epilogue), on the calling thread: the time loop is
    // already split across the pool by batch rows.
    void multiply(int64_t m, const float* a, int64_t lda, float beta, float* c, int64_t ldc,
                  const gemm::epilogue& ep = gemm::epilogue{}) const {
        if (m <= 0) return;
#if defined(NN_RNN_PACKED_WEIGHTS)
        gemm::sgemm_packed(false, m, n_, k_, 1.0f, a, lda, *packed_, beta, c, ldc, ep, 1);
#else
        gemm::sgemm(false, trans_, m, n_, k_, 1.0f, a, lda, w_, ldw_, beta, c, ldc, ep, 1);
#endif
    }

private:
    bool trans_;
    int64_t k_, n_;
    const float* w_;
    int64_t ldw_;
#if defined(NN_RNN_PACKED_WEIGHTS)
    std::unique_ptr<gemm::packed_b> packed_;
#endif
};

}  // namespace nn::rnn
