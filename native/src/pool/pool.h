// Pooling internals: validated window, per-plane micro-kernel table, scalar ground truth.
#pragma once
#include "nativenet.h"

#include <cstdint>

#include "runtime/kernel_table.h"

namespace nn::pool {

struct geom {
    int64_t h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw;
    bool include_pad;
};

struct shape {
    int64_t n, c;
    geom g;
};

// Validates a descriptor (messages name arg->field and the value: the caller's argument name).
// avg: dilation must be 1.
shape validate(const nn_pool2d_desc& d, bool avg, const char* arg = "desc");

// Drivers over whole tensors (src/pool/pool.cpp). idx may be null in max_forward.
void max_forward(const shape& p, const float* x, float* y, int64_t* idx);
void max_backward(const shape& p, const float* dy, const int64_t* idx, float* dx);
void avg_forward(const shape& p, const float* x, float* y);
void avg_backward(const shape& p, const float* dy, float* dx);
void adaptive_forward(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow, const float* x, float* y);
void adaptive_backward(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow, const float* dy,
                       float* dx);

struct kernels {
    const char* isa;
    // One plane each. idx (may be null) receives ih * w + iw of the maximum (PyTorch's rule: a larger value or a
    // NaN replaces the current one, the window scanned row by row).
    void (*max_forward)(const float* x, const geom& g, float* y, int64_t* idx);
    // Inference (no indices) over `planes` consecutive planes (x: h * w floats each, y: oh * ow
    // each): max_forward's values plane by plane, with reads and writes inside the planes given
    // (the narrow 2x2 path runs its vectors across plane boundaries).
    void (*max_planes)(const float* x, const geom& g, int64_t planes, float* y);
    void (*avg_forward)(const float* x, const geom& g, float* y);
    // dx (one plane, overwritten) from dy.
    void (*avg_backward)(const float* dy, const geom& g, float* dx);
};

NN_KERNEL_TABLES(kernels)

// Ground truth over whole tensors (n * c planes).
void max_forward_ref(const shape& p, const float* x, float* y, int64_t* idx);
void max_backward_ref(const shape& p, const float* dy, const int64_t* idx, float* dx);
void avg_forward_ref(const shape& p, const float* x, float* y);
void avg_backward_ref(const shape& p, const float* dy, float* dx);
void adaptive_avg_forward_ref(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow, const float* x,
                              float* y);
void adaptive_avg_backward_ref(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow, const float* dy,
                               float* dx);

// An average window's divisor rows * cols as a float, the product taken in double: a valid
// window may be INT64_MAX rows by 3 columns (found by fuzz_pool), which overflows int64.
inline float window_divisor(int64_t rows, int64_t cols) {
    return static_cast<float>(static_cast<double>(rows) * static_cast<double>(cols));
}

// The first tap start + i * dil (i >= 0) that is >= 0, for a window starting at `start`.
inline int64_t first_tap(int64_t start, int64_t dil) {
    if (start >= 0) return start;
    const int64_t steps = -start / dil + (-start % dil != 0);
    return start + steps * dil;
}

// The tap after i in a window ending before `end`, without forming i + dil past INT64_MAX.
inline int64_t next_tap(int64_t i, int64_t end, int64_t dil) { return end - i <= dil ? end : i + dil; }

// PyTorch's adaptive window [start, end) for output index i of o over an input of n.
inline int64_t adaptive_start(int64_t i, int64_t n, int64_t o) { return (i * n) / o; }
inline int64_t adaptive_end(int64_t i, int64_t n, int64_t o) { return ((i + 1) * n + o - 1) / o; }

}  // namespace nn::pool
