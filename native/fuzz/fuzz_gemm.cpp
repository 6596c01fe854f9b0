// Fuzzes nn_sgemm, nn_sgemm_ex, nn_sgemm_pack_b and nn_sgemm_packed: transposes, leading
// dimensions, alpha/beta, bias and activation epilogues, packed B, and the driver's blocking
// (nn::gemm::tuning) so small shapes reach the packed, multi-threaded and K-blocked paths.
#include "fuzz_input.h"
#include "gemm/gemm.h"

using namespace nn_fuzz;

namespace {

// Elements a rows x cols operand stored with leading dimension ld spans.
count span(int64_t rows, int64_t cols, int64_t ld) {
    if (rows == 0 || cols == 0) return count(0);
    return count(rows - 1) * ld + cols;
}

void pick_tuning(input& in) {
    static const nn::gemm::tuning defaults;
    nn::gemm::tuning& t = nn::gemm::tuning_params();
    t = defaults;
    if (!in.flag()) return;
    t.small_work = in.flag() ? 0 : defaults.small_work;
    t.work_per_thread = in.flag() ? 64 : defaults.work_per_thread;
    t.a_in_place_max_cols = in.choice(3) == 0 ? 0 : defaults.a_in_place_max_cols;
    t.b_in_place_max_rows = in.choice(3) == 0 ? 0 : defaults.b_in_place_max_rows;
    static const int64_t kcs[] = {0, 8, 33};
    static const int64_t ncs[] = {0, 64, 96};
    t.kc = kcs[in.choice(3)];
    t.nc = ncs[in.choice(3)];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    input in(data, size);
    set_threads(in);
    pick_tuning(in);
    const int32_t ta = in.code(2), tb = in.code(2);
    const int64_t m = in.size(0, 64), n = in.size(0, 64), k = in.size(0, 64);
    const bool ta_t = ta == 1, tb_t = tb == 1;
    // Leading dimensions near the minimum: a little above (valid) or below (invalid).
    auto near = [&](int64_t base) { return sat_add(base, sat_mul(in.size(0, 3), in.choice(4) == 0 ? -1 : 1)); };
    const int64_t lda = near(ta_t ? m : k);
    const int64_t ldb = near(tb_t ? k : n);
    const int64_t ldc = near(n);
    static const float alphas[] = {1.0f, 0.0f, -1.0f, 0.5f, 2.0f};
    const float alpha = in.real(alphas, 5), beta = in.real(alphas, 5);
    const int32_t bias_mode = in.code(3), act = in.code(5);
    const int form = in.choice(3);  // 0: nn_sgemm, 1: nn_sgemm_ex, 2: pack_b + packed
    const int null_arg = in.choice(8);  // 1..4: pass that operand as NULL

    // The documented rules, evaluated independently of the library.
    std::string why;
    if (ta != 0 && ta != 1) why = "trans_a";
    else if (tb != 0 && tb != 1) why = "trans_b";
    else if (m < 0 || n < 0 || k < 0) why = "negative size";
    else if (lda < std::max<int64_t>(1, ta_t ? m : k)) why = "lda";
    else if (ldb < std::max<int64_t>(1, tb_t ? k : n)) why = "ldb";
    else if (ldc < std::max<int64_t>(1, n)) why = "ldc";
    else if (form != 0 && (bias_mode < 0 || bias_mode > 2)) why = "bias_mode";
    else if (form != 0 && (act < 0 || act > 4)) why = "activation";
    const bool sized = why.empty();
    const bool empty_c = m == 0 || n == 0;
    const count a_n = sized && !empty_c ? (ta_t ? span(k, m, lda) : span(m, k, lda)) : count(0);
    // B's side alone decides whether nn_sgemm_pack_b may accept (then B must be honestly sized).
    const bool b_valid = (tb == 0 || tb == 1) && k >= 0 && n >= 0 && ldb >= std::max<int64_t>(1, tb_t ? k : n);
    const count b_full = b_valid ? (tb_t ? span(n, k, ldb) : span(k, n, ldb)) : count(0);
    const count b_n = form == 2 ? b_full : (empty_c ? count(0) : b_full);  // pack_b always reads B
    const count c_n = sized ? span(m, n, ldc) : count(0);
    const int mode = form == 0 ? 0 : bias_mode;
    const count bias_n = count(mode == 1 ? m : mode == 2 ? n : 0) * (empty_c ? 0 : 1);
    if (sized && (a_n.overflow || b_n.overflow || c_n.overflow)) why = "operand span overflows int64";
    if (why.empty()) {
        if (null_arg == 1 && a_n.value > 0) why = "a is NULL";
        if (null_arg == 2 && b_n.value > 0) why = "b is NULL";
        if (null_arg == 3 && c_n.value > 0) why = "c is NULL";
        if (null_arg == 4 && bias_n.value > 0) why = "bias is NULL";
    }

    const char* call = form == 0 ? "nn_sgemm" : form == 1 ? "nn_sgemm_ex" : "nn_sgemm_pack_b";
    if (!why.empty()) {
        // Decoys stand in for every operand; a wrong acceptance reads past them under ASan.
        auto a = decoy(), c = decoy(), bias = decoy();
        auto b = form == 2 && b_valid && b_full.fits() ? buffer<float>(b_full.value) : decoy();
        if (form == 2 && b_valid && !b_full.overflow && !b_full.fits()) return 0;  // pack_b would need a huge B
        const float* pa = null_arg == 1 ? nullptr : a.get();
        const float* pb = null_arg == 2 ? nullptr : b.get();
        float* pc = null_arg == 3 ? nullptr : c.get();
        const float* pbias = null_arg == 4 ? nullptr : bias.get();
        nn_status s;
        if (form == 0) {
            s = nn_sgemm((nn_transpose)ta, (nn_transpose)tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        } else if (form == 1) {
            s = nn_sgemm_ex((nn_transpose)ta, (nn_transpose)tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc,
                            pbias, (nn_bias_mode)bias_mode, (nn_unary_op)act);
        } else {
            // The invalid part may be on B's side (pack_b fails) or on A/C's side (packed fails).
            nn_packed_matrix* packed = nullptr;
            s = nn_sgemm_pack_b((nn_transpose)tb, k, n, pb, ldb, &packed);
            if (s == NN_OK) {
                call = "nn_sgemm_packed";
                s = nn_sgemm_packed((nn_transpose)ta, m, n, k, alpha, pa, lda, packed, beta, pc, ldc, pbias,
                                    (nn_bias_mode)bias_mode, (nn_unary_op)act);
                nn_packed_matrix_destroy(packed);
            } else if (packed != nullptr) {
                fail("nn_sgemm_pack_b failed but left *out non-null");
            }
        }
        expect_error(s, call, why);
        return 0;
    }
    if (!(a_n + b_n + c_n).fits()) return 0;  // valid but too large to allocate honestly
    // The double-precision reference is slow under ASan: keep each input well under a second.
    const count work = count(m) * n * k;
    // (m and n bounded too: the reference loops over rows even when n == 0.)
    if (work.overflow || work.value > (int64_t(1) << 21) || m > 4096 || n > 4096) return 0;

    const uint32_t seed = in.u32();
    buffer<float> a(a_n.value, seed), b(b_n.value, seed + 1), c(c_n.value, seed + 2), bias(bias_n.value, seed + 3);
    buffer<float> want = c.copy();
    nn::gemm::epilogue ep;
    ep.bias = mode == 0 ? nullptr : bias.get();
    ep.mode = static_cast<nn::gemm::bias_mode>(mode);
    ep.act = static_cast<nn::gemm::activation>(form == 0 ? 0 : act);
    nn::gemm::sgemm_ref(ta_t, tb_t, m, n, k, alpha, a.get(), lda, b.get(), ldb, beta, want.get(), ldc, ep);

    buffer<float> got = c.copy();
    if (form == 0) {
        expect_ok(nn_sgemm((nn_transpose)ta, (nn_transpose)tb, m, n, k, alpha, a.get(), lda, b.get(), ldb, beta,
                           got.get(), ldc),
                  "nn_sgemm");
    } else {
        expect_ok(nn_sgemm_ex((nn_transpose)ta, (nn_transpose)tb, m, n, k, alpha, a.get(), lda, b.get(), ldb, beta,
                              got.get(), ldc, bias.get(), (nn_bias_mode)bias_mode, (nn_unary_op)act),
                  "nn_sgemm_ex");
    }
    // Reference: double accumulation; ours: float with FMA, so allow k-proportional rounding.
    // Hostile alpha / beta (inf, NaN, 1e30) are run for memory safety only: near overflow the
    // two roundings may land on either side of FLT_MAX.
    const bool ordinary = std::fabs(alpha) <= 2.0f && std::fabs(beta) <= 2.0f;
    const float atol = 2e-6f * (static_cast<float>(k) + 4.0f) * std::max(1.0f, std::fabs(alpha));
    if (ordinary) expect_close(got.get(), want.get(), c_n.value, 1e-5f, atol, call);

    if (form == 2) {
        nn_packed_matrix* packed = nullptr;
        expect_ok(nn_sgemm_pack_b((nn_transpose)tb, k, n, b.get(), ldb, &packed), "nn_sgemm_pack_b");
        buffer<float> got_packed = c.copy();
        expect_ok(nn_sgemm_packed((nn_transpose)ta, m, n, k, alpha, a.get(), lda, packed, beta, got_packed.get(), ldc,
                                  bias.get(), (nn_bias_mode)bias_mode, (nn_unary_op)act),
                  "nn_sgemm_packed");
        if (c_n.value > 0 && std::memcmp(got_packed.get(), got.get(), sizeof(float) * c_n.value) != 0)
            fail("nn_sgemm_packed is not bitwise equal to nn_sgemm_ex");
        // A packed matrix of another k must be refused, not read past.
        buffer<float> c2 = c.copy();
        expect_error(nn_sgemm_packed((nn_transpose)ta, m, n, k == std::numeric_limits<int64_t>::max() ? k - 1 : k + 1, alpha, a.get(), lda, packed, beta, c2.get(), ldc,
                                     bias.get(), (nn_bias_mode)bias_mode, (nn_unary_op)act),
                     "nn_sgemm_packed", "k differs from the packed matrix's");
        nn_packed_matrix_destroy(packed);
    }
    return 0;
}
