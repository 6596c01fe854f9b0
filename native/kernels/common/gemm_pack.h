// Packing routines shared by every ISA's SGEMM table (instantiated per translation unit, so each
// copy is compiled with that ISA's flags and auto-vectorized accordingly).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#if defined(__SSE__) || defined(_M_X64)
#  include <immintrin.h>
#  define NN_GEMM_PACK_SSE 1
#endif

namespace nn::gemm::pack_impl {
namespace {  // internal linkage: see simd.h

// A micro-panel: rows x kc from a strided source into p-major order with row stride MR.
template <int MR>
inline void pack_a(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, float* dst) {
    if (cs == 1) {
        int i = 0;
#if defined(NN_GEMM_PACK_SSE)
        // Row-major A: 4 rows x 4 k-steps at a time through an in-register 4x4 transpose, so
        // every load and store is a full vector (scalar scatter would cost ~8% of the GEMM).
        for (; i + 4 <= rows; i += 4) {
            const float* s0 = src + i * rs;
            const float* s1 = s0 + rs;
            const float* s2 = s1 + rs;
            const float* s3 = s2 + rs;
            float* d = dst + i;
            int64_t p = 0;
            for (; p + 4 <= kc; p += 4) {
                __m128 r0 = _mm_loadu_ps(s0 + p), r1 = _mm_loadu_ps(s1 + p);
                __m128 r2 = _mm_loadu_ps(s2 + p), r3 = _mm_loadu_ps(s3 + p);
                _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                _mm_storeu_ps(d + (p + 0) * MR, r0);
                _mm_storeu_ps(d + (p + 1) * MR, r1);
                _mm_storeu_ps(d + (p + 2) * MR, r2);
                _mm_storeu_ps(d + (p + 3) * MR, r3);
            }
            for (; p < kc; ++p) {
                d[p * MR + 0] = s0[p];
                d[p * MR + 1] = s1[p];
                d[p * MR + 2] = s2[p];
                d[p * MR + 3] = s3[p];
            }
        }
#endif
        // Remaining rows: each row read sequentially, scattered into the panel.
        for (; i < rows; ++i) {
            const float* s = src + i * rs;
            float* d = dst + i;
            for (int64_t p = 0; p < kc; ++p) d[p * MR] = s[p];
        }
    } else {
        // Transposed A: each k step is a short contiguous run of rows.
        for (int64_t p = 0; p < kc; ++p) {
            const float* s = src + p * cs;
            float* d = dst + p * MR;
            for (int i = 0; i < rows; ++i) d[i] = s[i * rs];
        }
    }
}

// B block: kc x nc (B(p, j) = src[p * rs + j * cs]) into ceil(nc / NR) panels of kc x NR,
// panel j at dst + j * kc * NR, zero-padded beyond nc so the micro-kernel always loads full
// vectors.
template <int NR>
inline void pack_b(const float* src, int64_t rs, int64_t cs, int64_t kc, int64_t nc, float* dst) {
    const int64_t full = nc / NR, rem = nc % NR, panel = kc * NR;
    if (cs == 1) {
        // Row-major B: walk each source row left to right across every panel, so the reads are
        // sequential (the hardware prefetcher streams them; a panel-at-a-time walk would touch
        // one 128-byte piece per row and page, and wait on memory for each).
        for (int64_t p = 0; p < kc; ++p) {
            const float* s = src + p * rs;
            float* d = dst + p * NR;
#if defined(NN_GEMM_PACK_SSE)
            // Rows are often a page or more apart, which stops the hardware prefetcher at each
            // row: request a row a few iterations ahead explicitly.
            const float* ahead = src + std::min<int64_t>(p + 4, kc - 1) * rs;
            for (int64_t j = 0; j < full; ++j) {
                for (int q = 0; q < NR; q += 16) _mm_prefetch(reinterpret_cast<const char*>(ahead + j * NR + q), _MM_HINT_T0);
                std::memcpy(d + j * panel, s + j * NR, sizeof(float) * NR);
            }
#else
            for (int64_t j = 0; j < full; ++j) std::memcpy(d + j * panel, s + j * NR, sizeof(float) * NR);
#endif
            if (rem) {
                float* dr = d + full * panel;
                const float* sr = s + full * NR;
                for (int64_t j = 0; j < rem; ++j) dr[j] = sr[j];
                for (int64_t j = rem; j < NR; ++j) dr[j] = 0.0f;
            }
        }
    } else {
        // Transposed B: a panel is the transpose of NR source rows, the same reshuffle as A.
        for (int64_t j = 0; j * NR < nc; ++j) {
            const int cols = static_cast<int>(j < full ? NR : rem);
            float* d = dst + j * panel;
            pack_a<NR>(src + j * NR * cs, cs, rs, cols, kc, d);
            if (cols < NR)
                for (int64_t p = 0; p < kc; ++p)
                    for (int c = cols; c < NR; ++c) d[p * NR + c] = 0.0f;
        }
    }
}

}  // namespace
}  // namespace nn::gemm::pack_impl
