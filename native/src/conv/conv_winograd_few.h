// Winograd's 16 products for a GEMM tile that holds only a few tiles (up to max_tiles): the
// last one of ResNet's 14x14 stage at batch 1 (49 tiles: 48 + 1) or of a thread's range of its
// 28x28 stage (100 tiles: 96 + 4). The tile-major kernel (winograd::kernels::gemm_part) puts the
// tiles in the lanes of one vector and broadcasts each weight: with one tile it spends a vector
// FMA, a load and a broadcast on one useful product. Here the tiles are broadcast and the weights
// of several output-channel blocks are the vector operands, so each FMA does kmr useful products
// and the blocks' accumulators are independent chains. Every sum runs over the channels in the
// same order, from the same start, as in gemm_part: the same bits.
#pragma once

#include <cstdint>

#include "runtime/kernel_table.h"

namespace nn::conv::winograd_few {

struct kernels {
    const char* isa;
    int kmr;        // output channels per block: the Winograd table's kmr (the U layout)
    int max_tiles;  // most tiles a call takes; 0 where gemm_part is as fast (the scalar table)
    // For b < blocks, r < kmr, q < n (n <= max_tiles): m[b * ms + r * mt + q] = init[b * kmr + r]
    // (0 when init is null) + sum_{c < channels} u[b * us + c * kmr + r] * v[c * vs + q], the sum
    // in channel order with the operations of the same ISA's winograd::kernels::gemm (one fused
    // multiply-add a term on the SIMD tables). m's other entries are left as they are.
    void (*gemm)(const float* u, int64_t us, int64_t blocks, const float* v, int64_t vs, int64_t channels,
                 const float* init, float* m, int64_t ms, int64_t mt, int n);
};

NN_KERNEL_TABLES(kernels)

// active(), or null where the Winograd path is not built (arm64).
const kernels* available() noexcept;

// Whether the Winograd drivers call this kernel (on by default); returns the previous setting.
// Tests compare the two ways bit for bit.
bool set_enabled(bool on) noexcept;

}  // namespace nn::conv::winograd_few
