// Internal SGEMM interface: every layer kernel (linear, convolution, recurrent) multiplies
// through here. Row-major: C[M,N] = act(alpha * op(A)[M,K] * op(B)[K,N] + beta * C + bias).
// beta == 0 never reads C. Threads come from the native pool (max_threads 0 = pool size).
#pragma once
#include <cstdint>

namespace nn::gemm {

enum class bias_mode : int { none = 0, per_row = 1 /* bias[M] */, per_col = 2 /* bias[N] */ };
// The values are nn_unary_op's. The C ABI's GEMM entry points take the first five; relu6 is for
// the convolution's own GEMM (MobileNet's 1x1 layers), so it needs no second pass over C.
enum class activation : int { none = 0, relu = 1, sigmoid = 2, tanh = 3, gelu = 4, relu6 = 14 };

// Applied to each tile of C while it is in cache, after alpha/beta.
struct epilogue {
    const float* bias = nullptr;
    bias_mode mode = bias_mode::none;
    activation act = activation::none;
};

// No argument validation here (the API layer validates); sizes may be 0.
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const epilogue& ep = epilogue{},
           int max_threads = 0);

struct kernels;

// Driver thresholds, exposed so native/bench can tune them; the library never changes them.
struct tuning {
    int64_t small_work = 1 << 16;        // m*n*k at or below: one thread, A and B read in place
    int64_t work_per_thread = 1 << 17;   // m*n*k per extra thread before another one is used (64^3
                                         // splits: a spinning worker joins within ~1 us)
    int64_t a_in_place_max_cols = 256;   // a thread's N range at or below: A not packed
    int64_t b_in_place_max_rows = 128;   // a thread's M range at or below: row-major B not packed,
    int64_t b_in_place_max_bytes = 1 << 16;  // ... if its B range is this small: larger ranges
                                             // miss L1/L2 (rows a power of two apart share cache
                                             // sets; Zen 3: 32x1024x128 ran at 39 in place, 65
                                             // packed) or sit in DRAM, where page-apart rows
                                             // defeat prefetching
    int64_t panel_major_max_rows = 256;  // a thread's M range of 2 micro-tiles up to this many rows:
                                         // all of A packed once per K block, each B column panel
                                         // read once and used against every A micro-panel while
                                         // it is in L1 (small-M shapes: no B block to pack, and B
                                         // is read once instead of once per micro-panel)
    int64_t panel_b_in_place_max_bytes = 1 << 19;  // ... and its row-major B range is read in
                                                   // place up to this size, packed a panel at a
                                                   // time above it
    int64_t panel_b_in_place_max_panels = 8;  // ... where at most this many micro-panels share
                                              // each panel of B: more reuse pays for packing it
                                              // (contiguous, so it stays in L1D, where rows a
                                              // power of two apart share a few sets). Emerald
                                              // Rapids, 1 thread: 256^3 (22 micro-panels) 1.06x
                                              // packed, 128^3 (11) 1.06x, 96x384x192 (8) 1.0x,
                                              // 64x256x784 (6) 0.99x, 32x1024x128 (3) 0.98x
    int64_t panel_b_stream_max_panels = -1;      // ... and a larger B streamed in place where the
    int64_t panel_b_stream_max_row_bytes = 8192;  // range has at most this many micro-panels (-1:
                                                  // the kernel table's stream_b_panels) and B's
                                                  // rows are at most this far apart (two pages)
    int64_t panel_pack_cols = 256;       // ... packed this many columns at a time (whole panels)
    int64_t panel_a_in_place_max_cols = 256;  // ... and A read in place where its N range is at
                                              // most this wide (and reads_a_in_place allows).
                                              // Emerald Rapids, 1 thread: 1.3-1.5x at one panel
                                              // (95x15x2676, 27x17x2567), 1.1x at two
                                              // (100x60x2000), 1.05x at 200-256 columns; no gain
                                              // wider (48x2304x576 0.97x, 96x384x192 0.93x)
    int64_t dot_max_n = 4;               // N at or below (and row-major A): dot products along K
                                         // instead of tiles (kernels/common/gemm_dot.h; at most
                                         // kDotMaxN)
    int64_t dot_a_floats_per_thread = 1 << 15;  // floats of A (m * k) per extra thread on that path:
                                                // it streams A once, so A's size is its cost.
                                                // Emerald Rapids, 2 threads, interleaved, min of
                                                // each call: 2256x1x48 1.65x (it had one thread)
    int64_t rank_k_max_k = 4;            // K at or below (at most kRankKMaxK): one rank-k update
                                         // streaming C (kernels/common/gemm_rank_k.h). Zen 5, 1
                                         // thread: 1.5-2x the tiles at k = 3 (3517x663x3,
                                         // 363x1819x3, 2281x5x3); at k = 6..8 the tiles were faster
                                         // (1478x762x6, 417x16x7, 2394x1795x8)
    int64_t rank_k_narrow_max_k = 8;     // ... and at or below this K where C's rows fit one
                                         // vector, n <= NR / 2 (at most kRankKMaxK)
    int64_t rank_k_work_per_thread = 3584;  // work per extra thread on that path, in units of
                                            // m * ceil(n / 16) * (k + 4): each vector of C costs
                                            // k FMAs and its store, a row at least one vector
                                            // (n = 3 costs what n = 16 does). About 0.25 ns a unit
                                            // at 1 thread; 2 threads from ~7K units (~1.8 us).
                                            // Emerald Rapids, 2 threads against 1, interleaved,
                                            // chrt -f 10, medians of 3: 500x3x8 (6K) 0.85x,
                                            // 1000x16x4 (8K) 1.29x, 1000x3x8 1.15x, 1500x3x4
                                            // 1.15x, 200x200x4 1.49x, 2995x3x8 1.59x, 2000x100x2
                                            // 1.79x, 512x256x4 1.85x
    int64_t strip_max_rows = 4;          // M at or below (at most kStripMaxRows), row-major B not
                                         // pre-packed: row strips, B read in place
                                         // (kernels/common/gemm_row_strip.h). Zen 5, 1 thread,
                                         // AVX-512: 1.3-3.5x the tiles at 1x4096x512, 2x1641x4078,
                                         // 3x777x300, 4x2000x700; 1.0-1.1x at 2x453x85, 4x211x2103
    int64_t strip_small_k_max_k = 48;    // K at or below, N at or above strip_small_k_min_n, row-major
    int64_t strip_small_k_min_n = 40;    // B not pre-packed: row strips over groups of
                                         // kStripMaxRows rows, nothing packed. Zen 5, 1 thread,
                                         // under load: 1.1-2x the tiles at 398x951x27, 50x110x12,
                                         // 136x194x6, 2394x1795x8, 161x2677x15, 1000x40x12,
                                         // 2728x688x40, 3000x300x48; 0.9x at 2728x688x53, 0.9-1.0x
                                         // at 400x32x16, below them at k = 128
    int64_t strip_small_k_max_bytes = 0;  // ... and where A, B and C together take at most this
                                          // many bytes (0: the L2 size, 1 MiB where unknown) or N
                                          // fits one column block of the strips. Past it C
                                          // streams from L3 or memory, and the strips' column
                                          // blocks each rewalk all rows, where the tiles ran
                                          // faster. Emerald Rapids (L2 2 MiB), 1
                                          // thread, CPU time, interleaved, chrt -f 10, medians of
                                          // 3, tiles against strips: past L2 968x1021x46 1.48x,
                                          // 508x1019x18 (2.2 MB) 1.30x, 3000x300x48 1.14x,
                                          // 2728x688x40 1.12x, 1696x599x27 1.09x, 2508x354x40
                                          // 1.01x; within it 161x2677x15 (1.9 MB) 0.95x,
                                          // 398x951x27 0.99x, 2941x68x17 0.96x, 136x194x6 0.77x.
                                          // The same at 2 threads (968x1021x46 1.67x,
                                          // 161x2677x15 0.91x). The Zen 5 figures above (a
                                          // loaded machine) had the strips ahead at 2728x688x40
                                          // and 3000x300x48; this limit is unmeasured on Zen.
    int64_t strip_b_block_bytes = 32768;  // ... each row group walking column blocks of B of at
                                          // most this size (k rows), kept in L1 across the groups
    int64_t narrow_max_k = 256;          // K at or below (and above the rank-k update's, m > kStripMaxRows):
                                         // where N fits one vector (n <= NR / 2), rows in groups
                                         // sharing each load of B, nothing packed
                                         // (kernels/common/gemm_narrow.h) instead of half-width
                                         // tiles (1.0x the tiles at k = 256 on AVX-512,
                                         // 1.1-1.3x below; gemm_narrow.h has the figures)
    int64_t narrow_wide_max_k = -1;      // ... and where N fits two vectors (n <= NR), two a row,
                                         // up to this K (-1: the kernel table's narrow_wide_max_k)
    int64_t shared_line_cycles = 128;    // cost (rough cycles, choose_grid) of a cache line of C
                                         // that two threads' column ranges share, per row
    int64_t kc = 0, nc = 0;              // > 0: override the ISA table's blocking (bench only)
};
tuning& tuning_params() noexcept;

// B packed once for many products (weights): the layout the active ISA's micro-kernel reads,
// K blocks of whole column panels. Valid only in this process (the layout depends on the ISA).
struct packed_b {
    packed_b(bool trans_b, int64_t k, int64_t n, const float* b, int64_t ldb);
    ~packed_b();
    packed_b(const packed_b&) = delete;
    packed_b& operator=(const packed_b&) = delete;

    int64_t k, n;
    int64_t kcb = 0, npad = 0;  // K block length and N rounded up to the tile width
    const kernels* kt = nullptr;
    float* data = nullptr;
};

// sgemm with B pre-packed (pb.k == k and pb.n == n are the caller's to check). Bitwise equal to
// sgemm on the same B.
void sgemm_packed(bool trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  const packed_b& pb, float beta, float* c, int64_t ldc, const epilogue& ep = epilogue{},
                  int max_threads = 0);

// The scalar reference (kernels/ref/gemm_ref.cpp): double accumulation, the tests' ground truth.
void sgemm_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
               int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
               const epilogue& ep = epilogue{});

}  // namespace nn::gemm
