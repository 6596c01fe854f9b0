// Convolution drivers: pick the algorithm per shape, split work into tasks whose results do not
// depend on the thread that runs them, and call the micro-kernels and the SGEMM micro-kernel
// through band_gemm (implicit GEMM: operands packed per L2-sized block, see band_gemm.h).
//
//   depthwise (one input channel per group, few outputs each): direct SIMD kernel per plane.
//   1x1, stride 1, no padding: the input already is the GEMM operand (no im2col).
//   strided with few input channels (a stem on RGB): the direct tile on the input's phase planes
//   (conv_direct.h: takes_phases), and the direct weight gradient on the same planes.
//   strided with more input channels (ResNet's 3x3/2 and 1x1/2), packed forward on AVX-512: a
//   direct kernel vectorized over output channels (conv_strided.h).
//   otherwise: im2col of a band of output rows and a block of channels into per-thread scratch,
//   packed into the micro-kernel's panels.
// Backward data is W^T * dY then col2im; backward weights dY * col^T accumulated per fixed batch
// chunk and the chunks summed in order, so 1 and 2 threads give the same bits (where those partials
// would be megabytes, tasks own slices of dW's taps and sum the whole batch in order instead). With stride 1 both
// gradients skip the col matrix where they can: register-tiled kernels read shifted views of a
// zero-padded copy of each plane (backward_weights_direct, backward_data_direct).
#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "bf16/bf16.h"
#include "conv/band_gemm.h"
#include "conv/conv.h"
#include "conv/conv_direct.h"
#include "conv/conv_gemm_bf16.h"
#include "conv/conv_strided.h"
#include "conv/conv_winograd.h"
#include "conv/prefetch.h"
#include "runtime/cpu.h"
#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"
#include "eltwise/eltwise.h"

