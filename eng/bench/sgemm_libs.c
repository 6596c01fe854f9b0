/* OpenBLAS and oneDNN SGEMM (row-major C = A*B) timed for shape sweeps.
 *
 * The timing rule is the one of ../shared/anchors/gemm_anchor.c — a warm-up, then the best of 7
 * batches of floor(4e9 / flop) + 1 calls, reported as GFLOP/s — with one difference: a batch is
 * also capped at about B ms of calls (--batch-ms, default 250), and the warm-up runs for 2B ms (at
 * least 2 calls; its time per call sizes the batches). Without the cap a 3x1x4 product needs 1.7e8
 * calls per batch, minutes per library at one thread and far longer at two (a threaded call costs
 * microseconds of fork/join), so a log-uniform sweep over [1, 4096]^3 would not finish. Above about
 * 4 GFLOP per B ms the cap never binds and the figures are the anchor's. `nativenet bench gemm
 * --batch-ms B` applies the same rule (BenchTimer.BestBatchMs), so both sides of a ratio are timed
 * alike.
 *
 * Build: gcc -O2 sgemm_libs.c -o sgemm_libs -I/usr/include/x86_64-linux-gnu/openblas-pthread -lopenblas -ldnnl
 * Usage: sgemm_libs [--batch-ms B] THREADS MxNxK [MxNxK ...]   (one JSON line per library and shape)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#include <dnnl.h>

void openblas_set_num_threads(int);

enum { kBatches = 7 };
static const double kBatchFlop = 4e9;
static double batch_cap_seconds = 0.25;

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

/* The warm-up (2 batch caps of time, at least 2 calls), then the calls per batch: the anchor's
 * count, or fewer when that many would take longer than the cap. */
static long warm_up(sgemm_fn f, int m, int n, int k, const float *a, const float *b, float *c) {
    double flop = 2.0 * m * n * k;
    long calls = (long)(kBatchFlop / flop) + 1, done = 0;
    double start = seconds(), elapsed = 0;
    while (done < 2 || elapsed < 2 * batch_cap_seconds) {
        f(m, n, k, a, b, c);
        done++;
        elapsed = seconds() - start;
    }
    long fit = (long)(batch_cap_seconds / (elapsed / done));
    if (fit < 1) fit = 1;
    return calls < fit ? calls : fit;
}

static double best_seconds_per_call(sgemm_fn f, int m, int n, int k, const float *a, const float *b, float *c) {
    long calls = warm_up(f, m, n, k, a, b, c);
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
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--batch-ms") == 0) {
        char *end;
        double ms = strtod(argv[2], &end);
        if (*end != '\0' || !(ms >= 1 && ms <= 60000)) {
            fprintf(stderr, "--batch-ms must be in [1, 60000]: %s\n", argv[2]);
            return 2;
        }
        batch_cap_seconds = ms * 1e-3;
        first = 3;
    }
    if (argc < first + 2) {
        fprintf(stderr, "usage: %s [--batch-ms B] THREADS MxNxK [MxNxK ...]\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[first]);
    if (threads < 1) {
        fprintf(stderr, "THREADS must be at least 1: %s\n", argv[first]);
        return 2;
    }
    openblas_set_num_threads(threads);
    for (int s = first + 1; s < argc; s++) {
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
