// Exported bfloat16 entry points: conversion and the bf16 GEMM. Arguments are validated the way
// the SGEMM entry points validate theirs (gemm_checks.h), then handed to nn::bf16.
#include "bf16/bf16.h"
#include "gemm_checks.h"
#include "nativenet.h"
#include "runtime/error.h"

struct nn_bf16_matrix {
    nn::bf16::packed_b b;
};

extern "C" {

NN_API nn_status nn_f32_to_bf16(const float* x, uint16_t* y, int64_t n) {
    return nn::guard(__func__, [&] {
        nn::check_non_negative(n, "n");
        nn::check_buffer(x, n, "x");
        nn::check_buffer(y, n, "y");
        if (n > 0) nn::bf16::active().to_bf16(x, y, n);
    });
}

NN_API nn_status nn_bf16_to_f32(const uint16_t* x, float* y, int64_t n) {
    return nn::guard(__func__, [&] {
        nn::check_non_negative(n, "n");
        nn::check_buffer(x, n, "x");
        nn::check_buffer(y, n, "y");
        if (n > 0) nn::bf16::active().to_f32(x, y, n);
    });
}

NN_API int32_t nn_bf16_gemm_native(void) { return nn::bf16::native_products() ? 1 : 0; }

NN_API const char* nn_bf16_products(void) {
    nn::bf16::active();  // the choice is made with the table, and fixed from then on
    return nn::bf16::products_choice().reason;
}

NN_API nn_status nn_bf16_pack_b(nn_transpose trans_b, int64_t k, int64_t n, const float* b, int64_t ldb,
                                nn_bf16_matrix** out) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(out, "out");
        *out = nullptr;
        nn::gemm_checks::check_b(trans_b, k, n, b, ldb, /*read=*/true);
        *out = new nn_bf16_matrix{nn::bf16::packed_b(trans_b == NN_TRANS, k, n, b, ldb)};
    });
}

NN_API nn_status nn_bf16_gemm_packed(nn_transpose trans_a, int64_t m, int64_t n, int64_t k, float alpha,
                                     const float* a, int64_t lda, const nn_bf16_matrix* packed_b, float beta,
                                     float* c, int64_t ldc, const float* bias, nn_bias_mode bias_mode,
                                     nn_unary_op activation) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(packed_b, "packed_b");
        nn::gemm_checks::check_a_c(trans_a, m, n, k, a, lda, c, ldc);
        nn::gemm_checks::check_packed_shape(packed_b->b.k, packed_b->b.n, k, n);
        auto ep = nn::gemm_checks::check_epilogue(m, n, bias, bias_mode, activation);
        nn::bf16::gemm_packed(trans_a == NN_TRANS, m, n, k, alpha, a, lda, packed_b->b, beta, c, ldc, ep);
    });
}

NN_API nn_status nn_bf16_gemm(nn_transpose trans_a, nn_transpose trans_b, int64_t m, int64_t n, int64_t k,
                              float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                              float* c, int64_t ldc, const float* bias, nn_bias_mode bias_mode,
                              nn_unary_op activation) {
    return nn::guard(__func__, [&] {
        nn::gemm_checks::check_a_c(trans_a, m, n, k, a, lda, c, ldc);
        nn::gemm_checks::check_b(trans_b, k, n, b, ldb, /*read=*/m > 0 && n > 0);
        auto ep = nn::gemm_checks::check_epilogue(m, n, bias, bias_mode, activation);
        nn::bf16::gemm(trans_a == NN_TRANS, trans_b == NN_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
    });
}

NN_API nn_status nn_bf16_matrix_destroy(nn_bf16_matrix* packed) {
    delete packed;
    return NN_OK;
}

}  // extern "C"
