// Direct ("flat padded") forward convolution for stride 1, any dilation: no im2col, no GEMM.
//
// Each input plane of a band of output rows is copied once into a zero-padded band of row pitch
// wp = w + pl + pr - min(pl, pr, (s - 1) * dw) (the right padding of one row shares zeros with
// the next row's left padding, as far as an output row still fits in wp). Output position
// n = oh * wp + ow then reads xp[n + i*dh*wp + j*dw] for tap (i, j):
// one contiguous vector load per tap for a run of consecutive positions, across row ends. The
// columns ow >= OW of each row are computed and dropped at the store.
#pragma once
#include <cstdint>

#include "conv/conv.h"
#include "runtime/kernel_table.h"

namespace nn::conv {

// One tile: output channels [0, mr) x flat positions [n0, n0 + np) of a band.
//   y[m * ldy + oh * ow + col] = act(bias[m] + sum_c sum_t w[(c * taps + t) * kmr + m] *
//                                    x[(n - n0) + off[c * taps + t]])
// for n = oh * wp + col in the tile with col < ow. x points at the band's position n0.
struct direct_tile {
    const float* x;
    int64_t channels;
    const int64_t* off;  // channels * taps: c * (the channel stride) + the tap's offset
    int64_t taps;
    const float* w;     // [channels][taps][kmr], rows past mr unread
    const float* bias;  // mr values, or null
    int act;            // nn_unary_op, IDENTITY..GELU
    int mr;             // 1..kmr
    int64_t n0, np;     // np <= tile positions (nr)
    int64_t row0, col0; // n0 = row0 * wp + col0
    int64_t wp, ow;
    float* y;  // the band's (oh = 0 of the band, channel 0) output
    int64_t ldy;
};

// Padded band of `channels` planes (h x w each, x[c * h * w]): for yy < rows, xp[c * cstride +
// yy * wp + pl + iw] = x[c, ih0 + yy, iw], zero elsewhere in [0, cstride) (rows outside the input,
// the pl columns before and the wp - pl - w after each row, the tail past rows * wp).
struct direct_pad {
    int64_t channels, h, w, ih0, rows, wp, pl, cstride;
};

namespace direct {

struct kernels {
    const char* isa;
    int kmr;  // output channels per tile (weights packed in blocks of kmr)
    int nr;   // positions per tile
    // Shortest reduction (cg * r * s) worth a tile's fixed costs; shorter ones keep the im2col
    // GEMM (AVX2 at C = 1, 3x3: 0.43 vs 0.39 ms for LeNet's first layer; AVX-512: 0.20 vs 0.23).
    int64_t min_crs;
    // The tile function for mr output channels and np positions (chosen once per run of tiles).
    void (*(*pick)(int mr, int64_t np))(const direct_tile& t);
    void (*pad)(const float* x, const direct_pad& a, float* xp);
};

NN_KERNEL_TABLES(kernels)

// active(), or null where the direct path is not used (no x86 kernels: arm64 keeps the im2col
// path on its NEON GEMM).
const kernels* available() noexcept;

}  // namespace direct

// Whether forward(p) takes the direct path.
bool takes_direct(const shape& p);
void direct_forward(const shape& p, const float* x, const float* w, const float* bias, int act, float* y);
// The same in two steps, so a layer's weights are packed once (nn_conv2d_pack).
int64_t direct_weights_size(const shape& p);
void direct_pack_weights(const shape& p, const float* w, float* wpk);
void direct_forward_packed(const shape& p, const float* x, const float* wpk, const float* bias, int act, float* y);
// The same with y's rows direct_flat_pitch(p) floats apart (planes oh times that): the padded
// band's pitch, so every vector of the tile is one store; the columns past ow of each row (but
// the last row's) hold values of no meaning. For a consumer that reads only columns < ow (the
// unpadded max pooling of forward_packed_maxpool).
int64_t direct_flat_pitch(const shape& p);
void direct_forward_packed_flat(const shape& p, const float* x, const float* wpk, const float* bias, int act, float* y);

}  // namespace nn::conv
