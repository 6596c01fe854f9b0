// Recurrent layer benchmark: the cases of /work/shared/anchors/torch_anchor.py (nn.LSTM / nn.GRU,
// batch_first, one layer, one direction, with biases). fwd_ms: forward only; fwd_bwd_ms:
// forward + backward of output.sum() w.r.t. input and every parameter (dy = 1, h0 = c0 = 0 as
// in PyTorch's call without a state). gemm_ms replays just the SGEMM calls the driver makes for
// one fwd+bwd (same shapes, same order, same packing and thread split) so the GEMM share of
// the time can be read off.
// Threads: NATIVENET_NUM_THREADS. Timing: bench_timer.h (NN_BENCH_CLOCK=cpu for CPU time). Prints one JSON line per case.
#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "gemm/gemm.h"
#include "rnn/rnn_step_gemm.h"
#include "runtime/threadpool.h"
#include "nativenet.h"
#include "bench_timer.h"

namespace {

using nn::bench::best_ms;

std::vector<float> rnd(int64_t n, uint32_t seed, float a) {
    std::mt19937 g(seed);
    std::uniform_real_distribution<float> d(-a, a);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = d(g);
    return v;
}

struct Case {
    const char* name;
    nn_rnn_cell cell;
    int64_t B, T, I, H;
};

}  // namespace

int main() {
    const Case cases[] = {{"lstm_b32t100i12h128", NN_RNN_LSTM, 32, 100, 12, 128},
                          {"lstm_b64t50i64h256", NN_RNN_LSTM, 64, 50, 64, 256},
                          {"gru_b32t100i12h128", NN_RNN_GRU, 32, 100, 12, 128}};
    nn_cpu_info_t info;
    nn_cpu_info(&info);
    for (const Case& c : cases) {
        nn_rnn_desc d{};
        d.cell = c.cell;
        d.batch_first = 1;
        d.seq_len = c.T, d.batch = c.B, d.input_size = c.I, d.hidden_size = c.H;
        d.num_layers = 1;
        const int64_t G = c.cell == NN_RNN_LSTM ? 4 : 3, GH = G * c.H, R = c.T * c.B;
        const float a = 1.0f / std::sqrt(static_cast<float>(c.H));
        auto x = rnd(R * c.I, 1, 1.0f), wi = rnd(GH * c.I, 2, a), wh = rnd(GH * c.H, 3, a);
        auto bi = rnd(GH, 4, a), bh = rnd(GH, 5, a);
        std::vector<float> y(static_cast<size_t>(R * c.H)), hn(static_cast<size_t>(c.B * c.H)), cn(hn.size());
        std::vector<float> dy(y.size(), 1.0f), dx(x.size()), dwi(wi.size()), dwh(wh.size()), dbi(bi.size()),
            dbh(bh.size());
        int64_t wsz = 0;
        if (nn_rnn_workspace_size(&d, &wsz) != NN_OK) {
            std::fprintf(stderr, "%s\n", nn_last_error());
            return 1;
        }
        std::vector<float> ws(static_cast<size_t>(wsz));
        auto fwd = [&] {
            nn_rnn_forward(&d, x.data(), wi.data(), wh.data(), bi.data(), bh.data(), nullptr, nullptr, nullptr,
                           y.data(), hn.data(), cn.data(), ws.data());
        };
        auto fwdbwd = [&] {
            fwd();
            nn_rnn_backward(&d, x.data(), wi.data(), wh.data(), nullptr, nullptr, nullptr, ws.data(), dy.data(),
                            nullptr, nullptr, dx.data(), nullptr, nullptr, dwi.data(), dwh.data(), dbi.data(),
                            dbh.data());
        };
        if (nn_rnn_forward(&d, x.data(), wi.data(), wh.data(), bi.data(), bh.data(), nullptr, nullptr, nullptr,
                           y.data(), hn.data(), cn.data(), ws.data()) != NN_OK) {
            std::fprintf(stderr, "%s\n", nn_last_error());
            return 1;
        }
        // The driver's SGEMM calls for one fwd+bwd, on scratch buffers of the same shapes.
        std::vector<float> proj(static_cast<size_t>(R * GH)), hst(static_cast<size_t>(c.B * c.H), 0.1f),
            hh(static_cast<size_t>(c.B * GH)), hp(static_cast<size_t>(R * c.H), 0.1f);
        auto gemms = [&] {
            using nn::gemm::sgemm;
            nn::gemm::epilogue ep{bi.data(), nn::gemm::bias_mode::per_col};
            sgemm(false, true, R, GH, c.I, 1.0f, x.data(), c.I, wi.data(), c.I, 0.0f, proj.data(), GH, ep);
            // Per step, as the driver: W_hh packed once, batch rows split in blocks across the pool.
            const nn::rnn::step_weight wf(true, c.H, GH, wh.data(), c.H), wb(false, GH, c.H, wh.data(), c.H);
            nn::parallel_run(0, [&](int tid, int n) {
                const int64_t b0 = c.B * tid / n, b1 = c.B * (tid + 1) / n;
                for (int64_t t = 0; t < c.T; ++t)
                    wf.multiply(b1 - b0, hst.data() + b0 * c.H, c.H, 0.0f, hh.data() + b0 * GH, GH, ep);
                for (int64_t t = 0; t < c.T; ++t)
                    wb.multiply(b1 - b0, hh.data() + b0 * GH, GH, 1.0f, hst.data() + b0 * c.H, c.H);
            });
            sgemm(false, false, R, c.I, GH, 1.0f, proj.data(), GH, wi.data(), c.I, 0.0f, dx.data(), c.I);
            sgemm(true, false, GH, c.I, R, 1.0f, proj.data(), GH, x.data(), c.I, 0.0f, dwi.data(), c.I);
            sgemm(true, false, GH, c.H, R, 1.0f, proj.data(), GH, hp.data(), c.H, 0.0f, dwh.data(), c.H);
        };
        const double f_ms = best_ms(fwd), fb_ms = best_ms(fwdbwd), g_ms = best_ms(gemms);
        const double flops_f = 2.0 * R * GH * (c.I + c.H);
        std::printf("{\"lib\": \"nativenet\", \"suite\": \"rnn\", \"case\": \"%s\", \"threads\": %d, \"isa\": \"%s\", "
                    "\"fwd_ms\": %.4f, \"fwd_bwd_ms\": %.4f, \"gemm_ms\": %.4f, \"fwd_gflops\": %.2f, "
                    "\"fwd_bwd_gflops\": %.2f}\n",
                    c.name, nn_get_num_threads(), nn_isa_name(info.chosen_isa), f_ms, fb_ms, g_ms,
                    flops_f / f_ms * 1e-6, 3 * flops_f / fb_ms * 1e-6);
        std::fflush(stdout);
    }
    return 0;
}
