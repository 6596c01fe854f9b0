// Shared by the libFuzzer targets: decodes parameters from the fuzz input, allocates buffers of
// exactly the documented size (so AddressSanitizer sees any access past them), and checks the
// two outcomes the ABI promises: NN_OK with results equal to the scalar reference, or a non-OK
// status with a message in nn_last_error(). A broken promise aborts with a one-line reason,
// which libFuzzer reports as a crash and saves the input.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>

#include "nativenet.h"

namespace nn_fuzz {

// Largest buffer (elements) a target allocates; valid parameters needing more are not called
// (they cannot be given honest buffers), and reference comparisons stop far below this.
constexpr int64_t kMaxElems = int64_t(1) << 18;

[[noreturn]] inline void fail(const std::string& what) {
    std::fprintf(stderr, "nativenet fuzz: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

// Reads the input front to back; past its end every read returns 0, so any input is usable.
class input {
public:
    input(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}

    uint8_t u8() { return p_ < end_ ? *p_++ : 0; }
    uint32_t u32() {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v = v << 8 | u8();
        return v;
    }
    bool flag() { return (u8() & 1) != 0; }
    // One of `count` choices.
    int choice(int count) { return u8() % count; }

    // A size or index: usually in [lo, hi]; one read in eight instead takes a hostile value
    // (negative, zero, huge, or a factor whose products overflow int64).
    int64_t size(int64_t lo, int64_t hi) {
        uint8_t sel = u8();
        if ((sel & 7) != 7) return lo + u8() % (hi - lo + 1);
        static const int64_t hostile[] = {0,
                                          -1,
                                          -2,
                                          std::numeric_limits<int64_t>::min(),
                                          std::numeric_limits<int64_t>::max(),
                                          std::numeric_limits<int64_t>::max() / 2,
                                          int64_t(1) << 31,
                                          (int64_t(1) << 32) + 1,
                                          int64_t(3037000500),  // just above sqrt(INT64_MAX)
                                          int64_t(1) << 40,
                                          int64_t(1) << 62,
                                          -(int64_t(1) << 40)};
        return hostile[(sel >> 3) % (sizeof hostile / sizeof hostile[0])];
    }
    // A float parameter: mostly from a small set of ordinary values, sometimes hostile.
    float real(const float* usual, int count) {
        uint8_t sel = u8();
        if ((sel & 15) != 15) return usual[sel % count];
        static const float hostile[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                        -std::numeric_limits<float>::infinity(), -1.0f, 0.0f, 2.0f, 1e30f};
        return hostile[(sel >> 4) % (sizeof hostile / sizeof hostile[0])];
    }
    // An int32 enum or flag: usually in range, sometimes not.
    int32_t code(int32_t valid_count) {
        uint8_t sel = u8();
        if ((sel & 15) != 15) return sel % valid_count;
        static const int32_t hostile[] = {-1, 2, 3, 7, 255, std::numeric_limits<int32_t>::min(),
                                          std::numeric_limits<int32_t>::max()};
        return hostile[(sel >> 4) % (sizeof hostile / sizeof hostile[0])];
    }

private:
    const uint8_t* p_;
    const uint8_t* end_;
};

// Saturating arithmetic for the fuzzer's own derived parameters (a hostile operand stays hostile
// instead of wrapping, which would be undefined behaviour in the harness itself).
inline int64_t sat_add(int64_t a, int64_t b) {
    int64_t r;
    if (!__builtin_add_overflow(a, b, &r)) return r;
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}
inline int64_t sat_mul(int64_t a, int64_t b) {
    int64_t r;
    if (!__builtin_mul_overflow(a, b, &r)) return r;
    return (a < 0) != (b < 0) ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}

// Products of sizes with overflow detection: the fuzzer's own idea of how big a buffer is.
struct count {
    int64_t value = 1;
    bool overflow = false;
    count() = default;
    explicit count(int64_t v) : value(v), overflow(v < 0) {}
    count operator*(int64_t b) const {
        count r = *this;
        if (b < 0 || __builtin_mul_overflow(r.value, b, &r.value)) r.overflow = true;
        return r;
    }
    count operator+(int64_t b) const {
        count r = *this;
        if (b < 0 || __builtin_add_overflow(r.value, b, &r.value)) r.overflow = true;
        return r;
    }
    count operator*(const count& b) const {
        count r = *this * b.value;
        r.overflow |= b.overflow;
        return r;
    }
    count operator+(const count& b) const {
        count r = *this + b.value;
        r.overflow |= b.overflow;
        return r;
    }
    bool fits() const { return !overflow && value <= kMaxElems; }
};

// Exactly n elements on the heap (n == 0: a null pointer), filled from a seeded generator with
// values in [-1, 1] (integer buffers: zeros; their users fill them).
template <class T>
class buffer {
public:
    buffer() = default;
    explicit buffer(int64_t n, uint32_t seed = 1) : n_(n) {
        if (n <= 0) return;
        p_.reset(new T[static_cast<size_t>(n)]);
        if constexpr (!std::is_floating_point_v<T>) {
            std::memset(p_.get(), 0, sizeof(T) * static_cast<size_t>(n));
            return;
        }
        uint32_t s = seed * 2654435761u + 12345u;
        for (int64_t i = 0; i < n; ++i) {
            s ^= s << 13, s ^= s >> 17, s ^= s << 5;
            p_[i] = static_cast<T>(static_cast<float>(s >> 8) * (2.0f / 16777216.0f) - 1.0f);
        }
    }
    T* get() const { return p_.get(); }
    int64_t size() const { return n_; }
    T& operator[](int64_t i) const { return p_[i]; }
    buffer copy() const {
        buffer b;
        b.n_ = n_;
        if (n_ > 0) {
            b.p_.reset(new T[static_cast<size_t>(n_)]);
            std::memcpy(b.p_.get(), p_.get(), sizeof(T) * static_cast<size_t>(n_));
        }
        return b;
    }

private:
    std::unique_ptr<T[]> p_;
    int64_t n_ = 0;
};

// A small stand-in for buffers of calls expected to fail: if the library wrongly accepts the
// arguments and indexes past it, AddressSanitizer reports the access.
inline buffer<float> decoy() { return buffer<float>(4, 99); }

inline void expect_ok(nn_status s, const char* call) {
    if (s != NN_OK) fail(std::string(call) + " rejected valid arguments: " + nn_last_error());
}

// Invalid arguments must give a non-OK status and a message that names the call.
inline void expect_error(nn_status s, const char* call, const std::string& why) {
    if (s == NN_OK) fail(std::string(call) + " accepted invalid arguments (" + why + ")");
    const char* m = nn_last_error();
    if (m == nullptr || m[0] == '\0') fail(std::string(call) + " failed with an empty nn_last_error()");
    if (std::strstr(m, call) == nullptr)
        fail(std::string(call) + " error message does not name the call: " + m);
    if (s == NN_ERR_INTERNAL) fail(std::string(call) + " reported an internal error: " + m);
}

// |got - want| <= atol + rtol * |want| element-wise (NaN equals NaN); aborts naming the first miss.
inline void expect_close(const float* got, const float* want, int64_t n, float rtol, float atol, const char* what) {
    for (int64_t i = 0; i < n; ++i) {
        float g = got[i], w = want[i];
        if (std::isnan(g) && std::isnan(w)) continue;
        if (g == w) continue;
        if (!(std::fabs(g - w) <= atol + rtol * std::fabs(w)))
            fail(std::string(what) + " differs from the reference at [" + std::to_string(i) + "]: got " +
                 std::to_string(g) + ", want " + std::to_string(w));
    }
}

// The pool size for this input (1 or 2 threads), so the thread split is fuzzed too.
inline void set_threads(input& in) { nn_set_num_threads(1 + in.choice(2)); }

}  // namespace nn_fuzz
