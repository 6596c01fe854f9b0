// The per-step recurrent product (h W_hh^T forward, dG W_hh backward): the same weight is
// multiplied T times by a short matrix (the batch rows of one step), so it is packed once per
// call and multiplied on the calling thread (rnn_step_gemm.cpp). Forward packs W_hh
// gate-interleaved for the fused step kernels (gate_weight); backward goes through SGEMM's
// pre-packed path (step_weight).
#pragma once
#include <cstdint>
#include <memory>

#include "bf16/bf16.h"
#include "gemm/gemm.h"

namespace nn::rnn {

// A gate weight W [G*h, k] (row-major, PyTorch layout: W_hh with k = h, W_ih with k = input
// size) in the fused step kernels' layout: for each block jb of kUnitBlock units, for each
// column c < k, for each gate g, the weights of units jb*16 .. jb*16+15 against input c (zero
// past h). G*k*h floats with h rounded up to whole blocks.
class gate_weight {
public:
    // bf16: the weights rounded to bf16 values (the operands of bf16 products on the float32
    // step kernels).
    gate_weight(int64_t gates, int64_t h, int64_t k, const float* w, bool bf16 = false);
    static int64_t floats(int64_t gates, int64_t h, int64_t k);
    // Writes the layout to out (floats(gates, h, k) floats): what nn_rnn_pack hands to its caller.
    static void pack(int64_t gates, int64_t h, int64_t k, const float* w, float* out, bool bf16 = false);
    const float* data() const { return data_; }

private:
    std::unique_ptr<float[]> storage_;
    float* data_;  // storage_ rounded up to a cache line
};

class step_weight {
public:
    // op(W) is [k, n]; trans: W is stored [n, k] (row-major, leading dimension ldw). bf16: W
    // rounded and packed for the bf16 GEMM (bf16::packed_b), A rounded as it is packed.
    step_weight(bool trans, int64_t k, int64_t n, const float* w, int64_t ldw, bool bf16 = false);

    // C[m, n] = A[m, k] op(W) + beta C (+ epilogue), on the calling thread: the time loop is
    // already split across the pool by batch rows. Bitwise equal to gemm::sgemm (bf16:
    // bf16::gemm on the same operands).
    void multiply(int64_t m, const float* a, int64_t lda, float beta, float* c, int64_t ldc,
                  const gemm::epilogue& ep = gemm::epilogue{}) const;

private:
    std::unique_ptr<gemm::packed_b> packed_;
    std::unique_ptr<bf16::packed_b> packed_bf16_;
};

}  // namespace nn::rnn
