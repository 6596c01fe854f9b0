// Fuzzes the recurrent entry points: nn_rnn_workspace_size / nn_rnn_stack_workspace_size,
// single-layer nn_rnn_forward / nn_rnn_backward (LSTM and GRU, both directions, batch_first,
// per-sequence lengths, optional h0/c0/biases/gradients) against the scalar reference, and the
// stack (layers, bidirectional) forward + backward on exactly-sized buffers. Hostile
// descriptors, lengths outside [0, T] and NULL weights must be refused.
#include <cstring>
#include <vector>

#include "fuzz_input.h"
#include "ref/rnn_ref.h"

using namespace nn_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    input in(data, size);
    set_threads(in);
    const bool stack = in.flag();
    const int stage = in.choice(3);  // 0: workspace size only, 1: forward, 2: forward + backward
    nn_rnn_desc d{};
    d.cell = static_cast<nn_rnn_cell>(in.code(2));
    d.batch_first = in.code(2);
    d.seq_len = in.size(1, 6);
    d.batch = in.size(1, 4);
    d.input_size = in.size(1, 6);
    d.hidden_size = in.size(1, 9);
    d.num_layers = stack ? static_cast<int32_t>(int64_t{in.code(3)} + (in.choice(8) ? 1 : 0)) : (in.choice(16) ? 1 : 2);
    d.bidirectional = stack ? in.code(2) : (in.choice(16) ? 0 : 1);
    d.reverse = stack ? (in.choice(16) ? 0 : 1) : in.code(2);
    // float32 (the results are checked against the float32 reference below) or invalid.
    const int32_t precision = in.choice(32) ? int32_t{NN_RNN_FLOAT32} : 7;
    std::memcpy(&d.precision, &precision, sizeof precision);  // as a C# caller could store it
    const bool with_lengths = in.flag(), bias_on = in.flag(), h0_on = in.flag(), out_state_on = in.flag();
    const bool grads_on = in.flag();
    const int bad_length = in.choice(8);  // 1: one length outside [0, T]
    const int null_arg = in.choice(10);   // 1: x, 2: a weight, 3: y / dx, 4: workspace
    const uint32_t seed = in.u32();
    const char* call = stack ? (stage == 0 ? "nn_rnn_stack_workspace_size" : stage == 1 ? "nn_rnn_stack_forward" : "nn_rnn_stack_backward")
                             : (stage == 0 ? "nn_rnn_workspace_size" : stage == 1 ? "nn_rnn_forward" : "nn_rnn_backward");

    std::string why;
    if (d.cell != 0 && d.cell != 1) why = "cell";
    else if (d.batch_first != 0 && d.batch_first != 1) why = "batch_first";
    else if (d.seq_len < 1 || d.batch < 1 || d.input_size < 1 || d.hidden_size < 1) why = "a size < 1";
    else if (stack && (d.num_layers < 1 || d.num_layers > 1024)) why = "num_layers";
    else if (stack && d.bidirectional != 0 && d.bidirectional != 1) why = "bidirectional";
    else if (stack && d.reverse != 0) why = "reverse in a stack";
    else if (!stack && (d.num_layers != 1 || d.bidirectional != 0)) why = "layers / bidirectional in a single-layer call";
    else if (!stack && d.reverse != 0 && d.reverse != 1) why = "reverse";
    else if (precision != NN_RNN_FLOAT32 && precision != NN_RNN_BF16) why = "precision";
    const int64_t G = d.cell == NN_RNN_LSTM ? 4 : 3, T = d.seq_len, B = d.batch, I = d.input_size, H = d.hidden_size;
    const int64_t D = d.bidirectional ? 2 : 1, L = d.num_layers;
    count x_n, y_n, state_n, ws_n, w_in_max;
    std::vector<count> w_ih_n;
    if (why.empty()) {
        x_n = count(T) * B * I;
        const count one_ws = (count(T) * B * (G + 3) + count(B) * (2 * G + 5)) * H;
        if (stack) {
            y_n = count(T) * B * D * H;
            state_n = count(L) * D * B * H;
            ws_n = one_ws * (L * D) + (L > 1 ? count(L + 1) * T * B * D * H : count(0));
            for (int64_t l = 0; l < L; ++l) w_ih_n.push_back(count(G) * H * (l == 0 ? count(I) : count(D) * H));
        } else {
            y_n = count(T) * B * H;
            state_n = count(B) * H;
            ws_n = one_ws;
            w_ih_n.push_back(count(G) * H * I);
        }
        count all = x_n + y_n + state_n + ws_n + count(G) * H * H;
        for (const count& c : w_ih_n) all = all + c;
        if (all.overflow) why = "a size product overflows int64";
    }
    std::vector<int64_t> lengths(static_cast<size_t>(B > 0 && B < 64 ? B : 1));
    for (size_t b = 0; b < lengths.size(); ++b) lengths[b] = (seed >> (b * 3)) % (T > 0 && T < 64 ? T + 1 : 1);
    // Only a lengths array the call actually receives can make it invalid: for a (hostile) batch
    // of 64 or more no array is passed (see below), so the descriptor stays valid.
    const bool lengths_passed = with_lengths && B == static_cast<int64_t>(lengths.size());
    if (why.empty() && stage != 0 && lengths_passed && bad_length == 1) {
        lengths[seed % lengths.size()] = (seed & 8) ? T + 1 : -1;
        why = "a length outside [0, T]";
    }
    if (why.empty() && stage != 0 && null_arg >= 1 && null_arg <= 4) why = "a required pointer is NULL";

    if (stage == 0) {
        int64_t floats = -1;
        nn_status s = stack ? nn_rnn_stack_workspace_size(&d, &floats) : nn_rnn_workspace_size(&d, &floats);
        if (!why.empty()) {
            expect_error(s, call, why);
        } else {
            expect_ok(s, call);
            if (floats != ws_n.value) fail(std::string(call) + " disagrees with the documented formula");
        }
        return 0;
    }
    const int64_t pairs = stack ? L * D : 1;
    if (!why.empty()) {
        // Only descriptors small enough for the lengths array get it; decoys for the rest.
        auto a = decoy(), w = decoy(), y = decoy(), ws = decoy();
        const float* xp = null_arg == 1 ? nullptr : a.get();
        const float* wp = null_arg == 2 ? nullptr : w.get();
        float* yp = null_arg == 3 ? nullptr : y.get();
        float* wsp = null_arg == 4 ? nullptr : ws.get();
        const int64_t* lp = lengths_passed ? lengths.data() : nullptr;
        std::vector<const float*> params(static_cast<size_t>(pairs > 0 && pairs <= 2048 ? 4 * pairs : 4), w.get());
        std::vector<float*> grads(params.size(), y.get());
        if (null_arg == 2) params[1] = nullptr;
        nn_status s;
        if (stack && stage == 1) s = nn_rnn_stack_forward(&d, xp, params.data(), nullptr, nullptr, lp, yp, nullptr, nullptr, wsp);
        else if (stack) s = nn_rnn_stack_backward(&d, xp, params.data(), nullptr, nullptr, lp, wsp, nullptr, nullptr, nullptr, yp, nullptr, nullptr, grads.data());
        else if (stage == 1) s = nn_rnn_forward(&d, xp, wp, w.get(), nullptr, nullptr, nullptr, nullptr, lp, yp, nullptr, nullptr, wsp);
        else s = nn_rnn_backward(&d, xp, wp, w.get(), nullptr, nullptr, lp, wsp, nullptr, nullptr, nullptr, yp, nullptr, nullptr, y.get(), y.get(), nullptr, nullptr);
        expect_error(s, call, why);
        return 0;
    }
    count all = x_n * 2 + y_n * 2 + state_n * 4 + ws_n;
    for (const count& c : w_ih_n) all = all + c * (2 * D) + count(G) * H * (H + 2) * (2 * D);
    if (!all.fits()) return 0;

    const int64_t* lp = lengths_passed ? lengths.data() : nullptr;
    buffer<float> x(x_n.value, seed), y(y_n.value, 5), h_n(out_state_on ? state_n.value : 0, 6),
        c_n(out_state_on ? state_n.value : 0, 7), ws(ws_n.value, 8);
    buffer<float> h0(h0_on ? state_n.value : 0, seed + 1), c0(h0_on ? state_n.value : 0, seed + 2);
    std::vector<buffer<float>> weights, grads;
    std::vector<const float*> params;
    std::vector<float*> grad_ptrs;
    for (int64_t l = 0; l < (stack ? L : 1); ++l)
        for (int64_t dir = 0; dir < (stack ? D : 1); ++dir) {
            const int64_t sizes[4] = {w_ih_n[l].value, G * H * H, bias_on ? G * H : 0, bias_on ? G * H : 0};
            for (int k = 0; k < 4; ++k) {
                weights.emplace_back(sizes[k], seed + 10 + static_cast<uint32_t>(weights.size()));
                grads.emplace_back(k < 2 || grads_on ? sizes[k] : 0, 3);
            }
        }
    for (auto& w : weights) params.push_back(w.get());
    for (auto& g : grads) grad_ptrs.push_back(g.get());
    float* cn = d.cell == NN_RNN_LSTM ? c_n.get() : nullptr;
    const float* c0p = d.cell == NN_RNN_LSTM ? c0.get() : nullptr;

    if (stack) {
        expect_ok(nn_rnn_stack_forward(&d, x.get(), params.data(), h0.get(), c0p, lp, y.get(), h_n.get(), cn, ws.get()),
                  "nn_rnn_stack_forward");
    } else {
        buffer<float> want_y(y_n.value), want_h(state_n.value), want_c(state_n.value);
        nn::rnn::ref::forward<float>(d, x.get(), params[0], params[1], params[2], params[3], h0.get(), c0p, lp,
                                     want_y.get(), want_h.get(), want_c.get());
        expect_ok(nn_rnn_forward(&d, x.get(), params[0], params[1], params[2], params[3], h0.get(), c0p, lp, y.get(),
                                 h_n.get(), cn, ws.get()),
                  "nn_rnn_forward");
        const float tol = 2e-5f * static_cast<float>(I + H + 4);
        expect_close(y.get(), want_y.get(), y_n.value, 1e-4f, tol, "nn_rnn_forward y");
        if (out_state_on) expect_close(h_n.get(), want_h.get(), state_n.value, 1e-4f, tol, "nn_rnn_forward h_n");
        if (out_state_on && cn) expect_close(cn, want_c.get(), state_n.value, 1e-4f, tol, "nn_rnn_forward c_n");
    }
    // y past each sequence's length is zero (packed-sequence semantics), in every direction.
    if (lp) {
        const int64_t width = y_n.value / (T * B);
        for (int64_t t = 0; t < T; ++t)
            for (int64_t b = 0; b < B; ++b) {
                if (t < lp[b]) continue;
                const int64_t row = d.batch_first ? b * T + t : t * B + b;
                for (int64_t j = 0; j < width; ++j)
                    if (y[row * width + j] != 0.0f) fail(std::string(call) + ": y past a sequence's length is not 0");
            }
    }
    if (stage == 1) return 0;

    buffer<float> dy(y_n.value, seed + 3), dh_n(state_n.value, seed + 4), dc_n(state_n.value, seed + 5);
    buffer<float> dx(x_n.value, 9), dh0(grads_on ? state_n.value : 0, 1), dc0(grads_on ? state_n.value : 0, 2);
    const float* dcn = d.cell == NN_RNN_LSTM ? dc_n.get() : nullptr;
    float* dc0p = d.cell == NN_RNN_LSTM ? dc0.get() : nullptr;
    if (stack) {
        expect_ok(nn_rnn_stack_backward(&d, x.get(), params.data(), h0.get(), c0p, lp, ws.get(), dy.get(), dh_n.get(),
                                        dcn, dx.get(), dh0.get(), dc0p, grad_ptrs.data()),
                  "nn_rnn_stack_backward");
        return 0;
    }
    const int64_t wih = w_ih_n[0].value, whh = G * H * H, gb = G * H;
    buffer<float> w_dx(x_n.value), w_dh0(state_n.value), w_dc0(state_n.value), w_dwih(wih), w_dwhh(whh), w_dbih(gb),
        w_dbhh(gb);
    nn::rnn::ref::backward<float>(d, x.get(), params[0], params[1], params[2], params[3], h0.get(), c0p, lp, dy.get(),
                                  dh_n.get(), dcn, w_dx.get(), w_dh0.get(), w_dc0.get(), w_dwih.get(), w_dwhh.get(),
                                  w_dbih.get(), w_dbhh.get());
    expect_ok(nn_rnn_backward(&d, x.get(), params[0], params[1], h0.get(), c0p, lp, ws.get(), dy.get(), dh_n.get(), dcn,
                              dx.get(), dh0.get(), dc0p, grad_ptrs[0], grad_ptrs[1], grad_ptrs[2], grad_ptrs[3]),
              "nn_rnn_backward");
    const float tol = 1e-4f * static_cast<float>(T * B + I + H + 4);
    expect_close(dx.get(), w_dx.get(), x_n.value, 1e-3f, tol, "nn_rnn_backward dx");
    expect_close(grad_ptrs[0], w_dwih.get(), wih, 1e-3f, tol, "nn_rnn_backward dw_ih");
    expect_close(grad_ptrs[1], w_dwhh.get(), whh, 1e-3f, tol, "nn_rnn_backward dw_hh");
    if (grads_on) {
        expect_close(dh0.get(), w_dh0.get(), state_n.value, 1e-3f, tol, "nn_rnn_backward dh0");
        if (dc0p) expect_close(dc0p, w_dc0.get(), state_n.value, 1e-3f, tol, "nn_rnn_backward dc0");
        if (bias_on) {
            expect_close(grad_ptrs[2], w_dbih.get(), gb, 1e-3f, tol, "nn_rnn_backward db_ih");
            expect_close(grad_ptrs[3], w_dbhh.get(), gb, 1e-3f, tol, "nn_rnn_backward db_hh");
        }
    }
    return 0;
}
