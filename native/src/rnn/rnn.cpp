// Recurrent layer driver: SGEMM for everything that is a matrix product, the fused per-ISA gate
// kernels for the rest.
//   forward : one GEMM projects every step's input (x W_ih^T + b_ih); per step one fused step
//             kernel computes h W_hh^T + b_hh tile by tile (W_hh packed gate-interleaved once,
//             rnn_step_gemm.h) and applies the cell to each tile's accumulators. Inference
//             (nn_rnn_infer) folds the input projection into the same tiles instead.
//   backward: per step the fused gate-gradient kernel, then one GEMM dh_{t-1} = dG_h W_hh;
//             after the loop dx, dW_ih, dW_hh are each one GEMM over all T*B rows (the gate
//             gradients overwrite the stored activations row by row) and db a column sum.
// bf16 (desc.precision): the same products on bf16-rounded operands through the bf16 GEMM
// (bf16/bf16.h), float32 sums; in the time loop the step kernels multiply weights rounded once
// when packed by a rounded copy of each step's h_{t-1} (and x_t at inference), while the cell
// reads the float32 state. Everything else (gates, c, h, biases, reductions) stays float32.
// Threads: sequences are independent through time, so the time loop runs once per thread on a
// contiguous block of batch rows, with no barrier per step (a per-step fork/join costs more
// than a step of a small layer, and stalls badly when another process holds a core). Where
// that leaves each thread few rows, or a step's weights exceed L2, each step is split by unit
// blocks instead, one fork/join a step (plan::unit_threads). Each GEMM row and each unit
// depends only on its own inputs and K, so any split gives bitwise equal results.
// The whole-sequence GEMMs before and after the loop use the pool as usual.
// Rows of every [T*B, *] matrix follow x's layout (time-major or batch-first), so x, y and the
// workspace matrices share one row index and the weight gradients need no reordering.
#include "rnn/rnn.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <vector>

#include "bf16/bf16.h"
#include "gemm/gemm.h"
#include "rnn/rnn_step_gemm.h"
#include "runtime/cpu.h"
#include "runtime/error.h"
#include "runtime/threadpool.h"

namespace nn::rnn {
namespace {

// A thread's block of batch rows must carry at least this many multiply-adds per step of
// the recurrent GEMM, else one thread runs the whole loop.
constexpr int64_t kStepWorkPerThread = 1 << 16;
// A step of at least this many multiply-adds may be split by units, with a fork/join per step
// (about 1 µs of a step at one thread; the pool's worker spins between steps).
constexpr int64_t kUnitSplitWork = 1 << 17;
// Below this many batch rows per thread a split by rows leaves the step tiles short (6 rows
// fill AVX-512's), and a split by units, every row in each thread's tiles, runs faster.
constexpr int64_t kRowsPerThread = 4;

struct plan {
    int64_t T, B, I, H, G, GH, R;
    bool lstm, batch_first, reverse;
    const int64_t* lengths;
    // Workspace: the [R, *] matrices carried from forward to backward, then per-step buffers.
    float *gates, *h_prev, *aux, *c_prev;  // aux: LSTM c_t, GRU W_hn h + b_hn (bwd: dn * r)
    float *hh, *dgh, *h, *c, *dh, *dh2, *dc;

