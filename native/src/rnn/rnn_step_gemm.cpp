// Loop order for C[m, n] = A op(W) with few rows (m = a step's batch rows) and a weight too big
// for L2 (e.g. 256 x 1024 floats = 1 MB): SGEMM's order (each A micro-panel against every
// column panel of W) would stream W from L3 once per micro-panel of A, i.e. m / MR times per
// step. Here all of A is packed once (m x kc: a few tens of KB, stays in L2) and each column
// panel of W is read once per step and used against every A micro-panel while it is in L1.
// The micro-kernel and the K blocking are SGEMM's own, so the result is bitwise SGEMM's.
#include "rnn/rnn_step_gemm.h"

#include <algorithm>

#include "gemm/gemm_kernels.h"
#include "runtime/thread_scratch.h"

namespace nn::rnn {

void step_weight::multiply(int64_t m, const float* a, int64_t lda, float beta, float* c, int64_t ldc,
                           const gemm::epilogue& ep) const {
    const gemm::packed_b& pb = packed_;
    if (m <= 0 || pb.n <= 0) return;
    if (pb.k == 0) {  // nothing to multiply: SGEMM's scale-only path
        gemm::sgemm_packed(false, m, pb.n, pb.k, 1.0f, a, lda, pb, beta, c, ldc, ep, 1);
        return;
    }
    const gemm::kernels& K = *pb.kt;
    const int64_t MR = K.mr, NR = K.nr, k = pb.k, n = pb.n;
    const int64_t panels = (m + MR - 1) / MR;
    float* ap = nn::thread_scratch(scratch::rnn_step_a, static_cast<size_t>(panels * MR * pb.kcb));
    gemm::tile_args t{};
    t.alpha = 1.0f;
    t.a_packed = t.b_packed = true;
    t.a_rs = 1;
    t.a_cs = MR;
    t.b_rs = NR;
    t.ldc = ldc;
    for (int64_t pc = 0; pc < k; pc += pb.kcb) {
        const int64_t kc = std::min(pb.kcb, k - pc);
        const bool last = pc + kc == k;
        for (int64_t ip = 0; ip < panels; ++ip) {
            const int rows = static_cast<int>(std::min(MR, m - ip * MR));
            K.pack_a(a + ip * MR * lda + pc, lda, 1, rows, kc, ap + ip * MR * kc);
        }
        t.k = kc;
        t.beta = pc == 0 ? beta : 1.0f;  // later K blocks accumulate onto C
        t.act = last ? static_cast<int>(ep.act) : 0;
        const float* bblk = pb.data + pc * pb.npad;  // packed_b: K block pc holds every column panel
        for (int64_t j = 0; j < n; j += NR) {
            t.n = static_cast<int>(std::min(NR, n - j));
            t.b = bblk + j * kc;
            t.bias_col = last && ep.mode == gemm::bias_mode::per_col ? ep.bias + j : nullptr;
            for (int64_t ip = 0; ip < panels; ++ip) {
                t.m = static_cast<int>(std::min(MR, m - ip * MR));
                t.a = ap + ip * MR * kc;
                t.c = c + ip * MR * ldc + j;
                t.bias_row = last && ep.mode == gemm::bias_mode::per_row ? ep.bias + ip * MR : nullptr;
                K.tile(t);
            }
        }
    }
}

}  // namespace nn::rnn
