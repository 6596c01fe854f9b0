// The im2col convolution (conv2d.cpp's GEMM path: strided layers, 1x1, ResNet's 7x7 stem) with
// bf16 products, for nn_conv2d_forward_bf16 and nn_conv2d_pack_bf16. Per task one band of output
// rows of one image and group (and a chunk of its output channels when tasks are few): the band's
// im2col in float32 scratch (or the input itself for 1x1, stride 1, no padding), then the bf16
// GEMM on this thread, y_band = act(W_g * col + bias): the weights rounded and packed once (per
// call, or once for a packed layer), the columns rounded while packed into this thread's bf16
// scratch, float32 sums (bf16/bf16.h). Used where this process multiplies in bf16 (vdpbf16ps);
// otherwise conv2d.cpp runs the float32 im2col path on the input rounded once and on rounded
// weights (rounded_gemm), the same products at float32's cost.
#pragma once
#include <cstdint>

#include "conv/conv.h"

namespace nn::conv {

// y = act(conv(x) + bias) with act one of the GEMM epilogue's (identity, ReLU, sigmoid, tanh,
// GELU); bias may be null. The bits do not depend on the thread count.
void gemm_forward_bf16(const shape& p, const float* x, const float* w, const float* bias, int act, float* y);
// The same in two steps (nn_conv2d_pack_bf16): the weights rounded and packed once
// (gemm_weights_size_bf16(p) floats, laid out for this process's bf16 table), then the forward.
int64_t gemm_weights_size_bf16(const shape& p);
void gemm_pack_weights_bf16(const shape& p, const float* w, float* wpk);
void gemm_forward_packed_bf16(const shape& p, const float* x, const float* wpk, const float* bias, int act, float* y);
// The data gradient on the same path: dcol = W_g^T * dY per band with bf16 products (W^T rounded
// and packed once per call), then col2im (float32 sums); for 1x1 stride 1, dcol is dx.
void gemm_backward_data_bf16(const shape& p, const float* dy, const float* w, float* dx);

}  // namespace nn::conv
