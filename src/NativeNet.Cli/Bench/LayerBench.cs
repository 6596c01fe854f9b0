using NativeNet.Nn;
using NativeNet.Optim;

namespace NativeNet.Cli.Bench;

/// <summary>
/// `nativenet bench conv|rnn|models`: the cases of ../shared/anchors/torch_anchor.py, built with
/// the same architectures and batch shapes and timed the same way (forward under no-grad; forward
/// plus backward of output.sum(), or a full Adam training step), so each line sits beside PyTorch's.
/// Everything goes through the public C# layer, framework overhead included.
/// </summary>
public static class LayerBench
{
    /// <summary>(N, C, H=W, K) with 3×3 kernels, stride 1, padding 1.</summary>
    public static readonly (int N, int C, int H, int K)[] ConvCases = { (32, 16, 56, 32), (32, 64, 28, 64), (8, 3, 224, 64) };

    /// <summary>(cell, B, T, I, H), batch-first, one layer.</summary>
    public static readonly (string Cell, int B, int T, int I, int H)[] RnnCases =
        { ("lstm", 32, 100, 12, 128), ("lstm", 64, 50, 64, 256), ("gru", 32, 100, 12, 128) };

    /// <summary>The five reference models: name → (factory, input shape, classes).</summary>
    public static readonly (string Name, Func<Module> Create, int[] Shape, int Classes)[] Models =
    {
        ("mlp_small", () => new Sequential(new Linear(100, 64), new ReLU(), new Linear(64, 64), new ReLU(), new Linear(64, 10)), new[] { 32, 100 }, 10),
        ("mlp_large", () => new Sequential(new Linear(784, 1024), new ReLU(), new Linear(1024, 1024), new ReLU(), new Linear(1024, 10)), new[] { 128, 784 }, 10),
        ("lenet", () => new Sequential(new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2), new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),
                                       new Flatten(), new Linear(64 * 5 * 5, 10)), new[] { 64, 1, 28, 28 }, 10),
        ("diabetes_cnn", () => new Sequential(new Conv2d(3, 16, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Conv2d(16, 32, 3, padding: 1), new ReLU(),
                                              new MaxPool2d(2), new Flatten(), new Linear(32 * 28 * 28, 128), new ReLU(), new Linear(128, 2)), new[] { 16, 3, 112, 112 }, 2),
        ("lstm_ecg", () => new LastStepClassifier(new LSTM(12, 128, batchFirst: true), new Linear(128, 5)), new[] { 32, 100, 12 }, 5),
    };

    /// <summary>Runs the convolution cases.</summary>
    public static void RunConv(BenchContext ctx)
    {
        foreach (var (n, c, h, k) in ConvCases)
        {
            using var conv = new Conv2d(c, k, 3, padding: 1);
            using var x = Tensor.Randn(n, c, h, h);
            x.RequiresGrad = true;
            double fwd = Time(() => { using (Autograd.NoGrad()) conv.Forward(x); });
            double fwdBwd = Time(() => { conv.Forward(x).Sum().Backward(); ClearGrads(conv, x); });
            ctx.Report("conv", $"n{n}c{c}h{h}w{h}k{k}r3s1p1", new Dictionary<string, double> { ["fwd_ms"] = fwd, ["fwd_bwd_ms"] = fwdBwd });
        }
    }

    /// <summary>Runs the recurrent cases.</summary>
    public static void RunRnn(BenchContext ctx)
    {
        foreach (var (cell, b, t, i, hid) in RnnCases)
        {
            using Module rnn = cell == "lstm" ? new LSTM(i, hid, batchFirst: true) : new GRU(i, hid, batchFirst: true);
            using var x = Tensor.Randn(b, t, i);
            x.RequiresGrad = true;
            double fwd = Time(() => { using (Autograd.NoGrad()) rnn.Forward(x); });
            double fwdBwd = Time(() => { rnn.Forward(x).Sum().Backward(); ClearGrads(rnn, x); });
            ctx.Report("rnn", $"{cell}_b{b}t{t}i{i}h{hid}", new Dictionary<string, double> { ["fwd_ms"] = fwd, ["fwd_bwd_ms"] = fwdBwd });
        }
    }

    /// <summary>Runs the model cases: inference and one Adam training step.</summary>
    public static void RunModels(BenchContext ctx)
    {
        foreach (var (name, create, shape, classes) in Models)
        {
            using var model = create();
            using var x = Tensor.Randn(shape);
            var rnd = new Random(0);
            int[] y = Enumerable.Range(0, shape[0]).Select(_ => rnd.Next(classes)).ToArray();
            var opt = new Adam(model.Parameters(), lr: 1e-3);
            var lossFn = new CrossEntropyLoss();
            model.Eval();
            double infer = Time(() => { using (Autograd.NoGrad()) model.Forward(x); });
            model.Train();
            double step = Time(() =>
            {
                opt.ZeroGrad();
                lossFn.Forward(model.Forward(x), y).Backward();
                opt.Step();
            });
            ctx.Report("models", name, new Dictionary<string, double> { ["infer_ms"] = infer, ["train_step_ms"] = step });
        }
    }

    // Every iteration runs in its own dispose scope, so temporaries go back to the pool as in a
    // real training loop.
    private static double Time(Action body) => BenchTimer.MedianMs(() =>
    {
        using var scope = Tensor.NewDisposeScope();
        body();
    }, warmup: 3, minReps: 5, minTotalMs: 300);

    private static void ClearGrads(Module m, Tensor x)
    {
        m.ZeroGrad();
        x.Grad?.Dispose();
        x.Grad = null;
    }

    /// <summary>LSTM → output at the last time step → linear head (torch_anchor's LSTMNet).</summary>
    private sealed class LastStepClassifier : Module
    {
        private readonly LSTM _lstm;
        private readonly Linear _fc;

        public LastStepClassifier(LSTM lstm, Linear fc)
        {
            _lstm = RegisterModule("lstm", lstm);
            _fc = RegisterModule("fc", fc);
        }

        public override Tensor Forward(Tensor input)
        {
            var output = _lstm.ForwardWithState(input).Output;
            return _fc.Forward(output.Select(1, output.Shape[1] - 1));
        }
    }
}
