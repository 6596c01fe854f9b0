// BenchmarkDotNet entry point. Categories: gemm, conv, rnn, models, eltwise (native is the
// baseline, managed the other column) and interop. `--quick` selects the short in-process job,
// `--cpu-clock` (with --quick) measures process CPU time instead of wall time;
// threads come from NATIVENET_NUM_THREADS for both backends.
using BenchmarkDotNet.Running;
using NativeNet.Benchmarks;

bool quick = args.Contains("--quick"), cpuClock = args.Contains("--cpu-clock");
if (cpuClock && !quick)
{
    Console.Error.WriteLine("--cpu-clock goes with --quick");
    return 2;
}
BenchmarkSwitcher.FromAssembly(typeof(QuickConfig).Assembly)
    .Run(args.Where(a => a is not ("--quick" or "--cpu-clock")).ToArray(), quick ? QuickConfig.Create(cpuClock) : null);
return 0;
