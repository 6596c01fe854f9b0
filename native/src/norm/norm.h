// Normalization and dropout internals: per-ISA row/plane micro-kernels and scalar ground truth.
#pragma once
#include <cstdint>

#include "runtime/kernel_table.h"

namespace nn::norm {

// Drivers (src/norm/norm.cpp); arguments already validated by the API layer.
void batch_norm_training(int64_t n, int64_t c, int64_t sp, const float* x, const float* gamma, const float* beta,
                         float* running_mean, float* running_var, float momentum, float eps, float* y,
                         float* save_mean, float* save_invstd, const float* residual = nullptr, bool relu = false);
void batch_norm_inference(int64_t n, int64_t c, int64_t sp, const float* x, const float* gamma, const float* beta,
                          const float* running_mean, const float* running_var, float eps, float* y);
// training = false: mean / invstd are constants (running statistics), so dx = dy * gamma * invstd.
// relu_y non-null: the forward ran fused with a ReLU (batch_norm_training's relu) whose output was
// relu_y, so dy is first masked by relu_y > 0; dresidual non-null receives that masked gradient
// (the gradient of the residual added before the ReLU). dy2 non-null (with relu_y only): the
// output's gradient comes in two parts, dy + dy2, added element by element before the mask (the
// bits of summing them first), so the sum is never stored on its own.
void batch_norm_backward(int64_t n, int64_t c, int64_t sp, const float* x, const float* dy, const float* gamma,
                         const float* save_mean, const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                         bool training = true, const float* relu_y = nullptr, float* dresidual = nullptr,
                         const float* dy2 = nullptr);
void layer_norm(int64_t rows, int64_t d, const float* x, const float* gamma, const float* beta, float eps, float* y,
                float* save_mean, float* save_invstd);
void layer_norm_backward(int64_t rows, int64_t d, const float* x, const float* dy, const float* gamma,
                         const float* save_mean, const float* save_invstd, float* dx, float* dgamma, float* dbeta);
void dropout(const float* x, float* y, uint8_t* mask, int64_t n, float p, uint64_t seed, uint64_t offset);
void dropout_backward(const float* dy, const uint8_t* mask, float* dx, int64_t n, float p);
// Reference dropout over [0, n) (scalar hash), the tests' ground truth.
void dropout_ref(const float* x, float* y, uint8_t* mask, int64_t n, float p, uint64_t seed, uint64_t offset);

struct kernels {
    const char* isa;
    // sum x[i] and sum (x[i] - mean)^2 over one contiguous run (fixed order for a given n).
    double (*sum)(const float* x, int64_t n);
    double (*sum_sq_dev)(const float* x, int64_t n, float mean);
    // sum dy[i] and sum dy[i] * (x[i] - mean).
    void (*sum_dy_dyxc)(const float* dy, const float* x, int64_t n, float mean, double* sdy, double* sdyx);
    // y[i] = x[i] * a + b.
    void (*affine)(const float* x, int64_t n, float a, float b, float* y);
    // dx[i] = dy[i] * a + x[i] * b + c.
    void (*affine2)(const float* dy, const float* x, int64_t n, float a, float b, float c, float* dx);
    // Layer-norm row: y[j] = (x[j] - mean) * invstd * gamma[j] + beta[j] (gamma/beta may be null).
    void (*ln_row)(const float* x, int64_t d, float mean, float invstd, const float* gamma, const float* beta,
                   float* y);
    // Layer-norm backward row: g = dy * gamma; dx = invstd * (g - mean(g) - xhat * mean(g * xhat)).
    void (*ln_row_backward)(const float* x, const float* dy, int64_t d, float mean, float invstd,
                            const float* gamma, float* dx);
    // dgamma[j] += dy[j] * xhat[j], dbeta[j] += dy[j] (either may be null), in double.
    void (*ln_row_param_grad)(const float* x, const float* dy, int64_t d, float mean, float invstd, double* dgamma,
                              double* dbeta);
    // Dropout over [0, n): mask bits from the counter hash at counters offset + i.
    void (*dropout)(const float* x, float* y, uint8_t* mask, int64_t n, float p, uint64_t seed, uint64_t offset);
    void (*dropout_backward)(const float* dy, const uint8_t* mask, float* dx, int64_t n, float scale);
    // Batch norm fused with a following ReLU, the same operations as the separate kernels (so the
    // same bits): y[i] = relu(x[i] * a + b + r[i]) (r may be null; NaN kept, as the eltwise ReLU).
    void (*affine_relu)(const float* x, const float* r, int64_t n, float a, float b, float* y);
    // g[i] = dy[i] * (y[i] > 0 ? 1 : 0) (the ReLU's backward read from its output y), stored when g
    // is non-null; sums as sum_dy_dyxc over g. dy2 non-null: dy[i] + dy2[i] in place of dy[i].
    void (*sum_dy_dyxc_relu)(const float* dy, const float* dy2, const float* y, const float* x, int64_t n,
                             float mean, double* sdy, double* sdyx, float* g);
    // dx[i] = g[i] * a + x[i] * b + c with g as in sum_dy_dyxc_relu.
    void (*affine2_relu)(const float* dy, const float* y, const float* x, int64_t n, float a, float b, float c,
                         float* dx);
};

NN_KERNEL_TABLES(kernels)

// Ground truth in double.
void batch_norm_training_ref(int64_t n, int64_t c, int64_t sp, const float* x, const float* gamma, const float* beta,
                             float* running_mean, float* running_var, float momentum, float eps, float* y,
                             float* save_mean, float* save_invstd);
void batch_norm_backward_ref(int64_t n, int64_t c, int64_t sp, const float* x, const float* dy, const float* gamma,
                             const float* save_mean, const float* save_invstd, float* dx, float* dgamma,
                             float* dbeta);
void layer_norm_ref(int64_t rows, int64_t d, const float* x, const float* gamma, const float* beta, float eps,
                    float* y, float* save_mean, float* save_invstd);
void layer_norm_backward_ref(int64_t rows, int64_t d, const float* x, const float* dy, const float* gamma,
                             const float* save_mean, const float* save_invstd, float* dx, float* dgamma,
                             float* dbeta);

}  // namespace nn::norm
