// Batch norm, layer norm and dropout drivers. Statistics of a channel (batch norm) or a row
// (layer norm) are computed inside one task, and cross-row reductions (layer-norm parameter
// gradients) go through fixed chunks summed in order: results never depend on the thread count.
#include "norm/norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"

namespace nn::norm {

namespace {
constexpr int64_t kLnChunks = 16;
constexpr int64_t kDropoutBlock = 1 << 16;

// Rows of the layout [n, c] (spatial == 1) are short: one pass per row over all channels.
void bn_stats_nc(int64_t n, int64_t c, const float* x, std::vector<double>& mean, std::vector<double>& var) {
    std::vector<double> s(static_cast<size_t>(c), 0.0), q(static_cast<size_t>(c), 0.0);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < c; ++j) s[static_cast<size_t>(j)] += x[i * c + j];
    for (int64_t j = 0; j < c; ++j) mean[static_cast<size_t>(j)] = s[static_cast<size_t>(j)] / static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < c; ++j) {
            const double d = x[i * c + j] - static_cast<float>(mean[static_cast<size_t>(j)]);
            q[static_cast<size_t>(j)] += d * d;
        }
    for (int64_t j = 0; j < c; ++j) var[static_cast<size_t>(j)] = q[static_cast<size_t>(j)] / static_cast<double>(n);
}
}  // namespace

void batch_norm_training(int64_t n, int64_t c, int64_t sp, const float* x, const float* gamma, const float* beta,
                         float* running_mean, float* running_var, float momentum, float eps, float* y,
                         float* save_mean, float* save_invstd, const float* residual, bool relu) {
    const auto& k = active();
    const int64_t m = n * sp;
    std::vector<double> mean(static_cast<size_t>(c)), var(static_cast<size_t>(c));
    std::vector<float> a(static_cast<size_t>(c)), b(static_cast<size_t>(c));
    // y = a * x + b for one channel, from its mean and variance; saved and running statistics.
    const auto coefficients = [&](int64_t ci) {
        const size_t u = static_cast<size_t>(ci);
        const double invstd = 1.0 / std::sqrt(var[u] + static_cast<double>(eps));
        const double g = gamma ? gamma[ci] : 1.0, bt = beta ? beta[ci] : 0.0;
        a[u] = static_cast<float>(g * invstd);
        b[u] = static_cast<float>(bt - mean[u] * g * invstd);
        if (save_mean) save_mean[ci] = static_cast<float>(mean[u]);
        if (save_invstd) save_invstd[ci] = static_cast<float>(invstd);
        if (running_mean) {
            const double mo = momentum;
            running_mean[ci] = static_cast<float>((1.0 - mo) * running_mean[ci] + mo * mean[u]);
            const double unbiased = var[u] * static_cast<double>(m) / static_cast<double>(m - 1);
            running_var[ci] = static_cast<float>((1.0 - mo) * running_var[ci] + mo * unbiased);
        }
    };
    if (sp == 1) {
        bn_stats_nc(n, c, x, mean, var);
        for (int64_t ci = 0; ci < c; ++ci) coefficients(ci);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t ci = 0; ci < c; ++ci) {
                float v = x[i * c + ci] * a[static_cast<size_t>(ci)] + b[static_cast<size_t>(ci)];
                if (residual) v += residual[i * c + ci];
                y[i * c + ci] = relu ? (v > 0.0f ? v : (v != v ? v : 0.0f)) : v;
            }
        return;
    }
    // One task per channel does its three passes back to back, so the second and third read the
    // channel's n planes from L2 (MobileNet's 112x112 planes: 400 KB at batch 8) instead of from
    // L3 or memory; these passes are bound by bandwidth, not arithmetic.
    parallel_tasks(c, [&](int64_t ci) {
        const size_t u = static_cast<size_t>(ci);
        double s = 0.0;
        for (int64_t i = 0; i < n; ++i) s += k.sum(x + (i * c + ci) * sp, sp);
        const float mu = static_cast<float>(s / static_cast<double>(m));
        double q = 0.0;
        for (int64_t i = 0; i < n; ++i) q += k.sum_sq_dev(x + (i * c + ci) * sp, sp, mu);
        mean[u] = s / static_cast<double>(m);
        var[u] = q / static_cast<double>(m);
        coefficients(ci);
        for (int64_t i = 0; i < n; ++i) {
            const int64_t o = (i * c + ci) * sp;
            if (relu) k.affine_relu(x + o, residual ? residual + o : nullptr, sp, a[u], b[u], y + o);
            else k.affine(x + o, sp, a[u], b[u], y + o);
        }
    });
}

