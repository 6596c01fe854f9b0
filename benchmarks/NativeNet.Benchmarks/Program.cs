// BenchmarkDotNet entry point. Categories: gemm, conv, rnn, models, eltwise (native is the
// baseline, managed the other column) and interop. `--quick` selects the short in-process job;
// threads come from NATIVENET_NUM_THREADS for both backends.
using BenchmarkDotNet.Running;
using NativeNet.Benchmarks;

bool quick = args.Contains("--quick");
BenchmarkSwitcher.FromAssembly(typeof(QuickConfig).Assembly)
    .Run(args.Where(a => a != "--quick").ToArray(), quick ? QuickConfig.Create() : null);
