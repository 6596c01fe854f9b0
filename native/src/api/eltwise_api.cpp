// Exported element-wise entry points: validate, then split across the pool.
#include "eltwise/eltwise.h"
#include "nativenet.h"
#include "runtime/error.h"
#include "runtime/threadpool.h"

#include <algorithm>
#include <vector>

namespace {

// Range checks for the op enums as they arrive from the C ABI.
bool unary_op_valid(int op) noexcept { return op >= NN_UNARY_IDENTITY && op <= NN_UNARY_MISH; }
bool binary_op_valid(int op) noexcept { return op >= NN_BINARY_ADD && op <= NN_BINARY_MIN; }
// Below this many elements per thread the pool's wake-up costs more than it saves.
constexpr int64_t kGrain = 1 << 15;

void check_unary_op(int op) {
    if (!unary_op_valid(op)) nn::invalid_argument("op is not an nn_unary_op. Received: op=", op);
}
}  // namespace

extern "C" {

NN_API nn_status nn_unary(nn_unary_op op, const float* x, float* y, int64_t n, float alpha) {
    return nn::guard(__func__, [&] {
        check_unary_op(op);
        nn::check_non_negative(n, "n");
        nn::check_buffer(x, n, "x");
        nn::check_buffer(y, n, "y");
        const auto& k = nn::eltwise::active();
        nn::parallel_for(n, kGrain, [&](int64_t b, int64_t e) { k.unary(op, x + b, y + b, e - b, alpha); });
    });
}

NN_API nn_status nn_unary_backward(nn_unary_op op, const float* x, const float* y, const float* dy, float* dx,
                                   int64_t n, float alpha) {
    return nn::guard(__func__, [&] {
        check_unary_op(op);
        nn::check_non_negative(n, "n");
        nn::check_buffer(x, n, "x");
        nn::check_buffer(y, n, "y");
        nn::check_buffer(dy, n, "dy");
        nn::check_buffer(dx, n, "dx");
        const auto& k = nn::eltwise::active();
        nn::parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
            k.unary_backward(op, x + b, y + b, dy + b, dx + b, e - b, alpha);
        });
    });
}

NN_API nn_status nn_binary(nn_binary_op op, const float* a, const float* b, float* y, int64_t n) {
    return nn::guard(__func__, [&] {
        if (!binary_op_valid(op)) nn::invalid_argument("op is not an nn_binary_op. Received: op=", op);
        nn::check_non_negative(n, "n");
        nn::check_buffer(a, n, "a");
        nn::check_buffer(b, n, "b");
        nn::check_buffer(y, n, "y");
        const auto& k = nn::eltwise::active();
        nn::parallel_for(n, kGrain, [&](int64_t s, int64_t e) { k.binary(op, a + s, b + s, y + s, e - s); });
    });
}

NN_API nn_status nn_binary_scalar(nn_binary_op op, const float* a, float b, float* y, int64_t n) {
    return nn::guard(__func__, [&] {
        if (!binary_op_valid(op)) nn::invalid_argument("op is not an nn_binary_op. Received: op=", op);
        nn::check_non_negative(n, "n");
        nn::check_buffer(a, n, "a");
        nn::check_buffer(y, n, "y");
        const auto& k = nn::eltwise::active();
        nn::parallel_for(n, kGrain, [&](int64_t s, int64_t e) { k.binary_scalar(op, a + s, b, y + s, e - s); });
    });
}

NN_API nn_status nn_axpby(int64_t n, float alpha, const float* x, float beta, float* y) {
    return nn::guard(__func__, [&] {
        nn::check_non_negative(n, "n");
        nn::check_buffer(x, n, "x");
        nn::check_buffer(y, n, "y");
        const auto& k = nn::eltwise::active();
        nn::parallel_for(n, kGrain, [&](int64_t s, int64_t e) { k.axpby(e - s, alpha, x + s, beta, y + s); });
    });
}

NN_API nn_status nn_fill(float* y, int64_t n, float value) {
    return nn::guard(__func__, [&] {
        nn::check_non_negative(n, "n");
        nn::check_buffer(y, n, "y");
        const auto& k = nn::eltwise::active();
        nn::parallel_for(n, kGrain, [&](int64_t s, int64_t e) { k.fill(y + s, e - s, value); });
    });
}

NN_API nn_status nn_sum(const float* x, int64_t n, double* out) {
    return nn::guard(__func__, [&] {
        nn::check_non_negative(n, "n");
        nn::check_buffer(x, n, "x");
        nn::check_not_null(out, "out");
        // The order of nn::eltwise::sum_block_ref (see eltwise.h): threads only split the blocks,
        // so the result depends on n only, never on threads or ISA.
        using nn::eltwise::kSumBlock;
        const auto& k = nn::eltwise::active();
        int64_t blocks = (n + kSumBlock - 1) / kSumBlock;
        std::vector<double> partial(static_cast<size_t>(blocks));
        nn::parallel_for(blocks, 16, [&](int64_t b0, int64_t b1) {
            for (int64_t b = b0; b < b1; ++b)
                partial[static_cast<size_t>(b)] = k.sum_block(x + b * kSumBlock, std::min(kSumBlock, n - b * kSumBlock));
        });
        double s = 0.0;
        for (double v : partial) s += v;
        *out = s;
    });
}

}  // extern "C"
