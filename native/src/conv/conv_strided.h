// Strided convolutions with many input channels (ResNet's 3x3/2 and 1x1/2 downsampling layers),
// direct and vectorized over output channels, as the NCHW16c stem kernel: a tile is 4 vectors of
// 16 output channels x 6 output pixels, per (input channel, tap) 4 weight loads, 6 broadcasts of
// the NCHW input and 24 FMAs. Any stride costs the same (the input is only broadcast), there is
// no im2col, and the output is transposed to NCHW through a small per-band buffer.
//
// Taken by nn_conv2d_pack (forward() keeps the im2col GEMM, see pack() in conv2d.cpp) on AVX-512
// only (the nchwc kernel table's `strided`), in float32 (bf16 packs: on operands rounded to bf16
// where the CPU has no bf16 products, else the bf16 GEMM); elsewhere the im2col GEMM.
#pragma once
#include <cstdint>

#include "conv/conv.h"

namespace nn::conv {

// Whether a packed layer takes the strided direct kernel: one group, stride above 1, dilation 1,
// more input channels than the phase planes take (conv_direct.h), padding inside the kernel.
bool takes_strided_direct(const shape& p);
// Packed weights: per group of 4 output blocks [c][tap][blocks * 16], then the bias padded to
// whole blocks (zero without one).
int64_t strided_weights_size(const shape& p);
// Where the bias starts in the packed weights (the floats before it are weights).
int64_t strided_bias_offset(const shape& p);
void strided_pack_weights(const shape& p, const float* w, const float* bias, float* wpk);
// y = act(conv(x) + bias + residual) for p.n images (residual: y's shape, may be null).
void strided_forward_packed(const shape& p, const float* x, const float* wpk, const float* residual, int act,
                            float alpha, float* y);

}  // namespace nn::conv
