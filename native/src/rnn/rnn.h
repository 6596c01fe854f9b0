// Recurrent layers: the per-ISA fused gate kernels (one batch row of one time step) and the
// time-loop driver that wraps them around SGEMM. See nativenet.h (recurrent) for the ABI.
#pragma once
#include "nativenet.h"

#include <cstdint>

#include "runtime/kernel_table.h"

namespace nn::rnn {

// Hidden units per block of the gate-interleaved recurrent weight (gate_weight in
// rnn_step_gemm.h): for block jb, unit column k holds, gate after gate, the 16 weights of units
// jb*16 .. jb*16+15 (zero past h). One step tile then multiplies every gate of the same units,
// so the gate math runs on the accumulators while they are still in registers.
constexpr int64_t kUnitBlock = 16;

// One fused recurrent step for m batch rows: pre = px + h_in W_hh^T + b_hh, then the cell.
// Every member but h and m names per-row pointers (m of them), so the driver can hand over any
// subset of rows (finished sequences are left out) in any layout.
// The input side comes either precomputed (px: x W_ih^T + b_ih of every step, one GEMM before
// the loop; training, whose backward keeps those rows) or with the step (x, w_x, b_ih: the
// input projection folded into the same tile as extra columns of K; inference).
struct step_args {
    int64_t h;                 // hidden size
    int64_t m;                 // rows
    const float* w;            // W_hh in gate_weight's layout
    const float* b_hh;         // G*h floats, or null
    const float* const* h_in;  // h_{t-1} (h floats)
    float* const* px;          // x W_ih^T + b_ih (G*h), or null (then x); the activated gates when aux is set
    float* const* c;           // LSTM only: c_{t-1} in, c_t out (in place)
    float* const* h_out;       // h_t (must not alias any h_in row: other unit blocks still read it)
    float* const* y;           // h_t again; null: none
    float* const* aux;         // null: inference. Else LSTM c_t, GRU W_hn h + b_hn (what backward needs)
    const float* const* x = nullptr;  // x_t (i floats), or null (then px)
    int64_t i = 0;                    // input size (with x)
    const float* w_x = nullptr;       // W_ih in gate_weight's layout (with x)
    const float* b_ih = nullptr;      // G*h floats or null (with x)
    // GRU: h_{t-1} for the cell's z * h term, where h_in holds its bf16-rounded copy (the
    // product's operand); null: h_in.
    const float* const* h_cell = nullptr;
    // The units [j0, j1) this call computes (j0 a multiple of kUnitBlock; j1 past h: to h): a
    // step split across threads by units, where the batch is too small to split by rows.
    int64_t j0 = 0;
    int64_t j1 = INT64_MAX;
};

// Gate kernels for one batch row of one step, hidden size h. Every pointer names h floats (a
// gate block: G*h). In-place is allowed where noted: each SIMD lane loads all its inputs
// before it stores.
struct kernels {
    const char* isa;
    // LSTM forward. px: x W_ih^T + b_ih (4h), ph: h W_hh^T + b_hh (4h). Writes the activated
    // gates i, f, g, o to gates (may alias px), c' to c_out and c_state (c_state may alias c_prev),
    // h' = o * tanh(c') to h_state and y (y may be null).
    void (*lstm_forward)(const float* px, const float* ph, const float* c_prev, float* gates, float* c_out,
                         float* c_state, float* h_state, float* y, int64_t h);
    // LSTM backward. gates: activations from forward; c: c' of this step; dh = dh_carry + dy
    // (dy may be null); dc: carried dc' in, dc_prev out (in place). Writes the pre-activation
    // gate gradients to dgates (may alias gates) and to dgates_copy (dense per-step copy).
    void (*lstm_backward)(const float* gates, const float* c_prev, const float* c, const float* dh_carry,
                          const float* dy, float* dc, float* dgates, float* dgates_copy, int64_t h);
    // GRU forward. px: x W_ih^T + b_ih (3h), ph: h W_hh^T + b_hh (3h), h_prev. Writes gates r, z, n
    // (may alias px), ph_n (the n block of ph, needed by backward) to hn, h' to h_state (may alias
    // h_prev) and y (nullable).
    void (*gru_forward)(const float* px, const float* ph, const float* h_prev, float* gates, float* hn,
                        float* h_state, float* y, int64_t h);
    // GRU backward. dh = dh_carry + dy (dy nullable). Writes input-side gate gradients
    // (dr, dz, dn) to dgates (may alias gates), hidden-side (dr, dz, dn * r) to dgates_h (3h,
    // dense per step), dn * r also to dhn (may alias hn), and z * dh to dh_prev.
    void (*gru_backward)(const float* gates, const float* hn, const float* h_prev, const float* dh_carry,
                         const float* dy, float* dgates, float* dgates_h, float* dhn, float* dh_prev, int64_t h);    // The fused forward steps (step_args): the recurrent product tile by tile with the cell
    // applied to each tile's accumulators, so the [m, G*h] product is never stored and re-read.
    void (*lstm_step)(const step_args& a);
    void (*gru_step)(const step_args& a);
};

NN_KERNEL_TABLES(kernels)

inline int64_t gate_count(nn_rnn_cell cell) { return cell == NN_RNN_LSTM ? 4 : 3; }

// Floats of workspace for one layer and direction (see nn_rnn_workspace_size), and for the
// inference call (nn_rnn_infer_workspace_size).
int64_t workspace_floats(const nn_rnn_desc& d);
int64_t infer_workspace_floats(const nn_rnn_desc& d);

// The inference weights (nn_rnn_pack): W_hh then W_ih, each in gate_weight's layout
// (rnn_step_gemm.h), infer_pack_floats(d) floats in all.
int64_t infer_pack_floats(const nn_rnn_desc& d);
void infer_pack(const nn_rnn_desc& d, const float* w_ih, const float* w_hh, float* packed);

// The drivers; arguments already validated (single layer, one direction). Rows of x / dx are
// ldx floats apart, rows of y / dy ldy apart (a direction's half of a bidirectional output).
// dx_accumulate: dx += instead of dx = (the second direction of a bidirectional layer).
// train: w_ih and w_hh are read, and ws is nn_rnn_forward's workspace and keeps what backward
// needs; else packed holds both weights as infer_pack laid them out, and ws is nn_rnn_infer's.
void forward(const nn_rnn_desc& d, const float* x, int64_t ldx, const float* w_ih, const float* w_hh,
             const float* packed, const float* b_ih, const float* b_hh, const float* h0, const float* c0,
             const int64_t* lengths, float* y, int64_t ldy, float* h_n, float* c_n, float* ws, bool train);
void backward(const nn_rnn_desc& d, const float* x, int64_t ldx, const float* w_ih, const float* w_hh,
              const float* h0, const float* c0, const int64_t* lengths, float* ws, const float* dy, int64_t ldy,
              const float* dh_n, const float* dc_n, float* dx, bool dx_accumulate, float* dh0, float* dc0,
              float* dw_ih, float* dw_hh, float* db_ih, float* db_hh);

// Multi-layer / bidirectional composition (PyTorch nn.LSTM / nn.GRU) over the primitives.
// params: 4 pointers per (layer, direction), layer-major, forward first: w_ih, w_hh, b_ih, b_hh.
int64_t stack_workspace_floats(const nn_rnn_desc& d);
void stack_forward(const nn_rnn_desc& d, const float* x, const float* const* params, const float* h0,
                   const float* c0, const int64_t* lengths, float* y, float* h_n, float* c_n, float* ws);
void stack_backward(const nn_rnn_desc& d, const float* x, const float* const* params, const float* h0,
                    const float* c0, const int64_t* lengths, float* ws, const float* dy, const float* dh_n,
                    const float* dc_n, float* dx, float* dh0, float* dc0, float* const* grads);

}  // namespace nn::rnn
