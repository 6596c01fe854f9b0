// bfloat16: conversion kernels and the bf16 GEMM (C ABI: the bfloat16 section of nativenet.h).
//
// Kernel table (runtime/kernel_table.h): every ISA converts; avx512_bf16 multiplies in bf16
// (vdpbf16ps); avx512 multiplies B kept as bf16 pairs with float32 FMAs (widened in the
// micro-kernel, same packing). Where `tile` is null (scalar, AVX2, NEON) the GEMM rounds both
// operands to bf16 and runs the float32 SGEMM on them, so bf16 storage works on any CPU and no
// bf16 instruction is reachable there.
#pragma once
#include <cstdint>
#include <memory>

#include "gemm/gemm.h"
#include "gemm/gemm_kernels.h"
#include "runtime/kernel_table.h"

namespace nn::bf16 {

// One micro-tile of C from bf16 operands. K runs in pairs (vdpbf16ps multiplies two adjacent k
// values per float32 lane); an odd K is padded with a zero pair half in both operands.
//   A panel: a[pp * mr + i] = the pair (A(i, 2pp), A(i, 2pp + 1)), low half first.
//   B panel: b[pp * nr + j] = the pair (B(2pp, j), B(2pp + 1, j)), zero for columns >= n.
// out: C, ldc, m, n, alpha, beta, bias and activation exactly as for the SGEMM micro-kernel
// (its k, a and b are unused). Per element, pairs are accumulated in increasing order from zero.
struct tile_args {
    int64_t kp;  // pairs
    const uint32_t* a;
    const uint32_t* b;
    gemm::tile_args out;
};

struct kernels {
    const char* isa;
    void (*to_bf16)(const float* x, uint16_t* y, int64_t n);
    void (*to_f32)(const uint16_t* x, float* y, int64_t n);
    // y[i] = bf16(x[i]) as a float (x == y allowed): one pass, where products run in float32 on
    // rounded operands.
    void (*round)(const float* x, float* y, int64_t n);
    // bf16 products (null: the rounded operands go through the float32 SGEMM).
    int mr = 0, nr = 0;          // micro-tile
    int64_t kc = 0, nc = 0;      // K block (even), N block (multiple of nr)
    void (*tile)(const tile_args& t) = nullptr;
    // A micro-panel: rows (<= mr) x kc of A(i, p) = src[i * rs + p * cs], rounded, as pairs.
    void (*pack_a)(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, uint32_t* dst) = nullptr;
    // One K block of B (kc rows of B(p, j) = src[p * rs + j * cs], all n columns), rounded, as
    // the panels of pairs packed_b describes.
    void (*pack_b)(const float* src, int64_t rs, int64_t cs, int64_t kc, int64_t n, uint16_t* dst) = nullptr;
    // Winograd F(2x2, 3x3)'s transform-domain products (conv/conv_winograd.h) on pairs of input
    // channels: m[r * wnt + q] = init[r] + sum_{cp < pairs} u[cp * wkmr + r] . v[cp * vs + q]
    // (init null: zeros; "." two bf16 multiply-adds) for r < wkmr, q < wnt. wkmr and wnt are the
    // float32 Winograd table's of the same ISA, so its output transform reads m as it is.
    int wkmr = 0, wnt = 0;
    void (*winograd_gemm)(const uint32_t* u, const uint32_t* v, int64_t vs, int64_t pairs, const float* init,
                          float* m) = nullptr;
    // Adjacent rows as pairs: dst[cp * dvs + q] = bf16(src[2cp * vs + q]) | bf16(src[(2cp + 1) * vs + q]) << 16
    // for cp < (rows + 1) / 2, q < n; a missing last odd row counts as zero.
    void (*row_pairs)(const float* src, int64_t vs, int64_t rows, int64_t n, uint32_t* dst, int64_t dvs) = nullptr;
    // Throughput probe for products_choice(): `steps` rounds of 12 independent accumulator chains
    // of vdpbf16ps (dot) or of vfmadd231ps (zmm), operands from seed[0..3), sums to out[0..16).
    void (*rate_chains)(bool dot, int64_t steps, const float* seed, float* out) = nullptr;
    // 32-bit words of packed A per pair of k values: 1 (a bf16 pair, for vdpbf16ps) or 2 (two
    // rounded floats, for a float32 kernel on B pairs). A panel is then a[p * mr + i] = A(i, p).
    int a_words = 1;
};

NN_KERNEL_TABLES(kernels)
const kernels* avx512_bf16_kernels() noexcept;

// B rounded to bf16 and packed once. With a micro-kernel (`tile`): K blocks of kcb (even) rows, each
// holding ceil(n / nr) panels of pairs (block pc at data + pc * npad, panel j at + j * kce * nr,
// kce = the block's length rounded up to even). Otherwise the rounded B packed for the SGEMM.
// The packing is split over the thread pool (whole panels per thread; bitwise the same for any
// thread count). `storage`: owned allocates the packed data (a layer's weights, kept); call_scratch
// packs into the calling thread's scratch::bf16_pack_b, valid until that thread packs again, so a
// B that changes every call (training's products) costs no allocation and no page faults.
struct packed_b {
    enum class storage { owned, call_scratch };
    packed_b(bool trans_b, int64_t k, int64_t n, const float* b, int64_t ldb, storage where = storage::owned,
             int max_threads = 0);
    ~packed_b();
    packed_b(const packed_b&) = delete;
    packed_b& operator=(const packed_b&) = delete;

