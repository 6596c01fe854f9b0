#include "conv/scratch.h"

#include <algorithm>
#include <atomic>

#include "runtime/thread_scratch.h"

namespace nn::conv {

float* thread_scratch(int slot, int64_t n) {
    // Backed by runtime/thread_scratch (no thread_local destructors: see there why). 16 spare
    // floats so SIMD tails may read (never use) a little past the end.
    return nn::thread_scratch(kScratchSlotConvBase + slot, static_cast<size_t>(n) + 16);
}

void run_tasks(int64_t ntasks, function_ref<void(int64_t)> task) {
    if (ntasks <= 0) return;
    int max_threads = static_cast<int>(std::min<int64_t>(ntasks, 1024));
    // Runs of consecutive tasks handed out as threads come free: a thread slowed by the machine
    // (or started late) no longer holds up the others at the end, as fixed halves did, and a task's
    // successor is still usually run by the same thread (the kernels prefetch its inputs).
    std::atomic<int64_t> next{0};
    parallel_run(max_threads, [&](int, int nt) {
        const int64_t run = std::max<int64_t>(1, ntasks / (8 * static_cast<int64_t>(nt)));
        for (int64_t b; (b = next.fetch_add(run, std::memory_order_relaxed)) < ntasks;)
            for (int64_t t = b, e = std::min(ntasks, b + run); t < e; ++t) task(t);
    });
}

}  // namespace nn::conv
