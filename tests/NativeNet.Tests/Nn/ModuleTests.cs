using NativeNet.Nn;
using NativeNet.Optim;

namespace NativeNet.Tests.Nn;

public class ModuleTests
{
    private sealed class AutoEncoder : Module
    {
        public AutoEncoder(Generator g)
        {
            RegisterModule("encoder", new Sequential(new Linear(6, 3, generator: g), new global::NativeNet.Nn.Tanh()));
            RegisterModule("decoder", new Sequential(new Linear(3, 6, generator: g)));
        }

        public override Tensor Forward(Tensor input)
        {
            var children = Children().ToArray();
            using var z = children[0].Forward(input);
            return children[1].Forward(z);
        }
    }

    [Fact]
    public void NamedParametersUseDottedPyTorchNames()
    {
        using var ae = new AutoEncoder(new Generator(1));
        Assert.Equal(new[] { "encoder.0.weight", "encoder.0.bias", "decoder.0.weight", "decoder.0.bias" },
                     ae.NamedParameters().Select(p => p.Name).ToArray());
        using var lstm = new LSTM(3, 4, numLayers: 2, bidirectional: true);
        var names = lstm.StateDict().Keys.ToArray();
        Assert.Equal(16, names.Length);
        Assert.Equal("weight_ih_l0", names[0]);
        Assert.Equal("bias_hh_l0_reverse", names[7]);
        Assert.Equal(new[] { 16, 8 }, lstm.StateDict()["weight_ih_l1"].Shape);  // [4·H, 2·H]
        using var bn = new BatchNorm2d(5);
        Assert.Equal(new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" }, bn.StateDict().Keys.ToArray());
        Assert.Equal(new[] { "running_mean", "running_var", "num_batches_tracked" }, bn.NamedBuffers().Select(b => b.Name).ToArray());
    }

    [Fact]
    public void LoadStateDictReportsMissingUnexpectedAndMisShapedKeys()
    {
        using var m = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
        var good = new Dictionary<string, Tensor>();
        foreach (var (k, v) in m.StateDict()) good[k] = Tensor.Ones(v.Shape);
        m.LoadStateDict(good);
        Assert.All(m.Parameters(), p => Assert.All(p.ToArray(), v => Assert.Equal(1f, v)));

        var missing = new Dictionary<string, Tensor>(good);
        missing.Remove("2.bias");
        missing["3.weight"] = Tensor.Ones(1);
        var e = Assert.Throws<ArgumentException>(() => m.LoadStateDict(missing));
        Assert.Contains("missing keys: 2.bias", e.Message);
        Assert.Contains("unexpected keys: 3.weight", e.Message);
        var (miss, unexp) = m.LoadStateDict(missing, strict: false);
        Assert.Equal(new[] { "2.bias" }, miss);
        Assert.Equal(new[] { "3.weight" }, unexp);

        var bad = new Dictionary<string, Tensor>(good) { ["0.weight"] = Tensor.Ones(2, 3) };
        var e2 = Assert.Throws<ArgumentException>(() => m.LoadStateDict(bad, strict: false));
        Assert.Contains("0.weight: checkpoint [2, 3] vs model [3, 2]", e2.Message);
    }

    [Fact]
    public void BadHyperParametersNameTheArgumentAndValue()
    {
        var e = Assert.Throws<ArgumentException>(() => new Linear(0, 3));
        Assert.Equal("in_features must be positive. Received: in_features=0 (Parameter 'inFeatures')", e.Message);
        Assert.Throws<ArgumentException>(() => new Conv2d(3, 4, 3, groups: 2));
        Assert.Throws<ArgumentException>(() => new Dropout(1.5));
        Assert.Throws<ArgumentException>(() => new LSTM(3, 0));
        using var lin = new Linear(4, 2);
        using var x = Tensor.Zeros(3, 5);
        var e2 = Assert.Throws<ArgumentException>(() => lin.Forward(x));
        Assert.Contains("in_features=4", e2.Message);
    }

    [Fact]
    public void DefaultInitializationBoundsMatchPyTorch()
    {
        var g = new Generator(5);
        using var lin = new Linear(100, 50, generator: g);
        float bound = 1f / MathF.Sqrt(100);
        Assert.All(lin.Weight.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.All(lin.Bias!.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.True(lin.Weight.ToArray().Max() > bound * 0.9f);
        using var conv = new Conv2d(4, 8, 3, generator: g);
        float cb = 1f / MathF.Sqrt(4 * 9);
        Assert.All(conv.Weight.ToArray(), v => Assert.InRange(v, -cb, cb));
        using var gru = new GRU(3, 16, generator: g);
        Assert.All(gru.Parameters().SelectMany(p => p.ToArray()), v => Assert.InRange(v, -0.25f, 0.25f));
    }

    [Fact]
    public void SpecRoundTripsThroughJsonForEveryBuiltIn()
    {
        var g = new Generator(2);
        using var model = new Sequential(
            new Conv2d(3, 4, (3, 3), (1, 1), (1, 1), generator: g), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
            new AvgPool2d(1), new AdaptiveAvgPool2d(2), new Flatten(), new Dropout(0.25), new Linear(16, 8, generator: g),
            new LayerNorm(8), new LeakyReLU(0.2), new ELU(0.5), new GELU(), new global::NativeNet.Nn.Sigmoid(), new global::NativeNet.Nn.Tanh(),
            new global::NativeNet.Nn.Softmax(1), new LogSoftmax(-1), new Identity());
        string json = model.ToSpec().ToJson();
        using var rebuilt = Module.FromSpec(ModuleSpec.FromJson(json));
        Assert.Equal(json, rebuilt.ToSpec().ToJson());
        Assert.Equal(model.StateDict().Select(kv => (kv.Key, string.Join(",", kv.Value.Shape))),
                     rebuilt.StateDict().Select(kv => (kv.Key, string.Join(",", kv.Value.Shape))));
        rebuilt.LoadStateDict(model.StateDict());
        model.Eval(); rebuilt.Eval();
        using var x = Tensor.Uniform(new[] { 2, 3, 8, 8 }, -1, 1, g);
        using var a = model.Forward(x);
        using var b = rebuilt.Forward(x);
        Assert.Equal(a.ToArray(), b.ToArray());

        foreach (var m in new Module[] { new LSTM(3, 5, 2, batchFirst: true, bidirectional: true), new GRU(2, 3), new Conv1d(2, 3, 3, 2, 1), new Embedding(10, 4, paddingIdx: 0), new BatchNorm1d(3, momentum: null) })
        {
            using (m)
            {
                string j = m.ToSpec().ToJson();
                using var r = Module.FromSpec(ModuleSpec.FromJson(j));
                Assert.Equal(j, r.ToSpec().ToJson());
            }
        }
        Assert.Throws<InvalidDataException>(() => Module.FromSpec(new ModuleSpec("NoSuchLayer")));
        Assert.Throws<InvalidDataException>(() => ModuleSpec.FromJson("{ not json"));
    }

    [Fact]
    public void TrainAndEvalSwitchDropoutAndBatchNorm()
    {
        using var m = new Sequential(new Dropout(0.5), new BatchNorm1d(4));
        using var x = Tensor.Uniform(new[] { 64, 4 }, 1, 2, new Generator(3));
        using (NativeNet.Autograd.NoGrad())
        {
            using var train = m.Forward(x);
            Assert.Contains(0f, x.ToArray().Zip(train.ToArray(), (a, b) => b).Take(0).DefaultIfEmpty(0f));
            var bn = (BatchNorm1d)m[1];
            Assert.NotEqual(0f, bn.RunningMean!.ToArray()[0]);
            m.Eval();
            Assert.False(m[0].Training);
            using var e1 = m.Forward(x);
            using var e2 = m.Forward(x);
            Assert.Equal(e1.ToArray(), e2.ToArray());
            Assert.Equal(1f, bn.StateDict()["num_batches_tracked"].Item());
        }
    }

    [Fact]
    public void FrozenParametersGetNoGradientAndAreNotUpdated()
    {
        var g = new Generator(4);
        using var m = new Sequential(new Linear(3, 3, generator: g), new ReLU(), new Linear(3, 1, generator: g));
        m[0].RequiresGrad(false);
        var before = m[0].Parameters().Select(p => p.ToArray()).ToArray();
        var opt = new Adam(m.Parameters(), 0.1);
        using var x = Tensor.Uniform(new[] { 8, 3 }, -1, 1, g);
        using var loss = m.Forward(x).Sum();
        loss.Backward();
        Assert.All(m[0].Parameters(), p => Assert.Null(p.Grad));
        Assert.All(m[2].Parameters(), p => Assert.NotNull(p.Grad));
        opt.Step();
        Assert.Equal(before, m[0].Parameters().Select(p => p.ToArray()).ToArray());
    }

    [Fact]
    public void AutoEncoderTrainsAndLossFalls()
    {
        var g = new Generator(11);
        using var ae = new AutoEncoder(g);
        var opt = new Adam(ae.Parameters(), 0.02);
        using var x = Tensor.Uniform(new[] { 32, 6 }, -1, 1, g);
        float first = 0, last = 0;
        for (int step = 0; step < 150; step++)
        {
            using var scope = Tensor.NewDisposeScope();
            opt.ZeroGrad();
            var loss = Functional.MseLoss(ae.Forward(x), x);
            if (step == 0) first = loss.Item();
            last = loss.Item();
            loss.Backward();
            opt.Step();
        }
        Assert.True(last < first * 0.5f, $"loss {first} -> {last}");
    }

    [Fact]
    public void GanStepsUpdateOnlyTheOptimizedModule()
    {
        var g = new Generator(12);
        using var gen = new Sequential(new Linear(2, 8, generator: g), new ReLU(), new Linear(8, 2, generator: g));
        using var disc = new Sequential(new Linear(2, 8, generator: g), new LeakyReLU(0.2), new Linear(8, 1, generator: g));
        var optG = new Adam(gen.Parameters(), 1e-2);
        var optD = new Adam(disc.Parameters(), 1e-2);
        var bce = new BCEWithLogitsLoss();
        using var real = Tensor.Normal(new[] { 16, 2 }, 3, 0.5f, g);
        using var ones = Tensor.Ones(16, 1);
        using var zeros = Tensor.Zeros(16, 1);
        for (int step = 0; step < 5; step++)
        {
            using var scope = Tensor.NewDisposeScope();
            var noise = Tensor.Normal(new[] { 16, 2 }, 0, 1, g);
            // Discriminator step on detached fakes: the generator gets no gradient.
            optG.ZeroGrad();
            optD.ZeroGrad();
            var fake = gen.Forward(noise);
            var dLoss = bce.Forward(disc.Forward(real), ones) + bce.Forward(disc.Forward(fake.Detach()), zeros);
            dLoss.Backward();
            Assert.All(gen.Parameters(), p => Assert.Null(p.Grad));
            optD.Step();
            // Generator step: gradients flow through the discriminator, but only G is stepped.
            optG.ZeroGrad();
            optD.ZeroGrad();
            var dBefore = disc.Parameters().Select(p => p.ToArray()).ToArray();
            var gLoss = bce.Forward(disc.Forward(gen.Forward(noise)), ones);
            gLoss.Backward();
            Assert.All(gen.Parameters(), p => Assert.NotNull(p.Grad));
            optG.Step();
            Assert.Equal(dBefore, disc.Parameters().Select(p => p.ToArray()).ToArray());
        }
    }

    [Fact]
    public void CrossEntropyWithSmoothingAndWeightsMatchesTheFormula()
    {
        using var logits = Tensor.FromArray(new float[] { 1, 2, 0.5f, -1, 0, 3 }, 2, 3);
        using var w = Tensor.FromArray(new float[] { 1, 2, 0.5f });
        int[] t = { 1, 2 };
        using var loss = Functional.CrossEntropy(logits, t, w, Reduction.Mean, 0.2f);
        var l = logits.ToArray();
        double num = 0, den = 0;
        for (int r = 0; r < 2; r++)
        {
            var row = l.Skip(r * 3).Take(3).Select(v => (double)v).ToArray();
            double lse = Math.Log(row.Sum(Math.Exp));
            var lsm = row.Select(v => v - lse).ToArray();
            double wt = w.ToArray()[t[r]];
            num += -wt * 0.8 * lsm[t[r]] - 0.2 / 3 * lsm.Select((v, c) => w.ToArray()[c] * v).Sum();
            den += wt;
        }
        Assert.Equal(num / den, loss.Item(), 5);
        using var lossNone = Functional.CrossEntropy(logits, t, null, Reduction.None);
        Assert.Equal(new[] { 2 }, lossNone.Shape);
        using var ft = Tensor.FromArray(new float[] { 1.5f, 0 });
        Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(logits, ft));
        Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(logits, new[] { 0, 3 }));
    }
}
