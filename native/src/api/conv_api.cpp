// Exported convolution entry points (1-D and 2-D): validate every argument (messages name it
// and its value), then hand over to the drivers in src/conv/.
#include "conv/conv.h"
#include "nativenet.h"
#include "runtime/error.h"

namespace {

void check_activation(int32_t act) {
    if (act < NN_CONV_ACTIVATION_NONE || act > NN_CONV_ACTIVATION_GELU)
        nn::invalid_argument("activation must be one of NN_CONV_ACTIVATION_* (0..4). Received: activation=", act);
}

template <class Desc>
nn::conv::shape conv_shape(const Desc* desc) {
    nn::check_not_null(desc, "desc");
    return nn::conv::validate(*desc);
}


template <class Desc>
nn_status conv_forward(const char* fn, const Desc* desc, const float* x, const float* weight, const float* bias,
                       int32_t activation, float* y) {
    return nn::guard(fn, [&] {
        auto p = conv_shape(desc);
        check_activation(activation);
        nn::check_not_null(x, "x");
        nn::check_not_null(weight, "weight");
        nn::check_not_null(y, "y");
        nn::conv::forward(p, x, weight, bias, activation, y);
    });
}

template <class Desc>
nn_status conv_backward_data(const char* fn, const Desc* desc, const float* dy, const float* weight, float* dx) {
    return nn::guard(fn, [&] {
        auto p = conv_shape(desc);
        nn::check_not_null(dy, "dy");
        nn::check_not_null(weight, "weight");
        nn::check_not_null(dx, "dx");
        nn::conv::backward_data(p, dy, weight, dx);
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
                                   int32_t activation, float* y) {
    return conv_forward(__func__, desc, x, weight, bias, activation, y);
}

NN_API nn_status nn_conv2d_backward_data(const nn_conv2d_desc* desc, const float* dy, const float* weight, float* dx) {
    return conv_backward_data(__func__, desc, dy, weight, dx);
}

NN_API nn_status nn_conv2d_backward_weights(const nn_conv2d_desc* desc, const float* x, const float* dy,
                                            float* dweight, float* dbias) {
    return conv_backward_weights(__func__, desc, x, dy, dweight, dbias);
}

NN_API nn_status nn_conv1d_output_size(const nn_conv1d_desc* desc, int64_t* ol) {
    return nn::guard(__func__, [&] {
        auto p = conv_shape(desc);
        nn::check_not_null(ol, "ol");
        *ol = p.ow;
    });
}

NN_API nn_status nn_conv1d_forward(const nn_conv1d_desc* desc, const float* x, const float* weight, const float* bias,
                                   int32_t activation, float* y) {
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
