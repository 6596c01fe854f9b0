// Winograd F(2x2, 3x3) forward driver (see conv_winograd.h): weights transformed once per call,
// then tasks of (group, block of flat tiles) (with few blocks, one contiguous range of tiles a
// thread), each padding the input rows it reads, building its V block and running the GEMM +
// output transform per (channel block, GEMM tile).
#include "conv/conv_winograd.h"
#include "conv/conv_winograd_few.h"

#include <algorithm>
#include <vector>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "bf16/bf16.h"
#include "conv/prefetch.h"
#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"
#include "runtime/cpu.h"

namespace nn::conv {

namespace {

// Where a layer's 3x3 kernels lie: kernel (grp, k, c) at w + grp * gs + k * ks + c * cs.
struct kernel_strides {
    int64_t gs, ks, cs;
};
// The layer's weights w[grp][k][c][3][3] as the kernels of p.
kernel_strides layer_kernels(const shape& p) { return {p.kg * p.cg * 9, p.cg * 9, 9}; }
// The data gradient run as forward q: q's output channel k is the layer's input channel, q's
// input channel c the layer's output channel (weights [grp][q.cg][q.kg][3][3], read flipped).
kernel_strides flipped_kernels(const shape& q) { return {q.cg * q.kg * 9, 9, q.kg * 9}; }

// The data gradient's pack: tasks of kFlipOutputs output channels, walked kFlipChunk input
// channels at a time (see pack_transformed; a multiple of any kernel's input channels a vector).
constexpr int64_t kFlipOutputs = 32, kFlipChunk = 64;

// U[grp][xi][kb][c][kmr] of p's kernels (read in reverse when flip: the kernel turned by 180
// degrees), output channels past kg zero: tasks of (group, block of kmr output channels; blocks
// of kFlipOutputs for the flipped kernels) over the threads, each one weights kernel call writing every float of its part of U once (no
// zeroing pass first). round: bf16 operands, each value rounded as it is stored.
void pack_transformed(const shape& p, const float* w, kernel_strides s, bool flip, float* u, bool round = false) {
    const winograd::kernels& K = *winograd::available();
    const int64_t kmr = K.kmr, kblocks = (p.kg + kmr - 1) / kmr, uxi = kblocks * p.cg * kmr, ugrp = 16 * uxi;
    if (s.ks < s.cs) {
        // Output channels' kernels adjacent (the data gradient's flipped kernels), input channels'
        // rows 18 KB apart at 512: one call per block read only kmr * 9 floats a row, a stride
        // the prefetchers miss and lines split between blocks read twice. A task takes the blocks
        // of kFlipOutputs output channels (one run of 1152 bytes a row) and walks kFlipChunk input
        // channels at a time, the blocks inside, the rows' lines still in L1 for the next block.
        // C = K = 512, batch 8, 1 thread, median process CPU time of 7 interleaved runs: 2.59 ->
        // 2.45 ms a pack (Emerald Rapids, 2026-12-05, loaded machine). Each element's operations
        // are those of one call per block: same bits.
        const int64_t kFlipBlocks = std::max<int64_t>(1, kFlipOutputs / kmr);
        const int64_t groups = (kblocks + kFlipBlocks - 1) / kFlipBlocks;
        parallel_tasks(p.groups * groups, [&](int64_t task) {
            const int64_t grp = task / groups, kb0 = task % groups * kFlipBlocks, kb1 = std::min(kblocks, kb0 + kFlipBlocks);
            for (int64_t c0 = 0; c0 < p.cg; c0 += kFlipChunk) {
                const int64_t nc = std::min(kFlipChunk, p.cg - c0);
                for (int64_t kb = kb0; kb < kb1; ++kb) {
                    const int64_t mr = std::min(kmr, p.kg - kb * kmr);
                    float* dst = u + grp * ugrp + kb * p.cg * kmr + c0 * kmr;
                    K.weights(w + grp * s.gs + kb * kmr * s.ks + c0 * s.cs, s.ks, s.cs, mr, nc, flip, dst, uxi);
                    if (round)
                        for (int64_t xi = 0; xi < 16; ++xi) bf16::round_in_place(dst + xi * uxi, nc * kmr);
                }
            }
        });
        return;
    }
    parallel_tasks(p.groups * kblocks, [&](int64_t task) {
        const int64_t grp = task / kblocks, kb = task % kblocks, mr = std::min(kmr, p.kg - kb * kmr);
        float* dst = u + grp * ugrp + kb * p.cg * kmr;
        K.weights(w + grp * s.gs + kb * kmr * s.ks, s.ks, s.cs, mr, p.cg, flip, dst, uxi);
        if (round)
            for (int64_t xi = 0; xi < 16; ++xi) bf16::round_in_place(dst + xi * uxi, p.cg * kmr);
    });
}

std::atomic<bool> g_enabled{[] {
    const char* e = std::getenv("NATIVENET_CONV_WINOGRAD");
    return !(e && std::strcmp(e, "0") == 0);
}()};
std::atomic<bool> g_few_enabled{true};  // winograd_few::set_enabled

// Channel counts the 16 GEMMs use well: fewer input channels make the reduction too short for a
// register tile (its stores and the transforms dominate), fewer output channels waste the tile.
// Past kMaxChannels or kMaxWidth the per-thread buffers (padded rows, the weight gradient's
// pixel-major dY rows) would grow to tens of megabytes; the direct kernels take those shapes.
constexpr int64_t kMinChannels = 8, kMaxChannels = 512, kMaxWidth = kWinogradMaxWidth;

struct plan {
    int64_t th, tw;   // tiles per image: rows, columns
    int64_t hp;       // floats per parity of a split padded input row (row pitch 2 * hp)
    int64_t block;    // tiles per task (a multiple of nt)
    int64_t tasks;    // per group
    int64_t rows;     // most padded rows one image's part of a task reads
    int64_t cstride;  // floats per channel of the padded rows
    int64_t vs;       // floats per (xi, channel) row of V
};

// per_tile: floats a tile takes in the task's transformed buffers (V; V and Z for the weights).
// pool2 (2x2/2 max pooling in the output transform, floor windows): only the tiles the pooled
// output reads, oh / 2 x ow / 2; an odd last output row or column belongs to no window. Tiles
// are independent lanes of the same operations, so the kept ones keep their bits (LeNet's
// 11x11 layer: 25 tiles an image instead of 36).
// most: tiles a task may take (0: the L2 budget's count below).
plan plan_of(const shape& p, const winograd::kernels& K, int64_t per_tile, bool pool2 = false, int64_t most_tiles = 0) {
    plan q{};
    q.th = pool2 ? p.oh / 2 : (p.oh + 1) / 2;
    q.tw = pool2 ? p.ow / 2 : (p.ow + 1) / 2;
    q.hp = q.tw + 1;  // columns 0 .. 2 tw + 1
    const int64_t total = p.n * q.th * q.tw;
    // V floats per task (blocking::winograd_v): the block's transformed input stays in L2 next
    // to U's slice and the padded rows while every channel block reads it.
    const int64_t most = most_tiles > 0 ? (most_tiles + K.nt - 1) / K.nt * K.nt
                                        : std::max<int64_t>(K.nt, active().block.winograd_v / per_tile / K.nt * K.nt);
    q.tasks = (total + most - 1) / most;
    q.block = ((total + q.tasks - 1) / q.tasks + K.nt - 1) / K.nt * K.nt;  // balanced, whole GEMM tiles
    q.tasks = (total + q.block - 1) / q.block;
    // A block spans at most block / tw + 2 tile rows of one image (partial rows at both ends).
    const int64_t tile_rows = std::min(q.th, q.block / q.tw + 2);
    q.rows = 2 * tile_rows + 2;
    // input_row reads up to lanes + 1 floats past a row's last patch.
    q.cstride = (q.rows * 2 * q.hp + K.lanes + 16 + 15) / 16 * 16;
    q.vs = q.block + K.lanes + 16;
    return q;
}

// The chunked weight gradient's blocks: whole tile rows of one image (its products take any
// number of tiles, so blocks need not be whole GEMM tiles), as many as the L2 budget holds of V
// and Z (per_tile floats a tile), at least two. A block spanning partial tile rows padded up to
// two more tile rows of input than it used: at 48 tiles of 28 a row (C = K = 64 at 56x56) the
// padding copied each input row twice. The budget is the table's, or 3/8 of this core's L2 where
// the CPU reports a larger one: on Emerald Rapids (2 MiB) 3 tile rows at C = K = 64 (56x56) and
// C = K = 128 (28x28); 1, 3 and 5 rows there took 11.2, 9.5 and 9.8 ms at 64 and 9.9, 9.2 and
// 8.9 ms at 128 (batch 8, 1 thread, process CPU time, medians of 3, 2026-12-05), the old
// partial-row blocks 10.5 and 9.5 ms.
plan weight_plan(const shape& p, const winograd::kernels& K, int64_t per_tile) {
    plan q = plan_of(p, K, per_tile);
    const int64_t budget = std::max(active().block.winograd_v, l2_cache_bytes() / 4 * 3 / 8);
    const int64_t rows = std::min(q.th, std::max<int64_t>(2, budget / per_tile / q.tw));
    q.block = rows * q.tw;
    q.tasks = 0;  // blocks restart at each image: not a fixed count per group
    q.rows = 2 * rows + 2;
    q.cstride = (q.rows * 2 * q.hp + K.lanes + 16 + 15) / 16 * 16;
    q.vs = q.block + K.lanes + 16;
    return q;
}

// Calls f(img, a, b, ty0, ty1) for each image's part [a, b) of the flat tiles [t0, t1): its tiles
// lie in tile rows [ty0, ty1) of image img (the first and last possibly partial).
template <class F>
void for_each_image(const plan& q, int64_t t0, int64_t t1, F&& f) {
    const int64_t per_img = q.th * q.tw;
    for (int64_t a = t0; a < t1;) {
        const int64_t img = a / per_img, b = std::min(t1, (img + 1) * per_img);
        f(img, a, b, (a - img * per_img) / q.tw, (b - 1 - img * per_img) / q.tw + 1);
        a = b;
    }
}

// V for tiles [t0, t1) of group grp, image by image: pad the rows the tiles of this image read,
// then transform each tile row's part (in order: a row's spare lanes are overwritten by the next).
void transform_inputs(const shape& p, const plan& q, const winograd::kernels& K, const float* x, int64_t grp, int64_t t0,
                      int64_t t1, float* xp, float* v, int64_t vxi) {
    for_each_image(q, t0, t1, [&](int64_t img, int64_t a, int64_t b, int64_t ty0, int64_t ty1) {
        const winograd_pad pa{p.cg, p.h, p.w, 2 * ty0 - p.pt, 2 * (ty1 - ty0) + 2, q.hp, p.pl, q.cstride};
        K.pad_split(x + (img * p.c + grp * p.cg) * p.h * p.w, pa, xp);
        K.input_row(xp, 2 * q.hp, q.hp, q.cstride, p.cg, (a - img * q.th * q.tw) % q.tw, b - a, q.tw, v + (a - t0), q.vs, vxi);
    });
}

// The input rows tiles [t0, t1) of group grp read, for prefetching.
void add_input_rows(spread_prefetch& pf, const shape& p, const plan& q, const float* x, int64_t grp, int64_t t0, int64_t t1) {
    for_each_image(q, t0, t1, [&](int64_t img, int64_t, int64_t, int64_t ty0, int64_t ty1) {
        const int64_t ih0 = std::max<int64_t>(0, 2 * ty0 - p.pt), ih1 = std::min(p.h, 2 * ty1 + 2 - p.pt);
        for (int64_t c = 0; ih0 < ih1 && c < p.cg; ++c) pf.add(x + ((img * p.c + grp * p.cg + c) * p.h + ih0) * p.w, (ih1 - ih0) * p.w);
    });
}

// Rows of V (or Z) an odd number of cache lines apart: a stride of a multiple of 2 KB put the
// 16 rows a transform stores to into two L1 sets, which then thrashed (1.2 -> 0.3 ms at C = 16).
int64_t odd_lines(int64_t floats) { return (((floats + 15) / 16) | 1) * 16; }

}  // namespace

bool set_winograd_enabled(bool on) noexcept { return g_enabled.exchange(on); }
bool winograd_few::set_enabled(bool on) noexcept { return g_few_enabled.exchange(on); }

bool takes_winograd(const shape& p) {
    if (!g_enabled.load(std::memory_order_relaxed) || !winograd::available()) return false;
    if (p.r != 3 || p.s != 3 || p.sh != 1 || p.sw != 1 || p.dh != 1 || p.dw != 1) return false;
    if (p.cg < kMinChannels || p.kg < kMinChannels || p.cg > kMaxChannels || p.kg > kMaxChannels) return false;
    // Up to "full" padding (2): the data gradient of an unpadded layer; wider pads are mostly zeros.
    if (p.pt > 2 || p.pb > 2 || p.pl > 2 || p.pr > 2) return false;
    // Tiles are numbered over the batch, so small planes still fill the vectors; under 4 outputs
    // a side, most of each tile's outputs would be discarded.
    if (p.oh < 4 || p.ow < 4) return false;
    return p.w <= kMaxWidth;
}

int64_t winograd_products(const shape& p) {
    const winograd::kernels& K = *winograd::available();
    const int64_t tiles = p.n * ((p.oh + 1) / 2) * ((p.ow + 1) / 2);
    const int64_t full = tiles / K.nt * K.nt, rest = tiles - full;
    return 16 * (full + (rest + K.lanes - 1) / K.lanes * K.lanes);
}

int64_t winograd_weights_size(const shape& p) {
    const int64_t kmr = winograd::available()->kmr, kblocks = (p.kg + kmr - 1) / kmr;
    return p.groups * 16 * kblocks * p.cg * kmr;
}

void winograd_pack_weights(const shape& p, const float* w, float* u) {
    pack_transformed(p, w, layer_kernels(p), false, u);
}

void winograd_pack_flipped_weights(const shape& q, const float* w, float* u) {
    pack_transformed(q, w, flipped_kernels(q), true, u);
}

void winograd_forward(const shape& p, const float* x, const float* w, const float* bias, int act, float* y) {
    float* u = thread_scratch(scratch::conv_weights, winograd_weights_size(p));
    winograd_pack_weights(p, w, u);
    winograd_forward_packed(p, x, u, bias, act, y);
}

// Channel blocks (kmr output channels each) a chunk of a tile block holds at least (channel_chunks).
constexpr int64_t kMinChunkBlocks = 4;

namespace {

// The bf16 table when this process multiplies Winograd's operands in bf16: it has the products
// and its tile matches the float32 table's (whose output transform reads the products).
const bf16::kernels* bf16_products() {
    const bf16::kernels& B = bf16::active();
    const winograd::kernels* K = winograd::available();
    return B.winograd_gemm && K && B.wkmr == K->kmr && B.wnt == K->nt ? &B : nullptr;
}

// How the 16 GEMMs take their operands: float32 (round false), floats rounded to bf16 values
// (round true, pairs null), or bf16 pairs of input channels (pairs: the bf16 table).
struct operands {
    bool round;
    const bf16::kernels* pairs;
};

// The output transform's arguments for a layer; aim_output points them at output-channel
// block kb of group grp (y and residual: the whole output and residual, residual may be null).
winograd_out output_of(const shape& p, const plan& q, int act, bool pool2) {
    winograd_out o{};
    o.pool2 = pool2;
    o.pool_oh = p.oh / 2;
    o.pool_ow = p.ow / 2;
    o.ch_stride = pool2 ? o.pool_oh * o.pool_ow : p.oh * p.ow;
    o.img_stride = p.k * o.ch_stride;
    o.th = q.th;
    o.tw = q.tw;
    o.oh = p.oh;
    o.ow = p.ow;
    o.act = act;
    return o;
}
void aim_output(winograd_out& o, const shape& p, int64_t grp, int64_t kb, int64_t kmr, float* y, const float* residual) {
    const int64_t off = (grp * p.kg + kb * kmr) * o.ch_stride;
    o.y = y + off;
    o.res = residual ? residual + off : nullptr;
    o.mr = static_cast<int>(std::min(kmr, p.kg - kb * kmr));
}

// The kmr bias values of output channels [k0, k0 + mr) with zeros past mr (kmr <= 8 in every
// table), or null without bias: M[5]'s start, since M[5] enters every output of a tile once.
const float* bias_block(const float* bias, int64_t k0, int mr, float (&out)[64]) {
    if (!bias) return nullptr;
    std::fill(out, out + 64, 0.0f);
    std::copy(bias + k0, bias + k0 + mr, out);
    return out;
}

// The few-tiles kernel for a GEMM tile of `valid` tiles, or null where gemm_part takes it: more
// tiles than the kernel's max_tiles, or a table of another kmr. Either gives the same bits.
const winograd_few::kernels* few_tiles(const winograd::kernels& K, int64_t valid) {
    const winograd_few::kernels* F = g_few_enabled.load(std::memory_order_relaxed) ? winograd_few::available() : nullptr;
    return F && F->kmr == K.kmr && valid <= F->max_tiles ? F : nullptr;
}

// bias_block's values for output-channel blocks [kb0, kb1) of group grp, block after block, into
// out (kMaxChannels + kmr floats), or null without bias.
const float* bias_blocks(const float* bias, const shape& p, int64_t grp, int64_t kb0, int64_t kb1, int64_t kmr, float* out) {
    if (!bias) return nullptr;
    for (int64_t k = kb0 * kmr; k < kb1 * kmr; ++k) out[k - kb0 * kmr] = k < p.kg ? bias[grp * p.kg + k] : 0.0f;
    return out;
}

// Whether the products run with the 16 xi outermost (forward_xi_outer): when the V of one GEMM
// tile at every xi (16 x cg x nt floats) outgrows the L2 budget, as in ResNet's 256- and
// 512-channel stages on AVX-512 (1.5 MB a GEMM tile at 512), the tile-by-tile order of
// forward_packed re-reads that V from L3 for every block of output channels.
bool xi_outer(const shape& p, const winograd::kernels& K) { return 16 * p.cg * K.nt > active().block.winograd_v; }

// Most floats of V forward_xi_outer holds at once: larger batches run in passes over ranges of
// whole tile blocks (V grows with the batch; ResNet-18's stages at batch 8 take about 1.7M).
constexpr int64_t kMaxSharedV = int64_t{1} << 22;

// The forward with xi outermost, float32 operands (or floats rounded to bf16 values: round), over the batch's tiles in ranges of whole tile
// blocks. First, tasks of 16 input channels transform every tile of the range into one V that the
// next pass shares (the caller's scratch). Then each task (group, block of tiles, chunk of
// output-channel blocks) walks xi: V[xi] of its tiles (cg x block floats, plan_of's L2 budget)
// stays in L2 while U[xi] of its channel blocks streams through once for all its tiles; the
// products of every (channel block, GEMM tile) are kept, and the output transforms follow. GEMM
// tiles start at multiples of nt as in forward_packed's order, and each product is the same kernel
// call over the same channels and tiles: the same bits, for any thread count.
void forward_xi_outer(const shape& p, const winograd::kernels& K, const float* x, const float* u, const float* bias,
                      int act, float* y, const float* residual, bool pool2, bool round) {
    const int64_t kmr = K.kmr, kblocks = (p.kg + kmr - 1) / kmr, hw = p.h * p.w;
    const int64_t total = p.n * (pool2 ? p.oh / 2 : (p.oh + 1) / 2) * (pool2 ? p.ow / 2 : (p.ow + 1) / 2);
    // With several threads, where the V of all the tiles at one xi fits twice the L2 budget, the
    // tiles are one block and the output-channel blocks split into one chunk a thread: V is read
    // once a thread, U once in all, and the threads' shares are equal. The budget's blocks (two of
    // 240 and 152 tiles for ResNet-18's 14x14 stage at batch 8) split 4 ways by channels read V 4
    // times and a chunk of the smaller block takes two thirds of the time of the larger's. 2
    // threads, per call, best of 20-100 (Emerald Rapids, 2026-12-06, chrt -f 10, load ~7):
    // batch 8 256 -> 256 at 14x14 4.3-4.9 -> 3.65 ms, 512 -> 512 at 7x7 4.5-4.6 -> 4.1 ms; batch
    // 1 (one block of 49 and 16 tiles, 8 chunks before) 0.55 -> 0.51 ms and 0.68 -> 0.61 ms. One
    // thread keeps the budget's blocks, and so do threads that would get fewer than
    // kMinChunkBlocks channel blocks each (with many threads every one would read all of V).
    // Blocks and chunks decide which task computes a product, never how: the same bits.
    const int64_t threads = threads_here();
    const bool one_block = threads > 1 && p.groups == 1 && total * p.cg <= 2 * active().block.winograd_v &&
                           kblocks >= kMinChunkBlocks * threads;
    plan q = plan_of(p, K, p.cg, pool2, one_block ? total : 0);
    const int64_t range = std::max<int64_t>(1, kMaxSharedV / (16 * p.cg) / q.block) * q.block;  // tiles a pass
    q.vs = std::min(range, (total + K.nt - 1) / K.nt * K.nt) + K.lanes + 16;  // a row of V: a pass's tiles
    const int64_t vxi = odd_lines(p.cg * q.vs), vgrp = 16 * vxi;
    const int64_t uxi = kblocks * p.cg * kmr, ugrp = 16 * uxi;
    float* v = thread_scratch(scratch::conv_transformed, p.groups * vgrp);
    constexpr int64_t kTaskChannels = 16;
    const int64_t vtasks = (p.cg + kTaskChannels - 1) / kTaskChannels, mtile = 16 * kmr * K.nt;
    for (int64_t r0 = 0; r0 < total; r0 += range) {
        // gemm_tile reads a partial GEMM tile's vectors only: the lanes up to the next whole vector.
        const int64_t r1 = std::min(total, r0 + range), whole = (r1 - r0 + K.lanes - 1) / K.lanes * K.lanes;
        parallel_tasks(p.groups * vtasks, [&](int64_t task) {
            const int64_t grp = task / vtasks, c0 = task % vtasks * kTaskChannels, c1 = std::min(p.cg, c0 + kTaskChannels);
            shape ps = p;
            ps.cg = c1 - c0;
            float* xp = thread_scratch(scratch::conv_task_input, ps.cg * q.cstride);
            float* vc = v + grp * vgrp + c0 * q.vs;
            // Blocks in order: a block's spare lanes past its last tile are overwritten by the next.
            for (int64_t t0 = r0; t0 < r1; t0 += q.block)
                transform_inputs(ps, q, K, x + (grp * p.cg + c0) * hw, 0, t0, std::min(r1, t0 + q.block), xp, vc + (t0 - r0), vxi);
            // bf16 operands: the task's rows rounded while they are still in cache.
            if (round)
                for (int64_t xi = 0; xi < 16; ++xi)
                    for (int64_t c = 0; c < ps.cg; ++c) bf16::round_in_place(vc + xi * vxi + c * q.vs, r1 - r0);
            // The lanes past the last tile read zeros.
            for (int64_t xi = 0; xi < 16; ++xi)
                for (int64_t c = 0; c < ps.cg; ++c)
                    std::fill(vc + xi * vxi + c * q.vs + (r1 - r0), vc + xi * vxi + c * q.vs + whole, 0.0f);
        });
        const int64_t blocks = (r1 - r0 + q.block - 1) / q.block;
        const int64_t chunks = one_block ? std::min(threads, kblocks) : channel_chunks(p.groups * blocks, kblocks, kMinChunkBlocks);
        const int64_t per_chunk = (kblocks + chunks - 1) / chunks;
        parallel_tasks(p.groups * blocks * chunks, [&](int64_t tc) {
            const int64_t task = tc / chunks, kb0 = tc % chunks * per_chunk, kb1 = std::min(kblocks, kb0 + per_chunk);
            if (kb0 >= kb1) return;
            const int64_t grp = task / blocks, t0 = r0 + task % blocks * q.block, t1 = std::min(r1, t0 + q.block);
            const int64_t gemms = (t1 - t0 + K.nt - 1) / K.nt;
            float* m = thread_scratch(scratch::conv_partials, (kb1 - kb0) * gemms * mtile);  // products
            const float* vb = v + grp * vgrp + (t0 - r0);
            const float* ug = u + grp * ugrp;
            alignas(64) float bblock[64];
            // A last GEMM tile of a few tiles (ResNet's 14x14 stage at batch 1: 49 = 48 + 1) runs for
            // all the chunk's channel blocks at once on the few-tiles kernel.
            const int64_t last = t1 - t0 - (gemms - 1) * K.nt;
            const winograd_few::kernels* F = few_tiles(K, last);
            const int64_t whole = F ? gemms - 1 : gemms;
            alignas(64) float brange[kMaxChannels + 16];
            const float* binit = F ? bias_blocks(bias, p, grp, kb0, kb1, kmr, brange) : nullptr;
            for (int64_t xi = 0; xi < 16; ++xi) {
                for (int64_t kb = kb0; kb < kb1; ++kb) {
                    const int mr = static_cast<int>(std::min(kmr, p.kg - kb * kmr));
                    const float* init = xi == 5 ? bias_block(bias, grp * p.kg + kb * kmr, mr, bblock) : nullptr;
                    for (int64_t g = 0; g < whole; ++g)
                        winograd::gemm_tile(K, ug + xi * uxi + kb * p.cg * kmr, vb + xi * vxi + g * K.nt, q.vs, p.cg, init,
                                            m + ((kb - kb0) * gemms + g) * mtile + xi * kmr * K.nt, t1 - t0 - g * K.nt);
                }
                if (F)
                    F->gemm(ug + xi * uxi + kb0 * p.cg * kmr, p.cg * kmr, kb1 - kb0, vb + xi * vxi + whole * K.nt, q.vs, p.cg,
                            xi == 5 ? binit : nullptr, m + whole * mtile + xi * kmr * K.nt, gemms * mtile, K.nt,
                            static_cast<int>(last));
            }
            winograd_out o = output_of(p, q, act, pool2);
            for (int64_t kb = kb0; kb < kb1; ++kb) {
                aim_output(o, p, grp, kb, kmr, y, residual);
                for (int64_t g = 0; g < gemms; ++g) {
                    o.t0 = t0 + g * K.nt;
                    o.np = std::min<int64_t>(K.nt, t1 - o.t0);
                    K.output(m + ((kb - kb0) * gemms + g) * mtile, o);
                }
            }
        });
    }
}

void forward_packed(const shape& p, const float* x, const float* u, const float* bias, int act, float* y,
                    const float* residual, operands ops, bool pool2 = false) {
    const winograd::kernels& K = *winograd::available();
    if (!ops.pairs && xi_outer(p, K)) return forward_xi_outer(p, K, x, u, bias, act, y, residual, pool2, ops.round);
    const plan q = plan_of(p, K, 16 * p.cg, pool2);
    const int64_t kmr = K.kmr, kblocks = (p.kg + kmr - 1) / kmr, ohw = p.oh * p.ow;
    const int64_t per_img = q.th * q.tw, total = p.n * per_img;
    // U's rows (input channels, or pairs of them) and V's as bf16 pairs.
    const int64_t urows = ops.pairs ? (p.cg + 1) / 2 : p.cg;
    const int64_t uxi = kblocks * urows * kmr, ugrp = 16 * uxi;
    const int64_t vxi = odd_lines(p.cg * q.vs), vxi2 = odd_lines(urows * q.vs);
    // One block: tiles [t0, t1) of group grp, output-channel blocks [kb0, kb1); [t1, t2) is the
    // block this thread runs next (its input rows are fetched ahead), empty when none.
    const auto run_block = [&](int64_t grp, int64_t t0, int64_t t1, int64_t kb0, int64_t kb1, int64_t t2) {
        float* xp = thread_scratch(scratch::conv_task_input, p.cg * q.cstride);
        float* v = thread_scratch(scratch::conv_task_work, 16 * vxi);
        // The GEMM reads whole tiles: the lanes past the block's last tile read defined values (zeros,
        // or the spare lanes input_row writes), never stale memory.
        const int64_t used = t1 - t0, whole = (used + K.nt - 1) / K.nt * K.nt;
        // A last GEMM tile of a few tiles (a thread's range of ResNet's 28x28 stage at batch 1 and 2
        // threads: 100 = 2 x 48 + 4) runs on the few-tiles kernel, kFewBlocks channel blocks a call,
        // into mf (16 products a block) before those blocks' output transforms.
        const int64_t few_tc = whole - K.nt;
        const winograd_few::kernels* F = ops.pairs ? nullptr : few_tiles(K, used - few_tc);
        constexpr int64_t kFewBlocks = 8;
        const int64_t mtile = 16 * kmr * K.nt;
        float* m = thread_scratch(scratch::conv_partials, mtile * (F ? 1 + kFewBlocks : 1));
        float* mf = m + mtile;
        alignas(64) float brange[kMaxChannels + 16];
        if (whole > used)
            for (int64_t r = 0; r < 16 * p.cg; ++r) std::memset(v + r * q.vs + used, 0, sizeof(float) * static_cast<size_t>(whole - used));
        transform_inputs(p, q, K, x, grp, t0, t1, xp, v, vxi);
        uint32_t* v2 = nullptr;
        if (ops.pairs) {
            v2 = reinterpret_cast<uint32_t*>(thread_scratch(scratch::conv_task_pairs, 16 * vxi2));
            for (int64_t xi = 0; xi < 16; ++xi) ops.pairs->row_pairs(v + xi * vxi, q.vs, p.cg, whole, v2 + xi * vxi2, q.vs);
        } else if (ops.round) {
            for (int64_t xi = 0; xi < 16; ++xi)
                for (int64_t c = 0; c < p.cg; ++c) bf16::round_in_place(v + xi * vxi + c * q.vs, whole);
        }
        // The next task's input rows (usually this thread's next task), fetched over this task's GEMMs
        // so its padding copies from cache; and each GEMM tile's output lines, fetched for writing
        // while its GEMMs run (the output transform's stores otherwise wait on memory).
        spread_prefetch next, out;
        if (t2 > t1) add_input_rows(next, p, q, x, grp, t1, t2);
        const int64_t gemms = std::max<int64_t>(1, (kb1 - kb0) * (whole / K.nt - (F ? 1 : 0))), share = (next.lines() + gemms - 1) / gemms;
        winograd_out o = output_of(p, q, act, pool2);
        for (int64_t kb = kb0; kb < kb1; ++kb) {
            if (F && (kb - kb0) % kFewBlocks == 0) {
                const int64_t kc1 = std::min(kb1, kb + kFewBlocks);
                const float* binit = bias_blocks(bias, p, grp, kb, kc1, kmr, brange);
                for (int64_t xi = 0; xi < 16; ++xi)
                    F->gemm(u + grp * ugrp + xi * uxi + kb * urows * kmr, urows * kmr, kc1 - kb, v + xi * vxi + few_tc, q.vs,
                            p.cg, xi == 5 ? binit : nullptr, mf + xi * kmr * K.nt, mtile, K.nt, static_cast<int>(used - few_tc));
            }
            aim_output(o, p, grp, kb, kmr, y, residual);
            alignas(64) float bblock[64];
            const float* bb = bias_block(bias, grp * p.kg + kb * kmr, o.mr, bblock);
            const float* ub = u + grp * ugrp + kb * urows * kmr;
            for (int64_t tc = 0; tc < used; tc += K.nt) {
                if (F && tc == few_tc) {
                    o.t0 = t0 + tc;
                    o.np = used - tc;
                    K.output(mf + (kb - kb0) % kFewBlocks * mtile, o);
                    continue;
                }
                out.clear();
                // The pooled output (pool2) is a quarter of these lines: not fetched ahead.
                if (!pool2)
                    for_each_image(q, t0 + tc, std::min(t1, t0 + tc + K.nt), [&](int64_t img, int64_t a, int64_t b, int64_t, int64_t) {
                    // Outputs from the first tile's top-left to the last tile's bottom-right.
                    const int64_t fa = a - img * per_img, fb = b - 1 - img * per_img;
                    const int64_t f0 = 2 * (fa / q.tw) * p.ow + 2 * (fa % q.tw);
                    const int64_t f1 = std::min(ohw, (2 * (fb / q.tw) + 1) * p.ow + 2 * (fb % q.tw) + 2);
                    for (int64_t r = 0; r < o.mr; ++r) out.add(o.y + img * o.img_stride + r * ohw + f0, f1 - f0, spread_prefetch::write);
                });
                const int64_t per_xi = (out.lines() + 15) / 16, next_xi = (share + 15) / 16;
                for (int64_t xi = 0; xi < 16; ++xi) {
                    out.issue(per_xi);
                    next.issue(next_xi);
                    const float* init = xi == 5 ? bb : nullptr;
                    if (ops.pairs)
                        ops.pairs->winograd_gemm(reinterpret_cast<const uint32_t*>(ub + xi * uxi), v2 + xi * vxi2 + tc, q.vs,
                                                 urows, init, m + xi * kmr * K.nt);
                    else
                        winograd::gemm_tile(K, ub + xi * uxi, v + xi * vxi + tc, q.vs, p.cg, init, m + xi * kmr * K.nt, used - tc);
                }
                o.t0 = t0 + tc;
                o.np = std::min<int64_t>(K.nt, used - tc);
                K.output(m, o);
            }
        }
    };
    constexpr int64_t kFewBlocksPerThread = 8;
    const int64_t threads = threads_here();
    if (threads > 1 && p.groups == 1 && q.tasks < kFewBlocksPerThread * threads && total >= threads * K.nt) {
        // Few blocks (ResNet's 56x56 and 28x28 stages at batch 1: 9 and 5): each thread takes one
        // contiguous range of the tiles, cut at whole GEMM tiles, in blocks of at most q.block.
        // Handing out the blocks as threads come free left one thread idle for most of a block at
        // the end (73 and 87 us of 740 at 2 threads, 2026-12-05, Emerald Rapids), and the range a
        // thread reads is the rows it wrote in the layer before (same plane size), still in its
        // own L2: these layers now take 0.86-0.89 of the time at 2 threads (best of 150 per step,
        // real-time priority). The GEMM tiles are the same as in the blocks below (starts at
        // multiples of nt): the same bits at any thread count.
        const int64_t gemm_tiles = (total + K.nt - 1) / K.nt;
        parallel_run(static_cast<int>(threads), [&](int tid, int nthreads) {
            for (int64_t r = tid; r < threads; r += nthreads) {
                const int64_t a = std::min(total, gemm_tiles * r / threads * K.nt);
                const int64_t b = std::min(total, gemm_tiles * (r + 1) / threads * K.nt);
                if (a >= b) continue;
                const int64_t nb = (b - a + q.block - 1) / q.block;
                const int64_t blk = ((b - a + nb - 1) / nb + K.nt - 1) / K.nt * K.nt;  // balanced, whole GEMM tiles
                for (int64_t t0 = a; t0 < b; t0 += blk) {
                    const int64_t t1 = std::min(b, t0 + blk);
                    run_block(0, t0, t1, 0, kblocks, std::min(b, t1 + blk));
                }
            }
        });
        return;
    }
    // ResNet's 14x14 stage at batch 1 is one tile block: its channel blocks are split over the threads.
    const int64_t chunks = channel_chunks(p.groups * q.tasks, kblocks, kMinChunkBlocks);
    const int64_t per_chunk = (kblocks + chunks - 1) / chunks;
    parallel_tasks(p.groups * q.tasks * chunks, [&](int64_t tc) {
        const int64_t task = tc / chunks, kb0 = tc % chunks * per_chunk, kb1 = std::min(kblocks, kb0 + per_chunk);
        if (kb0 >= kb1) return;
        const int64_t grp = task / q.tasks, t0 = (task % q.tasks) * q.block, t1 = std::min(total, t0 + q.block);
        // The next block is fetched when it is this group's and this task ends the block's channels.
        const bool next = t1 < total && (task + 1) / q.tasks == grp && kb1 == kblocks;
        run_block(grp, t0, t1, kb0, kb1, next ? std::min(total, t1 + q.block) : t1);
    });
}

}  // namespace

void winograd_forward_packed(const shape& p, const float* x, const float* u, const float* bias, int act, float* y,
                             const float* residual) {
    forward_packed(p, x, u, bias, act, y, residual, operands{false, nullptr});
}

void winograd_forward_packed_maxpool2(const shape& p, const float* x, const float* u, const float* bias, int act, float* y) {
    forward_packed(p, x, u, bias, act, y, nullptr, operands{false, nullptr}, true);
}

int64_t winograd_weights_size_bf16(const shape& p) {
    if (!bf16_products()) return winograd_weights_size(p);
    const int64_t kmr = winograd::available()->kmr, kblocks = (p.kg + kmr - 1) / kmr;
    return p.groups * 16 * kblocks * ((p.cg + 1) / 2) * kmr;
}

namespace {

// U of the layer (flip false: weights w[k][c][tap]) or of its data gradient as a forward (flip:
// q's weights are the layer's, flipped and transposed) for bf16 products: floats rounded as they
// are stored, or, for vdpbf16ps, the float32 U turned into pairs of input channels.
void pack_bf16(const shape& p, const float* w, bool flip, float* u) {
    const kernel_strides s = flip ? flipped_kernels(p) : layer_kernels(p);
    const bf16::kernels* B = bf16_products();
    if (!B) return pack_transformed(p, w, s, flip, u, true);
    // U[grp][xi][kb][c][kmr] (float32) -> U[grp][xi][kb][cp][kmr] (pairs of input channels).
    std::vector<float> f(static_cast<size_t>(winograd_weights_size(p)));
    pack_transformed(p, w, s, flip, f.data());
    const int64_t kmr = B->wkmr, blocks = p.groups * 16 * ((p.kg + kmr - 1) / kmr), pairs = (p.cg + 1) / 2;
    for (int64_t b = 0; b < blocks; ++b)
        B->row_pairs(f.data() + b * p.cg * kmr, kmr, p.cg, kmr, reinterpret_cast<uint32_t*>(u) + b * pairs * kmr, kmr);
}

}  // namespace

void winograd_pack_weights_bf16(const shape& p, const float* w, float* u) { pack_bf16(p, w, false, u); }

void winograd_pack_flipped_weights_bf16(const shape& q, const float* w, float* u) { pack_bf16(q, w, true, u); }

void winograd_forward_packed_bf16(const shape& p, const float* x, const float* u, const float* bias, int act, float* y,
                                  const float* residual) {
    forward_packed(p, x, u, bias, act, y, residual, operands{true, bf16_products()});
}

void winograd_forward_bf16(const shape& p, const float* x, const float* w, const float* bias, int act, float* y) {
    float* u = thread_scratch(scratch::conv_weights, winograd_weights_size_bf16(p));
    winograd_pack_weights_bf16(p, w, u);
    winograd_forward_packed_bf16(p, x, u, bias, act, y);
}

namespace {

// dW = G^T dU G and db = dU[5]'s ones row, from dU of every group (dU[grp * usize + (xi * m1 + c) * kp + k]):
// tasks of (group, block of kWinogradGradChannels input channels), one weights_grad call each,
// which stores dW ([k][c][9]) in runs of a block's kernels per output channel.
void weights_from_transformed(const shape& p, const float* du, int64_t usize, int64_t m1, int64_t kp, float* dw, float* db) {
    const winograd::kernels& K = *winograd::available();
    constexpr int64_t kCb = kWinogradGradChannels;
    const int64_t cblocks = (p.cg + kCb - 1) / kCb;
    parallel_tasks(p.groups * cblocks, [&](int64_t task) {
        const int64_t grp = task / cblocks, c0 = task % cblocks * kCb, cn = std::min(kCb, p.cg - c0);
        K.weights_grad(du + grp * usize + c0 * kp, m1 * kp, kp, p.kg, cn, dw + (grp * p.kg * p.cg + c0) * 9, p.cg * 9);
    });
    if (db)
        for (int64_t grp = 0; grp < p.groups; ++grp)
            for (int64_t k = 0; k < p.kg; ++k) db[grp * p.kg + k] = du[grp * usize + (5 * m1 + p.cg) * kp + k];
}

// The weight gradient's two ways of holding its operands (see winograd_backward_weights).
struct weight_layout {
    int64_t kp, m1;         // output channels padded to whole vectors; input channels + the ones row
    int64_t usize;          // floats of one group's dU
    int64_t chunks;         // batch chunks of the chunked scheme
    int64_t vs, vxi, zxi;   // the whole-batch scheme's V row, V slice and Z slice (floats)
    bool whole_batch;
};

weight_layout weight_layout_of(const shape& p, const winograd::kernels& K) {
    weight_layout l{};
    l.kp = (p.kg + 15) / 16 * 16;
    l.m1 = p.cg + 1;
    l.usize = 16 * l.m1 * l.kp;
    l.chunks = std::min(p.n, kMaxWeightChunks);
    const int64_t total = p.n * ((p.oh + 1) / 2) * ((p.ow + 1) / 2);
    l.vs = total + K.lanes + 16;
    l.vxi = odd_lines(l.m1 * l.vs);
    l.zxi = odd_lines(total * l.kp);
    // Whichever holds fewer floats: per-chunk partials of dU, or V and Z of the whole batch.
    l.whole_batch = 16 * (l.vxi + l.zxi) + l.usize < l.chunks * l.usize;
    return l;
}

// Late layers (few tiles, many channels: ResNet's 14x14 and 7x7 stages at 256 and 512 channels)
// hold more floats in dU (16 (C + 1) K) than in the transformed operands of the whole batch, so
// per-chunk partials of dU meant megabytes of zeroing, read-modify-write per block of tiles and a
// reduction. Here V and Z of every tile are built first (V in tasks of input channels, each
// walking every tile in order, so a tile row's spare lanes are overwritten by the next row's as
// the kernel expects; Z in tasks of tile rows), then each of the 16 products is one task summing
// over every tile into its slice of dU: dU is written once, in an order no thread count changes.
void backward_weights_whole_batch(const shape& p, const winograd::kernels& K, const weight_layout& l, const float* x,
                                  const float* dy, float* dw, float* db) {
    const kernels& kt = active();
    plan q = plan_of(p, K, 16 * (l.m1 + l.kp));  // its block: tiles per padded-rows pass
    q.vs = l.vs;
    const int64_t per_img = q.th * q.tw, total = p.n * per_img, ohw = p.oh * p.ow, hw = p.h * p.w;
    // Channels per V task: enough tasks for the threads, whole tile walks for each.
    constexpr int64_t kTaskChannels = 16;
    const int64_t vtasks = (p.cg + kTaskChannels - 1) / kTaskChannels, ztasks = p.n * q.th;
    // Tiles per product call: V's and Z's slices of a call (m1 + kp floats a tile) stay in L2.
    const int64_t piece = std::max<int64_t>(K.nt, (131072 / (l.m1 + l.kp)) / K.nt * K.nt);
    std::vector<int64_t> off(static_cast<size_t>(l.m1));
    for (int64_t c = 0; c < l.m1; ++c) off[static_cast<size_t>(c)] = c * q.vs;
    float* du_all = thread_scratch(scratch::conv_partials, p.groups * l.usize + 16 * (l.vxi + l.zxi));
    float* v = du_all + p.groups * l.usize;
    float* z = v + 16 * l.vxi;
    for (int64_t grp = 0; grp < p.groups; ++grp) {
        if (db) std::fill(v + 5 * l.vxi + p.cg * q.vs, v + 5 * l.vxi + p.cg * q.vs + total, 1.0f);
        parallel_tasks(vtasks + ztasks, [&](int64_t task) {
            if (task < vtasks) {
                const int64_t c0 = task * kTaskChannels, c1 = std::min(p.cg, c0 + kTaskChannels);
                shape ps = p;
                ps.cg = c1 - c0;
                float* xp = thread_scratch(scratch::conv_task_input, ps.cg * q.cstride);
                for (int64_t t0 = 0; t0 < total; t0 += q.block)
                    transform_inputs(ps, q, K, x + (grp * p.cg + c0) * hw, 0, t0, std::min(total, t0 + q.block), xp,
                                     v + c0 * q.vs + t0, l.vxi);
                return;
            }
            // Z of one tile row: its output rows pixel-major, then the transposed output transform.
            const int64_t img = (task - vtasks) / q.th, ty = (task - vtasks) % q.th;
            const int64_t r0 = 2 * ty, rows = std::min<int64_t>(2, p.oh - r0), row0 = img * per_img + ty * q.tw;
            float* dyt = thread_scratch(scratch::conv_task_work, 2 * p.ow * l.kp + 16);
            kt.transpose_pad(dy + (img * p.k + grp * p.kg) * ohw + r0 * p.ow, ohw, p.kg, rows * p.ow, l.kp, dyt);
            K.grad_row(dyt, p.ow, rows, 0, q.tw, l.kp, z + row0 * l.kp, l.zxi);
        });
        float* du = du_all + grp * l.usize;
        parallel_tasks(16, [&](int64_t xi) {
            // Each piece sums from zero in registers and is then added (the first one stored).
            for (int64_t t0 = 0; t0 < total; t0 += piece)
                kt.bww_direct(v + xi * l.vxi + t0, off.data(), xi == 5 && db ? l.m1 : p.cg, 0, 1, std::min(piece, total - t0), 0,
                              z + xi * l.zxi + t0 * l.kp, l.kp, du + xi * l.m1 * l.kp, t0 > 0);
        });
    }
    weights_from_transformed(p, du_all, l.usize, l.m1, l.kp, dw, db);
}

}  // namespace

bool winograd_weights_whole_batch(const shape& p) { return weight_layout_of(p, *winograd::available()).whole_batch; }

void winograd_backward_weights(const shape& p, const float* x, const float* dy, float* dw, float* db) {
    const winograd::kernels& K = *winograd::available();
    const kernels& kt = active();
    const weight_layout l = weight_layout_of(p, K);
    if (l.whole_batch) return backward_weights_whole_batch(p, K, l, x, dy, dw, db);
    // Output channels along dU's rows, padded to whole vectors (bww_direct's layout); V gets one
    // more row, ones, read at xi = 5 for the bias gradient.
    const int64_t kp = l.kp, m1 = l.m1, usize = l.usize, chunks = l.chunks;
    const plan q = weight_plan(p, K, 16 * (m1 + kp));
    const int64_t per_img = q.th * q.tw, ohw = p.oh * p.ow;
    const int64_t vxi = odd_lines(m1 * q.vs), zxi = odd_lines(q.block * kp);
    const int64_t tile_rows = (q.rows - 2) / 2, dyt_floats = 2 * tile_rows * p.ow * kp + 16;
    std::vector<int64_t> off(static_cast<size_t>(m1));
    for (int64_t c = 0; c < m1; ++c) off[static_cast<size_t>(c)] = c * q.vs;
    // Per (chunk, group) partials in the caller's scratch (slot 2, which the tasks do not use).
    float* part = thread_scratch(scratch::conv_partials, chunks * p.groups * usize);
    parallel_tasks(chunks * p.groups, [&](int64_t task) {
        const int64_t chunk = task / p.groups, grp = task % p.groups;
        const int64_t i0 = p.n * chunk / chunks, i1 = p.n * (chunk + 1) / chunks;
        float* acc = part + task * usize;  // the chunk's first block stores, the others add
        // Without the bias gradient, the ones row at xi = 5 is not computed; zero it for the reduction.
        if (!db) std::memset(acc + (5 * m1 + p.cg) * kp, 0, sizeof(float) * static_cast<size_t>(kp));
        const int64_t xps = (p.cg * q.cstride + 15) / 16 * 16;
        float* xp = thread_scratch(scratch::conv_task_input, xps + dyt_floats);
        float* dyt = xp + xps;
        float* v = thread_scratch(scratch::conv_task_work, 16 * vxi + 16 * zxi);
        float* z = v + 16 * vxi;
        if (db) std::fill(v + 5 * vxi + p.cg * q.vs, v + 5 * vxi + p.cg * q.vs + q.block, 1.0f);
        // The next block's input and output-gradient rows, fetched over this block's GEMMs (as the
        // forward's next task): both transforms then read from cache.
        spread_prefetch next;
        // Blocks of whole tile rows of one image (weight_plan): the last of an image may be shorter.
        for (int64_t a0 = i0 * per_img, end = i1 * per_img, a1 = 0; a0 < end; a0 = a1) {
            a1 = std::min({end, a0 + q.block, (a0 / per_img + 1) * per_img});
            const int64_t used = a1 - a0;
            transform_inputs(p, q, K, x, grp, a0, a1, xp, v, vxi);
            next.clear();
            const int64_t e = std::min({end, a1 + q.block, (a1 / per_img + 1) * per_img});
            add_input_rows(next, p, q, x, grp, a1, e);
            for_each_image(q, a1, e, [&](int64_t img, int64_t, int64_t, int64_t ty0, int64_t ty1) {
                const int64_t r0 = 2 * ty0, r1 = std::min(p.oh, 2 * ty1);
                for (int64_t k = 0; k < p.kg; ++k) next.add(dy + ((img * p.k + grp * p.kg + k) * p.oh + r0) * p.ow, (r1 - r0) * p.ow);
            });
            const int64_t share = (next.lines() + 15) / 16;
            // Z, image by image: the output rows of the tiles, pixel-major, then each tile row.
            for_each_image(q, a0, a1, [&](int64_t img, int64_t a, int64_t b, int64_t ty0, int64_t ty1) {
                const int64_t r0 = 2 * ty0, r1 = std::min(p.oh, 2 * ty1);
                kt.transpose_pad(dy + (img * p.k + grp * p.kg) * ohw + r0 * p.ow, ohw, p.kg, (r1 - r0) * p.ow, kp, dyt);
                for (int64_t ty = ty0; ty < ty1; ++ty) {
                    const int64_t row0 = img * per_img + ty * q.tw;
                    const int64_t lo = std::max(a, row0), hi = std::min(b, row0 + q.tw);
                    K.grad_row(dyt + 2 * (ty - ty0) * p.ow * kp, p.ow, std::min<int64_t>(2, p.oh - 2 * ty), lo - row0, hi - lo, kp,
                               z + (lo - a0) * kp, zxi);
                }
            });
            for (int64_t xi = 0; xi < 16; ++xi) {
                next.issue(share);
                kt.bww_direct(v + xi * vxi, off.data(), xi == 5 && db ? m1 : p.cg, 0, 1, used, 0, z + xi * zxi, kp,
                              acc + xi * m1 * kp, a0 > i0 * per_img);
            }
        }
    });
    // Chunk partials summed in chunk order (the same bits for any thread count), in slices over the
    // threads (C = K = 64: 8 x 266 KB, a serial tail of 3% at 2 threads); then dW = G^T dU G.
    constexpr int64_t kSlice = 4096;
    const int64_t slices = (usize + kSlice - 1) / kSlice;
    parallel_tasks(p.groups * slices, [&](int64_t t) {
        const int64_t grp = t / slices, r0 = (t % slices) * kSlice, n = std::min(kSlice, usize - r0);
        for (int64_t c = 1; c < chunks; ++c) kt.add(part + (c * p.groups + grp) * usize + r0, part + grp * usize + r0, n);
    });
    weights_from_transformed(p, part, usize, m1, kp, dw, db);
}

}  // namespace nn::conv
