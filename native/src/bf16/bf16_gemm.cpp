// bf16 GEMM driver. With a micro-kernel on bf16 pairs (avx512_bf16: vdpbf16ps; avx512: float32
// FMAs widening the pairs): BLIS-style loops as in the SGEMM
// driver (gemm/gemm.cpp), on B rounded and packed once as bf16 pairs and A rounded while each
// micro-panel is packed:
//   for jc over N by NC:          the B block (kc x nc bf16) stays in L2
//     for pc over K by KC:
//       for ic over M by MR:      A micro-panel converted (pairs, or rounded floats), stays in L1
//         for jr over nc by NR:   micro-kernel, epilogue on the hot tile
// Threads split M (whole micro-tiles), or N (whole panels) when M has too few tiles. K is never
// split and the K blocking depends on k alone, so every thread count gives bitwise the same C.
// Without one: both operands rounded to bf16 (as floats) and multiplied by the float32 SGEMM.
#include "bf16.h"

#include <algorithm>
#include <cstdint>
#include <new>

#include "runtime/error.h"
#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"

namespace nn::bf16 {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return a / b + (a % b != 0); }

// Values of B one thread converts and packs before a second one helps (about 0.1 ms of packing).
constexpr double kPackPerThread = 1 << 17;

// K blocks of at most kc, balanced, each of even length (a pair never straddles two blocks)
// except a single block, which the packing pads. Depends on k and kc only.
int64_t k_block(int64_t k, int64_t kc) {
    if (k <= kc) return std::max<int64_t>(k, 1);
    const int64_t len = ceil_div(k, ceil_div(k, kc));
    return len + (len & 1);
}

// dst (rows x cols, dense) = bf16(src) widened back to float: the operand the float32 path uses.
void round_rows(const kernels& K, const float* src, int64_t ld, int64_t rows, int64_t cols, float* dst) {
    for (int64_t r = 0; r < rows; ++r) K.round(src + r * ld, dst + r * cols, cols);
}

struct problem {
    int64_t m, n, k;
    float alpha, beta;
    const float* a;
    int64_t a_rs, a_cs;
    const packed_b* pb;
    const packed_a* pa;  // null: A converted per micro-panel from a
    int64_t a_row0;      // pa's row of the problem's row 0
    float* c;
    int64_t ldc;
    gemm::epilogue ep;
};

// One thread's rectangle [m0, m1) x [n0, n1) of C; n0 is a multiple of NR.
void run_block(const problem& pr, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    if (m0 >= m1 || n0 >= n1) return;
    const kernels& K = *pr.pb->kt;
    const int64_t MR = K.mr, NR = K.nr, kcb = pr.pb->kcb;
    uint32_t* abuf = pr.pa ? nullptr : reinterpret_cast<uint32_t*>(
        nn::thread_scratch(scratch::bf16_pack_a, static_cast<size_t>(ceil_div(kcb, 2) * MR * K.a_words)));
    tile_args t{};
    t.out.alpha = pr.alpha;
    t.out.ldc = pr.ldc;
    t.out.a_packed = t.out.b_packed = true;
    for (int64_t jc = n0; jc < n1; jc += K.nc) {
        const int64_t nc = std::min(K.nc, n1 - jc);
        for (int64_t pc = 0; pc < pr.k; pc += kcb) {
            const int64_t kc = std::min(kcb, pr.k - pc), kce = kc + (kc & 1);
            const bool last = pc + kc == pr.k;
            const uint16_t* blk = pr.pb->data + pc * pr.pb->npad;
            t.kp = kce / 2;
            t.out.beta = pc == 0 ? pr.beta : 1.0f;  // later K blocks accumulate onto C
            t.out.act = last ? static_cast<int>(pr.ep.act) : 0;
            for (int64_t ic = m0; ic < m1; ic += MR) {
                const int rows = static_cast<int>(std::min(MR, m1 - ic));
                if (pr.pa) {
                    t.a = reinterpret_cast<const uint32_t*>(pr.pa->data) +
                          ((pc / 2) * pr.pa->mpad + (pr.a_row0 + ic) * (kce / 2)) * K.a_words;
                } else {
                    K.pack_a(pr.a + ic * pr.a_rs + pc * pr.a_cs, pr.a_rs, pr.a_cs, rows, kc, abuf);
                    t.a = abuf;
                }
                t.out.m = rows;
                t.out.bias_row = last && pr.ep.mode == gemm::bias_mode::per_row ? pr.ep.bias + ic : nullptr;
                for (int64_t jr = jc; jr < jc + nc; jr += NR) {
                    t.b = reinterpret_cast<const uint32_t*>(blk + (jr / NR) * kce * NR);
                    t.out.n = static_cast<int>(std::min(NR, jc + nc - jr));
                    t.out.c = pr.c + ic * pr.ldc + jr;
                    t.out.bias_col = last && pr.ep.mode == gemm::bias_mode::per_col ? pr.ep.bias + jr : nullptr;
                    K.tile(t);
                }
            }
        }
    }
}

