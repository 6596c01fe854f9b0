// Direct forward convolution for stride 1 (see conv_direct.h): per task (image, group, band of
// output rows) the band's input rows are padded once into per-thread scratch, then tiles of
// kmr output channels x nr flat positions run the ISA's tile over all of the group's input
// channels. The band height and the tiles depend on the shape only, and every output element
// is summed in one tile call in a fixed order, so any thread count gives the same bits.
#include "conv/conv_direct.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"
#include "runtime/cpu.h"

namespace nn::conv {

namespace {

// A band's padded input larger than this (a huge dilation or channel count) takes the im2col
// path instead, whose scratch is bounded by the output size.
constexpr int64_t kMaxBandFloats = int64_t{1} << 22;

struct flat {
    int64_t wp;       // row pitch of the padded band
    int64_t ext;      // extra input rows a band reads: (r - 1) * dh
    int64_t rows;     // output rows per band
    int64_t bands;
    int64_t cstride;  // floats per channel of the padded band
};

// Zero columns a row's right padding shares with the next row's left padding. At most the
// kernel's width extent: an output row (w + pl + pr - (s - 1) * dw columns) must fit in wp
// (found by fuzz_conv: 1-wide kernels with padding on both sides wrote rows over each other).
int64_t shared_zeros(const shape& p) { return std::min({p.pl, p.pr, (p.s - 1) * p.dw}); }
int64_t pitch_of(const shape& p) { return p.w + p.pl + p.pr - shared_zeros(p); }

// Bands of `rows` output rows (the last one may be shorter). Reads for kept outputs stay below
// (rows + ext) * wp + shared zeros (a row's last taps wrap into the next row's left padding);
// discarded lanes of a tile's last vector read up to 15 floats further. Rounded to 16 floats so
// every channel starts 64-byte aligned.
flat flat_of(const shape& p, int64_t rows) {
    flat f{};
    f.wp = pitch_of(p);
    f.ext = (p.r - 1) * p.dh;
    f.rows = std::clamp<int64_t>(rows, 1, p.oh);
    f.bands = (p.oh + f.rows - 1) / f.rows;
    f.cstride = ((f.rows + f.ext) * f.wp + shared_zeros(p) + 16 + 15) / 16 * 16;
    return f;
}

flat flat_of(const shape& p) {
    // Padded input floats per band (blocking::direct_band): a band's rows of every channel of
    // the group stay in L2 next to the weights while all its output-channel blocks read them.
    const int64_t rows = std::clamp<int64_t>(active().block.direct_band / (p.cg * pitch_of(p)) - (p.r - 1) * p.dh, 1, p.oh);
    const int64_t bands = (p.oh + rows - 1) / rows;
    return flat_of(p, (p.oh + bands - 1) / bands);  // balanced: no sliver band
}

// The input the next task (usually this thread's next) pads, fetched into L2 a few lines per
// tile of this band's last channel block: the padding pass then copies from cache instead of
// memory (input, output and padded band together about fill the L2: fetched earlier, the
// lines were evicted again before use).
struct input_prefetch {
    const char* p = nullptr;  // the current channel's rows
    int64_t bytes = 0, at = 0, plane = 0, channels = 0, per_step = 0;

