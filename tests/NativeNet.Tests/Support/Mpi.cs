using System.Diagnostics;

namespace NativeNet.Tests.Support;

/// <summary>
/// Starts a job under Open MPI's mpirun (on the test machine: apt-get install openmpi-bin
/// libopenmpi-dev, as .ci/run does) and finds its rank processes, for the multi-process tests.
/// </summary>
internal sealed class MpiJob : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout, _stderr;

    private MpiJob(Process p)
    {
        _process = p;
        _stdout = p.StandardOutput.ReadToEndAsync();
        _stderr = p.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts `mpirun -np <paramref name="ranks"/> dotnet <paramref name="dll"/> args…`.</summary>
    public static MpiJob Start(int ranks, string dll, IDictionary<string, string>? env, params string[] args)
    {
        string mpirun = FindMpirun();
        var psi = new ProcessStartInfo(mpirun) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(), "dotnet", Path.Combine(AppContext.BaseDirectory, dll) }.Concat(args))
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return new MpiJob(Process.Start(psi)!);
    }

    /// <summary>Runs a job to its end (at most <paramref name="limit"/>); a job that outlives it is killed and fails the test.</summary>
    public static (int ExitCode, string Output) Run(int ranks, string dll, TimeSpan limit, IDictionary<string, string>? env, params string[] args)
    {
        using var job = Start(ranks, dll, env, args);
        return job.WaitForExit(limit) ?? throw new Xunit.Sdk.XunitException($"mpirun -np {ranks} {dll} {string.Join(' ', args)} did not end within {limit.TotalSeconds} s:\n{job.KillAndCollect()}");
    }

    /// <summary>Exit code and stdout+stderr, or null if the job still runs after <paramref name="limit"/>.</summary>
    public (int ExitCode, string Output)? WaitForExit(TimeSpan limit)
    {
        if (!_process.WaitForExit(limit)) return null;
        _process.WaitForExit();
        return (_process.ExitCode, _stdout.Result + _stderr.Result);
    }

    /// <summary>The process id of rank <paramref name="rank"/>, once mpirun has started it (null after <paramref name="limit"/>).</summary>
    public int? RankPid(int rank, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < until && !_process.HasExited)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
                try
                {
                    if (ParentPid(dir) != _process.Id) continue;
                    var environ = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0');
                    if (environ.Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
            Thread.Sleep(100);
        }
        return null;
    }

    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'.
    private static int ParentPid(string dir)
    {
        string stat = File.ReadAllText(Path.Combine(dir, "stat"));
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[1]);
    }

    public string KillAndCollect()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit();
        return _stdout.Result + _stderr.Result;
    }

    public void Dispose()
    {
        if (!_process.HasExited) KillAndCollect();
        _process.Dispose();
    }

    private static string FindMpirun()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            if (File.Exists(Path.Combine(dir, "mpirun"))) return Path.Combine(dir, "mpirun");
        throw new Xunit.Sdk.XunitException("mpirun is not on PATH: the distributed tests need Open MPI (apt-get install openmpi-bin libopenmpi-dev).");
    }
}
