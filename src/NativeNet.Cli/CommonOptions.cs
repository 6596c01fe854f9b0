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
            ManagedKernels.Threads = t;
            if (KernelProvider.Current.Backend == NativeNet.Backend.Native) NativeNetRuntime.Threads = t;
        }
    }
}
