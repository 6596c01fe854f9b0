/*
 * nativenet.h - the C ABI of NativeNet's native core. This header is the only way in.
 *
 * Overview
 *   NativeNet's hot kernels (element-wise math, matrix multiply, convolution, recurrent cells)
 *   are C++ with scalar, AVX2 and AVX-512 paths in one binary. The best path the CPU and OS
 *   support is chosen once, at the first call (cpuid + xgetbv). NATIVENET_MAX_ISA=scalar|avx2|avx512
 *   caps the choice, so every path can be tested on one machine.
 *
 * Conventions
 *   - Every function returns nn_status (NN_OK = 0) unless it is a pure query. On failure,
 *     nn_last_error() returns a thread-local message naming the argument and the value received.
 *   - No C++ exception ever crosses this boundary; a failing assertion never aborts the process.
 *   - Sizes, strides and counts are int64_t. Tensors cross as pointer + sizes (row-major, dense
 *     unless a leading dimension says otherwise).
 *   - The caller owns all memory. Native code never keeps a pointer after a call returns; state
 *     that must outlive a call lives behind an explicit handle (nn_*_create / nn_*_destroy).
 *   - Threads: one native pool shared by all kernels (nn_set_num_threads, default = cores,
 *     environment NATIVENET_NUM_THREADS). Concurrent callers are safe: when the pool is busy with
 *     another caller's work, a call runs on the calling thread alone. No nested parallelism.
 *
 * Worked example
 *   float x[4] = {-1, 0, 2, 3}, y[4];
 *   if (nn_unary(NN_UNARY_RELU, x, y, 4, 0.0f) != NN_OK)
 *       fprintf(stderr, "nativenet: %s\n", nn_last_error());
 *   // y = {0, 0, 2, 3}
 *
 *   nn_cpu_info_t info;
 *   nn_cpu_info(&info);
 *   printf("%s on %s, %d threads\n", nn_version(), nn_isa_name(info.chosen_isa), info.num_threads);
 */
#ifndef NATIVENET_H
#define NATIVENET_H

#include <stdint.h>

#if defined(_WIN32)
#  if defined(NN_BUILDING_LIBRARY)
#    define NN_API __declspec(dllexport)
#  else
#    define NN_API __declspec(dllimport)
#  endif
#else
#  define NN_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================================== core == */

/** Result of every fallible call. Any value but NN_OK means nn_last_error() has the details. */
typedef enum nn_status {
    NN_OK = 0,
    NN_ERR_INVALID_ARGUMENT = 1, /* an argument is null, negative, too large or inconsistent */
    NN_ERR_OUT_OF_MEMORY = 2,    /* a native allocation failed */
    NN_ERR_UNSUPPORTED = 3,      /* valid, but not supported by this build or CPU */
    NN_ERR_INTERNAL = 4          /* a bug: an unexpected C++ exception was caught at the boundary */
} nn_status;

/** Instruction-set paths a kernel can take. Ordered: a cap admits every value below it. */
typedef enum nn_isa {
    NN_ISA_SCALAR = 0,
    NN_ISA_AVX2 = 1,   /* AVX2 + FMA */
    NN_ISA_AVX512 = 2, /* AVX-512 F, BW, VL, DQ */
    NN_ISA_NEON = 3    /* AArch64 Advanced SIMD (never capped away on arm64) */
} nn_isa;

/** What the CPU offers (1 = yes) and what NativeNet chose. */
typedef struct nn_cpu_info_t {
    int32_t avx2;
    int32_t fma;
    int32_t avx512f;
    int32_t avx512bw;
    int32_t avx512vl;
    int32_t avx512dq;
    int32_t avx512_vnni;
    int32_t avx512_bf16;
    int32_t neon;
    nn_isa best_isa;     /* the best path this CPU and OS support */
    nn_isa chosen_isa;   /* the path in use: best_isa capped by NATIVENET_MAX_ISA */
    int32_t num_cores;   /* logical processors visible to the process */
    int32_t num_threads; /* threads the pool uses now */
} nn_cpu_info_t;

/** The message of the last failed call on this thread ("" if none). Valid until the next call. */
NN_API const char* nn_last_error(void);

/** Semantic version of the library, e.g. "0.1.0". Static storage. */
NN_API const char* nn_version(void);

/** ABI version; bumped on any incompatible change to this header. */
NN_API int32_t nn_abi_version(void);

/** Fills *info. Fails only for a null pointer. */
NN_API nn_status nn_cpu_info(nn_cpu_info_t* info);

/** "scalar", "avx2", "avx512", "neon", or "unknown". Static storage. */
NN_API const char* nn_isa_name(nn_isa isa);

