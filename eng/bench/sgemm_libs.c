/* OpenBLAS and oneDNN SGEMM (row-major C = A*B) timed for shape sweeps.
 *
 * The timing rule is the one of ../shared/anchors/gemm_anchor.c — a warm-up call, then the best of
 * 7 batches of floor(4e9 / flop) + 1 calls, reported as GFLOP/s — with one difference: a batch is
 * also capped at about 250 ms of calls. Without the cap a 3x1x4 product needs 1.7e8 calls per batch,
 * minutes per library at one thread and far longer at two (a threaded call costs microseconds of
 * fork/join), so a log-uniform sweep over [1, 4096]^3 would not finish. Above about 4 GFLOP per
 * 250 ms (16 GFLOP/s) the cap never binds and the figures are the anchor's. `nativenet bench gemm`
 * applies the same rule (BenchTimer.BestBatchMs), so both sides of a ratio are timed alike.
 *
 * Build: gcc -O2 sgemm_libs.c -o sgemm_libs -I/usr/include/x86_64-linux-gnu/openblas-pthread -lopenblas -ldnnl
 * Usage: sgemm_libs THREADS MxNxK [MxNxK ...]   (one JSON line per library and shape)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cblas.h>
#include <dnnl.h>

void openblas_set_num_threads(int);

enum { kBatches = 7 };
static const double kBatchFlop = 4e9, kBatchCapSeconds = 0.25, kCalibrateSeconds = 0.002;

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef void (*sgemm_fn)(int, int, int, const float *, const float *, float *);

static void with_openblas(int m, int n, int k, const float *a, const float *b, float *c) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
}

static void with_onednn(int m, int n, int k, const float *a, const float *b, float *c) {
    dnnl_sgemm('N', 'N', m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
}

/* Calls per batch: the anchor's count, or fewer when that many would take longer than the cap. */
static long batch_calls(sgemm_fn f, int m, int n, int k, const float *a, const float *b, float *c) {
    double flop = 2.0 * m * n * k;
    long calls = (long)(kBatchFlop / flop) + 1, done = 0;
    double start = seconds(), elapsed = 0;
    while (elapsed < kCalibrateSeconds && done < calls) {
        f(m, n, k, a, b, c);
        done++;
        elapsed = seconds() - start;
    }
    long fit = (long)ceil(kBatchCapSeconds / (elapsed / done));
    return calls < fit ? calls : fit;
}

static double best_seconds_per_call(sgemm_fn f, int m, int n, int k, const float *a, const float *b, float *c) {
    f(m, n, k, a, b, c);
    long calls = batch_calls(f, m, n, k, a, b, c);
    double best = INFINITY;
    for (int batch = 0; batch < kBatches; batch++) {
        double start = seconds();
        for (long i = 0; i < calls; i++) f(m, n, k, a, b, c);
        double per_call = (seconds() - start) / calls;
        if (per_call < best) best = per_call;
    }
    return best;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s THREADS MxNxK [MxNxK ...]\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[1]);
    if (threads < 1) {
        fprintf(stderr, "THREADS must be at least 1: %s\n", argv[1]);
        return 2;
    }
    openblas_set_num_threads(threads);
    for (int s = 2; s < argc; s++) {
        int m, n, k;
        if (sscanf(argv[s], "%dx%dx%d", &m, &n, &k) != 3 || m < 1 || n < 1 || k < 1) {
            fprintf(stderr, "bad shape %s (want MxNxK, each at least 1)\n", argv[s]);
            return 2;
        }
        float *a = malloc(4L * m * k), *b = malloc(4L * k * n), *c = malloc(4L * m * n);
        if (!a || !b || !c) {
            fprintf(stderr, "out of memory for %s\n", argv[s]);
            return 1;
        }
        for (long i = 0; i < (long)m * k; i++) a[i] = (float)(i % 7) * 0.1f;
        for (long i = 0; i < (long)k * n; i++) b[i] = (float)(i % 5) * 0.1f;
        double flop = 2.0 * m * n * k;
        const struct { const char *name; sgemm_fn f; } libs[] = {{"openblas", with_openblas}, {"onednn", with_onednn}};
        for (int l = 0; l < 2; l++)
            printf("{\"lib\":\"%s\",\"case\":\"%dx%dx%d\",\"threads\":%d,\"gflops\":%.2f}\n", libs[l].name, m, n, k, threads,
                   flop / best_seconds_per_call(libs[l].f, m, n, k, a, b, c) / 1e9);
        fflush(stdout);
        free(a);
        free(b);
        free(c);
    }
    return 0;
}
