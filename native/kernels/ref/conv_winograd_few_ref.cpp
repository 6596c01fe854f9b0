// Scalar few-tiles Winograd products (the contract in src/conv/conv_winograd_few.h), the sums as
// in the scalar Winograd table's gemm. max_tiles is 0: that gemm already spends one product a
// tile (lanes = 1), so the driver never calls this one; tests read it as the contract's statement.
#include "conv/conv_winograd_few.h"

namespace nn::conv::winograd_few {
namespace {

constexpr int kMr = 4;  // the scalar Winograd table's kmr

void gemm_ref(const float* u, int64_t us, int64_t blocks, const float* v, int64_t vs, int64_t channels,
              const float* init, float* m, int64_t ms, int64_t mt, int n) {
    for (int64_t b = 0; b < blocks; ++b)
        for (int r = 0; r < kMr; ++r)
            for (int q = 0; q < n; ++q) {
                float acc = init ? init[b * kMr + r] : 0.0f;
                for (int64_t c = 0; c < channels; ++c) acc += u[b * us + c * kMr + r] * v[c * vs + q];
                m[b * ms + r * mt + q] = acc;
            }
}

}  // namespace

const kernels ref_kernels = {"scalar", kMr, 0, &gemm_ref};

}  // namespace nn::conv::winograd_few
