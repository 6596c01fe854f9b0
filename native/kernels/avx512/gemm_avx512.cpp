// AVX-512 SGEMM micro-kernel: 12 x 32 tile (24 zmm accumulators, 2 zmm of B, broadcast A).
// Why this shape on Zen 4: AVX-512 FMAs run as 2 x 256-bit on the two FMA pipes, i.e. one zmm
// FMA per cycle at 4 cycles latency, so >= 4 independent accumulators keep the pipes full; 24
// give ample slack and the tile needs only 14 loads (2 B vectors + 12 broadcasts) per 24 FMAs,
// well within the 2 loads per cycle. 32 columns = two zmm, the width of one 128-byte B row.
// Blocking (kc = 512, nc = 1024, set in the table below): the A micro-panel (12 x 512 floats,
// 24 KiB) stays in L1 while the tile walks the packed B block.
#include <immintrin.h>

#include <cstdint>


#include "../common/gemm_x86_tile.h"
#include "../common/vecmath.h"
#include "gemm_epilogue_avx512.h"
#include "gemm/gemm.h"
#include "gemm/gemm_kernels.h"

namespace nn::gemm {
namespace {

using V = nn::simd::V512;
constexpr int MR = 12;
constexpr int NR = 32;

constexpr int64_t kPrefetchSteps = 16;  // 32 was no faster at 6x1275x1088 (Emerald Rapids)
// Packed B against packed A (the large products' tile): B's panel (kc x 32, 64 KiB at kc = 512)
// is larger than L1D, so each tile streams it from L2; requesting the line this many k steps
// (2 KiB) ahead keeps the loads from waiting on L2. Emerald Rapids, 1 thread, interleaved, medians
// of 5: 1024^3 1.16x, 2048^3 1.08x; with A read in place (row-major A, its 12 rows are streams
// of their own) it cost 3-4% at 778x213x1468 and 1415x146x593, so it is left out there.
constexpr int64_t kPackedPrefetchSteps = 16;
// Packed B streamed from memory or L3 by the first of a few micro-panels whose A is read in place
// (tile_args::prefetch_b: a pre-packed weight larger than the L2 in a panel-major range,
// diabetes_cnn's fc1, 16x128x25088 against 12.8 MB): its lines requested this many k steps
// (4 KiB) ahead. The hardware
// prefetcher alone left that tile waiting on the stream while the next micro-panel, reading the
// panel from L2, ran near the peak. Emerald Rapids, bench_gemm --packed 16x128x25088, interleaved,
// chrt -f 10, under load (load average ~19), 5 pairs: 0.94-0.97 -> 0.89-0.91 ms at 1 thread,
// 0.49-0.53 -> 0.48-0.50 ms at 2; 64 steps measured the same as 32.
constexpr int64_t kStreamPrefetchSteps = 32;

using epilogue512::apply_act;
using epilogue512::first_n;

// R rows of the tile; A_RS1 and HALF as in gemm_x86_tile.h. STREAM: the packed-B stream
// prefetch (kStreamPrefetchSteps) is compiled in; tile_body below takes it only where the call
// asks for it, so the other pre-packed tiles' k loops carry no test for it.
template <int R, bool A_RS1, bool BP, bool HALF, bool STREAM>
void tile_loop(const tile_args& t) {
    __m512 c0[R], c1[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
    // Step p's operands are formed as base + p * stride, never by stepping a pointer past the
    // last step: with a stride near INT64_MAX (k = 1) that step overflows (UBSan, fuzz_gemm).
    const float* const a_base = t.a;
    const float* const b_base = t.b;
    const int64_t ars = A_RS1 ? 1 : t.a_rs, acs = t.a_cs, brs = BP ? NR : t.b_rs;
    const __mmask16 bm0 = BP ? 0xFFFF : first_n(t.n), bm1 = BP ? 0xFFFF : first_n(t.n - 16);
    int64_t k = t.k;
    // Only where B is streamed once (cache-resident B read in place, e.g. the panel-major path's,
    // ran 7% slower with the prefetches at 32x1024x128).
    const int64_t prefetch_end = !BP && t.prefetch_b ? k - kPrefetchSteps : 0;
    epilogue512::prefetch_c<R>(t);  // the epilogue does not wait on C
#pragma GCC unroll 4
    for (int64_t p = 0; p < k; ++p) {
        const float* a = a_base + p * acs;
        const float* b = b_base + p * brs;
        // B streamed in place: its rows are a row of B apart (often a page or more), which the
        // hardware prefetchers do not follow, so each row is requested kPrefetchSteps ahead.
        if (!BP && p < prefetch_end) {
            const float* ahead = b_base + (p + kPrefetchSteps) * brs;
            _mm_prefetch(reinterpret_cast<const char*>(ahead), _MM_HINT_T0);
            _mm_prefetch(reinterpret_cast<const char*>(ahead + (HALF ? 15 : 31)), _MM_HINT_T0);
        }
        if constexpr (STREAM) {  // an integer address, as below
            const auto ahead = reinterpret_cast<uintptr_t>(b_base) + static_cast<uintptr_t>(p + kStreamPrefetchSteps) * (NR * sizeof(float));
            _mm_prefetch(reinterpret_cast<const char*>(ahead), _MM_HINT_T0);
            if (!HALF) _mm_prefetch(reinterpret_cast<const char*>(ahead + 64), _MM_HINT_T0);
        }
        if (BP && A_RS1) {
            // Formed from the address as an integer: the last steps' lines lie past the panel
            // (the next panel, or past the block), which a prefetch may touch but a pointer may not.
            const auto ahead = reinterpret_cast<uintptr_t>(b_base) + static_cast<uintptr_t>(p + kPackedPrefetchSteps) * (NR * sizeof(float));
            _mm_prefetch(reinterpret_cast<const char*>(ahead), _MM_HINT_T0);
            if (!HALF) _mm_prefetch(reinterpret_cast<const char*>(ahead + 64), _MM_HINT_T0);
        }
        __m512 b0 = BP ? _mm512_loadu_ps(b) : _mm512_maskz_loadu_ps(bm0, b);
        __m512 b1 = HALF ? _mm512_setzero_ps() : BP ? _mm512_loadu_ps(b + 16) : _mm512_maskz_loadu_ps(bm1, b + 16);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            __m512 av = _mm512_set1_ps(a_at(a, r, ars));
            c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
            if (!HALF) c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
        }
    }
    // Epilogue on the hot tile: alpha, beta, bias, activation, masked stores for edge columns.
    epilogue512::store<R>(t, c0, c1);
}

template <int R, bool A_RS1, bool BP, bool HALF>
void tile_body(const tile_args& t) {
    // The stream prefetch serves a pre-packed weight larger than the L2 read against few rows of
    // A in place (full-width panels: fc1's 128 columns).
    if constexpr (BP && !A_RS1 && !HALF)
        if (t.prefetch_b) return tile_loop<R, A_RS1, BP, HALF, true>(t);
    tile_loop<R, A_RS1, BP, HALF, false>(t);
}

}  // namespace

// Streamed B (stream_b_panels = 8): see run_panel_major in gemm.cpp for the measurements.
// Narrow N in two vectors a row (17-32 columns) up to k = 400: Emerald Rapids, 1 thread, CPU time,
// interleaved with the tiles, medians of 3: 300x30x10 1.32x, 500x24x30 1.22x, 2000x32x16 1.2x,
// 800x20x48 1.12x, 1092x19x20 1.09x, 1000x28x128 1.05x, 1000x24x256 1.04x, 500x30x400 1.08x.
NN_GEMM_X86_ISA_TABLE(avx512, /*kc=*/512, /*nc=*/1024, /*stream_b_panels=*/8, /*narrow_wide_max_k=*/400)

}  // namespace nn::gemm
