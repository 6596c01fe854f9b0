// Multi-layer and bidirectional recurrent layers (PyTorch nn.LSTM / nn.GRU) composed from the
// single-layer, single-direction driver. Each direction writes its half of the layer output
// in place (row stride D*H), so no interleaving copies are made; the reverse direction's input
// gradient is added onto the forward direction's.
//
// Workspace: for each (layer, direction) one single-layer workspace (its size does not depend
// on the input width), then the outputs of layers 0..L-2 (the next layer's inputs, kept for
// backward), then two [T*B, D*H] buffers for the gradient w.r.t. a layer's input.
#include <algorithm>

#include "rnn/rnn.h"

namespace nn::rnn {
namespace {

struct stack_plan {
    nn_rnn_desc layer;  // one layer, one direction; input_size and reverse set per call
    int64_t L, D, H, R, I, one_ws;
    float *inter, *grad0, *grad1;

    stack_plan(const nn_rnn_desc& d, float* ws)
        : layer(d), L(d.num_layers), D(d.bidirectional ? 2 : 1), H(d.hidden_size), R(d.seq_len * d.batch),
          I(d.input_size) {
        layer.num_layers = 1;
        layer.bidirectional = 0;
        layer.reverse = 0;
        one_ws = workspace_floats(layer);
        inter = ws ? ws + L * D * one_ws : nullptr;
        grad0 = inter ? inter + (L - 1) * R * D * H : nullptr;
        grad1 = grad0 ? grad0 + R * D * H : nullptr;
    }
    nn_rnn_desc at(int64_t l, int64_t dir) const {
        nn_rnn_desc d = layer;
        d.input_size = l == 0 ? I : D * H;
        d.reverse = static_cast<int32_t>(dir);
        return d;
    }
    int64_t in_width(int64_t l) const { return l == 0 ? I : D * H; }
    int64_t state(int64_t l, int64_t dir) const { return (l * D + dir) * layer.batch * H; }
    float* ws_of(float* ws, int64_t l, int64_t dir) const { return ws + (l * D + dir) * one_ws; }
};

template <class T>
T* offset(T* p, int64_t n) { return p ? p + n : nullptr; }

}  // namespace

int64_t stack_workspace_floats(const nn_rnn_desc& d) {
    stack_plan p(d, nullptr);
    const int64_t extra = p.L > 1 ? (p.L - 1 + 2) * p.R * p.D * p.H : 0;
    return p.L * p.D * p.one_ws + extra;
}

void stack_forward(const nn_rnn_desc& d, const float* x, const float* const* params, const float* h0,
                   const float* c0, const int64_t* lengths, float* y, float* h_n, float* c_n, float* ws) {
    stack_plan p(d, ws);
    const int64_t DH = p.D * p.H;
    for (int64_t l = 0; l < p.L; ++l) {
        const float* in = l == 0 ? x : p.inter + (l - 1) * p.R * DH;
        float* out = l == p.L - 1 ? y : p.inter + l * p.R * DH;
        for (int64_t dir = 0; dir < p.D; ++dir) {
            const float* const* w = params + 4 * (l * p.D + dir);
            const int64_t s = p.state(l, dir);
            forward(p.at(l, dir), in, p.in_width(l), w[0], w[1], nullptr, w[2], w[3], offset(h0, s), offset(c0, s),
                    lengths, out + dir * p.H, DH, offset(h_n, s), offset(c_n, s), p.ws_of(ws, l, dir), true);
        }
    }
}

void stack_backward(const nn_rnn_desc& d, const float* x, const float* const* params, const float* h0,
                    const float* c0, const int64_t* lengths, float* ws, const float* dy, const float* dh_n,
                    const float* dc_n, float* dx, float* dh0, float* dc0, float* const* grads) {
    stack_plan p(d, ws);
    const int64_t DH = p.D * p.H;
    const float* dout = dy;  // gradient w.r.t. this layer's output
    for (int64_t l = p.L - 1; l >= 0; --l) {
        const float* in = l == 0 ? x : p.inter + (l - 1) * p.R * DH;
        float* din = l == 0 ? dx : ((l % 2) ? p.grad1 : p.grad0);
        for (int64_t dir = 0; dir < p.D; ++dir) {
            const float* const* w = params + 4 * (l * p.D + dir);
            float* const* g = grads + 4 * (l * p.D + dir);
            const int64_t s = p.state(l, dir);
            backward(p.at(l, dir), in, p.in_width(l), w[0], w[1], offset(h0, s), offset(c0, s), lengths,
                     p.ws_of(ws, l, dir), dout ? dout + dir * p.H : nullptr, DH, offset(dh_n, s), offset(dc_n, s),
                     din, dir > 0, offset(dh0, s), offset(dc0, s), g[0], g[1], g[2], g[3]);
        }
        dout = din;
    }
}

}  // namespace nn::rnn
