// Timing shared by the native benches. Best of 5 windows after a warm-up, each window
// >= ~min_ms/5 (the PyTorch anchor's method).
// NN_BENCH_CLOCK=cpu times process CPU time instead of wall time: on a shared, oversubscribed
// machine this is what a 1-thread run would take alone (for N threads it is N x wall).
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>

namespace nn::bench {

inline bool cpu_clock() {
    static const bool v = [] {
        const char* e = std::getenv("NN_BENCH_CLOCK");
        return e && std::string(e) == "cpu";
    }();
    return v;
}

inline double now_ms() {
    if (cpu_clock()) {
        timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline double best_ms(const std::function<void()>& fn, double min_ms = 300.0) {
    fn();
    int reps = 1;
    for (;;) {
        double t = now_ms();
        for (int i = 0; i < reps; ++i) fn();
        if (now_ms() - t >= min_ms / 5 || reps >= 64) break;
        reps *= 2;
    }
    double best = 1e300;
    for (int w = 0; w < 5; ++w) {
        double t = now_ms();
        for (int i = 0; i < reps; ++i) fn();
        best = std::min(best, (now_ms() - t) / reps);
    }
    return best;
}

}  // namespace nn::bench
