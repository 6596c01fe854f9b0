namespace NativeNet.Cli.Bench;

/// <summary>
/// `nativenet bench gemm`: C = A·B (no transposes), FLOPs = 2·M·N·K. Default shapes are those of
/// ../shared/anchors/gemm_anchor.c so the figures sit beside OpenBLAS and oneDNN.
/// </summary>
public static class GemmBench
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
        var v = BenchShape.Parse(text, "--shape", "MxNxK");
        return (v[0], v[1], v[2]);
    }

    /// <summary>Largest M·N·K a sweep shape may have (2^31 multiply-adds: seconds, not minutes, per shape).</summary>
    public const long SweepMaxWork = 1L << 31;

    /// <summary>
    /// <paramref name="count"/> shapes with M, N and K each drawn log-uniformly from [1, 4096]
    /// (a draw with M·N·K above <see cref="SweepMaxWork"/> is redrawn). The same count and seed
    /// give the same list on every machine and .NET version (a fixed generator, not System.Random).
    /// </summary>
    public static List<(int M, int N, int K)> Sweep(int count, ulong seed)
    {
        if (count < 1 || count > 100_000) throw new CliInputException($"--sweep must be in [1, 100000]. Received: {count}");
        var shapes = new List<(int M, int N, int K)>(count);
        ulong state = seed;
        while (shapes.Count < count)
        {
            int m = LogUniform(ref state), n = LogUniform(ref state), k = LogUniform(ref state);
            if ((long)m * n * k <= SweepMaxWork) shapes.Add((m, n, k));
        }
        return shapes;
    }

    // exp(u * ln 4097) for u uniform in [0, 1), floored: every integer in [1, 4096], log-uniform.
    private static int LogUniform(ref ulong state)
    {
        double u = (SplitMix64(ref state) >> 11) * (1.0 / (1UL << 53));
        return Math.Clamp((int)Math.Exp(u * Math.Log(4097.0)), 1, 4096);
    }

    // SplitMix64 (Steele, Lea, Flood 2014): a documented generator whose sequence never changes.
    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Default cap on one timed batch (ms); `--batch-ms` changes it.</summary>
    public const int DefaultBatchMs = 250;

    /// <summary>Throws CliInputException unless <paramref name="batchMs"/> is in [1, 60000].</summary>
    public static void CheckBatchMs(int batchMs)
    {
        if (batchMs < 1 || batchMs > 60_000) throw new CliInputException($"--batch-ms must be in [1, 60000]. Received: {batchMs}");
    }

    /// <summary>
    /// Runs every shape and reports ms and GFLOP/s, timed as the OpenBLAS/oneDNN anchor times them
    /// (<see cref="BenchTimer.BestBatchMs"/>, batches capped at <paramref name="batchMs"/>, after a
    /// warm-up of twice that). bf16 (suite "gemm_bf16") packs B once outside the timing, as a
    /// layer's weights are, and times the product with A rounded in the call.
    /// </summary>
    public static void Run(BenchContext ctx, IReadOnlyList<(int M, int N, int K)> shapes, Precision precision = Precision.Float32,
                           int batchMs = DefaultBatchMs)
    {
        CheckBatchMs(batchMs);
        foreach (var (m, n, k) in shapes)
        {
            var rnd = new Random(42);
            float[] a = RandomArray(rnd, (long)m * k), b = RandomArray(rnd, (long)k * n), c = new float[(long)m * n];
            using var packed = precision == Precision.BFloat16 ? ctx.Kernels.PackB(false, k, n, b, n, Precision.BFloat16) : null;
            Action body = packed is null
                ? () => Multiply(ctx, m, n, k, a, b, c)
                : () => ctx.Kernels.GemmPacked(false, m, n, k, 1f, a, k, packed, 0f, c, n);
            double ms = BenchTimer.BestBatchMs(body, 2.0 * m * n * k, warmupMs: 2.0 * batchMs, maxBatchMs: batchMs);
            double gflops = 2.0 * m * n * k / (ms * 1e6);
            ctx.Report(packed is null ? "gemm" : "gemm_bf16", $"{m}x{n}x{k}", new Dictionary<string, double> { ["ms"] = ms, ["gflops"] = gflops });
        }
    }

    // Through IKernels, so --backend picks native or managed; ParseShape checked the sizes.
    private static void Multiply(BenchContext ctx, int m, int n, int k, float[] a, float[] b, float[] c) =>
        ctx.Kernels.Gemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);

    private static float[] RandomArray(Random r, long n)
    {
        var v = new float[n];
        for (long i = 0; i < n; i++) v[i] = (float)(r.NextDouble() * 2 - 1);
        return v;
    }
}
