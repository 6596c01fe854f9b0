using NativeNet.Kernels;
using NativeNet.Nn;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Autograd;

/// <summary>Every op's backward against central finite differences, on both backends.</summary>
public class GradCheckTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var b in new[] { "native", "managed" })
            foreach (var op in Ops.Keys) yield return new object[] { b, op };
    }

    private static readonly Dictionary<string, Func<Generator, (Func<Tensor[], Tensor> f, Tensor[] inputs)>> Ops = new()
    {
        ["add_broadcast"] = g => (x => x[0] + x[1], new[] { GradCheck.Rand(g, 3, 4), GradCheck.Rand(g, 4) }),
        ["sub_broadcast"] = g => (x => x[0] - x[1], new[] { GradCheck.Rand(g, 3, 1), GradCheck.Rand(g, 1, 4) }),
        ["mul_broadcast"] = g => (x => x[0] * x[1], new[] { GradCheck.Rand(g, 2, 3, 4), GradCheck.Rand(g, 3, 1) }),
        ["div"] = g => (x => x[0] / x[1], new[] { GradCheck.Rand(g, 3, 4), Tensor.Uniform(new[] { 3, 4 }, 1, 2, g) }),
        ["scalar_ops"] = g => (x => ((x[0] * 3f) + 1f) / 2f - 0.5f, new[] { GradCheck.Rand(g, 5) }),
        ["maximum"] = g => (x => x[0].Maximum(x[1]), new[] { GradCheck.RandAwayFromZero(g, 6), Tensor.Zeros(6) }),
        ["exp"] = g => (x => x[0].Exp(), new[] { GradCheck.Rand(g, 6) }),
        ["log"] = g => (x => x[0].Log(), new[] { Tensor.Uniform(new[] { 6 }, 0.5f, 2f, g) }),
        ["sqrt"] = g => (x => x[0].Sqrt(), new[] { Tensor.Uniform(new[] { 6 }, 0.5f, 2f, g) }),
        ["square"] = g => (x => x[0].Square(), new[] { GradCheck.Rand(g, 6) }),
        ["abs"] = g => (x => x[0].Abs(), new[] { GradCheck.RandAwayFromZero(g, 6) }),
        ["pow"] = g => (x => x[0].Pow(3f), new[] { GradCheck.Rand(g, 6) }),
        ["clamp"] = g => (x => x[0].Clamp(-0.5f, 0.5f), new[] { Tensor.FromArray(new float[] { -0.9f, -0.3f, 0.1f, 0.4f, 0.8f }) }),
        ["relu"] = g => (x => x[0].Relu(), new[] { GradCheck.RandAwayFromZero(g, 8) }),
        ["sigmoid"] = g => (x => x[0].Sigmoid(), new[] { GradCheck.Rand(g, 8) }),
        ["tanh"] = g => (x => x[0].Tanh(), new[] { GradCheck.Rand(g, 8) }),
        ["gelu"] = g => (x => x[0].Gelu(), new[] { GradCheck.Rand(g, 8) }),
        ["leaky_relu"] = g => (x => x[0].LeakyRelu(0.1f), new[] { GradCheck.RandAwayFromZero(g, 8) }),
        ["elu"] = g => (x => x[0].Elu(1.5f), new[] { GradCheck.RandAwayFromZero(g, 8) }),
        ["softmax"] = g => (x => x[0].Softmax(1), new[] { GradCheck.Rand(g, 2, 3, 4) }),
        ["log_softmax"] = g => (x => x[0].LogSoftmax(0), new[] { GradCheck.Rand(g, 3, 4) }),
        ["sum_dim"] = g => (x => x[0].Sum(1), new[] { GradCheck.Rand(g, 2, 3, 4) }),
        ["mean_all"] = g => (x => x[0].Mean(), new[] { GradCheck.Rand(g, 3, 4) }),
        ["mean_dim"] = g => (x => x[0].Mean(-1, keepDim: true), new[] { GradCheck.Rand(g, 3, 4) }),
        ["max_dim"] = g => (x => x[0].Max(1), new[] { Tensor.FromArray(new float[] { 1, 5, 3, 9, 2, 4 }, 2, 3) }),
        ["matmul"] = g => (x => x[0].MatMul(x[1]), new[] { GradCheck.Rand(g, 3, 4), GradCheck.Rand(g, 4, 5) }),
        ["matmul_batched"] = g => (x => x[0].MatMul(x[1]), new[] { GradCheck.Rand(g, 2, 3, 4), GradCheck.Rand(g, 2, 4, 2) }),
        ["transpose"] = g => (x => x[0].Transpose(0, 2), new[] { GradCheck.Rand(g, 2, 3, 4) }),
        ["reshape_views"] = g => (x => x[0].Reshape(4, -1).Unsqueeze(0).Squeeze(0).Flatten(), new[] { GradCheck.Rand(g, 2, 6) }),
        ["narrow_select"] = g => (x => x[0].Narrow(1, 1, 2).Select(0, 1), new[] { GradCheck.Rand(g, 3, 4) }),
        ["index_select"] = g => (x => x[0].IndexSelect(new[] { 2, 0, 2 }), new[] { GradCheck.Rand(g, 3, 2) }),
        ["concat_stack"] = g => (x => Tensor.Stack(new[] { Tensor.Concat(new[] { x[0], x[1] }, 1), Tensor.Concat(new[] { x[1], x[0] }, 1) }, 1), new[] { GradCheck.Rand(g, 2, 3), GradCheck.Rand(g, 2, 3) }),
        ["expand_sumto"] = g => (x => x[0].Expand(3, 4).SumTo(new[] { 1, 4 }), new[] { GradCheck.Rand(g, 1, 4) }),
        ["linear"] = g => (x => Functional.Linear(x[0], x[1], x[2]), new[] { GradCheck.Rand(g, 2, 3, 4), GradCheck.Rand(g, 5, 4), GradCheck.Rand(g, 5) }),
        ["conv2d"] = g => (x => Functional.Conv2d(x[0], x[1], x[2], (2, 1), (1, 2), (1, 2), 1), new[] { GradCheck.Rand(g, 2, 2, 5, 6), GradCheck.Rand(g, 3, 2, 3, 2), GradCheck.Rand(g, 3) }),
        ["conv2d_groups"] = g => (x => Functional.Conv2d(x[0], x[1], null, null, (1, 1), null, 2), new[] { GradCheck.Rand(g, 1, 4, 4, 4), GradCheck.Rand(g, 2, 2, 3, 3) }),
        ["conv1d"] = g => (x => Functional.Conv1d(x[0], x[1], x[2], 1, 1), new[] { GradCheck.Rand(g, 2, 3, 7), GradCheck.Rand(g, 2, 3, 3), GradCheck.Rand(g, 2) }),
        ["max_pool2d"] = g => (x => Functional.MaxPool2d(x[0], (2, 2)), new[] { Distinct(g, 1, 2, 4, 4) }),
        ["avg_pool2d"] = g => (x => Functional.AvgPool2d(x[0], (3, 3), (2, 2), (1, 1)), new[] { GradCheck.Rand(g, 1, 2, 5, 5) }),
        ["adaptive_avg_pool2d"] = g => (x => Functional.AdaptiveAvgPool2d(x[0], (2, 3)), new[] { GradCheck.Rand(g, 1, 2, 5, 7) }),
        ["batch_norm"] = g => (x => Functional.BatchNorm(x[0], null, null, x[1], x[2], true), new[] { GradCheck.Rand(g, 4, 3, 2), GradCheck.Rand(g, 3), GradCheck.Rand(g, 3) }),
        ["layer_norm"] = g => (x => Functional.LayerNorm(x[0], 4, x[1], x[2]), new[] { GradCheck.Rand(g, 3, 4), GradCheck.Rand(g, 4), GradCheck.Rand(g, 4) }),
        ["embedding"] = g => (x => Functional.Embedding(Tensor.FromArray(new float[] { 1, 0, 1, 2 }, 2, 2), x[0]), new[] { GradCheck.Rand(g, 3, 4) }),
        ["lstm_layer"] = g => (x => LayerOutputs(RnnCell.Lstm, x, reverse: false), RnnInputs(g, 4)),
        ["lstm_layer_reverse"] = g => (x => LayerOutputs(RnnCell.Lstm, x, reverse: true), RnnInputs(g, 4)),
        ["gru_layer"] = g => (x => LayerOutputs(RnnCell.Gru, x, reverse: false), RnnInputs(g, 3)),
        ["gru_layer_reverse"] = g => (x => LayerOutputs(RnnCell.Gru, x, reverse: true), RnnInputs(g, 3)),
        ["mse"] = g => (x => Functional.MseLoss(x[0], x[1]), new[] { GradCheck.Rand(g, 3, 2), GradCheck.Rand(g, 3, 2) }),
        ["l1"] = g => (x => Functional.L1Loss(x[0], x[1], Reduction.Sum), new[] { GradCheck.Rand(g, 3, 2), GradCheck.Rand(g, 3, 2).Add(5f) }),
        ["bce"] = g => (x => Functional.BinaryCrossEntropy(x[0], Tensor.FromArray(new float[] { 0, 1, 1, 0, 0.3f, 1 }, 3, 2)), new[] { Tensor.Uniform(new[] { 3, 2 }, 0.2f, 0.8f, g) }),
        ["bce_with_logits_pos_weight"] = g => (x => Functional.BinaryCrossEntropyWithLogits(x[0], Tensor.FromArray(new float[] { 0, 1, 1, 0, 0.3f, 1 }, 3, 2), null, Tensor.FromArray(new float[] { 2f, 0.5f })), new[] { GradCheck.Rand(g, 3, 2) }),
        ["cross_entropy_weighted_smoothed"] = g => (x => Functional.CrossEntropy(x[0], new[] { 2, 0, 1 }, Tensor.FromArray(new float[] { 1f, 2f, 0.5f }), Reduction.Mean, 0.1f), new[] { GradCheck.Rand(g, 3, 3) }),
        ["cross_entropy_none"] = g => (x => Functional.CrossEntropy(x[0], new[] { 2, 0, 1 }, null, Reduction.None), new[] { GradCheck.Rand(g, 3, 4) }),
        ["nll"] = g => (x => Functional.NllLoss(x[0].LogSoftmax(1), new[] { 1, 0, 3 }), new[] { GradCheck.Rand(g, 3, 4) }),
    };

    private static Tensor Distinct(Generator g, params int[] shape)
    {
        // Well-separated values so the max of each window is unambiguous under ± eps.
        int n = shape.Aggregate(1, (a, b) => a * b);
        var p = g.Permutation(n);
        return Tensor.FromArray(p.Select(v => v * 0.1f).ToArray(), shape);
    }

    private static Tensor[] RnnInputs(Generator g, int gates)
    {
        int T = 3, B = 2, I = 3, H = 2;
        return new[]
        {
            GradCheck.Rand(g, T, B, I), GradCheck.Rand(g, gates * H, I), GradCheck.Rand(g, gates * H, H),
            GradCheck.Rand(g, gates * H), GradCheck.Rand(g, gates * H), GradCheck.Rand(g, B, H), GradCheck.Rand(g, B, H),
        };
    }

    private static Tensor LayerOutputs(RnnCell cell, Tensor[] x, bool reverse)
    {
        var (y, hn, cn) = Functional.RnnLayer(cell, x[0], x[1], x[2], x[3], x[4], x[5], cell == RnnCell.Lstm ? x[6] : null, reverse);
        // Every output contributes, so the gradients of h_n and c_n are checked too.
        var parts = new List<Tensor> { y.Flatten(), hn.Flatten() };
        if (cn is not null) parts.Add(cn.Flatten());
        return Tensor.Concat(parts, 0);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesFiniteDifferences(string backend, string op)
    {
        using var _ = Backends.Use(backend);
        var (f, inputs) = Ops[op](new Generator(7));
        if (op.StartsWith("gru")) inputs = inputs.Take(6).ToArray();
        try
        {
            GradCheck.Check(f, inputs, what: $"{op} ({backend})");
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
        }
    }

    [Fact]
    public void GradientsAccumulateAcrossBackwardCalls()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3 });
        x.RequiresGrad = true;
        for (int i = 0; i < 2; i++)
        {
            using var y = x.Mul(x).Sum();
            y.Backward();
        }
        Assert.Equal(new float[] { 4, 8, 12 }, x.Grad!.ToArray());
    }

    [Fact]
    public void SameTensorUsedTwiceGetsBothContributions()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2 });
        x.RequiresGrad = true;
        using var y = (x + x).Sum();
        y.Backward();
        Assert.Equal(new float[] { 2, 2 }, x.Grad!.ToArray());
        using var z = Tensor.FromArray(new float[] { 1, 2 });
        z.RequiresGrad = true;
        using var w = z + z;
        using var s = w.Sum();
        s.Backward();
        // Distinct leaves that received views of one gradient must not share storage.
        using var a = Tensor.Ones(2); a.RequiresGrad = true;
        using var b = Tensor.Ones(2); b.RequiresGrad = true;
        using var ab = (a + b).Sum();
        ab.Backward();
        a.Grad!.AsSpan()[0] = 100;
        Assert.Equal(1f, b.Grad!.ToArray()[0]);
    }

    [Fact]
    public void NoGradRecordsNothingAndDetachCutsTheGraph()
    {
        using var x = Tensor.Ones(2);
        x.RequiresGrad = true;
        using (NativeNet.Autograd.NoGrad())
        {
            using var y = x * 2f;
            Assert.False(y.RequiresGrad);
        }
        using var d = x.Detach();
        Assert.False(d.RequiresGrad);
        using var z = (d * 3f).Sum();
        Assert.Throws<InvalidOperationException>(() => z.Backward());
    }

    [Fact]
    public void SecondBackwardThroughAFreedGraphThrows()
    {
        using var x = Tensor.Ones(2);
        x.RequiresGrad = true;
        using var y = (x * 2f).Sum();
        y.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("second time", e.Message);
    }

    [Fact]
    public void NonScalarBackwardNeedsAGradient()
    {
        using var x = Tensor.Ones(2);
        x.RequiresGrad = true;
        using var y = x * 2f;
        Assert.Throws<InvalidOperationException>(() => y.Backward());
        using var g = Tensor.FromArray(new float[] { 1, 10 });
        y.Backward(g);
        Assert.Equal(new float[] { 2, 20 }, x.Grad!.ToArray());
    }
}
