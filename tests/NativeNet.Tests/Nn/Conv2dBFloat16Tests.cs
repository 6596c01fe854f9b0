using NativeNet.Nn;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Nn;

/// <summary>
/// Conv2d after ToPrecision(BFloat16) on the native backend: inference on packed weights, and the
/// training forward and data gradient, take bf16 products where the geometry runs on Winograd or
/// the im2col GEMM (within a bf16 bound of float32, and not equal to it); the weight gradient and
/// the direct and depthwise geometries stay float32, and a change of precision repacks. Runs on bf16 products with
/// the avx512_bf16 table and on the rounding fallback below it (NATIVENET_MAX_ISA=avx512).
/// </summary>
public class Conv2dBFloat16Tests
{
    private static float[] Float32Reference(Tensor x, Conv2d conv)
    {
        using var y = Functional.Conv2d(x, conv.Weight, conv.Bias, conv.Stride, conv.Padding, conv.Dilation, conv.Groups);
        return y.ToArray();
    }

    // Inference as a model runs it: the second call packs, the third uses the pack.
    private static float[] Packed(Conv2d conv, Tensor x)
    {
        using (conv.Forward(x)) { }
        using (conv.Forward(x)) { }
        Assert.True(conv.HasPackedWeights);
        using var y = conv.Forward(x);
        return y.ToArray();
    }

    [Theory]
    [InlineData(16, 24, 3, 1, 1, 12, 1)]  // Winograd
    [InlineData(9, 20, 3, 1, 1, 11, 1)]   // Winograd, an odd number of input channels
    [InlineData(32, 16, 3, 1, 1, 9, 2)]   // Winograd, groups
    [InlineData(3, 16, 7, 2, 3, 20, 1)]   // im2col GEMM: ResNet's 7x7 stride-2 stem
    [InlineData(6, 10, 3, 2, 1, 11, 2)]   // im2col GEMM: strided, groups
    [InlineData(24, 40, 1, 1, 0, 11, 1)]  // im2col GEMM: pointwise (the input is the operand)
    public void WinogradAndIm2colLayersTakeBf16ProductsWithinTheBound(int cin, int cout, int kernel, int stride, int padding,
                                                                      int size, int groups)
    {
        using var _ = Backends.Use("native");
        using var conv = new Conv2d(cin, cout, kernel, stride, padding, groups: groups, generator: new Generator(7));
        using var x = Tensor.Normal(new[] { 2, cin, size, size }, generator: new Generator(8));
        using var noGrad = global::NativeNet.Autograd.NoGrad();
        var fp32 = Float32Reference(x, conv);
        conv.ToPrecision(Precision.BFloat16);
        var bf16 = Packed(conv, x);

        // Each product's operands carry a relative rounding of at most 2^-9: against the largest
        // output, the error stays far under 2e-2; a float32 result would differ by ~1e-7.
        double scale = fp32.Max(Math.Abs), worst = fp32.Zip(bf16, (a, b) => Math.Abs(a - b)).Max() / scale;
        Assert.True(worst < 2e-2, $"bf16 vs float32: {worst:g3} of the largest output");
        Assert.True(worst > 1e-5, $"bf16 vs float32: {worst:g3}: the products were not rounded");

        conv.ToPrecision(Precision.Float32);  // repacked in float32: the plain call's bits again
        Assert.Equal(fp32, Packed(conv, x));
    }

    [Fact]
    public void ConvolutionWithFoldedBatchNormTakesBf16Products()
    {
        using var _ = Backends.Use("native");
        using var seq = new Sequential(new Conv2d(16, 24, 3, 1, 1, generator: new Generator(11)), new BatchNorm2d(24), new ReLU());
        var bn = (BatchNorm2d)seq[1];
        using (var mean = Tensor.Normal(new[] { 24 }, 0f, 0.5f, new Generator(12))) mean.Data.CopyTo(bn.RunningMean!.AsSpan());
        using var x = Tensor.Normal(new[] { 2, 16, 12, 12 }, generator: new Generator(13));
        seq.Eval();
        using var noGrad = global::NativeNet.Autograd.NoGrad();
        float[] Run()
        {
            for (int i = 0; i < 2; i++) using (seq.Call(x)) { }
            Assert.True(((Conv2d)seq[0]).HasFoldedWeights);
            using var y = seq.Call(x);
            return y.ToArray();
        }
        var fp32 = Run();
        seq.ToPrecision(Precision.BFloat16);
        var bf16 = Run();
        double scale = fp32.Max(Math.Abs), worst = fp32.Zip(bf16, (a, b) => Math.Abs(a - b)).Max() / scale;
        Assert.True(worst < 2e-2 && worst > 1e-5, $"folded conv + BN in bf16 vs float32: {worst:g3} of the largest output");
    }

    [Fact]
    public void TrainingTakesBf16ProductsInTheForwardAndDataGradientOnly()
    {
        using var _ = Backends.Use("native");
        using var conv = new Conv2d(32, 24, 3, 1, 1, generator: new Generator(14));
        using var x = Tensor.Normal(new[] { 2, 32, 12, 11 }, generator: new Generator(15));
        using var dy = Tensor.Normal(new[] { 2, 24, 12, 11 }, generator: new Generator(16));
        x.RequiresGrad = true;
        (float[] Y, float[] Dx, float[] Dw) Step()
        {
            conv.ZeroGrad();
            x.Grad?.Dispose();
            x.Grad = null;
            using var y = conv.Forward(x);
            y.Backward(dy);
            return (y.ToArray(), x.Grad!.ToArray(), conv.Weight.Grad!.ToArray());
        }
        var fp32 = Step();
        conv.ToPrecision(Precision.BFloat16);
        var bf16 = Step();
        foreach (var (name, a, b) in new[] { ("output", fp32.Y, bf16.Y), ("input gradient", fp32.Dx, bf16.Dx) })
        {
            double scale = a.Max(Math.Abs), worst = a.Zip(b, (p, q) => Math.Abs(p - q)).Max() / scale;
            Assert.True(worst < 2e-2 && worst > 1e-5, $"{name} in bf16 vs float32: {worst:g3} of the largest value");
        }
        Assert.Equal(fp32.Dw, bf16.Dw);  // the weight gradient stays float32 (same x and dY)
        Assert.False(conv.HasPackedWeights);
    }

    [Theory]
    [InlineData(4, 6, 5, 1, 2)]   // direct 5x5
    public void OtherLayersStayFloat32(int cin, int cout, int kernel, int stride, int padding)
    {
        using var _ = Backends.Use("native");
        using var conv = new Conv2d(cin, cout, kernel, stride, padding, generator: new Generator(9));
        using var x = Tensor.Normal(new[] { 2, cin, 11, 11 }, generator: new Generator(10));
        using var noGrad = global::NativeNet.Autograd.NoGrad();
        var fp32 = Float32Reference(x, conv);
        conv.ToPrecision(Precision.BFloat16);
        Assert.Equal(fp32, Packed(conv, x));
    }
}
