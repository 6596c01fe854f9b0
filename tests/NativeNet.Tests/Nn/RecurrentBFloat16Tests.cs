using NativeNet.Kernels;
using NativeNet.Nn;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Nn;

/// <summary>
/// LSTM/GRU after ToPrecision(BFloat16) on the native backend: the gate products take
/// bf16-rounded operands (one step from a zero state equals the float32 layer on rounded weights
/// and input bit for bit), a whole bidirectional stack stays within 2e-2 of float32 and really
/// differs from it, training's forward equals inference up to summation order, and the gradients
/// stay near float32's. The managed backend runs float32 whatever the precision.
/// </summary>
[Collection(NoParallel.Name)]
public class RecurrentBFloat16Tests
{
    private static RecurrentBase Make(string cell, int layers, bool bidirectional, ulong seed) => cell == "lstm"
        ? new LSTM(13, 21, numLayers: layers, batchFirst: true, bidirectional: bidirectional, generator: new Generator(seed))
        : new GRU(13, 21, numLayers: layers, batchFirst: true, bidirectional: bidirectional, generator: new Generator(seed));

    private static Tensor Rounded(Tensor t)
    {
        var v = t.ToArray();
        BFloat16Convert.Round(v, v);
        return Tensor.FromArray(v, t.ShapeChecked());
    }

    private static float[] Infer(Module m, Tensor x)
    {
        using var noGrad = global::NativeNet.Autograd.NoGrad();
        using var y = m.Forward(x);
        return y.ToArray();
    }

    private static double MaxAbs(float[] a) => a.Max(v => Math.Abs((double)v));

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void OneStepIsTheFloat32LayerOnRoundedOperands(string cell)
    {
        using var _ = Backends.Use("native");
        using var m = Make(cell, 1, false, 31);
        using var x = Tensor.Normal(new[] { 5, 1, 13 }, generator: new Generator(32));
        var p = m.NamedParameters().ToDictionary(e => e.Name, e => e.Parameter);
        float[] want;
        using (global::NativeNet.Autograd.NoGrad())
        {
            using var xr = Rounded(x);
            using var wih = Rounded(p["weight_ih_l0"]);
            using var whh = Rounded(p["weight_hh_l0"]);
            var (y, hn, cn) = Functional.RnnLayer(cell == "lstm" ? RnnCell.Lstm : RnnCell.Gru, xr, wih, whh, p["bias_ih_l0"], p["bias_hh_l0"],
                                                  null, null, reverse: false, batchFirst: true);
            want = y.ToArray();
            y.Dispose(); hn.Dispose(); cn?.Dispose();
        }
        var fp32 = Infer(m, x);
        m.ToPrecision(Precision.BFloat16);
        var got = Infer(m, x);
        Assert.Equal(want, got);
        Assert.NotEqual(fp32, got);
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void StackStaysNearFloat32InInferenceAndTraining(string cell)
    {
        using var _ = Backends.Use("native");
        using var m32 = Make(cell, 2, true, 41);
        using var m16 = Make(cell, 2, true, 41);
        m16.ToPrecision(Precision.BFloat16);
        using var x = Tensor.Normal(new[] { 6, 9, 13 }, generator: new Generator(42));
        var fp32 = Infer(m32, x);
        var inf = Infer(m16, x);
        Assert.NotEqual(fp32, inf);
        double scale = MaxAbs(fp32);
        Close.Assert(fp32, inf, 0, 2e-2 * scale, $"{cell} bf16 inference vs float32");
        Close.Assert(Infer(m16, x), inf, 0, 0, $"{cell} bf16 inference from the cached pack");

        // Training: the forward equals inference up to the order of the input projection's sums;
        // the gradients of sum(y) stay near float32's and differ from them.
        float[] train;
        foreach (var m in new[] { m32, m16 })
        {
            using var y = m.Forward(x);
            if (m == m16) train = y.ToArray(); else train = Array.Empty<float>();
            if (m == m16) Close.Assert(inf, train, 1e-5, 1e-5, $"{cell} bf16 training forward vs inference");
            using var s = y.Sum();
            s.Backward();
        }
        var g32 = m32.NamedParameters().ToDictionary(e => e.Name, e => e.Parameter.Grad!.ToArray());
        bool differs = false;
        foreach (var (name, p) in m16.NamedParameters())
        {
            var g = p.Grad!.ToArray();
            Close.Assert(g32[name], g, 0, 3e-2 * MaxAbs(g32[name]), $"{cell} bf16 gradient of {name}");
            differs |= !g.SequenceEqual(g32[name]);
        }
        Assert.True(differs, $"{cell}: bf16 gradients equal float32's: the backward products were not rounded");
    }

    [Fact]
    public void ManagedBackendRunsFloat32()
    {
        using var _ = Backends.Use("managed");
        using var m32 = Make("gru", 1, false, 51);
        using var m16 = Make("gru", 1, false, 51);
        m16.ToPrecision(Precision.BFloat16);
        using var x = Tensor.Normal(new[] { 3, 4, 13 }, generator: new Generator(52));
        Assert.Equal(Infer(m32, x), Infer(m16, x));
    }
}
