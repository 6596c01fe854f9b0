#include "conv/scratch.h"

#include <algorithm>

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
    parallel_run(max_threads, [&](int tid, int nt) {
        int64_t b = ntasks * tid / nt, e = ntasks * (tid + 1) / nt;
        for (int64_t t = b; t < e; ++t) task(t);
    });
}

}  // namespace nn::conv
