// Packing routines shared by every ISA's SGEMM table (instantiated per translation unit, so each
// copy is compiled with that ISA's flags and auto-vectorized accordingly).
#pragma once
#include <cstdint>
#include <cstring>

namespace nn::gemm::pack_impl {

// A micro-panel: rows x kc from a strided source into p-major order with row stride MR.
template <int MR>
inline void pack_a(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, float* dst) {
    if (cs == 1) {
        // Row-major A: read each row sequentially (one stream per row), scatter into the panel.
        for (int i = 0; i < rows; ++i) {
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
