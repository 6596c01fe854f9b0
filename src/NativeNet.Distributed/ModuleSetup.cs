using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NativeNet.Distributed.Interop;
using NativeNet.Interop;
using NativeNet.Training;

// Every P/Invoke here is blittable (generated from nativenet_dist.h), as in the core.
[assembly: DisableRuntimeMarshalling]

namespace NativeNet.Distributed;

/// <summary>Runs when this assembly loads: finds libnativenet_mpi for its imports and offers Fit(…, distributed: true) its implementation.</summary>
internal static class ModuleSetup
{
    // A library module initializer on purpose: the core loads this assembly by name for
    // Fit(…, distributed: true) and has no other way to reach its types.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        NativeLibrary.SetDllImportResolver(typeof(ModuleSetup).Assembly, Resolve);
        DataParallel.Factory ??= model => new DistributedDataParallel(model);
    }

    /// <summary>libnativenet_mpi's file name on this OS.</summary>
    internal static string FileName =>
        OperatingSystem.IsWindows() ? "nativenet_mpi.dll" : OperatingSystem.IsMacOS() ? "libnativenet_mpi.dylib" : "libnativenet_mpi.so";

    // NATIVENET_MPI_PATH (file or folder), the NuGet layout beside the assembly and the app, then the OS search path.
    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != DistMethods.LibraryName) return 0;
        var tried = new List<string>();
        foreach (string candidate in NativeLibraryLoader.Candidates(FileName, "NATIVENET_MPI_PATH"))
        {
            tried.Add(candidate);
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out nint handle)) return handle;
        }
        if (NativeLibrary.TryLoad(FileName, out nint fromPath)) return fromPath;
        throw new DllNotFoundException(
            $"Distributed training needs '{FileName}' (built by `dotnet build` where CMake finds MPI: apt-get install libopenmpi-dev). " +
            "Tried:\n  " + string.Join("\n  ", tried) + $"\n  {FileName} (OS search path)");
    }
}
