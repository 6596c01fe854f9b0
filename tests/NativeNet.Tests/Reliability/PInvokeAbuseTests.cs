using System.Diagnostics;
using System.Reflection;
using NativeNet.Interop;

namespace NativeNet.Tests.Reliability;

/// <summary>
/// Every native entry point called with NULL pointers, negative or overflowing sizes, out-of-range
/// enums and mismatched shapes, plus the public API with disposed tensors and mismatched shapes
/// (tests/NativeNet.AbuseHelper holds the cases). They run in a child process so a native crash
/// fails this test instead of killing the test host; the helper prints which case it was in.
/// </summary>
public class PInvokeAbuseTests
{
    public sealed record HelperRun(int ExitCode, string[] Lines, string StdErr);

    private static HelperRun RunHelper(string? maxIsa)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "NativeNet.AbuseHelper.dll"));
        if (maxIsa is null) psi.Environment.Remove("NATIVENET_MAX_ISA");
        else psi.Environment["NATIVENET_MAX_ISA"] = maxIsa;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("the abuse helper did not finish in 120 s (a hang is a failure too)");
        }
        return new HelperRun(p.ExitCode, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), err.Result);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("scalar")]
    public void EveryAbuseCasePassesWithoutCrashing(string? maxIsa)
    {
        var run = RunHelper(maxIsa);
        var problems = new List<string>();
        string? current = null;
        foreach (var line in run.Lines)
        {
            if (line.StartsWith("case ", StringComparison.Ordinal)) current = line[5..];
            else if (line.StartsWith("FAIL ", StringComparison.Ordinal)) problems.Add($"{current}: {line[5..]}");
            else if (line.StartsWith("missing ", StringComparison.Ordinal)) problems.Add($"no abuse case for {line[8..]}");
        }
        bool finished = run.Lines.Length > 0 && run.Lines[^1].StartsWith("done ", StringComparison.Ordinal);
        if (!finished)
            problems.Add($"the helper died (exit code {run.ExitCode}) during case '{current}'; stderr: {run.StdErr}");
        Assert.True(problems.Count == 0 && run.ExitCode == 0,
            $"exit code {run.ExitCode}; {problems.Count} problem(s):\n" + string.Join('\n', problems));
    }

    [Fact]
    public void EveryNativeImportHasAnAbuseCase()
    {
        // Checked from this side too, so a helper that skipped its own coverage check cannot pass.
        var run = RunHelper(null);
        var covered = run.Lines.Where(l => l.StartsWith("case nn_", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[1]).ToHashSet();
        var imports = typeof(NativeMethods).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(m => m.Name.StartsWith("nn_", StringComparison.Ordinal)).Select(m => m.Name).Distinct().ToList();
        Assert.True(imports.Count >= 50, $"only {imports.Count} nn_* imports found by reflection");
        var uncovered = imports.Where(i => !covered.Contains(i)).ToList();
        Assert.True(uncovered.Count == 0, "no abuse case for: " + string.Join(", ", uncovered));
        // Disposed tensors and mismatched shapes through the public API are exercised as well.
        Assert.Contains(run.Lines, l => l.StartsWith("case public:disposed", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.StartsWith("case public:shapes", StringComparison.Ordinal));
    }
}
