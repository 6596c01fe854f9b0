// Exported convolution entry points (1-D and 2-D): validate every argument (messages name it
// and its value), then hand over to the drivers in src/conv/.
#include "conv/conv.h"
#include "pool/pool.h"
#include "nativenet.h"
#include "runtime/error.h"

namespace {

void check_activation(int32_t act) {
    if (act < NN_UNARY_IDENTITY || act > NN_UNARY_GELU)
        nn::invalid_argument("activation must be NN_UNARY_IDENTITY, RELU, SIGMOID, TANH or GELU (0..4). Received: activation=", act);
}

template <class Desc>
nn::conv::shape conv_shape(const Desc* desc) {
    nn::check_not_null(desc, "desc");
    return nn::conv::validate(*desc);
}


template <class Desc>
nn_status conv_forward(const char* fn, const Desc* desc, const float* x, const float* weight, const float* bias,
                       int32_t activation, float* y, bool bf16 = false) {
    return nn::guard(fn, [&] {
        auto p = conv_shape(desc);
        check_activation(activation);
        nn::check_not_null(x, "x");
        nn::check_not_null(weight, "weight");
        nn::check_not_null(y, "y");
        nn::conv::forward(p, x, weight, bias, activation, y, bf16);
    });
}

template <class Desc>
nn_status conv_backward_data(const char* fn, const Desc* desc, const float* dy, const float* weight, float* dx,
                             bool bf16 = false) {
    return nn::guard(fn, [&] {
        auto p = conv_shape(desc);
        nn::check_not_null(dy, "dy");
        nn::check_not_null(weight, "weight");
        nn::check_not_null(dx, "dx");
        nn::conv::backward_data(p, dy, weight, dx, bf16);
    });
}

template <class Desc>
nn_status conv_backward_weights(const char* fn, const Desc* desc, const float* x, const float* dy, float* dweight,
                                float* dbias) {
    return nn::guard(fn, [&] {
        auto p = conv_shape(desc);
        nn::check_not_null(x, "x");
        nn::check_not_null(dy, "dy");
        nn::check_not_null(dweight, "dweight");
        nn::conv::backward_weights(p, x, dy, dweight, dbias);
    });
}

}  // namespace

struct nn_conv2d_packed {
    nn::conv::packed_conv conv;
};

// nn_conv2d_pack and nn_conv2d_pack_bf16.
static nn_status conv_pack(const char* fn, const nn_conv2d_desc* desc, const float* weight, const float* bias,
                           nn_conv2d_packed** out, bool bf16) {
    return nn::guard(fn, [&] {
        nn::check_not_null(out, "out");
        *out = nullptr;
        auto p = conv_shape(desc);
        nn::check_not_null(weight, "weight");
        *out = new nn_conv2d_packed{nn::conv::pack(p, weight, bias, bf16)};
    });
}

// nn_conv2d_packed_forward and nn_conv2d_packed_forward_maxpool: the arguments they share.
static void check_packed_call(const nn_conv2d_packed* packed, int64_t n, nn_unary_op activation, const float* x,
                              const float* y) {
    nn::check_not_null(packed, "packed");
    if (n < 1) nn::invalid_argument("n must be >= 1. Received: n=", n);
    // The batch times one image's input or output must stay addressable (the descriptor
    // was validated for its own batch only).
    const auto& p = packed->conv.p;
    int64_t in, out;
    if (__builtin_mul_overflow(n, p.c * p.h * p.w, &in) || __builtin_mul_overflow(n, p.k * p.oh * p.ow, &out) ||
        in > (int64_t{1} << 61) || out > (int64_t{1} << 61))
        nn::invalid_argument("n times the packed image size overflows. Received: n=", n);
    if (activation < NN_UNARY_IDENTITY || activation > NN_UNARY_MISH)
        nn::invalid_argument("activation is not an nn_unary_op. Received: activation=", static_cast<int>(activation));
    nn::check_not_null(x, "x");
    nn::check_not_null(y, "y");
}