    // train: the workspace of nn_rnn_forward / nn_rnn_backward; else nn_rnn_infer's (h, hh, c
    // only: nothing is kept for a backward pass, and the input projection runs with the step).
    plan(const nn_rnn_desc& d, const int64_t* len, float* ws, bool train = true)
        : T(d.seq_len), B(d.batch), I(d.input_size), H(d.hidden_size), G(gate_count(d.cell)), GH(G * H),
          R(T * B), lstm(d.cell == NN_RNN_LSTM), batch_first(d.batch_first != 0), reverse(d.reverse != 0),
          lengths(len) {
        gates = ws;
        if (!train) {
            gates = h_prev = aux = c_prev = dgh = dh = dh2 = dc = nullptr;
            h = ws;
            hh = h + B * H;
            c = hh + B * H;
            return;
        }
        h_prev = gates + R * GH;
        aux = h_prev + R * H;
        c_prev = aux + R * H;
        hh = c_prev + R * H;
        dgh = hh + B * GH;
        h = dgh + B * GH;
        c = h + B * H;
        dh = c + B * H;
        dh2 = dh + B * H;
        dc = dh2 + B * H;
    }
    int64_t len(int64_t b) const { return lengths ? lengths[b] : T; }
    int64_t row(int64_t t, int64_t b) const { return batch_first ? b * T + t : t * B + b; }
    // Row that sequence b processes at step s (s < len(b)).
    int64_t step_row(int64_t s, int64_t b) const { return row(reverse ? len(b) - 1 - s : s, b); }
    int64_t max_len() const {
        int64_t m = 0;
        for (int64_t b = 0; b < B; ++b) m = std::max(m, len(b));
        return m;
    }
    // Rows [b0, end) of the block [b0, b1) hold every sequence of the block running at step s.
    int64_t active_end(int64_t s, int64_t b0, int64_t b1) const {
        if (!lengths) return b1;
        int64_t e = b0;
        for (int64_t b = b0; b < b1; ++b)
            if (lengths[b] > s) e = b + 1;
        return e;
    }
    // Zeroes the rows of an [R, cols] matrix that lie past their sequence's length.
    void zero_padding(float* m, int64_t cols, int64_t ld) const {
        if (!lengths) return;
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = lengths[b]; t < T; ++t) std::memset(m + row(t, b) * ld, 0, sizeof(float) * cols);
    }
    // Blocks of batch rows the time loop may run on, one per thread.
    int64_t row_blocks() const {
        return std::max<int64_t>(1, std::min<int64_t>({B, (B * GH * H) / kStepWorkPerThread, 1024}));
    }
    // Threads that share each step by units (1: the time loop splits by rows, or runs on one
    // thread). Units where a step (with_input: the input projection folded in) pays a fork/join
    // and either the rows per thread are few, or the step's weights exceed L2: split by rows,
    // each thread would stream all of them from L3 every step; split by units, each streams
    // its share, which may fit its L2. 2 threads, Emerald Rapids, nn_rnn_infer LSTM, T = 50,
    // I = 64, wall best of 15: H = 512 (4.7 MB of weights), B = 2: 5.2 -> 2.7 ms, B = 16:
    // 9.6 -> 7.7, B = 64: 23.0 -> 21.5; H = 256, B = 6: 2.6 -> 1.3, B = 8: 0.97 against 1.10
    // (rows kept).
    int unit_threads(bool with_input) const {
        const int threads = nn::threads_here();
        const int64_t k = H + (with_input ? I : 0);
        if (threads < 2 || B * GH * k < kUnitSplitWork) return 1;
        const int64_t l2 = nn::l2_cache_bytes() > 0 ? nn::l2_cache_bytes() : int64_t{1} << 20;
        if (B >= kRowsPerThread * threads && GH * k * static_cast<int64_t>(sizeof(float)) <= l2) return 1;
        return static_cast<int>(std::min<int64_t>(threads, (H + kUnitBlock - 1) / kUnitBlock));
    }
    // Runs fn(b0, b1) once per thread on contiguous blocks of batch rows.
    template <class Fn>
    void batch_blocks(Fn&& fn) const {
        nn::parallel_run(static_cast<int>(row_blocks()), [&](int tid, int n) {
            const int64_t b0 = B * tid / n, b1 = B * (tid + 1) / n;
            if (b0 < b1) fn(b0, b1);
        });
    }
};

bool is_bf16(const nn_rnn_desc& d) { return d.precision == NN_RNN_BF16; }

// C = op(A) op(B) + beta C (+ epilogue) over the pool: the float32 SGEMM, or with bf16 the bf16
// GEMM (both operands rounded, float32 sums; its product path follows bf16::products_choice()).
void product(bool bf16, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
             const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const gemm::epilogue& ep = gemm::epilogue{}) {
    if (bf16) bf16::gemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc, ep);
    else gemm::sgemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc, ep);
}

