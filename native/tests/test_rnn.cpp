// Recurrent layers: the C ABI (active ISA's gate kernels + SGEMM driver) against the
// independent whole-layer scalar reference (kernels/ref/rnn_ref.cpp), the reference against
// finite differences in double, the SIMD gate kernels against the scalar ones (stating the
// measured error of vecmath's sigmoid/tanh), 1 vs 2 threads, bad arguments, and the PyTorch
// parity fixtures (multi-layer / bidirectional ones composed from the single-layer primitive).
#include <dirent.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ref/rnn_ref.h"
#include "rnn/rnn.h"
#include "rnn/rnn_step_gemm.h"
#include "safetensors_reader_rnn.h"
#include "test_util.h"

namespace {

using fvec = std::vector<float>;

struct Case {
    nn_rnn_cell cell;
    int64_t T, B, I, H;
    bool batch_first, reverse, var_lengths, with_h0, with_bias;
};

std::string describe(const Case& c) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s T=%lld B=%lld I=%lld H=%lld bf=%d rev=%d lens=%d h0=%d bias=%d isa=%s",
                  c.cell == NN_RNN_LSTM ? "lstm" : "gru", (long long)c.T, (long long)c.B, (long long)c.I,
                  (long long)c.H, c.batch_first, c.reverse, c.var_lengths, c.with_h0, c.with_bias,
                  nn_test::active_isa_name().c_str());
    return buf;
}

nn_rnn_desc make_desc(nn_rnn_cell cell, int64_t T, int64_t B, int64_t I, int64_t H, bool bf, bool rev) {
    nn_rnn_desc d{};
    d.cell = cell;
    d.batch_first = bf;
    d.seq_len = T, d.batch = B, d.input_size = I, d.hidden_size = H;
    d.num_layers = 1;
    d.bidirectional = 0;
    d.reverse = rev;
    return d;
}

// Inputs of one layer run, with upstream gradients for backward.
struct Data {
    nn_rnn_desc d;
    fvec x, w_ih, w_hh, b_ih, b_hh, h0, c0, dy, dh_n, dc_n;
    std::vector<int64_t> lengths;
    const float* p(const fvec& v) const { return v.empty() ? nullptr : v.data(); }
    const int64_t* len() const { return lengths.empty() ? nullptr : lengths.data(); }
};

Data make_data(const Case& c, uint32_t seed) {
    Data s;
    s.d = make_desc(c.cell, c.T, c.B, c.I, c.H, c.batch_first, c.reverse);
    const int64_t GH = nn::rnn::gate_count(c.cell) * c.H;
    const float ws = 1.0f / std::sqrt(static_cast<float>(c.H));  // PyTorch's init range
    s.x = nn_test::random_vector(c.T * c.B * c.I, seed + 1);
    s.w_ih = nn_test::random_vector(GH * c.I, seed + 2, -ws, ws);
    s.w_hh = nn_test::random_vector(GH * c.H, seed + 3, -ws, ws);
    if (c.with_bias) {
        s.b_ih = nn_test::random_vector(GH, seed + 4, -ws, ws);
        s.b_hh = nn_test::random_vector(GH, seed + 5, -ws, ws);
    }
    if (c.with_h0) {
        s.h0 = nn_test::random_vector(c.B * c.H, seed + 6);
        if (c.cell == NN_RNN_LSTM) s.c0 = nn_test::random_vector(c.B * c.H, seed + 7);
    }
    s.dy = nn_test::random_vector(c.T * c.B * c.H, seed + 8);
    s.dh_n = nn_test::random_vector(c.B * c.H, seed + 9);
    if (c.cell == NN_RNN_LSTM) s.dc_n = nn_test::random_vector(c.B * c.H, seed + 10);
    if (c.var_lengths) {
        std::mt19937 rng(seed + 11);
        for (int64_t b = 0; b < c.B; ++b) s.lengths.push_back(1 + static_cast<int64_t>(rng() % c.T));
        s.lengths[static_cast<size_t>(c.B / 2)] = c.T;  // one full-length sequence, not first
    }
    return s;
}

struct Result {
    fvec y, h_n, c_n, dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh;
};

Result sized(const nn_rnn_desc& d) {
    const int64_t GH = nn::rnn::gate_count(d.cell) * d.hidden_size, BH = d.batch * d.hidden_size;
    Result r;
    r.y.assign(static_cast<size_t>(d.seq_len * BH), NAN);
    r.h_n.assign(static_cast<size_t>(BH), NAN);
    r.c_n.assign(static_cast<size_t>(BH), NAN);
    r.dx.assign(static_cast<size_t>(d.seq_len * d.batch * d.input_size), NAN);
    r.dh0.assign(static_cast<size_t>(BH), NAN);
    r.dc0.assign(static_cast<size_t>(BH), NAN);
    r.dw_ih.assign(static_cast<size_t>(GH * d.input_size), NAN);
    r.dw_hh.assign(static_cast<size_t>(GH * d.hidden_size), NAN);
    r.db_ih.assign(static_cast<size_t>(GH), NAN);
    r.db_hh.assign(static_cast<size_t>(GH), NAN);
    return r;
}

// Forward + backward through the C ABI. The workspace starts full of NaN and is misaligned on
// purpose: nothing may read a float the call did not write, and no alignment is assumed.
Result run_api(const Data& s) {
    Result r = sized(s.d);
    int64_t wsz = 0;
    EXPECT_EQ(nn_rnn_workspace_size(&s.d, &wsz), NN_OK) << nn_last_error();
    fvec ws(static_cast<size_t>(wsz + 1), NAN);
    float* w = ws.data() + 1;
    const bool lstm = s.d.cell == NN_RNN_LSTM;
    EXPECT_EQ(nn_rnn_forward(&s.d, s.x.data(), s.w_ih.data(), s.w_hh.data(), s.p(s.b_ih), s.p(s.b_hh), s.p(s.h0),
                             s.p(s.c0), s.len(), r.y.data(), r.h_n.data(), lstm ? r.c_n.data() : nullptr, w),
              NN_OK)
        << nn_last_error();
    EXPECT_EQ(nn_rnn_backward(&s.d, s.x.data(), s.w_ih.data(), s.w_hh.data(), s.p(s.h0), s.p(s.c0), s.len(), w,
                              s.dy.data(), s.dh_n.data(), s.p(s.dc_n), r.dx.data(), r.dh0.data(),
                              lstm ? r.dc0.data() : nullptr, r.dw_ih.data(), r.dw_hh.data(), r.db_ih.data(),
                              r.db_hh.data()),
              NN_OK)
        << nn_last_error();
    return r;
}

Result run_ref(const Data& s) {
    Result r = sized(s.d);
    nn::rnn::ref::forward<float>(s.d, s.x.data(), s.w_ih.data(), s.w_hh.data(), s.p(s.b_ih), s.p(s.b_hh),
                                 s.p(s.h0), s.p(s.c0), s.len(), r.y.data(), r.h_n.data(), r.c_n.data());
    nn::rnn::ref::backward<float>(s.d, s.x.data(), s.w_ih.data(), s.w_hh.data(), s.p(s.b_ih), s.p(s.b_hh),
                                  s.p(s.h0), s.p(s.c0), s.len(), s.dy.data(), s.dh_n.data(), s.p(s.dc_n),
                                  r.dx.data(), r.dh0.data(), r.dc0.data(), r.dw_ih.data(), r.dw_hh.data(),
                                  r.db_ih.data(), r.db_hh.data());
    return r;
}

void expect_close(const Result& got, const Result& want, bool lstm, float rtol, float atol, const std::string& ctx) {
    auto cmp = [&](const fvec& g, const fvec& w, const char* name) {
        EXPECT_TRUE(nn_test::all_close(g.data(), w.data(), static_cast<int64_t>(w.size()), rtol, atol, ctx + " " + name));
    };
    cmp(got.y, want.y, "y");
    cmp(got.h_n, want.h_n, "h_n");
    cmp(got.dx, want.dx, "dx");
    cmp(got.dh0, want.dh0, "dh0");
    cmp(got.dw_ih, want.dw_ih, "dw_ih");
    cmp(got.dw_hh, want.dw_hh, "dw_hh");
    cmp(got.db_ih, want.db_ih, "db_ih");
    cmp(got.db_hh, want.db_hh, "db_hh");
    if (lstm) {
        cmp(got.c_n, want.c_n, "c_n");
        cmp(got.dc0, want.dc0, "dc0");
    }
}

bool bitwise_equal(const fvec& a, const fvec& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

}  // namespace

