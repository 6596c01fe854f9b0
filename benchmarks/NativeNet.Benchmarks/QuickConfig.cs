using BenchmarkDotNet.Configs;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace NativeNet.Benchmarks;

/// <summary>
/// `--quick [--cpu-clock]`: the whole suite in a few minutes on a 2-core machine. In-process (no per-benchmark
/// project build), 2 warm-up and 5 measured iterations of ~100 ms. Good enough for native/managed
/// ratios measured back to back; drop --quick for publication-grade statistics. With
/// --cpu-clock (cpuClock) every figure is process CPU time, not wall time.
/// </summary>
public static class QuickConfig
{
    public static IConfig Create(bool cpuClock)
    {
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(5)
            .WithIterationTime(TimeInterval.FromMilliseconds(100))
            .WithId(cpuClock ? "QuickCpu" : "Quick");
        if (cpuClock)
        {
            if (!ProcessCpuClock.Instance.IsAvailable) throw new PlatformNotSupportedException("--cpu-clock needs Linux (CLOCK_PROCESS_CPUTIME_ID)");
            job = job.WithClock(ProcessCpuClock.Instance);
        }
        return ManualConfig.Create(DefaultConfig.Instance).AddJob(job);
    }
}
