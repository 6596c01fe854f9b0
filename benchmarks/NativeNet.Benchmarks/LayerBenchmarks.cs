using BenchmarkDotNet.Attributes;
using NativeNet.Cli.Bench;
using NativeNet.Kernels;

namespace NativeNet.Benchmarks;

/// <summary>
/// A workload of `nativenet bench conv|rnn|models` (the torch_anchor.py cases), built once and run
/// on the native kernels (baseline) and on the managed kernels. Pass picks which of its two timed
/// passes runs: forward, or forward and backward (for models: inference, or one Adam step).
/// </summary>
public abstract class LayerBenchmarks
{
    private LayerWorkload? _workload;
    private Action _pass = () => { };

    /// <summary>The pass names, as the bench JSON keys them without "_ms".</summary>
    protected static string[] PassNames(LayerWorkload w) => [w.FirstFigure[..^3], w.SecondFigure[..^3]];

    /// <summary>Builds the workload and chooses its pass.</summary>
    protected void Prepare(LayerWorkload workload, string pass)
    {
        _workload = workload;
        _pass = pass == PassNames(workload)[0] ? workload.First
              : pass == PassNames(workload)[1] ? workload.Second
              : throw new ArgumentException($"pass must be {string.Join(" or ", PassNames(workload))}. Received: '{pass}'", nameof(pass));
    }

    [GlobalCleanup]
    public void Cleanup() => _workload?.Dispose();

    [Benchmark(Baseline = true)]
    public void Native()
    {
        using var _ = KernelProvider.Use(NativeKernels.Instance);
        _pass();
    }

    [Benchmark]
    public void Managed()
    {
        using var _ = KernelProvider.Use(ManagedKernels.Instance);
        _pass();
    }
}

/// <summary>Conv2d 3×3, stride 1, padding 1 (torch_anchor.py's conv cases).</summary>
[BenchmarkCategory("conv")]
public class ConvBenchmarks : LayerBenchmarks
{
    public static IEnumerable<string> Cases => LayerBench.ConvCases.Select(c => $"{c.N}x{c.C}x{c.H}x{c.K}");

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [Params("fwd", "fwd_bwd")]
    public string Pass { get; set; } = "";

    [GlobalSetup]
    public void Setup() => Prepare(LayerBench.Conv(BenchShape.Conv(Case)), Pass);
}

/// <summary>One-layer batch-first LSTM/GRU (torch_anchor.py's recurrent cases).</summary>
[BenchmarkCategory("rnn")]
public class RnnBenchmarks : LayerBenchmarks
{
    public static IEnumerable<string> Cases => LayerBench.RnnCases.Select(c => $"{c.Cell}:{c.B}x{c.T}x{c.I}x{c.H}");

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [Params("fwd", "fwd_bwd")]
    public string Pass { get; set; } = "";

    [GlobalSetup]
    public void Setup() => Prepare(LayerBench.Rnn(BenchShape.Rnn(Case)), Pass);
}

/// <summary>The five reference models of torch_anchor.py: inference and one Adam training step.</summary>
[BenchmarkCategory("models")]
public class ModelBenchmarks : LayerBenchmarks
{
    public static IEnumerable<string> Models => LayerBench.Models.Select(m => m.Name);

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "";

    [Params("infer", "train_step")]
    public string Pass { get; set; } = "";

    [GlobalSetup]
    public void Setup() => Prepare(LayerBench.Model(Model), Pass);
}
