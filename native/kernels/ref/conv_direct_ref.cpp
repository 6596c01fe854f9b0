// Scalar direct forward tile (the contract in src/conv/conv_direct.h), used under
// NATIVENET_MAX_ISA=scalar so the tests walk the direct driver on every ISA cap.
#include <cmath>

#include "activation_ref.h"

#include "conv/conv_direct.h"

namespace nn::conv {

namespace {

constexpr int kMr = 4, kNr = 16;

using nn::ref::activate;

void tile_ref(const direct_tile& t) {
    for (int m = 0; m < t.mr; ++m)
        for (int64_t q = 0; q < t.np; ++q) {
            const int64_t n = t.n0 + q, row = n / t.wp, col = n - row * t.wp;
            if (col >= t.ow) continue;
            // Double sums: long reductions (k = 300 at 3x3, backward data) stay well inside the
            // tests' tolerance whatever the platform's float rounding (MinGW's fmaf differs).
            double acc = 0.0;
            for (int64_t c = 0; c < t.channels; ++c)
                for (int64_t k = 0; k < t.taps; ++k)
                    acc += static_cast<double>(t.w[(c * t.taps + k) * kMr + m]) * t.x[q + t.off[c * t.taps + k]];
            const float v = static_cast<float>(acc) + (t.bias ? t.bias[m] : 0.0f);
            t.y[m * t.ldy + row * t.ow + col] = activate(t.act, v);
        }
}

// The same sums as tile_ref, then each window's four values in pool::max_forward's order and rule.
void pool_tile_ref(const direct_pool_tile& t) {
    for (int m = 0; m < t.mr; ++m)
        for (int64_t j = 0; j < t.pooled; ++j) {
            float best = 0.0f;
            for (int q = 0; q < 4; ++q) {
                const int64_t n = (q / 2) * t.wp + 2 * j + q % 2;
                double acc = 0.0;
                for (int64_t c = 0; c < t.channels; ++c)
                    for (int64_t k = 0; k < t.taps; ++k)
                        acc += static_cast<double>(t.w[(c * t.taps + k) * kMr + m]) * t.x[n + t.off[c * t.taps + k]];
                const float v = activate(t.act, static_cast<float>(acc) + (t.bias ? t.bias[m] : 0.0f));
                if (q == 0 || v > best || std::isnan(v)) best = v;
            }
            t.y[m * t.ldy + j] = best;
        }
}

void pad_ref(const float* x, const direct_pad& a, float* xp) {
    for (int64_t c = 0; c < a.channels; ++c)
        for (int64_t q = 0; q < a.cstride; ++q) {
            const int64_t yy = q / a.wp, iw = q % a.wp - a.pl, ih = a.ih0 + yy;
            const bool inside = yy < a.rows && ih >= 0 && ih < a.h && iw >= 0 && iw < a.w;
            xp[c * a.cstride + q] = inside ? x[(c * a.h + ih) * a.w + iw] : 0.0f;
        }
}

auto pick_ref(int, int64_t) -> void (*)(const direct_tile&) { return &tile_ref; }
auto pick_pool2_ref(int, int64_t) -> void (*)(const direct_pool_tile&) { return &pool_tile_ref; }

}  // namespace

const direct::kernels direct::ref_kernels = {"scalar", kMr, kNr, 1, &pick_ref, &pad_ref, kMr, kNr, 2, &pick_pool2_ref};

}  // namespace nn::conv
