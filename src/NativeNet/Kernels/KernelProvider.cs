using NativeNet.Interop;

namespace NativeNet.Kernels;

/// <summary>
/// Chooses the kernels NativeNet runs on: the C++ library or the pure C# fallback.
/// <see cref="NativeNet.Backend.Auto"/> (the default, or the NATIVENET_BACKEND environment variable:
/// auto|native|managed) uses the native library when it loads and otherwise falls back to the
/// managed kernels, writing one warning. The kernels themselves are internal: tensors, modules and
/// <see cref="NativeNet.Nn.Functional"/> check every argument and call them; this class is what a
/// user chooses (<see cref="Requested"/>, <see cref="Threads"/>) and reads back
/// (<see cref="Backend"/>, <see cref="Description"/>, <see cref="BFloat16Native"/>).
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

    /// <summary>The backend in use on this thread: <see cref="NativeNet.Backend.Native"/> or <see cref="NativeNet.Backend.Managed"/> (resolving <see cref="Requested"/> on first access).</summary>
    public static Backend Backend => Current.Backend;

    /// <summary>What runs the kernels, e.g. "native avx512" or "managed Vector512".</summary>
    public static string Description => Current.Description;

    /// <summary>
    /// Threads one kernel call may use, on both backends (default: NATIVENET_NUM_THREADS, else all
    /// logical processors). Setting it sizes the managed kernels and, when the native library loads,
    /// its thread pool; a value outside 1..1024 throws <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public static int Threads
    {
        get => Backend == Backend.Native ? NativeNetRuntime.Threads : ManagedKernels.Threads;
        set
        {
            ManagedKernels.Threads = value;  // validates the range first
            lock (Gate)
            {
                // The native pool is sized now if the library is loaded, else when the native
                // backend is first chosen (so choosing the managed backend never loads it).
                if (NativeLibraryLoader.LoadedFrom is not null)
                {
                    NativeNetRuntime.Threads = value;
                    _pendingNativeThreads = null;
                }
                else _pendingNativeThreads = value;
            }
        }
    }

    private static int? _pendingNativeThreads;

    /// <summary>
    /// True when <see cref="Precision.BFloat16"/> products run on the CPU's bf16 dot-product
    /// instruction (vdpbf16ps, AVX512_BF16) in the backend in use; false when they are emulated
    /// (both operands rounded to bf16, float32 products: the same values up to summation order).
    /// The native backend takes vdpbf16ps only where it is measured faster than the float32 FMAs
    /// (or NATIVENET_BF16_DOT=1 forces it); <see cref="BFloat16Products"/> says why.
    /// </summary>
    public static bool BFloat16Native => Backend == Backend.Native && Interop.NativeMethods.nn_bf16_gemm_native() != 0;

    /// <summary>
    /// One line saying which path <see cref="Precision.BFloat16"/> products take and why: on the
    /// native backend the ISA, NATIVENET_BF16_DOT or the measured vdpbf16ps/FMA rate.
    /// </summary>
    public static unsafe string BFloat16Products => Backend == Backend.Native
        ? NativeStatus.ReadString(Interop.NativeMethods.nn_bf16_products())
        : "float32 products on bf16-rounded operands (managed backend)";

    [ThreadStatic] private static IKernels? _threadOverride;

    /// <summary>
    /// Makes <paramref name="kernels"/> the kernels of the calling thread until the returned scope is
    /// disposed (tests run both backends side by side this way); other threads are unaffected.
    /// </summary>
    internal static KernelScope Use(IKernels kernels)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        var previous = _threadOverride;
        _threadOverride = kernels;
        return new KernelScope(previous);
    }

    /// <summary>Restores the previous per-thread kernels when disposed.</summary>
    internal readonly struct KernelScope : IDisposable
    {
        private readonly IKernels? _previous;

        internal KernelScope(IKernels? previous) => _previous = previous;

        /// <summary>Restores the previous kernels.</summary>
        public void Dispose() => _threadOverride = _previous;
    }

    /// <summary>The kernels in use on this thread: a <see cref="Use"/> override, else the process-wide choice (resolved on first access).</summary>
    internal static IKernels Current
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
                return UseNative();
            default:
                if (NativeLibraryLoader.TryLoad(out string? error)) return UseNative();
                WarningWriter.WriteLine("warning: NativeNet is using its managed kernels because the native library did not load. " +
                                        error?.Split('\n')[0]);
                return ManagedKernels.Instance;
        }
    }

    private static NativeKernels UseNative()
    {
        if (_pendingNativeThreads is { } t)
        {
            NativeNetRuntime.Threads = t;
            _pendingNativeThreads = null;
        }
        return NativeKernels.Instance;
    }
}
