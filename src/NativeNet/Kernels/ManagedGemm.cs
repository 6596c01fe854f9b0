using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeNet.Kernels;

/// <summary>
/// Cache-blocked, register-tiled SGEMM in C# (BLIS loop order): B is packed into KC×16 panels,
/// A into 6×KC panels, and a 6×16 micro-kernel keeps 12 Vector256 accumulators in registers (FMA
/// where the CPU has it). Large problems are split over threads along the larger of M and N; each
/// thread packs its own panels, so the result does not depend on the thread count (K is never split).
/// </summary>
internal static unsafe class ManagedGemm
{
    private const int MR = 6;
    private const int NR = 16;
    private const int KC = 256;
    private const int MC = 72;
    private const int NC = 2048;
    // Below ~4M multiply-adds (~0.1 ms on one core) waking a second thread costs more than it saves.
    private const long ParallelThreshold = 1L << 22;

    [ThreadStatic] private static float[]? _packA;
    [ThreadStatic] private static float[]? _packB;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(bool ta, bool tb, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (m == 0 || n == 0) return;
        ScaleC(m, n, beta, c, ldc);
        if (k == 0 || alpha == 0f) return;
        long work = (long)m * n * k;
        int threads = work < ParallelThreshold ? 1 : Math.Min(ManagedKernels.Threads, (int)Math.Min(64, work / (ParallelThreshold / 2)));
        if (threads <= 1)
        {
            Serial(ta, tb, m, n, k, alpha, a, lda, b, ldb, c, ldc);
            return;
        }
        // More chunks than threads: the calling thread claims chunks dynamically, so a worker thread
        // that starts late (a busy machine) delays the call by one chunk, not by half the work.
        int pieces = threads * 4;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        if (n >= m)
        {
            int chunk = RoundUp((n + pieces - 1) / pieces, NR);
            int parts = (n + chunk - 1) / chunk;
            Parallel.For(0, parts, options, p =>
            {
                int j0 = p * chunk, nj = Math.Min(chunk, n - j0);
                float* bj = tb ? b + (long)j0 * ldb : b + j0;
                Serial(ta, tb, m, nj, k, alpha, a, lda, bj, ldb, c + j0, ldc);
            });
        }
        else
        {
            int chunk = RoundUp((m + pieces - 1) / pieces, MR);
            int parts = (m + chunk - 1) / chunk;
            Parallel.For(0, parts, options, p =>
            {
                int i0 = p * chunk, mi = Math.Min(chunk, m - i0);
                float* ai = ta ? a + i0 : a + (long)i0 * lda;
                Serial(ta, tb, mi, n, k, alpha, ai, lda, b, ldb, c + (long)i0 * ldc, ldc);
            });
        }
    }

