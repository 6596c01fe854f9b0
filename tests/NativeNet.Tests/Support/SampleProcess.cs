using System.Diagnostics;

namespace NativeNet.Tests.Support;

/// <summary>Runs a sample (built beside the tests: the test project references every samples/*/*.csproj) in a child process, in its small mode.</summary>
internal static class SampleProcess
{
    /// <summary>
    /// The exit code, standard output and standard error of <c>dotnet Sample.dll args…</c> with
    /// NATIVENET_SAMPLE_SMALL=1, run in a temporary working folder (where a sample writes its
    /// outputs; deleted afterwards); fails the test after 120 s.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string sample, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, sample + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project references every samples/*/*.csproj");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NATIVENET_SAMPLE_SMALL"] = "1";
        using var cwd = new Cli.TempFolder();
        psi.WorkingDirectory = cwd.Path;
        using var p = Process.Start(psi)!;
        var errTask = p.StandardError.ReadToEndAsync();
        var outTask = p.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{sample} {string.Join(' ', args)} did not finish in 120 s");
        }
        return (p.ExitCode, await outTask, await errTask);
    }
}
