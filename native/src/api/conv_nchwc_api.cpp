// Exported entry points of the NCHW16c blocked convolutions (src/conv/nchwc/): validate every
// argument (messages name it and its value), then hand over to the drivers.
#include <initializer_list>
#include <utility>

#include "conv/nchwc/nchwc.h"
#include "nativenet.h"
#include "pool/pool.h"
#include "runtime/error.h"

struct nn_conv2d_nchwc {
    nn::conv::nchwc::packed_conv conv;
};

namespace {

void check_blocked_available() {
    if (nn::conv::nchwc::block() == 0)
        throw nn::status_error(NN_ERR_UNSUPPORTED, "the NCHW16c kernels need AVX-512 (nn_nchwc_block reports 0)");
}

// n images of c channels and hw pixels: positive, and the padded blocked size addressable.
void check_layout(int64_t n, int64_t c, int64_t hw) {
    nn::check_positive(n, "n");
    nn::check_positive(c, "c");
    nn::check_positive(hw, "hw");
    int64_t total;
    const int64_t padded = nn::conv::nchwc::blocks(c) * nn::conv::nchwc::kBlock;
    if (__builtin_mul_overflow(n, padded, &total) || __builtin_mul_overflow(total, hw, &total) ||
        total > (int64_t{1} << 61))
        nn::invalid_argument("n * c * hw (channels padded to blocks) overflows. Received: n=", n, ", c=", c, ", hw=", hw);
}

// nn_nchwc_from_nchw and nn_nchwc_to_nchw.
nn_status reorder(const char* fn, void (*convert)(const float*, int64_t, int64_t, int64_t, float*), const float* x,
                  int64_t n, int64_t c, int64_t hw, float* y) {
    return nn::guard(fn, [&] {
        check_layout(n, c, hw);
        nn::check_not_null(x, "x");
        nn::check_not_null(y, "y");
        check_blocked_available();
        convert(x, n, c, hw, y);
    });
}

}  // namespace

extern "C" {

NN_API nn_status nn_nchwc_block(int64_t* block) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(block, "block");
        *block = nn::conv::nchwc::block();
    });
}

NN_API nn_status nn_nchwc_from_nchw(const float* x, int64_t n, int64_t c, int64_t hw, float* y) {
    return reorder(__func__, nn::conv::nchwc::to_blocked, x, n, c, hw, y);
}

NN_API nn_status nn_nchwc_to_nchw(const float* x, int64_t n, int64_t c, int64_t hw, float* y) {
    return reorder(__func__, nn::conv::nchwc::from_blocked, x, n, c, hw, y);
}

NN_API nn_status nn_conv2d_nchwc_supported(const nn_conv2d_desc* desc, int32_t* supported) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(desc, "desc");
        nn::check_not_null(supported, "supported");
        const auto p = nn::conv::validate(*desc);
        *supported = 0;
        if (nn::conv::nchwc::block() != 0 && nn::conv::nchwc::supports(p))
            *supported = nn::conv::nchwc::kind_of(p) == nn::conv::nchwc::packed_conv::kind::direct ? 2 : 1;
    });
}

NN_API nn_status nn_conv2d_nchwc_pack(const nn_conv2d_desc* desc, const float* weight, const float* bias,
                                      nn_conv2d_nchwc** out) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(out, "out");
        *out = nullptr;
        nn::check_not_null(desc, "desc");
        auto p = nn::conv::validate(*desc);
        nn::check_not_null(weight, "weight");
        check_blocked_available();
        *out = new nn_conv2d_nchwc{nn::conv::nchwc::pack(p, weight, bias)};
    });
}

NN_API nn_status nn_conv2d_nchwc_forward(const nn_conv2d_nchwc* packed, int64_t n, const float* x,
                                         const float* residual, nn_unary_op activation, float alpha, float* y) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(packed, "packed");
        const auto& p = packed->conv.p;
        check_layout(n, p.c, p.h * p.w);
        check_layout(n, p.k, p.oh * p.ow);
        if (activation < NN_UNARY_IDENTITY || activation > NN_UNARY_MISH)
            nn::invalid_argument("activation is not an nn_unary_op. Received: activation=", static_cast<int>(activation));
        nn::check_not_null(x, "x");
        nn::check_not_null(y, "y");
        nn::conv::nchwc::forward(packed->conv, n, x, residual, activation, alpha, y);
    });
}

NN_API nn_status nn_conv2d_nchwc_forward_maxpool(const nn_conv2d_nchwc* packed, int64_t n, const float* x,
                                                 nn_unary_op activation, float alpha, const nn_pool2d_desc* pool,
                                                 float* y) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(packed, "packed");
        nn::check_not_null(pool, "pool");
        const auto& p = packed->conv.p;
        if (packed->conv.k != nn::conv::nchwc::packed_conv::kind::direct)
            nn::invalid_argument("packed must be a stem (NCHW input: nn_conv2d_nchwc_supported gives 2). Received a ",
                                 p.c, "->", p.k, " channel ", p.r, "x", p.s, " layer");
        check_layout(n, p.c, p.h * p.w);
        check_layout(n, p.k, p.oh * p.ow);
        const auto ps = nn::conv::validate_pool_of(p, n, *pool);
        if (ps.g.dh != 1 || ps.g.dw != 1)
            nn::invalid_argument("pool dilation must be 1. Received: pool->dilation_h=", ps.g.dh,
                                 ", pool->dilation_w=", ps.g.dw);
        if (activation < NN_UNARY_IDENTITY || activation > NN_UNARY_MISH)
            nn::invalid_argument("activation is not an nn_unary_op. Received: activation=", static_cast<int>(activation));
        nn::check_not_null(x, "x");
        nn::check_not_null(y, "y");
        check_blocked_available();
        nn::conv::nchwc::forward_direct_maxpool(packed->conv, n, x, activation, alpha, ps.g, y);
    });
}

