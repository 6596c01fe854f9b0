// SGEMM driver, BLIS style (row-major view):
//   for jc over N by NC:              B block kc x nc packed once, stays in L2
//     for pc over K by KC:
//       for ic over M by MR:          A micro-panel mr x kc packed, stays in L1
//         for jr over nc by NR:       micro-kernel, C tile updated while hot
// Threads split the (M, N) plane into rectangles of whole micro-tiles; each thread packs its
// own B columns (Zen 4's L2 is private) and its own A panels. K is never split, and every
// element's arithmetic depends only on K and the K blocking (a function of k alone), so any
// thread count, the small path and the pre-packed path produce bitwise identical C.
#include "gemm.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__SSE__) || defined(_M_X64)
#  include <immintrin.h>
#  define NN_GEMM_DRIVER_SSE 1
#endif

#include "gemm_kernels.h"
#include "runtime/cpu.h"
#include "runtime/error.h"
#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"

namespace nn::gemm {
namespace {

tuning g_tuning;

// 64-byte aligned float buffers. Aligned operator new is portable (MSVC and MinGW have no
// std::aligned_alloc) and throws std::bad_alloc, which the API guard reports.
float* alloc_floats(size_t n) {
    return static_cast<float*>(::operator new(n * sizeof(float), std::align_val_t(64)));
}
void free_floats(float* p) noexcept {
    if (p) ::operator delete(p, std::align_val_t(64));
}

// Packing buffers are per-thread scratch, grown on demand and kept (pool threads are
// long-lived), so steady-state calls never allocate (runtime/thread_scratch.h).

// a >= 0, b > 0; never forms a + b - 1, which overflows for n near INT64_MAX (fuzz_gemm).
int64_t ceil_div(int64_t a, int64_t b) { return a / b + (a % b != 0); }

struct problem {
    int64_t m, n, k;
    float alpha, beta;
    const float* a;
    int64_t a_rs, a_cs;  // A(i, p) = a[i * a_rs + p * a_cs]
    const float* b;
    int64_t b_rs, b_cs;  // B(p, j) = b[p * b_rs + j * b_cs]
    float* c;
    int64_t ldc;
    epilogue ep;
    const kernels* kt;
    int64_t kcb;             // K block length (the last block may be shorter)
    const float* prepacked;  // whole B packed by pack_b_full, or null
    int64_t npad;            // N rounded up to NR (layout of prepacked)
    bool small;              // read A in place; B in place unless transposed
};

// Blocks of at most KC, balanced so the last is not a sliver. Depends on k and KC only.
int64_t k_block(int64_t k, int64_t kc) {
    if (k <= kc) return std::max<int64_t>(k, 1);
    int64_t nb = ceil_div(k, kc);
    return ceil_div(k, nb);
}

tile_args base_args(const problem& pr) {
    tile_args t{};
    t.alpha = pr.alpha;
    t.ldc = pr.ldc;
    return t;
}

// Packing pays off when the packed panel is reused: A panels across a thread's N range, the
// B block across its M range. Short ranges read the operand in place. (Transposed B always
// packs: the kernel wants rows of B contiguous. A is read in place in any layout.)
bool reads_b_in_place(const problem& pr, int64_t rows, int64_t cols) {
    if (pr.prepacked != nullptr || pr.b_cs != 1) return false;
    if (rows <= pr.kt->mr) return true;  // one micro-tile row: each element of B is used once
    // k * cols * 4 <= max_bytes, written as a division: k and cols may each be near INT64_MAX.
    const int64_t max_floats = g_tuning.b_in_place_max_bytes / static_cast<int64_t>(sizeof(float));
    return pr.small || (rows <= g_tuning.b_in_place_max_rows && (cols == 0 || pr.k <= max_floats / cols));
}
// Transposed A whose k steps lie a page or more apart (e.g. dW = dG^T X over T*B rows of a
// wide dG) is always packed: read in place, each k step of a micro-panel is a new page and
// the lines of a panel all fall in one L1 set (measured 1.5x slower at 1024x256x3200).
bool reads_a_in_place(const problem& pr, int64_t cols) {
    if (pr.a_rs == 1 && pr.a_cs >= 4096 / static_cast<int64_t>(sizeof(float))) return false;  // lda near INT64_MAX: no product (fuzz_gemm)
    return pr.small || cols <= g_tuning.a_in_place_max_cols;
}

// C = beta * C + epilogue over [m0, m1) x [n0, n1): the k == 0 / alpha == 0 case.
void scale_only(const problem& pr, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const kernels& K = *pr.kt;
    tile_args t = base_args(pr);
    t.k = 0;
    t.alpha = 0.0f;
    t.beta = pr.beta;
    t.act = static_cast<int>(pr.ep.act);
    t.a_packed = t.b_packed = true;
    for (int64_t i = m0; i < m1; i += K.mr)
        for (int64_t j = n0; j < n1; j += K.nr) {
            t.m = static_cast<int>(std::min<int64_t>(K.mr, m1 - i));
            t.n = static_cast<int>(std::min<int64_t>(K.nr, n1 - j));
            t.c = pr.c + i * pr.ldc + j;
            t.bias_row = pr.ep.mode == bias_mode::per_row ? pr.ep.bias + i : nullptr;
            t.bias_col = pr.ep.mode == bias_mode::per_col ? pr.ep.bias + j : nullptr;
            K.tile(t);
        }
}

// Packs B rows [p0, p0 + kc) x columns [j0, j0 + nc) as ceil(nc / NR) panels of kc x NR.
void pack_b_block(const kernels& K, const float* b, int64_t b_rs, int64_t b_cs, int64_t p0, int64_t kc, int64_t j0,
                  int64_t nc, float* dst) {
    K.pack_b(b + p0 * b_rs + j0 * b_cs, b_rs, b_cs, kc, nc, dst);
}

// Rows of the next micro-tile when `left` rows remain. A last tile of 1..MR/2 rows has too few
// accumulators to hide the FMA latency (it costs about as much as a 4-row tile), so the last
// MR + r rows are split into two near-equal tiles instead: M = 32 with MR = 6 runs as
// 6,6,6,6,4,4 rather than 6,6,6,6,6,2.
int64_t tile_rows(int64_t left, int64_t MR) {
    if (left > MR && left - MR <= MR / 2) return (left + 1) / 2;
    return std::min(MR, left);
}

// A short M range (a few micro-tiles) against a wide B: the order of the recurrent step
// product. Per K block all of A's rows are packed once (rows x kc, in L2; read in place instead
// when the N range is only a few panels wide), then each NR-column panel of B, read in place
// (row-major B), taken from the pre-packed B, or packed a chunk of panels at a time, is used
// against every A micro-panel while it is hot. B is read once per call instead of once per
// micro-panel. Same micro-kernel and K blocking as run_block, so the result is bitwise the same.
constexpr int kMaxPanels = 64;
bool panel_major(const problem& pr, int64_t rows) {
    return !pr.small && rows > pr.kt->mr && rows <= std::min<int64_t>(g_tuning.panel_major_max_rows, int64_t{kMaxPanels} * pr.kt->mr);
}

void run_panel_major(const problem& pr, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const kernels& K = *pr.kt;
    const int64_t MR = K.mr, NR = K.nr;
    // Micro-panel row starts, split as tile_rows() splits them.
    int64_t starts[kMaxPanels + 1];
    int panels = 0;
    for (int64_t ic = m0; ic < m1; ic += tile_rows(m1 - ic, MR)) starts[panels++] = ic;
    starts[panels] = m1;
    // Row-major B is read in place when the range is cache-sized (then it stays in L2 from one call
    // to the next) and few micro-panels share each of its panels (tuning::panel_b_in_place_max_panels:
    // more reuse pays for a contiguous copy); a larger one is packed a panel at a time, whose
    // row-ahead prefetch hides the latency of rows a page or more apart (in place, measured 0.8x at
    // 48x2304x576, 1.25x at 32x1024x128, Zen 5).
    const bool b_cached = pr.prepacked == nullptr && pr.b_cs == 1 && panels <= g_tuning.panel_b_in_place_max_panels &&
                          (n1 - n0 == 0 || pr.k <= g_tuning.panel_b_in_place_max_bytes / static_cast<int64_t>(sizeof(float)) / (n1 - n0));
    // A larger B is streamed in place too where few micro-panels share each of its panels and its
    // rows are at most two pages apart: the first micro-panel requests each row ahead (prefetch_b),
    // the others find it in L1/L2, and nothing is copied. Packing it cost as much as the tiles at
    // 19x492x2809 (perf). Emerald Rapids, 1 thread, interleaved, min of each call: 19x492x2809
    // 1.30x, 53x579x656 1.15x, 37x337x760 1.12x, 90x600x800 1.05x over packing; rows further
    // apart (each k step a new page: 24x3000x1500 0.86x, 72x3269x471 0.9x, 48x2304x576 0.95x) and
    // more micro-panels (100x1800x500 0.97x, 200x1000x700 0.95x) stay packed. The kernel table
    // says how many micro-panels (kernels::stream_b_panels; the AVX2 kernel's is 0).
    const int64_t stream_panels = g_tuning.panel_b_stream_max_panels >= 0 ? g_tuning.panel_b_stream_max_panels : K.stream_b_panels;
    const bool b_streamed = !b_cached && pr.prepacked == nullptr && pr.b_cs == 1 && panels <= stream_panels &&
                            pr.b_rs <= g_tuning.panel_b_stream_max_row_bytes / static_cast<int64_t>(sizeof(float));
    const bool b_rows_in_place = b_cached || b_streamed;
    // A pre-packed B larger than the L2 comes from L3 or memory on every call: the first
    // micro-panel's tile requests its lines ahead (where A is read in place; see the AVX-512
    // kernel's kStreamPrefetchSteps). A smaller one stays cached between calls, where the
    // requests only cost issue slots (LeNet's 64x10x400 output layer: about 3%).
    const int64_t l2 = nn::l2_cache_bytes() > 0 ? nn::l2_cache_bytes() : int64_t{1} << 20;
    const bool prepacked_streamed = pr.prepacked != nullptr &&
                                    static_cast<double>(pr.k) * static_cast<double>(pr.npad) * sizeof(float) > static_cast<double>(l2);
    // Packed B is packed several panels at a time: each source row is then read as one run of
    // chunk columns, which the hardware prefetcher streams, rather than NR columns a page apart
    // (Emerald Rapids, 1 thread: 19x492x2809 and 37x337x760 ran 15% faster through the B block
    // of run_block than one panel at a time).
    const bool packs_b = pr.prepacked == nullptr && !b_rows_in_place;
    const int64_t chunk = packs_b ? std::max(NR, g_tuning.panel_pack_cols / NR * NR) : NR;
    // A few column panels: each element of A is used by that many tiles only, and packing it cost
    // more than reading it in place (Emerald Rapids, 1 thread: packing A took 47% of 95x15x2676).
    const bool a_rows_in_place = n1 - n0 <= g_tuning.panel_a_in_place_max_cols && reads_a_in_place(pr, n1 - n0);
    float* abuf = a_rows_in_place ? nullptr : nn::thread_scratch(scratch::gemm_pack_a, static_cast<size_t>(panels * MR * pr.kcb));
    float* bbuf = packs_b ? nn::thread_scratch(scratch::gemm_pack_b, static_cast<size_t>(pr.kcb * std::min(chunk, ceil_div(n1 - n0, NR) * NR))) : nullptr;
    tile_args t = base_args(pr);
    t.a_packed = !a_rows_in_place;
    t.a_rs = a_rows_in_place ? pr.a_rs : 1;
    t.a_cs = a_rows_in_place ? pr.a_cs : MR;
    t.b_packed = !b_rows_in_place;
    t.b_rs = b_rows_in_place ? pr.b_rs : NR;
    for (int64_t pc = 0; pc < pr.k; pc += pr.kcb) {
        const int64_t kc = std::min(pr.kcb, pr.k - pc);
        const bool last = pc + kc == pr.k;
        for (int ip = 0; ip < panels && !a_rows_in_place; ++ip)
            K.pack_a(pr.a + starts[ip] * pr.a_rs + pc * pr.a_cs, pr.a_rs, pr.a_cs,
                     static_cast<int>(starts[ip + 1] - starts[ip]), kc, abuf + ip * MR * kc);
        t.k = kc;
        t.beta = pc == 0 ? pr.beta : 1.0f;  // later K blocks accumulate onto C
        t.act = last ? static_cast<int>(pr.ep.act) : 0;
        for (int64_t j = n0; j < n1; j += NR) {
            t.n = static_cast<int>(std::min(NR, n1 - j));
            if (pr.prepacked) {
                t.b = pr.prepacked + pc * pr.npad + j * kc;
            } else if (b_rows_in_place) {
                t.b = pr.b + pc * pr.b_rs + j;
            } else {
                const int64_t j0 = n0 + (j - n0) / chunk * chunk;  // this chunk's first column
                if (j == j0) pack_b_block(K, pr.b, pr.b_rs, pr.b_cs, pc, kc, j0, std::min(chunk, n1 - j0), bbuf);
                t.b = bbuf + (j - j0) * kc;
            }
            t.bias_col = last && pr.ep.mode == bias_mode::per_col ? pr.ep.bias + j : nullptr;
            for (int ip = 0; ip < panels; ++ip) {
                t.m = static_cast<int>(starts[ip + 1] - starts[ip]);
                t.a = a_rows_in_place ? pr.a + starts[ip] * pr.a_rs + pc * pr.a_cs : abuf + ip * MR * kc;
                t.c = pr.c + starts[ip] * pr.ldc + j;
                t.bias_row = last && pr.ep.mode == bias_mode::per_row ? pr.ep.bias + starts[ip] : nullptr;
                t.prefetch_b = (b_streamed || prepacked_streamed) && ip == 0;  // the first micro-panel brings B's rows in
                K.tile(t);
            }
        }
    }
}

// One thread's rectangle [m0, m1) x [n0, n1) of C; with pre-packed B, n0 is a multiple of NR.
void run_block(const problem& pr, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    if (m0 >= m1 || n0 >= n1) return;
    if (pr.k == 0 || pr.alpha == 0.0f) {
        scale_only(pr, m0, m1, n0, n1);
        return;
    }
    if (panel_major(pr, m1 - m0)) {
        run_panel_major(pr, m0, m1, n0, n1);
        return;
    }
    const kernels& K = *pr.kt;
    const int64_t MR = K.mr, NR = K.nr;
    // B read in place needs no NC blocks (nothing is packed into L2).
    const tuning& T = g_tuning;
    const bool b_in_place = reads_b_in_place(pr, m1 - m0, n1 - n0), a_in_place = reads_a_in_place(pr, n1 - n0);
    const int64_t NC = b_in_place ? n1 - n0 : (T.nc > 0 ? T.nc / NR * NR : K.nc);
    float* bbuf = nullptr;
    if (pr.prepacked == nullptr && !b_in_place)
        bbuf = nn::thread_scratch(scratch::gemm_pack_b, static_cast<size_t>(pr.kcb * ceil_div(std::min(NC, n1 - n0), NR) * NR));
    float* abuf = a_in_place ? nullptr : nn::thread_scratch(scratch::gemm_pack_a, static_cast<size_t>(pr.kcb * MR));

    tile_args t = base_args(pr);
    t.a_packed = !a_in_place;
    t.a_rs = a_in_place ? pr.a_rs : 1;
    t.a_cs = a_in_place ? pr.a_cs : MR;
    t.b_packed = !b_in_place;
    t.b_rs = b_in_place ? pr.b_rs : NR;
    t.prefetch_b = b_in_place && m1 - m0 <= MR;  // one row of tiles: each row of B is read once

    for (int64_t jc = n0; jc < n1; jc += NC) {
        const int64_t nc = std::min(NC, n1 - jc);
        for (int64_t pc = 0; pc < pr.k; pc += pr.kcb) {
            const int64_t kc = std::min(pr.kcb, pr.k - pc);
            const bool last = pc + kc == pr.k;
            const float* bblk;
            if (pr.prepacked) {
                bblk = pr.prepacked + pc * pr.npad + jc * kc;
            } else if (b_in_place) {
                bblk = pr.b + pc * pr.b_rs + jc;
            } else {
                pack_b_block(K, pr.b, pr.b_rs, pr.b_cs, pc, kc, jc, nc, bbuf);
                bblk = bbuf;
            }
            t.k = kc;
            t.beta = pc == 0 ? pr.beta : 1.0f;  // later K blocks accumulate onto C
            t.act = last ? static_cast<int>(pr.ep.act) : 0;
            for (int64_t ic = m0, mr; ic < m1; ic += mr) {
                mr = tile_rows(m1 - ic, MR);
                const float* asrc = pr.a + ic * pr.a_rs + pc * pr.a_cs;
                if (a_in_place) {
                    t.a = asrc;
                } else {
                    K.pack_a(asrc, pr.a_rs, pr.a_cs, static_cast<int>(mr), kc, abuf);
                    t.a = abuf;
                }
                t.m = static_cast<int>(mr);
                t.bias_row = last && pr.ep.mode == bias_mode::per_row ? pr.ep.bias + ic : nullptr;
                for (int64_t jr = 0; jr < nc; jr += NR) {
                    t.n = static_cast<int>(std::min(NR, nc - jr));
                    t.b = b_in_place ? bblk + jr : bblk + jr * kc;
                    t.c = pr.c + ic * pr.ldc + jc + jr;
                    t.bias_col = last && pr.ep.mode == bias_mode::per_col ? pr.ep.bias + jc + jr : nullptr;
                    K.tile(t);
                }
            }
        }
    }
}

// Threads split N at half-panel granularity so that skinny shapes (few column panels) still
// get equal halves; pre-packed B is split at whole panels (its layout's unit).
int64_t n_split_unit(const problem& pr) {
    return pr.prepacked != nullptr ? pr.kt->nr : std::max(1, pr.kt->nr / 2);
}

// Chooses a tm x tn grid of threads (tm * tn = nt) minimizing the largest thread's cost in rough
// cycles: multiply-adds over whole tiles (32 a cycle), B read (an eighth of a cycle a float in
// place, half a cycle packed), A packed (half a cycle a float, once per NC block, or once for
// a panel-major range), and, where rows of C do not start on a cache line (ldc not a multiple of
// 16 floats), a line passed between cores for every row of a column split: both neighbours write
// the line that holds one thread's last columns and the other's first (in the same row, or at
// the wrap to the next). On a tall, narrow product that traffic outweighs the multiply-adds of a
// row (2857x51x61 ran at a fifth of oneDNN's speed at 2 threads split by columns, Zen 5).
void choose_grid(const problem& pr, int nt, int& tm, int& tn) {
    const kernels& K = *pr.kt;
    const int64_t nu = n_split_unit(pr);
    const int64_t mt = ceil_div(pr.m, K.mr), ntu = ceil_div(pr.n, nu);
    double best = -1.0;
    tm = nt;
    tn = 1;
    for (int cand = 1; cand <= nt; ++cand) {
        if (nt % cand) continue;
        const int ctn = cand, ctm = nt / cand;
        const int64_t irows = std::min(pr.m, ceil_div(mt, ctm) * K.mr), icols = std::min(pr.n, ceil_div(ntu, ctn) * nu);
        const double rows = static_cast<double>(ceil_div(irows, K.mr) * K.mr);
        const double cols = static_cast<double>(ceil_div(icols, nu) * nu);
        const double kk = static_cast<double>(std::max<int64_t>(pr.k, 1));
        double cost = rows * cols * kk / 32.0;
        const bool pm = panel_major(pr, irows);
        cost += (pm ? pr.b_cs == 1 && pr.prepacked == nullptr : reads_b_in_place(pr, irows, icols)) ? 0.125 * kk * cols : 0.5 * kk * cols;
        if (pm) cost += 0.5 * kk * rows;
        else if (!reads_a_in_place(pr, icols)) cost += 0.5 * kk * rows * std::ceil(cols / static_cast<double>(K.nc));
        if (ctn > 1 && pr.ldc % 16 != 0) cost += static_cast<double>(g_tuning.shared_line_cycles) * static_cast<double>(irows);
        if (best < 0 || cost < best * 0.999) {
            best = cost;
            tm = ctm;
            tn = ctn;
        }
    }
}

// B(p, j) from any of the driver's B layouts: strided, or pre-packed by pack_b_full (K block pc
// holds panel j / NR at pc * npad + (j / NR) * kc * NR).
float b_at(const problem& pr, int64_t p, int64_t j) {
    if (pr.prepacked == nullptr) return pr.b[p * pr.b_rs + j * pr.b_cs];
    const int64_t NR = pr.kt->nr, pc = p / pr.kcb * pr.kcb, kc = std::min(pr.kcb, pr.k - pc);
    return pr.prepacked[pc * pr.npad + (j / NR) * kc * NR + (p - pc) * NR + j % NR];
}

// The kernel a call runs on. Chosen from the shape and layout alone, so the plain, pre-packed and
// threaded calls of one shape agree (and every path's order of operations per element is the
// micro-kernel's, so the choice never changes a bit of C):
//   k == 0 or alpha == 0              tiles (they scale C by beta and apply the epilogue)
//   k <= 4 (k <= 8 if n <= NR / 2)    rank-k update streaming C once (gemm_rank_k.h)
//   n <= 4, row-major A               dot products along k (kernels/common/gemm_dot.h)
//   m <= 4, row-major B (not packed)  row strips, B read in place (kernels/common/gemm_row_strip.h)
//   n <= NR / 2, m > 4, k <= 256,     rows in groups against one vector of B, nothing packed
//   B not pre-packed                  (kernels/common/gemm_narrow.h); n <= NR (two vectors) up to
//                                     the table's narrow_wide_max_k (AVX-512: 400, AVX2: none)
//   k <= 48, n >= 40, same B, A, B   row strips over groups of 4 rows, nothing packed
//   and C within the L2 or N within
//   one column block of the strips
//   otherwise                         packed micro-tiles (run_block)
// (Zen 5, 1 thread, AVX-512: at k = 5..8 with rows of C within one vector, the rank-k update keeps
// B in registers and is 1.2-2x the dot products and the tiles, 2000x2x6, 3000x1x8, 500x10x5,
// 2000x16x6, 417x16x7; on wider N the tiles were faster.)
enum class path { tiles, rank_k, dot, strip, narrow };

int64_t strip_columns(int64_t k);

// Whether the small-K row strips take a product (tuning::strip_small_k_max_bytes): where A, B and
// C fit the budget, or where one column block of the strips spans all of N, so each pass writes
// whole rows of C in order (2821x332x20, C 3.7 MB, ran 0.88x on the tiles). Past the budget with
// several column blocks, every block rewalks all rows with short runs of each row of C.
bool strip_small_k_pays(const problem& pr) {
    if (pr.n <= strip_columns(pr.kcb)) return true;
    int64_t budget = g_tuning.strip_small_k_max_bytes;
    if (budget <= 0) budget = nn::l2_cache_bytes() > 0 ? nn::l2_cache_bytes() : int64_t{1} << 20;
    // In double: m * n of a valid call can pass INT64_MAX.
    const double m = static_cast<double>(pr.m), n = static_cast<double>(pr.n), k = static_cast<double>(pr.k);
    return (m * n + m * k + k * n) * static_cast<double>(sizeof(float)) <= static_cast<double>(budget);
}
path choose_path(const problem& pr) {
    const kernels& K = *pr.kt;
    if (pr.k == 0 || pr.alpha == 0.0f) return path::tiles;
    const bool dot = K.dot != nullptr && pr.n <= std::min<int64_t>(kDotMaxN, g_tuning.dot_max_n) && pr.a_cs == 1;
    const int64_t rank_k_max = std::min<int64_t>(kRankKMaxK, pr.n <= K.nr / 2 ? g_tuning.rank_k_narrow_max_k : g_tuning.rank_k_max_k);
    if (K.rank_k != nullptr && pr.k <= rank_k_max) return path::rank_k;
    if (dot) return path::dot;
    const int64_t narrow_wide_max_k = g_tuning.narrow_wide_max_k >= 0 ? g_tuning.narrow_wide_max_k : K.narrow_wide_max_k;
    // Pre-packed B stays on the tiles: its packing is paid once, where the narrow kernel would
    // gather it into rows on every call (mlp_small's 32x10x64 output layer: 5.9 -> 8.7 µs).
    if (K.narrow != nullptr && pr.prepacked == nullptr && pr.m > kStripMaxRows && pr.kcb <= INT32_MAX &&
        ((pr.n <= K.nr / 2 && pr.k <= g_tuning.narrow_max_k) || (pr.n > K.nr / 2 && pr.n <= K.nr && pr.k <= narrow_wide_max_k)))
        return path::narrow;
    const bool strip = K.row_strip != nullptr && pr.prepacked == nullptr && pr.b_cs == 1 && pr.kcb <= INT32_MAX;
    if (strip && pr.m <= std::min<int64_t>(kStripMaxRows, g_tuning.strip_max_rows)) return path::strip;
    if (strip && pr.k <= g_tuning.strip_small_k_max_k && pr.n >= g_tuning.strip_small_k_min_n && strip_small_k_pays(pr))
        return path::strip;
    return path::tiles;
}

// Threads a call of this path uses (before the caller's cap). The tiles' and the dot kernel's
// cost is the multiply-adds; the rank-k update's is its vectors of C, k FMAs and a store each,
// and at least one a row (a row of 3 columns costs its k broadcasts and FMAs as one of 16 does).
int threads_for(const problem& pr, path p) {
    // In double: m * n * k of a valid call can pass INT64_MAX (each factor fits, the product not).
    const double mn = static_cast<double>(pr.m) * static_cast<double>(pr.n);
    if (p == path::rank_k) {
        const double vectors = static_cast<double>(pr.m) * static_cast<double>(ceil_div(pr.n, 16));
        const double work = vectors * static_cast<double>(pr.k + 4);
        return static_cast<int>(std::clamp(work / static_cast<double>(g_tuning.rank_k_work_per_thread), 1.0, double(1 << 20)));
    }
    if (p == path::dot) {
        const double mk = static_cast<double>(pr.m) * static_cast<double>(pr.k);
        return static_cast<int>(std::clamp(mk / static_cast<double>(g_tuning.dot_a_floats_per_thread), 1.0, double(1 << 20)));
    }
    const double work = mn * static_cast<double>(std::max<int64_t>(pr.k, 1));
    if (pr.small) return 1;
    return static_cast<int>(std::clamp(work / static_cast<double>(g_tuning.work_per_thread), 1.0, double(1 << 20)));
}

// bt[j * k + p] = B(p, j): B's n (<= kDotMaxN) columns, each contiguous. Strided B is read
// row by row (transposed B: each column is already contiguous), so the reads are sequential.
void gather_b_columns(const problem& pr, float* bt) {
    const int64_t n = pr.n, k = pr.k;
    if (pr.prepacked != nullptr) {
        for (int64_t j = 0; j < n; ++j)
            for (int64_t p = 0; p < k; ++p) bt[j * k + p] = b_at(pr, p, j);
    } else if (pr.b_rs == 1) {
        for (int64_t j = 0; j < n; ++j) std::memcpy(bt + j * k, pr.b + j * pr.b_cs, sizeof(float) * static_cast<size_t>(k));
    } else {
        int64_t p = 0;
#if defined(NN_GEMM_DRIVER_SSE)
        // Row-major B: 4 rows x 4 columns at a time through an in-register 4x4 transpose, whole
        // vectors loaded and stored (the gather is n x k floats against m x n x k products, a
        // large share of the call when m is small: 12x1x501).
        if (pr.b_cs == 1)
            for (; p + 4 <= k; p += 4) {
                const float* r0 = pr.b + p * pr.b_rs;
                const float* r1 = r0 + pr.b_rs;
                const float* r2 = r1 + pr.b_rs;
                const float* r3 = r2 + pr.b_rs;
                int64_t j = 0;
                for (; j + 4 <= n; j += 4) {
                    __m128 x0 = _mm_loadu_ps(r0 + j), x1 = _mm_loadu_ps(r1 + j), x2 = _mm_loadu_ps(r2 + j), x3 = _mm_loadu_ps(r3 + j);
                    _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
                    _mm_storeu_ps(bt + (j + 0) * k + p, x0);
                    _mm_storeu_ps(bt + (j + 1) * k + p, x1);
                    _mm_storeu_ps(bt + (j + 2) * k + p, x2);
                    _mm_storeu_ps(bt + (j + 3) * k + p, x3);
                }
                for (; j < n; ++j) {
                    bt[j * k + p + 0] = r0[j];
                    bt[j * k + p + 1] = r1[j];
                    bt[j * k + p + 2] = r2[j];
                    bt[j * k + p + 3] = r3[j];
                }
            }
#endif
        for (; p < k; ++p) {
            const float* row = pr.b + p * pr.b_rs;
            for (int64_t j = 0; j < n; ++j) bt[j * k + p] = row[j * pr.b_cs];
        }
    }
}

// Threads split the rows evenly (any split gives the same C: rows are independent).
void run_dot(const problem& pr, int threads) {
    float* bt = nn::thread_scratch(scratch::gemm_pack_b, static_cast<size_t>(pr.n * pr.k));
    gather_b_columns(pr, bt);
    auto rows = [&](int64_t m0, int64_t m1) {
        if (m0 >= m1) return;
        dot_args d{};
        d.m = m1 - m0;
        d.k = pr.k;
        d.a = pr.a + m0 * pr.a_rs;
        d.lda = pr.a_rs;
        d.bt = bt;
        d.n = static_cast<int>(pr.n);
        d.c = pr.c + m0 * pr.ldc;
        d.ldc = pr.ldc;
        d.alpha = pr.alpha;
        d.beta = pr.beta;
        d.bias_row = pr.ep.mode == bias_mode::per_row ? pr.ep.bias + m0 : nullptr;
        d.bias_col = pr.ep.mode == bias_mode::per_col ? pr.ep.bias : nullptr;
        d.act = static_cast<int>(pr.ep.act);
        pr.kt->dot(d);
    };
    if (threads <= 1) {
        rows(0, pr.m);
        return;
    }
    parallel_run(threads, [&](int tid, int nt) { rows(pr.m * tid / nt, pr.m * (tid + 1) / nt); });
}

// Threads' shares of n columns: equal ranges of whole 16-column vectors (AVX-512's width, two of
// AVX2's), so no vector of C is split between threads.
void column_range(int64_t n, int tid, int nt, int64_t& n0, int64_t& n1) {
    constexpr int64_t kColumnUnit = 16;
    const int64_t units = ceil_div(n, kColumnUnit);
    n0 = std::min(n, units * tid / nt * kColumnUnit);
    n1 = std::min(n, units * (tid + 1) / nt * kColumnUnit);
}

// Row-major B (k <= 8 rows) is read in place; transposed or pre-packed B is first gathered into
// k rows of n (k * n floats, once per call). Threads take equal row ranges, or equal column
// ranges of whole 16-column vectors when there are too few rows to share.
void run_rank_k(const problem& pr, int threads) {
    const float* b = pr.b;
    int64_t b_rs = pr.b_rs;
    if (pr.prepacked != nullptr || pr.b_cs != 1) {
        float* rows = nn::thread_scratch(scratch::gemm_pack_b, static_cast<size_t>(pr.k * pr.n));
        for (int64_t p = 0; p < pr.k; ++p)
            for (int64_t j = 0; j < pr.n; ++j) rows[p * pr.n + j] = b_at(pr, p, j);
        b = rows;
        b_rs = pr.n;
    }
    auto block = [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
        if (m0 >= m1 || n0 >= n1) return;
        rank_k_args d{};
        d.m = m1 - m0;
        d.n = n1 - n0;
        d.k = static_cast<int>(pr.k);
        d.a = pr.a + m0 * pr.a_rs;
        d.a_rs = pr.a_rs;
        d.a_cs = pr.a_cs;
        d.b = b + n0;
        d.b_rs = b_rs;
        d.c = pr.c + m0 * pr.ldc + n0;
        d.ldc = pr.ldc;
        d.alpha = pr.alpha;
        d.beta = pr.beta;
        d.bias_row = pr.ep.mode == bias_mode::per_row ? pr.ep.bias + m0 : nullptr;
        d.bias_col = pr.ep.mode == bias_mode::per_col ? pr.ep.bias + n0 : nullptr;
        d.act = static_cast<int>(pr.ep.act);
        pr.kt->rank_k(d);
    };
    if (threads <= 1) {
        block(0, pr.m, 0, pr.n);
        return;
    }
    parallel_run(threads, [&](int tid, int nt) {
        if (pr.m >= 4 * nt) {
            block(pr.m * tid / nt, pr.m * (tid + 1) / nt, 0, pr.n);
        } else {
            int64_t n0, n1;
            column_range(pr.n, tid, nt, n0, n1);
            block(0, pr.m, n0, n1);
        }
    });
}

// Columns of B a row group walks at a time when there are more rows than one group (small K):
// a multiple of the strips' widths (96 = 6 vectors of AVX-512, 6 strips of 2 AVX2 vectors) whose
// k rows of B take at most 32 KiB, so they stay in L1 while every row group passes.
int64_t strip_columns(int64_t k) {
    constexpr int64_t kUnit = 96;
    const int64_t floats = g_tuning.strip_b_block_bytes / static_cast<int64_t>(sizeof(float));
    return std::max<int64_t>(kUnit, floats / std::max<int64_t>(k, 1) / kUnit * kUnit);
}

// Rows against row-major B read in place, in groups of kStripMaxRows, one K block at a time with
// the tiles' K blocking and beta handling (later blocks accumulate onto C), so the bits are the
// tiles'. A few rows (m <= kStripMaxRows): threads take equal column ranges, each walking its own
// K blocks (columns are independent). More rows (small K, one K block): threads take equal ranges
// of whole row groups, and each walks column blocks of B kept in L1 against all its row groups;
// nothing is packed (a 12 x 32 tile at k = 6..30 spends about as long on its fixed costs, packing
// and storing 24 accumulators, as on its multiply-adds).
void run_strip(const problem& pr, int threads) {
    auto block = [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
        if (m0 >= m1 || n0 >= n1) return;
        const int64_t nb = m1 - m0 <= kStripMaxRows ? n1 - n0 : strip_columns(pr.kcb);
        rank_k_args d{};
        d.a_rs = pr.a_rs;
        d.a_cs = pr.a_cs;
        d.b_rs = pr.b_rs;
        d.ldc = pr.ldc;
        d.alpha = pr.alpha;
        for (int64_t pc = 0; pc < pr.k; pc += pr.kcb) {
            const int64_t kc = std::min(pr.kcb, pr.k - pc);
            const bool last = pc + kc == pr.k;
            d.k = static_cast<int>(kc);
            d.beta = pc == 0 ? pr.beta : 1.0f;
            d.act = last ? static_cast<int>(pr.ep.act) : 0;
            for (int64_t jb = n0; jb < n1; jb += nb) {
                d.n = std::min(nb, n1 - jb);
                d.bias_col = last && pr.ep.mode == bias_mode::per_col ? pr.ep.bias + jb : nullptr;
                for (int64_t i = m0; i < m1; i += kStripMaxRows) {
                    d.m = std::min<int64_t>(kStripMaxRows, m1 - i);
                    d.a = pr.a + i * pr.a_rs + pc * pr.a_cs;
                    d.b = pr.b + pc * pr.b_rs + jb;
                    d.c = pr.c + i * pr.ldc + jb;
                    d.bias_row = last && pr.ep.mode == bias_mode::per_row ? pr.ep.bias + i : nullptr;
                    pr.kt->row_strip(d);
                }
            }
        }
    };
    if (threads <= 1) {
        block(0, pr.m, 0, pr.n);
        return;
    }
    // Rows split only where each thread gets 4 or more row groups (a group more is then at most a
    // quarter more work); otherwise columns, every thread walking all the rows.
    const int64_t groups = ceil_div(pr.m, kStripMaxRows);
    parallel_run(threads, [&](int tid, int nt) {
        if (groups < 4 * nt) {
            int64_t n0, n1;
            column_range(pr.n, tid, nt, n0, n1);
            block(0, pr.m, n0, n1);
        } else {
            block(std::min(pr.m, groups * tid / nt * kStripMaxRows), std::min(pr.m, groups * (tid + 1) / nt * kStripMaxRows), 0, pr.n);
        }
    });
}

// N within one or two vectors: row-major B is read in place; transposed B is first gathered into
// k rows of n (k * n floats, at most k vectors), as the tiles would pack it. One K block at a time with the
// tiles' K blocking and beta handling (later blocks accumulate onto C), so the bits are the
// tiles'. Threads take equal row ranges (rows are independent: any split gives the same C).
void run_narrow(const problem& pr, int threads) {
    const float* b = pr.b;
    int64_t b_rs = pr.b_rs;
    if (pr.b_cs != 1) {
        float* rows = nn::thread_scratch(scratch::gemm_pack_b, static_cast<size_t>(pr.k * pr.n));
        for (int64_t p = 0; p < pr.k; ++p)
            for (int64_t j = 0; j < pr.n; ++j) rows[p * pr.n + j] = b_at(pr, p, j);
        b = rows;
        b_rs = pr.n;
    }
    auto block = [&](int64_t m0, int64_t m1) {
        if (m0 >= m1) return;
        rank_k_args d{};
        d.m = m1 - m0;
        d.n = pr.n;
        d.a_rs = pr.a_rs;
        d.a_cs = pr.a_cs;
        d.b_rs = b_rs;
        d.c = pr.c + m0 * pr.ldc;
        d.ldc = pr.ldc;
        d.alpha = pr.alpha;
        for (int64_t pc = 0; pc < pr.k; pc += pr.kcb) {
            const int64_t kc = std::min(pr.kcb, pr.k - pc);
            const bool last = pc + kc == pr.k;
            d.k = static_cast<int>(kc);
            d.a = pr.a + m0 * pr.a_rs + pc * pr.a_cs;
            d.b = b + pc * b_rs;
            d.beta = pc == 0 ? pr.beta : 1.0f;
            d.act = last ? static_cast<int>(pr.ep.act) : 0;
            d.bias_row = last && pr.ep.mode == bias_mode::per_row ? pr.ep.bias + m0 : nullptr;
            d.bias_col = last && pr.ep.mode == bias_mode::per_col ? pr.ep.bias : nullptr;
            pr.kt->narrow(d);
        }
    };
    if (threads <= 1) {
        block(0, pr.m);
        return;
    }
    parallel_run(threads, [&](int tid, int nt) { block(pr.m * tid / nt, pr.m * (tid + 1) / nt); });
}

// Packed micro-tiles: each thread takes a rectangle of whole micro-tiles (choose_grid).
void run_tiles(const problem& pr, int threads) {
    if (threads <= 1) {
        run_block(pr, 0, pr.m, 0, pr.n);
        return;
    }
    parallel_run(threads, [&](int tid, int nt) {
        int tm, tn;
        choose_grid(pr, nt, tm, tn);
        const int im = tid / tn, in = tid % tn;
        const int64_t MR = pr.kt->mr, nu = n_split_unit(pr);
        const int64_t mt = ceil_div(pr.m, MR), ntu = ceil_div(pr.n, nu);
        const int64_t m0 = std::min(pr.m, mt * im / tm * MR), m1 = std::min(pr.m, mt * (im + 1) / tm * MR);
        const int64_t n0 = std::min(pr.n, ntu * in / tn * nu), n1 = std::min(pr.n, ntu * (in + 1) / tn * nu);
        run_block(pr, m0, m1, n0, n1);
    });
}

void run(problem& pr, int max_threads) {
    const double work = static_cast<double>(pr.m) * static_cast<double>(pr.n) * static_cast<double>(std::max<int64_t>(pr.k, 1));
    pr.small = work <= static_cast<double>(g_tuning.small_work);
    const path p = choose_path(pr);
    int want = threads_for(pr, p);
    if (max_threads > 0) want = std::min(want, max_threads);
    switch (p) {
        case path::rank_k: run_rank_k(pr, want); break;
        case path::dot: run_dot(pr, want); break;
        case path::strip: run_strip(pr, want); break;
        case path::narrow: run_narrow(pr, want); break;
        case path::tiles: run_tiles(pr, want); break;
    }
}

problem make_problem(bool trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                     float beta, float* c, int64_t ldc, const epilogue& ep) {
    problem pr{};
    pr.m = m;
    pr.n = n;
    pr.k = k;
    pr.alpha = alpha;
    pr.beta = beta;
    pr.a = a;
    pr.a_rs = trans_a ? 1 : lda;
    pr.a_cs = trans_a ? lda : 1;
    pr.c = c;
    pr.ldc = ldc;
    pr.ep = ep;
    pr.kt = &active();
    pr.kcb = k_block(k, g_tuning.kc > 0 ? g_tuning.kc : pr.kt->kc);
    return pr;
}

}  // namespace

tuning& tuning_params() noexcept { return g_tuning; }

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const epilogue& ep, int max_threads) {
    if (m <= 0 || n <= 0) return;
    problem pr = make_problem(trans_a, m, n, k, alpha, a, lda, beta, c, ldc, ep);
    pr.b = b;
    pr.b_rs = trans_b ? 1 : ldb;
    pr.b_cs = trans_b ? ldb : 1;
    run(pr, max_threads);
}

