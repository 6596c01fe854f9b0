// Winograd F(2x2, 3x3) forward convolution for 3x3 / stride 1 / dilation 1 (any padding up to 2,
// groups): 16 multiplies per 2x2 output tile and channel pair instead of 36, so the 3x3 layers in
// the middle of a CNN (and their data gradient, a flipped-weights forward) run on 2.25x fewer
// multiply-adds. Per group:
//   U[xi][k][c] = (G g[k][c] G^T)[xi]          weights, transformed once per call
//   V[xi][c][t] = (B^T d[c][t] B)[xi]          4x4 input patch of tile t (rows 2ty-pt.., cols 2tx-pl..)
//   M[xi][k][t] = sum_c U[xi][k][c] V[xi][c][t] 16 small GEMMs (the multiply-adds)
//   y[k][t]     = A^T M[.][k][t] A (+ bias, activation)   the 2x2 outputs of tile t
// with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],
// A^T = [1 1 1 0; 0 1 -1 -1] (all exact in binary floating point).
//
// Tiles are numbered flat over the batch (t = (img * th + ty) * tw + tx, th x tw tiles per image),
// so a task's block of tiles is a whole number of GEMM tiles whatever the plane size; a task pads
// the input rows its tiles read (per image it touches), transforms them into V (in L2), then per
// block of kmr output channels and nt tiles runs the 16 GEMMs into a small M buffer and the output
// transform straight into y. Layers with many input channels (V of one GEMM tile past the L2
// budget) transform every tile first and then run the products with xi outermost, the same kernel
// calls in another order (conv_winograd.cpp, forward_xi_outer).
// Fixed task blocks and sum order: any thread count gives the same bits.
//
// Numerics: the transforms add rounding steps, so results differ from the direct kernel by a few
// ulps of the largest terms (the tests bound it against the double-precision reference).
// NATIVENET_CONV_WINOGRAD=0 turns the path off (the direct kernel then runs these shapes).
#pragma once
#include <cstdint>

#include "conv/conv.h"
#include "runtime/kernel_table.h"

namespace nn::conv {

// Where one GEMM tile's outputs go (the output transform's arguments).
struct winograd_out {
    float* y;            // the group's output, output channel 0 of the block, image 0
    int64_t img_stride;  // floats per image of y (k * oh * ow)
    int64_t ch_stride;   // floats per output plane (oh * ow)
    int64_t t0;          // flat tile index of the GEMM tile's column 0
    int64_t np;          // valid tiles (<= nt)
    int64_t th, tw, oh, ow;
    const float* res;    // residual laid out like y (same offsets from res as from y), added before act; null = none
    int act;             // nn_unary_op, IDENTITY..GELU
    int mr;              // output channels of the block (<= kmr)
    // y (strides above of the pooled planes) is the 2x2 stride-2 max pooling of the output, floor
    // mode: tile (ty, tx) with ty < pool_oh = oh / 2 and tx < pool_ow = ow / 2 writes the maximum
    // of its four activated outputs, in row-major order with the pooling's NaN rule; no residual.
    bool pool2;
    int64_t pool_oh, pool_ow;
};

// G of F(2x2, 3x3): U = G g G^T (forward), dW = G^T dU G (weight gradient).
inline constexpr float kWinogradG[4][3] = {{1.0f, 0.0f, 0.0f}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0.0f, 0.0f, 1.0f}};
// The weights kernels write G g G^T out term by term, (0.5 a + 0.5 b) + 0.5 c for the middle rows.
static_assert(kWinogradG[0][0] == 1.0f && kWinogradG[0][1] == 0.0f && kWinogradG[0][2] == 0.0f && kWinogradG[1][0] == 0.5f &&
                  kWinogradG[1][1] == 0.5f && kWinogradG[1][2] == 0.5f && kWinogradG[2][0] == 0.5f &&
                  kWinogradG[2][1] == -0.5f && kWinogradG[2][2] == 0.5f && kWinogradG[3][0] == 0.0f &&
                  kWinogradG[3][1] == 0.0f && kWinogradG[3][2] == 1.0f,
              "winograd::kernels::weights writes G out term by term");

// Widest input plane the path takes (takes_winograd): bounds the kernels' row buffers.
inline constexpr int64_t kWinogradMaxWidth = 1024;

// Most input channels one weights_grad call takes (winograd::kernels: its kernels are gathered in
// a stack buffer so dW is stored in whole runs of cn * 9 floats per output channel).
inline constexpr int64_t kWinogradGradChannels = 16;

// The arguments of pad_split: `channels` planes h x w (plane stride h * w).
struct winograd_pad {
    int64_t channels, h, w, ih0, rows, hp, pl, cs;
};

