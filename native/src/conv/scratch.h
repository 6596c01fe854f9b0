// Per-thread scratch that persists across calls (pool threads live for the process), so the hot
// path neither allocates nor page-faults after the first call of a given size.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/threadpool.h"

namespace nn::conv {

// Slot `slot` (0..3) of the calling thread's scratch, grown to at least n floats. Contents are
// unspecified. Valid until the same thread asks for the same slot again.
float* thread_scratch(int slot, int64_t n);

// Runs task(t) for t in [0, ntasks) over the pool, in runs of consecutive tasks taken by whichever
// thread is free. Which thread runs a task never changes its result: each task writes only its
// own outputs.
void run_tasks(int64_t ntasks, function_ref<void(int64_t)> task);

}  // namespace nn::conv
