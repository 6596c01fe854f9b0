// The channel-blocked layout NCHW16c for chains of inference convolutions (MobileNet's inverted
// residual blocks): an activation [n, c, h, w] is stored as [n, ceil(c / 16), h, w, 16], channel
// ch at block ch / 16, lane ch % 16, the lanes past c zero. In that layout a 1x1 convolution is
// a product of 16-channel vectors with broadcast pixels, and a depthwise tap is one plain vector
// FMA per pixel (no shuffles, no edge lanes), so a chain converted once at its start and once at
// its end runs with no re-layout between its nodes.
//
// The blocked kernels exist where a 16-float register does (AVX-512). Elsewhere block() is 0 and
// callers keep the NCHW convolutions (nn_conv2d_pack / nn_conv2d_packed_forward).
#pragma once
#include <cstdint>
#include <vector>

#include "conv/conv.h"
#include "runtime/kernel_table.h"

namespace nn::conv::nchwc {

inline constexpr int64_t kBlock = 16;
// Output blocks (16 channels each) one pointwise micro-tile computes: the weights of a group of
// this many blocks are packed together, so the tile streams them from one contiguous run.
inline constexpr int64_t kGroupBlocks = 4;

inline constexpr int64_t kDirectMaxChannels = 4;

inline int64_t blocks(int64_t channels) { return (channels + kBlock - 1) / kBlock; }

// The element-wise epilogue the kernels apply: y = act(sum + bias + residual).
struct epilogue {
    const float* bias;  // one value per (padded) output channel
    const float* res;   // y's layout, or null
    int act;            // nn_unary_op
    float alpha;        // its parameter
};

// One image's 1x1 stride-1 convolution, output blocks [ob0, ob0 + nb) (one weight group, so
// nb <= kGroupBlocks) and pixels [p0, p1):
//   y[ob][p][j] = act(sum_{ic < c} w(ob * 16 + j, ic) * x[ic / 16][p][ic % 16] + bias + res)
// w is the group's packed run: w[(ic * nb + b) * 16 + j] = weight(ob0 + b, j; ic), ic < cb * 16.
struct pointwise_args {
    const float* x;  // [cb][hw][16]
    int64_t c, cb, hw;  // input channels, their blocks (the last one's lanes past c are skipped)
    const float* w;
    epilogue e;      // bias and res already offset to the group's first block
    float* y;        // [nb][hw][16], offset likewise
    int64_t nb, p0, p1;
};

// One image and channel block of a depthwise 3x3 convolution, padding 1, stride 1 or 2, output
// rows [oh0, oh1): y[oh][ow][j] = act(bias[j] + sum_t wt[t][j] * x[oh*s - 1 + t/3][ow*s - 1 + t%3][j] + res)
// with x = 0 outside the h x w plane.
struct dw3x3_args {
    const float* x;  // [h][w][16]
    int64_t h, w, stride, oh, ow;
    const float* wt;  // [9][16]
    epilogue e;
    float* y;         // [oh][ow][16]
    int64_t oh0, oh1;
};

// One image of a direct convolution with few input channels (a network's stem: 3 channels,
// 3x3, stride 2) from an NCHW input into blocked output blocks [ob0, ob0 + nb) (one weight group),
// output rows [oh0, oh1):
//   y[ob][oh][ow][j] = act(bias + sum_{ci,i,j'} w(ob * 16 + j; ci, i, j') * x[ci][oh*sh - pt + i][ow*sw - pl + j'] + res)
// with x = 0 outside the plane. w is the group's packed run: w[(((ci * r + i) * s + j') * nb + b) * 16 + j].
struct direct_args {
    const float* x;  // [c][h][w]
    int64_t c, h, w, r, s, sh, sw, pt, pl, oh, ow;
    const float* wt;
    epilogue e;      // bias and res offset to the group's first block
    float* y;        // [nb][oh][ow][16], offset likewise
    int64_t nb, oh0, oh1;
    // A band buffer instead of whole planes (forward_direct_maxpool): y holds output rows
    // [y0, y0 + yrows) of each block; yrows 0 for the whole plane (y0 then 0).
    int64_t y0 = 0, yrows = 0;
};
// One image's max pooling (dilation 1, PyTorch's tap order and NaN rule) of a band of a blocked
// convolution output into NCHW planes, pooled rows [r0, r1):
//   y[ch * plane + r * pw_out + q] = max over the window's taps inside the oh x ow plane of
//   x[ch / 16][ih - x0][iw][ch % 16], for ch < channels (the band's blocks, padding lanes dropped).
struct maxpool_args {
    const float* x;           // [blocks][xrows][ow][16]: the convolution's rows [x0, x0 + xrows)
    int64_t x0, xrows, oh, ow;
    int64_t kh, kw, sh, sw, ph, pw;
    int64_t channels;         // channels to write (at most 16 a block of x)
    float* y;                 // the first channel's pooled plane
    int64_t plane, pw_out;    // pooled plane size, pooled width
    int64_t r0, r1;           // pooled rows
    float* row;               // scratch: maxpool_scratch_floats(kh, pw_out) floats
};
// The scratch a maxpool call takes: the row maxima of kh convolution rows, each rounded up to
// whole 16-pixel tiles.
inline int64_t maxpool_scratch_floats(int64_t kh, int64_t pw_out) { return kh * ((pw_out + 15) / 16 * 16) * kBlock; }

// One band of a strided convolution with many input channels (conv/conv_strided.h), NCHW in and
// out: output channels [0, mr) of one weight group (nb blocks of 16, mr <= nb * 16) for the flat
// output pixels [p0, p1) of one image,
//   y[m * ohw + p] = act(bias[m] + sum_{ci < c, t < taps} w[(ci * taps + t) * nb * 16 + m] * x[ci * plane + base(p) + toff[t]] + res[m * ohw + p])
// with base(p) = (p / ow) * sh * wp + (p % ow) * sw: x is zero-padded, every read lies inside it.
// The sum runs over input channels in passes of cblock (the pass's weights stay in L1), each
// pass summed from zero and then added to the bias or to the previous passes' sums in buf, so
// each output is summed in one fixed order whatever the band.
struct strided_args {
    const float* x;       // the image's (padded) input planes, plane floats apart, rows wp floats apart
    int64_t c, plane, wp, sh, sw, ow, ohw;
    const int64_t* toff;  // taps offsets: i * wp + j for tap (i, j) of the r x s kernel
    int64_t r, s, taps, cblock;
    const float* w;       // the group's packed run
    epilogue e;           // bias (nb * 16 values) and res at the group's first output plane
    float* y;             // the group's first output plane of the image
    int64_t nb, mr, p0, p1;
    float* buf;           // scratch: nb * 16 * (p1 - p0 rounded up to 16) floats
};

struct kernels {
    const char* isa;
    // One image: y[c / 16][p][c % 16] = x[c][p] for c < channels, 0 for the padding lanes.
    void (*to_blocked)(const float* x, int64_t channels, int64_t hw, float* y);
    // The inverse: y[c][p] = x[c / 16][p][c % 16] for c < channels (padding lanes dropped).
    void (*from_blocked)(const float* x, int64_t channels, int64_t hw, float* y);
    void (*pointwise)(const pointwise_args& a);
    void (*dw3x3)(const dw3x3_args& a);
    void (*direct)(const direct_args& a);
    void (*maxpool)(const maxpool_args& a);
    void (*strided)(const strided_args& a);
};

NN_KERNEL_TABLES(kernels)

// Channels per block in this process: kBlock where the chosen ISA has the blocked kernels, else 0.
int64_t block() noexcept;

// A layer prepared for the blocked layout (weights and bias padded to whole blocks).
struct packed_conv {
    enum class kind { pointwise, dw3x3, direct };
    shape p;
    kind k;
    std::vector<float> w;
    std::vector<float> bias;  // blocks(p.k) * 16 values, zero past k
};

// True where the geometry has a blocked kernel: 1x1 stride 1 without padding (any channels),
// depthwise 3x3 with padding 1, stride 1 or 2, dilation 1, or (kind direct, NCHW input) a dense
// convolution of at most kDirectMaxChannels input channels and a kernel of at most 7x7 with
// padding smaller than the kernel, dilation 1.
bool supports(const shape& p);
packed_conv pack(const shape& p, const float* w, const float* bias);
// The kind pack() gives the geometry (supports(p) must hold).
packed_conv::kind kind_of(const shape& p);
// y = act(conv(x) + bias + residual) for n images, y and residual (may be null) blocked, x
// blocked too except for kind direct, whose input is NCHW.
void forward(const packed_conv& pc, int64_t n, const float* x, const float* residual, int act, float alpha, float* y);
// A 1x1 expansion and the depthwise 3x3 that reads its output (an inverted residual block)
// where the two fit together: expand is pointwise (or a stem, kind direct, whose x is NCHW:
// MobileNetV2's first block has no expansion), dw depthwise 3x3 over expand's output.
bool expand_dw_fusable(const packed_conv& expand, const packed_conv& dw);
// y = dw(act1(expand(x) + bias1)) with act2 and dw's bias, for n images (nchwc_fused.cpp): the
// values of forward(expand) into mid then forward(dw) from mid, bit for bit. Over bands of output
// rows with the expanded rows a band reads kept in cache where the shape gives enough such bands
// for the threads (mid untouched); else over groups of expanded channels, each group's planes kept
// in cache, where a group's planes are small and the groups enough for the threads (mid
// untouched); else as those two calls (mid written; it holds n expanded images).
void forward_expand_dw(const packed_conv& expand, const packed_conv& dw, int64_t n, const float* x, int act1,
                       float alpha1, int act2, float alpha2, float* mid, float* y);
// The whole inverted residual block: forward_expand_dw, then the 1x1 projection (pointwise, over
// dw's output) with its residual (y's layout, may be null) and act3, in the same band tasks: each
// band's depthwise rows go to a per-thread plane and are projected from there. The values of the
// three forward calls bit for bit; by groups of expanded channels (as forward_expand_dw) the
// depthwise output goes to mid2 and is projected in a second region; where neither pays those
// calls run through mid (expanded) and mid2 (depthwise output, n images each).
bool expand_dw_project_fusable(const packed_conv& expand, const packed_conv& dw, const packed_conv& project);
void forward_expand_dw_project(const packed_conv& expand, const packed_conv& dw, const packed_conv& project, int64_t n,
                               const float* x, int act1, float alpha1, int act2, float alpha2, const float* residual,
                               int act3, float alpha3, float* mid, float* mid2, float* y);
// The expanded tensor size (bytes, n images) at or below which forward_expand_dw runs the two
// passes (default 2 MiB, see nchwc_fused.cpp); returns the previous value. For tests, which
// reach the banded path on small shapes with 0.
int64_t set_expand_dw_fuse_above(int64_t bytes);
// maxpool(act(conv(x) + bias)) of a direct (stem) convolution for n images, x and y NCHW
// (nchwc_pool.cpp): tasks of (image, weight group, run of pooled rows) walk their rows in bands,
// convolving the rows each band's windows read into a per-thread blocked buffer (the rows shared
// with the previous band kept) and pooling it from cache into y, so the convolution's output is
// never written out (ResNet's 7x7/2 stem and 3x3/2 pooling). pool: the
// max pooling of one oh x ow output plane, dilation 1. Each output is computed the same way for
// any band split, so the values equal forward() then to-NCHW then max pooling, bit for bit.
bool direct_maxpool_supported(const packed_conv& pc, const pool::geom& pool);
void forward_direct_maxpool(const packed_conv& pc, int64_t n, const float* x, int act, float alpha,
                            const pool::geom& pool, float* y);
// n images between NCHW and NCHW16c.
void to_blocked(const float* x, int64_t n, int64_t channels, int64_t hw, float* y);
void from_blocked(const float* x, int64_t n, int64_t channels, int64_t hw, float* y);

}  // namespace nn::conv::nchwc
