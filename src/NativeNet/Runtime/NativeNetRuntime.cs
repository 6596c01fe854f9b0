using System.Reflection;
using NativeNet.Interop;

namespace NativeNet;

/// <summary>Which kernel implementation NativeNet runs on.</summary>
public enum Backend
{
    /// <summary>Native if the library loads, else managed (with one warning).</summary>
    Auto = 0,
    /// <summary>The C++ kernels; fails if the native library cannot load.</summary>
    Native = 1,
    /// <summary>The pure C# kernels.</summary>
    Managed = 2,
}

/// <summary>Facts about the running NativeNet: versions, CPU, threads and the native library.</summary>
public static unsafe class NativeNetRuntime
{
    /// <summary>The managed library's version (the NuGet package version).</summary>
    public static string Version { get; } =
        typeof(NativeNetRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            .Split('+')[0] ?? "0.0.0";

    /// <summary>The native library's version string (nn_version).</summary>
    public static string NativeVersion => NativeStatus.ReadString(NativeMethods.nn_version());

    /// <summary>The file the native library was loaded from, or null before it loads.</summary>
    public static string? NativeLibraryPath => NativeLibraryLoader.LoadedFrom;

    /// <summary>True when the native library can be loaded in this process.</summary>
    public static bool IsNativeAvailable => NativeLibraryLoader.TryLoad(out _);

    /// <summary>CPU features and the chosen kernel path (nn_cpu_info).</summary>
    public static CpuInfo Cpu
    {
        get
        {
            nn_cpu_info_t info;
            NativeStatus.Check(NativeMethods.nn_cpu_info(&info));
            return new CpuInfo(info.avx2 != 0, info.fma != 0, info.avx512f != 0, info.avx512bw != 0, info.avx512vl != 0,
                info.avx512dq != 0, info.avx512_vnni != 0, info.avx512_bf16 != 0, info.neon != 0,
                (Isa)info.best_isa, (Isa)info.chosen_isa, info.num_cores);
        }
    }

    /// <summary>
    /// Threads of the native pool (default: NATIVENET_NUM_THREADS, else all logical processors).
    /// Setting a value outside 1..1024 throws <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public static int Threads
    {
        get => NativeMethods.nn_get_num_threads();
        set
        {
            if (value < 1 || value > 1024)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Threads must be in [1, 1024]. Received: Threads={value}");
            NativeStatus.Check(NativeMethods.nn_set_num_threads(value));
        }
    }

    /// <summary>The name of an ISA as the native library spells it ("avx512").</summary>
    public static string IsaName(Isa isa) => NativeStatus.ReadString(NativeMethods.nn_isa_name((nn_isa)isa));
}
