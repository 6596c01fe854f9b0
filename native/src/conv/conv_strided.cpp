// Driver of the strided direct convolution (conv_strided.h): images in L2-sized chunks, each
// chunk's input zero-padded once where the layer pads, then tasks of (weight group, image, band
// of output pixels). Each output is summed by one kernel call over the input channels in fixed
// passes, so the chunks, the bands and the thread count never change a bit.
#include "conv/conv_strided.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "conv/nchwc/nchwc.h"
#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"

namespace nn::conv {

namespace {

using nchwc::kBlock;
using nchwc::kGroupBlocks;

// Weight floats one pass over a band's tiles reads (cblock channels x taps x 64): 32 KiB, so
// they stay in the 48 KiB L1D while the band's tiles reuse them.
constexpr int64_t kPassWeights = 8 * 1024;
// Output pixels a task covers (whole 6-pixel tiles): its partial sums (64 channels) in 24 KiB.
constexpr int64_t kBandPixels = 96;
// Input floats a chunk of images holds (1 MiB, the L2): ResNet-18's 3x3/2 layers at batch 8 took
// all eight padded images (6.6 MB for 64 channels at 57 x 57) before any convolution, and each
// weight group read them again from L3.
constexpr int64_t kChunkFloats = 256 * 1024;

int64_t out_blocks(const shape& p) { return (p.k + kBlock - 1) / kBlock; }
int64_t weight_groups(const shape& p) { return (out_blocks(p) + kGroupBlocks - 1) / kGroupBlocks; }

// The zero-padded plane the kernel reads: rows and columns every tap of every output touches.
struct padded_planes {
    int64_t hp, wp;
    bool copy;  // false: the input itself (no padding, every read inside the plane)
};
padded_planes padded_of(const shape& p) {
    padded_planes q{(p.oh - 1) * p.sh + p.r, (p.ow - 1) * p.sw + p.s, true};
    if (p.pt == 0 && p.pl == 0 && q.hp <= p.h && q.wp <= p.w) q = {p.h, p.w, false};
    return q;
}

}  // namespace

bool takes_strided_direct(const shape& p) {
    if (nchwc::block() == 0 || nchwc::active().strided == nullptr) return false;
    if (p.groups != 1 || (p.sh == 1 && p.sw == 1) || p.dh != 1 || p.dw != 1 || p.cg <= nchwc::kDirectMaxChannels) return false;
    // Padding narrower than the kernel (beyond it, outputs read only zeros: im2col handles those).
    if (p.pt >= p.r || p.pb >= p.r || p.pl >= p.s || p.pr >= p.s) return false;
    return p.r <= 7 && p.s <= 7;
}

int64_t strided_weights_size(const shape& p) {
    return out_blocks(p) * kBlock * (p.c * p.r * p.s + 1);
}

int64_t strided_bias_offset(const shape& p) { return out_blocks(p) * kBlock * p.c * p.r * p.s; }

void strided_pack_weights(const shape& p, const float* w, const float* bias, float* wpk) {
    const int64_t taps = p.r * p.s, kb = out_blocks(p), crs = p.c * taps;
    // Transposed in blocks of kPackRows (channel, tap) rows, so the block's source lines (one per
    // output channel) and destination rows stay in L1: ResNet-18's 256 -> 512 3x3 packed in about
    // 0.4 ms, 0.65 ms a row at a time (each value read from another output channel's line; Zen 5,
    // 2026-12-06).
    constexpr int64_t kPackRows = 16;
    for (int64_t g = 0; g < weight_groups(p); ++g) {
        const int64_t nb = std::min(kGroupBlocks, kb - g * kGroupBlocks), ld = nb * kBlock, k0 = g * kGroupBlocks * kBlock;
        const int64_t mr = std::min(ld, p.k - k0);
        float* dst = wpk + k0 * crs;
        for (int64_t q0 = 0; q0 < crs; q0 += kPackRows) {
            const int64_t q1 = std::min(crs, q0 + kPackRows);
            for (int64_t m = 0; m < mr; ++m) {
                const float* src = w + (k0 + m) * crs;
                for (int64_t q = q0; q < q1; ++q) dst[q * ld + m] = src[q];
            }
            for (int64_t q = q0; q < q1; ++q) std::fill(dst + q * ld + mr, dst + (q + 1) * ld, 0.0f);
        }
    }
    float* b = wpk + strided_bias_offset(p);
    for (int64_t k = 0; k < kb * kBlock; ++k) b[k] = bias && k < p.k ? bias[k] : 0.0f;
}

void strided_forward_packed(const shape& p, const float* x, const float* wpk, const float* residual, int act,
                            float alpha, float* y) {
    const auto& kt = nchwc::active();
    const int64_t taps = p.r * p.s, kb = out_blocks(p), groups = weight_groups(p), ohw = p.oh * p.ow;
    const padded_planes pp = padded_of(p);
    const int64_t plane = pp.hp * pp.wp;
    // Images in chunks whose (padded) input planes take about the L2 (kChunkFloats): each chunk
    // padded, then convolved while its planes are still in cache, the chunk's tasks weight group
    // by weight group (a group's weights read from L2 for all of the chunk's images).
    const int64_t chunk = std::clamp<int64_t>(kChunkFloats / std::max<int64_t>(1, p.c * plane), 1, p.n);
    float* xp = pp.copy ? thread_scratch(scratch::conv_transformed, static_cast<size_t>(chunk * p.c * plane)) : nullptr;
    std::vector<int64_t> toff(static_cast<size_t>(taps));
    for (int64_t i = 0; i < p.r; ++i)
        for (int64_t j = 0; j < p.s; ++j) toff[static_cast<size_t>(i * p.s + j)] = i * pp.wp + j;
    const int64_t cblock = std::max<int64_t>(1, kPassWeights / (taps * kGroupBlocks * kBlock));
    // Bands of equal width in whole tiles (no sliver band), enough of them for every thread.
    int64_t bands = (ohw + kBandPixels - 1) / kBandPixels;
    const int64_t want = 4 * threads_here();
    if (chunk * groups * bands < want) bands = std::min((ohw + 5) / 6, (want + chunk * groups - 1) / (chunk * groups));
    const int64_t band = ((ohw + bands - 1) / bands + 5) / 6 * 6;
    bands = (ohw + band - 1) / band;
    const float* bias = wpk + strided_bias_offset(p);
    for (int64_t i0 = 0; i0 < p.n; i0 += chunk) {
        const int64_t imgs = std::min(chunk, p.n - i0);
        const float* xs = x + i0 * p.c * plane;
        if (pp.copy) {
            parallel_tasks(imgs * p.c, [&](int64_t t) {
                const float* src = x + (i0 * p.c + t) * p.h * p.w;
                float* dst = xp + t * plane;
                for (int64_t yy = 0; yy < pp.hp; ++yy) {
                    float* row = dst + yy * pp.wp;
                    const int64_t ih = yy - p.pt;
                    if (ih < 0 || ih >= p.h) {
                        std::fill(row, row + pp.wp, 0.0f);
                        continue;
                    }
                    const int64_t lo = std::min(pp.wp, p.pl), hi = std::clamp<int64_t>(p.w + p.pl, lo, pp.wp);
                    std::fill(row, row + lo, 0.0f);
                    std::memcpy(row + lo, src + ih * p.w + (lo - p.pl), sizeof(float) * static_cast<size_t>(hi - lo));
                    std::fill(row + hi, row + pp.wp, 0.0f);
                }
            });
            xs = xp;
        }
        parallel_tasks(groups * imgs * bands, [&](int64_t t) {
            const int64_t bnd = t % bands, img = t / bands % imgs, g = t / bands / imgs;
            const int64_t nb = std::min(kGroupBlocks, kb - g * kGroupBlocks), k0 = g * kGroupBlocks * kBlock;
            const int64_t p0 = bnd * band, p1 = std::min(ohw, p0 + band);
            float* buf = thread_scratch(scratch::conv_partials, static_cast<size_t>(nb * kBlock * ((band + 15) / 16 * 16)));
            const int64_t yoff = ((i0 + img) * p.k + k0) * ohw;
            nchwc::strided_args a{};
            a.x = xs + img * p.c * plane;
            a.c = p.c;
            a.plane = plane;
            a.wp = pp.wp;
            a.sh = p.sh;
            a.sw = p.sw;
            a.ow = p.ow;
            a.ohw = ohw;
            a.toff = toff.data();
            a.r = p.r;
            a.s = p.s;
            a.taps = taps;
            a.cblock = cblock;
            a.w = wpk + g * kGroupBlocks * kBlock * p.c * taps;
            a.e = nchwc::epilogue{bias + k0, residual ? residual + yoff : nullptr, act, alpha};
            a.y = y + yoff;
            a.nb = nb;
            a.mr = std::min(nb * kBlock, p.k - k0);
            a.p0 = p0;
            a.p1 = p1;
            a.buf = buf;
            kt.strided(a);
        });
    }
}

}  // namespace nn::conv
