// Exported recurrent entry points: validate the descriptor and buffers, then run the driver.
#include <cstddef>
#include <cstring>
#include <string>

#include "nativenet.h"
#include "rnn/rnn.h"
#include "rnn/rnn_step_gemm.h"
#include "runtime/error.h"

// The C# side mirrors this struct field by field; its layout is part of the ABI.
static_assert(sizeof(nn_rnn_desc) == 56, "nn_rnn_desc layout changed");
static_assert(offsetof(nn_rnn_desc, seq_len) == 8 && offsetof(nn_rnn_desc, num_layers) == 40,
              "nn_rnn_desc layout changed");

namespace {

void check_flag(int32_t v, const char* name) {
    if (v != 0 && v != 1) nn::invalid_argument(name, " must be 0 or 1. Received: ", name, "=", v);
}

// Validates a descriptor: one layer and one direction, or (stack) a whole nn.LSTM / nn.GRU.
// Returns the single-layer workspace size in floats.
int64_t check_desc(const nn_rnn_desc* d, bool stack = false) {
    nn::check_not_null(d, "desc");
    // Read the enum as the int32 the caller stored: an out-of-range enum load is undefined in C++.
    int32_t cell = 0;
    static_assert(sizeof(d->cell) == sizeof(cell), "nn_rnn_cell must be 32-bit");
    std::memcpy(&cell, &d->cell, sizeof cell);
    if (cell != NN_RNN_LSTM && cell != NN_RNN_GRU)
        nn::invalid_argument("desc->cell must be NN_RNN_LSTM (0) or NN_RNN_GRU (1). Received: desc->cell=", cell);
    nn::check_positive(d->seq_len, "desc->seq_len");
    nn::check_positive(d->batch, "desc->batch");
    nn::check_positive(d->input_size, "desc->input_size");
    nn::check_positive(d->hidden_size, "desc->hidden_size");
    check_flag(d->batch_first, "desc->batch_first");
    check_flag(d->reverse, "desc->reverse");
    if (stack) {
        if (d->num_layers < 1 || d->num_layers > 1024)
            nn::invalid_argument("desc->num_layers must be in [1, 1024]. Received: desc->num_layers=", d->num_layers);
        check_flag(d->bidirectional, "desc->bidirectional");
        if (d->reverse != 0)
            nn::invalid_argument("desc->reverse must be 0 for a stack (use desc->bidirectional). Received: desc->reverse=",
                                 d->reverse);
    } else {
        if (d->num_layers != 1)
            nn::invalid_argument("desc->num_layers must be 1 for a single-layer call. Received: desc->num_layers=",
                                 d->num_layers);
        if (d->bidirectional != 0)
            nn::invalid_argument(
                "desc->bidirectional must be 0 for a single-direction call (use desc->reverse). Received: "
                "desc->bidirectional=",
                d->bidirectional);
    }
    int32_t precision = 0;
    static_assert(sizeof(d->precision) == sizeof(precision), "nn_rnn_precision must be 32-bit");
    std::memcpy(&precision, &d->precision, sizeof precision);
    if (precision != NN_RNN_FLOAT32 && precision != NN_RNN_BF16)
        nn::invalid_argument("desc->precision must be NN_RNN_FLOAT32 (0) or NN_RNN_BF16 (1). Received: desc->precision=",
                             precision);
    // Every product the driver forms, checked once so indexing cannot overflow.
    const int64_t G = nn::rnn::gate_count(d->cell);
    const int64_t rows = nn::checked_mul(d->seq_len, d->batch, "desc->seq_len * desc->batch");
    nn::checked_mul(rows, d->input_size, "seq_len * batch * input_size");
    int64_t stack_extra = 0;
    if (stack) {  // layers above the first read [T*B, D*H]; the stack keeps L+1 such matrices
        const int64_t dh = nn::checked_mul(d->bidirectional ? 2 : 1, d->hidden_size, "directions * hidden_size");
        nn::checked_mul(nn::checked_mul(G, d->hidden_size, "gates * hidden_size"), dh,
                        "gates * hidden_size * directions * hidden_size");
        stack_extra = nn::checked_mul(nn::checked_mul(rows, dh, "seq_len * batch * directions * hidden_size"),
                                      static_cast<int64_t>(d->num_layers) + 1, "stack workspace size");
    }
    const int64_t gh = nn::checked_mul(G, d->hidden_size, "gates * hidden_size");
    nn::checked_mul(gh, d->input_size, "gates * hidden_size * input_size");
    nn::checked_mul(gh, d->hidden_size, "gates * hidden_size * hidden_size");
    const int64_t per_row = nn::checked_mul(G + 3, d->hidden_size, "(gates + 3) * hidden_size");
    const int64_t big = nn::checked_mul(rows, per_row, "workspace size");
    const int64_t small = nn::checked_mul(d->batch, nn::checked_mul(2 * G + 5, d->hidden_size, "workspace size"),
                                          "workspace size");
    if (big > INT64_MAX - small) nn::invalid_argument("workspace size overflows int64. Received: ", big, " + ", small);
    const int64_t one = big + small;
    if (stack) {
        const int64_t layers = nn::checked_mul(one, 2 * static_cast<int64_t>(d->num_layers), "stack workspace size");
        if (layers > INT64_MAX - stack_extra) nn::invalid_argument("stack workspace size overflows int64");
    }
    return one;
}

// 4 pointers per (layer, direction): w_ih, w_hh (required), b_ih, b_hh (nullable).
void check_params(const nn_rnn_desc& d, const void* const* p, const char* name, const char* what) {
    nn::check_not_null(p, name);
    const int64_t n = static_cast<int64_t>(d.num_layers) * (d.bidirectional ? 2 : 1);
    for (int64_t i = 0; i < n; ++i)
        for (int k = 0; k < 2; ++k)
            if (p[4 * i + k] == nullptr)
                nn::invalid_argument(name, "[", 4 * i + k, "] (", k == 0 ? "w_ih" : "w_hh", " of layer ",
                                     i / (d.bidirectional ? 2 : 1), what, ") must not be null. Received: ", name, "[",
                                     4 * i + k, "]=NULL");
}

void check_lengths(const nn_rnn_desc& d, const int64_t* lengths) {
    if (!lengths) return;
    for (int64_t b = 0; b < d.batch; ++b)
        if (lengths[b] < 0 || lengths[b] > d.seq_len)
            nn::invalid_argument("lengths[", b, "] must be in [0, desc->seq_len=", d.seq_len, "]. Received: lengths[",
                                 b, "]=", lengths[b]);
}

// nn_rnn_forward (train: w_ih and w_hh, the workspace kept for backward) and nn_rnn_infer
// (packed): the checks, then the driver.
void run_forward(bool train, const nn_rnn_desc* desc, const float* x, const float* w_ih, const float* w_hh,
                 const float* packed, const float* b_ih, const float* b_hh, const float* h0, const float* c0,
                 const int64_t* lengths, float* y, float* h_n, float* c_n, float* workspace) {
    check_desc(desc);
    nn::check_not_null(x, "x");
    if (train) {
        nn::check_not_null(w_ih, "w_ih");
        nn::check_not_null(w_hh, "w_hh");
    } else {
        nn::check_not_null(packed, "packed");
        nn::rnn::infer_pack_floats(*desc);  // the layout's size fits int64
    }
    nn::check_not_null(y, "y");
    nn::check_not_null(workspace, "workspace");
    check_lengths(*desc, lengths);
    nn::rnn::forward(*desc, x, desc->input_size, w_ih, w_hh, packed, b_ih, b_hh, h0, c0, lengths, y,
                     desc->hidden_size, h_n, c_n, workspace, train);
}

}  // namespace

