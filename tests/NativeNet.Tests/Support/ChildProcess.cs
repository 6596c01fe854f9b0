using System.Diagnostics;

namespace NativeNet.Tests.Support;

/// <summary>
/// Runs the CLI in a child process, for what one process cannot test twice (the ISA cap and the
/// library path are read once) and so that a crash counts as a failure, not a dead test host.
/// </summary>
internal static class ChildProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "NativeNet.Cli.dll");

    public static Result RunCli(IDictionary<string, string?> env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"nativenet {string.Join(' ', args)} did not finish in 120 s");
        }
        return new Result(p.ExitCode, output, err.Result);
    }
}
