// Scalar normalization and dropout: the scalar kernel table and double-precision ground truth.
#include <cmath>
#include <vector>

#include "common/dropout_hash.h"
#include "norm/norm.h"

namespace nn::norm {

namespace {

double sum_ref(const float* x, int64_t n) {
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += x[i];
    return s;
}

double sum_sq_dev_ref(const float* x, int64_t n, float mean) {
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(x[i]) - mean;
        s += d * d;
    }
    return s;
}

void sum_dy_dyxc_ref(const float* dy, const float* x, int64_t n, float mean, double* sdy, double* sdyx) {
    double a = 0.0, b = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        a += dy[i];
        b += static_cast<double>(dy[i]) * (static_cast<double>(x[i]) - mean);
    }
    *sdy = a;
    *sdyx = b;
}

void affine_ref(const float* x, int64_t n, float a, float b, float* y) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * a + b;
}

void affine2_ref(const float* dy, const float* x, int64_t n, float a, float b, float c, float* dx) {
    for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * a + x[i] * b + c;
}

float relu_ref(float v) { return v > 0.0f ? v : (v != v ? v : 0.0f); }
float relu_masked_ref(float d, float y) { return d * (y > 0.0f ? 1.0f : 0.0f); }

void affine_relu_ref(const float* x, const float* r, int64_t n, float a, float b, float* y) {
    for (int64_t i = 0; i < n; ++i) {
        float v = x[i] * a + b;
        if (r) v += r[i];
        y[i] = relu_ref(v);
    }
}

void sum_dy_dyxc_relu_ref(const float* dy, const float* dy2, const float* y, const float* x, int64_t n, float mean,
                          double* sdy, double* sdyx, float* g) {
    double a = 0.0, b = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const float d = relu_masked_ref(dy2 ? dy[i] + dy2[i] : dy[i], y[i]);
        if (g) g[i] = d;
        a += d;
        b += static_cast<double>(d) * (static_cast<double>(x[i]) - mean);
    }
    *sdy = a;
    *sdyx = b;
}

void affine2_relu_ref(const float* dy, const float* y, const float* x, int64_t n, float a, float b, float c,
                      float* dx) {
    for (int64_t i = 0; i < n; ++i) dx[i] = relu_masked_ref(dy[i], y[i]) * a + x[i] * b + c;
}

void ln_row_ref(const float* x, int64_t d, float mean, float invstd, const float* gamma, const float* beta, float* y) {
    for (int64_t j = 0; j < d; ++j) {
        float v = (x[j] - mean) * invstd;
        if (gamma) v *= gamma[j];
        if (beta) v += beta[j];
        y[j] = v;
    }
}

void ln_row_backward_ref(const float* x, const float* dy, int64_t d, float mean, float invstd, const float* gamma,
                         float* dx) {
    double sg = 0.0, sgx = 0.0;
    for (int64_t j = 0; j < d; ++j) {
        const double g = static_cast<double>(dy[j]) * (gamma ? gamma[j] : 1.0f);
        sg += g;
        sgx += g * (static_cast<double>(x[j]) - mean) * invstd;
    }
    const double mg = sg / static_cast<double>(d), mgx = sgx / static_cast<double>(d);
    for (int64_t j = 0; j < d; ++j) {
        const double g = static_cast<double>(dy[j]) * (gamma ? gamma[j] : 1.0f);
        const double xh = (static_cast<double>(x[j]) - mean) * invstd;
        dx[j] = static_cast<float>(invstd * (g - mg - xh * mgx));
    }
}

void ln_row_param_grad_ref(const float* x, const float* dy, int64_t d, float mean, float invstd, double* dgamma,
                           double* dbeta) {
    for (int64_t j = 0; j < d; ++j) {
        if (dgamma) dgamma[j] += static_cast<double>(dy[j]) * ((static_cast<double>(x[j]) - mean) * invstd);
        if (dbeta) dbeta[j] += dy[j];
    }
}

void dropout_kernel_ref(const float* x, float* y, uint8_t* mask, int64_t n, float p, uint64_t seed, uint64_t offset) {
    const int32_t thr = dropout_hash::threshold(p);
    const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    for (int64_t i = 0; i < n; ++i) {
        const uint64_t ctr = offset + static_cast<uint64_t>(i);
        const uint32_t key = dropout_hash::block_key(seed, static_cast<uint32_t>(ctr >> 32));
        const bool keep = static_cast<int32_t>(dropout_hash::hash(key, static_cast<uint32_t>(ctr)) >> 8) >= thr;
        y[i] = keep ? x[i] * scale : 0.0f;
        if (mask) mask[i] = keep ? 1 : 0;
    }
}

void dropout_backward_ref(const float* dy, const uint8_t* mask, float* dx, int64_t n, float scale) {
    for (int64_t i = 0; i < n; ++i) dx[i] = mask[i] ? dy[i] * scale : 0.0f;
}

}  // namespace

