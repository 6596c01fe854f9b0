using NativeNet.Kernels;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Nn;

/// <summary>
/// Adam runs all of a group's parameters in one kernel call (one parallel region natively): the
/// same bits as one optimizer per parameter (one call each), on both backends, at 1 and 2
/// threads, and the forward pass after a step sees the new weights (packed-weight caches go stale).
/// </summary>
public class AdamMultiTensorTests
{
    private static Sequential Model(int seed)
    {
        Generator.ManualSeed((ulong)seed);
        return new Sequential(new Conv2d(3, 8, 3, padding: 1), new BatchNorm2d(8), new ReLU(), new Flatten(), new Linear(8 * 6 * 6, 5));
    }

    private static float[][] Train(bool oneGroup, bool amsgrad, bool adamW, out float[] output)
    {
        var model = Model(11);
        var ps = model.Parameters().ToList();
        Adam Make(IEnumerable<Tensor> p) => adamW ? new AdamW(p, lr: 1e-2, amsgrad: amsgrad) : new Adam(p, lr: 1e-2, weightDecay: 1e-3, amsgrad: amsgrad);
        var opts = oneGroup ? new List<Adam> { Make(ps) } : ps.Select(p => Make(new[] { p })).ToList();
        var g = new Generator(3);
        using var x = Tensor.Normal(new[] { 4, 3, 6, 6 }, 0f, 1f, g);
        using var target = Tensor.Normal(new[] { 4, 5 }, 0f, 1f, g);
        for (int step = 0; step < 3; step++)
        {
            using var scope = Tensor.NewDisposeScope();
            foreach (var o in opts) o.ZeroGrad();
            var y = model.Forward(x);
            y.Sub(target).Pow(2).Mean().Backward();
            foreach (var o in opts) o.Step();
        }
        model.Eval();
        using (global::NativeNet.Autograd.NoGrad())
        using (var y = model.Forward(x)) output = y.ToArray();
        var result = ps.Select(p => p.ToArray()).ToArray();
        model.Dispose();
        return result;
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void OneCallMatchesOneCallPerParameterBitwise(string backend)
    {
        using var _ = Backends.Use(backend);
        int threads = KernelProvider.Threads;
        try
        {
            foreach (int t in new[] { 1, 2 })
                foreach (var (amsgrad, adamW) in new[] { (false, false), (true, false), (false, true) })
                {
                    KernelProvider.Threads = t;
                    var each = Train(oneGroup: false, amsgrad, adamW, out var outEach);
                    var all = Train(oneGroup: true, amsgrad, adamW, out var outAll);
                    string ctx = $"{backend}, threads={t}, amsgrad={amsgrad}, adamW={adamW}";
                    for (int i = 0; i < each.Length; i++) AssertSameBits(each[i], all[i], $"{ctx}, parameter {i}");
                    AssertSameBits(outEach, outAll, $"{ctx}, output after the steps");
                }
        }
        finally
        {
            KernelProvider.Threads = threads;
        }
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: one call each {expected[i]}, one call {actual[i]}");
    }
}
