// Scalar SGEMM micro-kernel (4 x 16 tile): the reference implementation of the micro-kernel
// contract in gemm/gemm_kernels.h, used when NATIVENET_MAX_ISA=scalar. Plain loops, so it is
// portable to any target; the tile keeps the accumulators in an array the compiler can keep in
// (SSE) registers.
#include <cmath>

#include "activation_ref.h"

#include "../common/gemm_pack.h"
#include "gemm/gemm.h"
#include "gemm/gemm_kernels.h"

namespace nn::gemm {
namespace {

constexpr int MR = 4;
constexpr int NR = 16;

float apply_act(int act, float v) { return nn::ref::activate(act, v); }

void tile(const tile_args& t) {
    float acc[MR][NR] = {};
    const int m = t.m, n = t.n;
    const float* a = t.a;
    const float* b = t.b;
    for (int64_t p = 0; p < t.k; ++p) {
        for (int i = 0; i < m; ++i) {
            const float av = a[i * t.a_rs];
            for (int j = 0; j < NR; ++j) {
                if (t.b_packed || j < n) acc[i][j] += av * b[j];
            }
        }
        a += t.a_cs;
        b += t.b_rs;
    }
    for (int i = 0; i < m; ++i) {
        float* cr = t.c + i * t.ldc;
        for (int j = 0; j < n; ++j) {
            float v = t.alpha * acc[i][j];
            if (t.beta != 0.0f) v += t.beta * cr[j];
            if (t.bias_row) v += t.bias_row[i];
            if (t.bias_col) v += t.bias_col[j];
            cr[j] = apply_act(t.act, v);
        }
    }
}

void pack_a(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, float* dst) {
    pack_impl::pack_a<MR>(src, rs, cs, rows, kc, dst);
}
void pack_b(const float* src, int64_t rs, int64_t cs, int64_t kc, int64_t nc, float* dst) {
    pack_impl::pack_b<NR>(src, rs, cs, kc, nc, dst);
}

}  // namespace

const kernels ref_kernels = {"scalar", MR, NR, /*kc=*/256, /*nc=*/512, &tile, &pack_a, &pack_b};

}  // namespace nn::gemm
