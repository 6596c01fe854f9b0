#include "threadpool.h"

#include "cpu.h"
#include "error.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#  include <immintrin.h>
#  define NN_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#  define NN_PAUSE() __asm__ volatile("yield")
#else
#  define NN_PAUSE() ((void)0)
#endif

namespace nn {
namespace {

thread_local bool t_inside_pool_task = false;

// Waits spin first, then sleep on a condition variable so an idle pool costs nothing. Spins are
// timed, not counted: `pause` takes from ~10 to ~140 cycles depending on the core (20,000 of them
// were 0.33 ms on an Intel Emerald Rapids), so a count gives spins of very different lengths.
//
// A worker spins this long for the next region after its last piece. Kernels often come back to
// back (one GEMM per recurrent time step, ~50 regions per MobileNetV2 inference), and a worker that
// sleeps costs ~50-70 us to wake under KVM. The spin is short because a spinning worker takes
// processor time from the caller when the processors are shared: MobileNetV2 batch 1 at 2 threads
// on 2 loaded cores (load 15-20, 2026-12-05) ran 18-22 ms with a 30-100 us spin, 25-29 ms with
// ~330 us, 35-38 ms with 1 ms (1 thread: 17 ms), while with the cores to itself (SCHED_FIFO) it
// ran 3.75 ms with 100 us against 3.73 with ~330 us (median of 3 each, interleaved).
// NATIVENET_POOL_SPIN_US overrides it (0..1000000).
constexpr int kWorkerSpinUs = 100;
// The caller spins this long for the pieces workers have claimed (about what 20,000 `pause` gave
// on the Emerald Rapids above): their results are on the way, and a caller that sleeps puts a
// wake-up on the critical path.
constexpr int kCallerSpinUs = 300;
// Clock reads are spaced out: a few us of spin between reads is precise enough.
constexpr int kPausesPerClockRead = 64;

std::chrono::steady_clock::duration worker_spin_time() {
    long us = kWorkerSpinUs;
    if (const char* env = std::getenv("NATIVENET_POOL_SPIN_US")) {
        char* end = nullptr;
        long v = std::strtol(env, &end, 10);
        if (end != env && *end == '\0' && v >= 0 && v <= 1000000) us = v;
    }
    return std::chrono::microseconds(us);
}

// Spins until done() or until `spin` has passed; returns done().
template <class Done>
bool spin_until(Done done, std::chrono::steady_clock::duration spin) {
    const auto deadline = std::chrono::steady_clock::now() + spin;
    for (;;) {
        for (int i = 0; i < kPausesPerClockRead; ++i) {
            if (done()) return true;
            NN_PAUSE();
        }
        if (std::chrono::steady_clock::now() >= deadline) return done();
    }
}

class Pool {
public:
    explicit Pool(int n) { start(n); }
    ~Pool() { stop(); }

    int size() const noexcept { return size_; }

    void resize(int n) {
        std::lock_guard<std::mutex> run(run_mutex_);  // wait for running work
        stop();
        start(n);
    }

    int run(int max_threads, function_ref<void(int, int)> fn) {
        int want = max_threads <= 0 ? size_ : std::min(max_threads, size_);
        if (want <= 1 || t_inside_pool_task) {
            fn(0, 1);
            return 1;
        }
        std::unique_lock<std::mutex> run(run_mutex_, std::try_to_lock);
        if (!run.owns_lock()) {  // another caller owns the pool: do our work alone
            fn(0, 1);
            return 1;
        }
        task_ = &fn;
        task_threads_ = want;
        error_ = nullptr;
        pending_.store(want - 1, std::memory_order_relaxed);
        {
            std::lock_guard<std::mutex> lk(wake_mutex_);
            const uint64_t g = generation_.load(std::memory_order_relaxed) + 1;
            // Pieces 1..want-1 are up for claiming, tagged with this run's generation.
            claim_.store(tagged(g, want, 1), std::memory_order_release);
            generation_.store(g, std::memory_order_release);
        }
        wake_cv_.notify_all();
        t_inside_pool_task = true;
        run_piece(0, want);
        // Then whatever no worker has started: a worker that is descheduled or still waking
        // never holds the caller up for more than the piece it has already begun.
        for (int tid; (tid = claim(generation_.load(std::memory_order_relaxed))) >= 0;) finish_piece(tid);
        t_inside_pool_task = false;
        // Wait for the pieces workers did claim: spin first, then sleep.
        const auto all_done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
        if (!spin_until(all_done, std::chrono::microseconds(kCallerSpinUs))) {
            std::unique_lock<std::mutex> lk(done_mutex_);
            done_cv_.wait(lk, all_done);
        }
        task_ = nullptr;
        if (error_) std::rethrow_exception(error_);
        return want;
    }

private:
    void start(int n) {
        size_ = std::max(1, n);
        quit_ = false;
        // Workers start from the generation current now, so a stop() that races their start-up
        // is still seen.
        uint64_t start_generation = generation_.load(std::memory_order_acquire);
        for (int t = 1; t < size_; ++t)
            workers_.emplace_back([this, t, start_generation] { worker(t, start_generation); });
    }

    void stop() {
        {
            std::lock_guard<std::mutex> lk(wake_mutex_);
            quit_ = true;
            generation_.fetch_add(1, std::memory_order_release);
        }
        wake_cv_.notify_all();
        for (auto& w : workers_) w.join();
        workers_.clear();
    }

    void record_error(std::exception_ptr e) {
        std::lock_guard<std::mutex> lk(error_mutex_);
        if (!error_) error_ = e;
    }

