// Per-thread scratch: aligned, independent slots, and released at thread exit without touching
// freed TLS (the MinGW thread_local-destructor crash this design avoids).
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "runtime/thread_scratch.h"
#include "test_util.h"

TEST(ThreadScratch, SlotsAreAlignedIndependentAndGrow) {
    float* a = nn::thread_scratch(nn::scratch::gemm_pack_a, 10);
    float* b = nn::thread_scratch(nn::scratch::gemm_pack_b, 10);
    ASSERT_NE(a, b);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 64, 0u);
    for (int i = 0; i < 10; ++i) b[i] = 1.0f + static_cast<float>(i);
    EXPECT_EQ(nn::thread_scratch(nn::scratch::gemm_pack_a, 5), a);  // no shrink, no reallocation
    float* big = nn::thread_scratch(nn::scratch::gemm_pack_a, 1 << 20);
    big[(1 << 20) - 1] = 3.0f;  // the whole requested range is writable
    EXPECT_EQ(reinterpret_cast<uintptr_t>(big) % 64, 0u);
    for (int i = 0; i < 10; ++i) ASSERT_EQ(b[i], 1.0f + static_cast<float>(i)) << "slot 1 changed at " << i;
}

TEST(ThreadScratch, ManyShortLivedThreadsGetTheirOwnBuffers) {
    for (int round = 0; round < 20; ++round) {
        std::vector<std::thread> threads;
        std::vector<float*> seen(4);
        std::atomic<int> ready{0};
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([t, &seen, &ready] {
                float* p = nn::thread_scratch(nn::scratch::gemm_pack_a, 100000);
                for (int i = 0; i < 100000; i += 997) p[i] = static_cast<float>(t);
                nn::thread_scratch(nn::scratch::gemm_pack_b, 4096)[4095] = 1.0f;
                seen[static_cast<size_t>(t)] = p;
                // Stay alive until every thread holds its buffer, so all four coexist.
                ready++;
                while (ready.load() < 4) std::this_thread::yield();
            });
        for (auto& th : threads) th.join();
        // Alive at the same time, so distinct; each is released when its thread exits.
        for (int i = 0; i < 4; ++i)
            for (int j = i + 1; j < 4; ++j) EXPECT_NE(seen[static_cast<size_t>(i)], seen[static_cast<size_t>(j)]);
    }
}
