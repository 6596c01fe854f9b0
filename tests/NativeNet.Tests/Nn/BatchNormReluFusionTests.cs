using NativeNet.Models;
using NativeNet.Nn;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Nn;

/// <summary>
/// Training-mode BatchNorm fused with the ReLU after it (and a residual added before that ReLU):
/// the same bits as BatchNorm, Add and ReLU one after the other, forward and backward, on both
/// backends, at the functional level and where modules compose it (Sequential, ResNet's blocks).
/// </summary>
public class BatchNormReluFusionTests
{
    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: separate {expected[i]}, fused {actual[i]}");
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void FunctionalMatchesSeparateStepsBitwise(string backend)
    {
        using var _ = Backends.Use(backend);
        foreach (bool withResidual in new[] { false, true })
        {
            var g = new Generator(7);
            using var x = Tensor.Normal(new[] { 3, 5, 7, 6 }, 0.2f, 1.5f, g, requiresGrad: true);
            using var r = Tensor.Normal(new[] { 3, 5, 7, 6 }, 0f, 1f, g, requiresGrad: true);
            using var w = Tensor.Uniform(new[] { 5 }, 0.5f, 1.5f, g, requiresGrad: true);
            using var b = Tensor.Normal(new[] { 5 }, 0f, 0.3f, g, requiresGrad: true);
            using var dy = Tensor.Normal(new[] { 3, 5, 7, 6 }, 0f, 1f, g);
            var residual = withResidual ? r : null;
            float[] Run(bool fused, out float[][] grads, out float[] stats)
            {
                foreach (var t in new[] { x, r, w, b }) { t.Grad?.Dispose(); t.Grad = null; }
                using var rm = Tensor.Zeros(5);
                using var rv = Tensor.Ones(5);
                Tensor y;
                if (fused) y = Functional.BatchNormRelu(x, residual, rm, rv, w, b, 0.1f, 1e-5f);
                else
                {
                    using var bn = Functional.BatchNorm(x, rm, rv, w, b, training: true, 0.1f, 1e-5f);
                    using var sum = residual is null ? null : bn.Add(residual);
                    y = (sum ?? bn).Relu();
                }
                using (y)
                {
                    using var loss = y.Mul(dy).Sum();
                    loss.Backward();
                    grads = new[] { x.Grad!.ToArray(), withResidual ? r.Grad!.ToArray() : Array.Empty<float>(), w.Grad!.ToArray(), b.Grad!.ToArray() };
                    stats = rm.ToArray().Concat(rv.ToArray()).ToArray();
                    return y.ToArray();
                }
            }
            var ySep = Run(false, out var gSep, out var sSep);
            var yFused = Run(true, out var gFused, out var sFused);
            string ctx = $"{backend}, residual={withResidual}";
            Assert.Contains(yFused, v => v == 0f);
            AssertSameBits(ySep, yFused, $"y ({ctx})");
            AssertSameBits(sSep, sFused, $"running statistics ({ctx})");
            string[] names = { "dx", "dresidual", "dweight", "dbias" };
            for (int i = 0; i < names.Length; i++) AssertSameBits(gSep[i], gFused[i], $"{names[i]} ({ctx})");
        }
    }

    [Fact]
    public void FunctionalRejectsAResidualOfAnotherShape()
    {
        using var x = Tensor.Randn(2, 3, 4, 4);
        using var r = Tensor.Randn(2, 3, 4, 5);
        var e = Assert.Throws<ArgumentException>(() => Functional.BatchNormRelu(x, r, null, null, null, null));
        Assert.Equal("residual", e.ParamName);
    }

    // A forward hook on a BatchNorm keeps it out of any fusion (the hook must see its own output),
    // so hooked and unhooked copies of one model compare the fused path with the separate one.
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void ResNetBlocksAndSequentialMatchTheirLayerByLayerPathBitwise(string backend)
    {
        using var _ = Backends.Use(backend);
        Module Build() => new Sequential(
            new Conv2d(3, 8, 3, 1, 1, bias: false), new BatchNorm2d(8), new ReLU(),
            new BasicBlock(8, 8),
            new BasicBlock(8, 16, 2, new Sequential(new Conv2d(8, 16, 1, 2, bias: false), new BatchNorm2d(16))));
        var fused = Build();
        var separate = Build();
        separate.LoadStateDict(fused.StateDict());
        var hooks = separate.NamedModules().Select(e => e.Module).OfType<BatchNorm2d>().Select(m => m.RegisterForwardHook((_, _, _) => { })).ToList();
        using var x = Tensor.Normal(new[] { 2, 3, 10, 10 }, 0f, 1f, new Generator(3));
        float[] Step(Module m, string lastNode, out float[] grads, out float[] buffers)
        {
            m.Train();
            m.ZeroGrad();
            using var y = m.Call(x);
            Assert.Equal(lastNode, y.GradFn!.Name);
            using var loss = y.Mul(y).Sum();
            loss.Backward();
            grads = m.Parameters().SelectMany(p => p.Grad!.ToArray()).ToArray();
            buffers = m.StateDict().Values.SelectMany(t => t.ToArray()).ToArray();
            return y.ToArray();
        }
        var ySep = Step(separate, "Relu", out var gSep, out var bSep);
        var yFused = Step(fused, "BatchNormRelu", out var gFused, out var bFused);
        AssertSameBits(ySep, yFused, $"y ({backend})");
        AssertSameBits(gSep, gFused, $"parameter gradients ({backend})");
        AssertSameBits(bSep, bFused, $"parameters and running statistics ({backend})");
        foreach (var h in hooks) h.Dispose();
    }
}
