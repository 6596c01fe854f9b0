// im2col convolution with bf16 products: see conv_gemm_bf16.h.
#include "conv/conv_gemm_bf16.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "bf16/bf16.h"
#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"

namespace nn::conv {

namespace {

int64_t group_floats(const shape& p) { return bf16::packed_a::storage_floats(p.kg, p.crs); }

// 1x1, stride 1, no padding: the input (dY for the data gradient) is the GEMM operand itself.
bool is_pointwise(const shape& p) {
    return p.r == 1 && p.s == 1 && p.sh == 1 && p.sw == 1 && p.pt == 0 && p.pb == 0 && p.pl == 0 && p.pr == 0;
}

}  // namespace

int64_t gemm_weights_size_bf16(const shape& p) { return p.groups * group_floats(p); }

void gemm_pack_weights_bf16(const shape& p, const float* w, float* wpk) {
    for (int64_t grp = 0; grp < p.groups; ++grp)
        bf16::packed_a(p.kg, p.crs, wpk + grp * group_floats(p)).pack(false, w + grp * p.kg * p.crs, p.crs);
}

void gemm_forward_packed_bf16(const shape& p, const float* x, const float* wpk, const float* bias, int act, float* y) {
    const auto& kt = active();
    const geom g = geom_of(p);
    const bool pointwise = is_pointwise(p);
    const int64_t hw = p.h * p.w, ohw = p.oh * p.ow;
    // A band's columns (crs floats), their bf16 pairs (crs / 2) and its block of C (kg) take
    // twice the float32 im2col forward's L2 budget (bf16 pairs are half the bytes).
    const int64_t per_col = p.crs + p.crs / 2 + p.kg;
    const int64_t rows = std::clamp<int64_t>(2 * kt.block.fwd_band / std::max<int64_t>(1, per_col * p.ow), 1, p.oh);
    const int64_t bands = (p.oh + rows - 1) / rows;
    // Few tasks (batch 1 at 7x7): output channels split in chunks of whole micro-panels, each
    // repeating the band's im2col. Every output's sum runs in the same order whatever the split.
    const int64_t align = bf16::packed_a(p.kg, p.crs, nullptr).row_align();
    const int64_t blocks = (p.kg + align - 1) / align;
    const int64_t chunks = channel_chunks(p.n * p.groups * bands, blocks, std::max<int64_t>(1, 16 / align));
    const int64_t chunk_rows = (blocks + chunks - 1) / chunks * align;
    parallel_tasks(p.n * p.groups * bands * chunks, [&](int64_t t) {
        const int64_t chunk = t % chunks, band = t / chunks % bands, ng = t / chunks / bands;
        const int64_t img = ng / p.groups, grp = ng % p.groups;
        const int64_t m0 = chunk * chunk_rows, m = std::min(p.kg, m0 + chunk_rows) - m0;
        if (m <= 0) return;
        const int64_t oh0 = band * rows, oh1 = std::min(p.oh, oh0 + rows), cols = (oh1 - oh0) * p.ow;
        const float* xg = x + (img * p.c + grp * p.cg) * hw;
        const float* b = xg + oh0 * p.ow;
        int64_t ldb = hw;
        if (!pointwise) {
            float* col = thread_scratch(scratch::conv_task_input, static_cast<size_t>(p.crs * cols));
            kt.im2col(xg, p.cg, g, oh0, oh1, col, (oh1 - oh0) * p.ow);
            b = col;
            ldb = cols;
        }
        gemm::epilogue ep;
        if (bias) ep.bias = bias + grp * p.kg + m0, ep.mode = gemm::bias_mode::per_row;
        ep.act = static_cast<gemm::activation>(act);
        const bf16::packed_a pa(p.kg, p.crs, const_cast<float*>(wpk) + grp * group_floats(p));
        bf16::gemm_packed_a(pa, m0, m, false, cols, b, ldb, y + (img * p.k + grp * p.kg + m0) * ohw + oh0 * p.ow, ohw,
                            ep, /*max_threads=*/1);
    });
}

void gemm_forward_bf16(const shape& p, const float* x, const float* w, const float* bias, int act, float* y) {
    // The weights packed once per call on this thread (its conv_weights scratch; tasks only read it).
    float* wpk = thread_scratch(scratch::conv_weights, static_cast<size_t>(gemm_weights_size_bf16(p)));
    gemm_pack_weights_bf16(p, w, wpk);
    gemm_forward_packed_bf16(p, x, wpk, bias, act, y);
}

void gemm_backward_data_bf16(const shape& p, const float* dy, const float* w, float* dx) {
    const auto& kt = active();
    const geom g = geom_of(p);
    const bool pointwise = is_pointwise(p);
    const int64_t hw = p.h * p.w, ohw = p.oh * p.ow, rs = p.r * p.s;
    // W_g^T (crs x kg) of every group packed once on this thread; tasks take rows from it.
    const int64_t per_group = bf16::packed_a::storage_floats(p.crs, p.kg);
    float* wpk = thread_scratch(scratch::conv_weights, static_cast<size_t>(p.groups * per_group));
    for (int64_t grp = 0; grp < p.groups; ++grp)
        bf16::packed_a(p.crs, p.kg, wpk + grp * per_group).pack(true, w + grp * p.kg * p.crs, p.crs);
    // Bands of one image overlap in dx (except pointwise, where dcol is dx), so a task owns whole
    // planes: (image, group, channel chunk). Small batches split the channels, in units whose
    // rows (unit * rs) start micro-panels of the packed W^T.
    const int64_t align = bf16::packed_a(p.crs, p.kg, nullptr).row_align();
    const int64_t unit = align / std::gcd(rs, align), units = (p.cg + unit - 1) / unit;
    const int64_t chunks = pointwise || p.n * p.groups >= 4 ? 1 : std::min<int64_t>(units, 4);
    const int64_t mchunk = (units + chunks - 1) / chunks * unit * rs;
    const int64_t per_col = mchunk + p.kg / 2;
    const int64_t rows = std::clamp<int64_t>(2 * kt.block.bwd_data_band / std::max<int64_t>(1, per_col * p.ow), 1, p.oh);
    const int64_t bands = pointwise ? (p.oh + rows - 1) / rows : 1;
    parallel_tasks(p.n * p.groups * chunks * bands, [&](int64_t t) {
        const int64_t band = t % bands, chunk = t / bands % chunks, ng = t / bands / chunks;
        const int64_t img = ng / p.groups, grp = ng % p.groups;
        const int64_t c0 = std::min(p.cg, units * chunk / chunks * unit), c1 = std::min(p.cg, units * (chunk + 1) / chunks * unit);
        const int64_t m = (c1 - c0) * rs;
        if (m == 0) return;
        const bf16::packed_a pa(p.crs, p.kg, wpk + grp * per_group);
        const float* dyg = dy + (img * p.k + grp * p.kg) * ohw;
        float* dxg = dx + (img * p.c + grp * p.cg + c0) * hw;
        const int64_t b0 = pointwise ? band * rows : 0, b1 = pointwise ? std::min(p.oh, b0 + rows) : p.oh;
        if (!pointwise) std::memset(dxg, 0, sizeof(float) * static_cast<size_t>((c1 - c0) * hw));
        for (int64_t oh0 = b0; oh0 < b1; oh0 += rows) {
            const int64_t oh1 = std::min(b1, oh0 + rows), cols = (oh1 - oh0) * p.ow;
            if (pointwise) {
                bf16::gemm_packed_a(pa, c0 * rs, m, false, cols, dyg + oh0 * p.ow, ohw, dxg + oh0 * p.ow, hw, {}, 1);
                continue;
            }
            float* dcol = thread_scratch(scratch::conv_task_input, static_cast<size_t>(m * cols));
            bf16::gemm_packed_a(pa, c0 * rs, m, false, cols, dyg + oh0 * p.ow, ohw, dcol, cols, {}, 1);
            kt.col2im(dcol, c1 - c0, g, oh0, oh1, dxg, (oh1 - oh0) * p.ow);
        }
    });
}

}  // namespace nn::conv
