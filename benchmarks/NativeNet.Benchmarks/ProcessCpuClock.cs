using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace NativeNet.Benchmarks;

/// <summary>
/// A BenchmarkDotNet clock that reads the process's CPU time (Linux CLOCK_PROCESS_CPUTIME_ID)
/// instead of wall time. On a machine shared by many builds, wall time mostly measures how long
/// the scheduler kept us waiting; CPU time measures the work, which is what a native/managed
/// ratio at one thread should compare. It counts every thread of the process, so runs at more
/// than one thread report total CPU, not elapsed time.
/// </summary>
public sealed partial class ProcessCpuClock : IClock
{
    private const int ClockProcessCpuTimeId = 2;

    public static readonly ProcessCpuClock Instance = new();

    public string Title => "Process CPU time";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency => new(1e9);  // nanoseconds

    public long GetTimestamp()
    {
        if (clock_gettime(ClockProcessCpuTimeId, out var ts) != 0)
            throw new InvalidOperationException($"clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed: errno {Marshal.GetLastPInvokeError()}");
        return ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clockId, out Timespec ts);
}
