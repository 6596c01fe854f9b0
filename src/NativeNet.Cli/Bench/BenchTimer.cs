using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NativeNet.Cli.Bench;

/// <summary>
/// Times one case: warm-up runs, then repetitions until both a minimum count and a minimum total
/// time are reached; reports the median, which shrugs off the odd slow run on a shared machine.
/// NN_BENCH_CLOCK=cpu (Linux) times process CPU time instead of wall time, as the native benches
/// do: on an oversubscribed machine that is what a 1-thread run would take alone (N threads: N × wall).
/// </summary>
public static partial class BenchTimer
{
    private static readonly bool CpuClock =
        Environment.GetEnvironmentVariable("NN_BENCH_CLOCK") == "cpu" && OperatingSystem.IsLinux();

    /// <summary>
    /// Median milliseconds of <paramref name="body"/>. The warm-up runs at least
    /// <paramref name="warmup"/> times and at least <paramref name="warmupMs"/> of wall time, so a
    /// microsecond-scale body is measured on the JIT's optimized (tier-1) code, not the quick first
    /// compilation it starts on.
    /// </summary>
    public static double MedianMs(Action body, int warmup = 2, int minReps = 5, double minTotalMs = 300, double warmupMs = 500)
    {
        var wall = Stopwatch.StartNew();
        for (int i = 0; i < warmup || wall.Elapsed.TotalMilliseconds < warmupMs; i++) body();
        var times = new List<double>();
        double total = 0;
        while (times.Count < minReps || (total < minTotalMs && times.Count < 1000))
        {
            double start = NowMs();
            body();
            double ms = NowMs() - start;
            times.Add(ms);
            total += ms;
        }
        times.Sort();
        int n = times.Count;
        return n % 2 == 1 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
    }

    /// <summary>
    /// Milliseconds per call timed as ../shared/anchors/gemm_anchor.c times OpenBLAS and oneDNN, so
    /// the two compare like with like: after the warm-up, 7 batches of ⌊4·10⁹ / flop⌋ + 1 calls each
    /// (about 4 GFLOP a batch), and the best batch's mean per call. Best-of-batches measures what
    /// the code does when it is not interrupted; a median of single calls on a shared machine
    /// would count the other processes' time against one side only. One difference: a batch is
    /// also capped at about <paramref name="maxBatchMs"/> (from the warm-up's time per call), so a
    /// shape of a few hundred FLOPs, whose 4-GFLOP batch would be millions of calls, takes seconds
    /// rather than minutes; its time per call is the call's fixed cost either way.
    /// </summary>
    public static double BestBatchMs(Action body, double flop, double warmupMs = 500, double maxBatchMs = 250)
    {
        var wall = Stopwatch.StartNew();
        long warm = 0;
        for (; warm < 2 || wall.Elapsed.TotalMilliseconds < warmupMs; warm++) body();
        double perCallMs = wall.Elapsed.TotalMilliseconds / warm;
        long reps = Math.Min((long)(4e9 / Math.Max(flop, 1.0)) + 1, Math.Max(1L, (long)(maxBatchMs / perCallMs)));
        double best = double.MaxValue;
        for (int batch = 0; batch < 7; batch++)
        {
            double start = NowMs();
            for (long i = 0; i < reps; i++) body();
            best = Math.Min(best, (NowMs() - start) / reps);
        }
        return best;
    }

    private static double NowMs()
    {
        if (!CpuClock) return Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        var ts = default(TimeSpec);
        if (ClockGetTime(ProcessCpuTimeId, ref ts) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
        return ts.Seconds * 1e3 + ts.Nanoseconds * 1e-6;
    }

    private const int ProcessCpuTimeId = 2; // CLOCK_PROCESS_CPUTIME_ID on Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, ref TimeSpec ts);
}
