using NativeNet.Interop;

namespace NativeNet.Cli.Bench;

/// <summary>
/// `nativenet bench gemm`: C = A·B (no transposes), FLOPs = 2·M·N·K. Default shapes are those of
/// ../shared/anchors/gemm_anchor.c so the figures sit beside OpenBLAS and oneDNN.
/// </summary>
public static unsafe class GemmBench
{
    /// <summary>The anchor's default shapes (M, N, K).</summary>
    public static readonly (int M, int N, int K)[] DefaultShapes =
    {
        (64, 64, 64), (128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024),
        (2048, 2048, 2048), (64, 256, 784), (256, 512, 512), (32, 1024, 128), (128, 4096, 1024),
    };

    /// <summary>Parses "MxNxK" (positive integers); throws CliInputException naming the text.</summary>
    public static (int M, int N, int K) ParseShape(string text)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, out int v) && v > 0))
            throw new CliInputException($"--shape must be MxNxK with positive integers. Received: '{text}'");
        return (int.Parse(parts[0]), int.Parse(parts[1]), int.Parse(parts[2]));
    }

    /// <summary>Runs every shape and reports ms and GFLOP/s.</summary>
    public static void Run(BenchContext ctx, IReadOnlyList<(int M, int N, int K)> shapes)
    {
        foreach (var (m, n, k) in shapes)
        {
            var rnd = new Random(42);
            float[] a = RandomArray(rnd, (long)m * k), b = RandomArray(rnd, (long)k * n), c = new float[(long)m * n];
            double ms = BenchTimer.MedianMs(() => Multiply(ctx, m, n, k, a, b, c), warmup: 2, minReps: 5, minTotalMs: 400);
            double gflops = 2.0 * m * n * k / (ms * 1e6);
            ctx.Report("gemm", $"{m}x{n}x{k}", new Dictionary<string, double> { ["ms"] = ms, ["gflops"] = gflops });
        }
    }

    private static void Multiply(BenchContext ctx, int m, int n, int k, float[] a, float[] b, float[] c)
    {
        if (ctx.Kernels.Backend == Backend.Native)
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
                NativeStatus.Check(NativeMethods.nn_sgemm(nn_transpose.NN_NO_TRANS, nn_transpose.NN_NO_TRANS, m, n, k,
                    1f, pa, k, pb, n, 0f, pc, n));
        }
        else
        {
            throw new CliInputException("bench gemm --backend managed needs the managed GEMM kernel");
        }
    }

    private static float[] RandomArray(Random r, long n)
    {
        var v = new float[n];
        for (long i = 0; i < n; i++) v[i] = (float)(r.NextDouble() * 2 - 1);
        return v;
    }
}
