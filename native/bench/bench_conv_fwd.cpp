// Forward-only convolution timing for arbitrary square shapes (the tuning loop of the direct
// kernel): bench_conv_fwd NxCxHxK[xR[xPAD]] ... (default: the bench_conv cases and LeNet's).
// Also times backward data (often a forward convolution in disguise) with --bwd.
// Threads: NATIVENET_NUM_THREADS; NN_BENCH_CLOCK=cpu for process CPU time.
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench_timer.h"
#include "conv/conv.h"
#include "nativenet.h"
#include "runtime/cpu.h"

int main(int argc, char** argv) {
    std::vector<std::string> shapes;
    bool bwd = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--bwd") == 0) bwd = true;
        else shapes.emplace_back(argv[i]);
    }
    if (shapes.empty()) shapes = {"32x16x56x32x3x1", "32x64x28x64x3x1", "8x3x224x64x3x1", "64x1x28x32x3x0", "64x32x13x64x3x0"};
    std::mt19937 rng(0);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (const auto& s : shapes) {
        long n = 0, c = 0, hw = 0, k = 0, r = 3, pad = 1;
        if (std::sscanf(s.c_str(), "%ldx%ldx%ldx%ldx%ldx%ld", &n, &c, &hw, &k, &r, &pad) < 4) {
            std::fprintf(stderr, "bad shape %s (NxCxHxK[xR[xPAD]])\n", s.c_str());
            return 2;
        }
        nn_conv2d_desc d{n, c, hw, hw, k, r, r, 1, 1, pad, pad, pad, pad, 1, 1, 1};
        const auto p = nn::conv::validate(d);
        std::vector<float> x(static_cast<size_t>(p.n * p.c * p.h * p.w)), w(static_cast<size_t>(p.k * p.crs)),
            b(static_cast<size_t>(p.k)), y(static_cast<size_t>(p.n * p.k * p.oh * p.ow));
        for (auto* v : {&x, &w, &b, &y})
            for (auto& e : *v) e = u(rng);
        const double f = nn::bench::best_ms([&] { nn_conv2d_forward(&d, x.data(), w.data(), b.data(), NN_UNARY_IDENTITY, y.data()); });
        const double flops = 2.0 * p.n * p.k * p.oh * p.ow * p.crs;
        std::printf("{\"case\": \"n%ldc%ldh%ldk%ldr%ldp%ld\", \"threads\": %d, \"isa\": \"%s\", \"fwd_ms\": %.4f, "
                    "\"fwd_gflops\": %.1f",
                    n, c, hw, k, r, pad, nn_get_num_threads(), nn::isa_name(nn::active_isa()), f, flops / f / 1e6);
        if (bwd) {
            const double bd =
                nn::bench::best_ms([&] { nn_conv2d_backward_data(&d, y.data(), w.data(), x.data()); });
            std::printf(", \"bwd_data_ms\": %.4f", bd);
        }
        std::printf(", \"clock\": \"%s\"}\n", nn::bench::cpu_clock() ? "cpu" : "wall");
        std::fflush(stdout);
    }
    return 0;
}
