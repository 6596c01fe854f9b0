// Drivers of the NCHW16c blocked convolutions (nchwc.h): weight packing, and the split of each
// call into tasks. A task writes only its own outputs and computes each of them the same way for
// any thread count, so results do not change by a bit with it.
#include "conv/nchwc/nchwc.h"

#include <algorithm>

#include "runtime/error.h"
#include "runtime/threadpool.h"

namespace nn::conv::nchwc {

namespace {

// Pointwise pixels a task covers: about 128 KiB of input channels, whole 6-pixel tiles.
int64_t pointwise_band(int64_t cin_padded, int64_t hw) {
    const int64_t band = std::clamp<int64_t>((32 * 1024 / cin_padded + 5) / 6 * 6, 48, 384);
    return std::min(band, hw);
}

// Depthwise output rows a task covers: about 1,024 output pixels.
int64_t dw_band(int64_t ow) { return std::max<int64_t>(1, 1024 / std::max<int64_t>(ow, 1)); }

const kernels& blocked_kernels() {
    const kernels& kt = active();
    if (kt.pointwise == nullptr) throw status_error(NN_ERR_UNSUPPORTED, "the NCHW16c kernels need AVX-512");
    return kt;
}

void forward_pointwise(const kernels& kt, const packed_conv& pc, int64_t n, const float* x, const float* res, int act,
                       float alpha, float* y) {
    const shape& p = pc.p;
    const int64_t hw = p.h * p.w, cb = blocks(p.c), kb = blocks(p.k);
    const int64_t groups = (kb + kGroupBlocks - 1) / kGroupBlocks;
    int64_t band = pointwise_band(cb * kBlock, hw);
    // Fewer than 8 tasks even with a chunk per weight group (batch 1 at 7x7 with 160 or 320
    // output channels: 3 or 5 groups): more bands. Bands of equal width (whole 6-pixel tiles),
    // so no task holds a sliver (49 pixels in 24, 24 and 1 left one thread idle for a third of
    // the layer). Each pixel's sum is formed the same way in any tile, so the band width never
    // changes a result.
    int64_t bands = (hw + band - 1) / band;
    while (band > 6 && n * bands * groups < 8) ++bands, band = std::max<int64_t>(6, ((hw + bands - 1) / bands + 5) / 6 * 6);
    band = std::max<int64_t>(6, ((hw + bands - 1) / bands + 5) / 6 * 6);
    bands = (hw + band - 1) / band;
    // Few pixel bands (batch 1 at 14x14 or 7x7): the weight groups are split too, so every
    // thread gets work. Each task still loops over whole groups and bands; chunk c holds groups
    // [c * groups / chunks, (c + 1) * groups / chunks), so chunk sizes differ by at most one
    // group (ceil-sized chunks left 1280 channels' 20 groups as 3,3,3,3,3,3,2,0: 12 and 8 groups
    // for two threads).
    const int64_t chunks = std::min(groups, std::max<int64_t>(1, (8 + n * bands - 1) / (n * bands)));
    parallel_tasks(n * bands * chunks, [&](int64_t t) {
        const int64_t chunk = t % chunks, b = (t / chunks) % bands, i = t / (chunks * bands);
        const int64_t p0 = b * band, p1 = std::min(hw, p0 + band);
        const int64_t g1 = (chunk + 1) * groups / chunks;
        for (int64_t g = chunk * groups / chunks; g < g1; ++g) {
            const int64_t ob0 = g * kGroupBlocks, nb = std::min(kGroupBlocks, kb - ob0);
            const int64_t yoff = (i * kb + ob0) * hw * kBlock;
            kt.pointwise(pointwise_args{x + i * cb * hw * kBlock, p.c, cb, hw, pc.w.data() + ob0 * kBlock * cb * kBlock,
                                        epilogue{pc.bias.data() + ob0 * kBlock, res ? res + yoff : nullptr, act, alpha},
                                        y + yoff, nb, p0, p1});
        }
    });
}

void forward_dw3x3(const kernels& kt, const packed_conv& pc, int64_t n, const float* x, const float* res, int act,
                   float alpha, float* y) {
    const shape& p = pc.p;
    const int64_t cb = blocks(p.c), band = dw_band(p.ow), bands = (p.oh + band - 1) / band;
    const int64_t in_block = p.h * p.w * kBlock, out_block = p.oh * p.ow * kBlock;
    parallel_tasks(n * cb * bands, [&](int64_t t) {
        const int64_t plane = t / bands, r0 = (t % bands) * band;
        const int64_t c = plane % cb;
        kt.dw3x3(dw3x3_args{x + plane * in_block, p.h, p.w, p.sh, p.oh, p.ow, pc.w.data() + c * 9 * kBlock,
                            epilogue{pc.bias.data() + c * kBlock, res ? res + plane * out_block : nullptr, act, alpha},
                            y + plane * out_block, r0, std::min(p.oh, r0 + band)});
    });
}

void forward_direct(const kernels& kt, const packed_conv& pc, int64_t n, const float* x, const float* res, int act,
                    float alpha, float* y) {
    const shape& p = pc.p;
    const int64_t kb = blocks(p.k), groups = (kb + kGroupBlocks - 1) / kGroupBlocks;
    const int64_t band = dw_band(p.ow), bands = (p.oh + band - 1) / band;
    const int64_t out_block = p.oh * p.ow * kBlock;
    parallel_tasks(n * groups * bands, [&](int64_t t) {
        const int64_t r0 = (t % bands) * band, g = (t / bands) % groups, i = t / (bands * groups);
        const int64_t ob0 = g * kGroupBlocks, nb = std::min(kGroupBlocks, kb - ob0);
        const int64_t yoff = (i * kb + ob0) * out_block;
        kt.direct(direct_args{x + i * p.c * p.h * p.w, p.c, p.h, p.w, p.r, p.s, p.sh, p.sw, p.pt, p.pl, p.oh, p.ow,
                              pc.w.data() + ob0 * kBlock * p.crs,
                              epilogue{pc.bias.data() + ob0 * kBlock, res ? res + yoff : nullptr, act, alpha}, y + yoff,
                              nb, r0, std::min(p.oh, r0 + band)});
    });
}

}  // namespace

int64_t block() noexcept { return active().pointwise != nullptr ? kBlock : 0; }

bool supports(const shape& p) {
    const bool unit = p.dh == 1 && p.dw == 1;
    if (p.groups == 1 && p.r == 1 && p.s == 1 && p.sh == 1 && p.sw == 1 && p.pt == 0 && p.pb == 0 && p.pl == 0 &&
        p.pr == 0 && unit)
        return true;
    if (p.groups == p.c && p.k == p.c && p.r == 3 && p.s == 3 && p.sh == p.sw && (p.sh == 1 || p.sh == 2) &&
        p.pt == 1 && p.pb == 1 && p.pl == 1 && p.pr == 1 && unit)
        return true;
    return p.groups == 1 && p.c <= kDirectMaxChannels && p.r <= 7 && p.s <= 7 && p.pt < p.r && p.pb < p.r &&
           p.pl < p.s && p.pr < p.s && unit;
}

packed_conv::kind kind_of(const shape& p) {
    if (p.groups == 1 && p.r == 1 && p.s == 1 && p.sh == 1 && p.sw == 1 && p.pt == 0 && p.pb == 0 && p.pl == 0 &&
        p.pr == 0)
        return packed_conv::kind::pointwise;
    return p.groups == 1 ? packed_conv::kind::direct : packed_conv::kind::dw3x3;
}

packed_conv pack(const shape& p, const float* w, const float* bias) {
    if (!supports(p))
        throw status_error(NN_ERR_UNSUPPORTED,
                           "the NCHW16c kernels take 1x1 stride-1 unpadded, depthwise 3x3 padding-1 stride-1/2 and "
                           "dense convolutions of at most 4 input channels and 7x7; this descriptor is none of them");
    packed_conv pc{p, kind_of(p), {}, {}};
    const int64_t kb = blocks(p.k);
    pc.bias.assign(static_cast<size_t>(kb * kBlock), 0.0f);
    if (bias) std::copy(bias, bias + p.k, pc.bias.begin());
    if (pc.k == packed_conv::kind::dw3x3) {
        // wt[block][tap][lane]
        pc.w.assign(static_cast<size_t>(kb * 9 * kBlock), 0.0f);
        for (int64_t ch = 0; ch < p.k; ++ch)
            for (int64_t t = 0; t < 9; ++t) pc.w[static_cast<size_t>(((ch / kBlock) * 9 + t) * kBlock + ch % kBlock)] = w[ch * 9 + t];
        return pc;
    }
    // Group after group of kGroupBlocks output blocks (the last may hold fewer); inside a group
    // of nb blocks, input channel (pointwise: padded to whole blocks) or tap after tap (direct:
    // crs of them), nb vectors of 16 output channels.
    const int64_t cin = pc.k == packed_conv::kind::pointwise ? blocks(p.c) * kBlock : p.crs;
    pc.w.assign(static_cast<size_t>(kb * kBlock * cin), 0.0f);
    for (int64_t ob0 = 0; ob0 < kb; ob0 += kGroupBlocks) {
        const int64_t nb = std::min(kGroupBlocks, kb - ob0);
        float* dst = pc.w.data() + ob0 * kBlock * cin;
        for (int64_t ic = 0; ic < p.crs; ++ic)
            for (int64_t b = 0; b < nb; ++b)
                for (int64_t j = 0; j < kBlock; ++j) {
                    const int64_t oc = (ob0 + b) * kBlock + j;
                    if (oc < p.k) dst[(ic * nb + b) * kBlock + j] = w[oc * p.crs + ic];
                }
    }
    return pc;
}

void forward(const packed_conv& pc, int64_t n, const float* x, const float* residual, int act, float alpha, float* y) {
    const kernels& kt = blocked_kernels();
    switch (pc.k) {
        case packed_conv::kind::pointwise: return forward_pointwise(kt, pc, n, x, residual, act, alpha, y);
        case packed_conv::kind::dw3x3: return forward_dw3x3(kt, pc, n, x, residual, act, alpha, y);
        case packed_conv::kind::direct: return forward_direct(kt, pc, n, x, residual, act, alpha, y);
    }
}

void to_blocked(const float* x, int64_t n, int64_t channels, int64_t hw, float* y) {
    const kernels& kt = blocked_kernels();
    const int64_t cb = blocks(channels);
    parallel_for(n, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) kt.to_blocked(x + i * channels * hw, channels, hw, y + i * cb * hw * kBlock);
    });
}

void from_blocked(const float* x, int64_t n, int64_t channels, int64_t hw, float* y) {
    const kernels& kt = blocked_kernels();
    const int64_t cb = blocks(channels);
    parallel_for(n, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) kt.from_blocked(x + i * cb * hw * kBlock, channels, hw, y + i * channels * hw);
    });
}

}  // namespace nn::conv::nchwc
