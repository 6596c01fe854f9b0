// Exported SGEMM entry points: validate every argument (messages name it and its value), then
// hand over to nn::gemm.
#include "gemm/gemm.h"
#include "gemm/gemm_kernels.h"
#include "nativenet.h"
#include "runtime/error.h"
#include "gemm_checks.h"

#include <algorithm>
#include <memory>

struct nn_packed_matrix {
    nn::gemm::packed_b b;
};

namespace {

using namespace nn::gemm_checks;

void sgemm_checked(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias,
                   int bias_mode, int act) {
    check_a_c(trans_a, m, n, k, a, lda, c, ldc);
    check_b(trans_b, k, n, b, ldb, /*read=*/m > 0 && n > 0);
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
                      NN_UNARY_IDENTITY);
    });
}

NN_API nn_status nn_sgemm_ex(nn_transpose trans_a, nn_transpose trans_b, int64_t m, int64_t n, int64_t k,
                             float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                             float* c, int64_t ldc, const float* bias, nn_bias_mode bias_mode,
                             nn_unary_op activation) {
    return nn::guard(__func__, [&] {
        sgemm_checked(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, bias_mode, activation);
    });
}

NN_API nn_status nn_sgemm_pack_b(nn_transpose trans_b, int64_t k, int64_t n, const float* b, int64_t ldb,
                                 nn_packed_matrix** out) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(out, "out");
        *out = nullptr;
        check_b(trans_b, k, n, b, ldb, /*read=*/true);
        *out = new nn_packed_matrix{nn::gemm::packed_b(trans_b == NN_TRANS, k, n, b, ldb)};
    });
}

NN_API nn_status nn_sgemm_packed(nn_transpose trans_a, int64_t m, int64_t n, int64_t k, float alpha,
                                 const float* a, int64_t lda, const nn_packed_matrix* packed_b, float beta,
                                 float* c, int64_t ldc, const float* bias, nn_bias_mode bias_mode,
                                 nn_unary_op activation) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(packed_b, "packed_b");
        check_a_c(trans_a, m, n, k, a, lda, c, ldc);
        check_packed_shape(packed_b->b.k, packed_b->b.n, k, n);
        auto ep = check_epilogue(m, n, bias, bias_mode, activation);
        nn::gemm::sgemm_packed(trans_a == NN_TRANS, m, n, k, alpha, a, lda, packed_b->b, beta, c, ldc, ep);
    });
}

NN_API nn_status nn_packed_matrix_destroy(nn_packed_matrix* packed) {
    delete packed;
    return NN_OK;
}

}  // extern "C"
