// SGEMM micro-benchmark through the public C ABI, timed like /work/shared/anchors/gemm_anchor.c
// (C = A * B, no transposes, best of 7 timed batches after a warm-up) so numbers compare 1:1.
// Usage: bench_gemm [THREADS] [--kc=N --nc=N --small=N --per-thread=N --a-in-place=N
//                   --b-in-place=N --b-in-place-bytes=N --panel-major=N
//                   --panel-b-in-place-bytes=N --panel-b-in-place-panels=N --panel-pack-cols=N
//                   --panel-stream-panels=N --panel-stream-row-bytes=N --panel-a-in-place=N --dot-max-n=N --narrow-max-k=N --rank-k-max-k=N
//                   --rank-k-narrow-max-k=N --rank-k-per-thread=N --strip-max-rows=N
//                   --strip-small-k=N --strip-small-k-min-n=N --strip-small-k-max-bytes=N
//                   --strip-b-block-bytes=N --batch-ms=N --clock=cpu --packed] [MxNxK ...]
// THREADS defaults to NATIVENET_NUM_THREADS or the pool size; the --options override the
// driver's tuning (nn::gemm::tuning) for experiments; --clock=cpu times with process CPU time
// (single-thread A/B comparisons on a loaded machine); --batch-ms=N caps each timed batch at N ms
// (default 250, as sgemm_libs --batch-ms); --packed multiplies against B packed once beforehand
// (nn::gemm::packed_b, as the ONNX engine's and compiled models' weights are). Prints one JSON
// line per shape.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "gemm/gemm.h"
#include "nativenet.h"

