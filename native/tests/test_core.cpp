// The C ABI's core: errors never escape as exceptions, CPU info honours the ISA cap, threads.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "runtime/cpu.h"
#include "runtime/threadpool.h"
#include "test_util.h"

#if defined(__linux__)
#  include <time.h>
#endif

TEST(Core, VersionMatchesProject) {
    EXPECT_STREQ(nn_version(), NN_VERSION_STRING);
    EXPECT_GE(nn_abi_version(), 1);
}

TEST(Core, CpuInfoHonoursIsaCap) {
    nn_cpu_info_t info;
    ASSERT_EQ(nn_cpu_info(&info), NN_OK);
    EXPECT_GE(info.num_cores, 1);
    EXPECT_GE(info.num_threads, 1);
    const char* cap = std::getenv("NATIVENET_MAX_ISA");
    if (cap && std::strcmp(cap, "scalar") == 0) EXPECT_EQ(info.chosen_isa, NN_ISA_SCALAR);
    if (cap && std::strcmp(cap, "avx2") == 0 && info.avx2 && info.fma) EXPECT_EQ(info.chosen_isa, NN_ISA_AVX2);
    if (cap && std::strcmp(cap, "avx512") == 0 && info.best_isa == NN_ISA_AVX512_BF16)
        EXPECT_EQ(info.chosen_isa, NN_ISA_AVX512);
    if (!cap || std::strcmp(cap, "avx512_bf16") == 0) EXPECT_EQ(info.chosen_isa, info.best_isa);
    if (info.best_isa == NN_ISA_AVX512 || info.best_isa == NN_ISA_AVX512_BF16) {
        EXPECT_TRUE(info.avx512f && info.avx512bw && info.avx512vl && info.avx512dq);
    }
    EXPECT_EQ(info.best_isa == NN_ISA_AVX512_BF16, info.avx512f && info.avx512bw && info.avx512vl && info.avx512dq &&
                                                       info.avx2 && info.fma && info.avx512_bf16);
    if (info.chosen_isa != NN_ISA_NEON && info.best_isa != NN_ISA_NEON)
        EXPECT_LE(static_cast<int>(info.chosen_isa), static_cast<int>(info.best_isa));
    EXPECT_STREQ(nn_isa_name(info.chosen_isa), nn::isa_name(info.chosen_isa));
}

// The L2 size blocking reads (Winograd's weight gradient): whole KiB in the range of real cores
// (a misread cpuid register would give bytes of flags), or 0 where the CPU does not say.
TEST(Core, L2CacheSizeIsPlausibleOrUnknown) {
    const int64_t l2 = nn::l2_cache_bytes();
    EXPECT_EQ(l2, nn::l2_cache_bytes());
    if (l2 == 0) return;
    EXPECT_EQ(l2 % 1024, 0);
    EXPECT_GE(l2, int64_t{64} << 10);
    EXPECT_LE(l2, int64_t{64} << 20);
}

TEST(Core, NullInfoIsAnInvalidArgumentNamingIt) {
    EXPECT_EQ(nn_cpu_info(nullptr), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("info"), std::string::npos) << nn_last_error();
}

TEST(Core, EveryExceptionBecomesAStatus) {
    EXPECT_EQ(nn_debug_throw(0), NN_ERR_INTERNAL);
    EXPECT_NE(std::string(nn_last_error()).find("test exception"), std::string::npos);
    EXPECT_EQ(nn_debug_throw(1), NN_ERR_OUT_OF_MEMORY);
    EXPECT_EQ(nn_debug_throw(2), NN_ERR_INTERNAL);
    EXPECT_NE(std::string(nn_last_error()).find("unknown exception"), std::string::npos);
    EXPECT_EQ(nn_debug_throw(3), NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_debug_throw(9), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("kind=9"), std::string::npos);
}

TEST(Core, LastErrorIsThreadLocalAndClearedOnSuccess) {
    ASSERT_EQ(nn_cpu_info(nullptr), NN_ERR_INVALID_ARGUMENT);
    std::string other;
    std::thread t([&] { other = nn_last_error(); });
    t.join();
    EXPECT_EQ(other, "");
    nn_cpu_info_t info;
    ASSERT_EQ(nn_cpu_info(&info), NN_OK);
    EXPECT_STREQ(nn_last_error(), "");
}

TEST(Core, ThreadCountIsValidatedAndApplied) {
    int saved = nn_get_num_threads();
    EXPECT_EQ(nn_set_num_threads(0), NN_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("num_threads=0"), std::string::npos) << nn_last_error();
    EXPECT_EQ(nn_set_num_threads(-3), NN_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_set_num_threads(3), NN_OK);
    EXPECT_EQ(nn_get_num_threads(), 3);
    EXPECT_EQ(nn_set_num_threads(saved), NN_OK);
}