// out[j] = sum over rows r of m[r * ld + j], j < cols; fixed summation order, any thread count.
void column_sum(const float* m, int64_t rows, int64_t cols, int64_t ld, float* out) {
    nn::parallel_for(cols, 256, [&](int64_t lo, int64_t hi) {
        for (int64_t j = lo; j < hi; ++j) out[j] = 0.0f;
        for (int64_t r = 0; r < rows; ++r) {
            const float* p = m + r * ld;
            for (int64_t j = lo; j < hi; ++j) out[j] += p[j];
        }
    });
}

}  // namespace

int64_t workspace_floats(const nn_rnn_desc& d) {
    const int64_t G = gate_count(d.cell), H = d.hidden_size, B = d.batch;
    return (d.seq_len * B * (G + 3) + B * (2 * G + 5)) * H;
}

int64_t infer_workspace_floats(const nn_rnn_desc& d) {
    return 3 * d.batch * d.hidden_size;
}

// Checked: H rounded up to whole blocks times G * (H + I) may pass INT64_MAX where each of the
// products check_desc tests fits.
int64_t infer_pack_floats(const nn_rnn_desc& d) {
    const int64_t G = gate_count(d.cell), H = d.hidden_size, I = d.input_size;
    const int64_t padded = checked_mul(H / kUnitBlock + (H % kUnitBlock != 0), kUnitBlock, "hidden_size rounded up to 16");
    if (I > INT64_MAX - H) invalid_argument("hidden_size + input_size overflows int64. Received: ", H, " + ", I);
    return checked_mul(checked_mul(padded, G, "gates * padded hidden_size"), H + I, "packed weights size");
}

void infer_pack(const nn_rnn_desc& d, const float* w_ih, const float* w_hh, float* packed) {
    const int64_t G = gate_count(d.cell), H = d.hidden_size;
    gate_weight::pack(G, H, H, w_hh, packed, is_bf16(d));
    gate_weight::pack(G, H, d.input_size, w_ih, packed + gate_weight::floats(G, H, H), is_bf16(d));
}

