// Scalar Winograd F(2x2, 3x3) kernels (the contract in src/conv/conv_winograd.h), used under
// NATIVENET_MAX_ISA=scalar so the tests walk the Winograd driver on every ISA cap.
#include <algorithm>
#include <cmath>

#include "activation_ref.h"

#include "conv/conv_winograd.h"

namespace nn::conv {

namespace {

constexpr int kMr = 4, kNt = 8;

using nn::ref::activate;

void bt4(float* a) {  // a[0..3] *= B^T, stride 1
    const float t0 = a[0] - a[2], t1 = a[1] + a[2], t2 = a[2] - a[1], t3 = a[1] - a[3];
    a[0] = t0;
    a[1] = t1;
    a[2] = t2;
    a[3] = t3;
}

void input_row_ref(const float* xs, int64_t rp, int64_t hp, int64_t cs, int64_t channels, int64_t tx0, int64_t n, int64_t tw,
                   float* v, int64_t vs, int64_t vxi) {
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t q = 0; q < n; ++q) {
            const int64_t row = (tx0 + q) / tw, tx = (tx0 + q) % tw;
            float d[4][4], col[4];
            for (int i = 0; i < 4; ++i) {
                const float* r = xs + c * cs + (2 * row + i) * rp;
                d[i][0] = r[tx];
                d[i][1] = r[hp + tx];
                d[i][2] = r[tx + 1];
                d[i][3] = r[hp + tx + 1];
            }
            for (int j = 0; j < 4; ++j) {
                for (int i = 0; i < 4; ++i) col[i] = d[i][j];
                bt4(col);
                for (int i = 0; i < 4; ++i) d[i][j] = col[i];
            }
            for (int i = 0; i < 4; ++i) {
                bt4(d[i]);
                for (int j = 0; j < 4; ++j) v[(i * 4 + j) * vxi + c * vs + q] = d[i][j];
            }
        }
}

void pad_split_ref(const float* x, const winograd_pad& a, float* xs) {
    for (int64_t c = 0; c < a.channels; ++c) {
        float* dst = xs + c * a.cs;
        for (int64_t q = 0; q < a.cs; ++q) {
            const int64_t yy = q / (2 * a.hp), col = q % (2 * a.hp), ih = a.ih0 + yy;
            const int64_t iw = (col < a.hp ? 2 * col : 2 * (col - a.hp) + 1) - a.pl;
            const bool inside = yy < a.rows && ih >= 0 && ih < a.h && iw >= 0 && iw < a.w;
            dst[q] = inside ? x[(c * a.h + ih) * a.w + iw] : 0.0f;
        }
    }
}

// The first `columns` tiles of a GEMM tile (one tile per "vector" here: lanes = 1).
void gemm_part_ref(const float* u, const float* v, int64_t vs, int64_t channels, const float* init, float* m, int columns) {
    for (int r = 0; r < kMr; ++r)
        for (int q = 0; q < columns; ++q) {
            float acc = init ? init[r] : 0.0f;
            for (int64_t c = 0; c < channels; ++c) acc += u[c * kMr + r] * v[c * vs + q];
            m[r * kNt + q] = acc;
        }
}

void gemm_ref(const float* u, const float* v, int64_t vs, int64_t channels, const float* init, float* m) {
    gemm_part_ref(u, v, vs, channels, init, m, kNt);
}

void output_ref(const float* m, const winograd_out& o) {
    const int64_t per_img = o.th * o.tw;
    for (int64_t q = 0; q < o.np; ++q) {
        const int64_t t = o.t0 + q, img = t / per_img, ty = (t % per_img) / o.tw, tx = t % o.tw;
        for (int r = 0; r < o.mr; ++r) {
            float s[2][4];
            for (int j = 0; j < 4; ++j) {
                const float* e = m + (j * kMr + r) * kNt + q;  // xi = i * 4 + j
                const float m0 = e[0], m1 = e[4 * kMr * kNt], m2 = e[8 * kMr * kNt], m3 = e[12 * kMr * kNt];
                s[0][j] = m0 + m1 + m2;
                s[1][j] = m1 - m2 - m3;
            }
            if (o.pool2) {  // the pooling's rule over the tile's outputs in row-major order
                if (ty >= o.pool_oh || tx >= o.pool_ow) continue;
                float best = 0.0f;
                for (int i = 0; i < 2; ++i)
                    for (int j = 0; j < 2; ++j) {
                        const float v = activate(o.act, j == 0 ? s[i][0] + s[i][1] + s[i][2] : s[i][1] - s[i][2] - s[i][3]);
                        if ((i == 0 && j == 0) || v > best || std::isnan(v)) best = v;
                    }
                o.y[img * o.img_stride + r * o.ch_stride + ty * o.pool_ow + tx] = best;
                continue;
            }
            for (int i = 0; i < 2; ++i) {  // the bias is in M[5] (see winograd::kernels::gemm)
                const float y0 = s[i][0] + s[i][1] + s[i][2], y1 = s[i][1] - s[i][2] - s[i][3];
                const int64_t oh = 2 * ty + i, ow = 2 * tx;
                if (oh >= o.oh) continue;
                const int64_t at = img * o.img_stride + r * o.ch_stride + oh * o.ow + ow;
                float* row = o.y + at;
                const float* res = o.res ? o.res + at : nullptr;
                row[0] = activate(o.act, res ? y0 + res[0] : y0);
                if (ow + 1 < o.ow) row[1] = activate(o.act, res ? y1 + res[1] : y1);
            }
        }
    }
}

void grad_row_ref(const float* dyt, int64_t ow, int64_t rows, int64_t tx0, int64_t n, int64_t kp, float* z, int64_t zxi) {
    for (int64_t q = 0; q < n; ++q) {
        const int64_t tx = tx0 + q;
        const float* p0 = dyt + 2 * tx * kp;
        const bool right = 2 * tx + 1 < ow, below = rows > 1;
        for (int64_t k = 0; k < kp; ++k) {
            const float a = p0[k], b = right ? p0[kp + k] : 0.0f, c = below ? p0[ow * kp + k] : 0.0f;
            const float d = below && right ? p0[(ow + 1) * kp + k] : 0.0f;
            const float u[4] = {a, a + c, a - c, -c}, w[4] = {b, b + d, b - d, -d};
            for (int i = 0; i < 4; ++i) {
                float* zt = z + q * kp + k;
                zt[(i * 4 + 0) * zxi] = u[i];
                zt[(i * 4 + 1) * zxi] = u[i] + w[i];
                zt[(i * 4 + 2) * zxi] = u[i] - w[i];
                zt[(i * 4 + 3) * zxi] = -w[i];
            }
        }
    }
}

void weights_ref(const float* w, int64_t rs, int64_t cs, int64_t mr, int64_t channels, bool flip, float* u, int64_t uxi) {
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t r = 0; r < kMr; ++r) {
            float g[9] = {};
            if (r < mr)
                for (int tap = 0; tap < 9; ++tap) g[tap] = w[r * rs + c * cs + (flip ? 8 - tap : tap)];
            float t[3][4];  // t[j][i]: column j of G g
            for (int j = 0; j < 3; ++j) {
                const float a = g[j], b = g[3 + j], cc = g[6 + j];
                t[j][0] = a;
                t[j][1] = (0.5f * a + 0.5f * b) + 0.5f * cc;
                t[j][2] = (0.5f * a + -0.5f * b) + 0.5f * cc;
                t[j][3] = cc;
            }
            for (int i = 0; i < 4; ++i) {
                const float a = t[0][i], b = t[1][i], cc = t[2][i];
                float* o = u + c * kMr + r;
                o[(i * 4) * uxi] = a;
                o[(i * 4 + 1) * uxi] = (0.5f * a + 0.5f * b) + 0.5f * cc;
                o[(i * 4 + 2) * uxi] = (0.5f * a + -0.5f * b) + 0.5f * cc;
                o[(i * 4 + 3) * uxi] = cc;
            }
        }
}

void weights_grad_ref(const float* du, int64_t xs, int64_t cs, int64_t kn, int64_t cn, float* dw, int64_t ks) {
    constexpr auto& G = kWinogradG;
    for (int64_t k = 0; k < kn; ++k)
        for (int64_t c = 0; c < cn; ++c) {
            float t[4][3];  // D G
            for (int i = 0; i < 4; ++i)
                for (int b = 0; b < 3; ++b) {
                    float s = 0.0f;
                    for (int j = 0; j < 4; ++j) s += du[(i * 4 + j) * xs + c * cs + k] * G[j][b];
                    t[i][b] = s;
                }
            for (int a = 0; a < 3; ++a)
                for (int b = 0; b < 3; ++b) {
                    float s = 0.0f;
                    for (int i = 0; i < 4; ++i) s += G[i][a] * t[i][b];
                    dw[k * ks + c * 9 + a * 3 + b] = s;
                }
        }
}

}  // namespace

const winograd::kernels winograd::ref_kernels = {"scalar",      kMr,           kNt,         1,
                                                 &input_row_ref, &pad_split_ref, &gemm_ref,   &gemm_part_ref,
                                                 &output_ref,    &grad_row_ref,  &weights_ref, &weights_grad_ref};

}  // namespace nn::conv
