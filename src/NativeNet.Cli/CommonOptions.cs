using System.CommandLine;
using NativeNet.Kernels;

namespace NativeNet.Cli;

/// <summary>Options every command accepts: --backend and --threads.</summary>
public static class CommonOptions
{
    /// <summary>--backend auto|native|managed.</summary>
    public static readonly Option<string> Backend = new("--backend")
    {
        Description = "Kernel backend: auto (native, else managed), native or managed",
        DefaultValueFactory = _ => "auto",
        Recursive = true,
    };

    /// <summary>--threads N.</summary>
    public static readonly Option<int?> Threads = new("--threads")
    {
        Description = "Threads of the kernels, native pool or managed (default: NATIVENET_NUM_THREADS or all cores)",
        Recursive = true,
    };

    /// <summary>A --precision fp32|bf16 option (the commands that take one add it themselves).</summary>
    public static Option<string> Precision(string description) => new("--precision")
    {
        Description = description,
        DefaultValueFactory = _ => "fp32",
    };

    /// <summary>Parses a --precision value: fp32 (float32) or bf16 (bfloat16).</summary>
    public static Precision ParsePrecision(string? text) => text?.ToLowerInvariant() switch
    {
        "fp32" or "float32" => NativeNet.Precision.Float32,
        "bf16" or "bfloat16" => NativeNet.Precision.BFloat16,
        _ => throw new CliInputException($"--precision must be fp32 or bf16. Received: '{text}'"),
    };

    /// <summary>Applies the common options before a command runs.</summary>
    public static void Apply(ParseResult parsed)
    {
        string backend = parsed.GetValue(Backend) ?? "auto";
        try
        {
            KernelProvider.Requested = KernelProvider.Parse(backend);
        }
        catch (ArgumentException)
        {
            throw new CliInputException($"--backend must be auto, native or managed. Received: '{backend}'");
        }
        int? threads = parsed.GetValue(Threads);
        if (threads is { } t)
        {
            if (t < 1 || t > 1024) throw new CliInputException($"--threads must be in [1, 1024]. Received: {t}");
            KernelProvider.Threads = t;
        }
    }
}
