// The step product runs on the calling thread (the time loop is already split across the pool by
// batch rows) through SGEMM's pre-packed path. Its shape, a few batch rows against a weight too
// big for L2 (e.g. 256 x 1024 floats = 1 MB), takes SGEMM's panel-major order (gemm.cpp,
// run_panel_major): all of A packed once per K block, each column panel of W read once per step
// and used against every A micro-panel while it is in L1, rather than W streamed from L3 once
// per micro-panel of A.
#include "rnn/rnn_step_gemm.h"

namespace nn::rnn {

void step_weight::multiply(int64_t m, const float* a, int64_t lda, float beta, float* c, int64_t ldc,
                           const gemm::epilogue& ep) const {
    if (m <= 0 || packed_.n <= 0) return;
    gemm::sgemm_packed(false, m, packed_.n, packed_.k, 1.0f, a, lda, packed_, beta, c, ldc, ep, /*max_threads=*/1);
}

}  // namespace nn::rnn
