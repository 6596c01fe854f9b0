using System.Reflection;
using System.Runtime.InteropServices;

namespace NativeNet.Interop;

/// <summary>
/// Finds libnativenet for this process: NATIVENET_NATIVE_PATH (a file or folder), then
/// runtimes/&lt;rid&gt;/native beside the assembly and the app (the NuGet layout), then the
/// assembly folder, then the OS search path. On failure the exception lists every path tried.
/// </summary>
internal static class NativeLibraryLoader
{
    private static readonly object Gate = new();
    private static nint _handle;
    private static string? _loadedFrom;
    private static DllNotFoundException? _failure;

    /// <summary>Registers the resolver for NativeMethods' imports. Idempotent.</summary>
    internal static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
            _registered = true;
        }
    }

    private static bool _registered;

    /// <summary>Where the library was loaded from, once loaded.</summary>
    internal static string? LoadedFrom => _loadedFrom;

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != NativeMethods.LibraryName) return 0;
        return Load();
    }

    /// <summary>Loads the library (once) or throws a DllNotFoundException naming every candidate.</summary>
    internal static nint Load()
    {
        lock (Gate)
        {
            if (_handle != 0) return _handle;
            if (_failure is not null) throw _failure;
            var tried = new List<string>();
            foreach (string candidate in Candidates(FileName, "NATIVENET_NATIVE_PATH"))
            {
                tried.Add(candidate);
                if (!File.Exists(candidate)) continue;
                if (NativeLibrary.TryLoad(candidate, out _handle))
                {
                    _loadedFrom = candidate;
                    return _handle;
                }
                tried[^1] += " (exists but failed to load: wrong architecture or missing dependency?)";
            }
            if (NativeLibrary.TryLoad(FileName, out _handle))
            {
                _loadedFrom = FileName + " (OS search path)";
                return _handle;
            }
            tried.Add(FileName + " (OS search path)");
            _failure = new DllNotFoundException(
                $"NativeNet could not load its native library '{FileName}' for {RuntimeInformation.RuntimeIdentifier}. " +
                "Tried:\n  " + string.Join("\n  ", tried) +
                "\nBuild it with `dotnet build` (needs CMake and a C++17 compiler), set NATIVENET_NATIVE_PATH, " +
                "or use the managed backend.");
            throw _failure;
        }
    }

    /// <summary>Whether the library can be loaded, without throwing.</summary>
    internal static bool TryLoad(out string? error)
    {
        try
        {
            Load();
            error = null;
            return true;
        }
        catch (DllNotFoundException e)
        {
            error = e.Message;
            return false;
        }
    }

    internal static string FileName =>
        OperatingSystem.IsWindows() ? "nativenet.dll" : OperatingSystem.IsMacOS() ? "libnativenet.dylib" : "libnativenet.so";

    /// <summary>Where to look for native library <paramref name="fileName"/>: the override <paramref name="envVar"/> (file or folder), then the NuGet layout beside the assembly and the app.</summary>
    internal static IEnumerable<string> Candidates(string fileName, string envVar)
    {
        string? env = Environment.GetEnvironmentVariable(envVar);
        if (!string.IsNullOrEmpty(env))
            yield return Directory.Exists(env) ? Path.Combine(env, fileName) : env;
        string rid = RuntimeInformation.RuntimeIdentifier;
        string portableRid = (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-" +
                             RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var folders = new List<string>();
        string asmDir = Path.GetDirectoryName(typeof(NativeLibraryLoader).Assembly.Location) ?? "";
        foreach (string root in new[] { asmDir, AppContext.BaseDirectory })
        {
            if (string.IsNullOrEmpty(root)) continue;
            folders.Add(Path.Combine(root, "runtimes", rid, "native"));
            folders.Add(Path.Combine(root, "runtimes", portableRid, "native"));
            folders.Add(root);
        }
        foreach (string f in folders.Distinct()) yield return Path.Combine(f, fileName);
    }
}
