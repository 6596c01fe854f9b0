// The step product runs on the calling thread (the time loop is already split across the pool by
// batch rows) through SGEMM's pre-packed path. Its shape, a few batch rows against a weight too
// big for L2 (e.g. 256 x 1024 floats = 1 MB), takes SGEMM's panel-major order (gemm.cpp,
// run_panel_major): all of A packed once per K block, each column panel of W read once per step
// and used against every A micro-panel while it is in L1, rather than W streamed from L3 once
// per micro-panel of A.
#include "rnn/rnn_step_gemm.h"

#include <cstdint>

#include "rnn/rnn.h"

namespace nn::rnn {

int64_t gate_weight::floats(int64_t gates, int64_t h, int64_t k) {
    return (h + kUnitBlock - 1) / kUnitBlock * kUnitBlock * gates * k;
}

gate_weight::gate_weight(int64_t gates, int64_t h, int64_t k, const float* w, bool bf16)
    : storage_(new float[static_cast<size_t>(floats(gates, h, k) + 16)]) {
    const auto line = reinterpret_cast<uintptr_t>(storage_.get());
    data_ = storage_.get() + (((line + 63) & ~uintptr_t{63}) - line) / sizeof(float);
    pack(gates, h, k, w, data_, bf16);
}

void gate_weight::pack(int64_t gates, int64_t h, int64_t k, const float* w, float* out, bool bf16) {
    float* const first = out;
    const int64_t blocks = (h + kUnitBlock - 1) / kUnitBlock;
    for (int64_t jb = 0; jb < blocks; ++jb)
        for (int64_t c = 0; c < k; ++c)
            for (int64_t g = 0; g < gates; ++g)
                for (int64_t u = 0; u < kUnitBlock; ++u) {
                    const int64_t j = jb * kUnitBlock + u;
                    *out++ = j < h ? w[(g * h + j) * k + c] : 0.0f;
                }
    // Rounded once here, so every step multiplies bf16 values (zero padding stays zero).
    if (bf16) bf16::round_in_place(first, out - first);
}

step_weight::step_weight(bool trans, int64_t k, int64_t n, const float* w, int64_t ldw, bool bf16) {
    if (bf16) packed_bf16_ = std::make_unique<bf16::packed_b>(trans, k, n, w, ldw);
    else packed_ = std::make_unique<gemm::packed_b>(trans, k, n, w, ldw);
}

void step_weight::multiply(int64_t m, const float* a, int64_t lda, float beta, float* c, int64_t ldc,
                           const gemm::epilogue& ep) const {
    if (packed_bf16_) {
        if (m <= 0 || packed_bf16_->n <= 0) return;
        bf16::gemm_packed(false, m, packed_bf16_->n, packed_bf16_->k, 1.0f, a, lda, *packed_bf16_, beta, c, ldc, ep,
                          /*max_threads=*/1);
        return;
    }
    if (m <= 0 || packed_->n <= 0) return;
    gemm::sgemm_packed(false, m, packed_->n, packed_->k, 1.0f, a, lda, *packed_, beta, c, ldc, ep, /*max_threads=*/1);
}

}  // namespace nn::rnn
