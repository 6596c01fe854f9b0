using NativeNet.Nn;
using NativeNet.Onnx;
using NativeNet.Optim;

namespace NativeNet.Cli.Bench;

/// <summary>
/// `nativenet bench conv|rnn|models`: the cases of ../shared/anchors/torch_anchor.py, built with
/// the same architectures and batch shapes and timed the same way (forward under no-grad; forward
/// plus backward of output.sum(), or a full Adam training step), so each line sits beside PyTorch's.
/// Everything goes through the public C# layer, framework overhead included. The BenchmarkDotNet
/// suite (benchmarks/NativeNet.Benchmarks) times the same workloads.
/// </summary>
public static class LayerBench
{
    /// <summary>(N, C, H=W, K) with 3×3 kernels, stride 1, padding 1.</summary>
    public static readonly (int N, int C, int H, int K)[] ConvCases = { (32, 16, 56, 32), (32, 64, 28, 64), (8, 3, 224, 64) };

    /// <summary>(cell, B, T, I, H), batch-first, one layer.</summary>
    public static readonly (string Cell, int B, int T, int I, int H)[] RnnCases =
        { ("lstm", 32, 100, 12, 128), ("lstm", 64, 50, 64, 256), ("gru", 32, 100, 12, 128) };

    /// <summary>The reference models: name → (factory, input shape, classes); the last two are torchvision's backbones as ../shared/anchors builds them.</summary>
    public static readonly (string Name, Func<Module> Create, int[] Shape, int Classes)[] Models =
    {
        ("mlp_small", () => new Sequential(new Linear(100, 64), new ReLU(), new Linear(64, 64), new ReLU(), new Linear(64, 10)), new[] { 32, 100 }, 10),
        ("mlp_large", () => new Sequential(new Linear(784, 1024), new ReLU(), new Linear(1024, 1024), new ReLU(), new Linear(1024, 10)), new[] { 128, 784 }, 10),
        ("lenet", () => new Sequential(new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2), new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),
                                       new Flatten(), new Linear(64 * 5 * 5, 10)), new[] { 64, 1, 28, 28 }, 10),
        ("diabetes_cnn", () => new Sequential(new Conv2d(3, 16, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Conv2d(16, 32, 3, padding: 1), new ReLU(),
                                              new MaxPool2d(2), new Flatten(), new Linear(32 * 28 * 28, 128), new ReLU(), new Linear(128, 2)), new[] { 16, 3, 112, 112 }, 2),
        ("lstm_ecg", () => new LastStepClassifier(new LSTM(12, 128, batchFirst: true), new Linear(128, 5)), new[] { 32, 100, 12 }, 5),
        ("resnet18", () => NativeNet.Models.ResNet.ResNet18(), new[] { 8, 3, 224, 224 }, 1000),
        ("mobilenet_v2", () => new NativeNet.Models.MobileNetV2(), new[] { 8, 3, 224, 224 }, 1000),
    };

    /// <summary>Runs the given convolution cases (default: <see cref="ConvCases"/>), each once per precision, back to back (a bf16 case reports suite "conv_bf16").</summary>
    public static void RunConv(BenchContext ctx, IEnumerable<(int N, int C, int H, int K)>? cases = null, IReadOnlyList<Precision>? precisions = null) =>
        Run(ctx, (cases ?? ConvCases).SelectMany(c => (precisions ?? new[] { Precision.Float32 })
            .Select(p => (Func<LayerWorkload>)(() => Conv(c, p)))));

    /// <summary>Runs the given recurrent cases (default: <see cref="RnnCases"/>).</summary>
    public static void RunRnn(BenchContext ctx, IEnumerable<(string Cell, int B, int T, int I, int H)>? cases = null) =>
        Run(ctx, (cases ?? RnnCases).Select(c => (Func<LayerWorkload>)(() => Rnn(c))));

    /// <summary>Runs the named reference models (default: all).</summary>
    /// <remarks>
    /// Each model runs once per precision, one right after the other (same-run ratios); a bf16
    /// case reports suite "models_bf16" (<see cref="Module.ToPrecision"/>). Inference is compiled
    /// onto the ONNX engine in the model's precision (bf16 products there too), eagerly where the
    /// engine cannot run the model; each line says which in its "infer" field ("compiled" or "eager").
    /// </remarks>
    public static void RunModels(BenchContext ctx, IEnumerable<string>? names = null, IReadOnlyList<Precision>? precisions = null)
    {
        var list = precisions ?? new[] { Precision.Float32 };
        Run(ctx, (names ?? Models.Select(m => m.Name)).SelectMany(n => list
            .Select(p => (Func<LayerWorkload>)(() => Model(n, p)))));
    }

    // One case at a time, so only one case's tensors are alive while it is timed.
    private static void Run(BenchContext ctx, IEnumerable<Func<LayerWorkload>> cases)
    {
        foreach (var create in cases)
        {
            using var w = create();
            double first = Time(w.First);
            double second = Time(w.Second);
            ctx.Report(w.Suite, w.Name, new Dictionary<string, double> { [w.FirstFigure] = first, [w.SecondFigure] = second }, w.Labels);
        }
    }

    /// <summary>A convolution case: 3×3, stride 1, padding 1, products in <paramref name="precision"/>; passes forward (no-grad) and forward+backward.</summary>
    public static LayerWorkload Conv((int N, int C, int H, int K) c, Precision precision = Precision.Float32)
    {
        var (n, ch, h, k) = c;
        var conv = new Conv2d(ch, k, 3, padding: 1);
        conv.ToPrecision(precision);
        var x = Tensor.Randn(n, ch, h, h);
        x.RequiresGrad = true;
        return new LayerWorkload(precision == Precision.BFloat16 ? "conv_bf16" : "conv", $"n{n}c{ch}h{h}w{h}k{k}r3s1p1", conv, x,
            "fwd_ms", () => { using (Autograd.NoGrad()) conv.Forward(x); },
            "fwd_bwd_ms", () => { conv.Forward(x).Sum().Backward(); ClearGrads(conv, x); });
    }

    /// <summary>A recurrent case (batch-first, one layer); passes forward (no-grad) and forward+backward.</summary>
    public static LayerWorkload Rnn((string Cell, int B, int T, int I, int H) c)
    {
        var (cell, b, t, i, hid) = c;
        Module rnn = cell == "lstm" ? new LSTM(i, hid, batchFirst: true) : new GRU(i, hid, batchFirst: true);
        var x = Tensor.Randn(b, t, i);
        x.RequiresGrad = true;
        return new LayerWorkload("rnn", $"{cell}_b{b}t{t}i{i}h{hid}", rnn, x,
            "fwd_ms", () => { using (Autograd.NoGrad()) rnn.Forward(x); },
            "fwd_bwd_ms", () => { rnn.Forward(x).Sum().Backward(); ClearGrads(rnn, x); });
    }

    /// <summary>A reference model by name, its products in <paramref name="precision"/>; passes inference (eval, no-grad) and one Adam training step.</summary>
    /// <param name="name">One of <see cref="Models"/>.</param>
    /// <param name="precision">The precision of the model's products.</param>
    /// <param name="compile">Inference compiled onto the ONNX engine where it can run the model (false: eager forward in eval mode).</param>
    public static LayerWorkload Model(string name, Precision precision = Precision.Float32, bool compile = true)
    {
        int index = Array.FindIndex(Models, m => m.Name == name);
        if (index < 0)
            throw new CliInputException($"--model must be one of {string.Join(", ", Models.Select(m => m.Name))}. Received: '{name}'");
        var (_, create, shape, classes) = Models[index];
        var model = create().ToPrecision(precision);
        var x = Tensor.Randn(shape);
        var rnd = new Random(0);
        int[] y = Enumerable.Range(0, shape[0]).Select(_ => rnd.Next(classes)).ToArray();
        var opt = new Adam(model.Parameters(), lr: 1e-3);
        var lossFn = new CrossEntropyLoss();
        // Inference runs as predict and evaluate run it: compiled onto the ONNX engine (folded, fused,
        // planned) in the model's precision, eagerly where the engine cannot.
        var compiled = compile ? CompiledModule.TryCompile(model, shape, out _) : null;
        return new LayerWorkload(precision == Precision.BFloat16 ? "models_bf16" : "models", name, model, x,
            "infer_ms", compiled is null ? () => { model.Eval(); using (Autograd.NoGrad()) model.Forward(x); } : () => compiled.Forward(x),
            "train_step_ms", () =>
            {
                model.Train();
                opt.ZeroGrad();
                lossFn.Forward(model.Forward(x), y).Backward();
                opt.Step();
            }, compiled, new Dictionary<string, string> { ["infer"] = compiled is null ? "eager" : "compiled" });
    }

    // Every iteration runs in its own dispose scope (see LayerWorkload), so temporaries go back to
    // the pool as in a real training loop.
    private static double Time(Action pass) => BenchTimer.MedianMs(pass, warmup: 3, minReps: 5, minTotalMs: 300);

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

