/*
 * nativenet.h - the C ABI of NativeNet's native core. This header is the only way in.
 *
 * Overview
 *   NativeNet's hot kernels (element-wise math, matrix multiply, convolution, recurrent cells)
 *   are C++ with scalar, AVX2 and AVX-512 paths in one binary. The best path the CPU and OS
 *   support is chosen once, at the first call (cpuid + xgetbv).
 *   NATIVENET_MAX_ISA=scalar|avx2|avx512|avx512_bf16 caps the choice, so every path can be tested
 *   on one machine. NATIVENET_BF16_DOT=0|1 chooses the path of bf16 products under avx512_bf16
 *   (nn_bf16_gemm_native).
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

/* Enums have a fixed 32-bit underlying type in C++, so any int32_t a caller passes is a valid
 * value to check (not undefined behaviour); C compilers use int, which is the same size. */
#ifdef __cplusplus
#  define NN_ENUM(name) enum name : int32_t
#else
#  define NN_ENUM(name) enum name
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================================== core == */

/** Result of every fallible call. Any value but NN_OK means nn_last_error() has the details. */
typedef NN_ENUM(nn_status) {
    NN_OK = 0,
    NN_ERR_INVALID_ARGUMENT = 1, /* an argument is null, negative, too large or inconsistent */
    NN_ERR_OUT_OF_MEMORY = 2,    /* a native allocation failed */
    NN_ERR_UNSUPPORTED = 3,      /* valid, but not supported by this build or CPU */
    NN_ERR_INTERNAL = 4          /* a bug: an unexpected C++ exception was caught at the boundary */
} nn_status;

/** Instruction-set paths a kernel can take. The x86 values are ordered (scalar < avx2 < avx512 <
 *  avx512_bf16): a cap admits every x86 value below it. NEON stands alone. */
