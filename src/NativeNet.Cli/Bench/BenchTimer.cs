using System.Diagnostics;

namespace NativeNet.Cli.Bench;

/// <summary>
/// Times one case: warm-up runs, then repetitions until both a minimum count and a minimum total
/// time are reached; reports the median, which shrugs off the odd slow run on a shared machine.
/// </summary>
public static class BenchTimer
{
    /// <summary>Median milliseconds of <paramref name="body"/>.</summary>
    public static double MedianMs(Action body, int warmup = 2, int minReps = 5, double minTotalMs = 300)
    {
        for (int i = 0; i < warmup; i++) body();
        var times = new List<double>();
        double total = 0;
        var sw = new Stopwatch();
        while (times.Count < minReps || (total < minTotalMs && times.Count < 1000))
        {
            sw.Restart();
            body();
            sw.Stop();
            double ms = sw.Elapsed.TotalMilliseconds;
            times.Add(ms);
            total += ms;
        }
        times.Sort();
        int n = times.Count;
        return n % 2 == 1 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
    }
}
