// Convolution drivers: pick the algorithm per shape, split work into tasks whose results do not
// depend on the thread that runs them, and call the micro-kernels and the internal SGEMM.
//
//   depthwise (one input channel per group, few outputs each): direct SIMD kernel per plane.
//   1x1, stride 1, no padding: the input already is the GEMM operand (no im2col).
//   otherwise: im2col of a band of output rows into per-thread scratch (kept L2-sized), GEMM.
// Backward data is W^T * dY then col2im; backward weights dY * col^T accumulated per fixed batch
// chunk and the chunks summed in order, so 1 and 2 threads give the same bits.
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv/conv.h"
#include "conv/scratch.h"
#include "eltwise/eltwise.h"
#include "gemm/gemm.h"

namespace nn::conv {

namespace {

// im2col band budget: 128 Ki floats (512 KiB) stays in Zen 4's 1 MiB L2 next to GEMM packing.
constexpr int64_t kBandFloats = 128 * 1024;
// Batch chunks of the weight gradient: fixed by the shape, never by the thread count.
constexpr int64_t kMaxWeightChunks = 8;

bool is_pointwise(const shape& p) {
    return p.r == 1 && p.s == 1 && p.sh == 1 && p.sw == 1 && p.pt == 0 && p.pb == 0 && p.pl == 0 && p.pr == 0;
}

// Output rows per band: the band's im2col block and its dY / Y block together fit the budget.
int64_t band_rows(const shape& p) {
    int64_t rows = kBandFloats / std::max<int64_t>(1, (p.crs + p.kg) * p.ow);
    return std::clamp<int64_t>(rows, 1, p.oh);
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
    run_tasks(p.n * p.c, [&](int64_t t) {
        const int64_t img = t / p.c, ci = t % p.c;
        float* xp = thread_scratch(0, pd.hp * pd.wp);
        pad_plane(x + t * p.h * p.w, p, pd, xp);
        for (int64_t m = 0; m < p.kg; ++m) {
            const int64_t k = ci * p.kg + m;
            float* yk = y + (img * p.k + k) * ohw;
            kt.dw_forward(xp, pd.wp, w + k * rs, bias ? bias[k] : 0.0f, g, yk);
            if (act != 0) eltwise::active().unary(static_cast<nn_unary_op>(act), yk, yk, ohw, 0.0f);
        }
    });
}

void depthwise_backward_data(const shape& p, const float* dy, const float* w, float* dx) {
    const auto& kt = active();
    const geom g = geom_of(p);
    const padded pd = padded_of(p);
    const int64_t ohw = p.oh * p.ow, rs = p.r * p.s;
    run_tasks(p.n * p.c, [&](int64_t t) {
        const int64_t img = t / p.c, ci = t % p.c;
        float* dxp = thread_scratch(0, pd.hp * pd.wp);
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
    run_tasks(p.n * p.c, [&](int64_t t) {
        const int64_t img = t / p.c, ci = t % p.c;
        float* xp = thread_scratch(0, pd.hp * pd.wp);
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

void forward(const shape& p, const float* x, const float* w, const float* bias, int act, float* y) {
    if (is_depthwise(p)) return depthwise_forward(p, x, w, bias, act, y);
    const auto& kt = active();
    const geom g = geom_of(p);
    const bool pointwise = is_pointwise(p);
    const int64_t rows = band_rows(p), bands = (p.oh + rows - 1) / rows;
    const int64_t hw = p.h * p.w, ohw = p.oh * p.ow;
    gemm::epilogue ep;
    ep.act = static_cast<gemm::activation>(act);
    run_tasks(p.n * p.groups * bands, [&](int64_t t) {
        const int64_t band = t % bands, ng = t / bands, img = ng / p.groups, grp = ng % p.groups;
        const int64_t oh0 = band * rows, oh1 = std::min(p.oh, oh0 + rows), cols = (oh1 - oh0) * p.ow;
        const float* xg = x + (img * p.c + grp * p.cg) * hw;
        float* yg = y + (img * p.k + grp * p.kg) * ohw + oh0 * p.ow;
        const float* b;
        int64_t ldb;
        if (pointwise) {
            b = xg + oh0 * p.ow;
            ldb = hw;
        } else {
            float* col = thread_scratch(0, p.crs * cols);
            kt.im2col(xg, p.cg, g, oh0, oh1, col);
            b = col;
            ldb = cols;
        }
        gemm::epilogue e = ep;
        if (bias) {
            e.bias = bias + grp * p.kg;
            e.mode = gemm::bias_mode::per_row;
        }
        gemm::sgemm(false, false, p.kg, cols, p.crs, 1.0f, w + grp * p.kg * p.crs, p.crs, b, ldb, 0.0f, yg, ohw, e,
                    1);
    });
}

void backward_data(const shape& p, const float* dy, const float* w, float* dx) {
    if (is_depthwise(p)) return depthwise_backward_data(p, dy, w, dx);
    const auto& kt = active();
    const geom g = geom_of(p);
    const int64_t rows = band_rows(p), bands = (p.oh + rows - 1) / rows;
    const int64_t hw = p.h * p.w, ohw = p.oh * p.ow, rs = p.r * p.s;
    if (is_pointwise(p)) {
        // dx = W^T dy per band of pixels: bands are disjoint, no col2im.
        run_tasks(p.n * p.groups * bands, [&](int64_t t) {
            const int64_t band = t % bands, ng = t / bands, img = ng / p.groups, grp = ng % p.groups;
            const int64_t c0 = band * rows * p.ow, cols = std::min(p.oh, (band + 1) * rows) * p.ow - c0;
            gemm::sgemm(true, false, p.cg, cols, p.kg, 1.0f, w + grp * p.kg * p.crs, p.crs,
                        dy + (img * p.k + grp * p.kg) * ohw + c0, ohw, 0.0f, dx + (img * p.c + grp * p.cg) * hw + c0,
                        hw, gemm::epilogue{}, 1);
        });
        return;
    }
    // Bands of one image overlap in dx, so a task owns whole planes: (image, group, channel chunk).
    // Small batches split the channels so both threads have work; the split depends on shape only.
    const int64_t chunks = (p.n * p.groups >= 4) ? 1 : std::min<int64_t>(p.cg, 4);
    run_tasks(p.n * p.groups * chunks, [&](int64_t t) {
        const int64_t chunk = t % chunks, ng = t / chunks, img = ng / p.groups, grp = ng % p.groups;
        const int64_t c0 = p.cg * chunk / chunks, c1 = p.cg * (chunk + 1) / chunks;
        if (c1 == c0) return;
        float* dxg = dx + (img * p.c + grp * p.cg + c0) * hw;
        std::memset(dxg, 0, sizeof(float) * static_cast<size_t>((c1 - c0) * hw));
        const float* dyg = dy + (img * p.k + grp * p.kg) * ohw;
        const float* wg = w + grp * p.kg * p.crs + c0 * rs;
        for (int64_t oh0 = 0; oh0 < p.oh; oh0 += rows) {
            const int64_t oh1 = std::min(p.oh, oh0 + rows), cols = (oh1 - oh0) * p.ow;
            float* dcol = thread_scratch(0, (c1 - c0) * rs * cols);
            gemm::sgemm(true, false, (c1 - c0) * rs, cols, p.kg, 1.0f, wg, p.crs, dyg + oh0 * p.ow, ohw, 0.0f, dcol,
                        cols, gemm::epilogue{}, 1);
            kt.col2im(dcol, c1 - c0, g, oh0, oh1, dxg);
        }
    });
}

void backward_weights(const shape& p, const float* x, const float* dy, float* dw, float* db) {
    if (is_depthwise(p)) return depthwise_backward_weights(p, x, dy, dw, db);
    const auto& kt = active();
    const geom g = geom_of(p);
    const bool pointwise = is_pointwise(p);
    const int64_t rows = band_rows(p);
    const int64_t hw = p.h * p.w, ohw = p.oh * p.ow, wsize = p.k * p.crs;
    const int64_t chunks = std::min(p.n, kMaxWeightChunks);
    // Both operands carry the pixel (reduction) axis contiguously, so one of them is packed
    // transposed whichever way round; the GEMM runs best with the longer of kg and crs as M.
    // Transposed: each chunk accumulates dW^T [crs, kg] per group = col * dY^T.
    const bool transposed = p.crs > p.kg;
    std::vector<float> part(static_cast<size_t>(chunks * wsize));
    std::vector<double> bpart(db ? static_cast<size_t>(chunks * p.k) : 0, 0.0);
    run_tasks(chunks * p.groups, [&](int64_t t) {
        const int64_t chunk = t / p.groups, grp = t % p.groups;
        const int64_t i0 = p.n * chunk / chunks, i1 = p.n * (chunk + 1) / chunks;
        float* acc = part.data() + chunk * wsize + grp * p.kg * p.crs;
        bool first = true;
        for (int64_t img = i0; img < i1; ++img) {
            const float* xg = x + (img * p.c + grp * p.cg) * hw;
            const float* dyg = dy + (img * p.k + grp * p.kg) * ohw;
            for (int64_t oh0 = 0; oh0 < p.oh; oh0 += rows) {
                const int64_t oh1 = std::min(p.oh, oh0 + rows), cols = (oh1 - oh0) * p.ow;
                const float* b;
                int64_t ldb;
                if (pointwise) {
                    b = xg + oh0 * p.ow;
                    ldb = hw;
                } else {
                    float* col = thread_scratch(0, p.crs * cols);
                    kt.im2col(xg, p.cg, g, oh0, oh1, col);
                    b = col;
                    ldb = cols;
                }
                const float beta = first ? 0.0f : 1.0f;
                if (transposed)
                    gemm::sgemm(false, true, p.crs, p.kg, cols, 1.0f, b, ldb, dyg + oh0 * p.ow, ohw, beta, acc, p.kg,
                                gemm::epilogue{}, 1);
                else
                    gemm::sgemm(false, true, p.kg, p.crs, cols, 1.0f, dyg + oh0 * p.ow, ohw, b, ldb, beta, acc, p.crs,
                                gemm::epilogue{}, 1);
                first = false;
                // Bias gradient from the dY band the GEMM just brought into cache.
                if (db)
                    for (int64_t m = 0; m < p.kg; ++m)
                        bpart[static_cast<size_t>(chunk * p.k + grp * p.kg + m)] +=
                            kt.sum(dyg + m * ohw + oh0 * p.ow, cols);
            }
        }
    });
    // Chunk partials summed in chunk order: the same bits for any thread count.
    float* total = part.data();
    for (int64_t c = 1; c < chunks; ++c) kt.add(part.data() + c * wsize, total, wsize);
    if (transposed) {
        for (int64_t grp = 0; grp < p.groups; ++grp) {
            const float* src = total + grp * p.kg * p.crs;
            float* dst = dw + grp * p.kg * p.crs;
            for (int64_t q = 0; q < p.crs; ++q)
                for (int64_t m = 0; m < p.kg; ++m) dst[m * p.crs + q] = src[q * p.kg + m];
        }
    } else {
        std::memcpy(dw, total, sizeof(float) * static_cast<size_t>(wsize));
    }
    if (db)
        for (int64_t k = 0; k < p.k; ++k) {
            double s = 0.0;
            for (int64_t c = 0; c < chunks; ++c) s += bpart[static_cast<size_t>(c * p.k + k)];
            db[k] = static_cast<float>(s);
        }
}

}  // namespace nn::conv
