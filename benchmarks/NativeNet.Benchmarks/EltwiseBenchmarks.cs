using BenchmarkDotNet.Attributes;
using NativeNet.Kernels;

namespace NativeNet.Benchmarks;

/// <summary>Element-wise kernels, native (baseline) against managed, on a 1M-element array.</summary>
[BenchmarkCategory("eltwise")]
public class EltwiseBenchmarks
{
    private float[] _x = Array.Empty<float>();
    private float[] _y = Array.Empty<float>();

    [Params(UnaryOp.Relu, UnaryOp.Sigmoid, UnaryOp.Tanh, UnaryOp.Gelu)]
    public UnaryOp Op { get; set; }

    [Params(1 << 20)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        _x = Enumerable.Range(0, N).Select(_ => (float)(r.NextDouble() * 8 - 4)).ToArray();
        _y = new float[N];
    }

    [Benchmark(Baseline = true)]
    public void Native() => NativeKernels.Instance.Unary(Op, _x, _y);

    [Benchmark]
    public void Managed() => ManagedKernels.Instance.Unary(Op, _x, _y);
}
