// Two ranks through the C ABI of libnativenet_mpi (run by ctest under mpirun -np 2): sums and
// broadcasts are exact, bad arguments are refused with a message, and a rank that stops
// answering is named by the other's timeout instead of hanging it.
#include "nativenet_dist.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {
int g_failures = 0;
int g_rank = -1;

void expect(bool ok, const char* what, int line) {
    if (ok) return;
    std::fprintf(stderr, "rank %d: line %d: expected %s (last error: %s)\n", g_rank, line, what, nn_dist_last_error());
    ++g_failures;
}
#define EXPECT(cond) expect((cond), #cond, __LINE__)
}  // namespace

int main() {
    EXPECT(nn_dist_rank(&g_rank) == NN_DIST_ERR_NOT_INITIALIZED);
    if (nn_dist_init(20000) != NN_DIST_OK) {
        std::fprintf(stderr, "nn_dist_init: %s\n", nn_dist_last_error());
        return 1;
    }
    int32_t size = 0;
    EXPECT(nn_dist_rank(&g_rank) == NN_DIST_OK);
    EXPECT(nn_dist_size(&size) == NN_DIST_OK && size == 2);

    // Sums: odd lengths, both types, values whose sum is exact in float.
    for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{7}, int64_t{1000003}}) {
        std::vector<float> f(static_cast<size_t>(n));
        std::vector<double> d(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) {
            f[static_cast<size_t>(i)] = static_cast<float>((i % 97) * (g_rank + 1));
            d[static_cast<size_t>(i)] = 0.5 * static_cast<double>(i) + g_rank;
        }
        EXPECT(nn_dist_allreduce(f.data(), n, NN_DIST_FLOAT32) == NN_DIST_OK);
        int64_t request = 0;
        EXPECT(nn_dist_allreduce_start(d.data(), n, NN_DIST_FLOAT64, &request) == NN_DIST_OK);
        int32_t done = 0;
        EXPECT(nn_dist_test(request, &done) == NN_DIST_OK);
        EXPECT(nn_dist_wait(request) == NN_DIST_OK);
        bool ok = true;
        for (int64_t i = 0; i < n; ++i) {
            ok &= f[static_cast<size_t>(i)] == static_cast<float>((i % 97) * 3);
            ok &= d[static_cast<size_t>(i)] == static_cast<double>(i) + 1.0;
        }
        EXPECT(ok);
    }

    // Broadcast from each root.
    for (int32_t root = 0; root < size; ++root) {
        std::vector<float> b(33, static_cast<float>(g_rank * 10 + 1));
        EXPECT(nn_dist_broadcast(b.data(), 33, NN_DIST_FLOAT32, root) == NN_DIST_OK);
        EXPECT(b[0] == static_cast<float>(root * 10 + 1) && b[32] == b[0]);
    }
    EXPECT(nn_dist_barrier() == NN_DIST_OK);

    // Refusals name the argument; none of them enters a collective, so the ranks stay in step.
    float x = 0;
    int64_t request = 0;
    EXPECT(nn_dist_allreduce(&x, -1, NN_DIST_FLOAT32) == NN_DIST_ERR_INVALID_ARGUMENT);
    EXPECT(std::strstr(nn_dist_last_error(), "count") != nullptr);
    EXPECT(nn_dist_allreduce(nullptr, 4, NN_DIST_FLOAT32) == NN_DIST_ERR_INVALID_ARGUMENT);
    EXPECT(nn_dist_allreduce(&x, 1, static_cast<nn_dist_dtype>(9)) == NN_DIST_ERR_INVALID_ARGUMENT);
    EXPECT(std::strstr(nn_dist_last_error(), "dtype") != nullptr);
    EXPECT(nn_dist_broadcast(&x, 1, NN_DIST_FLOAT32, 2) == NN_DIST_ERR_INVALID_ARGUMENT);
    EXPECT(std::strstr(nn_dist_last_error(), "root") != nullptr);
    EXPECT(nn_dist_allreduce_start(&x, 1, NN_DIST_FLOAT32, nullptr) == NN_DIST_ERR_INVALID_ARGUMENT);
    EXPECT(nn_dist_wait(12345) == NN_DIST_ERR_INVALID_ARGUMENT);
    EXPECT(nn_dist_set_timeout(0) == NN_DIST_ERR_INVALID_ARGUMENT);

    // Rank 1 goes silent for 4 s; rank 0's all-reduce gives up after 1 s (+1 s of asking) and
    // names it. Rank 1 then joins, so the timed-out collective completes and both can finish.
    EXPECT(nn_dist_barrier() == NN_DIST_OK);
    EXPECT(nn_dist_set_timeout(1000) == NN_DIST_OK);
    float y = 1;
    if (g_rank == 0) {
        auto start = std::chrono::steady_clock::now();
        EXPECT(nn_dist_allreduce(&y, 1, NN_DIST_FLOAT32) == NN_DIST_ERR_PEER_LOST);
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::string message = nn_dist_last_error();
        EXPECT(message.find("lost rank 1") != std::string::npos);
        EXPECT(message.find("all-reduce of 1 float32") != std::string::npos);
        EXPECT(s >= 1.0 && s < 3.9);
        std::printf("rank 0 after %.1f s: %s\n", s, message.c_str());
    } else {
        std::this_thread::sleep_for(std::chrono::seconds(4));
        EXPECT(nn_dist_allreduce(&y, 1, NN_DIST_FLOAT32) == NN_DIST_OK);
    }
    EXPECT(nn_dist_set_timeout(20000) == NN_DIST_OK);
    EXPECT(nn_dist_barrier() == NN_DIST_OK);
    EXPECT(nn_dist_finalize() == NN_DIST_OK);
    EXPECT(nn_dist_rank(&g_rank) == NN_DIST_ERR_NOT_INITIALIZED);
    if (g_failures == 0) std::printf("rank %d: ok\n", g_rank);
    return g_failures == 0 ? 0 : 1;
}