/// <summary>
/// One bench case, built once (module, input, optimizer) and run many times: two timed passes,
/// each inside its own dispose scope. Runs on whatever kernels are current on the calling thread.
/// </summary>
public sealed class LayerWorkload : IDisposable
{
    private readonly Module _module;
    private readonly Tensor _input;
    private readonly Action _first;
    private readonly Action _second;
    private readonly IDisposable? _compiled;

    internal LayerWorkload(string suite, string name, Module module, Tensor input, string firstFigure, Action first, string secondFigure, Action second,
        IDisposable? compiled = null, IReadOnlyDictionary<string, string>? labels = null)
    {
        _compiled = compiled;
        Labels = labels;
        Suite = suite;
        Name = name;
        _module = module;
        _input = input;
        FirstFigure = firstFigure;
        SecondFigure = secondFigure;
        _first = first;
        _second = second;
    }

    /// <summary>Text fields the report adds to the figures (models: "infer", compiled or eager), or null.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; }

    /// <summary>conv, rnn or models.</summary>
    public string Suite { get; }

    /// <summary>The case name as the bench JSON prints it.</summary>
    public string Name { get; }

    /// <summary>The JSON key of <see cref="First"/> (fwd_ms, infer_ms).</summary>
    public string FirstFigure { get; }

    /// <summary>The JSON key of <see cref="Second"/> (fwd_bwd_ms, train_step_ms).</summary>
    public string SecondFigure { get; }

    /// <summary>Forward only (inference).</summary>
    public void First() => InScope(_first);

    /// <summary>Forward and backward (a training step).</summary>
    public void Second() => InScope(_second);

    private static void InScope(Action body)
    {
        using var scope = Tensor.NewDisposeScope();
        body();
    }

    /// <summary>Frees the module, its compiled form and the input.</summary>
    public void Dispose()
    {
        _compiled?.Dispose();
        _input.Dispose();
        _module.Dispose();
    }
}