namespace winograd {

struct kernels {
    const char* isa;
    int kmr;    // output channels per GEMM tile (U packed in blocks of kmr)
    int nt;     // tiles per GEMM tile
    int lanes;  // tiles per input-transform vector: input_row writes up to lanes - 1 tiles past n
    // For c < channels and q < n: V[xi * vxi + c * vs + q] = (B^T d B)[xi] of the 4x4 patch of the
    // q-th tile from (tile row 0, tx0) on, tile rows of tw tiles (tile row r reads split rows 2r ..
    // 2r + 3, see pad_split): patch row i of channel c is split row 2r + i of xs + c * cs (pitch
    // rp), its columns 2 tx + j are E[tx], O[tx], E[tx + 1], O[tx + 1] with E at the row's start
    // and O at + hp. Reads up to lanes + 1 floats past the last tile's; writes up to lanes - 1
    // values of no meaning past each tile row's last tile (overwritten by the next row's).
    void (*input_row)(const float* xs, int64_t rp, int64_t hp, int64_t cs, int64_t channels, int64_t tx0, int64_t n,
                      int64_t tw, float* v, int64_t vs, int64_t vxi);
    // The padded input rows, split by column parity so input_row reads plain vectors: for
    // yy < rows, the padded row yy (input row ih0 + yy, pl zero columns on the left) goes to
    // xs[c * cs + yy * 2 * hp + e] = column 2e, [... + hp + e] = column 2e + 1, e < hp; zero outside
    // the input, and [rows * 2 * hp, cs) of each channel is zeroed.
    void (*pad_split)(const float* x, const winograd_pad& a, float* xs);
    // One of the 16 GEMMs: m[r * nt + q] = init[r] + sum_{c < channels} u[c * kmr + r] * v[c * vs + q],
    // r < kmr, q < nt, init null for zeros (the driver calls it per xi, with u, v and m at that
    // xi's slices, and passes the bias, kmr values, as init at xi = 5: M[5] enters every output of
    // the tile with coefficient 1).
    void (*gemm)(const float* u, const float* v, int64_t vs, int64_t channels, const float* init, float* m);
    // The same for q < vectors * lanes only (1 <= vectors <= nt / lanes), m at the same pitch: a
    // partial GEMM tile costs the vectors of tiles it holds (gemm_tile below picks it).
    void (*gemm_part)(const float* u, const float* v, int64_t vs, int64_t channels, const float* init, float* m, int vectors);
    // The output transform of m (16 GEMM results, m + xi * kmr * nt each) for tiles [0, o.np) and
    // channels [0, o.mr).
    void (*output)(const float* m, const winograd_out& o);
    // Weight gradient: Z[xi * zxi + q * kp + k] = (A Y A^T)[xi] of tile (row, tx0 + q)'s 2x2 output
    // gradient Y, q < n, k < kp, where dyt holds the tile row's output pixels pixel-major (pixel
    // (i, j) at dyt[(i * ow + j) * kp], kp a multiple of 16) and `rows` (1 or 2) of them exist;
    // the column past ow (odd ow) counts as zero.
    void (*grad_row)(const float* dyt, int64_t ow, int64_t rows, int64_t tx0, int64_t n, int64_t kp, float* z, int64_t zxi);
    // The weight transform of one block of output channels (U is rebuilt from the weights on every
    // training step, forward and data gradient): for c < channels and r < kmr,
    // u[xi * uxi + c * kmr + r] = (G g G^T)[xi] of the 3x3 kernel g at w + r * rs + c * cs (its 9
    // taps row-major, read in reverse when flip: the kernel turned by 180 degrees), zero for
    // r >= mr. G g G^T sums G's non-zero terms in column order, (0.5 a + 0.5 b) + 0.5 c, so every
    // table gives the same bits and a weight's sign of zero survives.
    void (*weights)(const float* w, int64_t rs, int64_t cs, int64_t mr, int64_t channels, bool flip, float* u, int64_t uxi);
    // The weight gradient's last step, dW = G^T D G of the summed products D: for k < kn and
    // c < cn (cn <= kWinogradGradChannels), dw[k * ks + c * 9 + e] = (G^T D G)[e] with
    // D[xi] = du[xi * xs + c * cs + k]. Reads du up to the next multiple of 16 past kn (dU's rows
    // are padded to whole vectors). Each of the 12 + 9 sums starts from +0 and adds G's four
    // terms in order, zeros included: the same bits on every table.
    void (*weights_grad)(const float* du, int64_t xs, int64_t cs, int64_t kn, int64_t cn, float* dw, int64_t ks);
};


NN_KERNEL_TABLES(kernels)

// One GEMM tile whose first `valid` tiles (<= nt) are used: gemm for a full tile, gemm_part over
// the vectors holding the valid tiles for a partial one (same bits for those tiles). The choice
// follows the tile count, never the thread count.
inline void gemm_tile(const kernels& K, const float* u, const float* v, int64_t vs, int64_t channels, const float* init,
                      float* m, int64_t valid) {
    if (valid >= K.nt) return K.gemm(u, v, vs, channels, init, m);
    K.gemm_part(u, v, vs, channels, init, m, static_cast<int>((valid + K.lanes - 1) / K.lanes));
}

// active(), or null where the path is not built (arm64).
const kernels* available() noexcept;

}  // namespace winograd

