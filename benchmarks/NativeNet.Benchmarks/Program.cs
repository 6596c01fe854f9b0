// BenchmarkDotNet entry point. Categories: interop, eltwise (and gemm, conv, rnn, models as the
// kernels land). Native is the baseline in every native-vs-managed comparison.
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
