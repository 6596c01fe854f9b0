// The convolution with its inference epilogue from the double-accumulating ground truth:
// y = act(conv(x) + bias + residual), shared by the tests of the packed and blocked entry points.
#pragma once
#include <cstdint>
#include <vector>

#include "conv/conv.h"
#include "eltwise/eltwise.h"

namespace nn_test {

inline std::vector<float> conv_epilogue_reference(const nn::conv::shape& p, const std::vector<float>& x,
                                                  const std::vector<float>& w, const float* bias, const float* res,
                                                  nn_unary_op act, float alpha) {
    const int64_t ys = p.n * p.k * p.oh * p.ow;
    std::vector<float> y(static_cast<size_t>(ys));
    nn::conv::forward_ref(p, x.data(), w.data(), bias, 0, y.data());
    if (res)
        for (int64_t i = 0; i < ys; ++i) y[static_cast<size_t>(i)] += res[i];
    nn::eltwise::ref_kernels.unary(act, y.data(), y.data(), ys, alpha);
    return y;
}

}  // namespace nn_test
