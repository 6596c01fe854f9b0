using NativeNet.Nn;

namespace NativeNet.Tests.Tensors;

[CollectionDefinition("MemoryAccounting", DisableParallelization = true)]
public class MemoryAccountingCollection { }

/// <summary>Tests that read the process-wide pool counters run alone, so other tests cannot move them.</summary>
[Collection("MemoryAccounting")]
public class MemoryAccountingTests
{
    [Fact]
    public void UndisposedTensorsAreFreedByTheFinalizerExactlyOnce()
    {
        static void Leak()
        {
            for (int i = 0; i < 50; i++) _ = Tensor.Zeros(4096);
        }
        Leak();
        long before = TensorMemoryPool.LiveBytes;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.True(TensorMemoryPool.LiveBytes <= before - 40 * 4096 * 4, $"live bytes {before} -> {TensorMemoryPool.LiveBytes}");
    }

    [Fact]
    public void TrainingLoopInScopesDoesNotGrowLiveMemory()
    {
        var g = new Generator(3);
        using var model = new Sequential(new Linear(8, 16, generator: g), new ReLU(), new Linear(16, 1, generator: g));
        var opt = new NativeNet.Optim.SGD(model.Parameters(), 0.01);
        using var x = Tensor.Uniform(new[] { 32, 8 }, -1, 1, g);
        using var t = Tensor.Uniform(new[] { 32, 1 }, -1, 1, g);
        long after10 = 0;
        for (int step = 0; step < 30; step++)
        {
            using (Tensor.NewDisposeScope())
            {
                opt.ZeroGrad();
                using var loss = Functional.MseLoss(model.Forward(x), t);
                loss.Backward();
                opt.Step();
            }
            if (step == 10) after10 = TensorMemoryPool.LiveBytes;
        }
        Assert.True(TensorMemoryPool.LiveBytes <= after10 + 64 * 1024, $"live bytes grew from {after10} to {TensorMemoryPool.LiveBytes}");
    }
}

/// <summary>The cache's default cap follows the most blocks of each size live at once, so a loop that repeats its shapes stops allocating.</summary>
[Collection("MemoryAccounting")]
public class TensorCacheCapTests
{
    // One "step": four 256 KiB blocks live together, released, then four 512 KiB blocks. At most
    // 2 MiB is live at once, but the step needs 3 MiB of blocks (1 MiB in one size, 2 MiB in the
    // other): a cap of the peak live bytes would free some of them every step.
    private static void Step()
    {
        using (Tensor.NewDisposeScope())
            for (int i = 0; i < 4; i++) _ = Tensor.Zeros(64 * 1024);
        using (Tensor.NewDisposeScope())
            for (int i = 0; i < 4; i++) _ = Tensor.Zeros(128 * 1024);
    }

    private static long MissesOver(int steps)
    {
        long before = TensorMemoryPool.Misses;
        for (int i = 0; i < steps; i++) Step();
        return TensorMemoryPool.Misses - before;
    }

    [Fact]
    public void DefaultCapKeepsEveryBlockOfARepeatedStepAndAFixedCapIsHonoured()
    {
        long floor = TensorMemoryPool.MinDefaultCap;
        try
        {
            TensorMemoryPool.MinDefaultCap = 0;
            TensorMemoryPool.MaxCachedBytes = 2L << 20;
            TensorMemoryPool.Trim();
            Step();
            Assert.True(MissesOver(5) >= 5, "a 2 MiB cap cannot hold a step's 3 MiB of blocks");
            Assert.True(TensorMemoryPool.CachedBytes <= 2L << 20, $"cached {TensorMemoryPool.CachedBytes} B over a 2 MiB cap");

            TensorMemoryPool.UseDefaultCacheCap();
            Assert.True(TensorMemoryPool.PeakBlockBytes >= 3L << 20, $"peak block bytes {TensorMemoryPool.PeakBlockBytes}");
            Assert.Equal(TensorMemoryPool.PeakBlockBytes, TensorMemoryPool.MaxCachedBytes);
            Step();
            Assert.Equal(0, MissesOver(20));
        }
        finally
        {
            TensorMemoryPool.MinDefaultCap = floor;
            TensorMemoryPool.UseDefaultCacheCap();
        }
    }

    [Fact]
    public void NegativeCapIsRefusedNamingTheValue()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TensorMemoryPool.MaxCachedBytes = -1);
        Assert.Contains("MaxCachedBytes=-1", e.Message);
    }
}
