// Exported SGEMM entry points: validate every argument (messages name it and its value), then
// hand over to nn::gemm.
#include "gemm/gemm.h"
#include "gemm/gemm_kernels.h"
#include "nativenet.h"
#include "runtime/error.h"

#include <algorithm>
#include <memory>

struct nn_packed_matrix {
    nn::gemm::packed_b b;
};

namespace {

void check_trans(int t, const char* name) {
    if (t != NN_NO_TRANS && t != NN_TRANS)
        nn::invalid_argument(name, " must be NN_NO_TRANS (0) or NN_TRANS (1). Received: ", name, "=", t);
}

void check_ld(int64_t ld, int64_t width, const char* name) {
    const int64_t need = std::max<int64_t>(1, width);
    if (ld < need) nn::invalid_argument(name, " must be >= ", need, ". Received: ", name, "=", ld);
}

// Elements a stored rows x cols operand with leading dimension ld spans (0 when empty).
int64_t span(int64_t rows, int64_t cols, int64_t ld, const char* what) {
    if (rows == 0 || cols == 0) return 0;
    // Both steps checked: a valid ld near INT64_MAX overflowed the "+ cols" (found by fuzz_gemm).
    return nn::checked_add(nn::checked_mul(rows - 1, ld, what), cols, what);
}

nn::gemm::epilogue check_epilogue(int64_t m, int64_t n, const float* bias, int mode, int act) {
    if (mode < NN_BIAS_NONE || mode > NN_BIAS_COL)
        nn::invalid_argument("bias_mode must be NN_BIAS_NONE, NN_BIAS_ROW or NN_BIAS_COL. Received: bias_mode=", mode);
    if (act < NN_ACT_NONE || act > NN_ACT_GELU)
        nn::invalid_argument("activation must be an nn_activation (0..4). Received: activation=", act);
    if (mode == NN_BIAS_ROW) nn::check_buffer(bias, m * (n > 0 ? 1 : 0), "bias");
    if (mode == NN_BIAS_COL) nn::check_buffer(bias, n * (m > 0 ? 1 : 0), "bias");
    nn::gemm::epilogue ep;
    ep.bias = mode == NN_BIAS_NONE ? nullptr : bias;
    ep.mode = static_cast<nn::gemm::bias_mode>(mode);
    ep.act = static_cast<nn::gemm::activation>(act);
    return ep;
}

// Shared checks of the A and C side (sizes, trans_a, lda, ldc, pointers).
void check_a_c(int trans_a, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* c,
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

void sgemm_checked(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias,
                   int bias_mode, int act) {
    check_a_c(trans_a, m, n, k, a, lda, c, ldc);
    check_trans(trans_b, "trans_b");
    check_ld(ldb, trans_b ? k : n, "ldb");
    const int64_t b_elems = (m > 0 && n > 0) ? (trans_b ? span(n, k, ldb, "ldb * n") : span(k, n, ldb, "ldb * k")) : 0;
    nn::check_buffer(b, b_elems, "b");
    auto ep = check_epilogue(m, n, bias, bias_mode, act);
    nn::gemm::sgemm(trans_a == NN_TRANS, trans_b == NN_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
}

}  // namespace

extern "C" {

NN_API nn_status nn_sgemm(nn_transpose trans_a, nn_transpose trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                          int64_t ldc) {
    return nn::guard(__func__, [&] {
        sgemm_checked(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nullptr, NN_BIAS_NONE,
                      NN_ACT_NONE);
    });
}

NN_API nn_status nn_sgemm_ex(nn_transpose trans_a, nn_transpose trans_b, int64_t m, int64_t n, int64_t k,
                             float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                             float* c, int64_t ldc, const float* bias, nn_bias_mode bias_mode,
                             nn_activation activation) {
    return nn::guard(__func__, [&] {
        sgemm_checked(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, bias_mode, activation);
    });
}

NN_API nn_status nn_sgemm_pack_b(nn_transpose trans_b, int64_t k, int64_t n, const float* b, int64_t ldb,
                                 nn_packed_matrix** out) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(out, "out");
        *out = nullptr;
        check_trans(trans_b, "trans_b");
        nn::check_non_negative(k, "k");
        nn::check_non_negative(n, "n");
        check_ld(ldb, trans_b ? k : n, "ldb");
        nn::check_buffer(b, trans_b ? span(n, k, ldb, "ldb * n") : span(k, n, ldb, "ldb * k"), "b");
        *out = new nn_packed_matrix{nn::gemm::packed_b(trans_b == NN_TRANS, k, n, b, ldb)};
    });
}

NN_API nn_status nn_sgemm_packed(nn_transpose trans_a, int64_t m, int64_t n, int64_t k, float alpha,
                                 const float* a, int64_t lda, const nn_packed_matrix* packed_b, float beta,
                                 float* c, int64_t ldc, const float* bias, nn_bias_mode bias_mode,
                                 nn_activation activation) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(packed_b, "packed_b");
        check_a_c(trans_a, m, n, k, a, lda, c, ldc);
        if (packed_b->b.k != k)
            nn::invalid_argument("k must equal the packed matrix's k (", packed_b->b.k, "). Received: k=", k);
        if (packed_b->b.n != n)
            nn::invalid_argument("n must equal the packed matrix's n (", packed_b->b.n, "). Received: n=", n);
        auto ep = check_epilogue(m, n, bias, bias_mode, activation);
        nn::gemm::sgemm_packed(trans_a == NN_TRANS, m, n, k, alpha, a, lda, packed_b->b, beta, c, ldc, ep);
    });
}

NN_API nn_status nn_packed_matrix_destroy(nn_packed_matrix* packed) {
    delete packed;
    return NN_OK;
}

}  // extern "C"
