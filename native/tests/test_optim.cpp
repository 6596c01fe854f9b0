// Optimizer updates and softmax through the C ABI (active ISA) against the scalar reference
// table, plus inference-mode batch-norm backward against a direct double computation.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "norm/norm.h"
#include "eltwise/eltwise.h"
#include "optim/optim.h"
#include "test_util.h"

namespace {

using nn_test::random_vector;

const int64_t kSizes[] = {0, 1, 15, 17, 33, 100003};

struct State {
    std::vector<float> p, a, b, c;
};

State make_state(int64_t n, uint32_t seed) {
    State s{random_vector(n, seed), random_vector(n, seed + 1), random_vector(n, seed + 2, 0.0f, 1.0f),
            random_vector(n, seed + 3, 0.0f, 0.5f)};
    return s;
}

void expect_bitwise(const std::vector<float>& got, const std::vector<float>& want, const std::string& ctx) {
    ASSERT_EQ(got.size(), want.size()) << ctx;
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(std::memcmp(&got[i], &want[i], sizeof(float)), 0)
            << ctx << " at " << i << ": " << got[i] << " vs " << want[i];
}

}  // namespace

TEST(Optim, SgdMatchesReferenceBitwise) {
    for (int64_t n : kSizes)
        for (int combo = 0; combo < 6; ++combo) {
            const float momentum = combo == 0 ? 0.0f : 0.9f;
            const int32_t nesterov = combo == 2, maximize = combo == 3, first = combo == 4;
            const float wd = combo >= 3 ? 0.01f : 0.0f, damp = combo == 5 ? 0.1f : 0.0f;
            const auto g = random_vector(n, 7 + static_cast<uint32_t>(n));
            State got = make_state(n, 11), want = got;
            for (int step = 0; step < 3; ++step) {
                ASSERT_EQ(nn_sgd_update(n, got.p.data(), g.data(), got.a.data(), 0.05f, momentum, damp, wd, nesterov,
                                        maximize, first && step == 0),
                          NN_OK)
                    << nn_last_error();
                const nn::optim::sgd_params q{0.05f, momentum, damp, wd, nesterov != 0, maximize != 0,
                                              first && step == 0};
                nn::optim::ref_kernels.sgd(q, n, want.p.data(), g.data(), momentum != 0.0f ? want.a.data() : nullptr);
            }
            const std::string ctx = "sgd n=" + std::to_string(n) + " combo=" + std::to_string(combo);
            expect_bitwise(got.p, want.p, ctx);
            expect_bitwise(got.a, want.a, ctx + " buf");
        }
}