void run_native(const problem& pr, int max_threads) {
    const kernels& K = *pr.pb->kt;
    const gemm::tuning& T = gemm::tuning_params();
    const double work = static_cast<double>(pr.m) * static_cast<double>(pr.n) * static_cast<double>(pr.k);
    int want = work <= static_cast<double>(T.small_work)
                   ? 1
                   : static_cast<int>(std::clamp(work / static_cast<double>(T.work_per_thread), 1.0, double(1 << 20)));
    if (max_threads > 0) want = std::min(want, max_threads);
    if (want <= 1) {
        run_block(pr, 0, pr.m, 0, pr.n);
        return;
    }
    parallel_run(want, [&](int tid, int nt) {
        const int64_t mt = ceil_div(pr.m, K.mr), np = ceil_div(pr.n, K.nr);
        if (mt >= 2 * nt || mt >= np) {  // rows: each thread converts only its own A
            run_block(pr, std::min(pr.m, mt * tid / nt * K.mr), std::min(pr.m, mt * (tid + 1) / nt * K.mr), 0, pr.n);
        } else {
            run_block(pr, 0, pr.m, std::min(pr.n, np * tid / nt * K.nr), std::min(pr.n, np * (tid + 1) / nt * K.nr));
        }
    });
}

}  // namespace

bool native_products() noexcept {
    active();  // the table is chosen with the decision
    return products_choice().dot;
}

void round_in_place(float* x, int64_t n) {
    if (n > 0) active().round(x, x, n);
}

void round_copy(const float* x, float* y, int64_t n) {
    if (n <= 0) return;
    const kernels& K = active();
    constexpr int64_t kPiece = 1 << 16;  // floats a task rounds (256 KiB)
    if (n <= kPiece) return K.round(x, y, n);
    parallel_tasks((n + kPiece - 1) / kPiece, [&](int64_t t) {
        const int64_t i0 = t * kPiece;
        K.round(x + i0, y + i0, std::min(kPiece, n - i0));
    });
}

packed_b::packed_b(bool trans_b, int64_t k_, int64_t n_, const float* b, int64_t ldb, storage where, int max_threads)
    : k(k_), n(n_) {
    kt = &active();
    const int64_t b_rs = trans_b ? 1 : ldb, b_cs = trans_b ? ldb : 1;
    if (kt->tile == nullptr) {
        // Rounded B, dense as stored (k x n, or n x k when transposed), packed for the SGEMM.
        const int64_t rows = trans_b ? n : k, cols = trans_b ? k : n;
        float* rounded = nn::thread_scratch(scratch::bf16_operand, static_cast<size_t>(checked_mul(rows, cols, "k * n (bf16 B)")));
        if (rows > 0 && cols > 0) round_rows(*kt, b, ldb, rows, cols, rounded);
        f32 = std::make_unique<gemm::packed_b>(trans_b, k, n, rounded, std::max<int64_t>(cols, 1));
        return;
    }
    const int64_t NR = kt->nr;
    kcb = k_block(k, kt->kc);
    npad = checked_mul(ceil_div(n, NR), NR, "n rounded up to whole panels (bf16 packed B)");
    const int64_t count = std::max<int64_t>(1, checked_mul(k + 1, npad, "k * n (bf16 packed B)"));
    if (static_cast<uint64_t>(count) > SIZE_MAX / sizeof(uint16_t) - 64) throw std::bad_alloc();
    if (where == storage::call_scratch) {
        data = reinterpret_cast<uint16_t*>(nn::thread_scratch(scratch::bf16_pack_b, static_cast<size_t>(ceil_div(count, 2))));
    } else {
        data = static_cast<uint16_t*>(::operator new(static_cast<size_t>(count) * sizeof(uint16_t), std::align_val_t(64)));
        owns_data = true;
    }
    if (n == 0) return;
    // Threads take whole panels (all K blocks of them): one per kPackPerThread values of B.
    const int64_t panels = npad / NR;
    const double values = static_cast<double>(k) * static_cast<double>(n);
    int want = static_cast<int>(std::clamp(values / kPackPerThread, 1.0, static_cast<double>(panels)));
    if (max_threads > 0) want = std::min(want, max_threads);
    auto pack_panels = [&](int64_t p0, int64_t p1) {
        const int64_t j0 = p0 * NR, cols = std::min(n, p1 * NR) - j0;
        if (cols <= 0) return;
        for (int64_t pc = 0; pc < k; pc += kcb) {
            const int64_t kc = std::min(kcb, k - pc), kce = kc + (kc & 1);
            kt->pack_b(b + pc * b_rs + j0 * b_cs, b_rs, b_cs, kc, cols, data + pc * npad + p0 * kce * NR);
        }
    };
    if (want <= 1) {
        pack_panels(0, panels);
        return;
    }
    parallel_run(want, [&](int tid, int nt) { pack_panels(panels * tid / nt, panels * (tid + 1) / nt); });
}

packed_b::~packed_b() {
    if (owns_data) ::operator delete(data, std::align_val_t(64));
}

