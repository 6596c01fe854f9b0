// Utilities shared by the native tests: seeded data, sentinel-padded buffers, tolerant comparison
// that prints the index and both values on failure.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "nativenet.h"
#include "conv/conv_winograd.h"
#include "runtime/cpu.h"

namespace nn_test {

inline std::vector<float> random_vector(int64_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = d(rng);
    return v;
}

// |a - b| <= atol + rtol * |b|, NaN equal to NaN, inf equal to the same inf.
inline ::testing::AssertionResult close(float a, float b, float rtol, float atol) {
    if (std::isnan(a) && std::isnan(b)) return ::testing::AssertionSuccess();
    if (std::isinf(a) || std::isinf(b)) {
        if (a == b) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << a << " vs " << b;
    }
    if (std::fabs(a - b) <= atol + rtol * std::fabs(b)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << a << " vs " << b << " (diff " << std::fabs(a - b) << ")";
}

// Compares arrays; reports the first few mismatching indices with a context string (sizes etc.).
inline ::testing::AssertionResult all_close(const float* got, const float* want, int64_t n, float rtol, float atol,
                                            const std::string& context) {
    int bad = 0;
    ::testing::AssertionResult r = ::testing::AssertionSuccess();
    for (int64_t i = 0; i < n; ++i) {
        auto c = close(got[i], want[i], rtol, atol);
        if (!c) {
            if (bad == 0) r = ::testing::AssertionFailure() << context;
            if (bad < 5) r << "\n  [" << i << "] got " << got[i] << " want " << want[i];
            ++bad;
        }
    }
    if (bad) r << "\n  " << bad << " of " << n << " elements differ";
    return r;
}

// Which ISA this process runs (set by NATIVENET_MAX_ISA through CTest).
inline std::string active_isa_name() { return nn::isa_name(nn::active_isa()); }

// A convolution descriptor and the active ISA, for failure messages (test_conv*.cpp).
inline std::string describe(const nn_conv2d_desc& d) {
    char b[256];
    std::snprintf(b, sizeof b, "n%ldc%ldh%ldw%ldk%ldr%lds%ld st%ld,%ld pad%ld,%ld,%ld,%ld dil%ld,%ld g%ld isa=%s",
                  (long)d.n, (long)d.c, (long)d.h, (long)d.w, (long)d.k, (long)d.r, (long)d.s, (long)d.stride_h,
                  (long)d.stride_w, (long)d.pad_top, (long)d.pad_bottom, (long)d.pad_left, (long)d.pad_right,
                  (long)d.dilation_h, (long)d.dilation_w, (long)d.groups, active_isa_name().c_str());
    return b;
}

// Sets the pool size for one scope and restores it after.
// Keeps the Winograd path (which takes most 3x3 stride-1 shapes) off while alive, so a test
// reaches the kernels it names.
struct NoWinograd {
    bool saved = nn::conv::set_winograd_enabled(false);
    ~NoWinograd() { nn::conv::set_winograd_enabled(saved); }
};

class ThreadScope {
public:
    explicit ThreadScope(int n) : saved_(nn_get_num_threads()) { EXPECT_EQ(nn_set_num_threads(n), NN_OK); }
    ~ThreadScope() { nn_set_num_threads(saved_); }

private:
    int saved_;
};

}  // namespace nn_test
