// Convolution internals: the validated shape, the per-ISA kernel table the drivers call, and the
// scalar ground truth (kernels/ref/conv_ref.cpp) the tests compare against.
#pragma once
#include "nativenet.h"

#include <cstdint>
#include <vector>

#include "pool/pool.h"
#include "runtime/kernel_table.h"

namespace nn::pool {
struct geom;
}  // namespace nn::pool

namespace nn::conv {

// A validated 2-D convolution (1-D maps onto it with h = 1). Derived sizes filled by validate().
struct shape {
    int64_t n, c, h, w, k, r, s, sh, sw, pt, pb, pl, pr, dh, dw, groups;
    int64_t oh, ow;
    int64_t cg, kg;  // channels per group: input, output
    int64_t crs;     // cg * r * s: the GEMM reduction length
};

// Geometry of one input plane -> output plane mapping, what the micro-kernels need.
struct geom {
    int64_t h, w, oh, ow, r, s, sh, sw, pt, pl, dh, dw;
};
inline geom geom_of(const shape& p) {
    return geom{p.h, p.w, p.oh, p.ow, p.r, p.s, p.sh, p.sw, p.pt, p.pl, p.dh, p.dw};
}

// Validates a descriptor (throws naming the field as desc->field, and its value) and fills the
// derived sizes.
shape validate(const nn_conv2d_desc& d);
shape validate(const nn_conv1d_desc& d);
// A max pooling over this convolution's output for a batch of n: pool's n, c, h and w must be n
// and the output's k, oh and ow (messages name pool->field). Returns the validated window.
nn::pool::shape validate_pool_of(const shape& p, int64_t n, const nn_pool2d_desc& pool);

// Weight-gradient partials: the batch is cut into at most this many chunks, each summed into its
// own partial, the partials then added in chunk order. Fixed by the shape, never by the thread
// count, so results do not depend on it (im2col, direct and Winograd weight gradients alike).
inline constexpr int64_t kMaxWeightChunks = 8;

// Output-channel chunks a forward task is cut into (src/conv/conv2d.cpp): 1 unless there are
// several threads and fewer than four tasks a thread (batch 1 at 14x14 or 7x7: one to three
// bands or tile blocks), then enough chunks of at least min_blocks of the `blocks` channel
// blocks (micro-tile rows) to give every thread work. Each chunk redoes its task's input
// packing, so one thread never splits; chunks hold whole blocks, so results are the same bits.
int64_t channel_chunks(int64_t base_tasks, int64_t blocks, int64_t min_blocks);

// The exported operations on a validated shape (src/conv/conv2d.cpp).
// bf16: shapes on the Winograd path (conv_winograd.h) and on the im2col GEMM path
// (conv_gemm_bf16.h) take bf16 products, the direct and depthwise ones float32; backward_data
// takes them where it is the flipped-weights forward or the dcol + col2im GEMM.
void forward(const shape& p, const float* x, const float* w, const float* bias, int act, float* y, bool bf16 = false);
void backward_data(const shape& p, const float* dy, const float* w, float* dx, bool bf16 = false);

// A layer's weights prepared once for inference (nn_conv2d_pack): the algorithm forward() would
// pick for the shape, its weights already in that algorithm's layout, and the bias. bf16
// (nn_conv2d_pack_bf16): the algorithms with bf16 products take them (Winograd, see
// conv_winograd.h; the im2col GEMM, which keeps the float32 weights); the others run in float32.
struct packed_conv {
    enum class algo { dw3x3, depthwise, winograd, direct, direct_phased, strided_direct, gemm };
    shape p;
    algo a;
    std::vector<float> w;     // the algorithm's layout
    std::vector<float> bias;  // k values, or empty
    bool bf16 = false;        // products in bf16
};
packed_conv pack(const shape& p, const float* w, const float* bias, bool bf16 = false);
// y = act(conv(x) + bias + residual) for n images (the packed shape's other sizes); residual
// (y's shape) may be null, act is an nn_unary_op with its parameter alpha.
void forward_packed(const packed_conv& pc, int64_t n, const float* x, const float* residual, int act, float alpha,
                    float* y);
// maxpool(act(conv(x) + bias)) for n images (src/conv/conv_maxpool.cpp): `pool` is the max
// pooling of one oh x ow output plane. The values are forward_packed's, then pool::max_forward's,
// bit for bit; only the pooled output is written.
void forward_packed_maxpool(const packed_conv& pc, int64_t n, const float* x, int act, float alpha,
                            const pool::geom& pool, float* y);
void backward_weights(const shape& p, const float* x, const float* dy, float* dw, float* db);
// Whether backward_weights takes the im2col GEMM by slices of taps over the whole batch (no per-chunk partials).
bool weights_by_slices(const shape& p);

// The cache budgets the drivers block for, in floats. They describe the target core's caches,
// not an algorithm, so each ISA table carries its own (BLIS's config/<arch>).
struct blocking {
    int64_t k_block;        // band GEMM: K per packed block (kc x mr of A, kc x nr of B in L1D)
    int64_t fwd_band;       // im2col forward: a band's packed B block and C block (L2)
    int64_t bwd_data_band;  // im2col data gradient: a band's dcol and its weight chunk (L2)
    int64_t bwd_wgt_band;   // im2col weight gradient: a band's columns and dY block (L2)
    int64_t direct_band;    // direct kernel: a band's padded input, beside the weights (L2)
    int64_t winograd_v;     // Winograd: a task's transformed input, beside U's slice (L2)
};
// Measured on Zen 3 (32 KiB L1D, 512 KiB L2) and kept on Zen 4/5 (1 MiB L2), whose larger L2
// left the best sizes unchanged: the x86 tables and the scalar table (also arm64's) use these.
inline constexpr blocking kBlockingZen = {256, 48 * 1024, 96 * 1024, 128 * 1024, 96 * 1024, 96 * 1024};

// One plane of the depthwise 3x3 kernel (kernels::dw3x3):
//   y[oh, ow] = act(bias + sum_{i,j < 3} wt[i * 3 + j] * x[oh * stride - 1 + i, ow * stride - 1 + j] + res[oh, ow])
// with x = 0 outside the h x w plane, res omitted when null, act an nn_unary_op (alpha: its
// parameter), oh = (h - 1) / stride + 1 and likewise ow. rows: scratch of dw3x3_rows_floats(w).
struct dw3x3_args {
    const float* x;
    int64_t h, w, stride, oh, ow;
    const float* wt;
    float bias;
    const float* res;
    int act;
    float alpha;
    float* y;
    float* rows;
};
// The padded input rows a dw3x3 call keeps (a ring of four and a row of zeros), each with room
// for the widest vector read past the row's end (two 16-float registers at stride 2).
inline int64_t dw3x3_pitch(int64_t w) { return (2 * w + 2 + 2 * 16 + 15) / 16 * 16; }
inline int64_t dw3x3_rows_floats(int64_t w) { return 5 * dw3x3_pitch(w); }

// Micro-kernels, one table per ISA.
struct kernels {
    const char* isa;
    blocking block;
    // col[((ci * r + i) * s + j) * L + (oh - oh0) * ow + ow] = x[ci, oh*sh - pt + i*dh, ow*sw - pl + j*dw]
    // (0 outside the input) for ci < channels and output rows [oh0, oh1); L = (oh1 - oh0) * ow.
    // With ld > L the rows are ld floats apart (col[q * ld + ...]): one image's band of a GEMM
    // whose columns run over several images.
    void (*im2col)(const float* x, int64_t channels, const geom& g, int64_t oh0, int64_t oh1, float* col, int64_t ld);
    // The same values in the SGEMM's packed-B layout (panels of nr columns, zero past L):
    // dst[(p / nr) * kc * nr + q * nr + p % nr] = col[q * L + p], kc = channels * r * s.
    // tmp: scratch for L + nr floats.
    void (*im2col_panels)(const float* x, int64_t channels, const geom& g, int64_t oh0, int64_t oh1, int64_t nr,
                          float* tmp, float* dst);
    // The adjoint: dx[ci, ...] += col[...] for the same index map and row stride ld (dx
    // accumulated, not cleared).
    void (*col2im)(const float* col, int64_t channels, const geom& g, int64_t oh0, int64_t oh1, float* dx, int64_t ld);
    // Depthwise (one input plane per output plane) on a zero-padded input xp with row pitch wp
    // ((h + pt + pb) rows): y[oh, ow] = bias + sum_ij w[i*s + j] * xp[oh*sh + i*dh, ow*sw + j*dw].
    void (*dw_forward)(const float* xp, int64_t wp, const float* w, float bias, const geom& g, float* y);
    // Depthwise 3x3 with padding 1 on every side, dilation 1, stride 1 or 2 (MobileNet's layers),
    // read straight from the unpadded plane, bias, residual and activation applied in registers:
    // see dw3x3_args.
    void (*dw3x3)(const dw3x3_args& a);
    // dxp[oh*sh + i*dh, ow*sw + j*dw] += w[i*s + j] * dy[oh, ow] on the padded plane.
    void (*dw_backward_data)(const float* dy, const float* w, const geom& g, float* dxp, int64_t wp);
    // dw[i*s + j] = sum_{oh,ow} dy[oh, ow] * xp[oh*sh + i*dh, ow*sw + j*dw] (overwrites r*s values).
    void (*dw_backward_weights)(const float* xp, int64_t wp, const float* dy, const geom& g, float* dw);
    // Sum of n floats (the bias gradient of one plane); fixed order for a given n.
    double (*sum)(const float* x, int64_t n);
    // y[i] += x[i] (reducing per-chunk weight-gradient partials).
    void (*add)(const float* x, float* y, int64_t n);
    // Direct stride-1 weight gradient (no im2col), on a zero-padded input xp (row pitch wp) and
    // output rows [oh0, oh1) of dY transposed to pixel-major dyt (kp floats per output pixel, kp
    // a multiple of 16):
    //   dwt[q * kp + k] += sum_{oh in [oh0, oh1), o < ow} xp[off[q] + oh * wp + o] * dyt[((oh - oh0) * ow + o) * kp + k]
    // (the block's sum formed from zero, then added; with accumulate false it is stored instead,
    // so a reduction's first block needs no zeroed dwt)
    // for q < m, k < kp; off[q] = the tap's offset (channel plane + i * dh * wp + j * dw).
    void (*bww_direct)(const float* xp, const int64_t* off, int64_t m, int64_t oh0, int64_t oh1, int64_t ow,
                       int64_t wp, const float* dyt, int64_t kp, float* dwt, bool accumulate);
    // Direct stride-1 data gradient (no dcol / col2im), on dY zero-padded per plane (kstride
    // floats a plane) and weights packed as wt[(k * taps + t) * cc + c]:
    //   dxq[c * cstride + m] = sum_{k < kk, t < taps} wt[(k * taps + t) * cc + c] * dyp[k * kstride + toff[t] + m]
    // for c < cc and m from m0 (a multiple of 192) up to m1 rounded up to the kernel's tile (at
    // most 64 floats, dividing 192): dxq and the last plane of dyp need that much slack past their ends.
    void (*bwd_data_direct)(const float* dyp, int64_t kk, int64_t kstride, const int64_t* toff, int64_t taps,
                            const float* wt, int64_t cc, int64_t m0, int64_t m1, float* dxq, int64_t cstride);
    // Rows [y0, y1) of zero-padded copies of `channels` planes (h x w, plane stride h * w) into
    // xp (row pitch wp, plane stride `plane`): xp[c][y][xx] = x[c][y - pt][xx - pl], 0 outside.
    void (*pad_rows)(const float* x, int64_t channels, int64_t h, int64_t w, int64_t pt, int64_t pl, int64_t wp,
                     int64_t plane, int64_t y0, int64_t y1, float* xp);
    // dst[p * kp + k] = src[k * lds + p] for k < kk, 0 for kk <= k < kp (p < np): dY planes to
    // pixel-major rows, zero-padded to whole vectors.
    void (*transpose_pad)(const float* src, int64_t lds, int64_t kk, int64_t np, int64_t kp, float* dst);
};

NN_KERNEL_TABLES(kernels)

// Ground truth: direct loops with double accumulation, no tiling, no threads.
void forward_ref(const shape& p, const float* x, const float* w, const float* bias, int act, float* y);
void backward_data_ref(const shape& p, const float* dy, const float* w, float* dx);
void backward_weights_ref(const shape& p, const float* x, const float* dy, float* dw, float* db);

}  // namespace nn::conv
