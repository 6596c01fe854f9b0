// Convolution weight-gradient benchmark: nn_conv2d_backward_weights (dW and the bias gradient)
// alone, on the 3x3 / stride 1 cases of bench_conv and LeNet's two convolutions. One JSON line per
// case with the time, GFLOP/s (2 * n * k * oh * ow * crs) and the clock.
// Threads: NATIVENET_NUM_THREADS; NN_BENCH_CLOCK=cpu times process CPU time (bench_timer.h).
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench_timer.h"
#include "conv/conv.h"
#include "nativenet.h"
#include "runtime/cpu.h"

int main(int argc, char** argv) {
    struct C {
        std::string name;
        int64_t n, c, hw, k, pad;
    };
    std::vector<C> cases = {{"n32c16h56w56k32r3s1p1", 32, 16, 56, 32, 1},
                       {"n32c64h28w28k64r3s1p1", 32, 64, 28, 64, 1},
                       {"lenet1_n64c1h28w28k32r3s1p0", 64, 1, 28, 32, 0},
                       {"lenet2_n64c32h13w13k64r3s1p0", 64, 32, 13, 64, 0},
                       {"n8c3h224w224k64r3s1p1", 8, 3, 224, 64, 1}};
    // Or the shapes named on the command line, NxCxHxK[xPAD] (square planes, 3x3, stride 1).
    if (argc > 1) cases.clear();
    for (int i = 1; i < argc; ++i) {
        long n = 0, c = 0, hw = 0, k = 0, pad = 1;
        if (std::sscanf(argv[i], "%ldx%ldx%ldx%ldx%ld", &n, &c, &hw, &k, &pad) < 4) {
            std::fprintf(stderr, "bad shape %s (NxCxHxK[xPAD])\n", argv[i]);
            return 2;
        }
        cases.push_back({argv[i], n, c, hw, k, pad});
    }
    std::mt19937 rng(0);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (const C& t : cases) {
        nn_conv2d_desc d{t.n, t.c, t.hw, t.hw, t.k, 3, 3, 1, 1, t.pad, t.pad, t.pad, t.pad, 1, 1, 1};
        const auto p = nn::conv::validate(d);
        std::vector<float> x(static_cast<size_t>(p.n * p.c * p.h * p.w)), dy(static_cast<size_t>(p.n * p.k * p.oh * p.ow));
        std::vector<float> dw(static_cast<size_t>(p.k * p.crs)), db(static_cast<size_t>(p.k));
        for (auto* v : {&x, &dy})
            for (auto& e : *v) e = u(rng);
        const double ms = nn::bench::best_ms(
            [&] { nn_conv2d_backward_weights(&d, x.data(), dy.data(), dw.data(), db.data()); });
        const double flops = 2.0 * p.n * p.k * p.oh * p.ow * p.crs;
        std::printf("{\"lib\": \"nativenet\", \"suite\": \"conv_bww\", \"case\": \"%s\", \"threads\": %d, \"isa\": \"%s\", "
                    "\"bwd_weights_ms\": %.4f, \"gflops\": %.1f, \"clock\": \"%s\"}\n",
                    t.name.c_str(), nn_get_num_threads(), nn::isa_name(nn::active_isa()), ms, flops / ms / 1e6,
                    nn::bench::cpu_clock() ? "cpu" : "wall");
        std::fflush(stdout);
    }
    return 0;
}
