using NativeNet.Kernels;
using NativeNet.Nn;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Nn;

/// <summary>
/// Sequential fuses Conv2d with a following ReLU, Sigmoid or Tanh at inference: the activation runs
/// in the packed convolution's epilogue (one kernel call). Where a gradient may be needed, or the
/// backend has no packed convolution, the layer declines and the modules run one by one.
/// </summary>
public class ConvActivationFusionTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string backend in new[] { "native", "managed" })
            foreach (string act in new[] { "relu", "sigmoid", "tanh" })
                data.Add(backend, act);
        return data;
    }

    private static Module Activation(string name) => name switch
    {
        "relu" => new ReLU(),
        "sigmoid" => new Sigmoid(),
        _ => new Tanh(),
    };

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void InferenceFusesWherePackedWeightsExist(string backend, string activation)
    {
        using var _ = Backends.Use(backend);
        var conv = new Conv2d(5, 7, 3, stride: 1, padding: 1, generator: new Generator(11));
        var act = Activation(activation);
        using var seq = new Sequential(conv, act);
        seq.Eval();
        using var x = Tensor.Normal(new[] { 2, 5, 9, 8 }, generator: new Generator(12));
        using var noGrad = global::NativeNet.Autograd.NoGrad();
        float[] expected;
        using (var c = conv.Call(x))
        using (var a = act.Call(c))
            expected = a.ToArray();
        var fusable = (IEpilogueFusable)conv;
        var gemmAct = EpilogueFusion.ActivationOf(act)!.Value;
        Assert.True(fusable.CanFuse(gemmAct));
        for (int call = 0; call < 3; call++)
        {
            using var y = seq.Call(x);
            AssertClose(expected, y.ToArray());
        }
        // The pack exists after repeated calls on a backend that packs; then the fused call is one
        // packed convolution with the activation in its epilogue, else the layer declines.
        using var fused = fusable.Forward(x, gemmAct);
        Assert.Equal(conv.HasPackedWeights, fused is not null);
        Assert.Equal(backend == "native", fused is not null);
        if (fused is not null) AssertClose(expected, fused.ToArray());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void TrainingDeclinesAndKeepsGradients(string backend)
    {
        using var _ = Backends.Use(backend);
        var conv = new Conv2d(3, 4, 3, padding: 1, generator: new Generator(21));
        using var seq = new Sequential(conv, new ReLU());
        using var x = Tensor.Normal(new[] { 2, 3, 6, 6 }, generator: new Generator(22));
        Assert.Null(((IEpilogueFusable)conv).Forward(x, GemmActivation.Relu));  // weights need gradients
        using var y = seq.Call(x);
        using var loss = y.Sum();
        loss.Backward();
        Assert.NotNull(conv.Weight.Grad);
        Assert.Contains(y.ToArray(), v => v == 0f);  // the ReLU ran
    }
}