extern "C" {

NN_API nn_status nn_rnn_workspace_size(const nn_rnn_desc* desc, int64_t* floats) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(floats, "floats");
        *floats = check_desc(desc);
    });
}

NN_API nn_status nn_rnn_forward(const nn_rnn_desc* desc, const float* x, const float* w_ih, const float* w_hh,
                                const float* b_ih, const float* b_hh, const float* h0, const float* c0,
                                const int64_t* lengths, float* y, float* h_n, float* c_n, float* workspace) {
    return nn::guard(__func__, [&] {
        run_forward(true, desc, x, w_ih, w_hh, nullptr, b_ih, b_hh, h0, c0, lengths, y, h_n, c_n, workspace);
    });
}

NN_API nn_status nn_rnn_pack_size(const nn_rnn_desc* desc, int64_t* floats) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(floats, "floats");
        check_desc(desc);
        *floats = nn::rnn::infer_pack_floats(*desc);
    });
}

NN_API nn_status nn_rnn_pack(const nn_rnn_desc* desc, const float* w_ih, const float* w_hh, float* packed) {
    return nn::guard(__func__, [&] {
        check_desc(desc);
        nn::check_not_null(w_ih, "w_ih");
        nn::check_not_null(w_hh, "w_hh");
        nn::check_not_null(packed, "packed");
        nn::rnn::infer_pack(*desc, w_ih, w_hh, packed);
    });
}

