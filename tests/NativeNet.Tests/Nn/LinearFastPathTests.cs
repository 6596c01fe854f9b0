using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Nn;

/// <summary>
/// Linear's fast paths give the plain path's results: the packed-weight cache (inference) must
/// follow every change to the weight, and Sequential's fusion of Linear with a following ReLU,
/// sigmoid or tanh must match the two layers run one after the other, forward and backward.
/// </summary>
public class LinearFastPathTests
{
    private static float[] Reference(Tensor x, Linear lin)
    {
        using var y = Functional.Linear(x, lin.Weight, lin.Bias);
        return y.ToArray();
    }

    private static float[] Run(Linear lin, Tensor x)
    {
        using var y = lin.Forward(x);
        return y.ToArray();
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void PackedWeightFollowsEveryChangeToTheWeight(string backend)
    {
        using var _ = Backends.Use(backend);
        using var lin = new Linear(37, 19, generator: new Generator(3));
        using var x = Tensor.Normal(new[] { 5, 37 }, generator: new Generator(4));
        using var noGrad = global::NativeNet.Autograd.NoGrad();

        Assert.Equal(Reference(x, lin), Run(lin, x));
        Assert.False(lin.HasPackedWeight); // first sighting only remembers the weight's version
        Assert.Equal(Reference(x, lin), Run(lin, x));
        Assert.True(lin.HasPackedWeight);  // unchanged on the second forward: packed
        Assert.Equal(Reference(x, lin), Run(lin, x));

        lin.Weight.AsSpan()[3] += 1f;      // in-place edit
        Assert.Equal(Reference(x, lin), Run(lin, x));
        Assert.False(lin.HasPackedWeight);
        Assert.Equal(Reference(x, lin), Run(lin, x));

        using (var flat = lin.Weight.Reshape(-1)) flat.AsSpan()[40] -= 2f; // write through a view
        Assert.Equal(Reference(x, lin), Run(lin, x));
        Assert.Equal(Reference(x, lin), Run(lin, x));

        var state = new Dictionary<string, Tensor>();
        using var w2 = Tensor.Normal(new[] { 19, 37 }, generator: new Generator(5));
        using var b2 = Tensor.Normal(new[] { 19 }, generator: new Generator(6));
        state["weight"] = w2; state["bias"] = b2;
        lin.LoadStateDict(state);           // load
        var loaded = Run(lin, x);
        Assert.Equal(Reference(x, lin), loaded);
        using (var yw = Functional.Linear(x, w2, b2)) Assert.Equal(yw.ToArray(), loaded);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void OptimizerStepInvalidatesThePackedWeight(string backend)
    {
        using var _ = Backends.Use(backend);
        using var lin = new Linear(8, 4, generator: new Generator(1));
        using var x = Tensor.Normal(new[] { 3, 8 }, generator: new Generator(2));
        var opt = new SGD(lin.Parameters(), lr: 0.1);
        for (int step = 0; step < 3; step++)
        {
            using (global::NativeNet.Autograd.NoGrad()) { Run(lin, x); Run(lin, x); }
            Assert.True(lin.HasPackedWeight);
            opt.ZeroGrad();
            using (var y = lin.Forward(x))
            using (var s = y.Sum())
                s.Backward();
            opt.Step();
            using (global::NativeNet.Autograd.NoGrad()) Assert.Equal(Reference(x, lin), Run(lin, x));
        }
    }

    public static TheoryData<string, string> BackendsAndActivations()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in new[] { "native", "managed" })
            foreach (var activation in new[] { "ReLU", "Sigmoid", "Tanh" }) data.Add(backend, activation);
        return data;
    }

    private static Module Activation(string name) => name switch
    {
        "ReLU" => new ReLU(),
        "Sigmoid" => new Sigmoid(),
        _ => new Tanh(),
    };

    private static Tensor Apply(string name, Tensor t) => name switch
    {
        "ReLU" => t.Relu(),
        "Sigmoid" => t.Sigmoid(),
        _ => t.Tanh(),
    };

    [Theory]
    [MemberData(nameof(BackendsAndActivations))]
    public void SequentialLinearActivationFusionMatchesTheLayersRunApart(string backend, string activation)
    {
        using var _ = Backends.Use(backend);
        using var seq = new Sequential(new Linear(12, 16, generator: new Generator(1)), Activation(activation), new Linear(16, 5, generator: new Generator(2)), Activation(activation));
        using var x = Tensor.Normal(new[] { 7, 12 }, generator: new Generator(3));
        x.RequiresGrad = true;

        using var fused = seq.Forward(x);
        using (var s = fused.Sum()) s.Backward();
        var fusedGrads = seq.Parameters().Select(p => p.Grad!.ToArray()).Append(x.Grad!.ToArray()).ToList();
        seq.ZeroGrad();
        x.Grad = null;

        using var h = seq[0].Forward(x);
        using var r = Apply(activation, h);
        using var o = seq[2].Forward(r);
        using var apart = Apply(activation, o);
        using (var s = apart.Sum()) s.Backward();
        var apartGrads = seq.Parameters().Select(p => p.Grad!.ToArray()).Append(x.Grad!.ToArray()).ToList();

        Assert.Equal(apart.ToArray(), fused.ToArray());
        if (activation == "ReLU") Assert.Contains(fused.ToArray(), v => v == 0f); // the ReLU really clipped something
        for (int i = 0; i < fusedGrads.Count; i++)
        {
            Assert.Equal(apartGrads[i].Length, fusedGrads[i].Length);
            for (int j = 0; j < fusedGrads[i].Length; j++) Assert.Equal(apartGrads[i][j], fusedGrads[i][j], 6);
        }
    }
}