/** Sets the pool size (1 .. 1024). Waits for running work to finish before resizing. */
NN_API nn_status nn_set_num_threads(int32_t num_threads);

/** The pool size now. */
NN_API int32_t nn_get_num_threads(void);

/**
 * Test-only: throws a C++ exception inside the library (kind 0: std::runtime_error,
 * 1: std::bad_alloc, 2: a non-std type, 3: an invalid-argument error) so tests can prove
 * the boundary converts every exception into a status.
 */
NN_API nn_status nn_debug_throw(int32_t kind);

/* =============================================================================== element-wise == */

/** Unary element-wise functions, PyTorch semantics (gelu is the exact erf form). */
typedef enum nn_unary_op {
    NN_UNARY_IDENTITY = 0,
    NN_UNARY_RELU = 1,
    NN_UNARY_SIGMOID = 2,
    NN_UNARY_TANH = 3,
    NN_UNARY_GELU = 4,
    NN_UNARY_LEAKY_RELU = 5, /* alpha = negative slope */
    NN_UNARY_ELU = 6,        /* alpha = ELU alpha */
    NN_UNARY_EXP = 7,
    NN_UNARY_LOG = 8,
    NN_UNARY_NEG = 9,
    NN_UNARY_ABS = 10,
    NN_UNARY_SQRT = 11,
    NN_UNARY_SQUARE = 12,
    NN_UNARY_SCALE = 13      /* y = alpha * x */
} nn_unary_op;

/** Binary element-wise functions on equal-length arrays. */
typedef enum nn_binary_op {
    NN_BINARY_ADD = 0,
    NN_BINARY_SUB = 1,
    NN_BINARY_MUL = 2,
    NN_BINARY_DIV = 3,
    NN_BINARY_MAX = 4,
    NN_BINARY_MIN = 5
} nn_binary_op;

/** y[i] = op(x[i]) for i < n. x and y may be the same array. alpha: see nn_unary_op. */
NN_API nn_status nn_unary(nn_unary_op op, const float* x, float* y, int64_t n, float alpha);

/**
 * dx[i] = dy[i] * op'(x[i]) for i < n, given the forward input x and output y (either may be
 * used, both must be given). dx may alias dy.
 */
NN_API nn_status nn_unary_backward(nn_unary_op op, const float* x, const float* y,
                                   const float* dy, float* dx, int64_t n, float alpha);

/** y[i] = a[i] op b[i] for i < n. y may alias a or b. */
NN_API nn_status nn_binary(nn_binary_op op, const float* a, const float* b, float* y, int64_t n);

/** y[i] = alpha * x[i] + beta * y[i]; beta = 0 never reads y (NaN in y is overwritten). */
NN_API nn_status nn_axpby(int64_t n, float alpha, const float* x, float beta, float* y);

/** *out = sum of x[0..n) accumulated in double (deterministic for a given n and thread count). */
NN_API nn_status nn_sum(const float* x, int64_t n, double* out);

/* ======================================================================================= gemm == */

/* ================================================================================ convolution == */

/* ================================================================================== recurrent == */

/**
 * Recurrent cells, PyTorch semantics and layouts. G = 4 gates for LSTM (order i, f, g, o),
 * 3 for GRU (order r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1-z)*n + z*h).
 * Weights: w_ih [G*H, I], w_hh [G*H, H], b_ih / b_hh [G*H] (both nullable = no bias).
 */
typedef enum nn_rnn_cell { NN_RNN_LSTM = 0, NN_RNN_GRU = 1 } nn_rnn_cell;

/**
 * Shape of one recurrent layer run (56 bytes, blittable).
 *   x [T, B, I] (batch_first = 0) or [B, T, I] (batch_first = 1); y likewise with H for I.
 *   h0 / h_n / c0 / c_n: [B, H] for the single-layer primitives; [L * D, B, H] (D = 2 when
 *   bidirectional, PyTorch order: layer-major, forward before reverse) for the stack functions.
 *   num_layers and bidirectional must be 1 and 0 for the single-layer primitives, which run the
 *   direction `reverse` says; the stack functions require reverse = 0. reserved must be 0.
 */
typedef struct nn_rnn_desc {
    nn_rnn_cell cell;
    int32_t batch_first;   /* 0: time-major [T, B, *]; 1: [B, T, *] */
    int64_t seq_len;       /* T >= 1 */
    int64_t batch;         /* B >= 1 */
    int64_t input_size;    /* I >= 1 */
    int64_t hidden_size;   /* H >= 1 */
    int32_t num_layers;    /* L >= 1 */
    int32_t bidirectional; /* 0 or 1 */
    int32_t reverse;       /* 0 or 1: process each sequence from its last valid step back to 0 */
    int32_t reserved;      /* must be 0 */
} nn_rnn_desc;