namespace nn::conv {

namespace {

// Micro-panels of A (mr output channels each) a GEMM channel chunk holds at least.
constexpr int64_t kMinChunkBlocks = 4;

// Most floats of B the im2col GEMM packs once for all its channel chunks (16 MiB); a larger B
// (a huge plane in one band) is packed by each chunk's task as it goes.
constexpr int64_t kMaxSharedB = int64_t{1} << 22;

bool is_pointwise(const shape& p) {
    return p.r == 1 && p.s == 1 && p.sh == 1 && p.sw == 1 && p.pt == 0 && p.pb == 0 && p.pl == 0 && p.pr == 0;
}

// Output rows per band of the implicit GEMM: the band's packed B block and its C block, per_col
// floats a column together, take `budget` floats of L2 (kernels::block).
int64_t gemm_band_rows(const shape& p, int64_t per_col, int64_t budget) {
    int64_t rows = budget / std::max<int64_t>(1, per_col * p.ow);
    return std::clamp<int64_t>(rows, 1, p.oh);
}

// Output rows per band among band counts from half of `rows`' count up to it (bands of at most twice
// the budget's rows) whose bands take the fewest GEMM columns once each band's columns round up to
// nr (the micro-kernel's panel width); the most bands among equals. ResNet-18's stride-2 3x3 into
// 256 channels (14x14 outputs) in bands of 7 rows took 2 x 128 columns for 2 x 98 pixels; as one
// band of 196, 224. The bands decide which tile computes an output, never its sum: same bits.
int64_t fitted_band_rows(const shape& p, int64_t rows, int64_t nr) {
    const int64_t bands = (p.oh + rows - 1) / rows;
    int64_t best = rows, best_cols = -1;
    for (int64_t b = bands; b >= (bands + 1) / 2; --b) {
        const int64_t r = (p.oh + b - 1) / b;
        int64_t cols = 0;
        for (int64_t oh0 = 0; oh0 < p.oh; oh0 += r) cols += ((std::min(p.oh, oh0 + r) - oh0) * p.ow + nr - 1) / nr * nr;
        if (best_cols < 0 || cols < best_cols) best_cols = cols, best = r;
    }
    return best;
}

// Padded-plane geometry for the depthwise kernels: enough rows/cols for every tap read.
struct padded {
    int64_t hp, wp;
};
padded padded_of(const shape& p) {
    return {(p.oh - 1) * p.sh + (p.r - 1) * p.dh + 1, (p.ow - 1) * p.sw + (p.s - 1) * p.dw + 1};
}

// The depthwise kernels read a zero-padded copy of each plane (hp x wp), worth it (and bounded)
// only when that copy is not much larger than the plane. Huge paddings, strides or dilations,
// valid as they are, take the im2col path, whose buffer is bounded by the output size (found by
// native/fuzz/fuzz_conv: a 2^40 padding allocated and cleared a 2^80-float plane).
bool is_depthwise(const shape& p) {
    if (p.cg != 1 || p.kg > 4) return false;
    const padded pd = padded_of(p);
    int64_t area;
    if (__builtin_mul_overflow(pd.hp, pd.wp, &area)) return false;
    return area / 4 <= p.h * p.w + 1024;
}

// Copies plane x (h x w) into xp (hp x wp) shifted by (pt, pl), zero elsewhere. The padded
// extent may also cut the input short (rows/cols no output reads).
void pad_plane(const float* x, const shape& p, const padded& pd, float* xp) {
    for (int64_t y = 0; y < pd.hp; ++y) {
        float* row = xp + y * pd.wp;
        int64_t ih = y - p.pt;
        if (ih < 0 || ih >= p.h) {
            std::memset(row, 0, sizeof(float) * static_cast<size_t>(pd.wp));
            continue;
        }
        int64_t lo = std::min(p.pl, pd.wp);                      // left zeros
        int64_t n = std::max<int64_t>(0, std::min(p.w, pd.wp - p.pl));  // copied
        std::memset(row, 0, sizeof(float) * static_cast<size_t>(lo));
        std::memcpy(row + lo, x + ih * p.w, sizeof(float) * static_cast<size_t>(n));
        std::memset(row + lo + n, 0, sizeof(float) * static_cast<size_t>(pd.wp - lo - n));
    }
}

// The adjoint of pad_plane: dx (h x w) = the interior of dxp (overwrites dx).
void unpad_plane(const float* dxp, const shape& p, const padded& pd, float* dx) {
    for (int64_t ih = 0; ih < p.h; ++ih) {
        float* row = dx + ih * p.w;
        int64_t y = ih + p.pt;
        int64_t n = (y < pd.hp) ? std::max<int64_t>(0, std::min(p.w, pd.wp - p.pl)) : 0;
        if (n > 0) std::memcpy(row, dxp + y * pd.wp + p.pl, sizeof(float) * static_cast<size_t>(n));
        std::memset(row + n, 0, sizeof(float) * static_cast<size_t>(p.w - n));
    }
}

void depthwise_forward(const shape& p, const float* x, const float* w, const float* bias, int act, float* y) {
    const auto& kt = active();
    const geom g = geom_of(p);
    const padded pd = padded_of(p);
    const int64_t ohw = p.oh * p.ow, rs = p.r * p.s;
    parallel_tasks(p.n * p.c, [&](int64_t t) {
        const int64_t img = t / p.c, ci = t % p.c;
        float* xp = thread_scratch(scratch::conv_task_input, pd.hp * pd.wp);
        pad_plane(x + t * p.h * p.w, p, pd, xp);
        for (int64_t m = 0; m < p.kg; ++m) {
            const int64_t k = ci * p.kg + m;
            float* yk = y + (img * p.k + k) * ohw;
            kt.dw_forward(xp, pd.wp, w + k * rs, bias ? bias[k] : 0.0f, g, yk);
            if (act != 0) eltwise::active().unary(static_cast<nn_unary_op>(act), yk, yk, ohw, 0.0f);
        }
    });
}

// MobileNet's depthwise layers: 3x3, padding 1, stride 1 or 2, one output plane per input plane.
// kernels::dw3x3 reads the unpadded plane and applies bias, residual and activation in registers.
bool takes_dw3x3(const shape& p) {
    return p.cg == 1 && p.kg == 1 && p.r == 3 && p.s == 3 && p.dh == 1 && p.dw == 1 && p.sh == p.sw &&
           (p.sh == 1 || p.sh == 2) && p.pt == 1 && p.pb == 1 && p.pl == 1 && p.pr == 1;
}

// Planes in tasks of about kDw3x3TaskOutputs outputs: MobileNet's 7x7 stage has a thousand planes
// of 49 outputs, each far too little work to hand to a thread alone.
constexpr int64_t kDw3x3TaskOutputs = 4096;

void dw3x3_forward(const shape& p, const float* x, const float* w, const float* bias, const float* res, int act,
                   float alpha, float* y) {
    const auto& kt = active();
    const int64_t hw = p.h * p.w, ohw = p.oh * p.ow, planes = p.n * p.c;
    const int64_t per = std::clamp<int64_t>(kDw3x3TaskOutputs / std::max<int64_t>(1, ohw), 1, planes);
    parallel_tasks((planes + per - 1) / per, [&](int64_t t) {
        float* rows = thread_scratch(scratch::conv_task_input, dw3x3_rows_floats(p.w));
        for (int64_t q = t * per; q < std::min(planes, (t + 1) * per); ++q) {
            const int64_t k = q % p.c;
            kt.dw3x3(dw3x3_args{x + q * hw, p.h, p.w, p.sh, p.oh, p.ow, w + k * 9, bias ? bias[k] : 0.0f,
                                res ? res + q * ohw : nullptr, act, alpha, y + q * ohw, rows});
        }
    });
}

void depthwise_backward_data(const shape& p, const float* dy, const float* w, float* dx) {
    // At stride 1 with padding 1 the data gradient of a 3x3 depthwise layer is the same layer, its
    // kernel turned by 180 degrees, applied to dy: the forward kernel writes each input once from
    // registers, where the loop below adds nine products into a padded copy of every input.
    if (takes_dw3x3(p) && p.sh == 1) {
        std::vector<float> turned(static_cast<size_t>(p.c * 9));
        for (int64_t k = 0; k < p.c; ++k)
            for (int64_t t = 0; t < 9; ++t) turned[static_cast<size_t>(k * 9 + t)] = w[k * 9 + 8 - t];
        return dw3x3_forward(p, dy, turned.data(), nullptr, nullptr, NN_UNARY_IDENTITY, 0.0f, dx);
    }
    const auto& kt = active();
    const geom g = geom_of(p);
    const padded pd = padded_of(p);
    const int64_t ohw = p.oh * p.ow, rs = p.r * p.s;
    parallel_tasks(p.n * p.c, [&](int64_t t) {
        const int64_t img = t / p.c, ci = t % p.c;
        float* dxp = thread_scratch(scratch::conv_task_input, pd.hp * pd.wp);
        std::memset(dxp, 0, sizeof(float) * static_cast<size_t>(pd.hp * pd.wp));
        for (int64_t m = 0; m < p.kg; ++m) {
            const int64_t k = ci * p.kg + m;
            kt.dw_backward_data(dy + (img * p.k + k) * ohw, w + k * rs, g, dxp, pd.wp);
        }
        unpad_plane(dxp, p, pd, dx + t * p.h * p.w);
    });
}

void depthwise_backward_weights(const shape& p, const float* x, const float* dy, float* dw, float* db) {
    const auto& kt = active();
    const geom g = geom_of(p);
    const padded pd = padded_of(p);
    const int64_t ohw = p.oh * p.ow, rs = p.r * p.s;
    // Per (image, output channel) partials, summed over images in order below.
    std::vector<float> part(static_cast<size_t>(p.n * p.k * rs));
    std::vector<double> bpart(db ? static_cast<size_t>(p.n * p.k) : 0);
    parallel_tasks(p.n * p.c, [&](int64_t t) {
        const int64_t img = t / p.c, ci = t % p.c;
        float* xp = thread_scratch(scratch::conv_task_input, pd.hp * pd.wp);
        pad_plane(x + t * p.h * p.w, p, pd, xp);
        for (int64_t m = 0; m < p.kg; ++m) {
            const int64_t k = ci * p.kg + m;
            const float* dyk = dy + (img * p.k + k) * ohw;
            kt.dw_backward_weights(xp, pd.wp, dyk, g, part.data() + (img * p.k + k) * rs);
            if (db) bpart[static_cast<size_t>(img * p.k + k)] = kt.sum(dyk, ohw);
        }
    });
    std::memcpy(dw, part.data(), sizeof(float) * static_cast<size_t>(p.k * rs));
    for (int64_t img = 1; img < p.n; ++img) kt.add(part.data() + img * p.k * rs, dw, p.k * rs);
    if (db)
        for (int64_t k = 0; k < p.k; ++k) {
            double s = 0.0;
            for (int64_t img = 0; img < p.n; ++img) s += bpart[static_cast<size_t>(img * p.k + k)];
            db[k] = static_cast<float>(s);
        }
}

}  // namespace

namespace {

// K blocks of whole channels, so a block's B rows are the im2col of channels [k0/rs, ...).
kblocking gemm_kblocking(const shape& p) {
    return make_kblocking(p.crs, is_pointwise(p) ? 1 : p.r * p.s, active().block.k_block);
}

int64_t gemm_weights_size(const shape& p) { return p.groups * padded_rows(gemm::active(), p.kg) * p.crs; }

// Each group's weights as the micro-kernel's A panels, K block by K block.
void gemm_pack_weights(const shape& p, const float* w, float* apack) {
    const auto& K = gemm::active();
    const kblocking kb = gemm_kblocking(p);
    const int64_t mp = padded_rows(K, p.kg);
    for (int64_t grp = 0; grp < p.groups; ++grp)
        pack_a_blocks(K, w + grp * p.kg * p.crs, p.crs, 1, p.kg, kb, apack + grp * mp * p.crs);
}

// y = act(y + residual) over rows [0, m) x columns [0, cols) of a band (row stride ld), while
// the band is still in cache; residual rows have the same stride.
void band_epilogue(const float* res, int act, float alpha, int64_t m, int64_t cols, int64_t ld, float* y) {
    const auto& E = eltwise::active();
    if (cols == ld) cols *= m, m = 1;  // the band is whole planes: one contiguous run
    for (int64_t r = 0; r < m; ++r) {
        float* yr = y + r * ld;
        if (res) E.binary(NN_BINARY_ADD, yr, res + r * ld, yr, cols);
        if (act != NN_UNARY_IDENTITY) E.unary(static_cast<nn_unary_op>(act), yr, yr, cols, alpha);
    }
}

// The implicit GEMM on weights gemm_pack_weights laid out: im2col of a band of output rows (or the
// input itself for 1x1) straight into B's panels. y = act(conv + bias + residual): bias and the
// micro-kernel's activations (none, ReLU, sigmoid, tanh, GELU, ReLU6) in its epilogue, a residual
// or any other nn_unary_op on each task's band right after (residual may be null).
void gemm_forward_packed(const shape& p, const float* x, const float* apack, const float* bias, const float* res,
                         int act, float alpha, float* y, bool fit_bands = false) {
    const auto& kt = active();
    const auto& K = gemm::active();
    const geom g = geom_of(p);
    const bool pointwise = is_pointwise(p);
    const int64_t rs = p.r * p.s, hw = p.h * p.w, ohw = p.oh * p.ow;
    const kblocking kb = gemm_kblocking(p);
    int64_t rows = gemm_band_rows(p, kb.step + p.kg, kt.block.fwd_band);
    if (fit_bands) rows = fitted_band_rows(p, rows, K.nr);
    const int64_t bands = (p.oh + rows - 1) / rows;
    const int64_t mp = padded_rows(K, p.kg);
    const int64_t chunks = channel_chunks(p.n * p.groups * bands, mp / K.mr, kMinChunkBlocks);
    const int64_t chunk_rows = ((p.kg + chunks - 1) / chunks + K.mr - 1) / K.mr * K.mr;
    const bool in_kernel = res == nullptr && (act <= NN_UNARY_GELU || act == NN_UNARY_RELU6);
    // B's K block starting at k0 for (image and group ng, band), packed into dst.
    const auto pack_band = [&](int64_t ng, int64_t band, int64_t k0, int64_t kc, float* dst) {
        const int64_t img = ng / p.groups, grp = ng % p.groups;
        const int64_t oh0 = band * rows, oh1 = std::min(p.oh, oh0 + rows), cols = (oh1 - oh0) * p.ow;
        const float* xg = x + (img * p.c + grp * p.cg) * hw;
        if (pointwise) {
            K.pack_b(xg + k0 * hw + oh0 * p.ow, hw, 1, kc, cols, dst);
            return;
        }
        // im2col of the block's channels for this band, straight into panels.
        kt.im2col_panels(xg + (k0 / rs) * hw, kc / rs, g, oh0, oh1, K.nr, thread_scratch(scratch::conv_task_input, cols + K.nr), dst);
    };
    // Output channels split into chunks (few bands: batch 1 at ResNet's 14x14 and 7x7 strided
    // layers): every chunk of a band multiplies the same B, so B is packed once, in tasks of K
    // blocks, into one buffer the chunks share, instead of once per chunk (8 chunks at 2 threads
    // packed the 2304 x 49 im2col of ResNet-18's 7x7 stride-2 layer 8 times). Same panels, same
    // micro-kernel calls: the same bits as packing per task.
    const int64_t colsp = (rows * p.ow + K.nr - 1) / K.nr * K.nr, per_band = p.crs * colsp;
    const int64_t shared_floats = p.n * p.groups * bands * per_band;
    const float* shared = nullptr;
    if (chunks > 1 && shared_floats <= kMaxSharedB) {
        float* b = thread_scratch(scratch::conv_transformed, static_cast<size_t>(shared_floats));
        const int64_t kblocks = kb.count();
        parallel_tasks(p.n * p.groups * bands * kblocks, [&](int64_t t) {
            const int64_t blk = t % kblocks, nb = t / kblocks, band = nb % bands, ng = nb / bands;
            pack_band(ng, band, kb.begin(blk), kb.len(blk), b + nb * per_band + kb.begin(blk) * colsp);
        });
        shared = b;
    }
    parallel_tasks(p.n * p.groups * bands * chunks, [&](int64_t t) {
        const int64_t chunk = t % chunks, band = t / chunks % bands, ng = t / chunks / bands;
        const int64_t img = ng / p.groups, grp = ng % p.groups;
        const int64_t m0 = chunk * chunk_rows, m = std::min(p.kg, m0 + chunk_rows) - m0;
        if (m <= 0) return;
        const int64_t oh0 = band * rows, oh1 = std::min(p.oh, oh0 + rows), cols = (oh1 - oh0) * p.ow;
        const float* ap = apack + grp * mp * p.crs;
        const int64_t yoff = (img * p.k + grp * p.kg + m0) * ohw + oh0 * p.ow;
        const auto a_block = [&](int64_t k0, int64_t kc) { return a_view{ap + k0 * mp + m0 * kc, 0}; };
        const float* bias_row = bias ? bias + grp * p.kg + m0 : nullptr;
        if (shared) {
            const float* sb = shared + (ng * bands + band) * per_band;
            band_gemm_prepacked(
                K, m, kb, cols, a_block, [&](int64_t k0, int64_t) { return sb + k0 * colsp; }, y + yoff, ohw, false,
                bias_row, in_kernel ? act : 0);
        } else {
            band_gemm(
                K, m, kb, cols, a_block, [&](int64_t k0, int64_t kc, float* dst) { pack_band(ng, band, k0, kc, dst); },
                y + yoff, ohw, false, bias_row, in_kernel ? act : 0);
        }
        if (!in_kernel) band_epilogue(res ? res + yoff : nullptr, act, alpha, m, cols, ohw, y + yoff);
    });
}

// The training forward of layers with small output planes (ResNet's stride-2 3x3 and 1x1 layers
// into 512 channels: 7x7 outputs, batch 8): the GEMM's columns run over the batch's output rows
// one image after another, in bands that may span images, instead of one GEMM an image. An
// image's 49 columns took two 32-wide panels (a quarter of the products wasted), and the
// 512 x 256 x 3 x 3 weights (4.7 MB) streamed from L3 once an image. A band's columns
// are im2col'd image by image into one column matrix (rows `cols` floats apart) and packed; its
// product lands in a C block copied out to each image's planes. The bands are sized to the L2
// measured (`budget`), not to the Zen 3 table's, and decide which tile computes an output, never
// its sum: the same K blocks, the same tile calls on each column, the same bits as an image a GEMM.
int64_t batched_budget() {
    return std::max<int64_t>(active().block.fwd_band, l2_cache_bytes() / static_cast<int64_t>(sizeof(float)) * 3 / 8);
}

// Taken where an image's columns fill less than 80% of their panels (ResNet-18's 7x7 outputs: 49
// of 64). At 14x14 (196 of 224) it measured no faster: 128 -> 256 3x3 7.19 vs 7.25 ms, 1x1 0.83
// vs 0.93 ms (batch 8, 1 thread, Emerald Rapids, 2026-12-06, best of 5 interleaved): the column
// matrix and the C block's copy cost what the panels gain.
bool takes_batched_columns(const shape& p, int64_t budget) {
    const int64_t nr = gemm::active().nr, ohw = p.oh * p.ow, padded_cols = (ohw + nr - 1) / nr * nr;
    const int64_t per_col = gemm_kblocking(p).step + p.kg;  // a column's B block and C block
    return p.groups == 1 && !is_pointwise(p) && p.n > 1 && ohw * 5 < padded_cols * 4 && ohw * per_col * 2 <= budget;
}

void gemm_forward_batched(const shape& p, const float* x, const float* apack, const float* bias, int act, float* y,
                          int64_t budget) {
    const auto& kt = active();
    const auto& K = gemm::active();
    const geom g = geom_of(p);
    const int64_t rs = p.r * p.s, hw = p.h * p.w, ohw = p.oh * p.ow;
    const kblocking kb = gemm_kblocking(p);
    shape all = p;
    all.oh = p.n * p.oh;  // the batch's output rows, image after image
    const int64_t rows = fitted_band_rows(all, gemm_band_rows(all, kb.step + p.kg, budget), K.nr);
    const int64_t bands = (all.oh + rows - 1) / rows;
    const int64_t mp = padded_rows(K, p.kg);
    const int64_t chunks = channel_chunks(bands, mp / K.mr, kMinChunkBlocks);
    const int64_t chunk_rows = ((p.kg + chunks - 1) / chunks + K.mr - 1) / K.mr * K.mr;
    const bool in_kernel = act <= NN_UNARY_GELU || act == NN_UNARY_RELU6;
    // Each image's piece of band rows [r0, r1): fn(image, its rows [oh0, oh1), the piece's first column).
    const auto pieces = [&](int64_t r0, int64_t r1, auto&& fn) {
        for (int64_t r = r0; r < r1;) {
            const int64_t img = r / p.oh, oh0 = r % p.oh, oh1 = std::min(p.oh, oh0 + (r1 - r));
            fn(img, oh0, oh1, (r - r0) * p.ow);
            r += oh1 - oh0;
        }
    };
    const auto pack_band = [&](int64_t band, int64_t k0, int64_t kc, float* dst) {
        const int64_t r0 = band * rows, r1 = std::min(all.oh, r0 + rows), cols = (r1 - r0) * p.ow;
        float* col = thread_scratch(scratch::conv_task_input, kc * cols);
        pieces(r0, r1, [&](int64_t img, int64_t oh0, int64_t oh1, int64_t j0) {
            kt.im2col(x + img * p.c * hw + (k0 / rs) * hw, kc / rs, g, oh0, oh1, col + j0, cols);
        });
        K.pack_b(col, cols, 1, kc, cols, dst);
    };
    // B packed once for every chunk where the output channels split (as gemm_forward_packed).
    const int64_t colsp = (rows * p.ow + K.nr - 1) / K.nr * K.nr, per_band = p.crs * colsp;
    const float* shared = nullptr;
    if (chunks > 1 && bands * per_band <= kMaxSharedB) {
        float* b = thread_scratch(scratch::conv_transformed, static_cast<size_t>(bands * per_band));
        const int64_t kblocks = kb.count();
        parallel_tasks(bands * kblocks, [&](int64_t t) {
            const int64_t blk = t % kblocks, band = t / kblocks;
            pack_band(band, kb.begin(blk), kb.len(blk), b + band * per_band + kb.begin(blk) * colsp);
        });
        shared = b;
    }
    parallel_tasks(bands * chunks, [&](int64_t t) {
        const int64_t chunk = t % chunks, band = t / chunks;
        const int64_t m0 = chunk * chunk_rows, m = std::min(p.kg, m0 + chunk_rows) - m0;
        if (m <= 0) return;
        const int64_t r0 = band * rows, r1 = std::min(all.oh, r0 + rows), cols = (r1 - r0) * p.ow;
        float* c = thread_scratch(scratch::conv_partials, static_cast<size_t>(m * cols));
        const auto a_block = [&](int64_t k0, int64_t kc) { return a_view{apack + k0 * mp + m0 * kc, 0}; };
        const float* bias_row = bias ? bias + m0 : nullptr;
        if (shared) {
            const float* sb = shared + band * per_band;
            band_gemm_prepacked(
                K, m, kb, cols, a_block, [&](int64_t k0, int64_t) { return sb + k0 * colsp; }, c, cols, false,
                bias_row, in_kernel ? act : 0);
        } else {
            band_gemm(
                K, m, kb, cols, a_block, [&](int64_t k0, int64_t kc, float* dst) { pack_band(band, k0, kc, dst); }, c,
                cols, false, bias_row, in_kernel ? act : 0);
        }
        pieces(r0, r1, [&](int64_t img, int64_t oh0, int64_t oh1, int64_t j0) {
            float* yp = y + (img * p.k + m0) * ohw + oh0 * p.ow;
            const int64_t len = (oh1 - oh0) * p.ow;
            for (int64_t mm = 0; mm < m; ++mm)
                std::memcpy(yp + mm * ohw, c + mm * cols + j0, sizeof(float) * static_cast<size_t>(len));
            if (!in_kernel) band_epilogue(nullptr, act, 0.0f, m, len, ohw, yp);
        });
    });
}

// bf16 products on the float32 kernels (bf16::native_products() false, e.g. a CPU whose vdpbf16ps is
// slower than its FMAs): the im2col GEMM's operands are the input's and the weights' own values, so
// the float32 path on the input rounded once (this thread's bf16_operand scratch) and on rounded
// weights multiplies bf16-rounded operands with float32's cost and float32's bits on them.
bool rounded_gemm(bool bf16) { return bf16 && !bf16::native_products(); }
const float* rounded_operand(const float* x, int64_t count) {
    float* r = thread_scratch(scratch::bf16_operand, static_cast<size_t>(count));
    bf16::round_copy(x, r, count);
    return r;
}

// y = act(y + residual) in one pass over the output (residual may be null), in pieces over threads.
void residual_activation(const float* res, int act, float alpha, int64_t count, float* y) {
    const auto& E = eltwise::active();
    constexpr int64_t kPiece = 16384;
    parallel_tasks((count + kPiece - 1) / kPiece, [&](int64_t t) {
        const int64_t i0 = t * kPiece, len = std::min(kPiece, count - i0);
        if (res) E.binary(NN_BINARY_ADD, y + i0, res + i0, y + i0, len);
        if (act != NN_UNARY_IDENTITY) E.unary(static_cast<nn_unary_op>(act), y + i0, y + i0, len, alpha);
    });
}

}  // namespace

int64_t channel_chunks(int64_t base_tasks, int64_t blocks, int64_t min_blocks) {
    constexpr int64_t kTasksPerThread = 4;
    const int64_t threads = threads_here();  // 1 inside a pool task: no chunks to redo the packing for
    if (threads <= 1 || base_tasks >= kTasksPerThread * threads) return 1;
    const int64_t want = (kTasksPerThread * threads + base_tasks - 1) / base_tasks;
    return std::clamp<int64_t>(std::min(want, blocks / std::max<int64_t>(1, min_blocks)), 1, std::max<int64_t>(1, blocks));
}

void forward(const shape& p, const float* x, const float* w, const float* bias, int act, float* y, bool bf16) {
    if (takes_dw3x3(p)) return dw3x3_forward(p, x, w, bias, nullptr, act, 0.0f, y);
    if (is_depthwise(p)) return depthwise_forward(p, x, w, bias, act, y);
    if (takes_winograd(p)) {  // 3x3 stride 1: conv_winograd.h
        if (bf16) return winograd_forward_bf16(p, x, w, bias, act, y);
        return winograd_forward(p, x, w, bias, act, y);
    }
    if (takes_direct(p)) return direct_forward(p, x, w, bias, act, y);  // stride 1: conv_direct.h
    if ((!bf16 || rounded_gemm(bf16)) && takes_direct_phased(p)) {  // strided stems: conv_direct.h
        if (bf16) {  // float32 kernels on operands rounded once, as the im2col path below
            float* wr = thread_scratch(scratch::conv_data_weights, static_cast<size_t>(p.k * p.crs));
            bf16::round_copy(w, wr, p.k * p.crs);
            w = wr;
            x = rounded_operand(x, p.n * p.c * p.h * p.w);
        }
        return direct_forward_phased(p, x, w, bias, act, y);
    }
    if (bf16 && !rounded_gemm(bf16)) return gemm_forward_bf16(p, x, w, bias, act, y);  // vdpbf16ps: conv_gemm_bf16.h
    // Weights packed once for every band (the caller's scratch; the tasks only read it).
    float* apack = thread_scratch(scratch::conv_weights, gemm_weights_size(p));
    gemm_pack_weights(p, w, apack);
    if (rounded_gemm(bf16)) {
        bf16::round_in_place(apack, gemm_weights_size(p));
        x = rounded_operand(x, p.n * p.c * p.h * p.w);
    }
    const int64_t budget = batched_budget();
    if (takes_batched_columns(p, budget)) return gemm_forward_batched(p, x, apack, bias, act, y, budget);
    gemm_forward_packed(p, x, apack, bias, nullptr, act, 0.0f, y, true);
}

namespace {

// A packed 3x3 layer takes Winograd unless the direct kernel does fewer multiply-adds: only the
// smallest planes at batch 1 (AVX-512: 4x4 or 5x5 outputs, 4 or 9 tiles in a vector of 16).
// ResNet's 7x7 stage at batch 1 (16 tiles, one vector: 256 against 441 products a channel pair)
// stays on Winograd: 512 channels, one thread on Zen 5, 1.2-1.4 ms against 1.9-2.0 ms direct
// (2026-12-05, machine under load; the same layer packed at batch 2 and at batch 1, run at 1).
bool winograd_pays(const shape& p) { return winograd_products(p) < p.r * p.s * p.n * p.oh * p.ow; }

}  // namespace

packed_conv pack(const shape& p, const float* w, const float* bias, bool bf16) {
    using algo = packed_conv::algo;
    packed_conv pc{p, algo::gemm, {}, {}, false};
    if (bias) pc.bias.assign(bias, bias + p.k);
    const auto packed = [&](algo a, int64_t size, void (*fn)(const shape&, const float*, float*)) {
        pc.a = a;
        pc.w.resize(static_cast<size_t>(size));
        fn(p, w, pc.w.data());
    };
    if (takes_dw3x3(p) || is_depthwise(p)) {
        pc.a = takes_dw3x3(p) ? algo::dw3x3 : algo::depthwise;
        pc.w.assign(w, w + p.k * p.crs);  // read as they are
    } else if (takes_winograd(p) && (winograd_pays(p) || !takes_direct(p))) {
        pc.bf16 = bf16;
        if (bf16) packed(algo::winograd, winograd_weights_size_bf16(p), winograd_pack_weights_bf16);
        else packed(algo::winograd, winograd_weights_size(p), winograd_pack_weights);
    } else if (takes_direct(p)) {
        packed(algo::direct, direct_weights_size(p), direct_pack_weights);
    } else if ((!bf16 || rounded_gemm(bf16)) && takes_direct_phased(p)) {  // as forward()
        packed(algo::direct_phased, direct_weights_size(p), direct_pack_weights);
        pc.bf16 = bf16;  // float32 kernels on rounded operands: the weights rounded once, here
        if (bf16) bf16::round_in_place(pc.w.data(), static_cast<int64_t>(pc.w.size()));
    } else if ((!bf16 || rounded_gemm(bf16)) && takes_strided_direct(p)) {
        // Packed layers only: forward() (training) keeps the im2col GEMM. It measured faster there
        // too, but moved a PyTorch parity fixture (ResNet-18's train step on 32 x 32 images)
        // across its tolerance, as capping main at AVX2 does.
        pc.a = algo::strided_direct;
        pc.w.resize(static_cast<size_t>(strided_weights_size(p)));
        strided_pack_weights(p, w, bias, pc.w.data());
        pc.bf16 = bf16;  // float32 kernel on rounded operands: the weights (not the bias after them) rounded once, here
        if (bf16) bf16::round_in_place(pc.w.data(), strided_bias_offset(p));
    } else if (bf16 && !rounded_gemm(bf16)) {
        pc.bf16 = true;
        packed(algo::gemm, gemm_weights_size_bf16(p), gemm_pack_weights_bf16);
    } else {
        packed(algo::gemm, gemm_weights_size(p), gemm_pack_weights);
        pc.bf16 = bf16;  // float32 kernels on rounded operands: the weights rounded once, here
        if (bf16) bf16::round_in_place(pc.w.data(), static_cast<int64_t>(pc.w.size()));
    }
    return pc;
}

void forward_packed(const packed_conv& pc, int64_t n, const float* x, const float* residual, int act, float alpha,
                    float* y) {
    using algo = packed_conv::algo;
    shape p = pc.p;
    p.n = n;
    const float* w = pc.w.data();
    const float* bias = pc.bias.empty() ? nullptr : pc.bias.data();
    if (pc.a == algo::dw3x3) return dw3x3_forward(p, x, w, bias, residual, act, alpha, y);
    if (pc.a == algo::gemm && (!pc.bf16 || rounded_gemm(pc.bf16))) {
        if (pc.bf16) x = rounded_operand(x, p.n * p.c * p.h * p.w);
        return gemm_forward_packed(p, x, w, bias, residual, act, alpha, y);
    }
    if (pc.a == algo::strided_direct) {
        if (pc.bf16) x = rounded_operand(x, p.n * p.c * p.h * p.w);
        return strided_forward_packed(p, x, w, residual, act, alpha, y);
    }
    if (pc.a == algo::direct_phased && pc.bf16) x = rounded_operand(x, p.n * p.c * p.h * p.w);
    // The other kernels' epilogues apply bias and then the fused subset of nn_unary_op
    // (identity, ReLU, sigmoid, tanh, GELU); Winograd's output transform also adds a residual
    // before it. Otherwise the residual (or another activation) is one pass afterwards.
    const bool in_kernel = (residual == nullptr || pc.a == algo::winograd) && act <= NN_UNARY_GELU;
    const int kact = in_kernel ? act : 0;
    switch (pc.a) {
        case algo::depthwise: depthwise_forward(p, x, w, bias, kact, y); break;
        case algo::winograd:
            if (pc.bf16) winograd_forward_packed_bf16(p, x, w, bias, kact, y, in_kernel ? residual : nullptr);
            else winograd_forward_packed(p, x, w, bias, kact, y, in_kernel ? residual : nullptr);
            break;
        case algo::direct: direct_forward_packed(p, x, w, bias, kact, y); break;
        case algo::direct_phased: direct_forward_phased_packed(p, x, w, bias, kact, y); break;
        case algo::gemm: gemm_forward_packed_bf16(p, x, w, bias, kact, y); break;  // bf16 (float32 returned above)
        default: break;  // dw3x3 returned above
    }
    if (!in_kernel) residual_activation(residual, act, alpha, p.n * p.k * p.oh * p.ow, y);
}

namespace {

// Stride 1 with padding no wider than the kernel's extent: dx is the forward convolution of dY
// with the weights flipped and transposed, under "full" padding (extent - pad). That runs on the
// forward's implicit GEMM (im2col straight into panels, whole bands) instead of dcol = W^T dY
// plus a col2im pass. Few input channels keep the dcol path on the GEMM (M = cg would waste most
// of a tile), not on the direct kernel (conv_direct.h), whose tiles are 8 (4 on AVX2) channels;
// under 4 its tiles have too few accumulators (C = 3 at 224 pixels: 16.7 vs 12.5 ms).
shape data_as_forward_shape(const shape& p) {
    const int64_t eh = p.dh * (p.r - 1), ew = p.dw * (p.s - 1);
    shape q = p;
    q.c = p.k;
    q.h = p.oh;
    q.w = p.ow;
    q.k = p.c;
    q.pt = eh - p.pt;
    q.pb = eh - p.pb;
    q.pl = ew - p.pl;
    q.pr = ew - p.pr;
    q.oh = p.h;
    q.ow = p.w;
    q.cg = p.kg;
    q.kg = p.cg;
    q.crs = p.kg * p.r * p.s;
    return q;
}

bool backward_data_as_forward(const shape& p) {
    const int64_t eh = p.dh * (p.r - 1), ew = p.dw * (p.s - 1);
    return !is_pointwise(p) && p.sh == 1 && p.sw == 1 && p.pt <= eh && p.pb <= eh && p.pl <= ew && p.pr <= ew &&
           (p.cg >= 32 || (p.cg >= 4 && takes_direct(data_as_forward_shape(p))));
}

void backward_data_by_forward(const shape& p, const float* dy, const float* w, float* dx, bool bf16) {
    const int64_t rs = p.r * p.s;
    const shape q = data_as_forward_shape(p);
    if (!takes_dw3x3(q) && !is_depthwise(q) && takes_winograd(q)) {
        // forward(q)'s Winograd path, with the flipped weights transformed straight into U: no
        // flipped copy of the weights to write and read back on every training step.
        if (bf16) {
            float* u = thread_scratch(scratch::conv_weights, winograd_weights_size_bf16(q));
            winograd_pack_flipped_weights_bf16(q, w, u);
            return winograd_forward_packed_bf16(q, dy, u, nullptr, 0, dx);
        }
        float* u = thread_scratch(scratch::conv_weights, winograd_weights_size(q));
        winograd_pack_flipped_weights(q, w, u);
        return winograd_forward_packed(q, dy, u, nullptr, 0, dx);
    }
    // wt[grp][c][m][r-1-i][s-1-j] = w[grp][m][c][i][j] (every element written: not zeroed first), in
    // tasks of (group, input channel) over the threads: ResNet's 512-channel layers flip 2.4M weights
    // on every training step.
    float* wt = thread_scratch(scratch::conv_data_weights, p.k * p.crs);
    parallel_tasks(p.groups * p.cg, [&](int64_t task) {
        const int64_t grp = task / p.cg, c = task % p.cg;
        for (int64_t m = 0; m < p.kg; ++m) {
            const float* src = w + ((grp * p.kg + m) * p.cg + c) * rs;
            float* dst = wt + ((grp * p.cg + c) * p.kg + m) * rs;
            for (int64_t t = 0; t < rs; ++t) dst[rs - 1 - t] = src[t];
        }
    });
    forward(q, dy, wt, nullptr, 0, dx, bf16);
}

}  // namespace

namespace {

// The data gradient for the shapes backward_data_as_forward leaves to dcol + col2im (few input
// channels), stride 1: dx[c][ih][iw] = sum_{k,i,j} w[k][c][i][j] * dyp[k][ih + (r-1-i)*dh][iw + (s-1-j)*dw]
// on dY zero-padded by (extent - pad), i.e. a "full" correlation, computed directly per image with
// pixels (on the padded row pitch) along the vectors and input channels as broadcast weights: no
// dcol matrix, no col2im pass, and the short reduction (kg) no longer bounds a GEMM tile.
// Needs pt <= extent and pl <= extent (dY is then only cropped or shifted right/down), a padded
// copy that stays small (as is_depthwise), and enough input channels to fill a tile.
constexpr int64_t kMinDirectDataChannels = 4;

bool backward_data_direct_ok(const shape& p) {
    const int64_t eh = p.dh * (p.r - 1), ew = p.dw * (p.s - 1);
    if (p.sh != 1 || p.sw != 1 || is_pointwise(p) || p.cg < kMinDirectDataChannels || p.pt > eh || p.pl > ew)
        return false;
    int64_t hq, wq, plane, all;
    if (__builtin_add_overflow(p.h, eh, &hq) || __builtin_add_overflow(p.w, ew, &wq) ||
        __builtin_mul_overflow(hq, wq, &plane) || __builtin_mul_overflow(plane + 64, std::max(p.kg, p.cg), &all))
        return false;
    return plane / 4 <= p.h * p.w + 1024;
}

void backward_data_direct(const shape& p, const float* dy, const float* w, float* dx) {
    const auto& kt = active();
    const int64_t eh = p.dh * (p.r - 1), ew = p.dw * (p.s - 1), rs = p.r * p.s;
    const int64_t wq = p.w + ew, plane = (p.h + eh) * wq, hw = p.h * p.w, ohw = p.oh * p.ow;
    const int64_t mlen = p.h * wq, cstride = mlen + 64;  // dx rows on the padded pitch, + tile slack
    std::vector<int64_t> toff(static_cast<size_t>(rs));
    for (int64_t i = 0; i < p.r; ++i)
        for (int64_t j = 0; j < p.s; ++j)
            toff[static_cast<size_t>(i * p.s + j)] = (p.r - 1 - i) * p.dh * wq + (p.s - 1 - j) * p.dw;
    // wt[grp][(k * rs + t) * cg + c] = w[grp * kg + k][c][t]: a tap's weights for all channels adjacent
    // (every element written: not zeroed first).
    float* wt = thread_scratch(scratch::conv_data_weights, p.k * p.crs);
    for (int64_t grp = 0; grp < p.groups; ++grp)
        for (int64_t k = 0; k < p.kg; ++k)
            for (int64_t c = 0; c < p.cg; ++c)
                for (int64_t t = 0; t < rs; ++t)
                    wt[grp * p.kg * p.crs + (k * rs + t) * p.cg + c] =
                        w[((grp * p.kg + k) * p.cg + c) * rs + t];
    // Pixel pieces of the kernel (multiples of 192), a share of the next task's dY prefetched
    // before each (see spread_prefetch).
    const int64_t piece = 192 * std::max<int64_t>(1, mlen / (192 * 16)), pieces = (mlen + piece - 1) / piece;
    const int64_t tasks = p.n * p.groups;
    parallel_tasks(tasks, [&](int64_t task) {
        const int64_t img = task / p.groups, grp = task % p.groups;
        float* dyp = thread_scratch(scratch::conv_task_input, p.kg * plane + 64);
        float* dxq = thread_scratch(scratch::conv_task_work, p.cg * cstride);
        // dyp[k][y][x] = dy[k][y - (eh - pt)][x - (ew - pl)]; the slack past the last plane only
        // feeds the columns and rows past the image, which are dropped.
        kt.pad_rows(dy + (img * p.k + grp * p.kg) * ohw, p.kg, p.oh, p.ow, eh - p.pt, ew - p.pl, wq, plane, 0,
                    p.h + eh, dyp);
        std::memset(dyp + p.kg * plane, 0, sizeof(float) * 64);
        // The next task (usually this thread's: parallel_tasks hands out contiguous ranges) reads the
        // next kg planes of dY.
        spread_prefetch pf;
        if (task + 1 < tasks) pf.add(dy + (task + 1) * p.kg * ohw, p.kg * ohw);
        const int64_t share = (pf.lines() + pieces - 1) / pieces;
        for (int64_t m0 = 0; m0 < mlen; m0 += piece) {
            pf.issue(share);
            kt.bwd_data_direct(dyp, p.kg, plane, toff.data(), rs, wt + grp * p.kg * p.crs, p.cg, m0,
                               std::min(mlen, m0 + piece), dxq, cstride);
        }
        // Plain loops, not a library call a row (rows are a few dozen floats).
        float* dxg = dx + (img * p.c + grp * p.cg) * hw;
        for (int64_t c = 0; c < p.cg; ++c)
            for (int64_t ih = 0; ih < p.h; ++ih) {
                float* d = dxg + (c * hw + ih * p.w);
                const float* q = dxq + (c * cstride + ih * wq);
                for (int64_t iw = 0; iw < p.w; ++iw) d[iw] = q[iw];
            }
    });
}

}  // namespace

namespace {

// The dcol + col2im data gradient of strided layers with small output planes (ResNet's stride-2
// layers into 256 and 512 channels, batch 8), with the batch's images side by side in the
// GEMM's columns: kBatchedDataCols of them at most, whole images only, so every dx plane is one
// task's. An image a GEMM cut 49 columns into bands of 35 and 14 (96 columns of panels: half the
// products wasted) and streamed W^T (4.7 MB) once a band. dY is packed once per image group and
// shared; W^T once per call; tasks are (image group, chunk of input channels), the chunks sized
// so a task's dcol stays in the L2 (batched_budget) and cut at whole micro-panels of W^T.
// Chunks split dx's channels and never an element's sum, so the thread count does not change the
// bits. Against the banded path the col2im adds of dx rows at a band's edge come in tap order
// instead of band order: those bits change, alike at every thread count.
constexpr int64_t kBatchedDataCols = 448;

bool takes_batched_data(const shape& p) {
    return p.groups == 1 && !is_pointwise(p) && (p.sh > 1 || p.sw > 1) && p.n > 1 && 2 * p.oh * p.ow <= kBatchedDataCols;
}

void backward_data_batched(const shape& p, const float* dy, const float* w, float* dx) {
    const auto& kt = active();
    const auto& K = gemm::active();
    const geom g = geom_of(p);
    const int64_t hw = p.h * p.w, ohw = p.oh * p.ow, rs = p.r * p.s;
    const kblocking kb = make_kblocking(p.kg, 1, kt.block.k_block);
    const int64_t per = std::min(p.n, kBatchedDataCols / ohw), groups = (p.n + per - 1) / per;
    const int64_t imgs = (p.n + groups - 1) / groups;  // balanced image groups
    const int64_t cols_most = imgs * ohw, colsp = (cols_most + K.nr - 1) / K.nr * K.nr;
    // Input channels a chunk: its dcol (cc * rs rows) and the shared B block in the budget, a
    // multiple of `unit` channels so a chunk starts on a micro-panel of W^T; and at least 4 tasks a thread.
    int64_t a = K.mr, b = rs;
    while (b != 0) a = std::exchange(b, a % b);
    const int64_t unit = K.mr / a;
    const int64_t fit = std::max<int64_t>(1, (batched_budget() - colsp * kb.step) / (colsp * rs));
    int64_t chunks = std::max<int64_t>((p.cg + fit - 1) / fit, (4 * threads_here() + groups - 1) / groups);
    const int64_t cc = std::max<int64_t>(unit, ((p.cg + chunks - 1) / chunks + unit - 1) / unit * unit);
    chunks = (p.cg + cc - 1) / cc;
    // W^T [crs x kg] packed once: A(q, k) = w[k * crs + q].
    const int64_t mp = padded_rows(K, p.crs);
    float* apack = thread_scratch(scratch::conv_weights, mp * p.kg);
    pack_a_blocks(K, w, 1, p.crs, p.crs, kb, apack);
    // dY of each image group, K block by K block, its images' planes side by side, as pack_b lays it out.
    const int64_t per_group = p.kg * colsp, kblocks = kb.count();
    float* bpack = thread_scratch(scratch::conv_transformed, static_cast<size_t>(groups * per_group));
    parallel_tasks(groups * kblocks, [&](int64_t t) {
        const int64_t blk = t % kblocks, grp = t / kblocks, k0 = kb.begin(blk), kc = kb.len(blk);
        const int64_t i0 = grp * imgs, i1 = std::min(p.n, i0 + imgs), cols = (i1 - i0) * ohw;
        float* tmp = thread_scratch(scratch::conv_task_input, kc * cols);
        for (int64_t k = 0; k < kc; ++k)
            for (int64_t img = i0; img < i1; ++img)
                std::memcpy(tmp + k * cols + (img - i0) * ohw, dy + (img * p.k + k0 + k) * ohw,
                            sizeof(float) * static_cast<size_t>(ohw));
        K.pack_b(tmp, cols, 1, kc, cols, bpack + grp * per_group + k0 * colsp);
    });
    parallel_tasks(groups * chunks, [&](int64_t t) {
        const int64_t chunk = t % chunks, grp = t / chunks;
        const int64_t c0 = chunk * cc, c1 = std::min(p.cg, c0 + cc), m = (c1 - c0) * rs;
        const int64_t i0 = grp * imgs, i1 = std::min(p.n, i0 + imgs), cols = (i1 - i0) * ohw;
        float* dcol = thread_scratch(scratch::conv_task_input, m * cols);
        const float* bp = bpack + grp * per_group;
        band_gemm_prepacked(
            K, m, kb, cols, [&](int64_t k0, int64_t kc) { return a_view{apack + k0 * mp + c0 * rs * kc, 0}; },
            [&](int64_t k0, int64_t) { return bp + k0 * colsp; }, dcol, cols, false, nullptr, 0);
        for (int64_t img = i0; img < i1; ++img) {
            float* dxg = dx + (img * p.c + c0) * hw;
            std::memset(dxg, 0, sizeof(float) * static_cast<size_t>((c1 - c0) * hw));
            kt.col2im(dcol + (img - i0) * ohw, c1 - c0, g, 0, p.oh, dxg, cols);
        }
    });
}

}  // namespace

void backward_data(const shape& p, const float* dy, const float* w, float* dx, bool bf16) {
    if (is_depthwise(p)) return depthwise_backward_data(p, dy, w, dx);
    if (backward_data_as_forward(p)) return backward_data_by_forward(p, dy, w, dx, bf16);
    if (backward_data_direct_ok(p)) return backward_data_direct(p, dy, w, dx);
    if (bf16 && !rounded_gemm(bf16)) return gemm_backward_data_bf16(p, dy, w, dx);  // vdpbf16ps: conv_gemm_bf16.h
    if (rounded_gemm(bf16)) {  // float32 kernels on rounded W and dY
        float* wr = thread_scratch(scratch::conv_data_weights, static_cast<size_t>(p.k * p.crs));
        bf16::round_copy(w, wr, p.k * p.crs);
        w = wr;
        dy = rounded_operand(dy, p.n * p.k * p.oh * p.ow);
    }
    if (takes_batched_data(p)) return backward_data_batched(p, dy, w, dx);
    const auto& kt = active();
    const auto& K = gemm::active();
    const geom g = geom_of(p);
    const bool pointwise = is_pointwise(p);
    const int64_t hw = p.h * p.w, ohw = p.oh * p.ow, rs = p.r * p.s;
    const kblocking kb = make_kblocking(p.kg, 1, kt.block.k_block);
    // dcol = W^T dY per band, then col2im. Bands of one image overlap in dx (not in the
    // pointwise case, where dcol is dx itself), so a task owns whole planes: (image, group,
    // channel chunk). Small batches split the channels so both threads have work; the split
    // depends on the shape only.
    const int64_t chunks = pointwise ? 1 : (p.n * p.groups >= 4) ? 1 : std::min<int64_t>(p.cg, 4);
    const int64_t mchunk = (p.cg + chunks - 1) / chunks * rs;  // rows of W^T per chunk, at most
    const int64_t rows = gemm_band_rows(p, mchunk + kb.step, kt.block.bwd_data_band), bands = pointwise ? (p.oh + rows - 1) / rows : 1;
    // W^T packed once per (group, chunk): A(i, q) = w[q * crs + c0 * rs + i].
    const int64_t mp = padded_rows(K, mchunk), apsize = mp * p.kg;
    float* apack = thread_scratch(scratch::conv_weights, p.groups * chunks * apsize);
    for (int64_t grp = 0; grp < p.groups; ++grp)
        for (int64_t chunk = 0; chunk < chunks; ++chunk) {
            const int64_t c0 = p.cg * chunk / chunks, c1 = p.cg * (chunk + 1) / chunks;
            pack_a_blocks(K, w + grp * p.kg * p.crs + c0 * rs, 1, p.crs, (c1 - c0) * rs, kb,
                          apack + (grp * chunks + chunk) * apsize);
        }
    parallel_tasks(p.n * p.groups * chunks * bands, [&](int64_t t) {
        const int64_t band = t % bands, chunk = t / bands % chunks, ng = t / bands / chunks;
        const int64_t img = ng / p.groups, grp = ng % p.groups;
        const int64_t c0 = p.cg * chunk / chunks, c1 = p.cg * (chunk + 1) / chunks, m = (c1 - c0) * rs;
        if (m == 0) return;
        const float* ap = apack + (grp * chunks + chunk) * apsize;
        const float* dyg = dy + (img * p.k + grp * p.kg) * ohw;
        float* dxg = dx + (img * p.c + grp * p.cg + c0) * hw;
        const int64_t b0 = pointwise ? band * rows : 0, b1 = pointwise ? std::min(p.oh, b0 + rows) : p.oh;
        if (!pointwise) std::memset(dxg, 0, sizeof(float) * static_cast<size_t>((c1 - c0) * hw));
        for (int64_t oh0 = b0; oh0 < b1; oh0 += rows) {
            const int64_t oh1 = std::min(b1, oh0 + rows), cols = (oh1 - oh0) * p.ow;
            auto a_block = [&](int64_t k0, int64_t) { return a_view{ap + k0 * mp, 0}; };
            auto pack_dy = [&](int64_t k0, int64_t kc, float* dst) {
                K.pack_b(dyg + k0 * ohw + oh0 * p.ow, ohw, 1, kc, cols, dst);
            };
            if (pointwise) {
                band_gemm(K, m, kb, cols, a_block, pack_dy, dxg + oh0 * p.ow, hw, false, nullptr, 0);
            } else {
                float* dcol = thread_scratch(scratch::conv_task_input, m * cols);
                band_gemm(K, m, kb, cols, a_block, pack_dy, dcol, cols, false, nullptr, 0);
                kt.col2im(dcol, c1 - c0, g, oh0, oh1, dxg, cols);
            }
        }
    });
}

namespace {

// Output channels per group below which the direct weight gradient's vectors of output channels
// would be mostly padding (the GEMM path pads them too, but its tiles run both ways).
constexpr int64_t kMinDirectWeightChannels = 12;

// Stride-1 weight gradient without im2col: the rows of col are shifted views of a zero-padded
// copy of each input plane (tap (i, j) of channel c starts at c * plane + i * dh * wp + j * dw,
// and with stride 1 the padded row pitch wp is exactly ow + (s - 1) * dw), so the kernel reads the
// input in place and accumulates dW^T over whole vectors of output channels (dY transposed once
// per image). The padded copy must stay small: huge paddings or dilations keep the im2col path,
// as in is_depthwise.
// Strided layers with few input channels (takes_phases) take the same kernel on phase planes
// (conv_direct.h), whose shifted views are again the rows of col, from 64 output channels (four
// AVX-512 vectors a pixel). ResNet's 7x7/2 stem, 3 -> 64, batch 8 at 224x224, 1 thread, best of 7:
// 18.1 -> 15.3 ms (AVX2 cap 43.8 -> 27.6); MobileNetV2's 3x3/2 3 -> 32 took 2.3 -> 2.7 ms (AVX2
// 3.4 -> 4.3) and keeps im2col (Emerald Rapids, 2026-12-06, loaded machine, interleaved).
constexpr int64_t kMinPhasedWeightChannels = 64;

bool backward_weights_direct_ok(const shape& p) {
    if (takes_phases(p)) return p.kg >= kMinPhasedWeightChannels;
    if (p.sh != 1 || p.sw != 1 || is_pointwise(p) || p.kg < kMinDirectWeightChannels) return false;
    const padded pd = padded_of(p);
    int64_t area, all;
    if (__builtin_mul_overflow(pd.hp, pd.wp, &area) || __builtin_mul_overflow(area, p.cg, &all)) return false;
    return area / 4 <= p.h * p.w + 1024;
}

void backward_weights_direct(const shape& p, const float* x, const float* dy, float* dw, float* db) {
    const auto& kt = active();
    // The taps' rows: stride 1, shifted views of each zero-padded plane (pitch wp, a block reads
    // ext rows past its own); strided, of each channel's phase planes (pitch wq, extq rows).
    const bool phased = p.sh > 1 || p.sw > 1;
    const padded pd = padded_of(p);
    const phases f = phases_of(p, p.oh, 0);
    const int64_t hw = p.h * p.w, ohw = p.oh * p.ow;
    const int64_t wp = phased ? f.wq : pd.wp, plane = phased ? f.cstride : pd.hp * pd.wp;
    const int64_t ext = phased ? f.extq : (p.r - 1) * p.dh, last_row = phased ? p.oh + f.extq : pd.hp;
    const auto input_row = [&](int64_t row) { return row * (phased ? p.sh : 1) - p.pt; };  // a source row's first input row
    // dW^T of one group, rows padded to kp, and one more row: the bias gradient, as the weight
    // gradient of a tap that reads an input of ones (plane cg of xp), fused into the same pass.
    const int64_t kp = (p.kg + 15) / 16 * 16, taps = p.crs + 1, tsize = taps * kp;
    const int64_t chunks = std::min(p.n, kMaxWeightChunks);
    std::vector<int64_t> off(static_cast<size_t>(taps));
    for (int64_t c = 0; c < p.cg; ++c)
        for (int64_t i = 0; i < p.r; ++i)
            for (int64_t j = 0; j < p.s; ++j)
                off[static_cast<size_t>((c * p.r + i) * p.s + j)] =
                    phased ? phase_offset(p, f, c, i, j) : c * plane + i * p.dh * wp + j * p.dw;
    off[static_cast<size_t>(p.crs)] = p.cg * plane;
    // Output rows per block: the block's dY^T (ow * kp floats a row, L2-resident) is read once per
    // tile of taps; longer blocks amortize loading and storing the tiles' accumulators.
    const int64_t most = std::clamp<int64_t>(32768 / std::max<int64_t>(1, p.ow * kp), 1, p.oh);
    const int64_t blocks = (p.oh + most - 1) / most, rows = (p.oh + blocks - 1) / blocks;  // balanced
    // Per (chunk, group) partials in the caller's scratch (slot 2, which the tasks do not use): a
    // fresh vector here would page-fault its megabytes in on every call.
    float* part = thread_scratch(scratch::conv_partials, chunks * p.groups * tsize);
    const int64_t m = db ? taps : p.crs;  // taps computed
    parallel_tasks(chunks * p.groups, [&](int64_t t) {
        const int64_t chunk = t / p.groups, grp = t % p.groups;
        const int64_t i0 = p.n * chunk / chunks, i1 = p.n * (chunk + 1) / chunks;
        float* acc = part + t * tsize;  // the chunk's first block stores, the others add
        float* xp = thread_scratch(scratch::conv_task_input, (p.cg + 1) * plane);
        if (db) std::fill(xp + p.cg * plane, xp + (p.cg + 1) * plane, 1.0f);
        float* dyt = thread_scratch(scratch::conv_task_work, rows * p.ow * kp);
        // Block b of image img reads dY rows [oh0, oh1) and pads input rows up to oh1 + ext.
        spread_prefetch pf;
        const auto next_inputs = [&](int64_t img, int64_t b) {
            pf.clear();
            if (img >= i1) return;
            const int64_t oh0 = b * rows, oh1 = std::min(p.oh, oh0 + rows);
            for (int64_t mm = 0; mm < p.kg; ++mm)
                pf.add(dy + ((img * p.k + grp * p.kg + mm) * ohw + oh0 * p.ow), (oh1 - oh0) * p.ow);
            const int64_t ih0 = std::max<int64_t>(0, b == 0 ? 0 : input_row(oh0 + ext));
            const int64_t ih1 = std::min(p.h, input_row(b + 1 == blocks ? last_row : oh1 + ext));
            if (ih0 < ih1)
                for (int64_t c = 0; c < p.cg; ++c)
                    pf.add(x + ((img * p.c + grp * p.cg + c) * hw + ih0 * p.w), (ih1 - ih0) * p.w);
        };
        // The taps in balanced pieces of about 18 (two 9-row or three 6-row tiles), a share of the
        // prefetches before each; the kernel balances its tiles within a piece.
        const int64_t pieces = (m + 17) / 18;
        for (int64_t img = i0; img < i1; ++img) {
            const float* xg = x + (img * p.c + grp * p.cg) * hw;
            const float* dyg = dy + (img * p.k + grp * p.kg) * ohw;
            int64_t done = 0;  // padded rows built so far
            for (int64_t b = 0; b < blocks; ++b) {
                const int64_t oh0 = b * rows, oh1 = std::min(p.oh, oh0 + rows), npx = (oh1 - oh0) * p.ow;
                const int64_t hi = b + 1 == blocks ? last_row : oh1 + ext;
                if (phased) phase_rows(xg, p, f, 0, done, hi, xp);
                else kt.pad_rows(xg, p.cg, p.h, p.w, p.pt, p.pl, pd.wp, plane, done, hi, xp);
                done = hi;
                kt.transpose_pad(dyg + oh0 * p.ow, ohw, p.kg, npx, kp, dyt);
                if (b + 1 < blocks) next_inputs(img, b + 1);
                else next_inputs(img + 1, 0);
                const int64_t share = (pf.lines() + pieces - 1) / pieces;
                for (int64_t pc = 0; pc < pieces; ++pc) {
                    const int64_t q0 = m * pc / pieces, q1 = m * (pc + 1) / pieces;
                    pf.issue(share);
                    kt.bww_direct(xp, off.data() + q0, q1 - q0, oh0, oh1, p.ow, wp, dyt, kp, acc + q0 * kp, img > i0 || b > 0);
                }
            }
        }
    });
    // Chunk partials summed in chunk order (the same bits for any thread count), then dW^T -> dW.
    for (int64_t grp = 0; grp < p.groups; ++grp) {
        float* total = part + grp * tsize;
        for (int64_t c = 1; c < chunks; ++c) kt.add(part + (c * p.groups + grp) * tsize, total, m * kp);  // the taps computed
        float* dst = dw + grp * p.kg * p.crs;
        for (int64_t q = 0; q < p.crs; ++q)
            for (int64_t mm = 0; mm < p.kg; ++mm) dst[mm * p.crs + q] = total[q * kp + mm];
        if (db)
            for (int64_t mm = 0; mm < p.kg; ++mm) db[grp * p.kg + mm] = total[p.crs * kp + mm];
    }
}

// The im2col weight gradient by slices of taps over the whole batch, for layers whose per-chunk
// partials would be megabytes (few pixels, many channels: ResNet-18's stride-2 layers into 256
// and 512 channels at 14x14 and 7x7, 8 partials of 1.2M floats at 512 x 256 x 3 x 3): each task
// owns the rows of dW^T [crs, kg] of a slice of input channels (kWeightSliceFloats of them, in
// L2) and sums every image's products into them in image order, then lays its rows out as dW.
// dY^T is packed once for every (image, band) and shared by the tasks. No partials, no
// reduction pass; the sums' order is fixed by the shape (images, bands, K blocks in order),
// never by the slices or the thread count.
// Rows [q0, q1) of a group's dW^T (src: row q0, rows ld floats apart) laid out as dW (kg rows of
// crs taps): the ISA's block transpose into tmp (kg rows of nq rounded up to 16), then one copy a
// output channel. Element by element (a stride-kg read a tap) it took 29% of the weight gradient
// of ResNet-18's stride-2 3x3 into 512 channels (perf, batch 8, 1 thread, Emerald Rapids,
// 2026-12-06). A copy either way: the same bits.
void rows_to_weights(const kernels& kt, const float* src, int64_t ld, int64_t q0, int64_t q1, int64_t kg, int64_t crs,
                     float* tmp, float* dw) {
    const int64_t nq = q1 - q0, kp = (nq + 15) / 16 * 16;
    kt.transpose_pad(src, ld, nq, kg, kp, tmp);  // tmp[m * kp + q - q0] = src[(q - q0) * ld + m]
    for (int64_t m = 0; m < kg; ++m)
        std::memcpy(dw + m * crs + q0, tmp + m * kp, sizeof(float) * static_cast<size_t>(nq));
}

constexpr int64_t kMaxWeightPartials = int64_t{1} << 20;  // floats of partials past which slices pay
constexpr int64_t kWeightSliceFloats = int64_t{1} << 15;  // dW^T floats a slice task accumulates

// dW = dY col^T, the reduction over pixels. Both operands hold pixels contiguously, so either can
// be A; the orientation whose tiles waste less (M rounds up to mr, N to nr). Transposed: dW^T
// [crs, kg] per group = col * dY^T.
bool weights_transposed(const shape& p) {
    const auto& K = gemm::active();
    const auto tiles = [&](int64_t m, int64_t n) { return padded_rows(K, m) * ((n + K.nr - 1) / K.nr * K.nr); };
    return tiles(p.crs, p.kg) <= tiles(p.kg, p.crs);
}

bool backward_weights_by_slices_ok(const shape& p) {
    const int64_t chunks = std::min(p.n, kMaxWeightChunks);
    const int64_t kgp = (p.kg + gemm::active().nr - 1) / gemm::active().nr * gemm::active().nr;
    return weights_transposed(p) && chunks > 1 && chunks * p.k * p.crs > kMaxWeightPartials &&
           p.n * p.groups * p.oh * p.ow * kgp <= kMaxSharedB;
}

void backward_weights_by_slices(const shape& p, const float* x, const float* dy, float* dw, float* db) {
    const auto& kt = active();
    const auto& K = gemm::active();
    const geom g = geom_of(p);
    const bool pointwise = is_pointwise(p);
    const int64_t rs = p.r * p.s, hw = p.h * p.w, ohw = p.oh * p.ow;
    const int64_t kgp = (p.kg + K.nr - 1) / K.nr * K.nr;
    // Channels a slice: a multiple of `unit`, so a slice's rows of dW^T (per * rs) are whole
    // micro-tiles (ResNet-18's 3x3 into 512 channels: slices of 7 channels were 63 rows, 6 tiles
    // of 12 with 9 rows of padding; 8 channels are 72 rows). A row's sum is the same in any slice.
    int64_t a = K.mr, b = rs;
    while (b != 0) a = std::exchange(b, a % b);
    const int64_t unit = std::min<int64_t>(K.mr / a, p.cg);
    const int64_t most = std::max<int64_t>(1, kWeightSliceFloats / (rs * kgp));
    const int64_t slices0 = (p.cg + most - 1) / most, per0 = (p.cg + slices0 - 1) / slices0;  // balanced
    const int64_t per = (per0 + unit - 1) / unit * unit, slices = (p.cg + per - 1) / per;
    // The bands (and so the sums' K blocks) as sized from the balanced slice, as before the rounding.
    const int64_t rows = gemm_band_rows(p, per0 * rs + p.kg, kt.block.bwd_wgt_band), bands = (p.oh + rows - 1) / rows;
    const int64_t colsp = rows * p.ow * kgp;  // packed dY^T floats of one (image, group, band)
    // dY^T of every (image, group, band), K block by K block, as pack_b lays it out.
    float* bpack = thread_scratch(scratch::conv_transformed, static_cast<size_t>(p.n * p.groups * bands * colsp));
    parallel_tasks(p.n * p.groups * bands, [&](int64_t t) {
        const int64_t band = t % bands, ng = t / bands, img = ng / p.groups, grp = ng % p.groups;
        const int64_t oh0 = band * rows, cols = (std::min(p.oh, oh0 + rows) - oh0) * p.ow;
        const float* dyb = dy + (img * p.k + grp * p.kg) * ohw + oh0 * p.ow;
        const kblocking kb = make_kblocking(cols, 1, kt.block.k_block);
        for (int64_t b = 0; b < kb.count(); ++b)
            K.pack_b(dyb + kb.begin(b), 1, ohw, kb.len(b), p.kg, bpack + t * colsp + kb.begin(b) * kgp);
    });
    float* total = thread_scratch(scratch::conv_partials, static_cast<size_t>(p.groups * p.kg * p.crs));
    parallel_tasks(p.groups * slices, [&](int64_t t) {
        const int64_t grp = t / slices, c0 = t % slices * per, c1 = std::min(p.cg, c0 + per);
        if (c0 >= c1) return;
        const int64_t q0 = c0 * rs, q1 = c1 * rs, m = q1 - q0;
        float* acc = total + grp * p.kg * p.crs + q0 * p.kg;  // rows [q0, q1) of the group's dW^T
        for (int64_t img = 0; img < p.n; ++img) {
            const float* xg = x + (img * p.c + grp * p.cg) * hw;
            for (int64_t band = 0; band < bands; ++band) {
                const int64_t oh0 = band * rows, oh1 = std::min(p.oh, oh0 + rows), cols = (oh1 - oh0) * p.ow;
                const float* colp = xg + c0 * hw + oh0 * p.ow;  // 1x1 stride 1: the input is col
                int64_t col_rs = hw;
                if (!pointwise) {
                    float* col = thread_scratch(scratch::conv_task_input, m * cols);
                    kt.im2col(xg + c0 * hw, c1 - c0, g, oh0, oh1, col, cols);
                    colp = col;
                    col_rs = cols;
                }
                const float* bp = bpack + ((img * p.groups + grp) * bands + band) * colsp;
                band_gemm_prepacked(
                    K, m, make_kblocking(cols, 1, kt.block.k_block), p.kg,
                    [&](int64_t k0, int64_t) { return a_view{colp + k0, col_rs}; },
                    [&](int64_t k0, int64_t) { return bp + k0 * kgp; }, acc, p.kg, img > 0 || band > 0, nullptr, 0);
            }
        }
        // dW^T's rows [q0, q1) as dW.
        rows_to_weights(kt, acc, p.kg, q0, q1, p.kg, p.crs,
                        thread_scratch(scratch::conv_task_work, static_cast<size_t>(p.kg * ((m + 15) / 16 * 16))),
                        dw + grp * p.kg * p.crs);
    });
    if (db)
        parallel_tasks(p.k, [&](int64_t k) {
            double s = 0.0;
            for (int64_t img = 0; img < p.n; ++img)
                for (int64_t oh0 = 0; oh0 < p.oh; oh0 += rows)
                    s += kt.sum(dy + (img * p.k + k) * ohw + oh0 * p.ow, (std::min(p.oh, oh0 + rows) - oh0) * p.ow);
            db[k] = static_cast<float>(s);
        });
}

}  // namespace

bool weights_by_slices(const shape& p) {
    return !is_depthwise(p) && !takes_winograd(p) && !backward_weights_direct_ok(p) && backward_weights_by_slices_ok(p);
}

void backward_weights(const shape& p, const float* x, const float* dy, float* dw, float* db) {
    if (is_depthwise(p)) return depthwise_backward_weights(p, x, dy, dw, db);
    if (takes_winograd(p)) return winograd_backward_weights(p, x, dy, dw, db);  // conv_winograd.h
    if (backward_weights_direct_ok(p)) return backward_weights_direct(p, x, dy, dw, db);
    const auto& kt = active();
    const auto& K = gemm::active();
    const geom g = geom_of(p);
    const bool pointwise = is_pointwise(p);
    const int64_t hw = p.h * p.w, ohw = p.oh * p.ow, wsize = p.k * p.crs;
    const int64_t chunks = std::min(p.n, kMaxWeightChunks);
    const int64_t rows = gemm_band_rows(p, p.crs + p.kg, kt.block.bwd_wgt_band);
    if (backward_weights_by_slices_ok(p)) return backward_weights_by_slices(p, x, dy, dw, db);
    // Transposed (weights_transposed): each chunk accumulates dW^T [crs, kg] per group.
    const bool transposed = weights_transposed(p);
    const int64_t m = transposed ? p.crs : p.kg, ncols = transposed ? p.kg : p.crs;
    // Per-chunk partials in the caller's scratch (the tasks do not use that slot), not a fresh
    // zeroed vector: every chunk's first band overwrites its partial, and a new vector of this
    // size cost a memset and page faults on every call.
    float* part = thread_scratch(scratch::conv_partials, static_cast<size_t>(chunks * wsize));
    std::vector<double> bpart(db ? static_cast<size_t>(chunks * p.k) : 0, 0.0);
    parallel_tasks(chunks * p.groups, [&](int64_t t) {
        const int64_t chunk = t / p.groups, grp = t % p.groups;
        const int64_t i0 = p.n * chunk / chunks, i1 = p.n * (chunk + 1) / chunks;
        float* acc = part + chunk * wsize + grp * p.kg * p.crs;
        bool first = true;
        for (int64_t img = i0; img < i1; ++img) {
            const float* xg = x + (img * p.c + grp * p.cg) * hw;
            const float* dyg = dy + (img * p.k + grp * p.kg) * ohw;
            for (int64_t oh0 = 0; oh0 < p.oh; oh0 += rows) {
                const int64_t oh1 = std::min(p.oh, oh0 + rows), cols = (oh1 - oh0) * p.ow;
                // col(q, pixel) = colp[q * col_rs + pixel]; dY(k, pixel) likewise with ohw.
                const float* colp = xg + oh0 * p.ow;
                int64_t col_rs = hw;
                if (!pointwise) {
                    float* col = thread_scratch(scratch::conv_task_input, p.crs * cols);
                    kt.im2col(xg, p.cg, g, oh0, oh1, col, cols);
                    colp = col;
                    col_rs = cols;
                }
                const float* dyp = dyg + oh0 * p.ow;
                const float* a = transposed ? colp : dyp;
                const float* b = transposed ? dyp : colp;
                const int64_t a_rs = transposed ? col_rs : ohw, b_cs = transposed ? ohw : col_rs;
                band_gemm(
                    K, m, make_kblocking(cols, 1, kt.block.k_block), ncols,
                    [&](int64_t k0, int64_t) { return a_view{a + k0, a_rs}; },
                    [&](int64_t k0, int64_t kc, float* dst) { K.pack_b(b + k0, 1, b_cs, kc, ncols, dst); }, acc, ncols,
                    !first, nullptr, 0);
                first = false;
                // Bias gradient from the dY band the GEMM just brought into cache.
                if (db)
                    for (int64_t mm = 0; mm < p.kg; ++mm)
                        bpart[static_cast<size_t>(chunk * p.k + grp * p.kg + mm)] +=
                            kt.sum(dyg + mm * ohw + oh0 * p.ow, cols);
            }
        }
    });
    // Chunk partials summed in chunk order (the same bits for any thread count), over the threads:
    // ResNet-18's stride-2 3x3 into 512 channels sums 8 partials of 1.2M floats, a serial tail of
    // several milliseconds at 2 threads when done in one.
    if (transposed) {
        // dW^T's rows summed into the first partial and laid out as dW by the same task, kRows rows
        // at a time: the summed rows are still in L1 when read back kRows output channels at a time,
        // each channel's kRows taps one run of dW. A task per output channel reading its column of
        // the whole sum (crs rows kg floats apart) touched a new cache line per element: at 512 x 256
        // x 3 x 3, batch 8, 2 threads, 12% of the call's samples on each thread (perf, Emerald
        // Rapids, 2026-12-05). Each element's adds are those of the sliced pass: same bits.
        constexpr int64_t kRows = 16;
        const int64_t rblocks = (p.crs + kRows - 1) / kRows;
        parallel_tasks(p.groups * rblocks, [&](int64_t t) {
            const int64_t grp = t / rblocks, q0 = t % rblocks * kRows, q1 = std::min(p.crs, q0 + kRows);
            float* sum = part + grp * p.kg * p.crs + q0 * p.kg;  // rows [q0, q1) of the group's dW^T
            for (int64_t c = 1; c < chunks; ++c) kt.add(sum + c * wsize, sum, (q1 - q0) * p.kg);
            rows_to_weights(kt, sum, p.kg, q0, q1, p.kg, p.crs, thread_scratch(scratch::conv_task_work, p.kg * kRows),
                            dw + grp * p.kg * p.crs);
        });
    } else {
        // Straight into dW: the first partial copied, the others added (no serial copy after it).
        constexpr int64_t kSlice = 4096;
        parallel_tasks((wsize + kSlice - 1) / kSlice, [&](int64_t t) {
            const int64_t r0 = t * kSlice, n = std::min(kSlice, wsize - r0);
            std::memcpy(dw + r0, part + r0, sizeof(float) * static_cast<size_t>(n));
            for (int64_t c = 1; c < chunks; ++c) kt.add(part + c * wsize + r0, dw + r0, n);
        });
    }
    if (db)
        for (int64_t k = 0; k < p.k; ++k) {
            double s = 0.0;
            for (int64_t c = 0; c < chunks; ++c) s += bpart[static_cast<size_t>(c * p.k + k)];
            db[k] = static_cast<float>(s);
        }
}

}  // namespace nn::conv
