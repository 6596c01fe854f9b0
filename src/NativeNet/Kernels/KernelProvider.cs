using NativeNet.Interop;

namespace NativeNet.Kernels;

/// <summary>
/// Chooses the kernels NativeNet runs on. <see cref="Backend.Auto"/> (the default, or the
/// NATIVENET_BACKEND environment variable: auto|native|managed) uses the native library when it
/// loads and otherwise falls back to <see cref="ManagedKernels"/>, writing one warning.
/// </summary>
public static class KernelProvider
{
    private static readonly object Gate = new();
    private static IKernels? _current;
    private static Backend _requested = ParseEnv();

    /// <summary>Where the one fallback warning goes (default: standard error).</summary>
    public static TextWriter WarningWriter { get; set; } = Console.Error;

    /// <summary>The backend asked for. Setting it re-resolves <see cref="Current"/>.</summary>
    public static Backend Requested
    {
        get => _requested;
        set
        {
            if (!Enum.IsDefined(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Backend must be Auto, Native or Managed. Received: {(int)value}");
            lock (Gate)
            {
                _requested = value;
                _current = null;
            }
        }
    }

    [ThreadStatic] private static IKernels? _threadOverride;

    /// <summary>
    /// Makes <paramref name="kernels"/> the kernels of the calling thread until the returned scope is
    /// disposed (tests run both backends side by side this way); other threads are unaffected.
    /// </summary>
    public static KernelScope Use(IKernels kernels)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        var previous = _threadOverride;
        _threadOverride = kernels;
        return new KernelScope(previous);
    }

    /// <summary>Restores the previous per-thread kernels when disposed.</summary>
    public readonly struct KernelScope : IDisposable
    {
        private readonly IKernels? _previous;

        internal KernelScope(IKernels? previous) => _previous = previous;

        /// <summary>Restores the previous kernels.</summary>
        public void Dispose() => _threadOverride = _previous;
    }

    /// <summary>The kernels in use on this thread: a <see cref="Use"/> override, else the process-wide choice (resolved on first access).</summary>
    public static IKernels Current
    {
        get
        {
            var k = _threadOverride ?? _current;
            if (k is not null) return k;
            lock (Gate)
            {
                return _current ??= Resolve(_requested);
            }
        }
    }

    /// <summary>Parses "auto", "native" or "managed" (any case); throws naming the value otherwise.</summary>
    public static Backend Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "auto" => Backend.Auto,
        "native" => Backend.Native,
        "managed" => Backend.Managed,
        _ => throw new ArgumentException($"backend must be auto, native or managed. Received: '{value}'", nameof(value)),
    };

    private static Backend ParseEnv()
    {
        string? env = Environment.GetEnvironmentVariable("NATIVENET_BACKEND");
        if (string.IsNullOrWhiteSpace(env)) return Backend.Auto;
        return Parse(env);
    }

    private static IKernels Resolve(Backend requested)
    {
        switch (requested)
        {
            case Backend.Managed:
                return ManagedKernels.Instance;
            case Backend.Native:
                NativeLibraryLoader.Load();  // throws DllNotFoundException listing every path tried
                return NativeKernels.Instance;
            default:
                if (NativeLibraryLoader.TryLoad(out string? error)) return NativeKernels.Instance;
                WarningWriter.WriteLine("warning: NativeNet is using its managed kernels because the native library did not load. " +
                                        error?.Split('\n')[0]);
                return ManagedKernels.Instance;
        }
    }
}
