// Exported pooling entry points: validate every argument (messages name it and its value), then
// hand over to the drivers in src/pool/.
#include "nativenet.h"
#include "pool/pool.h"
#include "runtime/error.h"

namespace {

nn::pool::shape pool_shape(const nn_pool2d_desc* desc, bool avg) {
    nn::check_not_null(desc, "desc");
    return nn::pool::validate(*desc, avg);
}

void check_adaptive(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow) {
    nn::check_positive(n, "n");
    nn::check_positive(c, "c");
    nn::check_positive(h, "h");
    nn::check_positive(w, "w");
    nn::check_positive(oh, "oh");
    nn::check_positive(ow, "ow");
    nn::checked_mul(nn::checked_mul(nn::checked_mul(n, c, "input size"), h, "input size"), w, "input size");
    nn::checked_mul(nn::checked_mul(nn::checked_mul(n, c, "output size"), oh, "output size"), ow, "output size");
    // (i + 1) * h in the window bounds must not overflow.
    nn::checked_mul(h, oh, "h * oh");
    nn::checked_mul(w, ow, "w * ow");
}

}  // namespace

extern "C" {

NN_API nn_status nn_pool2d_output_size(const nn_pool2d_desc* desc, int64_t* oh, int64_t* ow) {
    return nn::guard(__func__, [&] {
        auto p = pool_shape(desc, false);
        nn::check_not_null(oh, "oh");
        nn::check_not_null(ow, "ow");
        *oh = p.g.oh;
        *ow = p.g.ow;
    });
}

NN_API nn_status nn_max_pool2d_forward(const nn_pool2d_desc* desc, const float* x, float* y, int64_t* indices) {
    return nn::guard(__func__, [&] {
        auto p = pool_shape(desc, false);
        nn::check_not_null(x, "x");
        nn::check_not_null(y, "y");
        nn::pool::max_forward(p, x, y, indices);
    });
}

NN_API nn_status nn_max_pool2d_backward(const nn_pool2d_desc* desc, const float* dy, const int64_t* indices,
                                        float* dx) {
    return nn::guard(__func__, [&] {
        auto p = pool_shape(desc, false);
        nn::check_not_null(dy, "dy");
        nn::check_not_null(indices, "indices");
        nn::check_not_null(dx, "dx");
        nn::pool::max_backward(p, dy, indices, dx);
    });
}

NN_API nn_status nn_avg_pool2d_forward(const nn_pool2d_desc* desc, const float* x, float* y) {
    return nn::guard(__func__, [&] {
        auto p = pool_shape(desc, true);
        nn::check_not_null(x, "x");
        nn::check_not_null(y, "y");
        nn::pool::avg_forward(p, x, y);
    });
}

NN_API nn_status nn_avg_pool2d_backward(const nn_pool2d_desc* desc, const float* dy, float* dx) {
    return nn::guard(__func__, [&] {
        auto p = pool_shape(desc, true);
        nn::check_not_null(dy, "dy");
        nn::check_not_null(dx, "dx");
        nn::pool::avg_backward(p, dy, dx);
    });
}

NN_API nn_status nn_adaptive_avg_pool2d_forward(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow,
                                                const float* x, float* y) {
    return nn::guard(__func__, [&] {
        check_adaptive(n, c, h, w, oh, ow);
        nn::check_not_null(x, "x");
        nn::check_not_null(y, "y");
        nn::pool::adaptive_forward(n, c, h, w, oh, ow, x, y);
    });
}

NN_API nn_status nn_adaptive_avg_pool2d_backward(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow,
                                                 const float* dy, float* dx) {
    return nn::guard(__func__, [&] {
        check_adaptive(n, c, h, w, oh, ow);
        nn::check_not_null(dy, "dy");
        nn::check_not_null(dx, "dx");
        nn::pool::adaptive_backward(n, c, h, w, oh, ow, dy, dx);
    });
}

}  // extern "C"