/**
 * Floats of workspace one nn_rnn_forward call needs; the same buffer, untouched in between,
 * carries the gate activations to nn_rnn_backward (which consumes it: its contents are
 * overwritten). Equals (T*B*(G+3) + B*(2*G+5)) * H floats (independent of input_size).
 */
NN_API nn_status nn_rnn_workspace_size(const nn_rnn_desc* desc, int64_t* floats);

/**
 * One layer, one direction (desc->reverse picks it). Outputs overwrite.
 *   lengths (nullable = every sequence has T steps): each sequence's length in [0, T]. Sequence b
 *     runs only its first lengths[b] steps (reverse: from step lengths[b]-1 down to 0), y past its
 *     length is 0, and h_n/c_n are its state after its last valid step: PyTorch's packed-sequence
 *     semantics. Lengths need not be sorted.
 *   h0, c0 nullable = zeros; h_n, c_n nullable = not wanted. c0/c_n are read/written by LSTM only.
 *   b_ih, b_hh nullable = no bias.
 *   workspace: nn_rnn_workspace_size floats, caller-owned, no alignment required; keep it
 *     untouched until nn_rnn_backward when training.
 * Threads: sequences are split across the pool in blocks of batch rows (no barrier per step);
 * results are bitwise identical for any thread count.
 */
NN_API nn_status nn_rnn_forward(const nn_rnn_desc* desc, const float* x, const float* w_ih, const float* w_hh,
                                const float* b_ih, const float* b_hh, const float* h0, const float* c0,
                                const int64_t* lengths, float* y, float* h_n, float* c_n, float* workspace);

/**
 * Backward through time of the nn_rnn_forward call that filled `workspace`, with the same desc,
 * x, weights and lengths. h0 / c0 may be passed as given to forward or null: the values forward
 * used are read back from the workspace. The workspace is consumed (overwritten).
 *   dy [like y], dh_n [B, H], dc_n [B, H] (LSTM): nullable = zeros.
 *   Every gradient OVERWRITES its output: dx [like x] (required; 0 at padded steps),
 *   dw_ih [G*H, I], dw_hh [G*H, H] (required), dh0, dc0 [B, H], db_ih, db_hh [G*H] (nullable =
 *   not wanted). Callers that accumulate over several calls add the results themselves.
 */
NN_API nn_status nn_rnn_backward(const nn_rnn_desc* desc, const float* x, const float* w_ih, const float* w_hh,
                                 const float* h0, const float* c0, const int64_t* lengths, float* workspace,
                                 const float* dy, const float* dh_n, const float* dc_n, float* dx, float* dh0,
                                 float* dc0, float* dw_ih, float* dw_hh, float* db_ih, float* db_hh);

/**
 * A whole nn.LSTM / nn.GRU: desc->num_layers >= 1, desc->bidirectional 0 or 1, desc->reverse 0.
 * Composes the single-layer primitive; results equal calling it per layer and direction.
 * Workspace: L*D*nn_rnn_workspace_size(one layer) + (L > 1 ? (L+1)*T*B*D*H : 0) floats.
 */
NN_API nn_status nn_rnn_stack_workspace_size(const nn_rnn_desc* desc, int64_t* floats);

/**
 * params: 4*L*D pointers in PyTorch's parameter order (layer-major, forward direction before
 * reverse): w_ih, w_hh, b_ih, b_hh of each; b_* nullable. Layer l > 0 has input size D*H.
 * x [T, B, I] or [B, T, I]; y [.., D*H] (forward half first); h0, c0, h_n, c_n [L*D, B, H]
 * (nullable as in nn_rnn_forward). lengths as in nn_rnn_forward, for every layer.
 */
NN_API nn_status nn_rnn_stack_forward(const nn_rnn_desc* desc, const float* x, const float* const* params,
                                      const float* h0, const float* c0, const int64_t* lengths, float* y, float* h_n,
                                      float* c_n, float* workspace);

/**
 * Backward of nn_rnn_stack_forward (same desc, x, params, h0, c0, lengths, workspace).
 * dy [like y], dh_n, dc_n [L*D, B, H] nullable (zeros). grads: 4*L*D pointers laid out like
 * params (dw_ih, dw_hh required, db_* nullable = not wanted). Every gradient overwrites.
 */
NN_API nn_status nn_rnn_stack_backward(const nn_rnn_desc* desc, const float* x, const float* const* params,
                                       const float* h0, const float* c0, const int64_t* lengths, float* workspace,
                                       const float* dy, const float* dh_n, const float* dc_n, float* dx, float* dh0,
                                       float* dc0, float* const* grads);

/* ================================================================================== optimizer == */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NATIVENET_H */
