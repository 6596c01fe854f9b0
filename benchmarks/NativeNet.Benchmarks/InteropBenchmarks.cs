using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using NativeNet;

namespace NativeNet.Benchmarks;

/// <summary>
/// The cost of one empty call into libnativenet (nn_abi_version returns a constant) through each
/// interop mechanism .NET offers. Tells which calls deserve [SuppressGCTransition].
/// </summary>
[BenchmarkCategory("interop")]
[MemoryDiagnoser]
public unsafe partial class InteropBenchmarks
{
    private delegate* unmanaged<int> _fnptr;

    [GlobalSetup]
    public void Setup()
    {
        _ = NativeNetRuntime.NativeVersion;  // loads the library through the resolver
        nint lib = NativeLibrary.Load(NativeNetRuntime.NativeLibraryPath!.Split(' ')[0]);
        _fnptr = (delegate* unmanaged<int>)NativeLibrary.GetExport(lib, "nn_abi_version");
        DllImportResolver.Register(NativeNetRuntime.NativeLibraryPath!.Split(' ')[0]);
    }

    [Benchmark(Baseline = true)]
    public int DllImport() => Imports.nn_abi_version_dllimport();

    [Benchmark]
    public int LibraryImport() => Imports.nn_abi_version_libraryimport();

    [Benchmark]
    public int LibraryImportSuppressGCTransition() => Imports.nn_abi_version_suppressed();

    [Benchmark]
    public int FunctionPointer() => _fnptr();
}

internal static partial class Imports
{
    [DllImport("nativenet_bench", EntryPoint = "nn_abi_version")]
    internal static extern int nn_abi_version_dllimport();

    [LibraryImport("nativenet_bench", EntryPoint = "nn_abi_version")]
    internal static partial int nn_abi_version_libraryimport();

    [LibraryImport("nativenet_bench", EntryPoint = "nn_abi_version")]
    [SuppressGCTransition]
    internal static partial int nn_abi_version_suppressed();
}

/// <summary>Maps the benchmark's own library name onto the file NativeNet loaded.</summary>
internal static class DllImportResolver
{
    private static string? _path;

    public static void Register(string path)
    {
        if (_path is not null) return;
        _path = path;
        NativeLibrary.SetDllImportResolver(typeof(DllImportResolver).Assembly,
            (name, _, _) => name == "nativenet_bench" ? NativeLibrary.Load(_path) : 0);
    }
}
