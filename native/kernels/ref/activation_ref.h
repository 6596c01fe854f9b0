// The scalar fused activations (nn_unary_op IDENTITY..GELU, and RELU6 for the GEMM micro-kernel) every reference kernel applies: one definition,
// so the references agree with each other bit for bit. ReLU keeps NaN (as maxps(0, NaN) does).
#pragma once
#include <cmath>

#include "nativenet.h"

namespace nn::ref {

inline float activate(int act, float v) {
    switch (act) {
        case NN_UNARY_RELU: return v > 0.0f ? v : (v != v ? v : 0.0f);
        case NN_UNARY_SIGMOID: return 1.0f / (1.0f + std::exp(-v));
        case NN_UNARY_TANH: return std::tanh(v);
        case NN_UNARY_GELU: return 0.5f * v * std::erfc(-v * 0.70710678118654752f);
        case NN_UNARY_RELU6: return v != v ? v : (v > 6.0f ? 6.0f : (v > 0.0f ? v : 0.0f));
        default: return v;
    }
}

}  // namespace nn::ref