    private static int RoundUp(int v, int m) => (v + m - 1) / m * m;

    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0f) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    private static float* Buffer(ref float[]? buf, int size)
    {
        if (buf is null || buf.Length < size) buf = GC.AllocateUninitializedArray<float>(size, pinned: true);
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buf));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Serial(bool ta, bool tb, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float* c, int ldc)
    {
        float* pa = Buffer(ref _packA, MC * KC);
        float* pb = Buffer(ref _packB, KC * (NC + NR));
        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                PackB(tb, b, ldb, pc, jc, kc, nc, pb);
                for (int ic = 0; ic < m; ic += MC)
                {
                    int mc = Math.Min(MC, m - ic);
                    PackA(ta, a, lda, ic, pc, mc, kc, pa);
                    for (int jr = 0; jr < nc; jr += NR)
                    {
                        int nr = Math.Min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR)
                        {
                            int mr = Math.Min(MR, mc - ir);
                            Micro(kc, pa + ir * kc, pb + jr * kc, c + (long)(ic + ir) * ldc + jc + jr, ldc, alpha, mr, nr);
                        }
                    }
                }
            }
        }
    }

    // Panels of MR rows: for each row panel, kc steps of MR values (zero padded past m).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(bool ta, float* a, int lda, int i0, int p0, int mc, int kc, float* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = Math.Min(MR, mc - ir);
            float* d = dst + ir * kc;
            if (!ta)
            {
                for (int r = 0; r < mr; r++)
                {
                    float* src = a + (long)(i0 + ir + r) * lda + p0;
                    for (int p = 0; p < kc; p++) d[p * MR + r] = src[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(p0 + p) * lda + i0 + ir;
                    for (int r = 0; r < mr; r++) d[p * MR + r] = src[r];
                }
            }
            for (int r = mr; r < MR; r++)
                for (int p = 0; p < kc; p++) d[p * MR + r] = 0f;
        }
    }

    // Panels of NR columns: for each column panel, kc steps of NR values (zero padded past n).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(bool tb, float* b, int ldb, int p0, int j0, int kc, int nc, float* dst)
    {
        for (int jr = 0; jr < nc; jr += NR)
        {
            int nr = Math.Min(NR, nc - jr);
            float* d = dst + jr * kc;
            if (!tb)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(p0 + p) * ldb + j0 + jr;
                    float* dp = d + p * NR;
                    if (nr == NR)
                    {
                        Vector256.Store(Vector256.Load(src), dp);
                        Vector256.Store(Vector256.Load(src + 8), dp + 8);
                    }
                    else
                    {
                        int j = 0;
                        for (; j < nr; j++) dp[j] = src[j];
                        for (; j < NR; j++) dp[j] = 0f;
                    }
                }
            }
            else
            {
                for (int j = 0; j < nr; j++)
                {
                    float* src = b + (long)(j0 + jr + j) * ldb + p0;
                    for (int p = 0; p < kc; p++) d[p * NR + j] = src[p];
                }
                for (int j = nr; j < NR; j++)
                    for (int p = 0; p < kc; p++) d[p * NR + j] = 0f;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fmadd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro(int kc, float* pa, float* pb, float* c, int ldc, float alpha, int mr, int nr)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(pb);
            var b1 = Vector256.Load(pb + 8);
            var a0 = Vector256.Create(pa[0]);
            c00 = Fmadd(a0, b0, c00); c01 = Fmadd(a0, b1, c01);
            var a1 = Vector256.Create(pa[1]);
            c10 = Fmadd(a1, b0, c10); c11 = Fmadd(a1, b1, c11);
            var a2 = Vector256.Create(pa[2]);
            c20 = Fmadd(a2, b0, c20); c21 = Fmadd(a2, b1, c21);
            var a3 = Vector256.Create(pa[3]);
            c30 = Fmadd(a3, b0, c30); c31 = Fmadd(a3, b1, c31);
            var a4 = Vector256.Create(pa[4]);
            c40 = Fmadd(a4, b0, c40); c41 = Fmadd(a4, b1, c41);
            var a5 = Vector256.Create(pa[5]);
            c50 = Fmadd(a5, b0, c50); c51 = Fmadd(a5, b1, c51);
            pa += MR;
            pb += NR;
        }
        var va = Vector256.Create(alpha);
        if (mr == MR && nr == NR)
        {
            Acc(c, c00, c01, va); Acc(c + ldc, c10, c11, va); Acc(c + 2L * ldc, c20, c21, va);
            Acc(c + 3L * ldc, c30, c31, va); Acc(c + 4L * ldc, c40, c41, va); Acc(c + 5L * ldc, c50, c51, va);
            return;
        }
        float* t = stackalloc float[MR * NR];
        Vector256.Store(c00, t); Vector256.Store(c01, t + 8); Vector256.Store(c10, t + 16); Vector256.Store(c11, t + 24);
        Vector256.Store(c20, t + 32); Vector256.Store(c21, t + 40); Vector256.Store(c30, t + 48); Vector256.Store(c31, t + 56);
        Vector256.Store(c40, t + 64); Vector256.Store(c41, t + 72); Vector256.Store(c50, t + 80); Vector256.Store(c51, t + 88);
        for (int r = 0; r < mr; r++)
        {
            float* cr = c + (long)r * ldc;
            for (int j = 0; j < nr; j++) cr[j] += alpha * t[r * NR + j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Acc(float* c, Vector256<float> v0, Vector256<float> v1, Vector256<float> alpha)
    {
        Vector256.Store(Fmadd(alpha, v0, Vector256.Load(c)), c);
        Vector256.Store(Fmadd(alpha, v1, Vector256.Load(c + 8)), c + 8);
    }
}
