// Argument checks shared by the SGEMM and bf16 GEMM entry points (gemm_api.cpp, bf16_api.cpp):
// every message names the argument and the value received.
#pragma once
#include <algorithm>
#include <cstdint>

#include "gemm/gemm.h"
#include "nativenet.h"
#include "runtime/error.h"

namespace nn::gemm_checks {

inline void check_trans(int t, const char* name) {
    if (t != NN_NO_TRANS && t != NN_TRANS)
        nn::invalid_argument(name, " must be NN_NO_TRANS (0) or NN_TRANS (1). Received: ", name, "=", t);
}

inline void check_ld(int64_t ld, int64_t width, const char* name) {
    const int64_t need = std::max<int64_t>(1, width);
    if (ld < need) nn::invalid_argument(name, " must be >= ", need, ". Received: ", name, "=", ld);
}

// Elements a stored rows x cols operand with leading dimension ld spans (0 when empty).
inline int64_t span(int64_t rows, int64_t cols, int64_t ld, const char* what) {
    if (rows == 0 || cols == 0) return 0;
    // Both steps checked: a valid ld near INT64_MAX overflowed the "+ cols" (found by fuzz_gemm).
    return nn::checked_add(nn::checked_mul(rows - 1, ld, what), cols, what);
}

inline nn::gemm::epilogue check_epilogue(int64_t m, int64_t n, const float* bias, int mode, int act) {
    if (mode < NN_BIAS_NONE || mode > NN_BIAS_COL)
        nn::invalid_argument("bias_mode must be NN_BIAS_NONE, NN_BIAS_ROW or NN_BIAS_COL. Received: bias_mode=", mode);
    if (act < NN_UNARY_IDENTITY || act > NN_UNARY_GELU)
        nn::invalid_argument("activation must be NN_UNARY_IDENTITY, RELU, SIGMOID, TANH or GELU (0..4). Received: activation=", act);
    if (mode == NN_BIAS_ROW) nn::check_buffer(bias, m * (n > 0 ? 1 : 0), "bias");
    if (mode == NN_BIAS_COL) nn::check_buffer(bias, n * (m > 0 ? 1 : 0), "bias");
    nn::gemm::epilogue ep;
    ep.bias = mode == NN_BIAS_NONE ? nullptr : bias;
    ep.mode = static_cast<nn::gemm::bias_mode>(mode);
    ep.act = static_cast<nn::gemm::activation>(act);
    return ep;
}

// Shared checks of the A and C side (sizes, trans_a, lda, ldc, pointers).
inline void check_a_c(int trans_a, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* c,
               int64_t ldc) {
    check_trans(trans_a, "trans_a");
    nn::check_non_negative(m, "m");
    nn::check_non_negative(n, "n");
    nn::check_non_negative(k, "k");
    check_ld(lda, trans_a ? m : k, "lda");
    check_ld(ldc, n, "ldc");
    // A is read only when C has elements to compute.
    const int64_t a_elems = (m > 0 && n > 0) ? (trans_a ? span(k, m, lda, "lda * k") : span(m, k, lda, "lda * m")) : 0;
    nn::check_buffer(a, a_elems, "a");
    nn::check_buffer(c, span(m, n, ldc, "ldc * m"), "c");
}

// B's side (trans_b, ldb and, when it is read, the pointer).
inline void check_b(int trans_b, int64_t k, int64_t n, const float* b, int64_t ldb, bool read) {
    check_trans(trans_b, "trans_b");
    nn::check_non_negative(k, "k");
    nn::check_non_negative(n, "n");
    check_ld(ldb, trans_b ? k : n, "ldb");
    const int64_t b_elems = read ? (trans_b ? span(n, k, ldb, "ldb * n") : span(k, n, ldb, "ldb * k")) : 0;
    nn::check_buffer(b, b_elems, "b");
}

// A packed operand is used only at the shape it was packed for.
inline void check_packed_shape(int64_t packed_k, int64_t packed_n, int64_t k, int64_t n) {
    if (packed_k != k) nn::invalid_argument("k must equal the packed matrix's k (", packed_k, "). Received: k=", k);
    if (packed_n != n) nn::invalid_argument("n must equal the packed matrix's n (", packed_n, "). Received: n=", n);
}

}  // namespace nn::gemm_checks
