// Scalar pooling: per-plane kernels of the scalar table and whole-tensor ground truth, written
// exactly as PyTorch's CPU loops (window clipping, divisor, NaN and tie rules).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "pool/pool.h"

namespace nn::pool {

namespace {

void max_plane(const float* x, const geom& g, float* y, int64_t* idx) {
    for (int64_t oh = 0; oh < g.oh; ++oh)
        for (int64_t ow = 0; ow < g.ow; ++ow) {
            int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
            const int64_t h1 = std::min(h0 + (g.kh - 1) * g.dh + 1, g.h), w1 = std::min(w0 + (g.kw - 1) * g.dw + 1, g.w);
            // First tap inside the input, in O(1): a padding near INT64_MAX / 2 made the old
            // step-by-step loop spin for ~2^61 iterations (found by fuzz_pool).
            h0 = first_tap(h0, g.dh);
            w0 = first_tap(w0, g.dw);
            float best = -std::numeric_limits<float>::infinity();
            int64_t bi = h0 * g.w + w0;
            for (int64_t ih = h0; ih < h1; ih = next_tap(ih, h1, g.dh))
                for (int64_t iw = w0; iw < w1; iw = next_tap(iw, w1, g.dw)) {
                    const float v = x[ih * g.w + iw];
                    if (v > best || std::isnan(v)) {
                        best = v;
                        bi = ih * g.w + iw;
                    }
                }
            y[oh * g.ow + ow] = best;
            if (idx) idx[oh * g.ow + ow] = bi;
        }
}

// PyTorch's average window: clipped to the padded input for the include-pad divisor, then to
// the input for the sum.
struct window {
    int64_t h0, h1, w0, w1;
    float divisor;
};
window avg_window(const geom& g, int64_t oh, int64_t ow) {
    int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
    int64_t h1 = std::min(h0 + g.kh, g.h + g.ph), w1 = std::min(w0 + g.kw, g.w + g.pw);
    const float pool = window_divisor(h1 - h0, w1 - w0);
    h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
    h1 = std::min(h1, g.h), w1 = std::min(w1, g.w);
    return {h0, h1, w0, w1, g.include_pad ? pool : window_divisor(h1 - h0, w1 - w0)};
}

void avg_plane(const float* x, const geom& g, float* y) {
    for (int64_t oh = 0; oh < g.oh; ++oh)
        for (int64_t ow = 0; ow < g.ow; ++ow) {
            const window wd = avg_window(g, oh, ow);
            float s = 0.0f;
            for (int64_t ih = wd.h0; ih < wd.h1; ++ih)
                for (int64_t iw = wd.w0; iw < wd.w1; ++iw) s += x[ih * g.w + iw];
            y[oh * g.ow + ow] = s / wd.divisor;
        }
}

void avg_plane_backward(const float* dy, const geom& g, float* dx) {
    std::memset(dx, 0, sizeof(float) * static_cast<size_t>(g.h * g.w));
    for (int64_t oh = 0; oh < g.oh; ++oh)
        for (int64_t ow = 0; ow < g.ow; ++ow) {
            const window wd = avg_window(g, oh, ow);
            const float v = dy[oh * g.ow + ow] / wd.divisor;
            for (int64_t ih = wd.h0; ih < wd.h1; ++ih)
                for (int64_t iw = wd.w0; iw < wd.w1; ++iw) dx[ih * g.w + iw] += v;
        }
}

void max_planes(const float* x, const geom& g, int64_t planes, float* y) {
    for (int64_t pl = 0; pl < planes; ++pl) max_plane(x + pl * g.h * g.w, g, y + pl * g.oh * g.ow, nullptr);
}

}  // namespace

const kernels ref_kernels = {"scalar", max_plane, max_planes, avg_plane, avg_plane_backward};

void max_forward_ref(const shape& p, const float* x, float* y, int64_t* idx) {
    const int64_t ip = p.g.h * p.g.w, op = p.g.oh * p.g.ow;
    for (int64_t pl = 0; pl < p.n * p.c; ++pl) max_plane(x + pl * ip, p.g, y + pl * op, idx ? idx + pl * op : nullptr);
}

void max_backward_ref(const shape& p, const float* dy, const int64_t* idx, float* dx) {
    const int64_t ip = p.g.h * p.g.w, op = p.g.oh * p.g.ow;
    std::memset(dx, 0, sizeof(float) * static_cast<size_t>(p.n * p.c * ip));
    for (int64_t pl = 0; pl < p.n * p.c; ++pl)
        for (int64_t o = 0; o < op; ++o) dx[pl * ip + idx[pl * op + o]] += dy[pl * op + o];
}

void avg_forward_ref(const shape& p, const float* x, float* y) {
    const int64_t ip = p.g.h * p.g.w, op = p.g.oh * p.g.ow;
    for (int64_t pl = 0; pl < p.n * p.c; ++pl) avg_plane(x + pl * ip, p.g, y + pl * op);
}

void avg_backward_ref(const shape& p, const float* dy, float* dx) {
    const int64_t ip = p.g.h * p.g.w, op = p.g.oh * p.g.ow;
    for (int64_t pl = 0; pl < p.n * p.c; ++pl) avg_plane_backward(dy + pl * op, p.g, dx + pl * ip);
}

void adaptive_avg_forward_ref(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow, const float* x,
                              float* y) {
    for (int64_t pl = 0; pl < n * c; ++pl)
        for (int64_t i = 0; i < oh; ++i)
            for (int64_t j = 0; j < ow; ++j) {
                const int64_t h0 = adaptive_start(i, h, oh), h1 = adaptive_end(i, h, oh);
                const int64_t w0 = adaptive_start(j, w, ow), w1 = adaptive_end(j, w, ow);
                double s = 0.0;
                for (int64_t a = h0; a < h1; ++a)
                    for (int64_t b = w0; b < w1; ++b) s += x[(pl * h + a) * w + b];
                y[(pl * oh + i) * ow + j] = static_cast<float>(s / static_cast<double>((h1 - h0) * (w1 - w0)));
            }
}

void adaptive_avg_backward_ref(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow, const float* dy,
                               float* dx) {
    std::memset(dx, 0, sizeof(float) * static_cast<size_t>(n * c * h * w));
    for (int64_t pl = 0; pl < n * c; ++pl)
        for (int64_t i = 0; i < oh; ++i)
            for (int64_t j = 0; j < ow; ++j) {
                const int64_t h0 = adaptive_start(i, h, oh), h1 = adaptive_end(i, h, oh);
                const int64_t w0 = adaptive_start(j, w, ow), w1 = adaptive_end(j, w, ow);
                const double v = static_cast<double>(dy[(pl * oh + i) * ow + j]) / static_cast<double>((h1 - h0) * (w1 - w0));
                for (int64_t a = h0; a < h1; ++a)
                    for (int64_t b = w0; b < w1; ++b) dx[(pl * h + a) * w + b] += static_cast<float>(v);
            }
}

}  // namespace nn::pool