extern "C" {

NN_API nn_status nn_conv2d_output_size(const nn_conv2d_desc* desc, int64_t* oh, int64_t* ow) {
    return nn::guard(__func__, [&] {
        auto p = conv_shape(desc);
        nn::check_not_null(oh, "oh");
        nn::check_not_null(ow, "ow");
        *oh = p.oh;
        *ow = p.ow;
    });
}

NN_API nn_status nn_conv2d_forward(const nn_conv2d_desc* desc, const float* x, const float* weight, const float* bias,
                                   nn_unary_op activation, float* y) {
    return conv_forward(__func__, desc, x, weight, bias, activation, y);
}

NN_API nn_status nn_conv2d_backward_data(const nn_conv2d_desc* desc, const float* dy, const float* weight, float* dx) {
    return conv_backward_data(__func__, desc, dy, weight, dx);
}

NN_API nn_status nn_conv2d_forward_bf16(const nn_conv2d_desc* desc, const float* x, const float* weight,
                                        const float* bias, nn_unary_op activation, float* y) {
    return conv_forward(__func__, desc, x, weight, bias, activation, y, true);
}

NN_API nn_status nn_conv2d_backward_data_bf16(const nn_conv2d_desc* desc, const float* dy, const float* weight,
                                              float* dx) {
    return conv_backward_data(__func__, desc, dy, weight, dx, true);
}

NN_API nn_status nn_conv2d_backward_weights(const nn_conv2d_desc* desc, const float* x, const float* dy,
                                            float* dweight, float* dbias) {
    return conv_backward_weights(__func__, desc, x, dy, dweight, dbias);
}

NN_API nn_status nn_conv2d_pack(const nn_conv2d_desc* desc, const float* weight, const float* bias,
                                nn_conv2d_packed** out) {
    return conv_pack(__func__, desc, weight, bias, out, false);
}

NN_API nn_status nn_conv2d_pack_bf16(const nn_conv2d_desc* desc, const float* weight, const float* bias,
                                     nn_conv2d_packed** out) {
    return conv_pack(__func__, desc, weight, bias, out, true);
}

NN_API nn_status nn_conv2d_packed_forward(const nn_conv2d_packed* packed, int64_t n, const float* x,
                                          const float* residual, nn_unary_op activation, float alpha, float* y) {
    return nn::guard(__func__, [&] {
        check_packed_call(packed, n, activation, x, y);
        nn::conv::forward_packed(packed->conv, n, x, residual, activation, alpha, y);
    });
}

NN_API nn_status nn_conv2d_packed_forward_maxpool(const nn_conv2d_packed* packed, int64_t n, const float* x,
                                                  nn_unary_op activation, float alpha, const nn_pool2d_desc* pool,
                                                  float* y) {
    return nn::guard(__func__, [&] {
        check_packed_call(packed, n, activation, x, y);
        nn::check_not_null(pool, "pool");
        const auto& p = packed->conv.p;
        const auto ps = nn::conv::validate_pool_of(p, n, *pool);
        nn::conv::forward_packed_maxpool(packed->conv, n, x, activation, alpha, ps.g, y);
    });
}

NN_API nn_status nn_conv2d_packed_destroy(nn_conv2d_packed* packed) {
    delete packed;
    return NN_OK;
}

NN_API nn_status nn_conv1d_output_size(const nn_conv1d_desc* desc, int64_t* ol) {
    return nn::guard(__func__, [&] {
        auto p = conv_shape(desc);
        nn::check_not_null(ol, "ol");
        *ol = p.ow;
    });
}

NN_API nn_status nn_conv1d_forward(const nn_conv1d_desc* desc, const float* x, const float* weight, const float* bias,
                                   nn_unary_op activation, float* y) {
    return conv_forward(__func__, desc, x, weight, bias, activation, y);
}

NN_API nn_status nn_conv1d_backward_data(const nn_conv1d_desc* desc, const float* dy, const float* weight, float* dx) {
    return conv_backward_data(__func__, desc, dy, weight, dx);
}

NN_API nn_status nn_conv1d_backward_weights(const nn_conv1d_desc* desc, const float* x, const float* dy,
                                            float* dweight, float* dbias) {
    return conv_backward_weights(__func__, desc, x, dy, dweight, dbias);
}

}  // extern "C"
