#include "conv/band_gemm.h"

#include <algorithm>

#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"

namespace nn::conv {

namespace {
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
// Floats of packed A per range when pack_a_blocks splits over the threads (tens of microseconds).
constexpr int64_t kPackGrainFloats = 1 << 16;
}  // namespace

kblocking make_kblocking(int64_t k, int64_t unit, int64_t max_block) {
    const int64_t units = ceil_div(k, unit);
    const int64_t per = std::max<int64_t>(1, max_block / unit);
    const int64_t blocks = ceil_div(units, per);
    return kblocking{k, std::max<int64_t>(1, ceil_div(units, blocks) * unit)};
}

int64_t padded_rows(const gemm::kernels& K, int64_t m) { return ceil_div(m, K.mr) * K.mr; }

void pack_a_blocks(const gemm::kernels& K, const float* a, int64_t rs, int64_t cs, int64_t m, const kblocking& kb,
                   float* dst) {
    const int64_t mp = padded_rows(K, m), panels = ceil_div(m, K.mr), units = kb.count() * panels;
    // Over the threads when large: the callers pack a convolution's weights on the calling thread
    // before its tasks start (ResNet-18's 512x256x3x3 stride-2 weights: 1.2M floats, transposed
    // for the data gradient), a serial phase otherwise. Each micro-panel is a plain copy to its
    // own place, so the result does not depend on the split.
    const int64_t grain = std::max<int64_t>(1, kPackGrainFloats / (K.mr * kb.step));
    parallel_for(units, grain, [&](int64_t u0, int64_t u1) {
        for (int64_t u = u0; u < u1; ++u) {
            const int64_t b = u / panels, i = u % panels * K.mr, k0 = kb.begin(b), kc = kb.len(b);
            K.pack_a(a + i * rs + k0 * cs, rs, cs, static_cast<int>(std::min<int64_t>(K.mr, m - i)), kc,
                     dst + k0 * mp + i * kc);
        }
    });
}

void band_gemm(const gemm::kernels& K, int64_t m, const kblocking& kb, int64_t n,
               function_ref<a_view(int64_t k0, int64_t kc)> a_block,
               function_ref<void(int64_t k0, int64_t kc, float* dst)> pack_b, float* c, int64_t ldc, bool accumulate,
               const float* bias_row, int act) {
    if (m <= 0 || n <= 0) return;
    float* bp = thread_scratch(scratch::conv_task_work, kb.step * ceil_div(n, K.nr) * K.nr);
    band_gemm_prepacked(
        K, m, kb, n, a_block,
        [&](int64_t k0, int64_t kc) -> const float* {
            pack_b(k0, kc, bp);
            return bp;
        },
        c, ldc, accumulate, bias_row, act);
}

void band_gemm_prepacked(const gemm::kernels& K, int64_t m, const kblocking& kb, int64_t n,
                         function_ref<a_view(int64_t k0, int64_t kc)> a_block,
                         function_ref<const float*(int64_t k0, int64_t kc)> b_block, float* c, int64_t ldc,
                         bool accumulate, const float* bias_row, int act) {
    if (m <= 0 || n <= 0) return;
    const int64_t MR = K.mr, NR = K.nr;
    gemm::tile_args t{};
    t.alpha = 1.0f;
    t.ldc = ldc;
    t.b_packed = true;
    t.b_rs = NR;
    const int64_t blocks = kb.count();
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t k0 = kb.begin(b), kc = kb.len(b);
        const bool last = b + 1 == blocks;
        const a_view av = a_block(k0, kc);
        t.a_packed = av.rs == 0;
        t.a_rs = t.a_packed ? 1 : av.rs;
        t.a_cs = t.a_packed ? MR : 1;
        const int64_t a_step = t.a_packed ? kc : av.rs;  // from one micro-panel (mr rows) to the next
        const float* bp = b_block(k0, kc);
        t.k = kc;
        t.beta = b == 0 && !accumulate ? 0.0f : 1.0f;  // later K blocks accumulate onto C
        t.act = last ? act : 0;
        // Rows outer, panels inner (BLIS order): A's kc x mr micro-panel stays in L1, B's block
        // streams from L2, and C is written row by row (its rows are a plane apart: walking C a
        // panel at a time would touch a new page per row).
        for (int64_t i = 0; i < m; i += MR) {
            t.m = static_cast<int>(std::min(MR, m - i));
            t.a = av.p + i * a_step;
            t.bias_row = last && bias_row ? bias_row + i : nullptr;
            t.bias_col = nullptr;
            for (int64_t j = 0; j < n; j += NR) {
                t.n = static_cast<int>(std::min(NR, n - j));
                t.b = bp + j * kc;
                t.c = c + i * ldc + j;
                K.tile(t);
            }
        }
    }
}

}  // namespace nn::conv