// Whether forward(p) takes the Winograd path (shape, ISA table, NATIVENET_CONV_WINOGRAD).
bool takes_winograd(const shape& p);
void winograd_forward(const shape& p, const float* x, const float* w, const float* bias, int act, float* y);
// Multiply-adds of the 16 GEMMs per (input, output channel) pair: 16 per tile the GEMM tiles
// compute (full tiles of nt, a partial last one rounded up to whole vectors). Against the direct
// kernel's r * s per output pixel it tells which of the two does less work for a packed layer.
int64_t winograd_products(const shape& p);
// The same in two steps, so a layer's weights are transformed once (nn_conv2d_pack): U (the
// transformed weights, winograd_weights_size(p) floats) from w, then the forward pass on U.
int64_t winograd_weights_size(const shape& p);
void winograd_pack_weights(const shape& p, const float* w, float* u);
// U for q = the data gradient of a layer run as a forward convolution (conv2d.cpp,
// backward_data_by_forward), straight from the layer's weights w ([groups][q.cg][q.kg][3][3]):
// equal, bit for bit, to winograd_pack_weights(q) of the weights flipped and transposed first.
void winograd_pack_flipped_weights(const shape& q, const float* w, float* u);
// residual (nullable): laid out like y, added in the output transform before the activation.
void winograd_forward_packed(const shape& p, const float* x, const float* u, const float* bias, int act, float* y,
                             const float* residual = nullptr);
// maxpool2x2/2(act(conv(x) + bias)) (floor mode) straight from the output transform: y is
// [n, k, oh / 2, ow / 2]; the values of winograd_forward_packed and then the pooling, bit for bit.
void winograd_forward_packed_maxpool2(const shape& p, const float* x, const float* u, const float* bias, int act, float* y);

// bf16 products (nn_conv2d_pack_bf16; float32 in and out, as PyTorch's CPU autocast): U rounded
// to bf16 once when packed, each task's V rounded right after the input transform, the products
// summed in float32 from the same bias start, the output transform in float32. With bf16
// products in this process (bf16::kernels::winograd_gemm, vdpbf16ps) U and V are held as pairs
// of input channels; otherwise as floats holding bf16 values, multiplied by the float32 GEMM, so
// any CPU gives the same values up to float32 summation order.
int64_t winograd_weights_size_bf16(const shape& p);
void winograd_pack_weights_bf16(const shape& p, const float* w, float* u);
// The same for a data gradient run as forward q (winograd_pack_flipped_weights' arguments).
void winograd_pack_flipped_weights_bf16(const shape& q, const float* w, float* u);
void winograd_forward_packed_bf16(const shape& p, const float* x, const float* u, const float* bias, int act, float* y,
                                  const float* residual = nullptr);
void winograd_forward_bf16(const shape& p, const float* x, const float* w, const float* bias, int act, float* y);

// Weight (and bias) gradient by the same transforms: dU[xi][c][k] = sum_t Z[xi][k][t] V[xi][c][t]
// with Z = A dY A^T per tile (the transposed output transform), then dW = G^T dU G; the bias
// gradient is sum_t Z[5] (Z's (1, 1) element is the sum of the tile's four outputs). The 16
// GEMMs run on the direct weight-gradient kernel (kernels::bww_direct), V's rows as its taps.
// Applies where takes_winograd(p) does.
// Two schemes, by which holds fewer floats: per batch chunk, partials of dU summed in chunk order
// (early layers: many tiles, few channels), or V and Z of the whole batch first, then each of the
// 16 products over every tile (late layers: few tiles, many channels). Both give the same bits
// for any thread count.
void winograd_backward_weights(const shape& p, const float* x, const float* dy, float* dw, float* db);
// Whether winograd_backward_weights(p) takes the whole-batch scheme (tests).
bool winograd_weights_whole_batch(const shape& p);

// Tests: force the path off (false) or back to its default (true); returns the previous setting.
bool set_winograd_enabled(bool on) noexcept;

}  // namespace nn::conv