void batch_norm_inference(int64_t n, int64_t c, int64_t sp, const float* x, const float* gamma, const float* beta,
                          const float* running_mean, const float* running_var, float eps, float* y) {
    const auto& k = active();
    std::vector<float> a(static_cast<size_t>(c)), b(static_cast<size_t>(c));
    for (int64_t ci = 0; ci < c; ++ci) {
        const double invstd = 1.0 / std::sqrt(static_cast<double>(running_var[ci]) + static_cast<double>(eps));
        const double g = gamma ? gamma[ci] : 1.0, bt = beta ? beta[ci] : 0.0;
        a[static_cast<size_t>(ci)] = static_cast<float>(g * invstd);
        b[static_cast<size_t>(ci)] = static_cast<float>(bt - running_mean[ci] * g * invstd);
    }
    if (sp == 1) {
        for (int64_t i = 0; i < n; ++i)
            for (int64_t ci = 0; ci < c; ++ci)
                y[i * c + ci] = x[i * c + ci] * a[static_cast<size_t>(ci)] + b[static_cast<size_t>(ci)];
        return;
    }
    parallel_tasks(n * c, [&](int64_t t) {
        const size_t ci = static_cast<size_t>(t % c);
        k.affine(x + t * sp, sp, a[ci], b[ci], y + t * sp);
    });
}

void batch_norm_backward(int64_t n, int64_t c, int64_t sp, const float* x, const float* dy, const float* gamma,
                         const float* save_mean, const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                         bool training, const float* relu_y, float* dresidual, const float* dy2) {
    const auto& k = active();
    const double m = static_cast<double>(n * sp);
    std::vector<double> sdy(static_cast<size_t>(c), 0.0), sdyx(static_cast<size_t>(c), 0.0);
    std::vector<float> ca(static_cast<size_t>(c)), cb(static_cast<size_t>(c)), cc(static_cast<size_t>(c));
    // dx = a * dy + b * x + cc with a = gamma * invstd, b = -a * invstd^2 * sum(dy * xc) / m,
    // cc = -a * sum(dy) / m - b * mean.
    const auto coefficients = [&](int64_t ci) {
        const size_t u = static_cast<size_t>(ci);
        const double inv = save_invstd[ci], g = gamma ? gamma[ci] : 1.0;
        const double a = g * inv, b = training ? -a * inv * inv * sdyx[u] / m : 0.0;
        ca[u] = static_cast<float>(a);
        cb[u] = static_cast<float>(b);
        cc[u] = training ? static_cast<float>(-a * sdy[u] / m - b * save_mean[ci]) : 0.0f;
        if (dbeta) dbeta[ci] = static_cast<float>(sdy[u]);
        if (dgamma) dgamma[ci] = static_cast<float>(sdyx[u] * inv);
    };
    // The ReLU's gradient dy * (relu_y > 0): the eltwise backward's product, so the same bits.
    const auto grad = [&](int64_t j) { return dy2 ? dy[j] + dy2[j] : dy[j]; };
    const auto masked = [&](int64_t j) { return relu_y ? grad(j) * (relu_y[j] > 0.0f ? 1.0f : 0.0f) : grad(j); };
    if (sp == 1) {
        for (int64_t i = 0; i < n; ++i)
            for (int64_t ci = 0; ci < c; ++ci) {
                const float g = masked(i * c + ci);
                if (dresidual) dresidual[i * c + ci] = g;
                const double d = g;
                sdy[static_cast<size_t>(ci)] += d;
                sdyx[static_cast<size_t>(ci)] += d * (x[i * c + ci] - save_mean[ci]);
            }
        for (int64_t ci = 0; ci < c; ++ci) coefficients(ci);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t ci = 0; ci < c; ++ci) {
                const size_t u = static_cast<size_t>(ci);
                dx[i * c + ci] = masked(i * c + ci) * ca[u] + x[i * c + ci] * cb[u] + cc[u];
            }
        return;
    }
    // One task per channel: its sums, then dx from the planes the sums just brought into L2
    // (dy and x of a 112x112 channel at batch 8: 800 KB), not a second pass from L3 or memory.
    // With two gradient parts the masked sum is stored (into dresidual, else into dx, which the
    // second pass then overwrites element by element) so the second pass reads one plane, not two.
    float* g_store = dresidual ? dresidual : (dy2 ? dx : nullptr);
    parallel_tasks(c, [&](int64_t ci) {
        const size_t u = static_cast<size_t>(ci);
        double s = 0.0, q = 0.0;
        for (int64_t i = 0; i < n; ++i) {
            const int64_t o = (i * c + ci) * sp;
            double a, b;
            if (relu_y)
                k.sum_dy_dyxc_relu(dy + o, dy2 ? dy2 + o : nullptr, relu_y + o, x + o, sp, save_mean[ci], &a, &b,
                                   g_store ? g_store + o : nullptr);
            else
                k.sum_dy_dyxc(dy + o, x + o, sp, save_mean[ci], &a, &b);
            s += a;
            q += b;
        }
        sdy[u] = s;
        sdyx[u] = q;
        coefficients(ci);
        for (int64_t i = 0; i < n; ++i) {
            const int64_t o = (i * c + ci) * sp;
            // With g_store the masked gradient was just stored: read it instead of masking again
            // (affine2 reads each element before it writes it, so g_store may be dx).
            if (relu_y && g_store) k.affine2(g_store + o, x + o, sp, ca[u], cb[u], cc[u], dx + o);
            else if (relu_y) k.affine2_relu(dy + o, relu_y + o, x + o, sp, ca[u], cb[u], cc[u], dx + o);
            else k.affine2(dy + o, x + o, sp, ca[u], cb[u], cc[u], dx + o);
        }
    });
}

