// Exported optimizer-update and softmax entry points: validate, precompute, run the driver.
#include <cmath>
#include <vector>

#include "nativenet.h"
#include "optim/optim.h"
#include "runtime/error.h"

namespace {

void check_flag(int32_t v, const char* name) {
    if (v != 0 && v != 1) nn::invalid_argument(name, " must be 0 or 1. Received: ", name, "=", v);
}

void check_finite(float v, const char* name) {
    if (!std::isfinite(v)) nn::invalid_argument(name, " must be finite. Received: ", name, "=", v);
}

void check_softmax_shape(int64_t outer, int64_t dim, int64_t inner) {
    nn::check_non_negative(outer, "outer");
    nn::check_positive(dim, "dim");
    nn::check_positive(inner, "inner");
    nn::checked_mul(nn::checked_mul(outer, dim, "outer * dim * inner"), inner, "outer * dim * inner");
}

// Adam's hyper-parameters, checked once for the single and the multi-tensor entry.
void check_adam(float lr, float beta1, float beta2, float eps, float weight_decay, int32_t flags) {
    check_finite(lr, "lr");
    check_finite(eps, "eps");
    check_finite(weight_decay, "weight_decay");
    if (!(beta1 >= 0.0f && beta1 < 1.0f)) nn::invalid_argument("beta1 must be in [0, 1). Received: beta1=", beta1);
    if (!(beta2 >= 0.0f && beta2 < 1.0f)) nn::invalid_argument("beta2 must be in [0, 1). Received: beta2=", beta2);
    constexpr int32_t all = NN_ADAM_DECOUPLED_WEIGHT_DECAY | NN_ADAM_AMSGRAD | NN_ADAM_MAXIMIZE;
    if ((flags & ~all) != 0) nn::invalid_argument("flags has bits outside nn_adam_flags. Received: flags=", flags);
}

// One tensor's update parameters at its step count: the bias corrections in float, as
// torch.optim computes them for a float step count.
nn::optim::adam_params adam_at_step(float lr, float beta1, float beta2, float eps, float weight_decay, int64_t step,
                                    int32_t flags) {
    const float t = static_cast<float>(step);
    const float bc1 = 1.0f - std::pow(beta1, t), bc2 = 1.0f - std::pow(beta2, t);
    return nn::optim::adam_params{lr, beta1, beta2, eps, weight_decay, lr / bc1, std::sqrt(bc2),
                                  (flags & NN_ADAM_DECOUPLED_WEIGHT_DECAY) != 0, (flags & NN_ADAM_AMSGRAD) != 0,
                                  (flags & NN_ADAM_MAXIMIZE) != 0};
}

}  // namespace

