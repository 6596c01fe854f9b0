using NativeNet.Models;
using NativeNet.Nn;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Nn;

/// <summary>
/// Inference of Conv2d → BatchNorm (running statistics) [→ activation] [+ residual] as one
/// convolution with the normalization folded into its packed weights: the layer-by-layer values
/// (up to rounding), every change to the weights or statistics followed, and the layer-by-layer
/// path kept wherever a gradient, batch statistics or a hook needs it.
/// </summary>
public class ConvNormFoldingTests
{
    private static void RandomizeNorm(BatchNorm2d bn, int seed)
    {
        var g = new Generator((ulong)seed);
        using var gamma = Tensor.Uniform(new[] { bn.NumFeatures }, 0.5f, 1.5f, g);
        using var beta = Tensor.Normal(new[] { bn.NumFeatures }, 0f, 0.3f, g);
        using var mean = Tensor.Normal(new[] { bn.NumFeatures }, 0f, 0.5f, g);
        using var variance = Tensor.Uniform(new[] { bn.NumFeatures }, 0.2f, 2f, g);
        gamma.Data.CopyTo(bn.Weight!.AsSpan());
        beta.Data.CopyTo(bn.Bias!.AsSpan());
        mean.Data.CopyTo(bn.RunningMean!.AsSpan());
        variance.Data.CopyTo(bn.RunningVar!.AsSpan());
    }

    // Layer by layer: each module on its own (a call never folds across modules).
    private static float[] LayerByLayer(Sequential seq, Tensor x)
    {
        var y = x;
        for (int i = 0; i < seq.Count; i++)
        {
            var next = seq[i].Call(y);
            if (!ReferenceEquals(y, x)) y.Dispose();
            y = next;
        }
        using (y) return y.ToArray();
    }

    private static float[] Run(Module m, Tensor x)
    {
        using var y = m.Call(x);
        return y.ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance = 1e-4f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    // Winograd 3x3, depthwise 3x3 stride 2, pointwise GEMM, direct 5x5 with bias, grouped strided.
    public static TheoryData<int, int, int, int, int, bool, string> Layers => new()
    {
        { 16, 24, 3, 1, 1, false, "relu" },
        { 24, 24, 3, 2, 24, false, "relu6" },
        { 24, 40, 1, 1, 1, false, "none" },
        { 4, 6, 5, 1, 1, true, "silu" },
        { 6, 10, 3, 2, 2, true, "hardswish" },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void FoldedInferenceEqualsTheLayersAndFollowsChanges(int cin, int cout, int kernel, int stride, int groups, bool bias, string activation)
    {
        using var _ = Backends.Use("native");
        var conv = new Conv2d(cin, cout, kernel, stride, kernel / 2, groups: groups, bias: bias, generator: new Generator(3));
        var bn = new BatchNorm2d(cout);
        RandomizeNorm(bn, 9);
        using var seq = new Sequential(conv, bn);
        Module? act = activation switch { "relu" => new ReLU(), "relu6" => new ReLU6(), "silu" => new SiLU(), "hardswish" => new Hardswish(), _ => null };
        if (act is not null) seq.Add(act);
        seq.Eval();
        using var x = Tensor.Normal(new[] { 2, cin, 13, 11 }, generator: new Generator(4));
        using var noGrad = global::NativeNet.Autograd.NoGrad();

        var expected = LayerByLayer(seq, x);
        AssertClose(expected, Run(seq, x));
        Assert.False(conv.HasFoldedWeights); // the first sighting only remembers the versions
        AssertClose(expected, Run(seq, x));
        Assert.True(conv.HasFoldedWeights);

        using var x3 = Tensor.Normal(new[] { 3, cin, 13, 11 }, generator: new Generator(5));
        AssertClose(LayerByLayer(seq, x3), Run(seq, x3)); // another batch: the same pack
        Assert.True(conv.HasFoldedWeights);

        // Every input of the folding invalidates the pack: statistics, affine parameters, weights.
        foreach (var t in new[] { bn.RunningVar!, bn.RunningMean!, bn.Weight!, bn.Bias!, conv.Weight })
        {
            t.AsSpan()[0] += 0.25f;
            expected = LayerByLayer(seq, x);
            AssertClose(expected, Run(seq, x));
            Assert.False(conv.HasFoldedWeights);
            AssertClose(expected, Run(seq, x));
            Assert.True(conv.HasFoldedWeights);
        }
    }

    [Fact]
    public void TrainingModeGradientsAndHooksKeepTheLayers()
    {
        using var _ = Backends.Use("native");
        var conv = new Conv2d(4, 8, 3, padding: 1, generator: new Generator(1));
        var bn = new BatchNorm2d(8);
        RandomizeNorm(bn, 2);
        using var seq = new Sequential(conv, bn, new ReLU());
        using var x = Tensor.Normal(new[] { 2, 4, 6, 6 }, generator: new Generator(2));

        // Training: batch statistics, never folded.
        for (int i = 0; i < 2; i++) using (var y = seq.Call(x)) { }
        Assert.False(conv.HasFoldedWeights);

        // Evaluation with a gradient wanted: the layers run, and the gradient reaches the input.
        seq.Eval();
        using var xg = Tensor.Normal(new[] { 2, 4, 6, 6 }, generator: new Generator(3), requiresGrad: true);
        for (int i = 0; i < 2; i++)
        {
            using var y = seq.Call(xg);
            using var loss = y.Sum();
            loss.Backward();
        }
        Assert.False(conv.HasFoldedWeights);
        Assert.NotNull(xg.Grad);

        // A hook on the normalization sees its own output: no folding while it is registered.
        int calls = 0;
        using (bn.RegisterForwardHook((_, _, _) => calls++))
        using (global::NativeNet.Autograd.NoGrad())
            for (int i = 0; i < 2; i++) using (var y = seq.Call(x)) { }
        Assert.Equal(2, calls);
        Assert.False(conv.HasFoldedWeights);

        // A frozen normalization uses its running statistics in training mode too: folded.
        seq.Train();
        bn.StatisticsFrozen = true;
        foreach (var p in seq.Parameters()) p.RequiresGrad = false;
        var expected = LayerByLayer(seq, x);
        for (int i = 0; i < 2; i++) AssertClose(expected, Run(seq, x));
        Assert.True(conv.HasFoldedWeights);
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    public void BackboneInferenceFoldsAndMatchesTheLayerByLayerForward(string name)
    {
        using var _ = Backends.Use("native");
        using Backbone model = name == "resnet18" ? ResNet.ResNet18(numClasses: 5) : new MobileNetV2(numClasses: 5);
        int seed = 20;
        foreach (var (_, m) in model.NamedModules())
            if (m is BatchNorm2d bn) RandomizeNorm(bn, seed++);
        model.Eval();
        using var x = Tensor.Normal(new[] { 2, 3, 64, 64 }, generator: new Generator(7));

        // With a gradient wanted nothing folds: the reference.
        using var xg = x.Clone();
        xg.RequiresGrad = true;
        float[] expected;
        using (var y = model.Call(xg)) expected = y.ToArray();

        using var noGrad = global::NativeNet.Autograd.NoGrad();
        AssertClose(expected, Run(model, x), 1e-3f);
        var folded = Run(model, x);
        Assert.Contains(model.NamedModules(), m => m.Module is Conv2d c && c.HasFoldedWeights);
        AssertClose(expected, folded, 1e-3f);
    }
}
