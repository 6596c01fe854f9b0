// Convolution benchmark: the three 3x3 / stride 1 / pad 1 cases of shared/anchors/torch_anchor.py.
// fwd_ms: forward with bias. fwd_bwd_ms: forward + backward data + backward weights + bias grad
// (what PyTorch's conv(x).sum().backward() does with x requiring grad). im2col_ms / col2im_ms time
// the layout kernels alone over the whole batch (the non-GEMM share of the work).
// Threads: NATIVENET_NUM_THREADS. Prints one JSON line per case.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <functional>
#include <random>
#include <vector>

#include "conv/conv.h"
#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"
#include "nativenet.h"
#include "runtime/cpu.h"
#include "bench_timer.h"

namespace {

using nn::bench::best_ms;

}  // namespace

int main() {
    struct C { int64_t n, c, hw, k; };
    const C cases[] = {{32, 16, 56, 32}, {32, 64, 28, 64}, {8, 3, 224, 64}};
    std::mt19937 rng(0);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (const C& t : cases) {
        nn_conv2d_desc d{t.n, t.c, t.hw, t.hw, t.k, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        const auto p = nn::conv::validate(d);
        std::vector<float> x(t.n * t.c * t.hw * t.hw), w(t.k * t.c * 9), b(t.k), y(t.n * t.k * p.oh * p.ow);
        std::vector<float> dy(y.size()), dx(x.size()), dw(w.size()), db(b.size());
        for (auto* v : {&x, &w, &b, &dy})
            for (auto& e : *v) e = u(rng);
        auto fwd = [&] { nn_conv2d_forward(&d, x.data(), w.data(), b.data(), NN_UNARY_IDENTITY, y.data()); };
        auto fwd_bwd = [&] {
            nn_conv2d_forward(&d, x.data(), w.data(), b.data(), NN_UNARY_IDENTITY, y.data());
            nn_conv2d_backward_data(&d, dy.data(), w.data(), dx.data());
            nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw.data(), db.data());
        };
        const auto& kt = nn::conv::active();
        const auto g = nn::conv::geom_of(p);
        std::vector<float> col(static_cast<size_t>(p.crs * p.oh * p.ow));
        auto im2col = [&] {
            nn::parallel_tasks(p.n, [&](int64_t i) {
                float* c = nn::thread_scratch(nn::scratch::conv_task_work, p.crs * p.oh * p.ow);
                kt.im2col(x.data() + i * p.c * p.h * p.w, p.c, g, 0, p.oh, c, p.oh * p.ow);
            });
        };
        auto col2im = [&] {
            nn::parallel_tasks(p.n, [&](int64_t i) {
                kt.col2im(col.data(), p.c, g, 0, p.oh, dx.data() + i * p.c * p.h * p.w, p.oh * p.ow);
            });
        };
        auto bwd_data = [&] { nn_conv2d_backward_data(&d, dy.data(), w.data(), dx.data()); };
        auto bwd_weights = [&] { nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw.data(), db.data()); };
        const double f = best_ms(fwd), fb = best_ms(fwd_bwd), bd = best_ms(bwd_data), bw = best_ms(bwd_weights);
        const double ic = best_ms(im2col, 100), ci = best_ms(col2im, 100);
        const double flops = 2.0 * t.n * t.k * p.oh * p.ow * p.crs;
        std::printf("{\"lib\": \"nativenet\", \"suite\": \"conv\", \"case\": \"n%ldc%ldh%ldw%ldk%ldr3s1p1\", "
                    "\"threads\": %d, \"isa\": \"%s\", \"fwd_ms\": %.4f, \"fwd_bwd_ms\": %.4f, \"fwd_gflops\": %.2f, "
                    "\"fwd_bwd_gflops\": %.2f, \"bwd_data_ms\": %.4f, \"bwd_weights_ms\": %.4f, \"im2col_ms\": %.4f, "
                    "\"col2im_ms\": %.4f, \"clock\": \"%s\"}\n",
                    (long)t.n, (long)t.c, (long)t.hw, (long)t.hw, (long)t.k, nn_get_num_threads(),
                    nn::isa_name(nn::active_isa()), f, fb, flops / f / 1e6, 3 * flops / fb / 1e6, bd, bw, ic, ci, nn::bench::cpu_clock() ? "cpu" : "wall");
        std::fflush(stdout);
    }
    return 0;
}