NN_API nn_status nn_rnn_infer_workspace_size(const nn_rnn_desc* desc, int64_t* floats) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(floats, "floats");
        check_desc(desc);
        *floats = nn::rnn::infer_workspace_floats(*desc);
    });
}

NN_API nn_status nn_rnn_infer(const nn_rnn_desc* desc, const float* x, const float* packed, const float* b_ih,
                              const float* b_hh, const float* h0, const float* c0, const int64_t* lengths, float* y,
                              float* h_n, float* c_n, float* workspace) {
    return nn::guard(__func__, [&] {
        run_forward(false, desc, x, nullptr, nullptr, packed, b_ih, b_hh, h0, c0, lengths, y, h_n, c_n, workspace);
    });
}

NN_API nn_status nn_rnn_backward(const nn_rnn_desc* desc, const float* x, const float* w_ih, const float* w_hh,
                                 const float* h0, const float* c0, const int64_t* lengths, float* workspace,
                                 const float* dy, const float* dh_n, const float* dc_n, float* dx, float* dh0,
                                 float* dc0, float* dw_ih, float* dw_hh, float* db_ih, float* db_hh) {
    return nn::guard(__func__, [&] {
        check_desc(desc);
        nn::check_not_null(x, "x");
        nn::check_not_null(w_ih, "w_ih");
        nn::check_not_null(w_hh, "w_hh");
        nn::check_not_null(workspace, "workspace");
        nn::check_not_null(dx, "dx");
        nn::check_not_null(dw_ih, "dw_ih");
        nn::check_not_null(dw_hh, "dw_hh");
        check_lengths(*desc, lengths);
        nn::rnn::backward(*desc, x, desc->input_size, w_ih, w_hh, h0, c0, lengths, workspace, dy, desc->hidden_size,
                          dh_n, dc_n, dx, false, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh);
    });
}

NN_API nn_status nn_rnn_stack_workspace_size(const nn_rnn_desc* desc, int64_t* floats) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(floats, "floats");
        check_desc(desc, true);
        *floats = nn::rnn::stack_workspace_floats(*desc);
    });
}

NN_API nn_status nn_rnn_stack_forward(const nn_rnn_desc* desc, const float* x, const float* const* params,
                                      const float* h0, const float* c0, const int64_t* lengths, float* y, float* h_n,
                                      float* c_n, float* workspace) {
    return nn::guard(__func__, [&] {
        check_desc(desc, true);
        nn::check_not_null(x, "x");
        check_params(*desc, reinterpret_cast<const void* const*>(params), "params", "");
        nn::check_not_null(y, "y");
        nn::check_not_null(workspace, "workspace");
        check_lengths(*desc, lengths);
        nn::rnn::stack_forward(*desc, x, params, h0, c0, lengths, y, h_n, c_n, workspace);
    });
}

NN_API nn_status nn_rnn_stack_backward(const nn_rnn_desc* desc, const float* x, const float* const* params,
                                       const float* h0, const float* c0, const int64_t* lengths, float* workspace,
                                       const float* dy, const float* dh_n, const float* dc_n, float* dx, float* dh0,
                                       float* dc0, float* const* grads) {
    return nn::guard(__func__, [&] {
        check_desc(desc, true);
        nn::check_not_null(x, "x");
        check_params(*desc, reinterpret_cast<const void* const*>(params), "params", "");
        nn::check_not_null(workspace, "workspace");
        nn::check_not_null(dx, "dx");
        check_params(*desc, reinterpret_cast<const void* const*>(grads), "grads", " gradient");
        check_lengths(*desc, lengths);
        nn::rnn::stack_backward(*desc, x, params, h0, c0, lengths, workspace, dy, dh_n, dc_n, dx, dh0, dc0, grads);
    });
}

}  // extern "C"
