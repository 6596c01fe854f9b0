using System.Diagnostics;
using System.Globalization;

namespace NativeNet.Tests.Support;

/// <summary>
/// Runs the CLI in a child process, for what one process cannot test twice (the ISA cap and the
/// library path are read once) and so that a crash counts as a failure, not a dead test host.
/// </summary>
internal static class ChildProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>A measured run: exit code (-1 when killed at the deadline), output, peak resident memory, wall time.</summary>
    public sealed record Measured(int ExitCode, string StdOut, string StdErr, long PeakRssBytes, TimeSpan Elapsed, bool TimedOut)
    {
        /// <summary>The first line of stderr.</summary>
        public string FirstErrorLine => StdErr.Split('\n')[0].TrimEnd('\r');
    }

    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "NativeNet.Cli.dll");

    public static Result RunCli(IDictionary<string, string?> env, params string[] args)
    {
        var r = RunMeasured(env, TimeSpan.FromSeconds(120), args);
        if (r.TimedOut) throw new TimeoutException($"nativenet {string.Join(' ', args)} did not finish in 120 s");
        return new Result(r.ExitCode, r.StdOut, r.StdErr);
    }

    /// <summary>
    /// Runs `nativenet <paramref name="args"/>`, killing it at <paramref name="timeout"/>. Peak RSS is
    /// the kernel's high-water mark (VmHWM), sampled every 5 ms while the process lives, so it is exact
    /// up to what the last 5 ms add.
    /// </summary>
    public static Measured RunMeasured(IDictionary<string, string?> env, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        var watch = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        long peak = 0;
        bool timedOut = false;
        while (!p.WaitForExit(5))
        {
            peak = Math.Max(peak, HighWaterMark(p.Id));
            if (watch.Elapsed > timeout)
            {
                timedOut = true;
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                break;
            }
        }
        p.WaitForExit(); // drains the redirected streams
        return new Measured(timedOut ? -1 : p.ExitCode, output.Result, err.Result, peak, watch.Elapsed, timedOut);
    }

    // VmHWM of /proc/<pid>/status in bytes; 0 once the process is gone (or off Linux).
    private static long HighWaterMark(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }
}
