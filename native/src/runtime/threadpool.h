// The one native thread pool. No OpenMP runtime to ship, no nested parallelism.
//
// parallel_run(n, fn) calls fn(tid, n) once for every tid in [0, n) and returns when all are
// done; exceptions thrown by fn are rethrown on the caller. The caller runs tid 0, then any
// piece no worker has claimed yet (so a descheduled worker never stalls it): pieces may share
// a thread, one after another, but never run twice, and must not wait on each other. When the pool is busy with another
// caller's work, or when called from inside a pool task, the work runs on the calling thread
// alone (fn(0, 1)), so every kernel must accept any thread count, including 1.
#pragma once
#include <cstdint>
#include <type_traits>

namespace nn {

// Pool size: NATIVENET_NUM_THREADS, else the number of logical processors. At least 1.
int num_threads() noexcept;

// Threads a parallel call made here would use: 1 inside a pool task (nested calls run on the
// calling thread alone), else num_threads(). Kernels size their task splits by it.
int threads_here() noexcept;

// Resizes the pool (1..1024); waits for running work first.
void set_num_threads(int n);

// Non-owning reference to a callable, so dispatching a task never allocates.
template <class Sig>
class function_ref;
template <class R, class... A>
class function_ref<R(A...)> {
public:
    template <class F>
    function_ref(F&& f) noexcept  // NOLINT(google-explicit-constructor)
        : obj_(const_cast<void*>(static_cast<const void*>(&f))),
          call_([](void* o, A... a) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(a...); }) {}
    R operator()(A... a) const { return call_(obj_, a...); }

private:
    void* obj_;
    R (*call_)(void*, A...);
};

// Runs fn(tid, nthreads) on up to `max_threads` threads (0 = pool size). Returns the count used.
int parallel_run(int max_threads, function_ref<void(int, int)> fn);

// Splits [0, n) into contiguous chunks of at least `grain` items, one per thread, and calls
// fn(begin, end) for each. Serial when n < 2 * grain. Chunk boundaries depend only on n, grain
// and the thread count, so results are reproducible for a fixed thread count.
void parallel_for(int64_t n, int64_t grain, function_ref<void(int64_t, int64_t)> fn);

// Runs task(t) for t in [0, ntasks) over the pool, in runs of consecutive tasks taken by
// whichever thread is free. Which thread runs a task never changes its result: each task writes
// only its own outputs. A task's successor is usually run by the same thread (kernels may
// prefetch its inputs).
void parallel_tasks(int64_t ntasks, function_ref<void(int64_t)> task);

}  // namespace nn
