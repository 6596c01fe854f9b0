// Scalar convolution: the ground truth (direct loops, double accumulation) and the scalar kernel
// table the drivers use when NATIVENET_MAX_ISA=scalar.
#include <cmath>

#include "activation_ref.h"
#include <cstring>
#include <vector>

#include "conv/conv.h"
#include "eltwise/eltwise.h"

namespace nn::conv {

namespace {

using nn::ref::activate;

// Input coordinate of output o through tap t, or -1 when it falls in the padding.
inline int64_t in_coord(int64_t o, int64_t t, int64_t stride, int64_t pad, int64_t dil, int64_t n) {
    int64_t i = o * stride - pad + t * dil;
    return (i >= 0 && i < n) ? i : -1;
}

void im2col_ref(const float* x, int64_t channels, const geom& g, int64_t oh0, int64_t oh1, float* col, int64_t ld) {
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < g.r; ++i)
            for (int64_t j = 0; j < g.s; ++j) {
                float* row = col + ((c * g.r + i) * g.s + j) * ld;
                for (int64_t oh = oh0; oh < oh1; ++oh) {
                    int64_t ih = in_coord(oh, i, g.sh, g.pt, g.dh, g.h);
                    for (int64_t ow = 0; ow < g.ow; ++ow) {
                        int64_t iw = in_coord(ow, j, g.sw, g.pl, g.dw, g.w);
                        *row++ = (ih >= 0 && iw >= 0) ? x[(c * g.h + ih) * g.w + iw] : 0.0f;
                    }
                }
            }
}

void im2col_panels_ref(const float* x, int64_t channels, const geom& g, int64_t oh0, int64_t oh1, int64_t nr,
                       float* /*tmp*/, float* dst) {
    const int64_t L = (oh1 - oh0) * g.ow, kc = channels * g.r * g.s, panels = (L + nr - 1) / nr;
    for (int64_t q = 0; q < kc; ++q) {
        const int64_t c = q / (g.r * g.s), i = q / g.s % g.r, j = q % g.s;
        for (int64_t p = 0; p < panels * nr; ++p) {
            float v = 0.0f;
            if (p < L) {
                const int64_t ih = in_coord(oh0 + p / g.ow, i, g.sh, g.pt, g.dh, g.h);
                const int64_t iw = in_coord(p % g.ow, j, g.sw, g.pl, g.dw, g.w);
                if (ih >= 0 && iw >= 0) v = x[(c * g.h + ih) * g.w + iw];
            }
            dst[(p / nr) * kc * nr + q * nr + p % nr] = v;
        }
    }
}

void col2im_ref(const float* col, int64_t channels, const geom& g, int64_t oh0, int64_t oh1, float* dx, int64_t ld) {
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < g.r; ++i)
            for (int64_t j = 0; j < g.s; ++j) {
                const float* row = col + ((c * g.r + i) * g.s + j) * ld;
                for (int64_t oh = oh0; oh < oh1; ++oh) {
                    int64_t ih = in_coord(oh, i, g.sh, g.pt, g.dh, g.h);
                    for (int64_t ow = 0; ow < g.ow; ++ow, ++row) {
                        int64_t iw = in_coord(ow, j, g.sw, g.pl, g.dw, g.w);
                        if (ih >= 0 && iw >= 0) dx[(c * g.h + ih) * g.w + iw] += *row;
                    }
                }
            }
}

void dw_forward_ref(const float* xp, int64_t wp, const float* w, float bias, const geom& g, float* y) {
    for (int64_t oh = 0; oh < g.oh; ++oh)
        for (int64_t ow = 0; ow < g.ow; ++ow) {
            float acc = bias;
            for (int64_t i = 0; i < g.r; ++i)
                for (int64_t j = 0; j < g.s; ++j)
                    acc += w[i * g.s + j] * xp[(oh * g.sh + i * g.dh) * wp + ow * g.sw + j * g.dw];
            y[oh * g.ow + ow] = acc;
        }
}