TEST(ThreadPool, EveryThreadRunsOnceAndExceptionsComeBack) {
    nn_test::ThreadScope threads(4);
    std::vector<std::atomic<int>> hits(4);
    int used = nn::parallel_run(0, [&](int tid, int n) {
        EXPECT_LT(tid, n);
        hits[static_cast<size_t>(tid)]++;
    });
    EXPECT_GE(used, 1);
    for (int t = 0; t < used; ++t) EXPECT_EQ(hits[static_cast<size_t>(t)].load(), 1) << "thread " << t;
    EXPECT_THROW(nn::parallel_run(0, [&](int tid, int) { if (tid == used - 1) throw std::runtime_error("x"); }),
                 std::runtime_error);
}

// Back-to-back runs of different sizes: a worker that wakes late for one run must not take a
// piece of the next (pieces are claimed per run), and every piece runs exactly once even when
// the caller claims the pieces its workers have not started.
TEST(ThreadPool, BackToBackRunsRunEveryPieceOnce) {
    nn_test::ThreadScope threads(4);
    std::vector<std::atomic<int>> hits(4);
    for (int rep = 0; rep < 3000; ++rep) {
        const int want = 2 + rep % 3;
        for (auto& h : hits) h = 0;
        const int used = nn::parallel_run(want, [&](int tid, int n) {
            EXPECT_EQ(n, want);
            hits[static_cast<size_t>(tid)]++;
        });
        ASSERT_EQ(used, want);
        for (int t = 0; t < 4; ++t)
            ASSERT_EQ(hits[static_cast<size_t>(t)].load(), t < want ? 1 : 0) << "rep " << rep << " piece " << t;
    }
}

TEST(ThreadPool, ParallelForCoversTheRangeOnce) {
    nn_test::ThreadScope threads(2);
    for (int64_t n : {0, 1, 7, 1000, 100003}) {
        std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
        nn::parallel_for(n, 100, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) seen[static_cast<size_t>(i)]++;
        });
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[static_cast<size_t>(i)].load(), 1) << "n=" << n << " i=" << i;
    }
}

// parallel_tasks hands out runs that shrink towards the end: every task still runs exactly once,
// for counts below, at and above the thread count and the run length, and when one thread is held
// up inside a task (the others take what is left).
TEST(ThreadPool, ParallelTasksRunsEveryTaskOnce) {
    for (int threads : {1, 2, 3}) {
        nn_test::ThreadScope scope(threads);
        for (int64_t n : {1, 2, 3, 5, 16, 17, 63, 64, 65, 1000, 4099}) {
            for (bool stall : {false, true}) {
                std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
                nn::parallel_tasks(n, [&](int64_t t) {
                    if (stall && t == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
                    seen[static_cast<size_t>(t)]++;
                });
                for (int64_t t = 0; t < n; ++t)
                    ASSERT_EQ(seen[static_cast<size_t>(t)].load(), 1) << "threads " << threads << " n=" << n << " t=" << t;
            }
        }
    }
}

TEST(ThreadPool, ConcurrentCallersAndNestedCallsAreSafe) {
    nn_test::ThreadScope threads(2);
    std::atomic<int64_t> total{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < 4; ++c)
        callers.emplace_back([&] {
            for (int rep = 0; rep < 200; ++rep)
                nn::parallel_for(1000, 10, [&](int64_t b, int64_t e) {
                    // A nested call must run inline, not deadlock.
                    nn::parallel_for(e - b, 1, [&](int64_t b2, int64_t e2) { total += e2 - b2; });
                });
        });
    for (auto& t : callers) t.join();
    EXPECT_EQ(total.load(), 4 * 200 * 1000);
}

#if defined(__linux__)
// Workers and caller spin only for a bounded time: once the calls stop, the pool sleeps and the
// process uses (next to) no processor time.
TEST(ThreadPool, IdlePoolStopsSpinning) {
    nn_test::ThreadScope threads(2);
    const auto cpu_seconds = [] {
        timespec ts{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
    };
    std::atomic<int> pieces{0};
    for (int rep = 0; rep < 50; ++rep) nn::parallel_run(0, [&](int, int) { pieces++; });
    EXPECT_EQ(pieces.load(), 100);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // longer than any spin
    const double before = cpu_seconds();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const double used = cpu_seconds() - before;
    EXPECT_LT(used, 0.02) << "the idle pool used " << used * 1e3 << " ms of processor time in 200 ms";
}
#endif
