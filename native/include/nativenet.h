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

/*
 * Single-precision matrix multiply, row-major:
 *     C[m x n] = act(alpha * op(A)[m x k] * op(B)[k x n] + beta * C + bias)
 * op(X) = X or its transpose. A is stored m x k (lda >= max(1, k)) or, transposed, k x m
 * (lda >= max(1, m)); B is k x n (ldb >= max(1, n)) or, transposed, n x k (ldb >= max(1, k));
 * ldc >= max(1, n). Zero sizes are valid: m == 0 or n == 0 does nothing, k == 0 gives
 * C = act(beta * C + bias), as does alpha == 0 (A and B are then not read, BLAS semantics).
 * beta == 0 never reads C (NaN there is overwritten). A pointer may be null only when nothing is
 * read or written through it. Results are bitwise identical for any thread count (K is never
 * split across threads) and between the packed and unpacked forms.
 */
typedef enum nn_transpose { NN_NO_TRANS = 0, NN_TRANS = 1 } nn_transpose;

/** Bias added after alpha/beta: none, one value per row of C (m values) or per column (n). */
typedef enum nn_bias_mode { NN_BIAS_NONE = 0, NN_BIAS_ROW = 1, NN_BIAS_COL = 2 } nn_bias_mode;

/** Activation applied last (PyTorch semantics; gelu is the exact erf form). */
typedef enum nn_activation {
    NN_ACT_NONE = 0,
    NN_ACT_RELU = 1,
    NN_ACT_SIGMOID = 2,
    NN_ACT_TANH = 3,
    NN_ACT_GELU = 4
} nn_activation;

/** C = alpha * op(A) * op(B) + beta * C. */
NN_API nn_status nn_sgemm(nn_transpose trans_a, nn_transpose trans_b, int64_t m, int64_t n, int64_t k,
                          float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                          float* c, int64_t ldc);

/** C = act(alpha * op(A) * op(B) + beta * C + bias), the epilogue fused on each tile of C.
 *  bias: m values for NN_BIAS_ROW, n values for NN_BIAS_COL, ignored (may be null) for NONE. */
NN_API nn_status nn_sgemm_ex(nn_transpose trans_a, nn_transpose trans_b, int64_t m, int64_t n, int64_t k,
                             float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                             float* c, int64_t ldc, const float* bias, nn_bias_mode bias_mode,
                             nn_activation activation);

/** A right-hand operand packed once into the micro-kernel's layout (e.g. a layer's weights). */
typedef struct nn_packed_matrix nn_packed_matrix;

/** Packs op(B) (k x n; see nn_sgemm for ldb) into a new handle *out. B is not referenced after
 *  the call. The layout belongs to the instruction set chosen in this process: do not persist it.
 *  Free with nn_packed_matrix_destroy. */
NN_API nn_status nn_sgemm_pack_b(nn_transpose trans_b, int64_t k, int64_t n, const float* b, int64_t ldb,
                                 nn_packed_matrix** out);

/** nn_sgemm_ex with a packed B; k and n must equal the packed matrix's. Bitwise equal to the
 *  unpacked call. */
NN_API nn_status nn_sgemm_packed(nn_transpose trans_a, int64_t m, int64_t n, int64_t k, float alpha,
                                 const float* a, int64_t lda, const nn_packed_matrix* packed_b, float beta,
                                 float* c, int64_t ldc, const float* bias, nn_bias_mode bias_mode,
                                 nn_activation activation);

/** Frees a packed matrix. NULL is a no-op. Always NN_OK. */
NN_API nn_status nn_packed_matrix_destroy(nn_packed_matrix* packed);


/* ================================================================================ convolution == */

/* ================================================================================== recurrent == */

/* ================================================================================== optimizer == */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NATIVENET_H */
