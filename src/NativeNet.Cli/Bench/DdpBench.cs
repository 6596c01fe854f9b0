using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NativeNet.Distributed;
using NativeNet.Nn;
using NativeNet.Optim;

namespace NativeNet.Cli.Bench;

/// <summary>
/// `nativenet bench ddp`: data-parallel scaling on one machine. Started normally it is the
/// driver: it runs itself under mpirun with 1 rank and with N ranks, alternately, several times,
/// and prints each run and the speed-up (median and spread of the runs, which on a shared machine
/// is what can be trusted). Under mpirun it is a worker: every rank trains the seed CNN
/// (diabetes_cnn, 3×112×112, per-rank batch 16, Adam, one kernel thread) with
/// DistributedDataParallel and rank 0 reports the job's images/s; with more than one rank it also
/// times the all-reduce alone (algorithm bandwidth: bytes summed per second per rank).
/// </summary>
public static class DdpBench
{
    private const int Batch = 16;

    /// <summary>The driver: <paramref name="repeats"/> × (1 rank, then <paramref name="ranks"/> ranks).</summary>
    public static int Drive(BenchContext ctx, int ranks, int repeats, int steps, int bucketMb)
    {
        var one = new List<double>();
        var many = new List<double>();
        var bandwidth = new List<JsonElement>();
        for (int r = 0; r < repeats; r++)
        {
            foreach (int np in new[] { 1, ranks })
            {
                var result = RunWorkers(np, steps, bucketMb);
                double ips = result.GetProperty("images_per_s").GetDouble();
                (np == 1 ? one : many).Add(ips);
                if (np > 1) bandwidth.Add(result);
                ctx.Report("ddp", $"diabetes_cnn_np{np}", new Dictionary<string, double> { ["images_per_s"] = ips, ["step_ms"] = result.GetProperty("step_ms").GetDouble() });
            }
        }
        var speedups = one.Zip(many, (a, b) => b / a).Order().ToList();
        ctx.Report("ddp", $"speedup_np{ranks}_vs_np1", new Dictionary<string, double>
        {
            ["median"] = Median(speedups), ["min"] = speedups[0], ["max"] = speedups[^1], ["runs"] = speedups.Count,
        });
        foreach (var name in bandwidth[0].EnumerateObject().Select(p => p.Name).Where(n => n.StartsWith("allreduce_", StringComparison.Ordinal)))
        {
            var gbs = bandwidth.Select(b => b.GetProperty(name).GetDouble()).Order().ToList();
            ctx.Report("ddp", $"{name}_np{ranks}", new Dictionary<string, double> { ["gb_per_s_median"] = Median(gbs), ["min"] = gbs[0], ["max"] = gbs[^1] });
        }
        return 0;
    }

    /// <summary>One rank of a worker job; rank 0 prints one JSON line.</summary>
    public static int Work(TextWriter stdout, int steps, int bucketMb)
    {
        var world = ProcessGroup.World;
        Generator.ManualSeed(1);
        using var model = new Sequential(new Conv2d(3, 16, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Conv2d(16, 32, 3, padding: 1), new ReLU(),
            new MaxPool2d(2), new Flatten(), new Linear(32 * 28 * 28, 128), new ReLU(), new Linear(128, 2));
        var adam = new Adam(model.Parameters(), lr: 1e-3);
        var loss = new CrossEntropyLoss();
        using var ddp = new DistributedDataParallel(model, world, bucketMb * 1024 * 1024);
        using var x = Tensor.Randn(Batch, 3, 112, 112);
        using var y = Tensor.FromArray(Enumerable.Range(0, Batch).Select(i => (float)(i % 2)).ToArray(), Batch);
        void Step()
        {
            using var scope = Tensor.NewDisposeScope();
            var l = loss.Forward(model.Forward(x), y);
            adam.ZeroGrad();
            ddp.Backward(l, 1f / world.Size);
            adam.Step();
        }
        for (int i = 0; i < 2; i++) Step();
        world.Barrier();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        world.Barrier();
        double seconds = watch.Elapsed.TotalSeconds;
        var result = new Dictionary<string, double>
        {
            ["ranks"] = world.Size,
            ["images_per_s"] = steps * Batch * world.Size / seconds,
            ["step_ms"] = seconds * 1000 / steps,
        };
        if (world.Size > 1)
            foreach (int mb in new[] { 1, 13, 25 })
                result[$"allreduce_{mb}mb"] = AllReduceGbPerSecond(world, mb * 1024 * 1024 / sizeof(float));
        if (world.Rank == 0) stdout.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    // Median over 10 sums of n floats (after 2 warm-ups): bytes per second, in GB/s.
    private static double AllReduceGbPerSecond(ProcessGroup world, int n)
    {
        var buffer = new float[n];
        var times = new List<double>();
        for (int i = 0; i < 12; i++)
        {
            world.Barrier();
            var w = Stopwatch.StartNew();
            world.AllReduce(buffer);
            if (i >= 2) times.Add(w.Elapsed.TotalSeconds);
        }
        times.Sort();
        return n * (double)sizeof(float) / Median(times) / 1e9;
    }

    private static double Median(List<double> sorted) => sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : 0.5 * (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]);

    // mpirun -np N <this command> bench ddp --worker …; returns rank 0's JSON line.
    private static JsonElement RunWorkers(int np, int steps, int bucketMb)
    {
        var psi = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Environment.UserName == "root") psi.ArgumentList.Add("--allow-run-as-root");
        foreach (var a in new[] { "--oversubscribe", "-np", np.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
        string self = Environment.ProcessPath ?? "dotnet";
        psi.ArgumentList.Add(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(DdpBench).Assembly.Location);
        foreach (var a in new[] { "bench", "ddp", "--worker", "--threads", "1", "--steps", steps.ToString(CultureInfo.InvariantCulture), "--bucket-mb", bucketMb.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new CliInputException($"bench ddp needs mpirun on PATH (apt-get install openmpi-bin libopenmpi-dev): {e.Message}"); }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            // The JSON line may follow terminal control bytes the runtime wrote first.
            string? line = output.Split('\n').Where(l => l.Contains('{')).Select(l => l[l.IndexOf('{')..]).LastOrDefault();
            if (p.ExitCode != 0 || line is null)
                throw new InvalidOperationException($"mpirun -np {np} bench ddp --worker failed (exit code {p.ExitCode}): {err.Result.Trim()} {output.Trim()}");
            return JsonDocument.Parse(line).RootElement.Clone();
        }
    }
}
