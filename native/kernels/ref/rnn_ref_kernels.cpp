// Scalar reference of the recurrent gate kernels (<cmath> in float): the fallback path and
// the ground truth the SIMD tables are compared with. Same in-place contract as rnn.h.
#include <algorithm>
#include <cmath>
#include <vector>

#include "rnn/rnn.h"

namespace nn::rnn {
namespace {

float sigm(float v) { return 1.0f / (1.0f + std::exp(-v)); }

// The LSTM cell on units [j0, j1) of h (lstm_forward: all of them).
void lstm_units(const float* px, const float* ph, const float* c_prev, float* gates, float* c_out, float* c_state,
                float* h_state, float* y, int64_t h, int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; ++j) {
        float i = sigm(px[j] + ph[j]);
        float f = sigm(px[h + j] + ph[h + j]);
        float g = std::tanh(px[2 * h + j] + ph[2 * h + j]);
        float o = sigm(px[3 * h + j] + ph[3 * h + j]);
        float c = f * c_prev[j] + i * g;
        float hv = o * std::tanh(c);
        gates[j] = i, gates[h + j] = f, gates[2 * h + j] = g, gates[3 * h + j] = o;
        c_out[j] = c, c_state[j] = c, h_state[j] = hv;
        if (y) y[j] = hv;
    }
}

void lstm_forward(const float* px, const float* ph, const float* c_prev, float* gates, float* c_out, float* c_state,
                  float* h_state, float* y, int64_t h) {
    lstm_units(px, ph, c_prev, gates, c_out, c_state, h_state, y, h, 0, h);
}

void lstm_backward(const float* gates, const float* c_prev, const float* c, const float* dh_carry, const float* dy,
                   float* dc, float* dgates, float* dgates_copy, int64_t h) {
    for (int64_t j = 0; j < h; ++j) {
        float i = gates[j], f = gates[h + j], g = gates[2 * h + j], o = gates[3 * h + j];
        float dh = dh_carry[j] + (dy ? dy[j] : 0.0f);
        float tc = std::tanh(c[j]);
        float dct = dc[j] + dh * o * (1.0f - tc * tc);
        float d[4] = {dct * g * i * (1.0f - i), dct * c_prev[j] * f * (1.0f - f), dct * i * (1.0f - g * g),
                      dh * tc * o * (1.0f - o)};
        dc[j] = dct * f;
        for (int q = 0; q < 4; ++q) dgates[q * h + j] = d[q], dgates_copy[q * h + j] = d[q];
    }
}

// The GRU cell on units [j0, j1) of h (gru_forward: all of them).
void gru_units(const float* px, const float* ph, const float* h_prev, float* gates, float* hn, float* h_state,
               float* y, int64_t h, int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; ++j) {
        float r = sigm(px[j] + ph[j]);
        float z = sigm(px[h + j] + ph[h + j]);
        float phn = ph[2 * h + j];
        float n = std::tanh(px[2 * h + j] + r * phn);
        float hv = (1.0f - z) * n + z * h_prev[j];
        gates[j] = r, gates[h + j] = z, gates[2 * h + j] = n;
        hn[j] = phn, h_state[j] = hv;
        if (y) y[j] = hv;
    }
}

void gru_forward(const float* px, const float* ph, const float* h_prev, float* gates, float* hn, float* h_state,
                 float* y, int64_t h) {
    gru_units(px, ph, h_prev, gates, hn, h_state, y, h, 0, h);
}

void gru_backward(const float* gates, const float* hn, const float* h_prev, const float* dh_carry, const float* dy,
                  float* dgates, float* dgates_h, float* dhn, float* dh_prev, int64_t h) {
    for (int64_t j = 0; j < h; ++j) {
        float r = gates[j], z = gates[h + j], n = gates[2 * h + j], phn = hn[j];
        float dh = dh_carry[j] + (dy ? dy[j] : 0.0f);
        float dn = dh * (1.0f - z) * (1.0f - n * n);
        float dz = dh * (h_prev[j] - n) * z * (1.0f - z);
        float dr = dn * phn * r * (1.0f - r);
        dh_prev[j] = dh * z;
        dgates[j] = dr, dgates[h + j] = dz, dgates[2 * h + j] = dn;
        dgates_h[j] = dr, dgates_h[h + j] = dz, dgates_h[2 * h + j] = dn * r;
        dhn[j] = dn * r;
    }
}

// The fused step as its parts: the products read from the packed layouts, then the per-row
// cell above (its gates and aux outputs go to scratch when the step is inference).
// out[g*h + j] = bias[g*h + j] + sum over c < k of W[g*h + j][c] * v[c], W in gate_weight's layout.
void packed_product(const float* w, int64_t G, int64_t h, int64_t k, const float* bias, const float* v, float* out) {
    for (int64_t g = 0; g < G; ++g)
        for (int64_t j = 0; j < h; ++j) {
            const float* wj = w + (j / kUnitBlock) * k * G * kUnitBlock + g * kUnitBlock + j % kUnitBlock;
            float s = bias ? bias[g * h + j] : 0.0f;
            for (int64_t c = 0; c < k; ++c) s += wj[c * G * kUnitBlock] * v[c];
            out[g * h + j] = s;
        }
}

template <int64_t G>
void fused_step(const step_args& a) {
    const int64_t h = a.h, j1 = std::min(h, a.j1);
    std::vector<float> ph(static_cast<size_t>(G * h)), pxv(static_cast<size_t>(G * h)),
        gates(static_cast<size_t>(G * h)), aux(static_cast<size_t>(h));
    for (int64_t r = 0; r < a.m; ++r) {
        const float* hin = a.h_in[r];
        packed_product(a.w, G, h, h, a.b_hh, hin, ph.data());
        float* px = a.px ? a.px[r] : pxv.data();
        if (a.x) packed_product(a.w_x, G, h, a.i, a.b_ih, a.x[r], px);
        const bool train = a.aux != nullptr;
        float* gout = train ? px : gates.data();
        float* aout = train ? a.aux[r] : aux.data();
        float* y = a.y ? a.y[r] : nullptr;
        if (G == 4) lstm_units(px, ph.data(), a.c[r], gout, aout, a.c[r], a.h_out[r], y, h, a.j0, j1);
        else gru_units(px, ph.data(), a.h_cell ? a.h_cell[r] : hin, gout, aout, a.h_out[r], y, h, a.j0, j1);
    }
}

}  // namespace

const kernels ref_kernels = {"scalar",        &lstm_forward,    &lstm_backward, &gru_forward, &gru_backward,
                             &fused_step<4>, &fused_step<3>};

}  // namespace nn::rnn