const kernels ref_kernels = {"scalar",       sum_ref,     sum_sq_dev_ref,        sum_dy_dyxc_ref,
                             affine_ref,     affine2_ref, ln_row_ref,            ln_row_backward_ref,
                             ln_row_param_grad_ref,       dropout_kernel_ref,    dropout_backward_ref,
                             affine_relu_ref,             sum_dy_dyxc_relu_ref,  affine2_relu_ref};

void dropout_ref(const float* x, float* y, uint8_t* mask, int64_t n, float p, uint64_t seed, uint64_t offset) {
    dropout_kernel_ref(x, y, mask, n, p, seed, offset);
}

void batch_norm_training_ref(int64_t n, int64_t c, int64_t sp, const float* x, const float* gamma, const float* beta,
                             float* running_mean, float* running_var, float momentum, float eps, float* y,
                             float* save_mean, float* save_invstd) {
    const double m = static_cast<double>(n * sp);
    for (int64_t ci = 0; ci < c; ++ci) {
        double s = 0.0, q = 0.0;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < sp; ++j) s += x[(i * c + ci) * sp + j];
        const double mean = s / m;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < sp; ++j) {
                const double d = x[(i * c + ci) * sp + j] - mean;
                q += d * d;
            }
        const double var = q / m, invstd = 1.0 / std::sqrt(var + eps);
        const double g = gamma ? gamma[ci] : 1.0, b = beta ? beta[ci] : 0.0;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < sp; ++j) {
                const int64_t at = (i * c + ci) * sp + j;
                y[at] = static_cast<float>((x[at] - mean) * invstd * g + b);
            }
        if (save_mean) save_mean[ci] = static_cast<float>(mean);
        if (save_invstd) save_invstd[ci] = static_cast<float>(invstd);
        if (running_mean) {
            running_mean[ci] = static_cast<float>((1.0 - momentum) * running_mean[ci] + momentum * mean);
            running_var[ci] = static_cast<float>((1.0 - momentum) * running_var[ci] + momentum * var * m / (m - 1.0));
        }
    }
}

void batch_norm_backward_ref(int64_t n, int64_t c, int64_t sp, const float* x, const float* dy, const float* gamma,
                             const float* save_mean, const float* save_invstd, float* dx, float* dgamma,
                             float* dbeta) {
    const double m = static_cast<double>(n * sp);
    for (int64_t ci = 0; ci < c; ++ci) {
        const double mean = save_mean[ci], inv = save_invstd[ci], g = gamma ? gamma[ci] : 1.0;
        double sdy = 0.0, sdyx = 0.0;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < sp; ++j) {
                const int64_t at = (i * c + ci) * sp + j;
                sdy += dy[at];
                sdyx += dy[at] * (x[at] - mean) * inv;
            }
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < sp; ++j) {
                const int64_t at = (i * c + ci) * sp + j;
                const double xh = (x[at] - mean) * inv;
                dx[at] = static_cast<float>(g * inv * (dy[at] - sdy / m - xh * sdyx / m));
            }
        if (dgamma) dgamma[ci] = static_cast<float>(sdyx);
        if (dbeta) dbeta[ci] = static_cast<float>(sdy);
    }
}

void layer_norm_ref(int64_t rows, int64_t d, const float* x, const float* gamma, const float* beta, float eps,
                    float* y, float* save_mean, float* save_invstd) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * d;
        double s = 0.0, q = 0.0;
        for (int64_t j = 0; j < d; ++j) s += xr[j];
        const double mean = s / static_cast<double>(d);
        for (int64_t j = 0; j < d; ++j) q += (xr[j] - mean) * (xr[j] - mean);
        const double inv = 1.0 / std::sqrt(q / static_cast<double>(d) + eps);
        for (int64_t j = 0; j < d; ++j)
            y[r * d + j] = static_cast<float>((xr[j] - mean) * inv * (gamma ? gamma[j] : 1.0f) + (beta ? beta[j] : 0.0f));
        if (save_mean) save_mean[r] = static_cast<float>(mean);
        if (save_invstd) save_invstd[r] = static_cast<float>(inv);
    }
}

void layer_norm_backward_ref(int64_t rows, int64_t d, const float* x, const float* dy, const float* gamma,
                             const float* save_mean, const float* save_invstd, float* dx, float* dgamma,
                             float* dbeta) {
    std::vector<double> g(static_cast<size_t>(d), 0.0), b(static_cast<size_t>(d), 0.0);
    for (int64_t r = 0; r < rows; ++r) {
        ln_row_backward_ref(x + r * d, dy + r * d, d, save_mean[r], save_invstd[r], gamma, dx + r * d);
        ln_row_param_grad_ref(x + r * d, dy + r * d, d, save_mean[r], save_invstd[r], g.data(), b.data());
    }
    for (int64_t j = 0; j < d; ++j) {
        if (dgamma) dgamma[j] = static_cast<float>(g[static_cast<size_t>(j)]);
        if (dbeta) dbeta[j] = static_cast<float>(b[static_cast<size_t>(j)]);
    }
}

}  // namespace nn::norm