    void worker(int tid, uint64_t seen) {
        t_inside_pool_task = true;
        for (;;) {
            // Wait for a new generation: spin, then sleep.
            const auto new_run = [&] { return generation_.load(std::memory_order_acquire) != seen; };
            if (!spin_until(new_run, spin_)) {
                std::unique_lock<std::mutex> lk(wake_mutex_);
                wake_cv_.wait(lk, new_run);
            }
            const uint64_t g = generation_.load(std::memory_order_acquire);
            seen = g;
            if (quit_) return;
            for (int t; (t = claim(g)) >= 0;) finish_piece(t);
        }
    }

    // Work claiming: claim_ packs (generation: 32 bits | piece count: 16 | next piece: 16). A
    // claim succeeds only for the current run's generation, so a worker that wakes late can
    // never take a piece of a later run; task_ and task_threads_ are read only after a
    // successful claim (the run cannot finish while a claimed piece is outstanding). Returns the
    // piece, or -1 when none is left.
    static uint64_t tagged(uint64_t generation, int count, int piece) {
        return (generation << 32) | (static_cast<uint64_t>(count) << 16) | static_cast<uint64_t>(piece);
    }
    int claim(uint64_t generation) {
        uint64_t v = claim_.load(std::memory_order_acquire);
        for (;;) {
            if ((v >> 32) != (generation & 0xffffffffu)) return -1;
            const int count = static_cast<int>((v >> 16) & 0xffffu), piece = static_cast<int>(v & 0xffffu);
            if (piece >= count) return -1;
            if (claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire))
                return piece;
        }
    }

    void run_piece(int tid, int n) {
        try {
            (*task_)(tid, n);
        } catch (...) {
            record_error(std::current_exception());
        }
    }

    // A claimed piece (1..n-1): run it and count it done.
    void finish_piece(int tid) {
        run_piece(tid, task_threads_);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            std::lock_guard<std::mutex> lk(done_mutex_);
            done_cv_.notify_one();
        }
    }

    int size_ = 1;
    std::vector<std::thread> workers_;
    std::mutex run_mutex_;  // one parallel region at a time
    std::mutex wake_mutex_, done_mutex_, error_mutex_;
    std::condition_variable wake_cv_, done_cv_;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<uint64_t> claim_{0};  // see claim()
    function_ref<void(int, int)>* task_ = nullptr;
    int task_threads_ = 1;
    std::atomic<bool> quit_{false};
    const std::chrono::steady_clock::duration spin_ = worker_spin_time();
    std::exception_ptr error_;
};

int default_threads() noexcept {
    if (const char* env = std::getenv("NATIVENET_NUM_THREADS")) {
        char* end = nullptr;
        long v = std::strtol(env, &end, 10);
        if (end != env && *end == '\0' && v >= 1 && v <= 1024) return static_cast<int>(v);
    }
    return std::max(1, cpu_features().num_cores);
}

std::mutex g_pool_mutex;  // serializes resizing

Pool& pool() {
    // Leaked on purpose: joining workers during static destruction can deadlock at exit.
    static Pool* p = new Pool(default_threads());
    return *p;
}

}  // namespace

int num_threads() noexcept { return pool().size(); }

int threads_here() noexcept { return t_inside_pool_task ? 1 : pool().size(); }

void set_num_threads(int n) {
    if (n < 1 || n > 1024)
        invalid_argument("num_threads must be in [1, 1024]. Received: num_threads=", n);
    if (t_inside_pool_task)
        throw status_error(NN_ERR_INVALID_ARGUMENT, "num_threads cannot change from inside a parallel task");
    std::lock_guard<std::mutex> lk(g_pool_mutex);
    if (pool().size() != n) pool().resize(n);
}

int parallel_run(int max_threads, function_ref<void(int, int)> fn) { return pool().run(max_threads, fn); }

void parallel_for(int64_t n, int64_t grain, function_ref<void(int64_t, int64_t)> fn) {
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    int64_t max_chunks = n / grain;
    if (max_chunks < 2) {
        fn(0, n);
        return;
    }
    int want = static_cast<int>(std::min<int64_t>(max_chunks, num_threads()));
    parallel_run(want, [&](int tid, int nt) {
        int64_t begin = n * tid / nt, end = n * (tid + 1) / nt;
        if (begin < end) fn(begin, end);
    });
}

void parallel_tasks(int64_t ntasks, function_ref<void(int64_t)> task) {
    if (ntasks <= 0) return;
    int max_threads = static_cast<int>(std::min<int64_t>(ntasks, 1024));
    // Runs of consecutive tasks handed out as threads come free: a thread slowed by the machine
    // (or started late) does not hold up the others at the end, and a task's successor is still
    // usually run by the same thread (the kernels prefetch its inputs). Runs are ntasks / (8 nt)
    // long until fewer than 4 nt runs' worth is left, then shrink with what is left (a quarter of
    // an equal share) down to one task, so the threads finish within about one task of each
    // other rather than one run (a sixteenth of the region at 2 threads).
    std::atomic<int64_t> next{0};
    parallel_run(max_threads, [&](int, int nt) {
        const int64_t threads = nt, run = std::max<int64_t>(1, ntasks / (8 * threads));
        for (int64_t b = next.load(std::memory_order_relaxed);;) {
            if (b >= ntasks) return;
            const int64_t len = std::clamp<int64_t>((ntasks - b) / (4 * threads), 1, run);
            if (!next.compare_exchange_weak(b, b + len, std::memory_order_relaxed)) continue;
            for (int64_t t = b, e = std::min(ntasks, b + len); t < e; ++t) task(t);
            b = next.load(std::memory_order_relaxed);
        }
    });
}

}  // namespace nn