// The definition of kernels::dw3x3 (conv.h): direct loops, the activation by the scalar
// element-wise reference.
void dw3x3_ref(const dw3x3_args& a) {
    for (int64_t oh = 0; oh < a.oh; ++oh) {
        float* y = a.y + oh * a.ow;
        for (int64_t ow = 0; ow < a.ow; ++ow) {
            float acc = a.bias;
            for (int64_t i = 0; i < 3; ++i)
                for (int64_t j = 0; j < 3; ++j) {
                    const int64_t ih = oh * a.stride - 1 + i, iw = ow * a.stride - 1 + j;
                    if (ih >= 0 && ih < a.h && iw >= 0 && iw < a.w) acc += a.wt[i * 3 + j] * a.x[ih * a.w + iw];
                }
            y[ow] = a.res ? acc + a.res[oh * a.ow + ow] : acc;
        }
        eltwise::ref_kernels.unary(static_cast<nn_unary_op>(a.act), y, y, a.ow, a.alpha);
    }
}

void dw_backward_data_ref(const float* dy, const float* w, const geom& g, float* dxp, int64_t wp) {
    for (int64_t oh = 0; oh < g.oh; ++oh)
        for (int64_t i = 0; i < g.r; ++i)
            for (int64_t j = 0; j < g.s; ++j)
                for (int64_t ow = 0; ow < g.ow; ++ow)
                    dxp[(oh * g.sh + i * g.dh) * wp + ow * g.sw + j * g.dw] += w[i * g.s + j] * dy[oh * g.ow + ow];
}

void dw_backward_weights_ref(const float* xp, int64_t wp, const float* dy, const geom& g, float* dw) {
    for (int64_t i = 0; i < g.r; ++i)
        for (int64_t j = 0; j < g.s; ++j) {
            double acc = 0.0;
            for (int64_t oh = 0; oh < g.oh; ++oh)
                for (int64_t ow = 0; ow < g.ow; ++ow)
                    acc += static_cast<double>(dy[oh * g.ow + ow]) *
                           xp[(oh * g.sh + i * g.dh) * wp + ow * g.sw + j * g.dw];
            dw[i * g.s + j] = static_cast<float>(acc);
        }
}

double sum_ref(const float* x, int64_t n) {
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += x[i];
    return s;
}

void add_ref(const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void bww_direct_ref(const float* xp, const int64_t* off, int64_t m, int64_t oh0, int64_t oh1, int64_t ow, int64_t wp,
                    const float* dyt, int64_t kp, float* dwt, bool accumulate) {
    for (int64_t q = 0; q < m; ++q)
        for (int64_t k = 0; k < kp; ++k) {
            float acc = 0.0f;  // the block's sum, then added (as the SIMD kernels do)
            for (int64_t oh = oh0; oh < oh1; ++oh)
                for (int64_t o = 0; o < ow; ++o)
                    acc = std::fma(xp[off[q] + oh * wp + o], dyt[((oh - oh0) * ow + o) * kp + k], acc);
            dwt[q * kp + k] = accumulate ? dwt[q * kp + k] + acc : acc;
        }
}

void bwd_data_direct_ref(const float* dyp, int64_t kk, int64_t kstride, const int64_t* toff, int64_t taps,
                         const float* wt, int64_t cc, int64_t m0, int64_t m1, float* dxq, int64_t cstride) {
    for (int64_t c = 0; c < cc; ++c)
        for (int64_t m = m0; m < m1; ++m) {
            float acc = 0.0f;
            for (int64_t k = 0; k < kk; ++k)
                for (int64_t t = 0; t < taps; ++t)
                    acc = std::fma(wt[(k * taps + t) * cc + c], dyp[k * kstride + toff[t] + m], acc);
            dxq[c * cstride + m] = acc;
        }
}

void pad_rows_ref(const float* x, int64_t channels, int64_t h, int64_t w, int64_t pt, int64_t pl, int64_t wp,
                  int64_t plane, int64_t y0, int64_t y1, float* xp) {
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t y = y0; y < y1; ++y)
            for (int64_t xx = 0; xx < wp; ++xx) {
                const int64_t ih = y - pt, iw = xx - pl;
                xp[c * plane + y * wp + xx] = (ih >= 0 && ih < h && iw >= 0 && iw < w) ? x[(c * h + ih) * w + iw] : 0.0f;
            }
}

void transpose_pad_ref(const float* src, int64_t lds, int64_t kk, int64_t np, int64_t kp, float* dst) {
    for (int64_t p = 0; p < np; ++p)
        for (int64_t k = 0; k < kp; ++k) dst[p * kp + k] = k < kk ? src[k * lds + p] : 0.0f;
}

}  // namespace

