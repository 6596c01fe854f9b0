// Optimizer updates and softmax: per-ISA kernel tables, drivers and the scalar ground truth.
#pragma once
#include <cmath>
#include <cstdint>

#include "runtime/kernel_table.h"

namespace nn::optim {

// Everything one update needs besides the arrays; precomputed once per call.
struct sgd_params {
    float lr, momentum, dampening, weight_decay;
    bool nesterov, maximize, first_step;
};
struct adam_params {
    float lr, beta1, beta2, eps, weight_decay;
    float step_size, bc2_sqrt;  // lr / (1 - beta1^t), sqrt(1 - beta2^t)
    bool decoupled, amsgrad, maximize;
};
struct rmsprop_params {
    float lr, alpha, eps, weight_decay, momentum;
    bool centered, maximize;
};

// One element of each update, PyTorch's operation order (no FMA: -ffp-contract=off), so the SIMD
// kernels, which use the same separate multiply/add, agree bitwise with these.
inline void sgd_one(const sgd_params& q, float& p, float g, float* buf) {
    float d = q.maximize ? -g : g;
    if (q.weight_decay != 0.0f) d += q.weight_decay * p;
    if (q.momentum != 0.0f) {
        const float b = q.first_step ? d : q.momentum * *buf + (1.0f - q.dampening) * d;
        *buf = b;
        d = q.nesterov ? d + q.momentum * b : b;
    }
    p -= q.lr * d;
}

inline void adam_one(const adam_params& q, float& param, float grad, float& m, float& v, float* vmax) {
    float g = q.maximize ? -grad : grad;
    float p = param;
    if (q.weight_decay != 0.0f) {
        if (q.decoupled) p *= 1.0f - q.lr * q.weight_decay;
        else g += q.weight_decay * p;
    }
    m = m + (g - m) * (1.0f - q.beta1);
    v = v * q.beta2 + (1.0f - q.beta2) * g * g;
    float vm = v;
    if (q.amsgrad) {
        vm = *vmax > v ? *vmax : v;
        *vmax = vm;
    }
    const float denom = std::sqrt(vm) / q.bc2_sqrt + q.eps;
    param = p - q.step_size * (m / denom);
}

inline void rmsprop_one(const rmsprop_params& q, float& p, float grad, float& sq, float* buf, float* gavg) {
    float g = q.maximize ? -grad : grad;
    if (q.weight_decay != 0.0f) g += q.weight_decay * p;
    sq = sq * q.alpha + (1.0f - q.alpha) * g * g;
    float avg;
    if (q.centered) {
        const float ga = *gavg * q.alpha + (1.0f - q.alpha) * g;
        *gavg = ga;
        avg = std::sqrt(sq - ga * ga) + q.eps;
    } else {
        avg = std::sqrt(sq) + q.eps;
    }
    if (q.momentum > 0.0f) {
        const float b = *buf * q.momentum + g / avg;
        *buf = b;
        p -= q.lr * b;
    } else {
        p -= q.lr * (g / avg);
    }
}

struct kernels {
    const char* isa;
    // Updates over [0, n); optional arrays are null exactly when their option is off.
    void (*sgd)(const sgd_params& q, int64_t n, float* p, const float* g, float* buf);
    void (*adam)(const adam_params& q, int64_t n, float* p, const float* g, float* m, float* v, float* vmax);
    void (*rmsprop)(const rmsprop_params& q, int64_t n, float* p, const float* g, float* sq, float* buf,
                    float* gavg);
    // Softmax / log-softmax of `rows` contiguous rows of length d (inner == 1).
    void (*softmax_rows)(int64_t rows, int64_t d, const float* x, float* y, bool log);
    // One outer slice [d, inner] along d, inner > 1 (lanes run along inner).
    void (*softmax_strided)(int64_t d, int64_t inner, const float* x, float* y, bool log);
    void (*softmax_backward_rows)(int64_t rows, int64_t d, const float* y, const float* dy, float* dx, bool log);
    void (*softmax_backward_strided)(int64_t d, int64_t inner, const float* y, const float* dy, float* dx, bool log);
};

NN_KERNEL_TABLES(kernels)

// Drivers (src/optim/optim.cpp): split the work over the pool; arguments already validated.
void sgd(const sgd_params& q, int64_t n, float* p, const float* g, float* buf);
void adam(const adam_params& q, int64_t n, float* p, const float* g, float* m, float* v, float* vmax);
// One tensor of a multi-tensor Adam step: its parameters and buffers (vmax null without amsgrad).
struct adam_tensor {
    adam_params q;
    int64_t n;
    float* p;
    const float* g;
    float *m, *v, *vmax;
};
// adam() over every tensor in one parallel region of fixed-size chunks: the same bits as adam()
// per tensor (element-wise), and one pool dispatch instead of one per tensor.
void adam_multi(const adam_tensor* tensors, int64_t count);
void rmsprop(const rmsprop_params& q, int64_t n, float* p, const float* g, float* sq, float* buf, float* gavg);
void softmax(int64_t outer, int64_t d, int64_t inner, const float* x, float* y, bool log);
void softmax_backward(int64_t outer, int64_t d, int64_t inner, const float* y, const float* dy, float* dx, bool log);

// Ground truth in double for softmax (any layout), used by the tests.
void softmax_ref(int64_t outer, int64_t d, int64_t inner, const float* x, float* y, bool log);
void softmax_backward_ref(int64_t outer, int64_t d, int64_t inner, const float* y, const float* dy, float* dx,
                          bool log);

}  // namespace nn::optim