// ------------------------------------------------------------------------------ packed B --

packed_b::packed_b(bool trans_b, int64_t k_, int64_t n_, const float* b, int64_t ldb) : k(k_), n(n_) {
    kt = &active();
    kcb = k_block(k, g_tuning.kc > 0 ? g_tuning.kc : kt->kc);
    npad = checked_mul(ceil_div(n, kt->nr), kt->nr, "n rounded up to whole panels (packed B)");
    size_t count = static_cast<size_t>(std::max<int64_t>(1, checked_mul(k, npad, "k * n (packed B)")));
    if (count > SIZE_MAX / sizeof(float) - 64) throw std::bad_alloc();
    data = alloc_floats(count);
    const int64_t b_rs = trans_b ? 1 : ldb, b_cs = trans_b ? ldb : 1;
    // Each K block holds every column panel: offset pc * npad + j * kc (see run_block).
    // n == 0: nothing to pack, and no walk over K blocks (k may be near INT64_MAX: a hang, fuzz_gemm).
    if (n == 0) return;
    for (int64_t pc = 0; pc < k; pc += kcb) {
        const int64_t kc = std::min(kcb, k - pc);
        pack_b_block(*kt, b, b_rs, b_cs, pc, kc, 0, n, data + pc * npad);
    }
}

packed_b::~packed_b() { free_floats(data); }

void sgemm_packed(bool trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  const packed_b& pb, float beta, float* c, int64_t ldc, const epilogue& ep, int max_threads) {
    if (m <= 0 || n <= 0) return;
    problem pr = make_problem(trans_a, m, n, k, alpha, a, lda, beta, c, ldc, ep);
    pr.prepacked = pb.data;
    pr.npad = pb.npad;
    pr.kt = pb.kt;
    pr.kcb = pb.kcb;
    run(pr, max_threads);
}

}  // namespace nn::gemm
