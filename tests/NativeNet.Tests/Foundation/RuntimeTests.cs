using NativeNet.Interop;
using NativeNet.Kernels;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Foundation;

public unsafe class RuntimeTests
{
    [Fact]
    public void VersionsAgree()
    {
        Assert.Equal(NativeNetRuntime.Version, NativeNetRuntime.NativeVersion);
        Assert.Matches(@"^\d+\.\d+\.\d+", NativeNetRuntime.Version);
    }

    [Fact]
    public void CpuInfoIsConsistent()
    {
        var cpu = NativeNetRuntime.Cpu;
        Assert.True(cpu.Cores >= 1);
        if (cpu.BestIsa != Isa.Neon) Assert.True(cpu.ChosenIsa <= cpu.BestIsa);
        if (cpu.BestIsa is Isa.Avx512 or Isa.Avx512Bf16) Assert.True(cpu.Avx512F && cpu.Avx512BW && cpu.Avx512VL && cpu.Avx2 && cpu.Fma);
        Assert.Equal(cpu.BestIsa == Isa.Avx512Bf16, cpu.Avx512F && cpu.Avx512BW && cpu.Avx512VL && cpu.Avx512DQ && cpu.Avx2 && cpu.Fma && cpu.Avx512Bf16);
        if (cpu.BestIsa == Isa.Avx2) Assert.True(cpu.Avx2 && cpu.Fma);
        Assert.Equal(cpu.ChosenIsa.ToString().ToLowerInvariant(), NativeNetRuntime.IsaName(cpu.ChosenIsa).Replace("_", ""));
        Assert.NotNull(NativeNetRuntime.NativeLibraryPath);
    }

    [Fact]
    public void ThreadsRoundTripAndRejectBadValues()
    {
        int saved = NativeNetRuntime.Threads;
        try
        {
            NativeNetRuntime.Threads = 1;
            Assert.Equal(1, NativeNetRuntime.Threads);
            NativeNetRuntime.Threads = 3;
            Assert.Equal(3, NativeNetRuntime.Threads);
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => NativeNetRuntime.Threads = 0);
            Assert.Contains("Received: Threads=0", e.Message);
        }
        finally
        {
            NativeNetRuntime.Threads = saved;
        }
    }

    [Fact]
    public void KernelProviderSetsThreadsOfBothBackendsAndReportsTheOneInUse()
    {
        int savedNative = NativeNetRuntime.Threads, savedManaged = ManagedKernels.Threads;
        try
        {
            KernelProvider.Threads = 2;
            Assert.Equal(2, ManagedKernels.Threads);
            Assert.Equal(2, KernelProvider.Threads);
            if (KernelProvider.Backend == Backend.Native) Assert.Equal(2, NativeNetRuntime.Threads);
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => KernelProvider.Threads = 1025);
            Assert.Contains("Received: Threads=1025", e.Message);
            Assert.Equal(2, ManagedKernels.Threads);
        }
        finally
        {
            NativeNetRuntime.Threads = savedNative;
            ManagedKernels.Threads = savedManaged;
        }
        foreach (string name in new[] { "native", "managed" })
        {
            using var _ = Backends.Use(name);
            Assert.Equal(name == "native" ? Backend.Native : Backend.Managed, KernelProvider.Backend);
            Assert.StartsWith(name + " ", KernelProvider.Description);
            // bf16 products run on vdpbf16ps only on the native backend with that ISA chosen, and
            // there only where the CPU's vdpbf16ps measured faster than its FMAs (or
            // NATIVENET_BF16_DOT=1): BFloat16Products says which and why.
            if (name == "native" && NativeNetRuntime.Cpu.ChosenIsa == Isa.Avx512Bf16)
            {
                string? dot = Environment.GetEnvironmentVariable("NATIVENET_BF16_DOT");
                if (dot is "0" or "1") Assert.Equal(dot == "1", KernelProvider.BFloat16Native);
                Assert.StartsWith(KernelProvider.BFloat16Native ? "vdpbf16ps" : "float32 kernels", KernelProvider.BFloat16Products);
            }
            else
            {
                Assert.False(KernelProvider.BFloat16Native);
                Assert.StartsWith(name == "native" ? "float32 kernels" : "float32 products", KernelProvider.BFloat16Products);
            }
        }
    }

    [Fact]
    public void NativeArgumentErrorsBecomeArgumentExceptionsNamingArgumentAndValue()
    {
        float* y = stackalloc float[1];
        nint py = (nint)y;
        var e = Assert.Throws<ArgumentException>(() => NativeStatus.Check(NativeMethods.nn_unary(nn_unary_op.NN_UNARY_RELU, null, (float*)py, 1, 0)));
        Assert.Contains("x must not be null", e.Message);
        Assert.Contains("x=NULL", e.Message);
        e = Assert.Throws<ArgumentException>(() => NativeStatus.Check(NativeMethods.nn_unary(nn_unary_op.NN_UNARY_RELU, (float*)py, (float*)py, -5, 0)));
        Assert.Contains("n=-5", e.Message);
        e = Assert.Throws<ArgumentException>(() => NativeStatus.Check(NativeMethods.nn_set_num_threads(-2)));
        Assert.Contains("num_threads=-2", e.Message);
    }

    [Fact]
    public void CppExceptionsInsideKernelsBecomeManagedExceptions()
    {
        var e = Assert.Throws<NativeNetException>(() => NativeStatus.Check(NativeMethods.nn_debug_throw(0)));
        Assert.Contains("test exception from inside a kernel", e.Message);
        Assert.Equal((int)nn_status.NN_ERR_INTERNAL, e.NativeStatus);
        Assert.Throws<OutOfMemoryException>(() => NativeStatus.Check(NativeMethods.nn_debug_throw(1)));
        var unknown = Assert.Throws<NativeNetException>(() => NativeStatus.Check(NativeMethods.nn_debug_throw(2)));
        Assert.Contains("unknown exception", unknown.Message);
        // The process is still healthy: a normal call works.
        float x = -1, y = 5;
        NativeStatus.Check(NativeMethods.nn_unary(nn_unary_op.NN_UNARY_RELU, &x, &y, 1, 0));
        Assert.Equal(0f, y);
    }
}
