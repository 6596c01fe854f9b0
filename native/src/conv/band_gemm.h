// The convolution's own GEMM loop (implicit GEMM): the drivers call the SGEMM micro-kernel
// directly so that
//   - A (the weights, or their transpose) is packed into micro-panels once per call, not once
//     per band of output rows as a general sgemm call would;
//   - B (im2col of a band of output rows, or a band of dY) is packed straight into the
//     micro-kernel's panel layout one K block at a time, L2-sized, instead of being read in
//     place with a row stride of a whole plane (a page or more: no prefetching, TLB misses).
// Blocking depends on the shape only, so every element sums in the same order for any thread
// count.
#pragma once
#include <cstdint>

#include "gemm/gemm_kernels.h"
#include "runtime/threadpool.h"

namespace nn::conv {

// The reduction axis cut into blocks of whole `unit`s (a channel's r*s taps, so a block is the
// im2col of whole channels), at most ~max_block long (blocking::k_block), balanced so the last block is not a sliver.
struct kblocking {
    int64_t k, step;
    int64_t count() const { return (k + step - 1) / step; }
    int64_t begin(int64_t b) const { return b * step; }
    int64_t len(int64_t b) const { return k - b * step < step ? k - b * step : step; }
};
kblocking make_kblocking(int64_t k, int64_t unit, int64_t max_block);

// Rows of A rounded up to the micro-tile height: the packed A's row count.
int64_t padded_rows(const gemm::kernels& K, int64_t m);

// Packs A (A(i, p) = a[i * rs + p * cs], m x kb.k) into dst: K block b at dst + begin(b) *
// padded_rows(m), as micro-panels of len(b) x mr. dst holds padded_rows(m) * kb.k floats.
void pack_a_blocks(const gemm::kernels& K, const float* a, int64_t rs, int64_t cs, int64_t m, const kblocking& kb,
                   float* dst);

// One K block of A as the micro-kernel reads it: packed micro-panels (padded_rows(m) x kc, as
// pack_a_blocks lays out one block), or in place, A(i, p) = p[i * rs + p] (rows contiguous and
// L2-resident: packing would cost a pass over them for little gain).
struct a_view {
    const float* p;
    int64_t rs;  // in place: row stride; 0: packed
};

// C[m x n] = act(A * B + bias_row), or C += A * B with `accumulate`, one K block at a time:
// a_block(k0, kc) returns A's columns [k0, k0 + kc) and pack_b(k0, kc, dst) writes B's rows [k0, k0 + kc), n
// columns, as gemm::kernels::pack_b lays them out (dst: kb.step * n rounded up to nr floats,
// conv scratch slot 1).
void band_gemm(const gemm::kernels& K, int64_t m, const kblocking& kb, int64_t n,
               function_ref<a_view(int64_t k0, int64_t kc)> a_block,
               function_ref<void(int64_t k0, int64_t kc, float* dst)> pack_b, float* c, int64_t ldc, bool accumulate,
               const float* bias_row, int act);

// band_gemm on B already packed: b_block(k0, kc) returns B's rows [k0, k0 + kc) as pack_b would
// have written them. The same micro-kernel calls in the same order, so the same bits; for tasks
// that share one packed B (chunks of output channels of one band) instead of each packing it.
void band_gemm_prepacked(const gemm::kernels& K, int64_t m, const kblocking& kb, int64_t n,
                         function_ref<a_view(int64_t k0, int64_t kc)> a_block,
                         function_ref<const float*(int64_t k0, int64_t kc)> b_block, float* c, int64_t ldc,
                         bool accumulate, const float* bias_row, int act);

}  // namespace nn::conv