const kernels ref_kernels = {"scalar", kBlockingZen,          im2col_ref, im2col_panels_ref, col2im_ref, dw_forward_ref, dw3x3_ref, dw_backward_data_ref,
                             dw_backward_weights_ref, sum_ref,    add_ref, bww_direct_ref, bwd_data_direct_ref, pad_rows_ref, transpose_pad_ref};

void forward_ref(const shape& p, const float* x, const float* w, const float* bias, int act, float* y) {
    for (int64_t n = 0; n < p.n; ++n)
        for (int64_t k = 0; k < p.k; ++k) {
            const int64_t g = k / p.kg;
            for (int64_t oh = 0; oh < p.oh; ++oh)
                for (int64_t ow = 0; ow < p.ow; ++ow) {
                    double acc = 0.0;
                    for (int64_t c = 0; c < p.cg; ++c)
                        for (int64_t i = 0; i < p.r; ++i) {
                            int64_t ih = in_coord(oh, i, p.sh, p.pt, p.dh, p.h);
                            if (ih < 0) continue;
                            for (int64_t j = 0; j < p.s; ++j) {
                                int64_t iw = in_coord(ow, j, p.sw, p.pl, p.dw, p.w);
                                if (iw < 0) continue;
                                acc += static_cast<double>(x[((n * p.c + g * p.cg + c) * p.h + ih) * p.w + iw]) *
                                       w[((k * p.cg + c) * p.r + i) * p.s + j];
                            }
                        }
                    float v = static_cast<float>(acc);
                    if (bias) v += bias[k];
                    y[((n * p.k + k) * p.oh + oh) * p.ow + ow] = activate(act, v);
                }
        }
}

void backward_data_ref(const shape& p, const float* dy, const float* w, float* dx) {
    std::vector<double> acc(static_cast<size_t>(p.n * p.c * p.h * p.w), 0.0);
    for (int64_t n = 0; n < p.n; ++n)
        for (int64_t k = 0; k < p.k; ++k) {
            const int64_t g = k / p.kg;
            for (int64_t oh = 0; oh < p.oh; ++oh)
                for (int64_t ow = 0; ow < p.ow; ++ow) {
                    const double d = dy[((n * p.k + k) * p.oh + oh) * p.ow + ow];
                    for (int64_t c = 0; c < p.cg; ++c)
                        for (int64_t i = 0; i < p.r; ++i) {
                            int64_t ih = in_coord(oh, i, p.sh, p.pt, p.dh, p.h);
                            if (ih < 0) continue;
                            for (int64_t j = 0; j < p.s; ++j) {
                                int64_t iw = in_coord(ow, j, p.sw, p.pl, p.dw, p.w);
                                if (iw < 0) continue;
                                acc[static_cast<size_t>(((n * p.c + g * p.cg + c) * p.h + ih) * p.w + iw)] +=
                                    d * w[((k * p.cg + c) * p.r + i) * p.s + j];
                            }
                        }
                }
        }
    for (size_t i = 0; i < acc.size(); ++i) dx[i] = static_cast<float>(acc[i]);
}

void backward_weights_ref(const shape& p, const float* x, const float* dy, float* dw, float* db) {
    std::vector<double> acc(static_cast<size_t>(p.k * p.crs), 0.0);
    for (int64_t k = 0; k < p.k; ++k) {
        const int64_t g = k / p.kg;
        double bsum = 0.0;
        for (int64_t n = 0; n < p.n; ++n)
            for (int64_t oh = 0; oh < p.oh; ++oh)
                for (int64_t ow = 0; ow < p.ow; ++ow) {
                    const double d = dy[((n * p.k + k) * p.oh + oh) * p.ow + ow];
                    bsum += d;
                    for (int64_t c = 0; c < p.cg; ++c)
                        for (int64_t i = 0; i < p.r; ++i) {
                            int64_t ih = in_coord(oh, i, p.sh, p.pt, p.dh, p.h);
                            if (ih < 0) continue;
                            for (int64_t j = 0; j < p.s; ++j) {
                                int64_t iw = in_coord(ow, j, p.sw, p.pl, p.dw, p.w);
                                if (iw < 0) continue;
                                acc[static_cast<size_t>(((k * p.cg + c) * p.r + i) * p.s + j)] +=
                                    d * x[((n * p.c + g * p.cg + c) * p.h + ih) * p.w + iw];
                            }
                        }
                }
        if (db) db[k] = static_cast<float>(bsum);
    }
    for (size_t i = 0; i < acc.size(); ++i) dw[i] = static_cast<float>(acc[i]);
}

}  // namespace nn::conv