// Every combination of layout, direction, lengths, initial state and bias, both cells, at hidden
// sizes that exercise full vectors and tails of both SIMD widths.
TEST(Rnn, MatchesScalarReference) {
    uint32_t seed = 100;
    for (nn_rnn_cell cell : {NN_RNN_LSTM, NN_RNN_GRU})
        for (int64_t H : {5, 16, 37})
            for (int mask = 0; mask < 16; ++mask) {
                Case c{cell, 6, 4, 7, H, (mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0, (mask & 8) != 0,
                       ((mask + H) & 1) != 0};
                Data s = make_data(c, seed += 20);
                expect_close(run_api(s), run_ref(s), cell == NN_RNN_LSTM, 1e-4f, 1e-5f, describe(c));
            }
}

// The inference call (W_hh and W_ih packed by nn_rnn_pack, the input projection inside each step, a
// small workspace) against nn_rnn_forward over every combination MatchesScalarReference covers;
// B = 9 leaves a partial row tile at both SIMD widths. The workspace starts as NaN and
// misaligned, as in run_api. Only the summation order of x W_ih^T differs.
TEST(Rnn, InferMatchesForward) {
    uint32_t seed = 700;
    for (nn_rnn_cell cell : {NN_RNN_LSTM, NN_RNN_GRU})
        for (int64_t H : {5, 16, 37})
            for (int mask = 0; mask < 16; ++mask) {
                Case c{cell, 6, 9, 7, H, (mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0, (mask & 8) != 0,
                       ((mask + H) & 1) != 0};
                Data s = make_data(c, seed += 20);
                const Result want = run_api(s);
                Result got = sized(s.d);
                int64_t psz = 0, wsz = 0;
                ASSERT_EQ(nn_rnn_pack_size(&s.d, &psz), NN_OK) << nn_last_error();
                ASSERT_EQ(nn_rnn_infer_workspace_size(&s.d, &wsz), NN_OK) << nn_last_error();
                ASSERT_EQ(wsz, 3 * c.B * c.H);
                fvec packed(static_cast<size_t>(psz + 1), NAN), ws(static_cast<size_t>(wsz + 1), NAN);
                ASSERT_EQ(psz, (c.H + 15) / 16 * 16 * (cell == NN_RNN_LSTM ? 4 : 3) * (c.H + c.I));
                ASSERT_EQ(nn_rnn_pack(&s.d, s.w_ih.data(), s.w_hh.data(), packed.data() + 1), NN_OK) << nn_last_error();
                const bool lstm = cell == NN_RNN_LSTM;
                ASSERT_EQ(nn_rnn_infer(&s.d, s.x.data(), packed.data() + 1, s.p(s.b_ih), s.p(s.b_hh),
                                       s.p(s.h0), s.p(s.c0), s.len(), got.y.data(), got.h_n.data(),
                                       lstm ? got.c_n.data() : nullptr, ws.data() + 1),
                          NN_OK)
                    << nn_last_error();
                auto cmp = [&](const fvec& g, const fvec& w, const char* name) {
                    EXPECT_TRUE(nn_test::all_close(g.data(), w.data(), static_cast<int64_t>(w.size()), 1e-5f, 1e-6f,
                                                   describe(c) + " " + name));
                };
                cmp(got.y, want.y, "y");
                cmp(got.h_n, want.h_n, "h_n");
                if (lstm) cmp(got.c_n, want.c_n, "c_n");
            }
    // Bad arguments name themselves.
    nn_rnn_desc d = make_desc(NN_RNN_LSTM, 2, 1, 3, 4, false, false);
    fvec x(6), w_ih(48), w_hh(64), packed(64 * 4), y(8), ws(64);
    EXPECT_EQ(nn_rnn_pack(&d, w_ih.data(), nullptr, packed.data()), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("w_hh"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_rnn_pack(&d, nullptr, w_hh.data(), packed.data()), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("w_ih"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_rnn_infer(&d, x.data(), nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, y.data(), nullptr,
                           nullptr, ws.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("packed"), std::string::npos) << nn_last_error();
    d.hidden_size = 0;
    int64_t n = 0;
    EXPECT_EQ(nn_rnn_pack_size(&d, &n), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("hidden_size"), std::string::npos) << nn_last_error();
}

// The reference's analytic gradients against central differences of its own forward, in double:
// loss = sum(y * dy) + sum(h_n * dh_n) + sum(c_n * dc_n).
TEST(Rnn, ReferenceGradientsMatchFiniteDifferences) {
    using dvec = std::vector<double>;
    for (nn_rnn_cell cell : {NN_RNN_LSTM, NN_RNN_GRU})
        for (int mask = 0; mask < 8; ++mask) {
            const bool lstm = cell == NN_RNN_LSTM;
            Case c{cell, 4, 3, 3, 3, (mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0, true, true};
            Data f = make_data(c, 900u + static_cast<uint32_t>(mask));
            auto to_d = [](const fvec& v) { return dvec(v.begin(), v.end()); };
            dvec x = to_d(f.x), wi = to_d(f.w_ih), wh = to_d(f.w_hh), bi = to_d(f.b_ih), bh = to_d(f.b_hh);
            dvec h0 = to_d(f.h0), c0 = lstm ? to_d(f.c0) : dvec(), dy = to_d(f.dy), dhn = to_d(f.dh_n);
            dvec dcn = lstm ? to_d(f.dc_n) : dvec();
            const int64_t BH = c.B * c.H, GH = nn::rnn::gate_count(cell) * c.H;
            const int64_t* len = f.len();
            auto loss = [&] {
                dvec y(static_cast<size_t>(c.T * BH)), hn(static_cast<size_t>(BH)), cn(static_cast<size_t>(BH), 0.0);
                nn::rnn::ref::forward<double>(f.d, x.data(), wi.data(), wh.data(), bi.data(), bh.data(), h0.data(),
                                              lstm ? c0.data() : nullptr, len, y.data(), hn.data(), cn.data());
                double l = 0;
                for (size_t i = 0; i < y.size(); ++i) l += y[i] * dy[i];
                for (size_t i = 0; i < hn.size(); ++i) l += hn[i] * dhn[i] + (lstm ? cn[i] * dcn[i] : 0.0);
                return l;
            };
            dvec dx(x.size()), dh0(h0.size()), dc0(static_cast<size_t>(BH)), dwi(wi.size()), dwh(wh.size());
            dvec dbi(static_cast<size_t>(GH)), dbh(static_cast<size_t>(GH));
            nn::rnn::ref::backward<double>(f.d, x.data(), wi.data(), wh.data(), bi.data(), bh.data(), h0.data(),
                                           lstm ? c0.data() : nullptr, len, dy.data(), dhn.data(),
                                           lstm ? dcn.data() : nullptr, dx.data(), dh0.data(), dc0.data(),
                                           dwi.data(), dwh.data(), dbi.data(), dbh.data());
            auto check = [&](dvec& param, const dvec& grad, const char* name) {
                for (size_t i = 0; i < param.size(); ++i) {
                    const double keep = param[i], eps = 1e-5;
                    param[i] = keep + eps;
                    const double lp = loss();
                    param[i] = keep - eps;
                    const double lm = loss();
                    param[i] = keep;
                    const double num = (lp - lm) / (2 * eps);
                    ASSERT_NEAR(grad[i], num, 1e-7 + 1e-6 * std::fabs(num))
                        << describe(c) << " d" << name << "[" << i << "]";
                }
            };
            check(x, dx, "x");
            check(wi, dwi, "w_ih");
            check(wh, dwh, "w_hh");
            check(bi, dbi, "b_ih");
            check(bh, dbh, "b_hh");
            check(h0, dh0, "h0");
            if (lstm) check(c0, dc0, "c0");
        }
}

// Sequences of length 0 keep their initial state and pass dh_n straight to dh0.
TEST(Rnn, ZeroLengthSequencesPassStateThrough) {
    for (nn_rnn_cell cell : {NN_RNN_LSTM, NN_RNN_GRU}) {
        Case c{cell, 5, 3, 4, 9, false, true, true, true, true};
        Data s = make_data(c, 4242);
        s.lengths = {0, 5, 2};
        Result got = run_api(s), want = run_ref(s);
        expect_close(got, want, cell == NN_RNN_LSTM, 1e-4f, 1e-5f, describe(c));
        for (int64_t j = 0; j < c.H; ++j) {
            EXPECT_EQ(got.h_n[static_cast<size_t>(j)], s.h0[static_cast<size_t>(j)]);
            EXPECT_EQ(got.dh0[static_cast<size_t>(j)], s.dh_n[static_cast<size_t>(j)]);
        }
        for (int64_t t = 0; t < c.T; ++t)  // y of the empty sequence (b = 0, time-major) is 0
            for (int64_t j = 0; j < c.H; ++j) EXPECT_EQ(got.y[static_cast<size_t>(t * c.B * c.H + j)], 0.0f);
    }
}

// The SIMD gate kernels against the scalar ones on pre-activations well into saturation; the
// largest difference is the error of vecmath's sigmoid/tanh as the recurrent cells see it.
TEST(Rnn, GateKernelsMatchScalarKernels) {
    const auto& k = nn::rnn::active();
    const auto& ref = nn::rnn::ref_kernels;
    const int64_t h = 37;  // two full AVX2 vectors + a tail; two AVX-512 vectors + a tail
    double max_err = 0;
    auto track = [&](const fvec& a, const fvec& b, const char* what) {
        for (size_t i = 0; i < a.size(); ++i) {
            max_err = std::max(max_err, static_cast<double>(std::fabs(a[i] - b[i])));
            ASSERT_TRUE(nn_test::close(a[i], b[i], 2e-6f, 2e-6f)) << what << "[" << i << "] isa=" << k.isa;
        }
    };
    for (uint32_t seed = 1; seed <= 20; ++seed) {
        fvec px = nn_test::random_vector(4 * h, seed, -12, 12), ph = nn_test::random_vector(4 * h, seed + 50, -3, 3);
        fvec st = nn_test::random_vector(h, seed + 100, -2, 2), dh = nn_test::random_vector(h, seed + 200);
        fvec dy = nn_test::random_vector(h, seed + 300), dc0 = nn_test::random_vector(h, seed + 400);
        // LSTM forward
        fvec g1(4 * h), g2(4 * h), c1(h), c2(h), cs1(h), cs2(h), h1(h), h2(h), y1(h), y2(h);
        k.lstm_forward(px.data(), ph.data(), st.data(), g1.data(), c1.data(), cs1.data(), h1.data(), y1.data(), h);
        ref.lstm_forward(px.data(), ph.data(), st.data(), g2.data(), c2.data(), cs2.data(), h2.data(), y2.data(), h);
        track(g1, g2, "lstm gates");
        track(c1, c2, "lstm c");
        track(h1, h2, "lstm h");
        ASSERT_TRUE(bitwise_equal(h1, y1));
        // LSTM backward (from the reference's activations so only this step's error shows)
        fvec dc1 = dc0, dc2 = dc0, dg1(4 * h), dg2(4 * h), cp1(4 * h), cp2(4 * h);
        k.lstm_backward(g2.data(), st.data(), c2.data(), dh.data(), dy.data(), dc1.data(), dg1.data(), cp1.data(), h);
        ref.lstm_backward(g2.data(), st.data(), c2.data(), dh.data(), dy.data(), dc2.data(), dg2.data(), cp2.data(), h);
        track(dg1, dg2, "lstm dgates");
        track(dc1, dc2, "lstm dc");
        ASSERT_TRUE(bitwise_equal(dg1, cp1));
        // GRU forward / backward
        fvec r1(3 * h), r2(3 * h), hn1(h), hn2(h);
        k.gru_forward(px.data(), ph.data(), st.data(), r1.data(), hn1.data(), h1.data(), y1.data(), h);
        ref.gru_forward(px.data(), ph.data(), st.data(), r2.data(), hn2.data(), h2.data(), y2.data(), h);
        track(r1, r2, "gru gates");
        track(h1, h2, "gru h");
        ASSERT_TRUE(bitwise_equal(hn1, hn2));
        fvec gh1(3 * h), gh2(3 * h), dn1(h), dn2(h), dp1(h), dp2(h);
        k.gru_backward(r2.data(), hn2.data(), st.data(), dh.data(), dy.data(), dg1.data(), gh1.data(), dn1.data(),
                       dp1.data(), h);
        ref.gru_backward(r2.data(), hn2.data(), st.data(), dh.data(), dy.data(), dg2.data(), gh2.data(), dn2.data(),
                         dp2.data(), h);
        track(fvec(dg1.begin(), dg1.begin() + 3 * h), fvec(dg2.begin(), dg2.begin() + 3 * h), "gru dgates");
        track(gh1, gh2, "gru dgates_h");
        track(dp1, dp2, "gru dh_prev");
    }
    std::printf("[ rnn ] gate kernels %s vs scalar std::exp/std::tanh: max abs error %.3g\n", k.isa, max_err);
}

// The gate activations where they saturate, past the exponential's clamp, and on NaN: near 0
// or 1 (sigmoid), -1 or 1 (tanh), and NaN in is NaN out (the clamp must not turn it into a
// number).
TEST(Rnn, GateKernelsSaturateAndKeepNaN) {
    const auto& k = nn::rnn::active();
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    const fvec pre = {-inf, -1e30f, -1e4f, -200.0f, -88.5f, -87.0f, -60.0f, 60.0f, 87.0f, 88.5f, 200.0f, 1e4f, 1e30f, inf, nan, 0.0f, 1.0f};
    const int64_t h = static_cast<int64_t>(pre.size());
    fvec px(4 * h), ph(4 * h, 0.0f), c0(h, 0.0f), gates(4 * h), c(h), cs(h), hs(h);
    for (int g = 0; g < 4; ++g) std::copy(pre.begin(), pre.end(), px.begin() + g * h);
    k.lstm_forward(px.data(), ph.data(), c0.data(), gates.data(), c.data(), cs.data(), hs.data(), nullptr, h);
    for (int64_t j = 0; j < h; ++j) {
        const float x = pre[j], sig = gates[j], th = gates[2 * h + j];
        if (std::isnan(x)) {
            EXPECT_TRUE(std::isnan(sig) && std::isnan(th)) << "sigmoid and tanh of NaN: " << sig << ", " << th << " isa=" << k.isa;
            continue;
        }
        const double xd = x;
        EXPECT_NEAR(sig, 1.0 / (1.0 + std::exp(-xd)), 3e-7) << "sigmoid(" << x << ") isa=" << k.isa;
        EXPECT_NEAR(th, std::tanh(xd), 6e-7) << "tanh(" << x << ") isa=" << k.isa;
    }
}

// The fused step kernels (packed W_hh, the cell on the product's accumulators) of the active
// table against the product taken row by row from the unpacked W_hh and the scalar cell, for
// every row count up to past two tiles (AVX-512 LSTM tiles 6 rows, AVX2 2), hidden sizes with
// a lane tail and a partial unit block: training (px given; gates, aux written), inference
// from px, and inference with the input projection in the step (x and the packed W_ih).
TEST(Rnn, FusedStepMatchesProductThenCell) {
    const auto& k = nn::rnn::active();
    const auto& ref = nn::rnn::ref_kernels;
    for (nn_rnn_cell cell : {NN_RNN_LSTM, NN_RNN_GRU})
        for (int64_t h : {5, 16, 37})
            for (int64_t m = 1; m <= 17; m += (m < 9 ? 1 : 8))
                for (int mode : {0, 1, 2}) {
                    const bool train = mode == 1, with_x = mode == 2;
                    const int64_t G = nn::rnn::gate_count(cell), GH = G * h, I = 7;
                    const uint32_t seed = static_cast<uint32_t>(h * 1000 + m * 10 + mode);
                    fvec w_hh = nn_test::random_vector(GH * h, seed, -0.5f, 0.5f);
                    fvec b_hh = nn_test::random_vector(GH, seed + 1, -0.5f, 0.5f);
                    fvec hin = nn_test::random_vector(m * h, seed + 2, -1, 1);
                    fvec px0 = nn_test::random_vector(m * GH, seed + 3, -4, 4);
                    fvec c0 = nn_test::random_vector(m * h, seed + 4, -2, 2);
                    fvec w_ih = nn_test::random_vector(GH * I, seed + 5, -0.5f, 0.5f);
                    fvec b_ih = nn_test::random_vector(GH, seed + 6, -0.5f, 0.5f);
                    fvec xin = nn_test::random_vector(m * I, seed + 7, -1, 1);
                    const nn::rnn::gate_weight packed(G, h, h, w_hh.data()), packed_ih(G, h, I, w_ih.data());
                    // Got: the fused step over per-row pointers.
                    fvec px = px0, c = c0, hout(m * h), y(m * h), aux(m * h);
                    std::vector<const float*> hi(m), xp(m);
                    std::vector<float*> pp(m), cp(m), hp(m), yp(m), ap(m);
                    for (int64_t r = 0; r < m; ++r) {
                        hi[r] = hin.data() + r * h, pp[r] = px.data() + r * GH, cp[r] = c.data() + r * h;
                        hp[r] = hout.data() + r * h, yp[r] = y.data() + r * h, ap[r] = aux.data() + r * h;
                        xp[r] = xin.data() + r * I;
                    }
                    nn::rnn::step_args a{h,         m,         packed.data(), b_hh.data(), hi.data(), pp.data(),
                                         cp.data(), hp.data(), yp.data(),     train ? ap.data() : nullptr};
                    if (with_x) a.px = nullptr, a.x = xp.data(), a.i = I, a.w_x = packed_ih.data(), a.b_ih = b_ih.data();
                    // The step in two unit ranges (as a step split across threads) gives the bits
                    // of one call over all units.
                    fvec px_whole = px, c_whole = c, h_whole(m * h);
                    {
                        std::vector<float*> cw(m), hw(m), pw(m);
                        for (int64_t r = 0; r < m; ++r)
                            cw[r] = c_whole.data() + r * h, hw[r] = h_whole.data() + r * h, pw[r] = px_whole.data() + r * GH;
                        // Inference form (aux null): the same h_t and c_t, nothing else written.
                        nn::rnn::step_args whole = a;
                        whole.c = cw.data(), whole.h_out = hw.data(), whole.y = nullptr, whole.aux = nullptr;
                        if (whole.px) whole.px = pw.data();
                        (cell == NN_RNN_LSTM ? k.lstm_step : k.gru_step)(whole);
                    }
                    for (auto [j0, j1] : {std::pair<int64_t, int64_t>{0, 16}, {16, INT64_MAX}}) {
                        nn::rnn::step_args part = a;
                        part.j0 = j0, part.j1 = j1;
                        (cell == NN_RNN_LSTM ? k.lstm_step : k.gru_step)(part);
                    }
                    ASSERT_TRUE(bitwise_equal(hout, h_whole)) << "unit ranges, h=" << h << " m=" << m << " mode=" << mode;
                    if (cell == NN_RNN_LSTM) ASSERT_TRUE(bitwise_equal(c, c_whole)) << "unit ranges, c, h=" << h;
                    // Want: ph = h W_hh^T + b_hh in double, then the scalar cell.
                    fvec wpx = px0, wc = c0, wh(m * h), wy(m * h), waux(m * h), ph(GH);
                    for (int64_t r = 0; r < m; ++r) {
                        for (int64_t o = 0; o < GH; ++o) {
                            double acc = b_hh[o];
                            for (int64_t q = 0; q < h; ++q) acc += double(w_hh[o * h + q]) * hin[r * h + q];
                            ph[o] = static_cast<float>(acc);
                            if (!with_x) continue;
                            double in = b_ih[o];
                            for (int64_t q = 0; q < I; ++q) in += double(w_ih[o * I + q]) * xin[r * I + q];
                            wpx[r * GH + o] = static_cast<float>(in);
                        }
                        float* g = wpx.data() + r * GH;
                        if (cell == NN_RNN_LSTM)
                            ref.lstm_forward(g, ph.data(), wc.data() + r * h, g, waux.data() + r * h,
                                             wc.data() + r * h, wh.data() + r * h, wy.data() + r * h, h);
                        else
                            ref.gru_forward(g, ph.data(), hin.data() + r * h, g, waux.data() + r * h,
                                            wh.data() + r * h, wy.data() + r * h, h);
                    }
                    const std::string what = std::string(cell == NN_RNN_LSTM ? "lstm" : "gru") + " h=" +
                                             std::to_string(h) + " m=" + std::to_string(m) +
                                             (train ? " train" : with_x ? " infer x" : " infer px") + " isa=" + k.isa;
                    auto check = [&](const fvec& got, const fvec& want, const char* name) {
                        for (size_t i = 0; i < got.size(); ++i)
                            ASSERT_TRUE(nn_test::close(got[i], want[i], 2e-5f, 2e-5f))
                                << what << " " << name << "[" << i << "] " << got[i] << " vs " << want[i];
                    };
                    check(hout, wh, "h_t");
                    ASSERT_TRUE(bitwise_equal(hout, y)) << what;
                    if (cell == NN_RNN_LSTM) check(c, wc, "c_t");
                    if (train) {
                        check(px, wpx, "gates");
                        check(aux, waux, "aux");
                    } else {
                        ASSERT_TRUE(bitwise_equal(px, px0)) << what << ": inference wrote the gates";
                    }
                }
}

// nn_rnn_infer's outputs (y, h_n, c_n) for a case.
Result run_infer(const Data& s) {
    Result got = sized(s.d);
    int64_t psz = 0, wsz = 0;
    EXPECT_EQ(nn_rnn_pack_size(&s.d, &psz), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_rnn_infer_workspace_size(&s.d, &wsz), NN_OK) << nn_last_error();
    fvec packed(static_cast<size_t>(psz)), ws(static_cast<size_t>(wsz));
    EXPECT_EQ(nn_rnn_pack(&s.d, s.w_ih.data(), s.w_hh.data(), packed.data()), NN_OK) << nn_last_error();
    const bool lstm = s.d.cell == NN_RNN_LSTM;
    EXPECT_EQ(nn_rnn_infer(&s.d, s.x.data(), packed.data(), s.p(s.b_ih), s.p(s.b_hh), s.p(s.h0), s.p(s.c0), s.len(),
                           got.y.data(), got.h_n.data(), lstm ? got.c_n.data() : nullptr, ws.data()),
              NN_OK)
        << nn_last_error();
    return got;
}

// Element-wise work split over the pool and SGEMM's threads must not change a single bit, nor
// the time loop's split at 2 threads: by units (1 and 3 rows; with lengths, rows drop out
// mid-sequence) or by rows (9 rows).
TEST(Rnn, OneAndTwoThreadsAreBitwiseEqual) {
    for (nn_rnn_cell cell : {NN_RNN_LSTM, NN_RNN_GRU})
        for (int64_t B : {1, 3, 9}) {
            Case c{cell, B, 24, 5, cell == NN_RNN_LSTM ? 256 : 352, true, false, true, true, true};
            Data s = make_data(c, 77);
            Result one, two, infer_one, infer_two;
            {
                nn_test::ThreadScope t(1);
                one = run_api(s);
                infer_one = run_infer(s);
            }
            {
                nn_test::ThreadScope t(2);
                two = run_api(s);
                infer_two = run_infer(s);
            }
            for (auto m : {&Result::y, &Result::h_n, &Result::dx, &Result::dh0, &Result::dw_ih, &Result::dw_hh,
                           &Result::db_ih, &Result::db_hh})
                EXPECT_TRUE(bitwise_equal(one.*m, two.*m)) << describe(c);
            EXPECT_TRUE(bitwise_equal(infer_one.y, infer_two.y) && bitwise_equal(infer_one.h_n, infer_two.h_n))
                << describe(c) << " infer";
            if (cell == NN_RNN_LSTM) {
                EXPECT_TRUE(bitwise_equal(one.c_n, two.c_n) && bitwise_equal(one.dc0, two.dc0)) << describe(c);
                EXPECT_TRUE(bitwise_equal(infer_one.c_n, infer_two.c_n)) << describe(c) << " infer";
            }
        }
}

// The per-step product (rnn_step_gemm.cpp: its own loop order over SGEMM's micro-kernel and
// packed weight) must give SGEMM's bits: short and tail row counts, one and several K blocks,
// column tails, both weight layouts, beta 0 / 1 and the per-column bias epilogue.
TEST(Rnn, StepProductIsBitwiseSgemm) {
    struct Shape { int64_t m, n, k; bool trans; };
    for (const Shape sh : {Shape{1, 40, 24, true}, Shape{7, 512, 128, true}, Shape{13, 136, 1100, false},
                           Shape{32, 100, 600, false}}) {
        const int64_t ldw = sh.trans ? sh.k : sh.n;
        auto a = nn_test::random_vector(sh.m * sh.k, 5), w = nn_test::random_vector(sh.n * sh.k, 6);
        auto bias = nn_test::random_vector(sh.n, 7), c0 = nn_test::random_vector(sh.m * sh.n, 8);
        const nn::rnn::step_weight sw(sh.trans, sh.k, sh.n, w.data(), ldw);
        for (float beta : {0.0f, 1.0f}) {
            const nn::gemm::epilogue ep{beta == 0.0f ? bias.data() : nullptr,
                                        beta == 0.0f ? nn::gemm::bias_mode::per_col : nn::gemm::bias_mode::none};
            std::vector<float> got = c0, want = c0;
            sw.multiply(sh.m, a.data(), sh.k, beta, got.data(), sh.n, ep);
            nn::gemm::sgemm(false, sh.trans, sh.m, sh.n, sh.k, 1.0f, a.data(), sh.k, w.data(), ldw, beta, want.data(),
                            sh.n, ep, 1);
            EXPECT_TRUE(bitwise_equal(got, want)) << sh.m << "x" << sh.n << "x" << sh.k << " beta " << beta << " isa "
                                                  << nn_test::active_isa_name();
        }
    }
}

// The native stack (2 layers, bidirectional, variable lengths, batch-first) against the same
// composition of the scalar reference, layer by layer and direction by direction.
TEST(Rnn, StackMatchesComposedReference) {
    for (nn_rnn_cell cell : {NN_RNN_LSTM, NN_RNN_GRU})
        for (int bf = 0; bf < 2; ++bf) {
            const bool lstm = cell == NN_RNN_LSTM;
            const int64_t T = 5, B = 3, I = 4, H = 19, L = 2, D = 2, R = T * B, DH = D * H;
            const int64_t GH = nn::rnn::gate_count(cell) * H;
            nn_rnn_desc sd = make_desc(cell, T, B, I, H, bf != 0, false);
            sd.num_layers = static_cast<int32_t>(L);
            sd.bidirectional = 1;
            const std::string ctx = std::string(lstm ? "lstm" : "gru") + " stack bf=" + std::to_string(bf) +
                                    " isa=" + nn_test::active_isa_name();
            uint32_t seed = 5000u + 100u * static_cast<uint32_t>(bf);
            std::vector<fvec> w;  // 4 per (layer, direction)
            for (int64_t l = 0; l < L; ++l)
                for (int64_t dir = 0; dir < D; ++dir) {
                    const int64_t in = l == 0 ? I : DH;
                    w.push_back(nn_test::random_vector(GH * in, ++seed, -0.4f, 0.4f));
                    w.push_back(nn_test::random_vector(GH * H, ++seed, -0.4f, 0.4f));
                    w.push_back(nn_test::random_vector(GH, ++seed, -0.4f, 0.4f));
                    w.push_back(nn_test::random_vector(GH, ++seed, -0.4f, 0.4f));
                }
            fvec x = nn_test::random_vector(R * I, ++seed), h0 = nn_test::random_vector(L * D * B * H, ++seed);
            fvec c0 = nn_test::random_vector(L * D * B * H, ++seed), dy = nn_test::random_vector(R * DH, ++seed);
            fvec dhn = nn_test::random_vector(L * D * B * H, ++seed), dcn = nn_test::random_vector(L * D * B * H, ++seed);
            const std::vector<int64_t> len = {3, 5, 1};
            // Reference composition.
            std::vector<fvec> layer_in = {x};
            fvec rhn(h0.size()), rcn(h0.size());
            for (int64_t l = 0; l < L; ++l) {
                fvec out(static_cast<size_t>(R * DH));
                for (int64_t dir = 0; dir < D; ++dir) {
                    nn_rnn_desc d = make_desc(cell, T, B, l == 0 ? I : DH, H, bf != 0, dir == 1);
                    const size_t k = static_cast<size_t>(4 * (l * D + dir)), s = static_cast<size_t>((l * D + dir) * B * H);
                    fvec y(static_cast<size_t>(R * H));
                    nn::rnn::ref::forward<float>(d, layer_in[l].data(), w[k].data(), w[k + 1].data(), w[k + 2].data(),
                                                 w[k + 3].data(), h0.data() + s, lstm ? c0.data() + s : nullptr,
                                                 len.data(), y.data(), rhn.data() + s, rcn.data() + s);
                    for (int64_t r = 0; r < R; ++r)
                        std::copy(y.begin() + r * H, y.begin() + (r + 1) * H, out.begin() + r * DH + dir * H);
                }
                layer_in.push_back(out);
            }
            std::vector<fvec> rg(w.size());
            fvec dout = dy, rdh0(h0.size()), rdc0(h0.size());
            for (int64_t l = L - 1; l >= 0; --l) {
                const int64_t in = l == 0 ? I : DH;
                fvec din(static_cast<size_t>(R * in), 0.0f);
                for (int64_t dir = 0; dir < D; ++dir) {
                    nn_rnn_desc d = make_desc(cell, T, B, in, H, bf != 0, dir == 1);
                    const size_t k = static_cast<size_t>(4 * (l * D + dir)), s = static_cast<size_t>((l * D + dir) * B * H);
                    fvec dyd(static_cast<size_t>(R * H)), dx(static_cast<size_t>(R * in));
                    for (int64_t r = 0; r < R; ++r)
                        std::copy(dout.begin() + r * DH + dir * H, dout.begin() + r * DH + (dir + 1) * H, dyd.begin() + r * H);
                    for (size_t q = 0; q < 4; ++q) rg[k + q].resize(w[k + q].size());
                    nn::rnn::ref::backward<float>(d, layer_in[l].data(), w[k].data(), w[k + 1].data(), w[k + 2].data(),
                                                  w[k + 3].data(), h0.data() + s, lstm ? c0.data() + s : nullptr,
                                                  len.data(), dyd.data(), dhn.data() + s, lstm ? dcn.data() + s : nullptr,
                                                  dx.data(), rdh0.data() + s, rdc0.data() + s, rg[k].data(),
                                                  rg[k + 1].data(), rg[k + 2].data(), rg[k + 3].data());
                    for (size_t i = 0; i < din.size(); ++i) din[i] += dx[i];
                }
                dout = din;
            }
            // Native stack.
            std::vector<const float*> params;
            for (auto& v : w) params.push_back(v.data());
            std::vector<fvec> g(w.size());
            std::vector<float*> gp;
            for (size_t i = 0; i < w.size(); ++i) {
                g[i].assign(w[i].size(), NAN);
                gp.push_back(g[i].data());
            }
            int64_t n = 0;
            ASSERT_EQ(nn_rnn_stack_workspace_size(&sd, &n), NN_OK) << nn_last_error();
            fvec ws(static_cast<size_t>(n), NAN), y(static_cast<size_t>(R * DH), NAN), hn(h0.size()), cn(h0.size());
            fvec dx(x.size(), NAN), dh0(h0.size()), dc0(h0.size());
            ASSERT_EQ(nn_rnn_stack_forward(&sd, x.data(), params.data(), h0.data(), lstm ? c0.data() : nullptr,
                                           len.data(), y.data(), hn.data(), lstm ? cn.data() : nullptr, ws.data()),
                      NN_OK)
                << nn_last_error();
            ASSERT_EQ(nn_rnn_stack_backward(&sd, x.data(), params.data(), h0.data(), lstm ? c0.data() : nullptr,
                                            len.data(), ws.data(), dy.data(), dhn.data(), lstm ? dcn.data() : nullptr,
                                            dx.data(), dh0.data(), lstm ? dc0.data() : nullptr, gp.data()),
                      NN_OK)
                << nn_last_error();
            auto cmp = [&](const fvec& got, const fvec& want, const std::string& what) {
                EXPECT_TRUE(nn_test::all_close(got.data(), want.data(), static_cast<int64_t>(want.size()), 1e-4f,
                                               1e-5f, ctx + " " + what));
            };
            cmp(y, layer_in.back(), "y");
            cmp(hn, rhn, "h_n");
            cmp(dx, dout, "dx");
            cmp(dh0, rdh0, "dh0");
            if (lstm) {
                cmp(cn, rcn, "c_n");
                cmp(dc0, rdc0, "dc0");
            }
            for (size_t i = 0; i < g.size(); ++i) cmp(g[i], rg[i], "param grad " + std::to_string(i));
        }
}

TEST(Rnn, StackBadArguments) {
    nn_rnn_desc d = make_desc(NN_RNN_LSTM, 3, 2, 4, 5, false, false);
    d.num_layers = 2;
    d.bidirectional = 1;
    int64_t n = 0;
    ASSERT_EQ(nn_rnn_stack_workspace_size(&d, &n), NN_OK) << nn_last_error();
    // 2 layers x 2 directions of single-layer workspace + 3 [T*B, D*H] matrices.
    EXPECT_EQ(n, 4 * ((3 * 2 * 7 + 2 * 13) * 5) + 3 * 3 * 2 * 10);
    nn_rnn_desc bad = d;
    bad.reverse = 1;
    EXPECT_EQ(nn_rnn_stack_workspace_size(&bad, &n), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("desc->reverse=1"), std::string::npos) << nn_last_error();
    bad = d;
    bad.num_layers = 0;
    EXPECT_EQ(nn_rnn_stack_workspace_size(&bad, &n), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("desc->num_layers=0"), std::string::npos) << nn_last_error();
    bad = d;
    bad.bidirectional = 3;
    EXPECT_EQ(nn_rnn_stack_workspace_size(&bad, &n), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("desc->bidirectional=3"), std::string::npos) << nn_last_error();
    ASSERT_EQ(nn_rnn_stack_workspace_size(&d, &n), NN_OK);
    fvec x(3 * 2 * 4), y(3 * 2 * 10), ws(static_cast<size_t>(n)), w(20 * 10, 0.1f);
    std::vector<const float*> params(16, w.data());
    params[9] = nullptr;  // w_hh of layer 1, forward direction
    EXPECT_EQ(nn_rnn_stack_forward(&d, x.data(), params.data(), nullptr, nullptr, nullptr, y.data(), nullptr, nullptr,
                                   ws.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("params[9]"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_rnn_stack_forward(&d, x.data(), nullptr, nullptr, nullptr, nullptr, y.data(), nullptr, nullptr,
                                   ws.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("params"), std::string::npos) << nn_last_error();
    params[9] = w.data();
    std::vector<float*> grads(16, nullptr);
    fvec dx(x.size());
    EXPECT_EQ(nn_rnn_stack_backward(&d, x.data(), params.data(), nullptr, nullptr, nullptr, ws.data(), nullptr,
                                    nullptr, nullptr, dx.data(), nullptr, nullptr, grads.data()),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("grads[0]"), std::string::npos) << nn_last_error();
}

TEST(Rnn, WorkspaceSizeFollowsTheDocumentedFormula) {
    nn_rnn_desc d = make_desc(NN_RNN_LSTM, 7, 3, 5, 11, false, false);
    int64_t n = 0;
    ASSERT_EQ(nn_rnn_workspace_size(&d, &n), NN_OK);
    EXPECT_EQ(n, (7 * 3 * (4 + 3) + 3 * (2 * 4 + 5)) * 11);
    d.cell = NN_RNN_GRU;
    ASSERT_EQ(nn_rnn_workspace_size(&d, &n), NN_OK);
    EXPECT_EQ(n, (7 * 3 * (3 + 3) + 3 * (2 * 3 + 5)) * 11);
}

TEST(Rnn, BadArgumentsReportTheArgument) {
    const nn_rnn_desc good = make_desc(NN_RNN_GRU, 3, 2, 4, 5, false, false);
    int64_t n = 0;
    auto expect_error = [](nn_status st, const char* needle) {
        EXPECT_EQ(st, NN_ERR_INVALID_ARGUMENT);
        EXPECT_NE(std::string(nn_last_error()).find(needle), std::string::npos) << nn_last_error();
    };
    expect_error(nn_rnn_workspace_size(nullptr, &n), "desc");
    expect_error(nn_rnn_workspace_size(&good, nullptr), "floats");
    struct Bad {
        std::function<void(nn_rnn_desc&)> edit;
        const char* needle;
    };
    const Bad bads[] = {
        {[](nn_rnn_desc& d) {  // as a C# caller could pass it; an out-of-range enum value is UB in C++
             const int32_t seven = 7;
             std::memcpy(&d.cell, &seven, sizeof seven);
         },
         "desc->cell=7"},
        {[](nn_rnn_desc& d) { d.seq_len = 0; }, "desc->seq_len=0"},
        {[](nn_rnn_desc& d) { d.batch = -2; }, "desc->batch=-2"},
        {[](nn_rnn_desc& d) { d.input_size = 0; }, "desc->input_size=0"},
        {[](nn_rnn_desc& d) { d.hidden_size = 0; }, "desc->hidden_size=0"},
        {[](nn_rnn_desc& d) { d.batch_first = 2; }, "desc->batch_first=2"},
        {[](nn_rnn_desc& d) { d.reverse = -1; }, "desc->reverse=-1"},
        {[](nn_rnn_desc& d) { d.num_layers = 2; }, "desc->num_layers=2"},
        {[](nn_rnn_desc& d) { d.bidirectional = 1; }, "desc->bidirectional=1"},
        {[](nn_rnn_desc& d) {
             const int32_t three = 3;
             std::memcpy(&d.precision, &three, sizeof three);
         },
         "desc->precision=3"},
        {[](nn_rnn_desc& d) { d.seq_len = INT64_MAX / 2; d.batch = 4; }, "overflows"},
    };
    for (const auto& b : bads) {
        nn_rnn_desc d = good;
        b.edit(d);
        expect_error(nn_rnn_workspace_size(&d, &n), b.needle);
    }
    ASSERT_EQ(nn_rnn_workspace_size(&good, &n), NN_OK);
    fvec x(3 * 2 * 4, 0.1f), wi(15 * 4, 0.1f), wh(15 * 5, 0.1f), y(3 * 2 * 5), ws(static_cast<size_t>(n));
    fvec dx(x.size()), dwi(wi.size()), dwh(wh.size());
    expect_error(nn_rnn_forward(&good, nullptr, wi.data(), wh.data(), nullptr, nullptr, nullptr, nullptr, nullptr,
                                y.data(), nullptr, nullptr, ws.data()),
                 "x must not be null");
    expect_error(nn_rnn_forward(&good, x.data(), nullptr, wh.data(), nullptr, nullptr, nullptr, nullptr, nullptr,
                                y.data(), nullptr, nullptr, ws.data()),
                 "w_ih");
    expect_error(nn_rnn_forward(&good, x.data(), wi.data(), wh.data(), nullptr, nullptr, nullptr, nullptr, nullptr,
                                nullptr, nullptr, nullptr, ws.data()),
                 "y must not be null");
    expect_error(nn_rnn_forward(&good, x.data(), wi.data(), wh.data(), nullptr, nullptr, nullptr, nullptr, nullptr,
                                y.data(), nullptr, nullptr, nullptr),
                 "workspace");
    const int64_t bad_len[2] = {3, 4};
    expect_error(nn_rnn_forward(&good, x.data(), wi.data(), wh.data(), nullptr, nullptr, nullptr, nullptr, bad_len,
                                y.data(), nullptr, nullptr, ws.data()),
                 "lengths[1]=4");
    const int64_t neg_len[2] = {-1, 2};
    expect_error(nn_rnn_backward(&good, x.data(), wi.data(), wh.data(), nullptr, nullptr, neg_len, ws.data(),
                                 nullptr, nullptr, nullptr, dx.data(), nullptr, nullptr, dwi.data(), dwh.data(),
                                 nullptr, nullptr),
                 "lengths[0]=-1");
    expect_error(nn_rnn_backward(&good, x.data(), wi.data(), wh.data(), nullptr, nullptr, nullptr, ws.data(),
                                 nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, dwi.data(), dwh.data(),
                                 nullptr, nullptr),
                 "dx must not be null");
    expect_error(nn_rnn_backward(&good, x.data(), wi.data(), wh.data(), nullptr, nullptr, nullptr, ws.data(),
                                 nullptr, nullptr, nullptr, dx.data(), nullptr, nullptr, dwi.data(), nullptr, nullptr,
                                 nullptr),
                 "dw_hh");
    // The good call works, with every optional pointer null.
    ASSERT_EQ(nn_rnn_forward(&good, x.data(), wi.data(), wh.data(), nullptr, nullptr, nullptr, nullptr, nullptr,
                             y.data(), nullptr, nullptr, ws.data()),
              NN_OK)
        << nn_last_error();
    ASSERT_EQ(nn_rnn_backward(&good, x.data(), wi.data(), wh.data(), nullptr, nullptr, nullptr, ws.data(), nullptr,
                              nullptr, nullptr, dx.data(), nullptr, nullptr, dwi.data(), dwh.data(), nullptr, nullptr),
              NN_OK)
        << nn_last_error();
    for (float v : dx) EXPECT_EQ(v, 0.0f);  // no upstream gradient, no input gradient
}

// ------------------------------------------------------------------------------- PyTorch parity

namespace {

std::vector<std::string> parity_files() {
    std::vector<std::string> dirs = {"/work/shared/parity"};
    if (const char* env = std::getenv("NATIVENET_PARITY_DIR")) dirs.emplace_back(env);
    std::vector<std::string> out;
    for (const auto& dir : dirs) {
        DIR* dp = opendir(dir.c_str());
        if (!dp) continue;
        while (dirent* e = readdir(dp)) {
            std::string n = e->d_name;
            if (n.size() > 12 && n.substr(n.size() - 12) == ".safetensors") out.push_back(dir + "/" + n);
        }
        closedir(dp);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// PyTorch's nn.LSTM / nn.GRU (multi-layer, bidirectional) composed from the single-layer
// primitive, the way the C# side stacks it: per layer, each direction reads the layer input
// and writes its half of the [.., D*H] output; backward sums the directions' input gradients.
void check_parity_file(const std::string& path) {
    auto f = nn_test::rnn_st::read(path);
    const std::string op = f.metadata["op"];
    const nn_rnn_cell cell = op == "lstm" ? NN_RNN_LSTM : NN_RNN_GRU;
    const bool lstm = cell == NN_RNN_LSTM;
    const int L = std::stoi(f.metadata["num_layers"]);
    const int D = f.metadata["bidirectional"] == "True" ? 2 : 1;
    const bool bf = f.metadata["batch_first"] == "True";
    const auto& in = f.at("input");
    const int64_t B = bf ? in.shape[0] : in.shape[1], T = bf ? in.shape[1] : in.shape[0];
    const int64_t H = f.at("h0").shape[2];
    const int64_t R = T * B, BH = B * H;
    const std::string ctx = path + " isa=" + nn_test::active_isa_name();
    auto name = [](const char* base, int l, int dir) {
        return std::string(base) + "_l" + std::to_string(l) + (dir ? "_reverse" : "");
    };
    const fvec* h0 = &f.at("h0").data;
    const fvec* c0 = lstm ? &f.at("c0").data : nullptr;
    fvec h_n(static_cast<size_t>(L * D * BH)), c_n(h_n.size());
    std::vector<fvec> layer_in = {in.data};
    std::vector<std::vector<fvec>> ws(static_cast<size_t>(L));
    std::vector<int64_t> in_size = {in.shape[2]};
    for (int l = 0; l < L; ++l) {
        fvec out(static_cast<size_t>(R * D * H));
        for (int dir = 0; dir < D; ++dir) {
            nn_rnn_desc d = make_desc(cell, T, B, in_size[l], H, bf, dir == 1);
            int64_t n = 0;
            ASSERT_EQ(nn_rnn_workspace_size(&d, &n), NN_OK);
            ws[l].emplace_back(static_cast<size_t>(n));
            fvec y(static_cast<size_t>(R * H));
            const size_t s = static_cast<size_t>((l * D + dir) * BH);
            ASSERT_EQ(nn_rnn_forward(&d, layer_in[l].data(), f.at(name("weight_ih", l, dir)).data.data(),
                                     f.at(name("weight_hh", l, dir)).data.data(),
                                     f.at(name("bias_ih", l, dir)).data.data(),
                                     f.at(name("bias_hh", l, dir)).data.data(), h0->data() + s,
                                     lstm ? c0->data() + s : nullptr, nullptr, y.data(), h_n.data() + s,
                                     lstm ? c_n.data() + s : nullptr, ws[l].back().data()),
                      NN_OK)
                << nn_last_error();
            for (int64_t r = 0; r < R; ++r)
                std::copy(y.begin() + r * H, y.begin() + (r + 1) * H, out.begin() + r * D * H + dir * H);
        }
        layer_in.push_back(out);
        in_size.push_back(D * H);
    }
    auto cmp = [&](const fvec& got, const std::string& key) {
        const fvec& want = f.at(key).data;
        ASSERT_EQ(got.size(), want.size()) << ctx << " " << key;
        EXPECT_TRUE(nn_test::all_close(got.data(), want.data(), static_cast<int64_t>(want.size()), 1e-4f, 1e-5f,
                                       ctx + " " + key));
    };
    cmp(layer_in.back(), "output");
    cmp(h_n, "h_n");
    if (lstm) cmp(c_n, "c_n");
    // Backward of sum(output * grad_output), no gradient into h_n / c_n.
    fvec dout = f.at("grad_output").data;
    fvec dh0(h_n.size()), dc0(h_n.size());
    for (int l = L - 1; l >= 0; --l) {
        fvec din(static_cast<size_t>(R * in_size[l]), 0.0f);
        for (int dir = 0; dir < D; ++dir) {
            nn_rnn_desc d = make_desc(cell, T, B, in_size[l], H, bf, dir == 1);
            fvec dy(static_cast<size_t>(R * H)), dx(static_cast<size_t>(R * in_size[l]));
            for (int64_t r = 0; r < R; ++r)
                std::copy(dout.begin() + r * D * H + dir * H, dout.begin() + r * D * H + (dir + 1) * H,
                          dy.begin() + r * H);
            const int64_t GH = nn::rnn::gate_count(cell) * H;
            fvec dwi(static_cast<size_t>(GH * in_size[l])), dwh(static_cast<size_t>(GH * H));
            fvec dbi(static_cast<size_t>(GH)), dbh(static_cast<size_t>(GH));
            const size_t s = static_cast<size_t>((l * D + dir) * BH);
            ASSERT_EQ(nn_rnn_backward(&d, layer_in[l].data(), f.at(name("weight_ih", l, dir)).data.data(),
                                      f.at(name("weight_hh", l, dir)).data.data(), h0->data() + s,
                                      lstm ? c0->data() + s : nullptr, nullptr, ws[l][dir].data(), dy.data(), nullptr,
                                      nullptr, dx.data(), dh0.data() + s, lstm ? dc0.data() + s : nullptr, dwi.data(),
                                      dwh.data(), dbi.data(), dbh.data()),
                      NN_OK)
                << nn_last_error();
            for (size_t i = 0; i < din.size(); ++i) din[i] += dx[i];
            cmp(dwi, "grad_" + name("weight_ih", l, dir));
            cmp(dwh, "grad_" + name("weight_hh", l, dir));
            cmp(dbi, "grad_" + name("bias_ih", l, dir));
            cmp(dbh, "grad_" + name("bias_hh", l, dir));
        }
        dout = din;
    }
    cmp(dout, "grad_input");
    cmp(dh0, "grad_h0");
    if (lstm) cmp(dc0, "grad_c0");

    // The same through the native stack.
    nn_rnn_desc sd = make_desc(cell, T, B, in.shape[2], H, bf, false);
    sd.num_layers = L;
    sd.bidirectional = D == 2;
    std::vector<const float*> params;
    std::vector<fvec> grads;
    std::vector<float*> gptr;
    for (int l = 0; l < L; ++l)
        for (int dir = 0; dir < D; ++dir)
            for (const char* base : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
                params.push_back(f.at(name(base, l, dir)).data.data());
                grads.emplace_back(f.at(name(base, l, dir)).data.size(), NAN);
            }
    for (auto& g : grads) gptr.push_back(g.data());
    int64_t n = 0;
    ASSERT_EQ(nn_rnn_stack_workspace_size(&sd, &n), NN_OK) << nn_last_error();
    fvec sws(static_cast<size_t>(n), NAN), sy(f.at("output").data.size()), shn(h_n.size()), scn(h_n.size());
    fvec sdx(in.data.size()), sdh0(h_n.size()), sdc0(h_n.size());
    ASSERT_EQ(nn_rnn_stack_forward(&sd, in.data.data(), params.data(), h0->data(), lstm ? c0->data() : nullptr,
                                   nullptr, sy.data(), shn.data(), lstm ? scn.data() : nullptr, sws.data()),
              NN_OK)
        << nn_last_error();
    ASSERT_EQ(nn_rnn_stack_backward(&sd, in.data.data(), params.data(), h0->data(), lstm ? c0->data() : nullptr,
                                    nullptr, sws.data(), f.at("grad_output").data.data(), nullptr, nullptr,
                                    sdx.data(), sdh0.data(), lstm ? sdc0.data() : nullptr, gptr.data()),
              NN_OK)
        << nn_last_error();
    cmp(sy, "output");
    cmp(shn, "h_n");
    cmp(sdx, "grad_input");
    cmp(sdh0, "grad_h0");
    if (lstm) {
        cmp(scn, "c_n");
        cmp(sdc0, "grad_c0");
    }
    size_t gi = 0;
    for (int l = 0; l < L; ++l)
        for (int dir = 0; dir < D; ++dir)
            for (const char* base : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) cmp(grads[gi++], "grad_" + name(base, l, dir));
}

}  // namespace

TEST(Rnn, PyTorchParityFixtures) {
    int checked = 0;
    for (const auto& path : parity_files()) {
        std::string op;
        try {
            op = nn_test::rnn_st::read(path).metadata["op"];
        } catch (const std::exception& e) {
            ADD_FAILURE() << path << ": " << e.what();
            continue;
        }
        if (op != "lstm" && op != "gru") continue;
        SCOPED_TRACE(path);
        try {
            check_parity_file(path);
        } catch (const std::exception& e) {
            ADD_FAILURE() << path << ": " << e.what();
        }
        ++checked;
    }
    if (checked == 0) GTEST_SKIP() << "no lstm/gru fixtures in /work/shared/parity or NATIVENET_PARITY_DIR";
    std::printf("[ rnn ] %d PyTorch lstm/gru fixtures checked\n", checked);
}

// ----------------------------------------------------------------------------------- bf16 ----
// NN_RNN_BF16: the gate products take bf16-rounded operands (weights, x, the h_{t-1} a step
// multiplies), float32 sums; the cell and the state stay float32.
namespace {

fvec rounded(const fvec& v) {
    if (v.empty()) return v;
    std::vector<uint16_t> h(v.size());
    fvec out(v.size());
    EXPECT_EQ(nn_f32_to_bf16(v.data(), h.data(), static_cast<int64_t>(v.size())), NN_OK);
    EXPECT_EQ(nn_bf16_to_f32(h.data(), out.data(), static_cast<int64_t>(v.size())), NN_OK);
    return out;
}

// nn_rnn_pack + nn_rnn_infer; h0 / c0 as given.
Result run_infer(const Data& s, const fvec& h0, const fvec& c0) {
    Result r = sized(s.d);
    int64_t psz = 0, wsz = 0;
    EXPECT_EQ(nn_rnn_pack_size(&s.d, &psz), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_rnn_infer_workspace_size(&s.d, &wsz), NN_OK) << nn_last_error();
    fvec packed(static_cast<size_t>(psz)), ws(static_cast<size_t>(wsz), NAN);
    EXPECT_EQ(nn_rnn_pack(&s.d, s.w_ih.data(), s.w_hh.data(), packed.data()), NN_OK) << nn_last_error();
    const bool lstm = s.d.cell == NN_RNN_LSTM;
    EXPECT_EQ(nn_rnn_infer(&s.d, s.x.data(), packed.data(), s.p(s.b_ih), s.p(s.b_hh), s.p(h0), s.p(c0), s.len(),
                           r.y.data(), r.h_n.data(), lstm ? r.c_n.data() : nullptr, ws.data()),
              NN_OK)
        << nn_last_error();
    return r;
}

// The largest |a - b| over max |b|.
double rel_diff(const fvec& a, const fvec& b) {
    double d = 0, m = 0;
    for (size_t i = 0; i < b.size(); ++i) {
        d = std::max(d, std::fabs(static_cast<double>(a[i]) - b[i]));
        m = std::max(m, std::fabs(static_cast<double>(b[i])));
    }
    return m > 0 ? d / m : d;
}

}  // namespace

// Inference always multiplies on the float32 step kernels: bf16 must equal float32 inference of
// the rounded operands bit for bit. One step from a bf16-exact h0 (both cells), and for LSTM every
// step of a sequence, restarted each step from round(h_{t-1}) and the float32 c_{t-1}.
TEST(RnnBf16, InferIsTheFloat32StepOnRoundedOperands) {
    uint32_t seed = 9100;
    for (nn_rnn_cell cell : {NN_RNN_LSTM, NN_RNN_GRU})
        for (int64_t H : {5, 16, 37}) {
            const bool lstm = cell == NN_RNN_LSTM;
            Case c{cell, 1, 7, 9, H, false, false, false, true, true};
            Data s = make_data(c, seed += 20);
            s.h0 = rounded(s.h0);
            Data f = s;
            f.x = rounded(s.x), f.w_ih = rounded(s.w_ih), f.w_hh = rounded(s.w_hh);
            s.d.precision = NN_RNN_BF16;
            const Result got = run_infer(s, s.h0, s.c0), want = run_infer(f, f.h0, f.c0);
            EXPECT_TRUE(bitwise_equal(got.y, want.y)) << describe(c);
            EXPECT_TRUE(bitwise_equal(got.h_n, want.h_n)) << describe(c);
            if (lstm) EXPECT_TRUE(bitwise_equal(got.c_n, want.c_n)) << describe(c);
        }
    for (int64_t H : {16, 37}) {
        const int64_t T = 5, B = 6, I = 11;
        Case c{NN_RNN_LSTM, T, B, I, H, false, false, false, true, true};
        Data s = make_data(c, seed += 20);
        s.d.precision = NN_RNN_BF16;
        const Result got = run_infer(s, s.h0, s.c0);
        Data f = make_data(Case{NN_RNN_LSTM, 1, B, I, H, false, false, false, true, true}, seed);
        f.w_ih = rounded(s.w_ih), f.w_hh = rounded(s.w_hh), f.b_ih = s.b_ih, f.b_hh = s.b_hh;
        fvec h = s.h0, cs = s.c0;
        for (int64_t t = 0; t < T; ++t) {
            f.x = rounded(fvec(s.x.begin() + t * B * I, s.x.begin() + (t + 1) * B * I));
            const Result step = run_infer(f, rounded(h), cs);
            EXPECT_EQ(std::memcmp(step.y.data(), got.y.data() + t * B * H, sizeof(float) * B * H), 0)
                << describe(c) << " step " << t;
            h = step.h_n, cs = step.c_n;
        }
        EXPECT_TRUE(bitwise_equal(h, got.h_n) && bitwise_equal(cs, got.c_n)) << describe(c);
    }
}

// Training (nn_rnn_forward + nn_rnn_backward) in bf16 against the float32 scalar reference on the
// rounded operands: the only differences left are the rounding of each step's h_{t-1} and of the
// backward's gate gradients and states, and the order of the sums. Also: the rounding is real
// (bf16 differs from float32), training's forward equals inference up to summation order, and 1
// and 2 threads give the same bits.
TEST(RnnBf16, TrainingMatchesFloat32OnRoundedOperands) {
    uint32_t seed = 9500;
    for (nn_rnn_cell cell : {NN_RNN_LSTM, NN_RNN_GRU})
        for (int mask = 0; mask < 4; ++mask) {
            const bool lstm = cell == NN_RNN_LSTM;
            Case c{cell, 4, 5, 13, mask & 1 ? 37 : 16, (mask & 2) != 0, (mask & 1) != 0, (mask & 2) != 0, true, true};
            Data s = make_data(c, seed += 20);
            Data f = s;
            f.x = rounded(s.x), f.w_ih = rounded(s.w_ih), f.w_hh = rounded(s.w_hh);
            const Result want = run_ref(f), plain = run_api(s);
            s.d.precision = NN_RNN_BF16;
            const Result got = run_api(s);
            const std::string ctx = describe(c);
            auto near = [&](const fvec& g, const fvec& w, const char* name, double tol) {
                EXPECT_LE(rel_diff(g, w), tol) << ctx << " " << name;
            };
            // bf16's relative rounding is 2^-9 per operand; sums of a few dozen terms.
            for (auto [m, name] : {std::pair{&Result::y, "y"}, {&Result::h_n, "h_n"}, {&Result::dx, "dx"},
                                   {&Result::dh0, "dh0"}, {&Result::dw_ih, "dw_ih"}, {&Result::dw_hh, "dw_hh"},
                                   {&Result::db_ih, "db_ih"}, {&Result::db_hh, "db_hh"}})
                near(got.*m, want.*m, name, 2e-2);
            if (lstm) near(got.c_n, want.c_n, "c_n", 2e-2), near(got.dc0, want.dc0, "dc0", 2e-2);
            EXPECT_FALSE(bitwise_equal(got.y, plain.y)) << ctx;
            EXPECT_FALSE(bitwise_equal(got.dw_hh, plain.dw_hh)) << ctx;
            const Result inf = run_infer(s, s.h0, s.c0);
            near(inf.y, got.y, "infer y", 1e-5);
        }
    for (nn_rnn_cell cell : {NN_RNN_LSTM, NN_RNN_GRU}) {
        // Enough work per step that the time loop splits the batch across both threads.
        Case c{cell, 3, 24, 5, cell == NN_RNN_LSTM ? 96 : 112, true, false, true, true, true};
        Data s = make_data(c, 78);
        s.d.precision = NN_RNN_BF16;
        Result one, two, inf1, inf2;
        {
            nn_test::ThreadScope t(1);
            one = run_api(s);
            inf1 = run_infer(s, s.h0, s.c0);
        }
        {
            nn_test::ThreadScope t(2);
            two = run_api(s);
            inf2 = run_infer(s, s.h0, s.c0);
        }
        for (auto m : {&Result::y, &Result::h_n, &Result::dx, &Result::dh0, &Result::dw_ih, &Result::dw_hh,
                       &Result::db_ih, &Result::db_hh})
            EXPECT_TRUE(bitwise_equal(one.*m, two.*m)) << describe(c);
        EXPECT_TRUE(bitwise_equal(inf1.y, inf2.y) && bitwise_equal(inf1.h_n, inf2.h_n)) << describe(c);
        if (cell == NN_RNN_LSTM) EXPECT_TRUE(bitwise_equal(one.c_n, two.c_n) && bitwise_equal(one.dc0, two.dc0));
    }
}
