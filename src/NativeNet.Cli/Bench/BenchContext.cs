using System.Text.Json;
using NativeNet.Kernels;

namespace NativeNet.Cli.Bench;

/// <summary>What every bench line carries: suite, case, threads, backend, ISA; printed as JSON.</summary>
public sealed class BenchContext
{
    private readonly TextWriter _out;
    private readonly bool _json;

    /// <summary>Creates the context for one bench run.</summary>
    public BenchContext(TextWriter stdout, bool json)
    {
        _out = stdout;
        _json = json;
        Kernels = KernelProvider.Current;
        Threads = KernelProvider.Threads;
        Isa = Kernels.Backend == Backend.Native ? NativeNetRuntime.IsaName(NativeNetRuntime.Cpu.ChosenIsa) : "managed";
    }

    /// <summary>The kernels under test.</summary>
    internal IKernels Kernels { get; }

    /// <summary>Thread count in effect.</summary>
    public int Threads { get; }

    /// <summary>The ISA (native) or "managed".</summary>
    public string Isa { get; }

    /// <summary>Prints one result: JSON line, or aligned text.</summary>
    public void Report(string suite, string caseName, IReadOnlyDictionary<string, double> figures,
        IReadOnlyDictionary<string, string>? labels = null)
    {
        var o = new Dictionary<string, object>
        {
            ["suite"] = suite,
            ["case"] = caseName,
            ["threads"] = Threads,
            ["backend"] = Kernels.Backend.ToString().ToLowerInvariant(),
            ["isa"] = Isa,
        };
        foreach (var (k, v) in figures) o[k] = Math.Round(v, 4);
        foreach (var (k, v) in labels ?? new Dictionary<string, string>()) o[k] = v;
        if (_json)
        {
            _out.WriteLine(JsonSerializer.Serialize(o));
        }
        else
        {
            string text = string.Join("  ", figures.Select(f => $"{f.Key}={f.Value:0.###}")
                .Concat((labels ?? new Dictionary<string, string>()).Select(l => $"{l.Key}={l.Value}")));
            _out.WriteLine($"{suite,-12}{caseName,-28}{text}  (threads={Threads}, {o["backend"]}, {Isa})");
        }
    }
}