NN_API nn_status nn_conv2d_nchwc_forward_expand_dw(const nn_conv2d_nchwc* expand, const nn_conv2d_nchwc* depthwise,
                                                   int64_t n, const float* x, nn_unary_op activation1, float alpha1,
                                                   nn_unary_op activation2, float alpha2, float* mid, float* y) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(expand, "expand");
        nn::check_not_null(depthwise, "depthwise");
        if (!nn::conv::nchwc::expand_dw_fusable(expand->conv, depthwise->conv))
            nn::invalid_argument("expand must be a 1x1 layer or a stem and depthwise a depthwise 3x3 layer over its output. Received: expand ",
                                 expand->conv.p.c, "->", expand->conv.p.k, " channels, ", expand->conv.p.r, "x",
                                 expand->conv.p.s, "; depthwise ", depthwise->conv.p.c, " channels, ",
                                 depthwise->conv.p.r, "x", depthwise->conv.p.s, " in ", depthwise->conv.p.h, "x",
                                 depthwise->conv.p.w);
        const auto& e = expand->conv.p;
        const auto& d = depthwise->conv.p;
        check_layout(n, e.c, e.h * e.w);
        check_layout(n, e.k, e.oh * e.ow);
        check_layout(n, d.k, d.oh * d.ow);
        for (auto [act, name] : {std::pair{activation1, "activation1"}, std::pair{activation2, "activation2"}})
            if (act < NN_UNARY_IDENTITY || act > NN_UNARY_MISH)
                nn::invalid_argument(name, " is not an nn_unary_op. Received: ", name, "=", static_cast<int>(act));
        nn::check_not_null(x, "x");
        nn::check_not_null(mid, "mid");
        nn::check_not_null(y, "y");
        check_blocked_available();
        nn::conv::nchwc::forward_expand_dw(expand->conv, depthwise->conv, n, x, activation1, alpha1, activation2, alpha2,
                                           mid, y);
    });
}

NN_API nn_status nn_conv2d_nchwc_forward_expand_dw_project(const nn_conv2d_nchwc* expand,
                                                           const nn_conv2d_nchwc* depthwise,
                                                           const nn_conv2d_nchwc* project, int64_t n, const float* x,
                                                           nn_unary_op activation1, float alpha1,
                                                           nn_unary_op activation2, float alpha2,
                                                           const float* residual, nn_unary_op activation3,
                                                           float alpha3, float* mid, float* mid2, float* y) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(expand, "expand");
        nn::check_not_null(depthwise, "depthwise");
        nn::check_not_null(project, "project");
        if (!nn::conv::nchwc::expand_dw_project_fusable(expand->conv, depthwise->conv, project->conv))
            nn::invalid_argument("expand must be a 1x1 layer or a stem, depthwise a depthwise 3x3 layer over its output and project a "
                                 "1x1 layer over depthwise's output. Received: expand ",
                                 expand->conv.p.c, "->", expand->conv.p.k, " channels, ", expand->conv.p.r, "x",
                                 expand->conv.p.s, "; depthwise ", depthwise->conv.p.c, " channels, ",
                                 depthwise->conv.p.r, "x", depthwise->conv.p.s, " in ", depthwise->conv.p.h, "x",
                                 depthwise->conv.p.w, "; project ", project->conv.p.c, "->", project->conv.p.k,
                                 " channels, ", project->conv.p.r, "x", project->conv.p.s, " in ", project->conv.p.h,
                                 "x", project->conv.p.w);
        const auto& e = expand->conv.p;
        const auto& d = depthwise->conv.p;
        const auto& q = project->conv.p;
        check_layout(n, e.c, e.h * e.w);
        check_layout(n, e.k, e.oh * e.ow);
        check_layout(n, d.k, d.oh * d.ow);
        check_layout(n, q.k, q.oh * q.ow);
        for (auto [act, name] : {std::pair{activation1, "activation1"}, std::pair{activation2, "activation2"},
                                 std::pair{activation3, "activation3"}})
            if (act < NN_UNARY_IDENTITY || act > NN_UNARY_MISH)
                nn::invalid_argument(name, " is not an nn_unary_op. Received: ", name, "=", static_cast<int>(act));
        nn::check_not_null(x, "x");
        nn::check_not_null(mid, "mid");
        nn::check_not_null(mid2, "mid2");
        nn::check_not_null(y, "y");
        check_blocked_available();
        nn::conv::nchwc::forward_expand_dw_project(expand->conv, depthwise->conv, project->conv, n, x, activation1,
                                                   alpha1, activation2, alpha2, residual, activation3, alpha3, mid,
                                                   mid2, y);
    });
}

NN_API nn_status nn_conv2d_nchwc_destroy(nn_conv2d_nchwc* packed) {
    delete packed;
    return NN_OK;
}

}  // extern "C"
