// Packing routines shared by every ISA's SGEMM table (instantiated per translation unit, so each
// copy is compiled with that ISA's flags and auto-vectorized accordingly).
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__SSE__) || defined(_M_X64)
#  include <immintrin.h>
#  define NN_GEMM_PACK_SSE 1
#endif

namespace nn::gemm::pack_impl {

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

// B micro-panel: kc x cols into p-major rows of NR floats, zero-padded beyond cols so the
// micro-kernel can always load full vectors.
template <int NR>
inline void pack_b(const float* src, int64_t rs, int64_t cs, int cols, int64_t kc, float* dst) {
    if (cs == 1) {
        if (cols == NR) {
            for (int64_t p = 0; p < kc; ++p) std::memcpy(dst + p * NR, src + p * rs, sizeof(float) * NR);
        } else {
            for (int64_t p = 0; p < kc; ++p) {
                float* d = dst + p * NR;
                const float* s = src + p * rs;
                for (int j = 0; j < cols; ++j) d[j] = s[j];
                for (int j = cols; j < NR; ++j) d[j] = 0.0f;
            }
        }
    } else {
        // Transposed B: column j of the panel is a contiguous run of source row j.
        for (int j = 0; j < cols; ++j) {
            const float* s = src + j * cs;
            for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = s[p * rs];
        }
        if (cols < NR)
            for (int64_t p = 0; p < kc; ++p)
                for (int j = cols; j < NR; ++j) dst[p * NR + j] = 0.0f;
    }
}

}  // namespace nn::gemm::pack_impl
