// An inverted residual block's 1x1 expansion and the depthwise 3x3 after it as one pass over
// bands of depthwise output rows (nchwc.h: forward_expand_dw). Each task expands only the input
// rows its band reads (its rows times the stride, plus one above and below) into a per-thread
// plane, then runs the depthwise kernel on them, so the expanded tensor (six times the block's
// channels) is read from L2 right after it is written instead of from memory in a second pass.
// Every expanded pixel is the pointwise kernel's sum for that pixel (the same in any pixel range)
// and every depthwise output reads the same expanded values: the bits of the two separate calls.
// With the block's 1x1 projection (forward_expand_dw_project) the band's depthwise rows go to a
// per-thread plane and are projected from there, the same way: the bits of three calls.
#include <algorithm>
#include <atomic>
#include <numeric>

#include "conv/nchwc/nchwc.h"
#include "runtime/cpu.h"
#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"

namespace nn::conv::nchwc {

namespace {

// Expanded input rows a band may hold: 512 KiB of them, a quarter of a 2 MiB L2 (Emerald
// Rapids; 1 MiB on Zen 4/5 still holds them beside the expansion's weights).
constexpr int64_t kBandBytes = 512 * 1024;

// The call's expanded tensor below which the two passes are as fast: it stays in L2 from the
// first pass to the second. Per MobileNetV2 pair, thread CPU time, one thread, two passes over
// fused (Emerald Rapids, 2 MiB L2, 2026-12-05, machine under load): 4.8 MB expanded 1.15,
// 1.8 MB 0.97 and 1.05, 0.6 MB 0.96 and 1.03, 0.3-0.45 MB 0.90-0.96; at batch 8 (2.4-38 MB)
// 1.02-1.53. Zen 4/5's L2 is 1 MiB: there this leaves some fusions that would pay unused.
constexpr int64_t kFuseAboveBytes = int64_t{2} << 20;
std::atomic<int64_t> g_fuse_above{kFuseAboveBytes};

// True where bands of `band` output rows recompute at most a fifth of the expansion again: each
// band expands the rows it reads (its rows times the stride, plus one above and below).
bool halo_pays(const shape& d, int64_t band) {
    int64_t computed = 0;
    for (int64_t r0 = 0; r0 < d.oh; r0 += band) {
        const int64_t r1 = std::min(d.oh, r0 + band);
        computed += std::min(d.h, (r1 - 1) * d.sh + 2) - std::max<int64_t>(0, r0 * d.sh - 1);
    }
    return 5 * computed <= 6 * d.h;
}

// An expanded tensor that fits in L2 on several threads: one task per thread (whole images, or
// the fewest bands per image that give every thread as many), so the block is one parallel region
// instead of two or three, and each band's expanded and depthwise rows stay in the L2 of the core
// that wrote them (the separate passes split the planes one way for the expansion and another
// for the depthwise layer, so their values cross between cores). 0 where the rows recomputed at
// the bands' edges cost too much (7x7 planes at batch 1) or the rows are too few.
int64_t region_band(const shape& d, int64_t n, int64_t threads) {
    const int64_t per_image = threads / std::gcd(n, threads);
    if (per_image > d.oh) return 0;
    const int64_t band = (d.oh + per_image - 1) / per_image;
    return halo_pays(d, band) ? band : 0;
}

// The band of depthwise output rows each task covers, or 0 where the separate passes are cheaper:
// an expanded tensor that fits in L2 at one thread, too few tasks for the threads, or bands so
// thin that the rows recomputed at their edges cost more than a fifth of the expansion again.
int64_t fused_band(const shape& e, const shape& d, int64_t n, int64_t threads) {
    const int64_t row_bytes = blocks(e.k) * kBlock * d.w * int64_t{4};
    if (n * d.h * row_bytes <= g_fuse_above.load(std::memory_order_relaxed))
        return threads > 1 ? region_band(d, n, threads) : 0;
    int64_t band = std::clamp<int64_t>((kBandBytes / row_bytes - 2) / d.sh, 1, d.oh);
    // At least two tasks a thread where the rows allow.
    while (band > 1 && n * ((d.oh + band - 1) / band) < 2 * threads) --band;
    const int64_t bands = (d.oh + band - 1) / band;
    if (threads > 1 && n * bands < 2 * threads) return 0;
    return halo_pays(d, band) ? band : 0;
}

// Where no bands pay (fused_band 0), the expansion and depthwise layers by expanded channel
// groups instead: a task expands one weight group (kGroupBlocks blocks) over a whole plane and
// runs the depthwise kernel on those blocks from cache. A depthwise channel reads only its own
// expanded channel, so nothing is recomputed at any plane size, and at batch 1 on the 7x7 and
// 14x14 stages both layers are one parallel region of equal tasks (whole groups) instead of two
// regions whose pixel bands and group chunks split 49 pixels unevenly. Taken where a group's
// planes fit half this core's L2 (at least the band budget) and there are at least two groups a
// thread. With a 2 MiB L2 that takes MobileNetV2's 56x56 blocks at one thread (800 KB a group):
// per-step medians of three best-of-300 runs against the 512 KiB budget (Emerald Rapids,
// 2026-12-06, load ~10): 0.499 -> 0.477 ms and 0.284 -> 0.260 ms. A 1 MiB L2 (Zen 4/5) keeps
// the band budget.
bool chunks_pay(const shape& e, const shape& d, int64_t n, int64_t threads) {
    const int64_t groups = (blocks(e.k) + kGroupBlocks - 1) / kGroupBlocks;
    const int64_t budget = std::max(kBandBytes, l2_cache_bytes() / 2);
    return kGroupBlocks * d.h * d.w * kBlock * int64_t{4} <= budget && n * groups >= 2 * threads;
}

}  // namespace

int64_t set_expand_dw_fuse_above(int64_t bytes) { return g_fuse_above.exchange(bytes); }

bool expand_dw_fusable(const packed_conv& expand, const packed_conv& dw) {
    const shape &e = expand.p, &d = dw.p;
    return expand.k != packed_conv::kind::dw3x3 && dw.k == packed_conv::kind::dw3x3 && e.k == d.c && e.oh == d.h &&
           e.ow == d.w;
}

bool expand_dw_project_fusable(const packed_conv& expand, const packed_conv& dw, const packed_conv& project) {
    const shape &d = dw.p, &q = project.p;
    return expand_dw_fusable(expand, dw) && project.k == packed_conv::kind::pointwise && q.c == d.k && q.h == d.oh &&
           q.w == d.ow;
}

namespace {

// The first layer's rows [r0, r1) of image i, output blocks [ob0, ob0 + nb) (one weight group), into
// ex: whole planes of d.h x d.w, the group's first block at ex. The first layer is a 1x1 expansion
// over blocked x, or a stem (kind direct) over NCHW x. Either kernel forms each output the same
// way for any row range, so the rows carry forward()'s bits.
void first_rows(const kernels& kt, const packed_conv& first, const float* x, int64_t i, int64_t ob0, int64_t nb,
                int64_t r0, int64_t r1, int act, float alpha, float* ex) {
    const shape& e = first.p;
    const epilogue ep{first.bias.data() + ob0 * kBlock, nullptr, act, alpha};
    if (first.k == packed_conv::kind::direct) {
        kt.direct(direct_args{x + i * e.c * e.h * e.w, e.c, e.h, e.w, e.r, e.s, e.sh, e.sw, e.pt, e.pl, e.oh, e.ow,
                              first.w.data() + ob0 * kBlock * e.crs, ep, ex, nb, r0, r1});
        return;
    }
    const int64_t hw = e.h * e.w, cb = blocks(e.c);
    kt.pointwise(pointwise_args{x + i * cb * hw * kBlock, e.c, cb, hw, first.w.data() + ob0 * kBlock * cb * kBlock, ep, ex,
                                nb, r0 * e.w, r1 * e.w});
}

// The expansion and depthwise layers, and the projection where `project` is given: over bands of
// depthwise output rows where fused_band finds them, else as separate calls through mid (and
// mid2, the depthwise output, with a projection).
void expand_dw_bands(const packed_conv& expand, const packed_conv& dw, const packed_conv* project, int64_t n,
                     const float* x, int act1, float alpha1, int act2, float alpha2, const float* residual, int act3,
                     float alpha3, float* mid, float* mid2, float* y) {
    const kernels& kt = active();
    const shape &e = expand.p, &d = dw.p;
    const int64_t threads = threads_here(), band = fused_band(e, d, n, threads);
    if (band == 0 && chunks_pay(e, d, n, threads)) {  // by channel groups; the projection reads mid2
        const int64_t kb = blocks(e.k), groups = (kb + kGroupBlocks - 1) / kGroupBlocks;
        const int64_t in_block = d.h * d.w * kBlock, out_block = d.oh * d.ow * kBlock;
        float* dwo = project ? mid2 : y;
        parallel_tasks(n * groups, [&](int64_t t) {
            const int64_t i = t / groups, ob0 = t % groups * kGroupBlocks, nb = std::min(kGroupBlocks, kb - ob0);
            float* ex = thread_scratch(scratch::conv_task_work, static_cast<size_t>(kGroupBlocks * in_block));
            first_rows(kt, expand, x, i, ob0, nb, 0, d.h, act1, alpha1, ex);
            for (int64_t b = 0; b < nb; ++b)
                kt.dw3x3(dw3x3_args{ex + b * in_block, d.h, d.w, d.sh, d.oh, d.ow, dw.w.data() + (ob0 + b) * 9 * kBlock,
                                    epilogue{dw.bias.data() + (ob0 + b) * kBlock, nullptr, act2, alpha2},
                                    dwo + (i * kb + ob0 + b) * out_block, 0, d.oh});
        });
        if (project) forward(*project, n, mid2, residual, act3, alpha3, y);
        return;
    }
    if (band == 0) {  // the separate passes, through mid (and mid2)
        forward(expand, n, x, nullptr, act1, alpha1, mid);
        if (!project) return forward(dw, n, mid, nullptr, act2, alpha2, y);
        forward(dw, n, mid, nullptr, act2, alpha2, mid2);
        return forward(*project, n, mid2, residual, act3, alpha3, y);
    }
    const int64_t kb = blocks(e.k), groups = (kb + kGroupBlocks - 1) / kGroupBlocks;
    const int64_t in_block = d.h * d.w * kBlock, out_block = d.oh * d.ow * kBlock, bands = (d.oh + band - 1) / band;
    const int64_t pkb = project ? blocks(project->p.k) : 0, pgroups = (pkb + kGroupBlocks - 1) / kGroupBlocks;
    parallel_tasks(n * bands, [&](int64_t t) {
        const int64_t i = t / bands, r0 = t % bands * band, r1 = std::min(d.oh, r0 + band);
        const int64_t lo = std::max<int64_t>(0, r0 * d.sh - 1), hi = std::min(d.h, (r1 - 1) * d.sh + 2);
        // One image's expanded planes; only rows [lo, hi) are written and read.
        float* ex = thread_scratch(scratch::conv_task_work, static_cast<size_t>(kb * in_block));
        for (int64_t g = 0; g < groups; ++g) {
            const int64_t ob0 = g * kGroupBlocks, nb = std::min(kGroupBlocks, kb - ob0);
            first_rows(kt, expand, x, i, ob0, nb, lo, hi, act1, alpha1, ex + ob0 * in_block);
        }
        // With a projection the band's depthwise rows go to one image's planes of this thread's
        // own (only rows [r0, r1) written), read back by the projection from cache.
        float* dwo = project ? thread_scratch(scratch::conv_task_input, static_cast<size_t>(kb * out_block))
                             : y + i * kb * out_block;
        for (int64_t c = 0; c < kb; ++c)
            kt.dw3x3(dw3x3_args{ex + c * in_block, d.h, d.w, d.sh, d.oh, d.ow, dw.w.data() + c * 9 * kBlock,
                                epilogue{dw.bias.data() + c * kBlock, nullptr, act2, alpha2}, dwo + c * out_block, r0,
                                r1});
        for (int64_t g = 0; g < pgroups; ++g) {
            const int64_t ob0 = g * kGroupBlocks, nb = std::min(kGroupBlocks, pkb - ob0);
            const int64_t yoff = (i * pkb + ob0) * out_block;
            kt.pointwise(pointwise_args{dwo, project->p.c, kb, d.oh * d.ow, project->w.data() + ob0 * kBlock * kb * kBlock,
                                        epilogue{project->bias.data() + ob0 * kBlock, residual ? residual + yoff : nullptr,
                                                 act3, alpha3},
                                        y + yoff, nb, r0 * d.ow, r1 * d.ow});
        }
    });
}

}  // namespace

void forward_expand_dw(const packed_conv& expand, const packed_conv& dw, int64_t n, const float* x, int act1,
                       float alpha1, int act2, float alpha2, float* mid, float* y) {
    expand_dw_bands(expand, dw, nullptr, n, x, act1, alpha1, act2, alpha2, nullptr, 0, 0.0f, mid, nullptr, y);
}

void forward_expand_dw_project(const packed_conv& expand, const packed_conv& dw, const packed_conv& project, int64_t n,
                               const float* x, int act1, float alpha1, int act2, float alpha2, const float* residual,
                               int act3, float alpha3, float* mid, float* mid2, float* y) {
    expand_dw_bands(expand, dw, &project, n, x, act1, alpha1, act2, alpha2, residual, act3, alpha3, mid, mid2, y);
}

}  // namespace nn::conv::nchwc
