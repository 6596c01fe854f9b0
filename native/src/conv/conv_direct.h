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

// One tile of the direct kernel followed by a 2x2 stride-2 max pooling: output channels
// [0, mr) x output rows (2q, 2q + 1) x output columns [c0, c0 + 2 * pooled), pooled in registers:
//   y[m * ldy + j] = max of act(bias[m] + sum_c sum_t w[(c * taps + t) * kmr + m] * x[n + off[c * taps + t]])
// over n in {2j, 2j + 1, wp + 2j, wp + 2j + 1} (positions relative to x, the band at (2q, c0)),
// the window's taps taken in that order by the max pooling's rule (a larger value or a NaN
// replaces the current one), for j < pooled. Each output's sum is direct_tile's, bit for bit.
struct direct_pool_tile {
    const float* x;
    int64_t channels;
    const int64_t* off;
    int64_t taps;
    const float* w;     // [channels][taps][kmr]: the tile's first channel's column
    const float* bias;  // mr values, or null
    int act;            // nn_unary_op, IDENTITY..GELU
    int mr;             // 1..pool_mr: the picked function's
    int64_t pooled;     // <= the tile's columns / 2
    int64_t wp;
    float* y;  // pooled output of channel 0 at (q, c0 / 2)
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
    // The pooled tile: up to pool_mr output channels and pool_nr output columns (of two rows) a
    // call; pick_pool2(mr, columns) gives the function for a tile of mr channels and that many
    // columns (rounded up to whole vectors: it pools the first 2 * pooled).
    int pool_mr;
    int pool_nr;   // a whole number of vectors
    int pool_vec;  // floats a vector (even: tiles start at window boundaries)
    void (*(*pick_pool2)(int mr, int64_t columns))(const direct_pool_tile& t);
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

// maxpool2x2/2(act(conv(x) + bias)) for the p.n images, pooled in the tile (direct_pool_tile):
// y holds the pooled planes, (oh / 2) x (ow / 2) each (floor windows, no padding). The values are
// direct_forward_packed's, then pool::max_forward's, bit for bit; any thread count gives the
// same bits. For forward_packed_maxpool on a layer takes_direct accepts.
void direct_forward_packed_maxpool2(const shape& p, const float* x, const float* wpk, const float* bias, int act,
                                    float* y);

// Strides above 1 on the same kernels: the zero-padded input split into sh * sw phase planes per
// channel, phase (a, b)[y][x] = padded[y * sh + a][x * sw + b]. Tap (i, j) of output (oh, ow) then
// reads phase (i % sh, j % sw) at (oh + i / sh, ow + j / sw): consecutive outputs read consecutive
// floats again, as at stride 1 (row pitch wq). Dilation 1.
struct phases {
    int64_t wq;       // row pitch of a phase plane: ow + (s - 1) / sw
    int64_t extq;     // extra phase rows a band of output rows reads: (r - 1) / sh
    int64_t pstride;  // floats a phase plane holds (rows + extq rows of wq, then zero slack)
    int64_t cstride;  // floats a channel's sh * sw phase planes hold
};
// The planes for bands of `rows` output rows; slack: zero floats past each plane's rows (reads
// of discarded lanes), the planes kept 64-byte aligned.
phases phases_of(const shape& p, int64_t rows, int64_t slack);
// Offset of tap (i, j) of channel c in a band's phase planes.
inline int64_t phase_offset(const shape& p, const phases& f, int64_t c, int64_t i, int64_t j) {
    return c * f.cstride + ((i % p.sh) * p.sw + j % p.sw) * f.pstride + (i / p.sh) * f.wq + j / p.sw;
}
// Rows [y0, y1) of every phase plane of the group's cg channels (x: the group's first input
// plane), row y holding phase row q0 + y (q0: the band's first output row).
void phase_rows(const float* x, const shape& p, const phases& f, int64_t q0, int64_t y0, int64_t y1, float* xp);
// Whether a strided layer takes the phase planes: few input channels (a stem on RGB), where the
// im2col GEMM's reduction (cg * r * s) is too short for its tiles and its column packing is a
// large share of the time; the planes must stay near the input's size.
bool takes_phases(const shape& p);
// Whether forward(p) takes the direct kernel on phase planes (takes_phases and x86 kernels).
bool takes_direct_phased(const shape& p);
void direct_forward_phased(const shape& p, const float* x, const float* w, const float* bias, int act, float* y);
// The same on weights direct_pack_weights laid out (nn_conv2d_pack): the same bits.
void direct_forward_phased_packed(const shape& p, const float* x, const float* wpk, const float* bias, int act, float* y);

}  // namespace nn::conv
