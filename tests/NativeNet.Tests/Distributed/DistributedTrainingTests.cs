using System.Diagnostics;
using NativeNet.Serialization;
using NativeNet.Tests.Cli;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Distributed;

/// <summary>
/// Two-rank jobs under mpirun (tests/NativeNet.DistributedHelper and the CLI): N ranks × batch b
/// train the same weights as one process with batch N·b (float summation order aside: within
/// 1e-4), checkpoints resume on another number of ranks, and a hung or killed rank ends the job
/// with an error naming it instead of a hang.
/// </summary>
[Collection(nameof(NoParallel))]
public class DistributedTrainingTests
{
    private const float Tolerance = 1e-4f;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [Fact]
    public void TwoRanksOfTheCliTrainTheWeightsOfOneProcessWithTheDoubleBatch()
    {
        using var dir = new TempFolder();
        string[] common = ["train", "--seed", "1", "--epochs", "6", "--folds", "2", "--json"];
        var (code, output) = MpiJob.Run(2, "NativeNet.Cli.dll", Limit, null, [.. common, "--distributed", "--batch-size", "16", "--threads", "1", "--out", dir.File("two")]);
        Assert.True(code == 0, output);
        var one = CliRun.Run([.. common, "--batch-size", "32", "--out", dir.File("one")]);
        var expected = one.Json();
        var actual = System.Text.Json.JsonDocument.Parse(output.Split('\n').Last(l => l.StartsWith('{'))).RootElement;
        foreach (var metric in new[] { "accuracy", "sensitivity", "specificity", "roc_auc", "per_class", "confusion_matrix" })
            AssertSameNumbers(expected.GetProperty(metric), actual.GetProperty(metric), metric);
        AssertSameWeights(dir.File("one/model.safetensors"), dir.File("two/model.safetensors"));
        // Rank 0 alone prints: one JSON summary, one copy of the fold lines.
        Assert.Single(output.Split('\n'), l => l.StartsWith('{'));
    }

    [Fact]
    public void BucketsOfAnySizeAndACheckpointResumedOnOneRankGiveTheSameWeights()
    {
        using var dir = new TempFolder();
        const string helper = "NativeNet.DistributedHelper.dll";
        // Two ranks × 8 with the default (one) bucket, with 64-byte buckets (one per parameter or so),
        // and with every gradient summed in place (no bucket buffer).
        Expect(MpiJob.Run(2, helper, Limit, null, "--out", dir.File("two.safetensors"), "--batch", "8", "--epochs", "4"));
        Expect(MpiJob.Run(2, helper, Limit, null, "--out", dir.File("small-buckets.safetensors"), "--batch", "8", "--epochs", "4", "--bucket-bytes", "64"));
        Expect(MpiJob.Run(2, helper, Limit, null, "--out", dir.File("in-place.safetensors"), "--batch", "8", "--epochs", "4", "--in-place-bytes", "4"));
        // Two ranks stop after epoch 2 with a checkpoint; one rank × 16 finishes from it.
        Expect(MpiJob.Run(2, helper, Limit, null, "--batch", "8", "--epochs", "4", "--checkpoint", dir.File("ckpt.safetensors"), "--stop-after", "2"));
        Expect(MpiJob.Run(1, helper, Limit, null, "--out", dir.File("resumed.safetensors"), "--batch", "16", "--epochs", "4", "--resume", dir.File("ckpt.safetensors")));
        // And one rank × 16 from the start.
        Expect(MpiJob.Run(1, helper, Limit, null, "--out", dir.File("one.safetensors"), "--batch", "16", "--epochs", "4"));
        AssertSameWeights(dir.File("two.safetensors"), dir.File("small-buckets.safetensors"), exact: true);
        AssertSameWeights(dir.File("two.safetensors"), dir.File("in-place.safetensors"), exact: true);
        AssertSameWeights(dir.File("one.safetensors"), dir.File("two.safetensors"));
        AssertSameWeights(dir.File("one.safetensors"), dir.File("resumed.safetensors"));
    }

