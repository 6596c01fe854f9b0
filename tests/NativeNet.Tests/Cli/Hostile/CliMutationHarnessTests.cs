using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using NativeNet.Tests.Support;
using Xunit.Abstractions;

namespace NativeNet.Tests.Cli.Hostile;

/// <summary>
/// The CLI mutation harness: generated hostile command lines (<see cref="CliCaseGenerator"/>), each
/// run in a child process. Every case must exit 0 or 2, within 60 s and 1 GiB peak RSS; an exit 2
/// must print one line of at most 300 characters without control characters; no sentinel file
/// (FIFO, links, the file behind a link) may be replaced or written.
/// NATIVENET_CLI_CASES sets the number of cases (default 120, about a minute on two cores);
/// eng/reliability/cli-mutate.sh runs 10,000 and appends the figures to NATIVENET_CLI_REPORT.
/// </summary>
[Collection(NoParallel.Name)]
public class CliMutationHarnessTests(ITestOutputHelper output)
{
    private const long OneGiB = 1L << 30;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private sealed record Outcome(CliCase Case, ChildProcess.Measured Run, string? Problem);

    [Fact]
    public void Hostile_command_lines_exit_0_or_2_with_one_clear_line()
    {
        int cases = int.TryParse(Environment.GetEnvironmentVariable("NATIVENET_CLI_CASES"), out int n) && n > 0 ? n : 120;
        int workers = int.TryParse(Environment.GetEnvironmentVariable("NATIVENET_CLI_WORKERS"), out int w) && w > 0 ? w : Math.Min(4, Environment.ProcessorCount);
        int seed = int.TryParse(Environment.GetEnvironmentVariable("NATIVENET_CLI_SEED"), out int s) ? s : 20261204;
        string? report = Environment.GetEnvironmentVariable("NATIVENET_CLI_REPORT") is { Length: > 0 } r ? r : null;
        using var box = new CliSandbox();
        var generator = new CliCaseGenerator(seed, box);
        var outcomes = new ConcurrentBag<Outcome>();
        var sentinel = new ConcurrentQueue<string>();
        var gate = new object();
        int next = 0;
        var watch = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, workers).Select(k => new Thread(() =>
        {
            while (true)
            {
                int i = Interlocked.Increment(ref next) - 1;
                if (i >= cases) return;
                string dir = Path.Combine(box.Root, $"case{k}");
                Directory.CreateDirectory(dir);
                CliCase c;
                lock (gate) c = generator.Next(i, dir); // one seeded sequence, whatever the thread timing
                var run = ChildProcess.RunMeasured(new Dictionary<string, string?>(), Deadline, c.Args);
                outcomes.Add(new Outcome(c, run, Judge(run)));
                if (outcomes.Count % 250 == 0 && report is not null) // progress of long runs: figures so far
                    lock (gate) File.AppendAllText(report, $"  progress: {Summary(outcomes.ToList(), outcomes.Count, workers, seed, watch.Elapsed)}{Environment.NewLine}");
                if (box.Damage() is { } damage) sentinel.Enqueue($"case {i} ({c.Description}): {damage}");
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        watch.Stop();

        var all = outcomes.OrderBy(o => o.Case.Index).ToList();
        string summary = Summary(all, cases, workers, seed, watch.Elapsed);
        output.WriteLine(summary);
        if (report is not null) File.AppendAllText(report, summary + Environment.NewLine);

        var failures = all.Where(o => o.Problem is not null).ToList();
        Assert.True(failures.Count == 0 && sentinel.IsEmpty,
            $"{failures.Count} of {cases} cases failed, {sentinel.Count} damaged a sentinel:\n" +
            string.Join("\n", sentinel.Take(5).Concat(failures.Take(15).Select(f => $"- case {f.Case.Index} ({f.Case.Description}): {f.Problem}\n  args: {Show(f.Case.Args)}"))));
        // The generator must reach both outcomes, or it tests nothing.
        Assert.Contains(all, o => o.Run.ExitCode == 0);
        Assert.Contains(all, o => o.Run.ExitCode == 2);
    }

    private static string? Judge(ChildProcess.Measured r)
    {
        if (r.TimedOut) return $"still running after {Deadline.TotalSeconds} s";
        if (r.ExitCode is not (0 or 2)) return $"exit code {r.ExitCode}: {Cut(r.StdErr)}";
        if (r.PeakRssBytes > OneGiB) return $"peak RSS {r.PeakRssBytes >> 20} MiB";
        if (r.ExitCode == 2)
        {
            string err = r.StdErr.TrimEnd('\n');
            if (err.Contains('\n')) return $"{err.Count(c => c == '\n') + 1} error lines: {Cut(err)}";
            if (err.Length > 300) return $"error line of {err.Length} characters";
            if (err.Length == 0) return "exit 2 without a message";
            if (err.Any(c => c < 0x20 || c == 0x7F)) return $"raw control character in: {Cut(err)}";
        }
        return null;
    }

    private static string Summary(List<Outcome> all, int cases, int workers, int seed, TimeSpan wall)
    {
        var histogram = all.GroupBy(o => o.Run.TimedOut ? "timeout" : o.Run.ExitCode.ToString(CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"exit {g.Key}: {g.Count():N0}");
        var rss = all.MaxBy(o => o.Run.PeakRssBytes)!;
        var slow = all.MaxBy(o => o.Run.Elapsed)!;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"CLI mutation run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.MachineName}, {Environment.ProcessorCount} cores: ");
        sb.Append(CultureInfo.InvariantCulture, $"{cases:N0} cases (seed {seed}, {workers} workers) in {wall.TotalSeconds:F0} s; {string.Join(", ", histogram)}; ");
        sb.Append(CultureInfo.InvariantCulture, $"failures {all.Count(o => o.Problem is not null)}; ");
        sb.Append(CultureInfo.InvariantCulture, $"max peak RSS {rss.Run.PeakRssBytes / 1048576.0:F0} MiB (case {rss.Case.Index}: {rss.Case.Description}); ");
        sb.Append(CultureInfo.InvariantCulture, $"max time {slow.Run.Elapsed.TotalSeconds:F1} s (case {slow.Case.Index}: {slow.Case.Description})");
        return sb.ToString();
    }

    private static string Cut(string s) => s.Length > 300 ? s[..300] + "…" : s;

    private static string Show(string[] args) => Cut(string.Join(' ', args.Select(a => a.Length > 60 ? a[..60] + "…" : a)));
}