namespace {

const char* kDefaults[] = {"64x64x64",       "128x128x128",    "256x256x256", "512x512x512", "1024x1024x1024",
                           "2048x2048x2048", "64x256x784",     "256x512x512", "32x1024x128", "128x4096x1024"};

bool g_packed = false;     // --packed: B pre-packed (sgemm_packed)
bool g_cpu_clock = false;  // --clock=cpu: process CPU time, for A/B tuning on a loaded machine
double g_batch_s = 0.25;   // --batch-ms=N: cap on each timed batch (sgemm_libs --batch-ms)

double now() {
    if (g_cpu_clock) {
        timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
    int arg = 1;
    if (argc > 1 && std::string(argv[1]).find('x') == std::string::npos) {
        int th = std::atoi(argv[1]);
        if (th < 1 || nn_set_num_threads(th) != NN_OK) {
            std::fprintf(stderr, "bad thread count %s\n", argv[1]);
            return 2;
        }
        arg = 2;
    }
    std::vector<std::string> cases;
    auto& tune = nn::gemm::tuning_params();
    for (int i = arg; i < argc; ++i) {
        std::string a = argv[i];
        long long v = 0;
        auto opt = [&](const char* name) {
            std::string p = std::string("--") + name + "=";
            if (a.rfind(p, 0) != 0) return false;
            v = std::atoll(a.c_str() + p.size());
            return true;
        };
        if (opt("kc")) tune.kc = v;
        else if (opt("nc")) tune.nc = v;
        else if (opt("small")) tune.small_work = v;
        else if (opt("per-thread")) tune.work_per_thread = v;
        else if (opt("a-in-place")) tune.a_in_place_max_cols = v;
        else if (opt("b-in-place")) tune.b_in_place_max_rows = v;
        else if (opt("b-in-place-bytes")) tune.b_in_place_max_bytes = v;
        else if (opt("panel-major")) tune.panel_major_max_rows = v;
        else if (opt("panel-b-in-place-bytes")) tune.panel_b_in_place_max_bytes = v;
        else if (opt("panel-b-in-place-panels")) tune.panel_b_in_place_max_panels = v;
        else if (opt("panel-pack-cols")) tune.panel_pack_cols = v;
        else if (opt("panel-stream-panels")) tune.panel_b_stream_max_panels = v;
        else if (opt("panel-stream-row-bytes")) tune.panel_b_stream_max_row_bytes = v;
        else if (opt("panel-a-in-place")) tune.panel_a_in_place_max_cols = v;
        else if (opt("dot-max-n")) tune.dot_max_n = v;
        else if (opt("narrow-max-k")) tune.narrow_max_k = v;
        else if (opt("narrow-wide-max-k")) tune.narrow_wide_max_k = v;
        else if (opt("rank-k-max-k")) tune.rank_k_max_k = v;
        else if (opt("rank-k-narrow-max-k")) tune.rank_k_narrow_max_k = v;
        else if (opt("rank-k-per-thread")) tune.rank_k_work_per_thread = v;
        else if (opt("strip-max-rows")) tune.strip_max_rows = v;
        else if (opt("strip-small-k")) tune.strip_small_k_max_k = v;
        else if (opt("strip-small-k-min-n")) tune.strip_small_k_min_n = v;
        else if (opt("strip-b-block-bytes")) tune.strip_b_block_bytes = v;
        else if (opt("strip-small-k-max-bytes")) tune.strip_small_k_max_bytes = v;
        else if (opt("batch-ms")) g_batch_s = static_cast<double>(v) * 1e-3;
        else if (a == "--clock=cpu") g_cpu_clock = true;
        else if (a == "--packed") g_packed = true;
        else if (a.rfind("--", 0) == 0) {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        } else cases.push_back(a);
    }
    if (cases.empty())
        for (const char* c : kDefaults) cases.emplace_back(c);
    nn_cpu_info_t info;
    nn_cpu_info(&info);
    const char* isa = nn_isa_name(info.chosen_isa);
    for (const auto& s : cases) {
        long long M, N, K;
        if (std::sscanf(s.c_str(), "%lldx%lldx%lld", &M, &N, &K) != 3) {
            std::fprintf(stderr, "bad shape %s\n", s.c_str());
            return 2;
        }
        std::vector<float> A(M * K), B(K * N), C(M * N);
        for (long long i = 0; i < M * K; ++i) A[i] = static_cast<float>(i % 7) * 0.1f;
        for (long long i = 0; i < K * N; ++i) B[i] = static_cast<float>(i % 5) * 0.1f;
        std::unique_ptr<nn::gemm::packed_b> pb;
        if (g_packed) pb = std::make_unique<nn::gemm::packed_b>(false, K, N, B.data(), N);
        auto gemm = [&] {
            if (pb) {
                nn::gemm::sgemm_packed(false, M, N, K, 1.0f, A.data(), K, *pb, 0.0f, C.data(), N);
                return;
            }
            if (nn_sgemm(NN_NO_TRANS, NN_NO_TRANS, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C.data(), N) != NN_OK) {
                std::fprintf(stderr, "nn_sgemm failed: %s\n", nn_last_error());
                std::exit(1);
            }
        };
        const double flop = 2.0 * M * N * K;
        // The anchor's call count, capped at about 250 ms a batch (as eng/bench/sgemm_libs.c and
        // `nativenet bench gemm` cap theirs, so tiny shapes finish).
        gemm();
        long long reps = static_cast<long long>(4e9 / flop) + 1, calibrated = 0;
        for (double t0 = now(); calibrated < reps && now() - t0 < 0.002;) {
            gemm();
            ++calibrated;
        }
        {
            double t0 = now();
            for (long long i = 0; i < calibrated; ++i) gemm();
            const double per_call = (now() - t0) / static_cast<double>(calibrated);
            if (per_call > 0) reps = std::min(reps, static_cast<long long>(g_batch_s / per_call) + 1);
        }
        double best = 1e30;
        for (int r = 0; r < 7; ++r) {
            double t0 = now();
            for (long long i = 0; i < reps; ++i) gemm();
            double t = (now() - t0) / reps;
            if (t < best) best = t;
        }
        std::printf("{\"suite\":\"gemm\",\"case\":\"%s\",\"threads\":%d,\"isa\":\"%s\",\"packed\":%s,\"ms\":%.4f,\"gflops\":%.2f}\n",
                    s.c_str(), nn_get_num_threads(), isa, g_packed ? "true" : "false", best * 1e3, flop / best / 1e9);
        std::fflush(stdout);
    }
    return 0;
}
