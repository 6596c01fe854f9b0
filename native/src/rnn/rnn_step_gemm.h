// The per-step recurrent product (h W_hh^T forward, dG W_hh backward): the same weight is
// multiplied T times by a short matrix (the batch rows of one step), so it is packed once per
// call and multiplied on the calling thread (rnn_step_gemm.cpp).
#pragma once
#include <cstdint>

#include "gemm/gemm.h"

namespace nn::rnn {

class step_weight {
public:
    // op(W) is [k, n]; trans: W is stored [n, k] (row-major, leading dimension ldw).
    step_weight(bool trans, int64_t k, int64_t n, const float* w, int64_t ldw) : packed_(trans, k, n, w, ldw) {}

    // C[m, n] = A[m, k] op(W) + beta C (+ epilogue), on the calling thread: the time loop is
    // already split across the pool by batch rows. Bitwise equal to gemm::sgemm.
    void multiply(int64_t m, const float* a, int64_t lda, float beta, float* c, int64_t ldc,
                  const gemm::epilogue& ep = gemm::epilogue{}) const;

private:
    gemm::packed_b packed_;
};

}  // namespace nn::rnn
