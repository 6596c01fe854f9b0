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