    [Fact]
    public void AHungRankIsNamedAndTheJobEndsWithAnError()
    {
        var env = new Dictionary<string, string> { ["NATIVENET_DIST_TIMEOUT"] = "3" };
        using var job = MpiJob.Start(2, "NativeNet.Cli.dll", env, "train", "--distributed", "--epochs", "100000", "--threads", "1", "--out", Path.GetTempPath() + "nn-never");
        int pid = job.RankPid(1, TimeSpan.FromSeconds(60)) ?? throw new Xunit.Sdk.XunitException("rank 1 never started:\n" + job.KillAndCollect());
        Thread.Sleep(TimeSpan.FromSeconds(8));  // past start-up, inside training
        var stop = Stopwatch.StartNew();
        Process.Start("kill", ["-STOP", pid.ToString()])!.WaitForExit();
        var end = job.WaitForExit(TimeSpan.FromSeconds(60)) ?? throw new Xunit.Sdk.XunitException("the job still ran 60 s after rank 1 hung:\n" + job.KillAndCollect());
        Assert.NotEqual(0, end.ExitCode);
        Assert.Contains("lost rank 1", end.Output);
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(30), $"ended after {stop.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void AKilledRankEndsTheJobWithAnErrorNamingIt()
    {
        using var job = MpiJob.Start(2, "NativeNet.Cli.dll", null, "train", "--distributed", "--epochs", "100000", "--threads", "1", "--out", Path.GetTempPath() + "nn-never");
        int pid = job.RankPid(1, TimeSpan.FromSeconds(60)) ?? throw new Xunit.Sdk.XunitException("rank 1 never started:\n" + job.KillAndCollect());
        Thread.Sleep(TimeSpan.FromSeconds(8));
        Process.Start("kill", ["-KILL", pid.ToString()])!.WaitForExit();
        var end = job.WaitForExit(TimeSpan.FromSeconds(60)) ?? throw new Xunit.Sdk.XunitException("the job still ran 60 s after rank 1 died:\n" + job.KillAndCollect());
        Assert.NotEqual(0, end.ExitCode);
        Assert.Matches("rank 1", end.Output);
    }

    // Every number of the summary (estimates, intervals, counts) agrees to within JSON rounding.
    private static void AssertSameNumbers(System.Text.Json.JsonElement expected, System.Text.Json.JsonElement actual, string path)
    {
        switch (expected.ValueKind)
        {
            case System.Text.Json.JsonValueKind.Object:
                foreach (var p in expected.EnumerateObject()) AssertSameNumbers(p.Value, actual.GetProperty(p.Name), $"{path}.{p.Name}");
                break;
            case System.Text.Json.JsonValueKind.Array:
                Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
                for (int i = 0; i < expected.GetArrayLength(); i++) AssertSameNumbers(expected[i], actual[i], $"{path}[{i}]");
                break;
            case System.Text.Json.JsonValueKind.Number:
                Assert.True(Math.Abs(expected.GetDouble() - actual.GetDouble()) <= 2e-6, $"{path}: {expected} vs {actual}");
                break;
            default:
                Assert.Equal(expected.ToString(), actual.ToString());
                break;
        }
    }

    private static void Expect((int ExitCode, string Output) run) => Assert.True(run.ExitCode == 0, run.Output);

    private static void AssertSameWeights(string expectedPath, string actualPath, bool exact = false)
    {
        var expected = StateDictFile.Load(expectedPath);
        var actual = StateDictFile.Load(actualPath);
        try
        {
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, e) in expected)
            {
                var a = actual[name].ToArray();
                var x = e.ToArray();
                float worst = 0;
                for (int i = 0; i < x.Length; i++) worst = Math.Max(worst, Math.Abs(x[i] - a[i]));
                Assert.True(exact ? worst == 0 : worst <= Tolerance, $"{name}: max |difference| {worst} (allowed {(exact ? 0 : Tolerance)})");
            }
        }
        finally
        {
            foreach (var t in expected.Values.Concat(actual.Values)) t.Dispose();
        }
    }
}