void layer_norm(int64_t rows, int64_t d, const float* x, const float* gamma, const float* beta, float eps, float* y,
                float* save_mean, float* save_invstd) {
    const auto& k = active();
    const int64_t per = std::max<int64_t>(1, 8192 / d), tasks = (rows + per - 1) / per;
    parallel_tasks(tasks, [&](int64_t t) {
        for (int64_t r = t * per; r < std::min(rows, (t + 1) * per); ++r) {
            const float* xr = x + r * d;
            const double mean = k.sum(xr, d) / static_cast<double>(d);
            const double var = k.sum_sq_dev(xr, d, static_cast<float>(mean)) / static_cast<double>(d);
            const float invstd = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(eps)));
            k.ln_row(xr, d, static_cast<float>(mean), invstd, gamma, beta, y + r * d);
            if (save_mean) save_mean[r] = static_cast<float>(mean);
            if (save_invstd) save_invstd[r] = invstd;
        }
    });
}

void layer_norm_backward(int64_t rows, int64_t d, const float* x, const float* dy, const float* gamma,
                         const float* save_mean, const float* save_invstd, float* dx, float* dgamma, float* dbeta) {
    const auto& k = active();
    const bool params = dgamma || dbeta;
    const int64_t chunks = std::min(rows, kLnChunks);
    std::vector<double> pg(params && dgamma ? static_cast<size_t>(chunks * d) : 0, 0.0);
    std::vector<double> pb(params && dbeta ? static_cast<size_t>(chunks * d) : 0, 0.0);
    parallel_tasks(chunks, [&](int64_t ch) {
        const int64_t r0 = rows * ch / chunks, r1 = rows * (ch + 1) / chunks;
        for (int64_t r = r0; r < r1; ++r) {
            k.ln_row_backward(x + r * d, dy + r * d, d, save_mean[r], save_invstd[r], gamma, dx + r * d);
            if (params)
                k.ln_row_param_grad(x + r * d, dy + r * d, d, save_mean[r], save_invstd[r],
                                    dgamma ? pg.data() + ch * d : nullptr, dbeta ? pb.data() + ch * d : nullptr);
        }
    });
    for (int64_t j = 0; j < d; ++j) {
        double g = 0.0, b = 0.0;
        for (int64_t ch = 0; ch < chunks; ++ch) {
            if (dgamma) g += pg[static_cast<size_t>(ch * d + j)];
            if (dbeta) b += pb[static_cast<size_t>(ch * d + j)];
        }
        if (dgamma) dgamma[j] = static_cast<float>(g);
        if (dbeta) dbeta[j] = static_cast<float>(b);
    }
}

void dropout(const float* x, float* y, uint8_t* mask, int64_t n, float p, uint64_t seed, uint64_t offset) {
    const auto& k = active();
    const int64_t blocks = (n + kDropoutBlock - 1) / kDropoutBlock;
    parallel_tasks(blocks, [&](int64_t b) {
        const int64_t s = b * kDropoutBlock, len = std::min(kDropoutBlock, n - s);
        k.dropout(x + s, y + s, mask ? mask + s : nullptr, len, p, seed, offset + static_cast<uint64_t>(s));
    });
}

void dropout_backward(const float* dy, const uint8_t* mask, float* dx, int64_t n, float p) {
    const auto& k = active();
    const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    const int64_t blocks = (n + kDropoutBlock - 1) / kDropoutBlock;
    parallel_tasks(blocks, [&](int64_t b) {
        const int64_t s = b * kDropoutBlock, len = std::min(kDropoutBlock, n - s);
        k.dropout_backward(dy + s, mask + s, dx + s, len, scale);
    });
}

}  // namespace nn::norm