    int64_t k, n;
    int64_t kcb = 0, npad = 0;
    const kernels* kt = nullptr;
    uint16_t* data = nullptr;
    bool owns_data = false;
    std::unique_ptr<gemm::packed_b> f32;
};

// A rounded to bf16 and packed once into caller-owned storage (a convolution's weights, shared by
// every band of a call, or kept in a layer's pack), K blocked as packed_b for the same k. With a
// micro-kernel: block pc at pair data + (pc / 2) * mpad, micro-panel i (rows [i * mr, ...)) at
// + i * kpb * mr (kpb = the block's pairs), laid out as kernels::pack_a writes, every offset in
// units of kernels::a_words 32-bit words. Otherwise the
// rounded op(A), dense m x k floats, for the float32 SGEMM.
struct packed_a {
    // Floats of storage the layout needs for an m x k operand with the active table.
    static int64_t storage_floats(int64_t m, int64_t k);
    // The layout over storage (storage_floats(m, k) floats), packed already or by pack().
    packed_a(int64_t m, int64_t k, float* storage);
    // Rounds and packs op(A) (m x k; lda as for nn_sgemm) into the storage.
    void pack(bool trans_a, const float* a, int64_t lda);

    int64_t m, k;
    int64_t kcb = 0, mpad = 0;
    const kernels* kt = nullptr;
    float* data = nullptr;
    // Row offsets a call may start at: multiples of the micro-tile (1 without bf16 products).
    int64_t row_align() const { return kt->tile ? kt->mr : 1; }
};

// C = act(alpha * bf16(op(A)) * B + beta * C + bias). No argument validation (the API layer does).
void gemm_packed(bool trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                 const packed_b& pb, float beta, float* c, int64_t ldc, const gemm::epilogue& ep, int max_threads = 0);
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const gemm::epilogue& ep, int max_threads = 0);

// C (m x n) = act(A[rows [a_row0, a_row0 + m)] * bf16(op(B)) + bias) (alpha 1, beta 0): A packed
// once, B rounded and packed during the call into this thread's scratch. a_row0 is a multiple of
// pa.row_align(). With bf16 products, bitwise equal to gemm on the same operands (without, the
// same rounded operands on the float32 SGEMM, whose path may differ in summation order).
void gemm_packed_a(const packed_a& pa, int64_t a_row0, int64_t m, bool trans_b, int64_t n, const float* b,
                   int64_t ldb, float* c, int64_t ldc, const gemm::epilogue& ep, int max_threads = 0);

// Whether bf16 products run on vdpbf16ps or on the float32 kernels (operands rounded to bf16
// values). Chosen once per process: never where the ISA cap or CPU lacks AVX512_BF16; else
// NATIVENET_BF16_DOT=1 or 0 forces the answer; else a probe times vdpbf16ps against zmm FMAs and
// takes vdpbf16ps only at >= kDotMinSpeedup its FLOP rate (2 FLOPs per bf16 pair: 64 per
// vdpbf16ps, 32 per FMA). Measured ratios are far from the threshold: about 2.1 on AMD Zen 5,
// 0.49 on Intel Emerald Rapids (one vdpbf16ps zmm per 2 cycles against two FMAs per cycle).
// bf16::active() asks it, so every bf16 call site (GEMM, im2col and Winograd convolutions,
// packed layouts) follows the one decision.
constexpr double kDotMinSpeedup = 1.3;
struct products_choice_t {
    bool dot = false;      // vdpbf16ps products (the avx512_bf16 table)
    double speedup = 0;    // measured vdpbf16ps FLOP rate / FMA FLOP rate; 0 when not measured
    char reason[192] = {};  // one line for nn_bf16_products() / `nativenet info`
};
const products_choice_t& products_choice() noexcept;
// The rule itself, for tests: `available` (the cap admits avx512_bf16 and this build has its
// table), the NATIVENET_BF16_DOT value (may be null), and the probe (called only when needed).
products_choice_t decide_products(bool available, const char* env, double (*measure)());
// The probe: vdpbf16ps FLOP rate over the zmm FMA rate on this core, best of several short runs
// (about 0.2 ms in all). Requires the avx512_bf16 table to run here.
double measure_dot_speedup();

// True when this process multiplies in bf16 (vdpbf16ps: products_choice().dot).
bool native_products() noexcept;

// x[i] = bf16(x[i]) widened back to float, in place: the operands of the float32 kernels where
// this process has no bf16 products.
void round_in_place(float* x, int64_t n);
// y[i] = bf16(x[i]) as a float for i < n, in pieces over the thread pool (elementwise: the same
// bits for any thread count).
void round_copy(const float* x, float* y, int64_t n);

}  // namespace nn::bf16
