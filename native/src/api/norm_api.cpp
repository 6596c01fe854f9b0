// Exported batch-norm, layer-norm and dropout entry points: validate every argument (messages
// name it and its value), then hand over to the drivers in src/norm/.
#include <cmath>

#include "nativenet.h"
#include "norm/norm.h"
#include "runtime/error.h"

namespace {

void check_finite_eps(float eps) {
    if (!(eps >= 0.0f) || std::isinf(eps)) nn::invalid_argument("eps must be finite and >= 0. Received: eps=", eps);
}

void check_norm_sizes(int64_t n, int64_t c, int64_t spatial) {
    nn::check_positive(n, "n");
    nn::check_positive(c, "c");
    nn::check_positive(spatial, "spatial");
    nn::checked_mul(nn::checked_mul(n, c, "n * c * spatial"), spatial, "n * c * spatial");
}

// The arguments every training-mode forward shares.
void check_training_arguments(int64_t n, int64_t spatial, const float* x, const float* y, const float* running_mean,
                              const float* running_var, float momentum, float eps) {
    nn::check_not_null(x, "x");
    nn::check_not_null(y, "y");
    check_finite_eps(eps);
    if ((running_mean == nullptr) != (running_var == nullptr))
        nn::invalid_argument("running_mean and running_var must both be given or both be NULL. Received: ",
                             running_mean ? "running_var=NULL" : "running_mean=NULL");
    if (running_mean) {
        if (!(momentum >= 0.0f && momentum <= 1.0f))
            nn::invalid_argument("momentum must be in [0, 1]. Received: momentum=", momentum);
        if (n * spatial < 2)
            nn::invalid_argument("the unbiased running variance needs n * spatial >= 2. Received: n=", n,
                                 ", spatial=", spatial);
    }
}

}  // namespace

