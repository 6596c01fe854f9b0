// Scalar reference for the element-wise family: the ground truth the SIMD paths are tested
// against. Written for clarity; <cmath> functions in float.
#include "eltwise/eltwise.h"

#include <cmath>

namespace nn::eltwise {
namespace {

float relu6(float x) { return x != x ? x : std::fmin(std::fmax(x, 0.0f), 6.0f); }

// log(1 + e^x) as PyTorch's softplus (beta 1): x above the threshold 20 passes through.
float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

float unary1(nn_unary_op op, float x, float alpha) {
    switch (op) {
        case NN_UNARY_IDENTITY: return x;
        case NN_UNARY_RELU: return x > 0.0f ? x : (x != x ? x : 0.0f);
        case NN_UNARY_SIGMOID: return 1.0f / (1.0f + std::exp(-x));
        case NN_UNARY_TANH: return std::tanh(x);
        case NN_UNARY_GELU: return 0.5f * x * std::erfc(-x * 0.70710678118654752f);
        case NN_UNARY_LEAKY_RELU: return x > 0.0f ? x : alpha * x;
        case NN_UNARY_ELU: return x > 0.0f ? x : alpha * std::expm1(x);
        case NN_UNARY_EXP: return std::exp(x);
        case NN_UNARY_LOG: return std::log(x);
        case NN_UNARY_NEG: return -x;
        case NN_UNARY_ABS: return std::fabs(x);
        case NN_UNARY_SQRT: return std::sqrt(x);
        case NN_UNARY_SQUARE: return x * x;
        case NN_UNARY_SCALE: return alpha * x;
        case NN_UNARY_RELU6: return relu6(x);
        case NN_UNARY_HARDSWISH: return x * relu6(x + 3.0f) / 6.0f;
        case NN_UNARY_HARDSIGMOID: return relu6(x + 3.0f) / 6.0f;
        case NN_UNARY_SILU: return x * sigmoid(x);
        case NN_UNARY_SOFTPLUS: return softplus(x);
        case NN_UNARY_MISH: return x * std::tanh(std::log1p(std::exp(x)));
    }
    return x;
}

// d op(x) / dx, from the forward input x and output y.
float derivative(nn_unary_op op, float x, float y, float alpha) {
    switch (op) {
        case NN_UNARY_IDENTITY: return 1.0f;
        case NN_UNARY_RELU: return x > 0.0f ? 1.0f : 0.0f;
        case NN_UNARY_SIGMOID: return y * (1.0f - y);
        case NN_UNARY_TANH: return 1.0f - y * y;
        case NN_UNARY_GELU: {
            float cdf = 0.5f * std::erfc(-x * 0.70710678118654752f);
            float pdf = 0.39894228040143268f * std::exp(-0.5f * x * x);
            return cdf + x * pdf;
        }
        case NN_UNARY_LEAKY_RELU: return x > 0.0f ? 1.0f : alpha;
        case NN_UNARY_ELU: return x > 0.0f ? 1.0f : y + alpha;
        case NN_UNARY_EXP: return y;
        case NN_UNARY_LOG: return 1.0f / x;
        case NN_UNARY_NEG: return -1.0f;
        case NN_UNARY_ABS: return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f);
        case NN_UNARY_SQRT: return 0.5f / y;
        case NN_UNARY_SQUARE: return 2.0f * x;
        case NN_UNARY_SCALE: return alpha;
        // PyTorch's gradients at the kinks: relu6 (hardtanh) and hardsigmoid pass only strictly
        // inside; hardswish takes the middle branch on [-3, 3].
        case NN_UNARY_RELU6: return x > 0.0f && x < 6.0f ? 1.0f : 0.0f;
        case NN_UNARY_HARDSWISH: return x < -3.0f ? 0.0f : (x <= 3.0f ? x / 3.0f + 0.5f : 1.0f);
        case NN_UNARY_HARDSIGMOID: return x > -3.0f && x < 3.0f ? 1.0f / 6.0f : 0.0f;
        case NN_UNARY_SILU: {
            float s = sigmoid(x);
            return s * (1.0f + x * (1.0f - s));
        }
        case NN_UNARY_SOFTPLUS: return x > 20.0f ? 1.0f : sigmoid(x);
        case NN_UNARY_MISH: {
            float t = std::tanh(std::log1p(std::exp(x)));
            return t + x * sigmoid(x) * (1.0f - t * t);
        }
    }
    return 1.0f;
}

void unary(nn_unary_op op, const float* x, float* y, int64_t n, float alpha) {
    for (int64_t i = 0; i < n; ++i) y[i] = unary1(op, x[i], alpha);
}

void unary_backward(nn_unary_op op, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                    float alpha) {
    for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * derivative(op, x[i], y[i], alpha);
}

void binary(nn_binary_op op, const float* a, const float* b, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        float u = a[i], v = b[i], r = 0.0f;
        switch (op) {
            case NN_BINARY_ADD: r = u + v; break;
            case NN_BINARY_SUB: r = u - v; break;
            case NN_BINARY_MUL: r = u * v; break;
            case NN_BINARY_DIV: r = u / v; break;
            case NN_BINARY_MAX: r = u > v ? u : v; break;
            case NN_BINARY_MIN: r = u < v ? u : v; break;
        }
        y[i] = r;
    }
}

void binary_scalar(nn_binary_op op, const float* a, float b, float* y, int64_t n) {
    // The same switch as binary with b broadcast (one definition of each op's semantics).
    for (int64_t i = 0; i < n; ++i) binary(op, a + i, &b, y + i, 1);
}

void axpby(int64_t n, float alpha, const float* x, float beta, float* y) {
    if (beta == 0.0f) {
        for (int64_t i = 0; i < n; ++i) y[i] = alpha * x[i];
    } else {
        for (int64_t i = 0; i < n; ++i) y[i] = alpha * x[i] + beta * y[i];
    }
}

void fill(float* y, int64_t n, float value) {
    for (int64_t i = 0; i < n; ++i) y[i] = value;
}

}  // namespace

double sum_block_ref(const float* x, int64_t n) {
    double acc[kSumLanes] = {};
    const int64_t whole = n - n % kSumLanes;
    // Whole rows of kSumLanes (x[r + j] goes to lane j), half the lanes per pass: constant indices
    // and 16 accumulators fit the 16 SSE registers (32 spill). Each lane still adds in index order.
    for (int h = 0; h < kSumLanes; h += kSumLanes / 2)
        for (int64_t r = 0; r < whole; r += kSumLanes)
            for (int j = h; j < h + kSumLanes / 2; ++j) acc[j] += static_cast<double>(x[r + j]);
    for (int64_t i = whole; i < n; ++i) acc[i % kSumLanes] += static_cast<double>(x[i]);
    return sum_lanes(acc);
}

const kernels ref_kernels = {"scalar", unary, unary_backward, binary, axpby, binary_scalar, sum_block_ref, fill};

}  // namespace nn::eltwise