void gemm_packed(bool trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                 const packed_b& pb, float beta, float* c, int64_t ldc, const gemm::epilogue& ep, int max_threads) {
    if (m <= 0 || n <= 0) return;
    if (k == 0 || alpha == 0.0f) {  // C = act(beta * C + bias): neither operand is read
        gemm::sgemm(false, false, m, n, 0, 0.0f, nullptr, 1, nullptr, n, beta, c, ldc, ep, max_threads);
        return;
    }
    if (pb.f32) {
        const int64_t rows = trans_a ? k : m, cols = trans_a ? m : k;
        float* rounded = nn::thread_scratch(scratch::bf16_operand, static_cast<size_t>(checked_mul(rows, cols, "m * k (bf16 A)")));
        round_rows(*pb.kt, a, lda, rows, cols, rounded);
        gemm::sgemm_packed(trans_a, m, n, k, alpha, rounded, cols, *pb.f32, beta, c, ldc, ep, max_threads);
        return;
    }
    problem pr{m, n, k, alpha, beta, a, trans_a ? 1 : lda, trans_a ? lda : 1, &pb, nullptr, 0, c, ldc, ep};
    run_native(pr, max_threads);
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const gemm::epilogue& ep, int max_threads) {
    if (m <= 0 || n <= 0) return;
    if (k == 0 || alpha == 0.0f) {
        gemm::sgemm(false, false, m, n, 0, 0.0f, nullptr, 1, nullptr, n, beta, c, ldc, ep, max_threads);
        return;
    }
    const packed_b pb(trans_b, k, n, b, ldb, packed_b::storage::call_scratch, max_threads);
    gemm_packed(trans_a, m, n, k, alpha, a, lda, pb, beta, c, ldc, ep, max_threads);
}

int64_t packed_a::storage_floats(int64_t m, int64_t k) {
    const kernels& K = active();
    if (K.tile == nullptr) return std::max<int64_t>(1, checked_mul(m, k, "m * k (bf16 A)"));
    // Pairs: every block's length rounded up to even, over whole micro-panels.
    const int64_t blocks = ceil_div(std::max<int64_t>(k, 1), k_block(k, K.kc));
    return std::max<int64_t>(1, checked_mul(checked_mul(ceil_div(k, 2) + blocks, ceil_div(m, K.mr) * K.mr, "m * k (bf16 packed A)"),
                                            K.a_words, "m * k (bf16 packed A)"));
}

packed_a::packed_a(int64_t m_, int64_t k_, float* storage) : m(m_), k(k_), kt(&active()), data(storage) {
    if (kt->tile == nullptr) return;
    kcb = k_block(k, kt->kc);
    mpad = ceil_div(m, kt->mr) * kt->mr;
}

void packed_a::pack(bool trans_a, const float* a, int64_t lda) {
    if (m <= 0 || k <= 0) return;
    if (kt->tile == nullptr) {  // rounded op(A), dense
        for (int64_t i = 0; i < m; ++i) {
            if (trans_a) for (int64_t p = 0; p < k; ++p) data[i * k + p] = a[p * lda + i];
            else std::copy(a + i * lda, a + i * lda + k, data + i * k);
        }
        round_in_place(data, m * k);
        return;
    }
    const int64_t MR = kt->mr, a_rs = trans_a ? 1 : lda, a_cs = trans_a ? lda : 1;
    uint32_t* out = reinterpret_cast<uint32_t*>(data);
    for (int64_t pc = 0; pc < k; pc += kcb) {
        const int64_t kc = std::min(kcb, k - pc), kpb = (kc + 1) / 2;
        for (int64_t ic = 0; ic < m; ic += MR)
            kt->pack_a(a + ic * a_rs + pc * a_cs, a_rs, a_cs, static_cast<int>(std::min(MR, m - ic)), kc,
                       out + ((pc / 2) * mpad + ic * kpb) * kt->a_words);
    }
}

void gemm_packed_a(const packed_a& pa, int64_t a_row0, int64_t m, bool trans_b, int64_t n, const float* b,
                   int64_t ldb, float* c, int64_t ldc, const gemm::epilogue& ep, int max_threads) {
    if (m <= 0 || n <= 0) return;
    if (pa.k == 0) {
        gemm::sgemm(false, false, m, n, 0, 0.0f, nullptr, 1, nullptr, n, 0.0f, c, ldc, ep, max_threads);
        return;
    }
    if (pa.kt->tile == nullptr) {  // both operands rounded, the float32 SGEMM
        const int64_t rows = trans_b ? n : pa.k, cols = trans_b ? pa.k : n;
        float* rounded = nn::thread_scratch(scratch::bf16_operand, static_cast<size_t>(checked_mul(rows, cols, "k * n (bf16 B)")));
        round_rows(*pa.kt, b, ldb, rows, cols, rounded);
        gemm::sgemm(false, trans_b, m, n, pa.k, 1.0f, pa.data + a_row0 * pa.k, pa.k, rounded, cols, 0.0f, c, ldc, ep,
                    max_threads);
        return;
    }
    const packed_b pb(trans_b, pa.k, n, b, ldb, packed_b::storage::call_scratch, max_threads);
    problem pr{m, n, pa.k, 1.0f, 0.0f, nullptr, 0, 0, &pb, &pa, a_row0, c, ldc, ep};
    run_native(pr, max_threads);
}

}  // namespace nn::bf16
