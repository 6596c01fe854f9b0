// Which instructions take bf16 products in this process (bf16.h, products_choice). vdpbf16ps
// does twice an FMA's multiply-adds per instruction, but not every core issues it as fast:
// AMD Zen 4/5 run it at about twice the float32 FMA FLOP rate, Intel Emerald Rapids at about half
// (bf16peak.c in the anchors: 86.4 against 176.6 GFLOP/s on one core, 2026-12-05). A short probe
// at first use decides, so bf16 is never slower than float32 on a compute-bound product.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "bf16/bf16.h"
#include "runtime/cpu.h"

namespace nn::bf16 {

products_choice_t decide_products(bool available, const char* env, double (*measure)()) {
    products_choice_t c;
    if (!available) {
        std::snprintf(c.reason, sizeof c.reason, "float32 kernels on bf16-rounded operands: no vdpbf16ps at isa %s",
                      isa_name(active_isa()));
        return c;
    }
    if (env && std::strcmp(env, "1") == 0) {
        c.dot = true;
        std::snprintf(c.reason, sizeof c.reason, "vdpbf16ps (NATIVENET_BF16_DOT=1)");
        return c;
    }
    if (env && std::strcmp(env, "0") == 0) {
        std::snprintf(c.reason, sizeof c.reason, "float32 kernels on bf16-rounded operands (NATIVENET_BF16_DOT=0)");
        return c;
    }
    // Any other value of NATIVENET_BF16_DOT is ignored, as an unknown NATIVENET_MAX_ISA is.
    c.speedup = measure();
    c.dot = c.speedup >= kDotMinSpeedup;
    std::snprintf(c.reason, sizeof c.reason, "%s: vdpbf16ps measured at %.2fx the float32 FMA FLOP rate (%s %.1fx)",
                  c.dot ? "vdpbf16ps" : "float32 kernels on bf16-rounded operands", c.speedup,
                  c.dot ? "at least" : "below", kDotMinSpeedup);
    return c;
}

double measure_dot_speedup() {
    const kernels* k = avx512_bf16_kernels();
    if (!k || !k->rate_chains) return 0;
    // 2048 rounds x 12 chains: about 2 us of FMAs and 2-8 us of vdpbf16ps at 3 GHz.
    constexpr int64_t steps = 2048;
    const float seed[3] = {1e-3f, 0.5f, 1e-3f};
    float out[16];
    float sink = 0;
    auto seconds = [&](bool dot) {
        const auto t0 = std::chrono::steady_clock::now();
        k->rate_chains(dot, steps, seed, out);
        const auto t1 = std::chrono::steady_clock::now();
        sink += out[0];
        return std::chrono::duration<double>(t1 - t0).count();
    };
    // Warm-up: a core that has not run 512-bit instructions lately runs them slowly for a few
    // microseconds while it powers the upper lanes up.
    for (int i = 0; i < 4; ++i) {
        seconds(false);
        seconds(true);
    }
    // Alternating, best of 9 each: a preemption or another process lands in a few runs, not all.
    double fma = std::numeric_limits<double>::infinity(), dot = fma;
    for (int i = 0; i < 9; ++i) {
        fma = std::fmin(fma, seconds(false));
        dot = std::fmin(dot, seconds(true));
    }
    if (!(sink == sink) || !(dot > 0) || !std::isfinite(fma)) return 0;  // NaN sums or a clock that did not move
    // Same instruction count; a vdpbf16ps is 64 FLOPs (32 bf16 pairs), an FMA 32.
    return 2.0 * fma / dot;
}

const products_choice_t& products_choice() noexcept {
    static const products_choice_t choice =
        decide_products(isa_enabled(NN_ISA_AVX512_BF16) && avx512_bf16_kernels() != nullptr,
                        std::getenv("NATIVENET_BF16_DOT"), &measure_dot_speedup);
    return choice;
}

}  // namespace nn::bf16
