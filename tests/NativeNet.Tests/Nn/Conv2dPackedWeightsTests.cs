using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Nn;

/// <summary>
/// Conv2d's packed-weights cache (inference on weights the native kernels prepared once) gives the
/// plain call's bits on every algorithm it packs for, follows every change to weight, bias and input
/// size, and takes any batch; the managed backend, which has no packed form, keeps the plain path.
/// </summary>
public class Conv2dPackedWeightsTests
{
    private static float[] Reference(Tensor x, Conv2d conv)
    {
        using var y = Functional.Conv2d(x, conv.Weight, conv.Bias, conv.Stride, conv.Padding, conv.Dilation, conv.Groups);
        return y.ToArray();
    }

    private static float[] Run(Conv2d conv, Tensor x)
    {
        using var y = conv.Forward(x);
        return y.ToArray();
    }

    // Depthwise 3x3 (stride 1 and 2), Winograd 3x3, direct 5x5, pointwise GEMM, strided grouped im2col.
    public static TheoryData<int, int, int, int, int, int, int> Layers => new()
    {
        { 16, 16, 3, 1, 1, 16, 14 },
        { 24, 24, 3, 2, 1, 24, 15 },
        { 16, 24, 3, 1, 1, 1, 12 },
        { 4, 6, 5, 1, 2, 1, 10 },
        { 24, 40, 1, 1, 0, 1, 9 },
        { 6, 10, 3, 2, 1, 2, 13 },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void PackedForwardEqualsThePlainCallAndFollowsChanges(int cin, int cout, int kernel, int stride, int padding, int groups, int size)
    {
        using var _ = Backends.Use("native");
        using var conv = new Conv2d(cin, cout, kernel, stride, padding, groups: groups, generator: new Generator(3));
        using var x = Tensor.Normal(new[] { 2, cin, size, size }, generator: new Generator(4));
        using var x3 = Tensor.Normal(new[] { 3, cin, size, size }, generator: new Generator(5));
        using var wide = Tensor.Normal(new[] { 2, cin, size, size + 3 }, generator: new Generator(6));
        using var noGrad = global::NativeNet.Autograd.NoGrad();

        Assert.Equal(Reference(x, conv), Run(conv, x));
        Assert.False(conv.HasPackedWeights); // the first sighting only remembers the versions
        Assert.Equal(Reference(x, conv), Run(conv, x));
        Assert.True(conv.HasPackedWeights);
        Assert.Equal(Reference(x3, conv), Run(conv, x3)); // another batch: the same pack
        Assert.True(conv.HasPackedWeights);

        conv.Weight.AsSpan()[1] += 0.5f;
        Assert.Equal(Reference(x, conv), Run(conv, x));
        Assert.False(conv.HasPackedWeights);
        Assert.Equal(Reference(x, conv), Run(conv, x));
        conv.Bias!.AsSpan()[0] -= 1f;
        Assert.Equal(Reference(x, conv), Run(conv, x));
        Assert.Equal(Reference(x, conv), Run(conv, x));
        Assert.True(conv.HasPackedWeights);

        Assert.Equal(Reference(wide, conv), Run(conv, wide)); // another input size: repacked when seen twice
        Assert.False(conv.HasPackedWeights);
        Assert.Equal(Reference(wide, conv), Run(conv, wide));
        Assert.True(conv.HasPackedWeights);
    }

    [Fact]
    public void TrainingStepsInvalidateThePackAndTheManagedBackendKeepsThePlainPath()
    {
        using (Backends.Use("native"))
        {
            using var conv = new Conv2d(4, 8, 3, padding: 1, generator: new Generator(1));
            using var x = Tensor.Normal(new[] { 2, 4, 6, 6 }, generator: new Generator(2));
            var opt = new SGD(conv.Parameters(), lr: 0.1);
            for (int step = 0; step < 2; step++)
            {
                using (global::NativeNet.Autograd.NoGrad()) { Run(conv, x); Run(conv, x); }
                Assert.True(conv.HasPackedWeights);
                opt.ZeroGrad();
                using (var y = conv.Forward(x))
                using (var s = y.Sum())
                    s.Backward();
                opt.Step();
                using (global::NativeNet.Autograd.NoGrad()) Assert.Equal(Reference(x, conv), Run(conv, x));
                Assert.False(conv.HasPackedWeights);
            }
        }
        using (Backends.Use("managed"))
        {
            using var conv = new Conv2d(3, 5, 3, generator: new Generator(7));
            using var x = Tensor.Normal(new[] { 1, 3, 7, 7 }, generator: new Generator(8));
            for (int i = 0; i < 3; i++) Assert.Equal(Reference(x, conv), Run(conv, x));
            Assert.False(conv.HasPackedWeights);
        }
    }
}