typedef NN_ENUM(nn_isa) {
    NN_ISA_SCALAR = 0,
    NN_ISA_AVX2 = 1,        /* AVX2 + FMA */
    NN_ISA_AVX512 = 2,      /* AVX-512 F, BW, VL, DQ */
    NN_ISA_NEON = 3,        /* AArch64 Advanced SIMD (never capped away on arm64) */
    NN_ISA_AVX512_BF16 = 4  /* AVX-512 as above + AVX512_BF16 (vdpbf16ps): the bf16 products */
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

/** "scalar", "avx2", "avx512", "avx512_bf16", "neon", or "unknown". Static storage. */
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

/**
 * Unary element-wise functions, PyTorch semantics (gelu is the exact erf form). This is also the
 * one activation type of every fused epilogue: nn_sgemm_ex, the bf16 GEMMs, nn_conv2d_forward and
 * nn_conv1d_forward take the first five (NN_UNARY_IDENTITY for none, RELU, SIGMOID, TANH, GELU);
 * nn_conv2d_packed_forward takes any of them.
 */
typedef NN_ENUM(nn_unary_op) {
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
    NN_UNARY_SCALE = 13,     /* y = alpha * x */
    NN_UNARY_RELU6 = 14,     /* min(max(x, 0), 6) */
    NN_UNARY_HARDSWISH = 15, /* x * relu6(x + 3) / 6 */
    NN_UNARY_HARDSIGMOID = 16, /* relu6(x + 3) / 6 */
    NN_UNARY_SILU = 17,      /* x * sigmoid(x) */
    NN_UNARY_SOFTPLUS = 18,  /* log(1 + e^x); x above 20 passes through (PyTorch's threshold) */
    NN_UNARY_MISH = 19       /* x * tanh(softplus(x)) */
} nn_unary_op;

/** Binary element-wise functions on equal-length arrays. */
typedef NN_ENUM(nn_binary_op) {
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

/** y[i] = a[i] op b for i < n, one scalar b (same semantics as nn_binary). y may alias a. */
NN_API nn_status nn_binary_scalar(nn_binary_op op, const float* a, float b, float* y, int64_t n);

/** y[i] = alpha * x[i] + beta * y[i]; beta = 0 never reads y (NaN in y is overwritten). */
NN_API nn_status nn_axpby(int64_t n, float alpha, const float* x, float beta, float* y);

/** y[i] = value for i < n (split over the pool when large: the gradient of a sum is one value). */
NN_API nn_status nn_fill(float* y, int64_t n, float value);

/**
 * *out = sum of x[0..n) accumulated in double, in one fixed order, so the bits depend on n and the
 * values only (never on the thread count or ISA): 4096-element blocks; in a block, element i goes
 * to accumulator i % 32; the 32 are folded by halves (j += j + 16, then + 8, + 4, + 2, + 1); the
 * block sums are added first to last.
 */
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
typedef NN_ENUM(nn_transpose) { NN_NO_TRANS = 0, NN_TRANS = 1 } nn_transpose;

/** Bias added after alpha/beta: none, one value per row of C (m values) or per column (n). */
typedef NN_ENUM(nn_bias_mode) { NN_BIAS_NONE = 0, NN_BIAS_ROW = 1, NN_BIAS_COL = 2 } nn_bias_mode;

/** C = alpha * op(A) * op(B) + beta * C. */
NN_API nn_status nn_sgemm(nn_transpose trans_a, nn_transpose trans_b, int64_t m, int64_t n, int64_t k,
                          float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                          float* c, int64_t ldc);

/** C = act(alpha * op(A) * op(B) + beta * C + bias), the epilogue fused on each tile of C.
 *  bias: m values for NN_BIAS_ROW, n values for NN_BIAS_COL, ignored (may be null) for NONE.
 *  activation: NN_UNARY_IDENTITY, RELU, SIGMOID, TANH or GELU (see nn_unary_op). */
NN_API nn_status nn_sgemm_ex(nn_transpose trans_a, nn_transpose trans_b, int64_t m, int64_t n, int64_t k,
                             float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                             float* c, int64_t ldc, const float* bias, nn_bias_mode bias_mode,
                             nn_unary_op activation);

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
                                 nn_unary_op activation);

/** Frees a packed matrix. NULL is a no-op. Always NN_OK. */
NN_API nn_status nn_packed_matrix_destroy(nn_packed_matrix* packed);


/* ================================================================================== bfloat16 == */

/*
 * bfloat16 (bf16): the upper 16 bits of an IEEE float32 (8 exponent bits, 7 mantissa bits), held
 * as uint16_t. Conversion from float32 rounds to nearest, ties to even; a NaN stays a quiet NaN
 * (its sign and top payload bits kept, the quiet bit set); infinities and signed zeros are kept;
 * subnormals are rounded, never flushed. Every ISA path gives bitwise the same result.
 *
 * bf16 GEMM: C = act(alpha * bf16(op(A)) * bf16(op(B)) + beta * C + bias), float32 in and out:
 * both operands are rounded to bf16 (B once, when packed; A while it is packed for the kernel),
 * products and sums are float32. Where nn_bf16_gemm_native() is 1, the products run on vdpbf16ps
 * (two bf16 multiply-adds per float32 lane); otherwise the rounded operands go through the
 * float32 kernels, so any CPU gives the same answer up to float32 summation order (vdpbf16ps also
 * treats subnormal bf16 inputs as zero). Results do not depend on the thread count. Sizes, strides, bias and activation as for nn_sgemm_ex.
 */

/** y[i] = bf16(x[i]), round to nearest even. n >= 0; x and y may be null only when n == 0. */
NN_API nn_status nn_f32_to_bf16(const float* x, uint16_t* y, int64_t n);

/** y[i] = x[i] widened to float32 (exact). */
NN_API nn_status nn_bf16_to_f32(const uint16_t* x, float* y, int64_t n);

/** 1 when bf16 products run on the CPU's bf16 instructions (vdpbf16ps), else 0. They do when
 *  NN_ISA_AVX512_BF16 is chosen and either NATIVENET_BF16_DOT=1 or, with that variable unset, a
 *  probe at first use measures vdpbf16ps at >= 1.3x the float32 FMA FLOP rate (AMD Zen 4/5: yes;
 *  Intel Emerald Rapids: no, about 0.5x). NATIVENET_BF16_DOT=0 keeps them on the float32 kernels.
 *  Fixed for the life of the process. */
NN_API int32_t nn_bf16_gemm_native(void);

/** One line saying which path bf16 products take and why (the ISA, NATIVENET_BF16_DOT or the
 *  measured rate), e.g. "float32 kernels on bf16-rounded operands: vdpbf16ps measured at 0.49x
 *  the float32 FMA FLOP rate (below 1.3x)". Static storage. */
NN_API const char* nn_bf16_products(void);

/** A right-hand operand rounded to bf16 and packed once (e.g. a layer's weights). */
typedef struct nn_bf16_matrix nn_bf16_matrix;

/** Rounds op(B) (k x n; see nn_sgemm for ldb) to bf16 and packs it into a new handle *out. B is
 *  not referenced after the call; the layout belongs to this process. Free with
 *  nn_bf16_matrix_destroy. */
NN_API nn_status nn_bf16_pack_b(nn_transpose trans_b, int64_t k, int64_t n, const float* b, int64_t ldb,
                                nn_bf16_matrix** out);

/** The bf16 GEMM with a packed B; k and n must equal the packed matrix's. Bitwise equal to
 *  nn_bf16_gemm on the same B. */
NN_API nn_status nn_bf16_gemm_packed(nn_transpose trans_a, int64_t m, int64_t n, int64_t k, float alpha,
                                     const float* a, int64_t lda, const nn_bf16_matrix* packed_b, float beta,
                                     float* c, int64_t ldc, const float* bias, nn_bias_mode bias_mode,
                                     nn_unary_op activation);

/** The bf16 GEMM with B rounded and packed during the call (both operands change every call, as
 *  in the backward pass of training). */
NN_API nn_status nn_bf16_gemm(nn_transpose trans_a, nn_transpose trans_b, int64_t m, int64_t n, int64_t k,
                              float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                              float* c, int64_t ldc, const float* bias, nn_bias_mode bias_mode,
                              nn_unary_op activation);

/** Frees a bf16 packed matrix. NULL is a no-op. Always NN_OK. */
NN_API nn_status nn_bf16_matrix_destroy(nn_bf16_matrix* packed);

/* ================================================================================ convolution == */

/*
 * Convolution, pooling, normalization and dropout. Activations are NCHW (NCL in 1-D), dense,
 * float32; weights use PyTorch's layout [k, c / groups, r, s]. Results do not depend on the
 * thread count (reductions run in an order fixed by the shapes alone).

 */

/**
 * A 2-D convolution: input x [n, c, h, w], weight [k, c / groups, r, s], output y [n, k, oh, ow]
 * with oh = (h + pad_top + pad_bottom - dilation_h * (r - 1) - 1) / stride_h + 1 (ow alike).
 * Padding may be asymmetric ("same" padding with an even kernel). groups must divide c and k;
 * groups == c is depthwise (k a multiple of c). All fields must be set: sizes, strides,
 * dilations and groups >= 1, paddings >= 0.
 */
typedef struct nn_conv2d_desc {
    int64_t n, c, h, w;
    int64_t k, r, s;
    int64_t stride_h, stride_w;
    int64_t pad_top, pad_bottom, pad_left, pad_right;
    int64_t dilation_h, dilation_w;
    int64_t groups;
} nn_conv2d_desc;

/** A 1-D convolution: x [n, c, l], weight [k, c / groups, kernel_size], y [n, k, ol]. */
typedef struct nn_conv1d_desc {
    int64_t n, c, l;
    int64_t k, kernel_size;
    int64_t stride;
    int64_t pad_left, pad_right;
    int64_t dilation;
    int64_t groups;
} nn_conv1d_desc;

/** Validates *desc and writes the output height and width. */
NN_API nn_status nn_conv2d_output_size(const nn_conv2d_desc* desc, int64_t* oh, int64_t* ow);

/**
 * y = act(conv(x, weight) + bias). bias [k] may be NULL. activation: NN_UNARY_IDENTITY,
 * RELU, SIGMOID, TANH or GELU (see nn_unary_op).
 * y must not overlap x or weight.
 */
NN_API nn_status nn_conv2d_forward(const nn_conv2d_desc* desc, const float* x, const float* weight,
                                   const float* bias, nn_unary_op activation, float* y);

/**
 * dx = d(loss)/dx given dy = d(loss)/d(pre-activation output) [n, k, oh, ow]. dx is overwritten.
 * (For a fused activation, turn the output gradient into dy with nn_unary_backward first.)
 */
NN_API nn_status nn_conv2d_backward_data(const nn_conv2d_desc* desc, const float* dy, const float* weight,
                                         float* dx);

/**
 * dweight [k, c / groups, r, s] and dbias [k] (NULL to skip) from x and dy, summed over the batch.
 * Both are overwritten, not accumulated.
 */
NN_API nn_status nn_conv2d_backward_weights(const nn_conv2d_desc* desc, const float* x, const float* dy,
                                            float* dweight, float* dbias);

/** nn_conv2d_forward and nn_conv2d_backward_data with bf16 products (mixed-precision training):
 *  where the shape (for the data gradient: its flipped-weights forward, stride 1) takes the
 *  Winograd algorithm, the transformed weights and inputs are rounded to bf16 and the products
 *  summed in float32, as nn_conv2d_pack_bf16; where it takes the im2col GEMM (strided, 1x1 and
 *  other shapes without a direct kernel; for the data gradient also dcol = W^T dY), both GEMM
 *  operands are rounded to bf16, sums in float32. Direct and depthwise shapes compute exactly as
 *  the float32 calls. */
NN_API nn_status nn_conv2d_forward_bf16(const nn_conv2d_desc* desc, const float* x, const float* weight,
                                        const float* bias, nn_unary_op activation, float* y);
NN_API nn_status nn_conv2d_backward_data_bf16(const nn_conv2d_desc* desc, const float* dy, const float* weight,
                                              float* dx);

/**
 * A convolution layer's weights and bias prepared once for inference: in the layout of the
 * algorithm nn_conv2d_forward picks for the descriptor's shape (Winograd-transformed, tiled,
 * or GEMM panels), so a forward pass never repacks them. The layout belongs to the
 * instruction set chosen in this process: do not persist it. Free with nn_conv2d_packed_destroy.
 */
typedef struct nn_conv2d_packed nn_conv2d_packed;

/** Packs weight [k, c / groups, r, s] and bias [k] (NULL: none) for *desc into a new handle
 *  *out. Neither is referenced after the call. desc->n is the batch the algorithm is chosen
 *  for; nn_conv2d_packed_forward accepts any batch. */
NN_API nn_status nn_conv2d_pack(const nn_conv2d_desc* desc, const float* weight, const float* bias,
                                nn_conv2d_packed** out);

/** nn_conv2d_pack for bf16 products (float32 in and out, as the bf16 GEMM): where the shape
 *  takes the Winograd algorithm (3x3, stride 1), its transformed weights are rounded to bf16 once
 *  here and each transformed input tile when it is formed; where it takes the im2col GEMM, the
 *  weights are rounded and packed once here and the im2col columns rounded per call; products
 *  and sums in float32 (on vdpbf16ps where nn_bf16_gemm_native() is 1, else the float32 kernels
 *  on the rounded values; the packed layout follows the same choice). The direct and depthwise algorithms keep float32 products. */
NN_API nn_status nn_conv2d_pack_bf16(const nn_conv2d_desc* desc, const float* weight, const float* bias,
                                     nn_conv2d_packed** out);

/**
 * y = act(conv(x) + bias + residual) for a batch of n >= 1 images (the packed descriptor's
 * other sizes). residual [n, k, oh, ow] may be NULL; y must not overlap x or residual. activation: any element-wise op of nn_unary_op (ReLU6,
 * HardSwish, LeakyReLU with alpha, ...), applied once to the sum; NN_UNARY_IDENTITY for none.
 */
NN_API nn_status nn_conv2d_packed_forward(const nn_conv2d_packed* packed, int64_t n, const float* x,
                                          const float* residual, nn_unary_op activation, float alpha,
                                          float* y);

/** Frees a packed convolution. NULL is a no-op. Always NN_OK. */
NN_API nn_status nn_conv2d_packed_destroy(nn_conv2d_packed* packed);

/**
 * The channel-blocked layout NCHW16c, for chains of inference convolutions: [n, c, h, w] stored
 * as [n, ceil(c / block), h, w, block], channel ch at block ch / block, lane ch % block, the
 * lanes past c zero. A chain converts its input once (nn_nchwc_from_nchw), runs its 1x1 and
 * depthwise 3x3 layers blocked (nn_conv2d_nchwc_forward) with no re-layout between them, and
 * converts its output once (nn_nchwc_to_nchw).
 *
 * *block: channels per block in this process, 16 where the chosen instruction set has the
 * blocked kernels (AVX-512), 0 where it has none (then every other nchwc call is
 * NN_ERR_UNSUPPORTED and callers keep nn_conv2d_packed_forward).
 */
NN_API nn_status nn_nchwc_block(int64_t* block);

/** y (blocked, n * ceil(c / block) * block * hw floats) = x ([n, c, hw], NCHW). */
NN_API nn_status nn_nchwc_from_nchw(const float* x, int64_t n, int64_t c, int64_t hw, float* y);

/** y ([n, c, hw], NCHW) = x (blocked); the padding lanes are dropped. */
NN_API nn_status nn_nchwc_to_nchw(const float* x, int64_t n, int64_t c, int64_t hw, float* y);

/** A convolution's weights and bias packed for the blocked layout. Free with nn_conv2d_nchwc_destroy. */
typedef struct nn_conv2d_nchwc nn_conv2d_nchwc;

/** Where *desc has a blocked kernel in this process (a nonzero nn_nchwc_block, dilation 1, and:
 *  1x1 stride 1 without padding; depthwise 3x3 with padding 1 and stride 1 or 2; or a network's
 *  stem, a dense convolution of at most 4 input channels, kernel at most 7x7, padding smaller
 *  than the kernel): *supported = 1 when its input is blocked, 2 when it is NCHW (the stem).
 *  Otherwise 0. */
NN_API nn_status nn_conv2d_nchwc_supported(const nn_conv2d_desc* desc, int32_t* supported);

/** Packs weight [k, c / groups, r, s] and bias [k] (NULL: none) for *desc, which must be
 *  supported (else NN_ERR_UNSUPPORTED). */
NN_API nn_status nn_conv2d_nchwc_pack(const nn_conv2d_desc* desc, const float* weight, const float* bias,
                                      nn_conv2d_nchwc** out);

/** y = act(conv(x) + bias + residual) for n >= 1 images, residual (may be NULL) and y blocked,
 *  x blocked too except for a stem (at most 4 input channels, not 1x1), whose x is NCHW; y must
 *  not overlap x or residual. activation: any nn_unary_op. The padding lanes
 *  of y hold act(0) (0 for ReLU, ReLU6 and none). */
NN_API nn_status nn_conv2d_nchwc_forward(const nn_conv2d_nchwc* packed, int64_t n, const float* x,
                                         const float* residual, nn_unary_op activation, float alpha, float* y);

/** An inverted residual block's 1x1 expansion (expand, 1x1 stride 1; or a stem, whose x is NCHW)
 *  and the depthwise 3x3 over its output (depthwise) in one call: y = depthwise(act1(expand(x) +
 *  bias1)) with activation2 and depthwise's bias, the values of nn_conv2d_nchwc_forward on expand
 *  into mid then on depthwise from mid, bit for bit. Where the shape gives enough bands of output
 *  rows or groups of expanded channels for the threads, each band's or group's expanded values
 *  stay in cache and mid is not written; otherwise mid (n expanded images, blocked) holds them.
 *  x (but a stem's), mid and y blocked, not overlapping. */
NN_API nn_status nn_conv2d_nchwc_forward_expand_dw(const nn_conv2d_nchwc* expand, const nn_conv2d_nchwc* depthwise,
                                                   int64_t n, const float* x, nn_unary_op activation1, float alpha1,
                                                   nn_unary_op activation2, float alpha2, float* mid, float* y);

/** The whole inverted residual block: nn_conv2d_nchwc_forward_expand_dw, then the 1x1 projection
 *  (project, 1x1 stride 1 over depthwise's output) with residual (y's shape, may be NULL) and
 *  activation3: y = act3(project(dw) + bias3 + residual), the values of the three
 *  nn_conv2d_nchwc_forward calls bit for bit. Where the bands pay, each band's depthwise rows are
 *  projected while in cache and neither mid nor mid2 is written; by groups of expanded channels,
 *  mid2 (n depthwise outputs) holds them; otherwise mid (n expanded images) and mid2 do. All
 *  blocked (x as for nn_conv2d_nchwc_forward_expand_dw); y must not overlap the others. */
NN_API nn_status nn_conv2d_nchwc_forward_expand_dw_project(const nn_conv2d_nchwc* expand,
                                                           const nn_conv2d_nchwc* depthwise,
                                                           const nn_conv2d_nchwc* project, int64_t n, const float* x,
                                                           nn_unary_op activation1, float alpha1,
                                                           nn_unary_op activation2, float alpha2,
                                                           const float* residual, nn_unary_op activation3,
                                                           float alpha3, float* mid, float* mid2, float* y);

/** Frees a blocked convolution. NULL is a no-op. Always NN_OK. */
NN_API nn_status nn_conv2d_nchwc_destroy(nn_conv2d_nchwc* packed);

/** Validates *desc and writes the output length. */
NN_API nn_status nn_conv1d_output_size(const nn_conv1d_desc* desc, int64_t* ol);

/** 1-D forms of the three conv2d calls above, same semantics. */
NN_API nn_status nn_conv1d_forward(const nn_conv1d_desc* desc, const float* x, const float* weight,
                                   const float* bias, nn_unary_op activation, float* y);
NN_API nn_status nn_conv1d_backward_data(const nn_conv1d_desc* desc, const float* dy, const float* weight,
                                         float* dx);
NN_API nn_status nn_conv1d_backward_weights(const nn_conv1d_desc* desc, const float* x, const float* dy,
                                            float* dweight, float* dbias);

/**
 * A 2-D pooling window over x [n, c, h, w] -> y [n, c, oh, ow] with PyTorch's floor mode:
 * oh = (h + 2 * pad_h - dilation_h * (kernel_h - 1) - 1) / stride_h + 1. pad_h <= kernel_h / 2
 * (as PyTorch). Max pooling treats padding as -inf; dilation applies to max pooling only
 * (average pooling requires 1). count_include_pad (0 or 1) is read by average pooling only:
 * 1 divides by kernel_h * kernel_w (window clipped to the padded input), 0 by the number of
 * input elements in the window.
 */
typedef struct nn_pool2d_desc {
    int64_t n, c, h, w;
    int64_t kernel_h, kernel_w;
    int64_t stride_h, stride_w;
    int64_t pad_h, pad_w;
    int64_t dilation_h, dilation_w;
    int32_t count_include_pad;
} nn_pool2d_desc;

/** Validates *desc and writes the output height and width. */
NN_API nn_status nn_pool2d_output_size(const nn_pool2d_desc* desc, int64_t* oh, int64_t* ow);

/**
 * Max pooling. indices [n, c, oh, ow] (may be NULL) receives, as PyTorch, the flat index
 * ih * w + iw of each maximum within its input plane (the first one on ties; NaN wins).
 */
NN_API nn_status nn_max_pool2d_forward(const nn_pool2d_desc* desc, const float* x, float* y, int64_t* indices);

/** dx (overwritten) = scatter-add of dy through the indices of the forward pass. */
NN_API nn_status nn_max_pool2d_backward(const nn_pool2d_desc* desc, const float* dy, const int64_t* indices,
                                        float* dx);

/** Average pooling (see nn_pool2d_desc for the divisor). */
NN_API nn_status nn_avg_pool2d_forward(const nn_pool2d_desc* desc, const float* x, float* y);

/** dx (overwritten) from dy of nn_avg_pool2d_forward with the same desc. */
NN_API nn_status nn_avg_pool2d_backward(const nn_pool2d_desc* desc, const float* dy, float* dx);

/**
 * maxpool(act(conv(x) + bias)) for a batch of n >= 1 images: the convolution followed by max
 * pooling (CNN's Conv -> ReLU -> MaxPool), with only the pooled output written. *pool describes
 * the pooling of the convolution's output: pool->n, c, h, w must be n, k, oh, ow;
 * count_include_pad is ignored. y [n, k, pool oh, pool ow] must not overlap x. The values equal
 * nn_conv2d_packed_forward followed by nn_max_pool2d_forward bit for bit: each task runs the
 * convolution for a few whole images into a per-thread buffer that stays in cache and pools it
 * there; a batch too small to give every thread such a task runs the two passes one after the other.
 */
NN_API nn_status nn_conv2d_packed_forward_maxpool(const nn_conv2d_packed* packed, int64_t n, const float* x,
                                                  nn_unary_op activation, float alpha, const nn_pool2d_desc* pool,
                                                  float* y);

/** A stem (packed with NCHW input: nn_conv2d_nchwc_supported gave 2) and the max pooling of its
 *  output in one call, x and y NCHW: y = maxpool(act(conv(x) + bias)) for n >= 1 images. *pool
 *  describes the pooling of one output plane (n, c = k, h = oh, w = ow of the convolution;
 *  dilation 1; count_include_pad ignored); y holds n x k x pooled oh x pooled ow. The values of
 *  nn_conv2d_nchwc_forward, nn_nchwc_to_nchw and nn_max_pool2d_forward, bit for bit; the
 *  convolution's output is pooled band by band from cache, never written whole. */
NN_API nn_status nn_conv2d_nchwc_forward_maxpool(const nn_conv2d_nchwc* packed, int64_t n, const float* x,
                                                 nn_unary_op activation, float alpha, const nn_pool2d_desc* pool,
                                                 float* y);

/**
 * Adaptive average pooling x [n, c, h, w] -> y [n, c, oh, ow], PyTorch's windows:
 * rows floor(i * h / oh) .. ceil((i + 1) * h / oh) (columns alike). oh = ow = 1 is global pooling.
 */
NN_API nn_status nn_adaptive_avg_pool2d_forward(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh,
                                                int64_t ow, const float* x, float* y);

/** dx (overwritten) from dy [n, c, oh, ow]. */
NN_API nn_status nn_adaptive_avg_pool2d_backward(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh,
                                                 int64_t ow, const float* dy, float* dx);

/**
 * Batch normalization, training mode, over x [n, c, spatial] (spatial = h * w for NCHW, l for NCL,
 * 1 for NC): per channel, mean and biased variance over n * spatial values;
 * y = (x - mean) / sqrt(var + eps) * gamma + beta. gamma / beta may be NULL (1 / 0).
 * running_mean / running_var (both or neither may be NULL) are updated in place as PyTorch:
 * r = (1 - momentum) * r + momentum * batch_value, with the UNBIASED variance (n * spatial >= 2
 * required when they are given). save_mean / save_invstd [c] (may be NULL) receive mean and
 * 1 / sqrt(var + eps) for nn_batch_norm_backward.
 */
NN_API nn_status nn_batch_norm_forward_training(int64_t n, int64_t c, int64_t spatial, const float* x,
                                                const float* gamma, const float* beta, float* running_mean,
                                                float* running_var, float momentum, float eps, float* y,
                                                float* save_mean, float* save_invstd);

/** Batch normalization, inference mode: normalizes with the running statistics. */
NN_API nn_status nn_batch_norm_forward_inference(int64_t n, int64_t c, int64_t spatial, const float* x,
                                                 const float* gamma, const float* beta,
                                                 const float* running_mean, const float* running_var, float eps,
                                                 float* y);

/**
 * Training-mode backward from the forward's x, save_mean and save_invstd: dx (overwritten),
 * dgamma and dbeta [c] (overwritten; each may be NULL). gamma may be NULL (1).
 */
NN_API nn_status nn_batch_norm_backward(int64_t n, int64_t c, int64_t spatial, const float* x, const float* dy,
                                        const float* gamma, const float* save_mean, const float* save_invstd,
                                        float* dx, float* dgamma, float* dbeta);

/**
 * Batch normalization, training mode, fused with the ReLU after it (and a residual added before
 * that ReLU, as in a ResNet block): y = relu(bn(x) + residual), one pass over memory instead of
 * three. residual [n, c, spatial] may be NULL (y = relu(bn(x))). Statistics and the other arguments
 * as nn_batch_norm_forward_training; y's bits are those of the three separate steps (NaN kept by
 * the ReLU). nn_batch_norm_relu_backward takes this y.
 */
NN_API nn_status nn_batch_norm_relu_forward_training(int64_t n, int64_t c, int64_t spatial, const float* x,
                                                     const float* residual, const float* gamma, const float* beta,
                                                     float* running_mean, float* running_var, float momentum,
                                                     float eps, float* y, float* save_mean, float* save_invstd);

/**
 * Backward of nn_batch_norm_relu_forward_training from its x, y, save_mean and save_invstd: the
 * ReLU's gradient g = dy * (y > 0 ? 1 : 0) goes into the batch-norm backward without being stored,
 * except into dresidual [n, c, spatial] (overwritten; may be NULL) when a residual was added.
 * dx (overwritten), dgamma and dbeta (as nn_batch_norm_backward). Same bits as the separate steps.
 */
NN_API nn_status nn_batch_norm_relu_backward(int64_t n, int64_t c, int64_t spatial, const float* x, const float* y,
                                             const float* dy, const float* gamma, const float* save_mean,
                                             const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                                             float* dresidual);

/**
 * nn_batch_norm_relu_backward with the gradient of y given in two parts, dy = dy_a + dy_b (y feeds
 * two consumers, as a ResNet block's output feeds the next block's convolution and its shortcut).
 * The parts are added element by element as the kernel reads them, in that order, so the results
 * have the bits of nn_eltwise's add into one tensor followed by nn_batch_norm_relu_backward, without
 * that tensor's write and two reads. dx must not alias dy_a, dy_b, x or y.
 */
NN_API nn_status nn_batch_norm_relu_backward_sum(int64_t n, int64_t c, int64_t spatial, const float* x,
                                                 const float* y, const float* dy_a, const float* dy_b,
                                                 const float* gamma, const float* save_mean,
                                                 const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                                                 float* dresidual);

/**
 * Inference-mode backward (the statistics are constants, e.g. a frozen layer): mean / invstd [c]
 * are what normalized the forward pass (running_mean and 1 / sqrt(running_var + eps)).
 * dx = dy * gamma * invstd (overwritten); dgamma = sum dy * (x - mean) * invstd and dbeta = sum dy
 * [c] (overwritten; each may be NULL). gamma may be NULL (1).
 */
NN_API nn_status nn_batch_norm_backward_inference(int64_t n, int64_t c, int64_t spatial, const float* x,
                                                  const float* dy, const float* gamma, const float* mean,
                                                  const float* invstd, float* dx, float* dgamma, float* dbeta);

/**
 * Layer normalization over the last d elements of each of `rows` rows:
 * y = (x - mean) / sqrt(var + eps) * gamma + beta (biased variance). gamma / beta [d] may be NULL.
 * save_mean / save_invstd [rows] may be NULL.
 */
NN_API nn_status nn_layer_norm_forward(int64_t rows, int64_t d, const float* x, const float* gamma,
                                       const float* beta, float eps, float* y, float* save_mean,
                                       float* save_invstd);

/** dx (overwritten), dgamma / dbeta [d] (overwritten, summed over rows; may be NULL). */
NN_API nn_status nn_layer_norm_backward(int64_t rows, int64_t d, const float* x, const float* dy,
                                        const float* gamma, const float* save_mean, const float* save_invstd,
                                        float* dx, float* dgamma, float* dbeta);

/**
 * Inverted dropout: mask[i] = 1 keeps x[i] (y = x / (1 - p)), 0 drops it (y = 0); keep
 * probability 1 - p (to 2^-24). mask[i] is a pure function of (seed, offset + i) (a counter-based
 * hash), so the result does not depend on threads or ISA, and a long tensor can be processed in
 * pieces by advancing offset. p in [0, 1]; p = 1 drops everything. mask may be NULL.
 */
NN_API nn_status nn_dropout_forward(const float* x, float* y, uint8_t* mask, int64_t n, float p, uint64_t seed,
                                    uint64_t offset);

/** dx = dy * mask / (1 - p) (0 where p = 1). dx may alias dy. */
NN_API nn_status nn_dropout_backward(const float* dy, const uint8_t* mask, float* dx, int64_t n, float p);

/* ================================================================================== recurrent == */

/**
 * Recurrent cells, PyTorch semantics and layouts. G = 4 gates for LSTM (order i, f, g, o),
 * 3 for GRU (order r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1-z)*n + z*h).
 * Weights: w_ih [G*H, I], w_hh [G*H, H], b_ih / b_hh [G*H] (both nullable = no bias).
 */
typedef NN_ENUM(nn_rnn_cell) { NN_RNN_LSTM = 0, NN_RNN_GRU = 1 } nn_rnn_cell;

/** Products of a recurrent layer. NN_RNN_BF16: every gate product (x W_ih^T, h W_hh^T, and in
 *  backward dG W_ih, dG W_hh, dG^T x, dG^T h) takes bf16-rounded operands with float32 sums, as
 *  the bf16 GEMM does (nn_bf16_products); the gates, the cell and hidden state, biases and the
 *  bias gradients stay float32 (PyTorch's CPU autocast). nn_rnn_pack rounds the packed weights. */
typedef NN_ENUM(nn_rnn_precision) { NN_RNN_FLOAT32 = 0, NN_RNN_BF16 = 1 } nn_rnn_precision;

/**
 * Shape of one recurrent layer run (56 bytes, blittable).
 *   x [T, B, I] (batch_first = 0) or [B, T, I] (batch_first = 1); y likewise with H for I.
 *   h0 / h_n / c0 / c_n: [B, H] for the single-layer primitives; [L * D, B, H] (D = 2 when
 *   bidirectional, PyTorch order: layer-major, forward before reverse) for the stack functions.
 *   num_layers and bidirectional must be 1 and 0 for the single-layer primitives, which run the
 *   direction `reverse` says; the stack functions require reverse = 0. precision: 0 (float32, the
 *   value of a zeroed struct) or NN_RNN_BF16.
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
    nn_rnn_precision precision; /* NN_RNN_FLOAT32 (0) or NN_RNN_BF16 (1): the gate products */
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
 * Inference (no backward pass to follow): the same outputs as nn_rnn_forward from W_hh and W_ih
 * that nn_rnn_pack laid out once, so a caller that keeps the packed copy across calls (until a
 * weight changes) skips the packing, and from a smaller workspace that keeps nothing for
 * backward. Each step multiplies h_{t-1} by the packed W_hh and x_t by the packed W_ih with
 * every gate of a block of 16 hidden units in registers and applies the cell there, so no
 * [T*B, G*H] input-projection matrix is written.
 *   nn_rnn_pack_size: floats of the packed weights: G*(H+I)*H with H rounded up to a multiple
 *     of 16 (W_hh's G*H*H, then W_ih's G*I*H).
 *   nn_rnn_pack: writes w_hh [G*H, H] and w_ih [G*H, I] to packed in that layout (ISA-independent).
 *     Place packed on a 64-byte boundary: the steps read it as whole vectors, and off a cache
 *     line each read touches two lines (LSTM b64 t50 i64 h256, 1 thread, Emerald Rapids: 15.1 ms
 *     aligned, 16.6-17.9 ms 8-16 bytes off).
 *   nn_rnn_infer_workspace_size: 3*B*H floats.
 *   nn_rnn_infer: arguments as nn_rnn_forward, with packed in place of w_ih and w_hh; y, h_n, c_n
 *     equal nn_rnn_forward's up to rounding (the input projection is summed in another order).
 */
NN_API nn_status nn_rnn_pack_size(const nn_rnn_desc* desc, int64_t* floats);
NN_API nn_status nn_rnn_pack(const nn_rnn_desc* desc, const float* w_ih, const float* w_hh, float* packed);
NN_API nn_status nn_rnn_infer_workspace_size(const nn_rnn_desc* desc, int64_t* floats);
NN_API nn_status nn_rnn_infer(const nn_rnn_desc* desc, const float* x, const float* packed, const float* b_ih,
                              const float* b_hh, const float* h0, const float* c0, const int64_t* lengths, float* y,
                              float* h_n, float* c_n, float* workspace);

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

/*
 * Optimizer updates, one parameter tensor of n floats per call, in place, PyTorch's formulas and
 * operation order (torch.optim, foreach=False). Every element is independent: results are
 * bitwise identical for any thread count and ISA. State arrays must not alias param or grad.
 * Softmax / log-softmax (the loss heads) live here as well.
 */

/**
 * SGD: d = grad (negated if maximize) + weight_decay * param; with momentum != 0,
 * buf = first_step ? d : momentum * buf + (1 - dampening) * d, d = nesterov ? d + momentum * buf : buf;
 * param -= lr * d. momentum_buf [n] may be NULL only when momentum == 0. Flags are 0 or 1.
 */
NN_API nn_status nn_sgd_update(int64_t n, float* param, const float* grad, float* momentum_buf, float lr,
                               float momentum, float dampening, float weight_decay, int32_t nesterov,
                               int32_t maximize, int32_t first_step);

/** Options of nn_adam_update, OR-ed together. */
typedef NN_ENUM(nn_adam_flags) {
    NN_ADAM_NONE = 0,
    NN_ADAM_DECOUPLED_WEIGHT_DECAY = 1, /* AdamW: param *= 1 - lr * weight_decay before the step */
    NN_ADAM_AMSGRAD = 2,                /* keep the running max of exp_avg_sq in max_exp_avg_sq */
    NN_ADAM_MAXIMIZE = 4                /* ascend: the gradient is negated */
} nn_adam_flags;

/**
 * Adam / AdamW step number `step` (>= 1; the caller counts): m = beta1-lerp of grad,
 * v = beta2 * v + (1 - beta2) * g^2, param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps).
 * max_exp_avg_sq [n] is required with NN_ADAM_AMSGRAD and ignored (may be NULL) without.
 * flags: nn_adam_flags values OR-ed (an int32_t so that combinations are valid values).
 */
NN_API nn_status nn_adam_update(int64_t n, float* param, const float* grad, float* exp_avg, float* exp_avg_sq,
                                float* max_exp_avg_sq, float lr, float beta1, float beta2, float eps,
                                float weight_decay, int64_t step, int32_t flags);

/**
 * nn_adam_update over `count` tensors in one call: tensor i has sizes[i] elements at params[i],
 * grads[i], exp_avgs[i], exp_avg_sqs[i] (and max_exp_avg_sqs[i] with NN_ADAM_AMSGRAD; the array
 * may be NULL without) and its own step count steps[i] (>= 1). One parallel region over all the
 * tensors, so a model's small parameters (biases, norm scales) no longer run one call each on
 * the calling thread. Each element gets the same operations as with nn_adam_update: the same bits.
 * The tensors must not overlap. Nothing is written unless every argument is valid.
 */
NN_API nn_status nn_adam_update_multi(int64_t count, const int64_t* sizes, float* const* params,
                                      const float* const* grads, float* const* exp_avgs, float* const* exp_avg_sqs,
                                      float* const* max_exp_avg_sqs, float lr, float beta1, float beta2, float eps,
                                      float weight_decay, const int64_t* steps, int32_t flags);

/**
 * RMSprop: square_avg = alpha * square_avg + (1 - alpha) * g^2; centered also tracks grad_avg and
 * uses sqrt(square_avg - grad_avg^2) + eps as the denominator; momentum > 0 accumulates
 * g / denom in momentum_buf. momentum_buf (momentum > 0) and grad_avg (centered) are required
 * exactly when used, else may be NULL. Flags are 0 or 1.
 */
NN_API nn_status nn_rmsprop_update(int64_t n, float* param, const float* grad, float* square_avg,
                                   float* momentum_buf, float* grad_avg, float lr, float alpha, float eps,
                                   float weight_decay, float momentum, int32_t centered, int32_t maximize);

/**
 * Softmax (log_softmax = 0) or log-softmax (1) of x viewed as [outer, dim, inner] along the middle
 * axis (inner = 1: contiguous rows). Max-subtracted, so large logits do not overflow. y may alias x.
 */
NN_API nn_status nn_softmax_forward(int64_t outer, int64_t dim, int64_t inner, const float* x, float* y,
                                    int32_t log_softmax);

/**
 * dx from the forward output y and dy: softmax dx = y * (dy - sum(dy * y)); log-softmax
 * dx = dy - exp(y) * sum(dy) (sums along dim). dx may alias dy.
 */
NN_API nn_status nn_softmax_backward(int64_t outer, int64_t dim, int64_t inner, const float* y, const float* dy,
                                     float* dx, int32_t log_softmax);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NATIVENET_H */
