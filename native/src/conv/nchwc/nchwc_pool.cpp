// A stem convolution (nchwc direct kind: few input channels, NCHW input) and the max pooling that
// reads it, in one pass over bands of pooled rows (nchwc.h, forward_direct_maxpool). ResNet's
// 7x7/2 stem at batch 1 went through the im2col GEMM and then, at two threads, a pooling pass
// over its 3.2 MB output; the blocked direct kernel multiplies 4 output blocks x 6 pixels per
// tap with no im2col copy, and each band's convolution rows are pooled while in L2.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "conv/nchwc/nchwc.h"
#include "pool/pool.h"
#include "runtime/cpu.h"
#include "runtime/error.h"
#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"

namespace nn::conv::nchwc {

namespace {

// The convolution rows [lo, hi) the windows of pooled rows [r0, r1) read.
struct row_range {
    int64_t lo, hi;
};
row_range conv_rows(const pool::geom& g, int64_t r0, int64_t r1) {
    const int64_t lo = std::clamp<int64_t>(r0 * g.sh - g.ph, 0, g.h);
    const int64_t hi = std::clamp<int64_t>((r1 - 1) * g.sh - g.ph + g.kh, lo, g.h);
    return {lo, hi};
}

}  // namespace

bool direct_maxpool_supported(const packed_conv& pc, const pool::geom& g) {
    return pc.k == packed_conv::kind::direct && g.h == pc.p.oh && g.w == pc.p.ow && g.dh == 1 && g.dw == 1 &&
           g.oh > 0 && g.ow > 0;
}

void forward_direct_maxpool(const packed_conv& pc, int64_t n, const float* x, int act, float alpha,
                            const pool::geom& g, float* y) {
    const kernels& kt = active();
    if (kt.direct == nullptr || kt.maxpool == nullptr)
        throw status_error(NN_ERR_UNSUPPORTED, "the NCHW16c kernels need AVX-512");
    if (!direct_maxpool_supported(pc, g))
        throw status_error(NN_ERR_INVALID_ARGUMENT,
                           "forward_direct_maxpool takes a direct (stem) layer and a dilation-1 pooling of its output");
    const shape& p = pc.p;
    const int64_t kb = blocks(p.k), groups = (kb + kGroupBlocks - 1) / kGroupBlocks;
    // Each task takes one image, one weight group and a run of consecutive pooled rows (a chunk),
    // which it walks in bands whose convolution rows (all of the group's blocks) fit in half the
    // L2. The kh - sh convolution rows a band's windows share with the next band are kept (moved
    // to the top of the buffer), not recomputed; only chunk boundaries recompute them. The chunks
    // per image make the task count a multiple of the threads (2 at batch 1 and 2 threads), so
    // the threads get equal shares: 7 bands over 2 threads ran 4 against 3 (0.94 ms for ResNet-18's
    // stem at batch 1, against 0.73 for half of one thread's 1.47; Zen 5, 2026-12-06).
    // Each output is computed the same way for any split: the bits do not depend on the bands.
    const int64_t threads = threads_here();
    const int64_t row_floats = std::min(kb, kGroupBlocks) * kBlock * p.ow;
    const int64_t budget = std::max<int64_t>(row_floats * g.kh, static_cast<int64_t>(l2_cache_bytes() / 2 / sizeof(float)));
    // The most convolution rows the windows of `rows` pooled rows read, wherever they start.
    const auto span = [&](int64_t rows) { return std::min((rows - 1) * g.sh + g.kh, g.h); };
    int64_t per = g.oh;  // pooled rows per band
    while (per > 1 && span(per) * row_floats > budget) --per;
    const int64_t cap = span(per);  // buffer rows: any band's, kept rows included
    const int64_t jobs = n * groups;
    const int64_t chunks = std::min(g.oh, threads / std::gcd(jobs, threads));
    const int64_t chunk_rows = (g.oh + chunks - 1) / chunks;
    const int64_t in_image = p.c * p.h * p.w, out_image = p.k * g.oh * g.ow;
    parallel_tasks(jobs * chunks, [&](int64_t t) {
        const int64_t chunk = t % chunks, grp = (t / chunks) % groups, i = t / (chunks * groups);
        const int64_t c0 = chunk * chunk_rows, c1 = std::min(g.oh, c0 + chunk_rows);
        const int64_t ob0 = grp * kGroupBlocks, nb = std::min(kGroupBlocks, kb - ob0);
        const int64_t channels = std::min(nb * kBlock, p.k - ob0 * kBlock);
        const int64_t block_floats = cap * p.ow * kBlock;
        float* buf = thread_scratch(scratch::conv_pooled_input, static_cast<size_t>(nb * block_floats));
        float* row = thread_scratch(scratch::pool_row, static_cast<size_t>(maxpool_scratch_floats(g.kh, g.ow)));
        direct_args a{x + i * in_image, p.c, p.h, p.w, p.r, p.s, p.sh, p.sw, p.pt, p.pl, p.oh, p.ow,
                      pc.w.data() + ob0 * kBlock * p.crs, epilogue{pc.bias.data() + ob0 * kBlock, nullptr, act, alpha},
                      buf, nb, 0, 0};
        a.yrows = cap;
        int64_t have_lo = 0, have_hi = 0;  // the convolution rows in buf (from its top)
        for (int64_t r0 = c0; r0 < c1; r0 += per) {
            const int64_t r1 = std::min(c1, r0 + per);
            const row_range rr = conv_rows(g, r0, r1);
            // Keep the rows this band shares with the last one: move them to the top.
            const int64_t keep_lo = std::max(rr.lo, have_lo), keep_hi = std::min(rr.hi, have_hi);
            if (keep_lo < keep_hi && keep_lo > have_lo)
                for (int64_t b = 0; b < nb; ++b)
                    std::memmove(buf + b * block_floats, buf + b * block_floats + (keep_lo - have_lo) * p.ow * kBlock,
                                 static_cast<size_t>((keep_hi - keep_lo) * p.ow * kBlock) * sizeof(float));
            const int64_t from = keep_lo < keep_hi && keep_lo == rr.lo ? keep_hi : rr.lo;
            if (from < rr.hi) {
                a.oh0 = from;
                a.oh1 = rr.hi;
                a.y0 = rr.lo;
                kt.direct(a);
            }
            have_lo = rr.lo;
            have_hi = rr.hi;
            kt.maxpool(maxpool_args{buf, rr.lo, cap, p.oh, p.ow, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, channels,
                                    y + i * out_image + ob0 * kBlock * g.oh * g.ow, g.oh * g.ow, g.ow, r0, r1, row});
        }
    });
}

}  // namespace nn::conv::nchwc