void forward(const nn_rnn_desc& d, const float* x, int64_t ldx, const float* w_ih, const float* w_hh,
             const float* packed, const float* b_ih, const float* b_hh, const float* h0, const float* c0,
             const int64_t* lengths, float* y, int64_t ldy, float* h_n, float* c_n, float* ws, bool train) {
    const kernels& k = active();
    plan p(d, lengths, ws, train);
    const int64_t H = p.H, GH = p.GH;
    const bool bf = is_bf16(d);
    // Training: the input projection of every step at once (backward keeps its rows for the gate
    // activations), and W_hh packed here. Inference: both weights come packed (infer_pack), and
    // W_ih is multiplied inside each step's tiles, so no [T*B, G*H] matrix is written and read back.
    std::unique_ptr<gate_weight> packed_here;
    const float* packed_hh = packed;
    const float* packed_ih = nullptr;
    if (train) {
        gemm::epilogue ep_ih{b_ih, b_ih ? gemm::bias_mode::per_col : gemm::bias_mode::none};
        product(bf, false, true, p.R, GH, p.I, x, ldx, w_ih, p.I, 0.0f, p.gates, GH, ep_ih);
        packed_here = std::make_unique<gate_weight>(p.G, H, H, w_hh, bf);
        packed_hh = packed_here->data();
    } else {
        packed_ih = packed + gate_weight::floats(p.G, H, H);
    }
    const size_t state_bytes = sizeof(float) * static_cast<size_t>(p.B * H);
    if (h0) std::memcpy(p.h, h0, state_bytes); else std::memset(p.h, 0, state_bytes);
    if (p.lstm) {
        if (c0) std::memcpy(p.c, c0, state_bytes); else std::memset(p.c, 0, state_bytes);
    }
    p.zero_padding(y, H, ldy);
    const int64_t steps = p.max_len();
    void (*const step)(const step_args&) = p.lstm ? k.lstm_step : k.gru_step;
    // Split by units: each thread takes whole blocks of kUnitBlock units of every step, so each
    // unit is computed as the one-thread step computes it (same bits).
    const int unit_threads = p.unit_threads(!train);
    auto run_step = [&](const step_args& a) {
        if (unit_threads < 2) return step(a);
        const int64_t blocks = (H + kUnitBlock - 1) / kUnitBlock;
        nn::parallel_run(unit_threads, [&](int tid, int n) {
            step_args part = a;
            part.j0 = blocks * tid / n * kUnitBlock;
            part.j1 = blocks * (tid + 1) / n * kUnitBlock;
            if (part.j0 < part.j1) step(part);
        });
    };
    auto time_loop = [&](int64_t b0, int64_t b1) {
        // h_{t-1} and h_t alternate between p.h and p.hh (B*GH >= B*H floats): a step reads all
        // of h_{t-1} for every unit block, so h_t cannot be written in place.
        float* h_cur = p.h;
        float* h_next = p.hh;
        const size_t rows = static_cast<size_t>(b1 - b0);
        std::vector<const float*> h_in(rows), xr(rows);
        std::vector<float*> px(rows), c(rows), h_out(rows), yr(rows), aux(rows);
        // bf16: the products' operands h_{t-1} (and x_t at inference) rounded row by row; the
        // cell keeps reading the float32 h_{t-1} (h_cell).
        std::vector<const float*> h_cell(bf ? rows : 0);
        std::vector<float> h_round(bf ? rows * static_cast<size_t>(H) : 0),
            x_round(bf && !train ? rows * static_cast<size_t>(p.I) : 0);
        const bf16::kernels* rk = bf ? &bf16::active() : nullptr;
        for (int64_t s = 0; s < steps; ++s) {
            size_t m = 0;
            for (int64_t b = b0; b < b1; ++b) {
                if (p.len(b) <= s) {  // finished: its state stays frozen
                    std::memcpy(h_next + b * H, h_cur + b * H, sizeof(float) * H);
                    continue;
                }
                const int64_t r = p.step_row(s, b);
                if (train) {  // the state this step starts from, for backward
                    std::memcpy(p.h_prev + r * H, h_cur + b * H, sizeof(float) * H);
                    if (p.lstm) std::memcpy(p.c_prev + r * H, p.c + b * H, sizeof(float) * H);
                    aux[m] = p.aux + r * H;
                }
                h_in[m] = h_cur + b * H;
                if (train) px[m] = p.gates + r * GH;
                else xr[m] = x + r * ldx;
                if (bf) {
                    h_cell[m] = h_in[m];
                    float* hr = h_round.data() + m * static_cast<size_t>(H);
                    rk->round(h_in[m], hr, H);
                    h_in[m] = hr;
                    if (!train) {
                        float* xq = x_round.data() + m * static_cast<size_t>(p.I);
                        rk->round(xr[m], xq, p.I);
                        xr[m] = xq;
                    }
                }
                c[m] = p.c + b * H;
                h_out[m] = h_next + b * H;
                yr[m] = y + r * ldy;
                ++m;
            }
            if (m > 0) {
                step_args a{H, static_cast<int64_t>(m), packed_hh, b_hh, h_in.data(), px.data(), c.data(),
                            h_out.data(), yr.data(), aux.data()};
                if (!train) {
                    a.px = a.aux = nullptr;
                    a.x = xr.data(), a.i = p.I, a.w_x = packed_ih, a.b_ih = b_ih;
                }
                if (bf) a.h_cell = h_cell.data();
                run_step(a);
            }
            std::swap(h_cur, h_next);
        }
        if (h_cur != p.h) std::memcpy(p.h + b0 * H, h_cur + b0 * H, sizeof(float) * H * rows);
    };
    if (unit_threads > 1) time_loop(0, p.B);
    else p.batch_blocks(time_loop);
    if (h_n) std::memcpy(h_n, p.h, state_bytes);
    if (c_n && p.lstm) std::memcpy(c_n, p.c, state_bytes);
}

