using BenchmarkDotNet.Attributes;
using NativeNet.Cli.Bench;
using NativeNet.Kernels;

namespace NativeNet.Benchmarks;

/// <summary>
/// SGEMM C = A·B through <see cref="IKernels"/>, native (baseline) against managed, on the shapes
/// of `nativenet bench gemm` (those of ../shared/anchors/gemm_anchor.c).
/// </summary>
[BenchmarkCategory("gemm")]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private int _m, _n, _k;

    /// <summary>Every shape of the anchor, as MxNxK.</summary>
    public static IEnumerable<string> Shapes => GemmBench.DefaultShapes.Select(s => $"{s.M}x{s.N}x{s.K}");

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        (_m, _n, _k) = GemmBench.ParseShape(Shape);
        var r = new Random(42);
        _a = Enumerable.Range(0, _m * _k).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        _b = Enumerable.Range(0, _k * _n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        _c = new float[_m * _n];
    }

    [Benchmark(Baseline = true)]
    public void Native() => NativeKernels.Instance.Gemm(false, false, _m, _n, _k, 1f, _a, _k, _b, _n, 0f, _c, _n);

    [Benchmark]
    public void Managed() => ManagedKernels.Instance.Gemm(false, false, _m, _n, _k, 1f, _a, _k, _b, _n, 0f, _c, _n);
}
