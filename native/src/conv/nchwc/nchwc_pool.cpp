// A stem convolution (nchwc direct kind: few input channels, NCHW input) and the max pooling that
// reads it, in one pass over bands of pooled rows (nchwc.h, forward_direct_maxpool). ResNet's
// 7x7/2 stem at batch 1 went through the im2col GEMM and then, at two threads, a pooling pass
// over its 3.2 MB output; the blocked direct kernel multiplies 4 output blocks x 6 pixels per
// tap with no im2col copy, and each band's convolution rows are pooled while in L2.
#include <algorithm>

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
    // Bands: the fewest per image that give every thread two tasks, each band's convolution rows
    // (all of a group's blocks) within half the L2. A band recomputes the rows its windows share
    // with the band above (kh - sh of them: 1 for ResNet's 3x3/2, 1/29 of a 14-row band's rows).
    // Each output is computed the same way for any split: the bits do not depend on the bands.
    const int64_t threads = threads_here();
    const int64_t row_floats = std::min(kb, kGroupBlocks) * kBlock * p.ow;
    const int64_t budget = std::max<int64_t>(row_floats * g.kh, static_cast<int64_t>(l2_cache_bytes() / 2 / sizeof(float)));
    int64_t bands = std::clamp<int64_t>((2 * threads + n * groups - 1) / (n * groups), 1, g.oh);
    while (bands < g.oh) {
        const int64_t per = (g.oh + bands - 1) / bands;
        const row_range rr = conv_rows(g, 0, per);
        if ((rr.hi - rr.lo) * row_floats <= budget) break;
        ++bands;
    }
    const int64_t per = (g.oh + bands - 1) / bands;
    bands = (g.oh + per - 1) / per;
    const int64_t in_image = p.c * p.h * p.w, out_image = p.k * g.oh * g.ow;
    parallel_tasks(n * groups * bands, [&](int64_t t) {
        const int64_t band = t % bands, grp = (t / bands) % groups, i = t / (bands * groups);
        const int64_t r0 = band * per, r1 = std::min(g.oh, r0 + per);
        const row_range rr = conv_rows(g, r0, r1);
        const int64_t ob0 = grp * kGroupBlocks, nb = std::min(kGroupBlocks, kb - ob0);
        const int64_t rows = rr.hi - rr.lo;
        float* buf = thread_scratch(scratch::conv_pooled_input, static_cast<size_t>(nb * kBlock * rows * p.ow));
        float* row = thread_scratch(scratch::pool_row, static_cast<size_t>(g.ow * kBlock));
        if (rows > 0) {
            direct_args a{x + i * in_image, p.c, p.h, p.w, p.r, p.s, p.sh, p.sw, p.pt, p.pl, p.oh, p.ow,
                          pc.w.data() + ob0 * kBlock * p.crs, epilogue{pc.bias.data() + ob0 * kBlock, nullptr, act, alpha},
                          buf, nb, rr.lo, rr.hi};
            a.y0 = rr.lo;
            a.yrows = rows;
            kt.direct(a);
        }
        const int64_t channels = std::min(nb * kBlock, p.k - ob0 * kBlock);
        kt.maxpool(maxpool_args{buf, rr.lo, rows, p.oh, p.ow, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, channels,
                                y + i * out_image + ob0 * kBlock * g.oh * g.ow, g.oh * g.ow, g.ow, r0, r1, row});
    });
}

}  // namespace nn::conv::nchwc
