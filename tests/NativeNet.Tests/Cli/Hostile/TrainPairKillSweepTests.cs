using System.Diagnostics;
using System.Globalization;
using NativeNet.Cli.Commands;
using NativeNet.Cli.Safety;
using NativeNet.Tests.Support;
using Xunit.Abstractions;

namespace NativeNet.Tests.Cli.Hostile;

/// <summary>
/// `train` replaces its model and report together: runs killed (SIGKILL) at random moments of their
/// final second must leave, once a reader has opened the folder (which carries out a pending commit
/// record), a matching pair — the model's run id (metadata) is the one the report shows and the
/// report names the model file's SHA-256 — never a new model beside an old report. Kills that left a
/// commit record to complete are counted. NATIVENET_KILL_SWEEP sets the number of kills (default 3;
/// eng/reliability/cli-mutate.sh runs 200).
/// </summary>
[Collection(NoParallel.Name)]
public class TrainPairKillSweepTests(ITestOutputHelper output)
{
    [Fact]
    public void Kills_in_the_final_second_leave_no_mixed_pair()
    {
        int kills = int.TryParse(Environment.GetEnvironmentVariable("NATIVENET_KILL_SWEEP"), out int n) && n > 0 ? n : 3;
        using var tmp = new TempFolder();
        string data = tmp.Write("table.csv", HostileFiles.Table(40));
        string outDir = tmp.File("out");
        string[] Args(int seed) => ["train", "--data", data, "--epochs", "2", "--folds", "2", "--model", "mlp:8", "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", outDir];

        var first = ChildProcess.RunMeasured(new Dictionary<string, string?>(), TimeSpan.FromSeconds(120), Args(0));
        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Null(Mismatch(outDir));
        double full = first.Elapsed.TotalMilliseconds;

        var rng = new Random(20261204);
        int killed = 0, finished = 0, mixed = 0, completed = 0, completedMixed = 0;
        var problems = new List<string>();
        for (int i = 1; i <= kills; i++)
        {
            int delay = (int)Math.Max(0, full - rng.NextDouble() * 1000);
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(ChildProcess.CliDll);
            foreach (var a in Args(i)) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (p.WaitForExit(delay)) finished++;
            else { p.Kill(); p.WaitForExit(); killed++; }
            // A kill between the first and the last rename leaves a mixed pair and the record that completes it.
            if (Directory.GetFiles(outDir, ".nativenet-commit.*").Any(f => !f.EndsWith(".tmp", StringComparison.Ordinal)))
            {
                completed++;
                if (Mismatch(outDir) is not null) completedMixed++;
            }
            OutputFiles.CompletePending(outDir); // what evaluate, predict, export and the next train do first
            if (Mismatch(outDir) is { } problem) { mixed++; problems.Add($"kill {i} after {delay} ms: {problem}"); }
        }
        string line = $"train kill sweep: {kills} runs, {killed} killed in their final second, {finished} finished first, {completed} left a commit record ({completedMixed} of them a mixed pair until it was carried out), {mixed} mixed pairs (full run {full / 1000:F1} s)";
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("NATIVENET_CLI_REPORT") is { Length: > 0 } report) File.AppendAllText(report, line + Environment.NewLine);
        Assert.True(mixed == 0, string.Join("\n", problems));
    }

    // Null when out/ holds a model and a report of the same run.
    private static string? Mismatch(string outDir)
    {
        string model = Path.Combine(outDir, "model.safetensors"), report = Path.Combine(outDir, "report.html");
        if (!File.Exists(model) || !File.Exists(report)) return "the model or the report is missing";
        string? run = HostileFiles.Metadata(model, "nativenet.run_id");
        if (run is null) return "the model has no run id";
        if (!File.ReadAllText(report).Contains(run, StringComparison.Ordinal)) return $"the report is not of the model's run {run}";
        return TrainOutputs.Mismatch(model, report);
    }
}
