// Drivers: element-wise updates split into fixed-size chunks over the pool (each element is
// independent, so results never depend on the thread count); softmax splits over rows.
#include "optim/optim.h"

#include <algorithm>
#include <vector>

#include "runtime/threadpool.h"

namespace nn::optim {
namespace {
constexpr int64_t kUpdateGrain = 16384;
// Rows per task: enough elements that a task outweighs its scheduling.
int64_t row_grain(int64_t row_len) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, row_len)); }
}  // namespace

void sgd(const sgd_params& q, int64_t n, float* p, const float* g, float* buf) {
    const auto& k = active();
    parallel_for(n, kUpdateGrain, [&](int64_t b, int64_t e) { k.sgd(q, e - b, p + b, g + b, buf ? buf + b : nullptr); });
}

void adam(const adam_params& q, int64_t n, float* p, const float* g, float* m, float* v, float* vmax) {
    const auto& k = active();
    parallel_for(n, kUpdateGrain, [&](int64_t b, int64_t e) {
        k.adam(q, e - b, p + b, g + b, m + b, v + b, vmax ? vmax + b : nullptr);
    });
}

void adam_multi(const adam_tensor* tensors, int64_t count) {
    const auto& k = active();
    // Chunk c covers [first[c], first[c] + kUpdateGrain) of tensor owner[c]. The update is
    // element-wise and the kernels' vector body and tail agree bitwise, so how the elements are
    // cut into calls never changes a result.
    std::vector<int64_t> owner, first;
    for (int64_t i = 0; i < count; ++i)
        for (int64_t b = 0; b < tensors[i].n; b += kUpdateGrain) {
            owner.push_back(i);
            first.push_back(b);
        }
    parallel_tasks(static_cast<int64_t>(owner.size()), [&](int64_t c) {
        const adam_tensor& t = tensors[owner[static_cast<size_t>(c)]];
        const int64_t b = first[static_cast<size_t>(c)], e = std::min(t.n, b + kUpdateGrain);
        k.adam(t.q, e - b, t.p + b, t.g + b, t.m + b, t.v + b, t.vmax ? t.vmax + b : nullptr);
    });
}

void rmsprop(const rmsprop_params& q, int64_t n, float* p, const float* g, float* sq, float* buf, float* gavg) {
    const auto& k = active();
    parallel_for(n, kUpdateGrain, [&](int64_t b, int64_t e) {
        k.rmsprop(q, e - b, p + b, g + b, sq + b, buf ? buf + b : nullptr, gavg ? gavg + b : nullptr);
    });
}

void softmax(int64_t outer, int64_t d, int64_t inner, const float* x, float* y, bool log) {
    const auto& k = active();
    if (inner == 1) {
        parallel_for(outer, row_grain(d), [&](int64_t b, int64_t e) { k.softmax_rows(e - b, d, x + b * d, y + b * d, log); });
        return;
    }
    const int64_t slice = d * inner;
    parallel_for(outer, row_grain(slice), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) k.softmax_strided(d, inner, x + o * slice, y + o * slice, log);
    });
}

void softmax_backward(int64_t outer, int64_t d, int64_t inner, const float* y, const float* dy, float* dx, bool log) {
    const auto& k = active();
    if (inner == 1) {
        parallel_for(outer, row_grain(d), [&](int64_t b, int64_t e) {
            k.softmax_backward_rows(e - b, d, y + b * d, dy + b * d, dx + b * d, log);
        });
        return;
    }
    const int64_t slice = d * inner;
    parallel_for(outer, row_grain(slice), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) k.softmax_backward_strided(d, inner, y + o * slice, dy + o * slice, dx + o * slice, log);
    });
}

}  // namespace nn::optim
