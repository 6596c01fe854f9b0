using System.Diagnostics;

namespace NativeNet.Tests.Parity;

/// <summary>
/// Runs shared/parity/make_vision_fixtures.py (Debian's python3-torch and python3-torchvision) once
/// per test run into a temporary folder: the layer fixtures with another seed and the whole
/// torchvision backbones. NATIVENET_FIXTURE_SEED picks the seed (default 1; the stored set uses 0),
/// NATIVENET_PYTHON the interpreter. A generator failure becomes one failing case with its output.
/// </summary>
public static class GeneratedFixtures
{
    private static readonly Lazy<(string? Folder, string? Error)> Generated = new(Generate);

    public static IEnumerable<object[]> Cases()
    {
        var (folder, error) = Generated.Value;
        if (folder is null)
        {
            yield return new object[] { "make_vision_fixtures.py", "native", "generator failed: " + error };
            yield break;
        }
        foreach (var f in Directory.EnumerateFiles(folder, "*.safetensors").OrderBy(f => f, StringComparer.Ordinal))
            foreach (var b in new[] { "native", "managed" })
                yield return new object[] { Path.GetFileName(f), b, f };
    }

    /// <summary>The generated whole-model fixtures (metadata op "model"), native backend only.</summary>
    public static IEnumerable<object[]> ModelCases()
    {
        var (folder, error) = Generated.Value;
        if (folder is null)
        {
            yield return new object[] { "make_vision_fixtures.py", "generator failed: " + error };
            yield break;
        }
        foreach (var f in Directory.EnumerateFiles(folder, "*.safetensors").OrderBy(f => f, StringComparer.Ordinal))
        {
            using var fixture = new Fixture(f);
            if (fixture.Op == "model") yield return new object[] { Path.GetFileName(f), f };
        }
    }

    private static (string?, string?) Generate()
    {
        string? script = ParityFixtures.Folders().Select(d => Path.Combine(d, "make_vision_fixtures.py")).FirstOrDefault(File.Exists);
        if (script is null) return (null, "make_vision_fixtures.py not found in the parity folder");
        string seed = Environment.GetEnvironmentVariable("NATIVENET_FIXTURE_SEED") is { Length: > 0 } s ? s : "1";
        string python = Environment.GetEnvironmentVariable("NATIVENET_PYTHON") is { Length: > 0 } p ? p
            : File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        string folder = Path.Combine(Path.GetTempPath(), $"nativenet-fixtures-{Environment.ProcessId}-{seed}");
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(folder);
        psi.ArgumentList.Add(seed);
        try
        {
            using var proc = Process.Start(psi)!;
            var stdout = proc.StandardOutput.ReadToEndAsync();
            string stderr = proc.StandardError.ReadToEnd();
            if (!proc.WaitForExit(300_000))
            {
                proc.Kill(true);
                return (null, $"{python} {script} did not finish in 300 s");
            }
            return proc.ExitCode == 0 ? (folder, null) : (null, $"{python} {script} exited with {proc.ExitCode}: {stderr.Trim()} {stdout.Result.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, $"cannot run {python}: {e.Message}");
        }
    }
}