extern "C" {

NN_API nn_status nn_sgd_update(int64_t n, float* param, const float* grad, float* momentum_buf, float lr,
                               float momentum, float dampening, float weight_decay, int32_t nesterov,
                               int32_t maximize, int32_t first_step) {
    return nn::guard(__func__, [&] {
        nn::check_non_negative(n, "n");
        nn::check_buffer(param, n, "param");
        nn::check_buffer(grad, n, "grad");
        check_finite(lr, "lr");
        check_finite(momentum, "momentum");
        check_finite(dampening, "dampening");
        check_finite(weight_decay, "weight_decay");
        check_flag(nesterov, "nesterov");
        check_flag(maximize, "maximize");
        check_flag(first_step, "first_step");
        if (momentum != 0.0f) nn::check_buffer(momentum_buf, n, "momentum_buf");
        const nn::optim::sgd_params q{lr, momentum, dampening, weight_decay, nesterov != 0, maximize != 0,
                                      first_step != 0};
        nn::optim::sgd(q, n, param, grad, momentum != 0.0f ? momentum_buf : nullptr);
    });
}

NN_API nn_status nn_adam_update(int64_t n, float* param, const float* grad, float* exp_avg, float* exp_avg_sq,
                                float* max_exp_avg_sq, float lr, float beta1, float beta2, float eps,
                                float weight_decay, int64_t step, int32_t flags) {
    return nn::guard(__func__, [&] {
        nn::check_non_negative(n, "n");
        nn::check_buffer(param, n, "param");
        nn::check_buffer(grad, n, "grad");
        nn::check_buffer(exp_avg, n, "exp_avg");
        nn::check_buffer(exp_avg_sq, n, "exp_avg_sq");
        check_adam(lr, beta1, beta2, eps, weight_decay, flags);
        nn::check_positive(step, "step");
        const bool amsgrad = (flags & NN_ADAM_AMSGRAD) != 0;
        if (amsgrad) nn::check_buffer(max_exp_avg_sq, n, "max_exp_avg_sq");
        nn::optim::adam(adam_at_step(lr, beta1, beta2, eps, weight_decay, step, flags), n, param, grad, exp_avg, exp_avg_sq,
                        amsgrad ? max_exp_avg_sq : nullptr);
    });
}

NN_API nn_status nn_adam_update_multi(int64_t count, const int64_t* sizes, float* const* params,
                                      const float* const* grads, float* const* exp_avgs, float* const* exp_avg_sqs,
                                      float* const* max_exp_avg_sqs, float lr, float beta1, float beta2, float eps,
                                      float weight_decay, const int64_t* steps, int32_t flags) {
    return nn::guard(__func__, [&] {
        nn::check_non_negative(count, "count");
        nn::check_buffer(sizes, count, "sizes");
        nn::check_buffer(params, count, "params");
        nn::check_buffer(grads, count, "grads");
        nn::check_buffer(exp_avgs, count, "exp_avgs");
        nn::check_buffer(exp_avg_sqs, count, "exp_avg_sqs");
        nn::check_buffer(steps, count, "steps");
        check_adam(lr, beta1, beta2, eps, weight_decay, flags);
        const bool amsgrad = (flags & NN_ADAM_AMSGRAD) != 0;
        if (amsgrad) nn::check_buffer(max_exp_avg_sqs, count, "max_exp_avg_sqs");
        // Every tensor is checked before any is written.
        for (int64_t i = 0; i < count; ++i) {
            const int64_t n = sizes[i];
            if (n < 0) nn::invalid_argument("sizes[", i, "] must be >= 0. Received: sizes[", i, "]=", n);
            if (steps[i] <= 0) nn::invalid_argument("steps[", i, "] must be > 0. Received: steps[", i, "]=", steps[i]);
            if (n == 0) continue;
            if (!params[i]) nn::invalid_argument("params[", i, "] must not be null when it holds ", n, " elements");
            if (!grads[i]) nn::invalid_argument("grads[", i, "] must not be null when it holds ", n, " elements");
            if (!exp_avgs[i]) nn::invalid_argument("exp_avgs[", i, "] must not be null when it holds ", n, " elements");
            if (!exp_avg_sqs[i]) nn::invalid_argument("exp_avg_sqs[", i, "] must not be null when it holds ", n, " elements");
            if (amsgrad && !max_exp_avg_sqs[i])
                nn::invalid_argument("max_exp_avg_sqs[", i, "] must not be null when it holds ", n, " elements");
        }
        std::vector<nn::optim::adam_tensor> tensors(static_cast<size_t>(count));
        for (int64_t i = 0; i < count; ++i)  // each tensor at its own step count
            tensors[static_cast<size_t>(i)] = {adam_at_step(lr, beta1, beta2, eps, weight_decay, steps[i], flags), sizes[i],
                                               params[i], grads[i], exp_avgs[i], exp_avg_sqs[i],
                                               amsgrad ? max_exp_avg_sqs[i] : nullptr};
        nn::optim::adam_multi(tensors.data(), count);
    });
}

NN_API nn_status nn_rmsprop_update(int64_t n, float* param, const float* grad, float* square_avg,
                                   float* momentum_buf, float* grad_avg, float lr, float alpha, float eps,
                                   float weight_decay, float momentum, int32_t centered, int32_t maximize) {
    return nn::guard(__func__, [&] {
        nn::check_non_negative(n, "n");
        nn::check_buffer(param, n, "param");
        nn::check_buffer(grad, n, "grad");
        nn::check_buffer(square_avg, n, "square_avg");
        check_finite(lr, "lr");
        check_finite(alpha, "alpha");
        check_finite(eps, "eps");
        check_finite(weight_decay, "weight_decay");
        check_finite(momentum, "momentum");
        check_flag(centered, "centered");
        check_flag(maximize, "maximize");
        if (momentum > 0.0f) nn::check_buffer(momentum_buf, n, "momentum_buf");
        if (centered) nn::check_buffer(grad_avg, n, "grad_avg");
        const nn::optim::rmsprop_params q{lr, alpha, eps, weight_decay, momentum, centered != 0, maximize != 0};
        nn::optim::rmsprop(q, n, param, grad, square_avg, momentum > 0.0f ? momentum_buf : nullptr,
                           centered ? grad_avg : nullptr);
    });
}

NN_API nn_status nn_softmax_forward(int64_t outer, int64_t dim, int64_t inner, const float* x, float* y,
                                    int32_t log_softmax) {
    return nn::guard(__func__, [&] {
        check_softmax_shape(outer, dim, inner);
        check_flag(log_softmax, "log_softmax");
        const int64_t total = outer * dim * inner;
        nn::check_buffer(x, total, "x");
        nn::check_buffer(y, total, "y");
        if (total > 0) nn::optim::softmax(outer, dim, inner, x, y, log_softmax != 0);
    });
}

NN_API nn_status nn_softmax_backward(int64_t outer, int64_t dim, int64_t inner, const float* y, const float* dy,
                                     float* dx, int32_t log_softmax) {
    return nn::guard(__func__, [&] {
        check_softmax_shape(outer, dim, inner);
        check_flag(log_softmax, "log_softmax");
        const int64_t total = outer * dim * inner;
        nn::check_buffer(y, total, "y");
        nn::check_buffer(dy, total, "dy");
        nn::check_buffer(dx, total, "dx");
        if (total > 0) nn::optim::softmax_backward(outer, dim, inner, y, dy, dx, log_softmax != 0);
    });
}

}  // extern "C"