TEST(Optim, AdamMatchesReferenceBitwise) {
    for (int64_t n : kSizes)
        for (int32_t flags = 0; flags < 8; ++flags) {
            const auto g = random_vector(n, 3 + static_cast<uint32_t>(n));
            State got = make_state(n, 21), want = got;
            for (int64_t step = 1; step <= 3; ++step) {
                ASSERT_EQ(nn_adam_update(n, got.p.data(), g.data(), got.a.data(), got.b.data(), got.c.data(), 1e-3f,
                                         0.9f, 0.999f, 1e-8f, 0.01f, step, flags),
                          NN_OK)
                    << nn_last_error();
                const float bc1 = 1.0f - std::pow(0.9f, static_cast<float>(step));
                const float bc2 = 1.0f - std::pow(0.999f, static_cast<float>(step));
                const nn::optim::adam_params q{1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 1e-3f / bc1, std::sqrt(bc2),
                                               (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0};
                nn::optim::ref_kernels.adam(q, n, want.p.data(), g.data(), want.a.data(), want.b.data(),
                                            (flags & 2) ? want.c.data() : nullptr);
            }
            const std::string ctx = "adam n=" + std::to_string(n) + " flags=" + std::to_string(flags);
            expect_bitwise(got.p, want.p, ctx);
            expect_bitwise(got.a, want.a, ctx + " m");
            expect_bitwise(got.b, want.b, ctx + " v");
            expect_bitwise(got.c, want.c, ctx + " vmax");
        }
}

TEST(Optim, AdamFirstStepMovesEachParameterByAboutLr) {
    // Step 1 with zero state: m_hat = g, v_hat = g^2, so each parameter moves by ~lr * sign(g).
    const int64_t n = 37;
    auto p = random_vector(n, 5), g = random_vector(n, 6, 0.1f, 1.0f);
    std::vector<float> m(n, 0.0f), v(n, 0.0f), p0 = p;
    ASSERT_EQ(nn_adam_update(n, p.data(), g.data(), m.data(), v.data(), nullptr, 0.01f, 0.9f, 0.999f, 1e-8f, 0.0f, 1,
                             NN_ADAM_NONE),
              NN_OK);
    for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(p0[i] - p[i], 0.01f, 1e-6f) << i;
}

TEST(Optim, RmspropMatchesReferenceBitwise) {
    for (int64_t n : kSizes)
        for (int combo = 0; combo < 8; ++combo) {
            const int32_t centered = combo & 1, maximize = (combo >> 2) & 1;
            const float momentum = (combo & 2) ? 0.9f : 0.0f, wd = maximize ? 0.01f : 0.0f;
            const auto g = random_vector(n, 9 + static_cast<uint32_t>(n));
            State got = make_state(n, 31), want = got;
            // grad_avg starts at 0 as in torch (keeps square_avg - grad_avg^2 positive).
            std::fill(got.c.begin(), got.c.end(), 0.0f);
            std::fill(want.c.begin(), want.c.end(), 0.0f);
            for (int step = 0; step < 3; ++step) {
                ASSERT_EQ(nn_rmsprop_update(n, got.p.data(), g.data(), got.b.data(), got.a.data(), got.c.data(), 0.01f,
                                            0.99f, 1e-8f, wd, momentum, centered, maximize),
                          NN_OK)
                    << nn_last_error();
                const nn::optim::rmsprop_params q{0.01f, 0.99f, 1e-8f, wd, momentum, centered != 0, maximize != 0};
                nn::optim::ref_kernels.rmsprop(q, n, want.p.data(), g.data(), want.b.data(),
                                               momentum > 0.0f ? want.a.data() : nullptr,
                                               centered ? want.c.data() : nullptr);
            }
            const std::string ctx = "rmsprop n=" + std::to_string(n) + " combo=" + std::to_string(combo);
            expect_bitwise(got.p, want.p, ctx);
            expect_bitwise(got.a, want.a, ctx + " buf");
            expect_bitwise(got.b, want.b, ctx + " sq");
            expect_bitwise(got.c, want.c, ctx + " gavg");
        }
}

TEST(Optim, OneAndTwoThreadsAgreeBitwise) {
    const int64_t n = 100003;
    const auto g = random_vector(n, 41);
    State one = make_state(n, 42), two = one;
    {
        nn_test::ThreadScope t(1);
        ASSERT_EQ(nn_adam_update(n, one.p.data(), g.data(), one.a.data(), one.b.data(), one.c.data(), 1e-3f, 0.9f,
                                 0.999f, 1e-8f, 0.0f, 4, NN_ADAM_AMSGRAD),
                  NN_OK);
    }
    {
        nn_test::ThreadScope t(2);
        ASSERT_EQ(nn_adam_update(n, two.p.data(), g.data(), two.a.data(), two.b.data(), two.c.data(), 1e-3f, 0.9f,
                                 0.999f, 1e-8f, 0.0f, 4, NN_ADAM_AMSGRAD),
                  NN_OK);
    }
    expect_bitwise(one.p, two.p, "adam 1 vs 2 threads");
}

// Several tensors (sizes around the chunk size, an empty one, different step counts) in one
// nn_adam_update_multi call give the bits of one nn_adam_update call each, at 1 and 2 threads.
TEST(Optim, AdamMultiMatchesOneCallPerTensorBitwise) {
    const std::vector<int64_t> sizes = {17, 0, 16384, 40000, 1, 333};
    const std::vector<int64_t> steps = {1, 3, 2, 5, 1, 7};
    const size_t count = sizes.size();
    for (int32_t flags = 0; flags < 8; ++flags)
        for (int threads = 1; threads <= 2; ++threads) {
            nn_test::ThreadScope scope(threads);
            std::vector<State> got, want;
            std::vector<std::vector<float>> grads;
            for (size_t i = 0; i < count; ++i) {
                got.push_back(make_state(sizes[i], 50 + static_cast<uint32_t>(i) * 4));
                want.push_back(got.back());
                grads.push_back(random_vector(sizes[i], 90 + static_cast<uint32_t>(i)));
            }
            std::vector<float*> p, m, v, vmax;
            std::vector<const float*> g;
            for (size_t i = 0; i < count; ++i) {
                p.push_back(got[i].p.data());
                m.push_back(got[i].a.data());
                v.push_back(got[i].b.data());
                vmax.push_back(got[i].c.data());
                g.push_back(grads[i].data());
            }
            ASSERT_EQ(nn_adam_update_multi(static_cast<int64_t>(count), sizes.data(), p.data(), g.data(), m.data(),
                                           v.data(), (flags & NN_ADAM_AMSGRAD) ? vmax.data() : nullptr, 1e-3f, 0.9f,
                                           0.999f, 1e-8f, 0.01f, steps.data(), flags),
                      NN_OK)
                << nn_last_error();
            for (size_t i = 0; i < count; ++i) {
                State& w = want[i];
                ASSERT_EQ(nn_adam_update(sizes[i], w.p.data(), grads[i].data(), w.a.data(), w.b.data(), w.c.data(),
                                         1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, steps[i], flags),
                          NN_OK)
                    << nn_last_error();
                const std::string ctx = "adam multi tensor " + std::to_string(i) + " flags=" + std::to_string(flags) +
                                        " threads=" + std::to_string(threads);
                expect_bitwise(got[i].p, w.p, ctx);
                expect_bitwise(got[i].a, w.a, ctx + " m");
                expect_bitwise(got[i].b, w.b, ctx + " v");
                expect_bitwise(got[i].c, w.c, ctx + " vmax");
            }
        }
}

TEST(Optim, AdamMultiBadArgumentsNameTheTensorAndWriteNothing) {
    std::vector<float> p0(4, 1.0f), p1(4, 1.0f), g(4, 0.5f), m(4), v(4);
    const int64_t sizes[] = {4, 4}, steps[] = {1, 1}, bad_steps[] = {1, 0}, bad_sizes[] = {4, -1};
    float* p[] = {p0.data(), p1.data()};
    const float* gs[] = {g.data(), g.data()};
    float* ms[] = {m.data(), m.data()};
    float* vs[] = {v.data(), nullptr};
    float* vs_ok[] = {v.data(), v.data()};
    EXPECT_EQ(nn_adam_update_multi(2, sizes, p, gs, ms, vs, nullptr, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, steps, 0),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("exp_avg_sqs[1]"), std::string::npos) << nn_last_error();
    EXPECT_EQ(p0[0], 1.0f) << "tensor 0 was written before tensor 1 was checked";
    EXPECT_EQ(nn_adam_update_multi(2, sizes, p, gs, ms, vs_ok, nullptr, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, bad_steps, 0),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("steps[1]=0"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_adam_update_multi(2, bad_sizes, p, gs, ms, vs_ok, nullptr, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, steps, 0),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("sizes[1]=-1"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_adam_update_multi(2, sizes, p, gs, ms, vs_ok, nullptr, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, steps,
                                   NN_ADAM_AMSGRAD),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("max_exp_avg_sqs"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_adam_update_multi(-1, sizes, p, gs, ms, vs_ok, nullptr, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, steps, 0),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("count=-1"), std::string::npos) << nn_last_error();
    EXPECT_EQ(p0[0], 1.0f);
    EXPECT_EQ(p1[0], 1.0f);
}

TEST(Optim, BadArgumentsNameTheArgument) {
    std::vector<float> p(4), g(4), m(4), v(4);
    EXPECT_EQ(nn_sgd_update(4, p.data(), g.data(), nullptr, 0.1f, 0.9f, 0.0f, 0.0f, 0, 0, 0), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("momentum_buf"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_sgd_update(4, p.data(), g.data(), nullptr, 0.1f, 0.0f, 0.0f, 0.0f, 2, 0, 0), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("nesterov=2"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_adam_update(4, p.data(), g.data(), m.data(), v.data(), nullptr, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, 0, 0),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("step=0"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_adam_update(4, p.data(), g.data(), m.data(), v.data(), nullptr, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, 1,
                             NN_ADAM_AMSGRAD),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("max_exp_avg_sq"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_adam_update(4, p.data(), g.data(), m.data(), v.data(), nullptr, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, 1, 8),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("flags=8"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_adam_update(4, p.data(), g.data(), m.data(), v.data(), nullptr, 0.1f, 1.0f, 0.999f, 1e-8f, 0.0f, 1, 0),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("beta1=1"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_rmsprop_update(4, p.data(), g.data(), m.data(), nullptr, nullptr, 0.1f, 0.99f, 1e-8f, 0.0f, 0.0f, 1, 0),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("grad_avg"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_softmax_forward(2, 0, 1, p.data(), g.data(), 0), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("dim=0"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_softmax_backward(1, 4, 1, p.data(), nullptr, g.data(), 1), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("dy"), std::string::npos) << nn_last_error();
}

TEST(Softmax, ForwardAndBackwardMatchReference) {
    struct Shape { int64_t outer, dim, inner; };
    const Shape shapes[] = {{3, 17, 1}, {1, 1000, 1}, {5, 1, 1}, {2, 5, 19}, {4, 3, 8}, {1, 7, 33}, {0, 4, 1}};
    for (const auto& s : shapes)
        for (int32_t lg = 0; lg <= 1; ++lg) {
            const int64_t total = s.outer * s.dim * s.inner;
            const auto x = random_vector(total, 51, -30.0f, 30.0f), dy = random_vector(total, 52);
            std::vector<float> y(total), yr(total), dx(total), dxr(total);
            ASSERT_EQ(nn_softmax_forward(s.outer, s.dim, s.inner, x.data(), y.data(), lg), NN_OK) << nn_last_error();
            nn::optim::softmax_ref(s.outer, s.dim, s.inner, x.data(), yr.data(), lg != 0);
            const std::string ctx = "outer=" + std::to_string(s.outer) + " dim=" + std::to_string(s.dim) +
                                    " inner=" + std::to_string(s.inner) + " log=" + std::to_string(lg);
            EXPECT_TRUE(nn_test::all_close(y.data(), yr.data(), total, 2e-5f, lg ? 2e-5f : 1e-7f, ctx));
            ASSERT_EQ(nn_softmax_backward(s.outer, s.dim, s.inner, yr.data(), dy.data(), dx.data(), lg), NN_OK);
            nn::optim::softmax_backward_ref(s.outer, s.dim, s.inner, yr.data(), dy.data(), dxr.data(), lg != 0);
            EXPECT_TRUE(nn_test::all_close(dx.data(), dxr.data(), total, 2e-5f, 2e-6f, ctx + " backward"));
            if (!lg && total > 0) {
                // Each softmax column sums to 1.
                double sum = 0.0;
                for (int64_t d = 0; d < s.dim; ++d) sum += y[d * s.inner];
                EXPECT_NEAR(sum, 1.0, 1e-5) << ctx;
            }
        }
}

TEST(Softmax, InPlaceAndOneVsTwoThreads) {
    const int64_t outer = 300, dim = 67;
    const auto x = random_vector(outer * dim, 61, -5.0f, 5.0f);
    std::vector<float> a(x.size()), b = x;
    {
        nn_test::ThreadScope t(1);
        ASSERT_EQ(nn_softmax_forward(outer, dim, 1, x.data(), a.data(), 1), NN_OK);
    }
    {
        nn_test::ThreadScope t(2);
        ASSERT_EQ(nn_softmax_forward(outer, dim, 1, b.data(), b.data(), 1), NN_OK);
    }
    expect_bitwise(b, a, "log-softmax in place, 2 threads vs 1");
}

TEST(BatchNorm, InferenceBackwardTreatsStatisticsAsConstants) {
    struct Shape { int64_t n, c, sp; };
    for (const auto& s : {Shape{3, 4, 1}, Shape{2, 3, 37}, Shape{1, 2, 64}}) {
        const int64_t total = s.n * s.c * s.sp;
        const auto x = random_vector(total, 71), dy = random_vector(total, 72);
        const auto gamma = random_vector(s.c, 73, 0.5f, 1.5f), mean = random_vector(s.c, 74);
        const auto invstd = random_vector(s.c, 75, 0.5f, 2.0f);
        std::vector<float> dx(total), dg(s.c), db(s.c);
        ASSERT_EQ(nn_batch_norm_backward_inference(s.n, s.c, s.sp, x.data(), dy.data(), gamma.data(), mean.data(),
                                                   invstd.data(), dx.data(), dg.data(), db.data()),
                  NN_OK)
            << nn_last_error();
        std::vector<double> wg(s.c, 0.0), wb(s.c, 0.0);
        for (int64_t i = 0; i < total; ++i) {
            const int64_t ci = (i / s.sp) % s.c;
            const double want = static_cast<double>(dy[i]) * gamma[ci] * invstd[ci];
            ASSERT_NEAR(dx[i], want, 1e-6 + 1e-6 * std::fabs(want)) << "dx at " << i;
            wg[ci] += static_cast<double>(dy[i]) * (x[i] - mean[ci]) * invstd[ci];
            wb[ci] += dy[i];
        }
        for (int64_t ci = 0; ci < s.c; ++ci) {
            EXPECT_NEAR(dg[ci], wg[ci], 1e-4 + 1e-5 * std::fabs(wg[ci])) << "dgamma " << ci;
            EXPECT_NEAR(db[ci], wb[ci], 1e-4 + 1e-5 * std::fabs(wb[ci])) << "dbeta " << ci;
        }
    }
    std::vector<float> v(8);
    EXPECT_EQ(nn_batch_norm_backward_inference(2, 2, 2, v.data(), v.data(), nullptr, nullptr, v.data(), v.data(),
                                               nullptr, nullptr),
              NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("mean"), std::string::npos) << nn_last_error();
}

TEST(BinaryScalar, EveryOpMatchesReferenceBitwise) {
    for (int64_t n : kSizes)
        for (int op = NN_BINARY_ADD; op <= NN_BINARY_MIN; ++op) {
            auto a = random_vector(n, 81, -3.0f, 3.0f);
            if (n > 3) a[2] = std::nanf("");
            std::vector<float> y(n), want(n);
            ASSERT_EQ(nn_binary_scalar(static_cast<nn_binary_op>(op), a.data(), 0.75f, y.data(), n), NN_OK) << nn_last_error();
            nn::eltwise::ref_kernels.binary_scalar(static_cast<nn_binary_op>(op), a.data(), 0.75f, want.data(), n);
            expect_bitwise(y, want, "binary_scalar op=" + std::to_string(op) + " n=" + std::to_string(n));
            // In place.
            ASSERT_EQ(nn_binary_scalar(static_cast<nn_binary_op>(op), a.data(), 0.75f, a.data(), n), NN_OK);
            expect_bitwise(a, want, "binary_scalar in place op=" + std::to_string(op));
        }
    std::vector<float> v(4);
    EXPECT_EQ(nn_binary_scalar(static_cast<nn_binary_op>(9), v.data(), 1.0f, v.data(), 4), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("op=9"), std::string::npos) << nn_last_error();
}