void backward(const nn_rnn_desc& d, const float* x, int64_t ldx, const float* w_ih, const float* w_hh,
              const float* h0, const float* c0, const int64_t* lengths, float* ws, const float* dy, int64_t ldy,
              const float* dh_n, const float* dc_n, float* dx, bool dx_accumulate, float* dh0, float* dc0, float* dw_ih, float* dw_hh, float* db_ih,
              float* db_hh) {
    (void)h0, (void)c0;  // their values live in the workspace (h_prev / c_prev of each first step)
    const kernels& k = active();
    plan p(d, lengths, ws);
    const int64_t H = p.H, GH = p.GH;
    const bool bf = is_bf16(d);
    const size_t state_bytes = sizeof(float) * static_cast<size_t>(p.B * H);
    if (dh_n) std::memcpy(p.dh, dh_n, state_bytes); else std::memset(p.dh, 0, state_bytes);
    if (p.lstm) {
        if (dc_n) std::memcpy(p.dc, dc_n, state_bytes); else std::memset(p.dc, 0, state_bytes);
    }
    const step_weight w(false, GH, H, w_hh, H, bf);
    const int64_t steps = p.max_len();
    // Per block, dh / dh2 alternate as the carried gradient; after an odd number of steps the
    // result sits in dh2 (same parity for every block, steps is global).
    p.batch_blocks([&](int64_t b0, int64_t b1) {
        float* dh = p.dh;
        float* dh2 = p.dh2;
        for (int64_t s = steps - 1; s >= 0; --s) {
            const int64_t e = p.active_end(s, b0, b1);
            for (int64_t b = b0; b < b1; ++b) {
                float* dhb = dh + b * H;
                float* dh2b = dh2 + b * H;
                if (p.len(b) <= s) {  // not running at this step: its gradient passes through untouched
                    if (b < e) std::memset(p.dgh + b * GH, 0, sizeof(float) * GH);
                    std::memcpy(dh2b, dhb, sizeof(float) * H);
                    continue;
                }
                const int64_t r = p.step_row(s, b);
                float* g = p.gates + r * GH;
                const float* dyr = dy ? dy + r * ldy : nullptr;
                if (p.lstm) {
                    k.lstm_backward(g, p.c_prev + r * H, p.aux + r * H, dhb, dyr, p.dc + b * H, g, p.dgh + b * GH,
                                    H);
                    std::memset(dh2b, 0, sizeof(float) * H);
                } else {
                    k.gru_backward(g, p.aux + r * H, p.h_prev + r * H, dhb, dyr, g, p.dgh + b * GH, p.aux + r * H,
                                   dh2b, H);
                }
            }
            // dh_{t-1} += dG_h W_hh for the running rows.
            w.multiply(e - b0, p.dgh + b0 * GH, GH, 1.0f, dh2 + b0 * H, H);
            std::swap(dh, dh2);
        }
    });
    if (steps % 2 == 1) std::swap(p.dh, p.dh2);
    if (dh0) std::memcpy(dh0, p.dh, state_bytes);
    if (dc0 && p.lstm) std::memcpy(dc0, p.dc, state_bytes);
    // Padded rows carry no gradient; clear what forward never wrote there.
    p.zero_padding(p.gates, GH, GH);
    p.zero_padding(p.h_prev, H, H);
    if (!p.lstm) p.zero_padding(p.aux, H, H);
    product(bf, false, false, p.R, p.I, GH, p.gates, GH, w_ih, p.I, dx_accumulate ? 1.0f : 0.0f, dx, ldx);
    product(bf, true, false, GH, p.I, p.R, p.gates, GH, x, ldx, 0.0f, dw_ih, p.I);
    if (p.lstm) {
        product(bf, true, false, GH, H, p.R, p.gates, GH, p.h_prev, H, 0.0f, dw_hh, H);
        if (db_ih) column_sum(p.gates, p.R, GH, GH, db_ih);
        if (db_hh) {
            if (db_ih) std::memcpy(db_hh, db_ih, sizeof(float) * GH);
            else column_sum(p.gates, p.R, GH, GH, db_hh);
        }
    } else {
        // Hidden side: r and z gradients equal the input side's; the n block is dn * r (in aux).
        product(bf, true, false, 2 * H, H, p.R, p.gates, GH, p.h_prev, H, 0.0f, dw_hh, H);
        product(bf, true, false, H, H, p.R, p.aux, H, p.h_prev, H, 0.0f, dw_hh + 2 * H * H, H);
        if (db_ih) column_sum(p.gates, p.R, GH, GH, db_ih);
        if (db_hh) {
            if (db_ih) std::memcpy(db_hh, db_ih, sizeof(float) * 2 * H);
            else column_sum(p.gates, p.R, 2 * H, GH, db_hh);
            column_sum(p.aux, p.R, H, H, db_hh + 2 * H);
        }
    }
}

}  // namespace nn::rnn
