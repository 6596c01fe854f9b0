using System.Collections.Concurrent;
using System.Diagnostics;

namespace NativeNet.Tests.Support;

/// <summary>
/// Runs /usr/bin/python3 (Debian's python3-torch and python3-onnx live there) for cross-checks
/// against PyTorch and ONNX. Availability is probed once per module set.
/// </summary>
internal static class Python
{
    public const string Executable = "/usr/bin/python3";

    private static readonly ConcurrentDictionary<string, string?> Probes = new();

    /// <summary>Null when every module imports; otherwise why not.</summary>
    public static string? Unavailable(params string[] modules)
    {
        string key = string.Join(",", modules);
        return Probes.GetOrAdd(key, _ =>
        {
            if (!File.Exists(Executable)) return $"{Executable} not found";
            try
            {
                var r = Run(TimeSpan.FromSeconds(120), "-c", "import " + key);
                return r.ExitCode == 0 ? null
                    : $"{Executable} cannot import {key} (apt-get install python3-torch python3-onnx): {r.StdErr.Trim().Split('\n')[^1]}";
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
            {
                return $"{Executable} failed to start: {e.Message}";
            }
        });
    }

    public static ChildProcess.Result Run(TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit((int)timeout.TotalMilliseconds))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"python3 {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s");
        }
        return new ChildProcess.Result(p.ExitCode, output.Result, err.Result);
    }

    /// <summary>Runs a script from the test output's Serialization/Python folder; fails the test on a non-zero exit.</summary>
    public static string RunScript(string script, params string[] args)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Serialization", "Python", script);
        var r = Run(TimeSpan.FromSeconds(300), [path, .. args]);
        Assert.True(r.ExitCode == 0, $"python3 {script} {string.Join(' ', args)} exited {r.ExitCode}\nstdout: {r.StdOut}\nstderr: {r.StdErr}");
        return r.StdOut;
    }
}

/// <summary>
/// A fact that runs only when /usr/bin/python3 can import the given modules, and is otherwise
/// reported as skipped with the reason (xunit 2 has no Assert.Skip, so the attribute sets Skip at
/// discovery).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute(params string[] modules)
    {
        if (Python.Unavailable(modules) is { } reason) Skip = "Skipped: " + reason;
    }
}