    static input_prefetch of(const shape& s, const flat& f, const float* x, int64_t t, int64_t steps) {
        const int64_t band = t % f.bands, ng = t / f.bands, img = ng / s.groups, grp = ng % s.groups;
        const int64_t oh0 = band * f.rows, oh1 = std::min(s.oh, oh0 + f.rows);
        const int64_t ih0 = std::max<int64_t>(0, oh0 - s.pt), ih1 = std::min(s.h, oh1 + f.ext - s.pt);
        input_prefetch q;
        if (ih0 >= ih1) return q;
        q.p = reinterpret_cast<const char*>(x + ((img * s.c + grp * s.cg) * s.h + ih0) * s.w);
        q.bytes = static_cast<int64_t>(sizeof(float)) * (ih1 - ih0) * s.w;
        q.plane = static_cast<int64_t>(sizeof(float)) * s.h * s.w;
        q.channels = s.cg;
        q.per_step = (s.cg * q.bytes / 64 + steps - 1) / steps + 1;
        return q;
    }
    void step() {
        for (int64_t i = 0; i < per_step && channels > 0; ++i) {
            __builtin_prefetch(p + at, 0, 2);
            at += 64;
            if (at >= bytes) {
                at = 0;
                if (--channels > 0) p += plane;  // formed only while a channel is left
            }
        }
    }
};

}  // namespace

bool takes_direct(const shape& p) {
    const direct::kernels* K = direct::available();
    if (!K || p.sh != 1 || p.sw != 1 || p.crs < K->min_crs) return false;
    // 1x1 without padding: the input already is the GEMM operand.
    if (p.r == 1 && p.s == 1 && p.pt == 0 && p.pb == 0 && p.pl == 0 && p.pr == 0) return false;
    // The padded band must stay near the input's size: huge paddings or dilations (valid as they
    // are, found by fuzzing) keep the im2col path.
    if (p.pl > p.w + 64 || p.pr > p.w + 64 || p.pt > p.h + 64 || p.pb > p.h + 64) return false;
    const int64_t wp = pitch_of(p);
    int64_t band;
    if (__builtin_mul_overflow(p.cg, wp, &band) || __builtin_mul_overflow(band, (p.r - 1) * p.dh + 1, &band))
        return false;
    return band <= kMaxBandFloats;
}

int64_t direct_weights_size(const shape& p) {
    const int64_t kmr = direct::available()->kmr, kblocks = (p.kg + kmr - 1) / kmr;
    return p.groups * kblocks * p.cg * p.r * p.s * kmr;
}

// Per group and block of kmr output channels, [c][tap][kmr], rows past kg zero.
void direct_pack_weights(const shape& p, const float* w, float* wpk) {
    const int64_t kmr = direct::available()->kmr, kblocks = (p.kg + kmr - 1) / kmr, taps = p.r * p.s;
    const int64_t blk = p.cg * taps * kmr;
    for (int64_t grp = 0; grp < p.groups; ++grp)
        for (int64_t kb = 0; kb < kblocks; ++kb) {
            float* dst = wpk + (grp * kblocks + kb) * blk;
            for (int64_t c = 0; c < p.cg; ++c)
                for (int64_t t = 0; t < taps; ++t)
                    for (int64_t m = 0; m < kmr; ++m) {
                        const int64_t k = kb * kmr + m;
                        dst[(c * taps + t) * kmr + m] = k < p.kg ? w[((grp * p.kg + k) * p.cg + c) * taps + t] : 0.0f;
                    }
        }
}

void direct_forward(const shape& p, const float* x, const float* w, const float* bias, int act, float* y) {
    // Weights packed once per call (the caller's scratch; tasks only read it).
    float* wpk = thread_scratch(scratch::conv_weights, direct_weights_size(p));
    direct_pack_weights(p, w, wpk);
    direct_forward_packed(p, x, wpk, bias, act, y);
}

// Channel blocks (kmr output channels each) a chunk of a band holds at least (channel_chunks).
constexpr int64_t kMinChunkBlocks = 4;

namespace {

// Output-channel blocks kb0 .. kb1 - 1 of one band: tiles of K.nr flat positions over the first len
// positions of xp (rows d.wp apart), block kb's weights at wpk + kb * (its size), its bias at
// bias + kb * kmr, its outputs at yb + kb * kmr * d.ldy. on_last_block_tile runs after each tile of
// the last block. d carries the band's fixed fields (channels, off, taps, act, wp, ow, ldy).
template <class OnTile>
void run_blocks(const direct::kernels& K, direct_tile& d, const shape& p, const float* wpk, const float* bias,
                const float* xp, float* yb, int64_t kb0, int64_t kb1, int64_t len, OnTile&& on_last_block_tile) {
    const int64_t kmr = K.kmr, blk = p.cg * d.taps * kmr;
    for (int64_t kb = kb0; kb < kb1; ++kb) {
        d.w = wpk + kb * blk;
        d.mr = static_cast<int>(std::min(kmr, p.kg - kb * kmr));
        d.bias = bias ? bias + kb * kmr : nullptr;
        d.y = yb + kb * kmr * d.ldy;
        d.row0 = 0;
        d.col0 = 0;
        const auto full = K.pick(d.mr, K.nr);
        for (int64_t n0 = 0; n0 < len; n0 += K.nr) {
            d.x = xp + n0;
            d.n0 = n0;
            d.np = std::min<int64_t>(K.nr, len - n0);
            (d.np == K.nr ? full : K.pick(d.mr, d.np))(d);
            if (kb + 1 == kb1) on_last_block_tile();
            for (d.col0 += K.nr; d.col0 >= d.wp; d.col0 -= d.wp) ++d.row0;
        }
    }
}

// y's rows are ow apart, or (flat) the padded band's pitch wp apart with the wp - ow columns
// past each row's outputs written with values of no meaning.
void direct_forward_rows(const shape& p, const float* x, const float* wpk, const float* bias, int act, float* y, bool flat_out) {
    const direct::kernels& K = *direct::available();
    const flat f = flat_of(p);
    const int64_t taps = p.r * p.s, hw = p.h * p.w, pitch = flat_out ? f.wp : p.ow, ohw = p.oh * pitch;
    const int64_t kmr = K.kmr, kblocks = (p.kg + kmr - 1) / kmr, blk = p.cg * taps * kmr;
    std::vector<int64_t> off(static_cast<size_t>(p.cg * taps));
    for (int64_t c = 0; c < p.cg; ++c)
        for (int64_t i = 0; i < p.r; ++i)
            for (int64_t j = 0; j < p.s; ++j)
                off[static_cast<size_t>((c * p.r + i) * p.s + j)] = c * f.cstride + i * p.dh * f.wp + j * p.dw;
    const int64_t ntasks = p.n * p.groups * f.bands;
    const int64_t tiles = (f.rows * f.wp + K.nr - 1) / K.nr;  // tiles per block of a band, at most
    // ResNet's 7x7 stage at batch 1 is one band: its channel blocks are split over the threads.
    const int64_t chunks = channel_chunks(ntasks, kblocks, kMinChunkBlocks);
    const int64_t per_chunk = (kblocks + chunks - 1) / chunks;
    parallel_tasks(ntasks * chunks, [&](int64_t tc) {
        const int64_t t = tc / chunks, kb0 = tc % chunks * per_chunk, kb1 = std::min(kblocks, kb0 + per_chunk);
        if (kb0 >= kb1) return;
        const int64_t band = t % f.bands, ng = t / f.bands, img = ng / p.groups, grp = ng % p.groups;
        const int64_t oh0 = band * f.rows, oh1 = std::min(p.oh, oh0 + f.rows);
        input_prefetch next{};
        if (t + 1 < ntasks && kb1 == kblocks) next = input_prefetch::of(p, f, x, t + 1, tiles);
        float* xp = thread_scratch(scratch::conv_task_input, p.cg * f.cstride);
        // The input rows the band reads: padded rows oh0 .. oh1 - 1 + ext.
        const direct_pad pa{p.cg, p.h, p.w, oh0 - p.pt, oh1 - oh0 + f.ext, f.wp, p.pl, f.cstride};
        K.pad(x + (img * p.c + grp * p.cg) * hw, pa, xp);
        const int64_t len = (oh1 - oh0 - 1) * f.wp + p.ow;  // flat positions up to the band's last output
        float* yb = y + ((img * p.k + grp * p.kg) * ohw + oh0 * pitch);
        direct_tile d{};
        d.channels = p.cg;
        d.off = off.data();
        d.taps = taps;
        d.act = act;
        d.wp = f.wp;
        d.ow = pitch;
        d.ldy = ohw;
        // next.step() late, on the last block's tiles: earlier lines would leave the L2 again.
        run_blocks(K, d, p, wpk + grp * kblocks * blk, bias ? bias + grp * p.kg : nullptr, xp, yb, kb0, kb1, len,
                   [&] { next.step(); });
    });
}

}  // namespace

int64_t direct_flat_pitch(const shape& p) { return pitch_of(p); }

void direct_forward_packed(const shape& p, const float* x, const float* wpk, const float* bias, int act, float* y) {
    direct_forward_rows(p, x, wpk, bias, act, y, false);
}

void direct_forward_packed_flat(const shape& p, const float* x, const float* wpk, const float* bias, int act, float* y) {
    direct_forward_rows(p, x, wpk, bias, act, y, true);
}

// A pooled band's padded input (its channels' rows, the kernel's extra rows included) fits in
// this many floats (24 KiB): it stays in L1 while every channel group's tiles read it.
constexpr int64_t kPooledBandFloats = 6 * 1024;

// Tasks (image, group, band of output row pairs), each band padded once; per row pair, channel
// groups of pool_mr (inside the packed blocks of kmr), per group tiles of pool_nr columns. Every
// pooled value comes from one tile call: the same bits at any thread count and band height.
void direct_forward_packed_maxpool2(const shape& p, const float* x, const float* wpk, const float* bias, int act,
                                    float* y) {
    const direct::kernels& K = *direct::available();
    const int64_t poh = p.oh / 2, pow = p.ow / 2, plane = poh * pow, conv_rows = 2 * poh, conv_cols = 2 * pow;
    if (plane == 0) return;
    const int64_t wp = pitch_of(p), ext = (p.r - 1) * p.dh;
    int64_t rows = std::max<int64_t>(2, (kPooledBandFloats / (p.cg * wp) - ext) / 2 * 2);
    int64_t bands = (conv_rows + rows - 1) / rows;
    // Batch 1 on several threads: bands enough for two tasks a thread, where the rows allow.
    const int64_t per_band_set = p.n * p.groups, want = 2 * threads_here();
    if (per_band_set * bands < want) bands = std::min(poh, (want + per_band_set - 1) / per_band_set);
    rows = 2 * ((poh + bands - 1) / bands);  // balanced, whole row pairs
    flat f = flat_of(p, rows);
    // Bands over the pooled rows only (an odd oh's last row is never computed); input_prefetch
    // reads the count from f.
    f.bands = bands = (conv_rows + f.rows - 1) / f.rows;
    const int64_t taps = p.r * p.s, hw = p.h * p.w, kmr = K.kmr, kblocks = (p.kg + kmr - 1) / kmr, blk = p.cg * taps * kmr;
    std::vector<int64_t> off(static_cast<size_t>(p.cg * taps));
    for (int64_t c = 0; c < p.cg; ++c)
        for (int64_t i = 0; i < p.r; ++i)
            for (int64_t j = 0; j < p.s; ++j)
                off[static_cast<size_t>((c * p.r + i) * p.s + j)] = c * f.cstride + i * p.dh * f.wp + j * p.dw;
    // A row's columns in tiles of as even a count of vectors as the widest tile allows: 112
    // columns (7 vectors of 16) as 3 + 2 + 2, not 3 + 3 + 1, whose one-vector tile ran at about
    // half the others' rate (8 accumulators a tap: perf, Zen 5, 2026-12-06).
    struct col_tile {
        int64_t c0, cols;
        void (*tile)(const direct_pool_tile&);  // for pool_mr channels
    };
    std::vector<col_tile> col_tiles;
    {
        const int64_t vec = K.pool_vec, vectors = (conv_cols + vec - 1) / vec, per = K.pool_nr / vec;
        const int64_t count = (vectors + per - 1) / per;
        for (int64_t i = 0, c0 = 0; i < count; ++i) {
            const int64_t cols = std::min(conv_cols - c0, (vectors / count + (i < vectors % count)) * vec);
            col_tiles.push_back({c0, cols, K.pick_pool2(K.pool_mr, cols)});
            c0 += cols;
        }
    }
    const int64_t ntasks = p.n * p.groups * bands;
    const int64_t groups_of_channels = kblocks * ((kmr + K.pool_mr - 1) / K.pool_mr);
    const int64_t tiles = (f.rows / 2) * groups_of_channels * static_cast<int64_t>(col_tiles.size());
    parallel_tasks(ntasks, [&](int64_t t) {
        const int64_t band = t % bands, ng = t / bands, img = ng / p.groups, grp = ng % p.groups;
        const int64_t oh0 = band * f.rows, oh1 = std::min(conv_rows, oh0 + f.rows);
        input_prefetch next{};
        if (t + 1 < ntasks) next = input_prefetch::of(p, f, x, t + 1, tiles);
        float* xp = thread_scratch(scratch::conv_task_input, p.cg * f.cstride);
        const direct_pad pa{p.cg, p.h, p.w, oh0 - p.pt, oh1 - oh0 + f.ext, f.wp, p.pl, f.cstride};
        K.pad(x + (img * p.c + grp * p.cg) * hw, pa, xp);
        direct_pool_tile d{};
        d.channels = p.cg;
        d.off = off.data();
        d.taps = taps;
        d.act = act;
        d.wp = f.wp;
        d.ldy = plane;
        for (int64_t r = oh0; r < oh1; r += 2)
            for (int64_t kb = 0; kb < kblocks; ++kb) {
                const int64_t in_block = std::min(kmr, p.kg - kb * kmr);
                for (int64_t m0 = 0; m0 < in_block; m0 += K.pool_mr) {
                    const int64_t k0 = grp * p.kg + kb * kmr + m0;  // the tile's first output channel
                    d.mr = static_cast<int>(std::min<int64_t>(K.pool_mr, in_block - m0));
                    d.w = wpk + (grp * kblocks + kb) * blk + m0;
                    d.bias = bias ? bias + k0 : nullptr;
                    float* yr = y + (img * p.k + k0) * plane + (r / 2) * pow;
                    for (const col_tile& c : col_tiles) {
                        d.x = xp + (r - oh0) * f.wp + c.c0;
                        d.pooled = c.cols / 2;
                        d.y = yr + c.c0 / 2;
                        (d.mr == K.pool_mr ? c.tile : K.pick_pool2(d.mr, c.cols))(d);
                        next.step();
                    }
                }
            }
    });
}

// Input channels up to which a strided layer takes phase planes (takes_phases). ResNet's and
// MobileNetV2's stems (3 channels, 7x7/2 and 3x3/2): as im2col GEMMs their reductions are 147 and
// 27 long, and packing the columns cost as much as a third of the call.
constexpr int64_t kMaxPhasedChannels = 4;

phases phases_of(const shape& p, int64_t rows, int64_t slack) {
    phases f{};
    f.wq = p.ow + (p.s - 1) / p.sw;
    f.extq = (p.r - 1) / p.sh;
    f.pstride = ((rows + f.extq) * f.wq + slack + 15) / 16 * 16;
    f.cstride = p.sh * p.sw * f.pstride;
    return f;
}

void phase_rows(const float* x, const shape& p, const phases& f, int64_t q0, int64_t y0, int64_t y1, float* xp) {
    for (int64_t c = 0; c < p.cg; ++c)
        for (int64_t a = 0; a < p.sh; ++a)
            for (int64_t b = 0; b < p.sw; ++b) {
                float* plane = xp + c * f.cstride + (a * p.sw + b) * f.pstride;
                // Columns xq whose input column xq * sw + b - pl lies in [0, w): [lo, hi).
                const int64_t lo = std::min(f.wq, p.pl > b ? (p.pl - b + p.sw - 1) / p.sw : 0);
                const int64_t hi = std::clamp<int64_t>((p.w + p.pl - b + p.sw - 1) / p.sw, lo, f.wq);
                for (int64_t y = y0; y < y1; ++y) {
                    float* row = plane + y * f.wq;
                    const int64_t ih = (q0 + y) * p.sh + a - p.pt;
                    if (ih < 0 || ih >= p.h) {
                        std::fill(row, row + f.wq, 0.0f);
                        continue;
                    }
                    const float* src = x + (c * p.h + ih) * p.w;
                    std::fill(row, row + lo, 0.0f);
                    for (int64_t xq = lo; xq < hi; ++xq) row[xq] = src[xq * p.sw + b - p.pl];
                    std::fill(row + hi, row + f.wq, 0.0f);
                }
            }
}

bool takes_phases(const shape& p) {
    if ((p.sh == 1 && p.sw == 1) || p.sh > 4 || p.sw > 4 || p.dh != 1 || p.dw != 1 || p.cg > kMaxPhasedChannels ||
        p.r * p.s < 9)
        return false;
    // The planes must stay near the input's size: huge paddings (valid, found by fuzzing) keep im2col.
    if (p.pl > p.w + 64 || p.pr > p.w + 64 || p.pt > p.h + 64 || p.pb > p.h + 64) return false;
    const int64_t wq = p.ow + (p.s - 1) / p.sw, hq = p.oh + (p.r - 1) / p.sh;
    int64_t area;
    if (__builtin_mul_overflow(wq, hq, &area) || __builtin_mul_overflow(area, p.sh * p.sw, &area)) return false;
    return area / 4 <= p.h * p.w + 1024;
}

bool takes_direct_phased(const shape& p) {
    const direct::kernels* K = direct::available();
    return K && takes_phases(p) && p.crs >= K->min_crs;
}

// Tasks of (image, group, band of output rows, chunk of channel blocks) as direct_forward_rows,
// each band's phase planes built once into the task's scratch. Every output is summed in one tile
// call over (channel, tap) in order: the same bits at any thread count and band height.
void direct_forward_phased(const shape& p, const float* x, const float* w, const float* bias, int act, float* y) {
    float* wpk = thread_scratch(scratch::conv_weights, direct_weights_size(p));
    direct_pack_weights(p, w, wpk);
    direct_forward_phased_packed(p, x, wpk, bias, act, y);
}

void direct_forward_phased_packed(const shape& p, const float* x, const float* wpk, const float* bias, int act, float* y) {
    const direct::kernels& K = *direct::available();
    const int64_t taps = p.r * p.s, hw = p.h * p.w, ohw = p.oh * p.ow;
    const int64_t kmr = K.kmr, kblocks = (p.kg + kmr - 1) / kmr, blk = p.cg * taps * kmr;
    // Phase planes of a band within blocking::direct_band floats, as the stride-1 bands.
    const int64_t wq = p.ow + (p.s - 1) / p.sw, extq = (p.r - 1) / p.sh;
    int64_t rows = std::clamp<int64_t>(active().block.direct_band / (p.cg * p.sh * p.sw * wq) - extq, 1, p.oh);
    const int64_t bands = (p.oh + rows - 1) / rows;
    rows = (p.oh + bands - 1) / bands;  // balanced: no sliver band
    // A tile's discarded lanes read up to 15 floats past the band's last kept position.
    const phases f = phases_of(p, rows, 16);
    std::vector<int64_t> off(static_cast<size_t>(p.cg * taps));
    for (int64_t c = 0; c < p.cg; ++c)
        for (int64_t i = 0; i < p.r; ++i)
            for (int64_t j = 0; j < p.s; ++j) off[static_cast<size_t>((c * p.r + i) * p.s + j)] = phase_offset(p, f, c, i, j);
    const int64_t ntasks = p.n * p.groups * bands;
    const int64_t chunks = channel_chunks(ntasks, kblocks, kMinChunkBlocks);
    const int64_t per_chunk = (kblocks + chunks - 1) / chunks;
    parallel_tasks(ntasks * chunks, [&](int64_t tc) {
        const int64_t t = tc / chunks, kb0 = tc % chunks * per_chunk, kb1 = std::min(kblocks, kb0 + per_chunk);
        if (kb0 >= kb1) return;
        const int64_t band = t % bands, ng = t / bands, img = ng / p.groups, grp = ng % p.groups;
        const int64_t oh0 = band * rows, oh1 = std::min(p.oh, oh0 + rows);
        float* xp = thread_scratch(scratch::conv_task_input, p.cg * f.cstride);
        phase_rows(x + (img * p.c + grp * p.cg) * hw, p, f, oh0, 0, rows + extq, xp);
        for (int64_t pl = 0; pl < p.cg * p.sh * p.sw; ++pl)
            std::fill(xp + pl * f.pstride + (rows + extq) * wq, xp + (pl + 1) * f.pstride, 0.0f);
        const int64_t len = (oh1 - oh0 - 1) * wq + p.ow;  // flat positions up to the band's last output
        float* yb = y + ((img * p.k + grp * p.kg) * ohw + oh0 * p.ow);
        direct_tile d{};
        d.channels = p.cg;
        d.off = off.data();
        d.taps = taps;
        d.act = act;
        d.wp = wq;
        d.ow = p.ow;
        d.ldy = ohw;
        run_blocks(K, d, p, wpk + grp * kblocks * blk, bias ? bias + grp * p.kg : nullptr, xp, yb, kb0, kb1, len, [] {});
    });
}

}  // namespace nn::conv
