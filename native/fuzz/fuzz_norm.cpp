// Fuzzes batch normalization (training, inference, both backwards), layer normalization
// (forward, backward) and dropout (forward, backward) over sizes, optional pointers, eps,
// momentum and p, comparing valid calls with the scalar references.
#include "norm/norm.h"
#include "fuzz_input.h"

using namespace nn_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    input in(data, size);
    set_threads(in);
    const int op = in.choice(8);
    static const char* names[] = {"nn_batch_norm_forward_training", "nn_batch_norm_forward_inference",
                                  "nn_batch_norm_backward",         "nn_batch_norm_backward_inference",
                                  "nn_layer_norm_forward",          "nn_layer_norm_backward",
                                  "nn_dropout_forward",             "nn_dropout_backward"};
    const char* call = names[op];
    // Batch norm: [n, c, spatial]; layer norm: rows = n * c, d = spatial; dropout: n elements.
    const int64_t n = in.size(1, 4), c = in.size(1, 6), sp = in.size(1, 40);
    const bool gamma_on = in.flag(), beta_on = in.flag(), running_on = in.flag(), save_on = in.flag();
    const bool grads_on = in.flag(), mask_on = in.flag();
    const int null_arg = in.choice(10);  // 1: x/dy input, 2: output, 3: statistics, 4: one running array
    static const float epss[] = {1e-5f, 1e-3f, 0.0f, 0.1f};
    static const float moms[] = {0.1f, 0.0f, 1.0f, 0.5f};
    static const float ps[] = {0.5f, 0.0f, 1.0f, 0.1f, 0.9f};
    const float eps = in.real(epss, 4), momentum = in.real(moms, 4), p = in.real(ps, 5);
    const uint64_t seed64 = in.u32(), offset = in.u32();

    std::string why;
    const bool bn = op < 4, ln = op == 4 || op == 5, dropout = op >= 6;
    const int64_t dn = dropout ? in.size(0, 300) : 0;
    // Layer norm is called with rows = n * c (saturated), so that is what its validity depends on.
    const int64_t rows = sat_mul(n, c);
    if (bn && (n < 1 || c < 1 || sp < 1)) why = "a size < 1";
    if (ln && (rows < 1 || sp < 1)) why = "rows or d < 1";
    if (dropout && dn < 0) why = "n < 0";
    const count total = dropout ? count(dn) : ln ? count(rows) * sp : count(n) * c * sp;
    if (why.empty() && total.overflow) why = "n * c * spatial overflows int64";
    const int64_t ch = ln ? sp : bn ? c : 0;  // per-channel (bn) / per-feature (ln) arrays; none for dropout
    const int64_t stats = ln ? rows : c;    // save_mean / save_invstd length
    if (why.empty() && !dropout && !(eps >= 0.0f && !std::isinf(eps)) && (op == 0 || op == 1 || op == 4))
        why = "eps not finite and >= 0";
    if (why.empty() && op == 0 && running_on && null_arg != 4 && !(momentum >= 0.0f && momentum <= 1.0f))
        why = "momentum outside [0, 1]";
    if (why.empty() && op == 0 && running_on && null_arg != 4 && n * sp < 2) why = "unbiased variance of one value";
    if (why.empty() && op == 0 && running_on && null_arg == 4) why = "running_var NULL with running_mean";
    if (why.empty() && dropout && !(p >= 0.0f && p <= 1.0f)) why = "p outside [0, 1]";
    const bool nulls_matter = dropout ? total.value > 0 : true;
    if (why.empty() && nulls_matter && (null_arg == 1 || null_arg == 2)) why = "x / dy or the output is NULL";
    if (why.empty() && null_arg == 3 && (op == 1 || op == 2 || op == 3 || op == 5 || (op == 7 && total.value > 0)))
        why = "statistics / mask NULL";

    if (!why.empty()) {
        auto a = decoy(), b = decoy(), g = decoy(), e = decoy(), s1 = decoy(), s2 = decoy(), r1 = decoy(),
             r2 = decoy();
        buffer<uint8_t> m(4);
        float* pa = null_arg == 1 ? nullptr : a.get();
        float* pb = null_arg == 2 ? nullptr : b.get();
        float* ps1 = null_arg == 3 ? nullptr : s1.get();
        float* pr1 = running_on ? r1.get() : nullptr;
        float* pr2 = running_on && null_arg != 4 ? r2.get() : nullptr;
        nn_status s;
        switch (op) {
        case 0: s = nn_batch_norm_forward_training(n, c, sp, pa, g.get(), e.get(), pr1, pr2, momentum, eps, pb, s1.get(), s2.get()); break;
        case 1: s = nn_batch_norm_forward_inference(n, c, sp, pa, g.get(), e.get(), ps1, s2.get(), eps, pb); break;
        case 2: s = nn_batch_norm_backward(n, c, sp, a.get(), pa, g.get(), ps1, s2.get(), pb, nullptr, nullptr); break;
        case 3: s = nn_batch_norm_backward_inference(n, c, sp, a.get(), pa, g.get(), ps1, s2.get(), pb, nullptr, nullptr); break;
        case 4: s = nn_layer_norm_forward(rows, sp, pa, g.get(), e.get(), eps, pb, s1.get(), s2.get()); break;
        case 5: s = nn_layer_norm_backward(rows, sp, a.get(), pa, g.get(), ps1, s2.get(), pb, nullptr, nullptr); break;
        case 6: s = nn_dropout_forward(pa, pb, m.get(), dn, p, seed64, offset); break;
        default: s = nn_dropout_backward(pa, null_arg == 3 ? nullptr : m.get(), pb, dn, p); break;
        }
        expect_error(s, call, why);
        return 0;
    }
    if (!total.fits()) return 0;

    const uint32_t seed = in.u32();
    const int64_t t = total.value;
    buffer<float> x(t, seed), dy(t, seed + 1), gamma(gamma_on ? ch : 0, seed + 2), beta(beta_on ? ch : 0, seed + 3);
    const float rtol = 1e-3f, atol = 1e-4f;
    if (op == 0) {
        buffer<float> rm(running_on ? c : 0, seed + 4), rv(running_on ? c : 0, seed + 5);
        for (int64_t i = 0; i < rv.size(); ++i) rv[i] = std::fabs(rv[i]);
        buffer<float> rm2 = rm.copy(), rv2 = rv.copy();
        buffer<float> y(t, 1), want(t), sm(save_on ? c : 0), si(save_on ? c : 0), wsm(c), wsi(c);
        nn::norm::batch_norm_training_ref(n, c, sp, x.get(), gamma.get(), beta.get(), rm2.get(), rv2.get(), momentum,
                                          eps, want.get(), wsm.get(), wsi.get());
        expect_ok(nn_batch_norm_forward_training(n, c, sp, x.get(), gamma.get(), beta.get(), rm.get(), rv.get(),
                                                 momentum, eps, y.get(), sm.get(), si.get()),
                  call);
        expect_close(y.get(), want.get(), t, rtol, atol, call);
        expect_close(rm.get(), rm2.get(), rm.size(), rtol, atol, "batch norm running_mean");
        expect_close(rv.get(), rv2.get(), rv.size(), rtol, atol, "batch norm running_var");
        expect_close(sm.get(), wsm.get(), sm.size(), rtol, atol, "batch norm save_mean");
        expect_close(si.get(), wsi.get(), si.size(), rtol, atol, "batch norm save_invstd");
    } else if (op == 1 || op == 3) {
        buffer<float> mean(c, seed + 4), var(c, seed + 5), got(t, 1), want(t);
        for (int64_t i = 0; i < c; ++i) var[i] = std::fabs(var[i]) + 0.1f;
        buffer<float> dg(grads_on ? c : 0, 2), db(grads_on ? c : 0, 3), wdg(c), wdb(c);
        for (int64_t ci = 0; ci < c; ++ci) {
            const double inv = op == 1 ? 1.0 / std::sqrt(double(var[ci]) + eps) : double(var[ci]);
            const double g = gamma_on ? gamma[ci] : 1.0, b = beta_on ? beta[ci] : 0.0;
            double sg = 0, sb = 0;
            for (int64_t ni = 0; ni < n; ++ni)
                for (int64_t j = 0; j < sp; ++j) {
                    const int64_t i = (ni * c + ci) * sp + j;
                    const double xh = (x[i] - double(mean[ci])) * inv;
                    want[i] = op == 1 ? float(xh * g + b) : float(dy[i] * g * inv);
                    sg += dy[i] * xh, sb += dy[i];
                }
            wdg[ci] = float(sg), wdb[ci] = float(sb);
        }
        if (op == 1)
            expect_ok(nn_batch_norm_forward_inference(n, c, sp, x.get(), gamma.get(), beta.get(), mean.get(), var.get(),
                                                      eps, got.get()),
                      call);
        else
            expect_ok(nn_batch_norm_backward_inference(n, c, sp, x.get(), dy.get(), gamma.get(), mean.get(), var.get(),
                                                       got.get(), dg.get(), db.get()),
                      call);
        expect_close(got.get(), want.get(), t, rtol, atol, call);
        if (op == 3) {  // the inference forward has no parameter gradients
            expect_close(dg.get(), wdg.get(), dg.size(), rtol, atol * float(n * sp), "batch norm dgamma");
            expect_close(db.get(), wdb.get(), db.size(), rtol, atol * float(n * sp), "batch norm dbeta");
        }
    } else if (op == 2 || op == 5) {
        // Statistics from the reference forward, so backward sees what training would give it.
        buffer<float> y(t), sm(stats), si(stats);
        if (op == 2)
            nn::norm::batch_norm_training_ref(n, c, sp, x.get(), gamma.get(), beta.get(), nullptr, nullptr, 0.1f, eps,
                                              y.get(), sm.get(), si.get());
        else
            nn::norm::layer_norm_ref(rows, sp, x.get(), gamma.get(), beta.get(), eps, y.get(), sm.get(), si.get());
        buffer<float> got(t, 1), want(t), dg(grads_on ? ch : 0, 2), db(grads_on ? ch : 0, 3), wdg(ch), wdb(ch);
        if (op == 2) {
            nn::norm::batch_norm_backward_ref(n, c, sp, x.get(), dy.get(), gamma.get(), sm.get(), si.get(), want.get(),
                                              wdg.get(), wdb.get());
            expect_ok(nn_batch_norm_backward(n, c, sp, x.get(), dy.get(), gamma.get(), sm.get(), si.get(), got.get(),
                                             dg.get(), db.get()),
                      call);
        } else {
            nn::norm::layer_norm_backward_ref(rows, sp, x.get(), dy.get(), gamma.get(), sm.get(), si.get(), want.get(),
                                              wdg.get(), wdb.get());
            expect_ok(nn_layer_norm_backward(rows, sp, x.get(), dy.get(), gamma.get(), sm.get(), si.get(), got.get(),
                                             dg.get(), db.get()),
                      call);
        }
        // Gradients through 1/sqrt(var + eps) grow with invstd; scale the tolerance by it.
        float scale = 1.0f;
        for (int64_t i = 0; i < stats; ++i) scale = std::max(scale, std::fabs(si[i]));
        expect_close(got.get(), want.get(), t, rtol, atol * scale * scale, call);
        expect_close(dg.get(), wdg.get(), dg.size(), rtol, atol * float(t / ch + 1), "norm dgamma");
        expect_close(db.get(), wdb.get(), db.size(), rtol, atol * float(t / ch + 1), "norm dbeta");
    } else if (op == 4) {
        buffer<float> got(t, 1), want(t), sm(save_on ? rows : 0), si(save_on ? rows : 0), wsm(rows), wsi(rows);
        nn::norm::layer_norm_ref(rows, sp, x.get(), gamma.get(), beta.get(), eps, want.get(), wsm.get(), wsi.get());
        expect_ok(nn_layer_norm_forward(rows, sp, x.get(), gamma.get(), beta.get(), eps, got.get(), sm.get(), si.get()),
                  call);
        expect_close(got.get(), want.get(), t, rtol, atol, call);
        expect_close(sm.get(), wsm.get(), sm.size(), rtol, atol, "layer norm save_mean");
        expect_close(si.get(), wsi.get(), si.size(), rtol, atol, "layer norm save_invstd");
    } else if (op == 6) {
        buffer<float> got(t, 1), want(t);
        buffer<uint8_t> m(mask_on ? t : 0), wm(t);
        nn::norm::dropout_ref(x.get(), want.get(), wm.get(), t, p, seed64, offset);
        expect_ok(nn_dropout_forward(x.get(), got.get(), m.get(), t, p, seed64, offset), call);
        expect_close(got.get(), want.get(), t, 0.0f, 0.0f, call);
        if (mask_on && t > 0 && std::memcmp(m.get(), wm.get(), t) != 0) fail("nn_dropout_forward mask differs");
    } else {
        buffer<uint8_t> m(t);
        for (int64_t i = 0; i < t; ++i) m[i] = (seed >> (i % 32)) & 1;
        buffer<float> got(t, 1), want(t);
        for (int64_t i = 0; i < t; ++i) want[i] = p >= 1.0f ? 0.0f : dy[i] * m[i] * (1.0f / (1.0f - p));
        expect_ok(nn_dropout_backward(dy.get(), m.get(), got.get(), t, p), call);
        expect_close(got.get(), want.get(), t, 1e-6f, 1e-7f, call);
    }
    return 0;
}
