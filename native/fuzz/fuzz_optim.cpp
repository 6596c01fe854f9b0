// Fuzzes the optimizer updates (nn_sgd_update, nn_adam_update, nn_rmsprop_update: every flag,
// optional state arrays present or NULL, hostile hyper-parameters) and softmax / log-softmax
// forward and backward over [outer, dim, inner] layouts. Updates must equal, bitwise, the
// per-element formulas in optim/optim.h; softmax matches the double reference.
#include "fuzz_input.h"
#include "optim/optim.h"

using namespace nn_fuzz;

namespace {

int softmax(input& in) {
    const bool backward = in.flag();
    const char* call = backward ? "nn_softmax_backward" : "nn_softmax_forward";
    const int64_t outer = in.size(0, 5), dim = in.size(1, 40), inner = in.choice(2) ? 1 : in.size(1, 20);
    const int32_t log = in.code(2);
    const int null_arg = in.choice(8);
    std::string why;
    const count total = count(outer) * dim * inner;
    if (outer < 0 || dim < 1 || inner < 1) why = "a size out of range";
    else if (total.overflow) why = "outer * dim * inner overflows int64";
    else if (log != 0 && log != 1) why = "log_softmax not 0 or 1";
    else if (total.value > 0 && null_arg >= 1 && null_arg <= (backward ? 3 : 2)) why = "an array is NULL";
    if (!why.empty()) {
        auto a = decoy(), b = decoy(), c = decoy();
        float* pa = null_arg == 1 ? nullptr : a.get();
        float* pb = null_arg == 2 ? nullptr : b.get();
        float* pc = null_arg == 3 ? nullptr : c.get();
        nn_status s = backward ? nn_softmax_backward(outer, dim, inner, pa, pb, pc, log)
                               : nn_softmax_forward(outer, dim, inner, pa, pb, log);
        expect_error(s, call, why);
        return 0;
    }
    if (!total.fits()) return 0;
    const int64_t t = total.value;
    const uint32_t seed = in.u32();
    buffer<float> x(t, seed), dy(t, seed + 1), y(t), got(t, seed + 2), want(t);
    for (int64_t i = 0; i < t; ++i) x[i] *= 20.0f;
    nn::optim::softmax_ref(outer, dim, inner, x.get(), y.get(), log != 0);
    if (!backward) {
        expect_ok(nn_softmax_forward(outer, dim, inner, x.get(), got.get(), log), call);
        expect_close(got.get(), y.get(), t, 1e-5f, 1e-6f, call);
    } else {
        nn::optim::softmax_backward_ref(outer, dim, inner, y.get(), dy.get(), want.get(), log != 0);
        expect_ok(nn_softmax_backward(outer, dim, inner, y.get(), dy.get(), got.get(), log), call);
        expect_close(got.get(), want.get(), t, 1e-5f, 1e-5f, call);
    }
    return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    input in(data, size);
    set_threads(in);
    const int fn = in.choice(4);  // 0: sgd, 1: adam, 2: rmsprop, 3: softmax
    if (fn == 3) return softmax(in);
    static const char* names[] = {"nn_sgd_update", "nn_adam_update", "nn_rmsprop_update"};
    const char* call = names[fn];
    const int64_t n = in.choice(4) == 0 ? sat_mul(in.size(0, 64), 61) : in.size(0, 70);
    static const float lrs[] = {0.01f, 0.1f, 0.0f, 1e-3f};
    static const float moms[] = {0.9f, 0.0f, 0.5f, 0.99f};
    static const float decays[] = {0.0f, 0.01f, 0.1f};
    const float lr = in.real(lrs, 4), momentum = in.real(moms, 4), dampening = in.real(decays, 3);
    const float weight_decay = in.real(decays, 3), beta1 = in.real(moms, 4), beta2 = in.real(moms, 4);
    static const float epss[] = {1e-8f, 1e-6f, 0.0f};
    const float eps = in.real(epss, 3);
    const int32_t f1 = in.code(2), f2 = in.code(2), f3 = in.code(2);
    const int32_t adam_flags = in.choice(8) == 0 ? in.code(16) : in.choice(8);
    const int64_t step = in.choice(8) == 0 ? in.size(-2, 2) : 1 + in.choice(20);
    const bool state_on = in.choice(4) != 0;  // optional state arrays given
    const int null_arg = in.choice(8);        // 1: param, 2: grad, 3: first state array
    const uint32_t seed = in.u32();

    std::string why;
    auto finite = [](float v) { return std::isfinite(v); };
    if (n < 0) why = "n < 0";
    else if (!finite(lr) || !finite(weight_decay) || (fn != 1 && !finite(momentum))) why = "a non-finite hyper-parameter";
    else if (fn == 0 && !finite(dampening)) why = "dampening not finite";
    else if (fn != 0 && !finite(eps)) why = "eps not finite";
    else if (fn == 2 && !finite(dampening)) why = "alpha not finite";
    else if (fn == 0 && (f1 > 1 || f1 < 0 || f2 > 1 || f2 < 0 || f3 > 1 || f3 < 0)) why = "a flag not 0 or 1";
    else if (fn == 2 && (f1 > 1 || f1 < 0 || f2 > 1 || f2 < 0)) why = "a flag not 0 or 1";
    else if (fn == 1 && !(beta1 >= 0.0f && beta1 < 1.0f && beta2 >= 0.0f && beta2 < 1.0f)) why = "beta outside [0, 1)";
    else if (fn == 1 && step < 1) why = "step < 1";
    else if (fn == 1 && (adam_flags & ~7) != 0) why = "unknown adam flag bits";
    else if (n > 0 && (null_arg == 1 || null_arg == 2)) why = "param or grad NULL";
    else if (n > 0 && null_arg == 3 && fn != 0) why = "required state NULL";  // exp_avg / square_avg
    else if (n > 0 && !state_on && fn == 0 && momentum != 0.0f) why = "momentum_buf NULL with momentum";
    else if (n > 0 && !state_on && fn == 1 && (adam_flags & NN_ADAM_AMSGRAD)) why = "max_exp_avg_sq NULL with amsgrad";
    else if (n > 0 && !state_on && fn == 2 && (momentum > 0.0f || f1 == 1)) why = "rmsprop state NULL when used";

    if (!why.empty()) {
        auto p = decoy(), g = decoy(), s1 = decoy(), s2 = decoy(), s3 = decoy();
        float* pp = null_arg == 1 ? nullptr : p.get();
        float* pg = null_arg == 2 ? nullptr : g.get();
        float* ps1 = null_arg == 3 ? nullptr : s1.get();
        float* opt = state_on ? s3.get() : nullptr;
        nn_status s;
        if (fn == 0)
            s = nn_sgd_update(n, pp, pg, opt, lr, momentum, dampening, weight_decay, f1, f2, f3);
        else if (fn == 1)
            s = nn_adam_update(n, pp, pg, ps1, s2.get(), opt, lr, beta1, beta2, eps, weight_decay, step, adam_flags);
        else
            s = nn_rmsprop_update(n, pp, pg, ps1, opt, state_on ? s2.get() : nullptr, lr, dampening, eps, weight_decay,
                                  momentum, f1, f2);
        expect_error(s, call, why);
        return 0;
    }
    if (n > kMaxElems) return 0;

    buffer<float> p(n, seed), g(n, seed + 1), s1(n, seed + 2), s2(n, seed + 3), s3(n, seed + 4);
    for (int64_t i = 0; i < n; ++i) s2[i] = std::fabs(s2[i]), s3[i] = std::fabs(s3[i]) + s2[i] * s2[i];
    buffer<float> wp = p.copy(), w1 = s1.copy(), w2 = s2.copy(), w3 = s3.copy();
    if (fn == 0) {
        const nn::optim::sgd_params q{lr, momentum, dampening, weight_decay, f1 != 0, f2 != 0, f3 != 0};
        float* buf = state_on ? s3.get() : nullptr;
        for (int64_t i = 0; i < n; ++i) nn::optim::sgd_one(q, wp[i], g[i], momentum != 0.0f ? &w3[i] : nullptr);
        expect_ok(nn_sgd_update(n, p.get(), g.get(), buf, lr, momentum, dampening, weight_decay, f1, f2, f3), call);
    } else if (fn == 1) {
        // The bias corrections as the ABI documents them, computed in float like torch.optim.
        const float t = static_cast<float>(step);
        const float bc1 = 1.0f - std::pow(beta1, t), bc2 = 1.0f - std::pow(beta2, t);
        const bool ams = (adam_flags & NN_ADAM_AMSGRAD) != 0;
        const nn::optim::adam_params q{lr,       beta1,          beta2, eps, weight_decay, lr / bc1, std::sqrt(bc2),
                                       (adam_flags & NN_ADAM_DECOUPLED_WEIGHT_DECAY) != 0, ams,
                                       (adam_flags & NN_ADAM_MAXIMIZE) != 0};
        for (int64_t i = 0; i < n; ++i) nn::optim::adam_one(q, wp[i], g[i], w1[i], w2[i], ams ? &w3[i] : nullptr);
        expect_ok(nn_adam_update(n, p.get(), g.get(), s1.get(), s2.get(), state_on ? s3.get() : nullptr, lr, beta1,
                                 beta2, eps, weight_decay, step, adam_flags),
                  call);
    } else {
        const nn::optim::rmsprop_params q{lr, dampening, eps, weight_decay, momentum, f1 != 0, f2 != 0};
        for (int64_t i = 0; i < n; ++i)
            nn::optim::rmsprop_one(q, wp[i], g[i], w2[i], momentum > 0.0f ? &w1[i] : nullptr, f1 ? &w3[i] : nullptr);
        // Not-needed state arrays may still be passed; s1 stands in for momentum_buf, s3 for grad_avg.
        expect_ok(nn_rmsprop_update(n, p.get(), g.get(), s2.get(), state_on ? s1.get() : nullptr,
                                    state_on ? s3.get() : nullptr, lr, dampening, eps, weight_decay, momentum, f1, f2),
                  call);
    }
    expect_close(p.get(), wp.get(), n, 0.0f, 0.0f, call);
    return 0;
}