extern "C" {

NN_API nn_status nn_batch_norm_forward_training(int64_t n, int64_t c, int64_t spatial, const float* x,
                                                const float* gamma, const float* beta, float* running_mean,
                                                float* running_var, float momentum, float eps, float* y,
                                                float* save_mean, float* save_invstd) {
    return nn::guard(__func__, [&] {
        check_norm_sizes(n, c, spatial);
        check_training_arguments(n, spatial, x, y, running_mean, running_var, momentum, eps);
        nn::norm::batch_norm_training(n, c, spatial, x, gamma, beta, running_mean, running_var, momentum, eps, y,
                                      save_mean, save_invstd);
    });
}

NN_API nn_status nn_batch_norm_relu_forward_training(int64_t n, int64_t c, int64_t spatial, const float* x,
                                                     const float* residual, const float* gamma, const float* beta,
                                                     float* running_mean, float* running_var, float momentum,
                                                     float eps, float* y, float* save_mean, float* save_invstd) {
    return nn::guard(__func__, [&] {
        check_norm_sizes(n, c, spatial);
        check_training_arguments(n, spatial, x, y, running_mean, running_var, momentum, eps);
        nn::norm::batch_norm_training(n, c, spatial, x, gamma, beta, running_mean, running_var, momentum, eps, y,
                                      save_mean, save_invstd, residual, true);
    });
}

NN_API nn_status nn_batch_norm_forward_inference(int64_t n, int64_t c, int64_t spatial, const float* x,
                                                 const float* gamma, const float* beta, const float* running_mean,
                                                 const float* running_var, float eps, float* y) {
    return nn::guard(__func__, [&] {
        check_norm_sizes(n, c, spatial);
        nn::check_not_null(x, "x");
        nn::check_not_null(running_mean, "running_mean");
        nn::check_not_null(running_var, "running_var");
        nn::check_not_null(y, "y");
        check_finite_eps(eps);
        nn::norm::batch_norm_inference(n, c, spatial, x, gamma, beta, running_mean, running_var, eps, y);
    });
}

NN_API nn_status nn_batch_norm_backward(int64_t n, int64_t c, int64_t spatial, const float* x, const float* dy,
                                        const float* gamma, const float* save_mean, const float* save_invstd,
                                        float* dx, float* dgamma, float* dbeta) {
    return nn::guard(__func__, [&] {
        check_norm_sizes(n, c, spatial);
        nn::check_not_null(x, "x");
        nn::check_not_null(dy, "dy");
        nn::check_not_null(save_mean, "save_mean");
        nn::check_not_null(save_invstd, "save_invstd");
        nn::check_not_null(dx, "dx");
        nn::norm::batch_norm_backward(n, c, spatial, x, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta);
    });
}

// The arguments both BatchNorm+ReLU backward entries take; dy_name: how the call names dy.
static void check_relu_backward(int64_t n, int64_t c, int64_t spatial, const float* x, const float* y, const float* dy,
                                const char* dy_name, const float* save_mean, const float* save_invstd, const float* dx) {
    check_norm_sizes(n, c, spatial);
    nn::check_not_null(x, "x");
    nn::check_not_null(y, "y");
    nn::check_not_null(dy, dy_name);
    nn::check_not_null(save_mean, "save_mean");
    nn::check_not_null(save_invstd, "save_invstd");
    nn::check_not_null(dx, "dx");
}

NN_API nn_status nn_batch_norm_relu_backward(int64_t n, int64_t c, int64_t spatial, const float* x, const float* y,
                                             const float* dy, const float* gamma, const float* save_mean,
                                             const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                                             float* dresidual) {
    return nn::guard(__func__, [&] {
        check_relu_backward(n, c, spatial, x, y, dy, "dy", save_mean, save_invstd, dx);
        nn::norm::batch_norm_backward(n, c, spatial, x, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta, true, y,
                                      dresidual);
    });
}

NN_API nn_status nn_batch_norm_relu_backward_sum(int64_t n, int64_t c, int64_t spatial, const float* x,
                                                 const float* y, const float* dy_a, const float* dy_b,
                                                 const float* gamma, const float* save_mean,
                                                 const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                                                 float* dresidual) {
    return nn::guard(__func__, [&] {
        check_relu_backward(n, c, spatial, x, y, dy_a, "dy_a", save_mean, save_invstd, dx);
        nn::check_not_null(dy_b, "dy_b");
        if (dx == dy_a || dx == dy_b || dx == x || dx == y)
            nn::invalid_argument("dx must not alias dy_a, dy_b, x or y (the second pass reads them after dx is written)");
        nn::norm::batch_norm_backward(n, c, spatial, x, dy_a, gamma, save_mean, save_invstd, dx, dgamma, dbeta, true, y,
                                      dresidual, dy_b);
    });
}

NN_API nn_status nn_batch_norm_backward_inference(int64_t n, int64_t c, int64_t spatial, const float* x,
                                                  const float* dy, const float* gamma, const float* mean,
                                                  const float* invstd, float* dx, float* dgamma, float* dbeta) {
    return nn::guard(__func__, [&] {
        check_norm_sizes(n, c, spatial);
        nn::check_not_null(x, "x");
        nn::check_not_null(dy, "dy");
        nn::check_not_null(mean, "mean");
        nn::check_not_null(invstd, "invstd");
        nn::check_not_null(dx, "dx");
        nn::norm::batch_norm_backward(n, c, spatial, x, dy, gamma, mean, invstd, dx, dgamma, dbeta, false);
    });
}

NN_API nn_status nn_layer_norm_forward(int64_t rows, int64_t d, const float* x, const float* gamma, const float* beta,
                                       float eps, float* y, float* save_mean, float* save_invstd) {
    return nn::guard(__func__, [&] {
        nn::check_positive(rows, "rows");
        nn::check_positive(d, "d");
        nn::checked_mul(rows, d, "rows * d");
        nn::check_not_null(x, "x");
        nn::check_not_null(y, "y");
        check_finite_eps(eps);
        nn::norm::layer_norm(rows, d, x, gamma, beta, eps, y, save_mean, save_invstd);
    });
}

NN_API nn_status nn_layer_norm_backward(int64_t rows, int64_t d, const float* x, const float* dy, const float* gamma,
                                        const float* save_mean, const float* save_invstd, float* dx, float* dgamma,
                                        float* dbeta) {
    return nn::guard(__func__, [&] {
        nn::check_positive(rows, "rows");
        nn::check_positive(d, "d");
        nn::checked_mul(rows, d, "rows * d");
        nn::check_not_null(x, "x");
        nn::check_not_null(dy, "dy");
        nn::check_not_null(save_mean, "save_mean");
        nn::check_not_null(save_invstd, "save_invstd");
        nn::check_not_null(dx, "dx");
        nn::norm::layer_norm_backward(rows, d, x, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta);
    });
}

NN_API nn_status nn_dropout_forward(const float* x, float* y, uint8_t* mask, int64_t n, float p, uint64_t seed,
                                    uint64_t offset) {
    return nn::guard(__func__, [&] {
        nn::check_non_negative(n, "n");
        nn::check_buffer(x, n, "x");
        nn::check_buffer(y, n, "y");
        if (!(p >= 0.0f && p <= 1.0f)) nn::invalid_argument("p must be in [0, 1]. Received: p=", p);
        nn::norm::dropout(x, y, mask, n, p, seed, offset);
    });
}

NN_API nn_status nn_dropout_backward(const float* dy, const uint8_t* mask, float* dx, int64_t n, float p) {
    return nn::guard(__func__, [&] {
        nn::check_non_negative(n, "n");
        nn::check_buffer(dy, n, "dy");
        nn::check_buffer(mask, n, "mask");
        nn::check_buffer(dx, n, "dx");
        if (!(p >= 0.0f && p <= 1.0f)) nn::invalid_argument("p must be in [0, 1]. Received: p=", p);
        nn::norm::dropout_backward(dy, mask, dx, n, p);
    });
}

}  // extern "C"
