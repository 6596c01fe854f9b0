using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Serialization;
using NativeNet.Tests.Support;
using NativeNet.Training;

namespace NativeNet.Tests.Training;

[Collection(NoParallel.Name)]
public class FitTests
{
    // Standardized breast-cancer parts (60/20/20, stratified, scaler fitted on the training part).
    private static readonly Lazy<(Dataset Train, Dataset Val, Dataset Test)> Parts = new(() =>
    {
        var data = CsvLoader.Load(TestData.Path("breast_cancer_wisconsin.csv"), new CsvLoadOptions { TargetColumn = "diagnosis", TargetClasses = ["benign", "malignant"] }).Dataset;
        var split = Splits.StratifiedTrainValidationTest(data.GetLabels(), 0.2, 0.2, seed: 1);
        var scaler = StandardScaler.Fit(data.Subset(split.Train));
        return (scaler.Transform(data.Subset(split.Train)), scaler.Transform(data.Subset(split.Validation)), scaler.Transform(data.Subset(split.Test)));
    });

    private static Sequential Mlp(int seed, double dropout = 0.2)
    {
        Generator.ManualSeed((ulong)seed);
        return new Sequential(new Linear(30, 32), new ReLU(), new Dropout(dropout), new Linear(32, 1));
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestEpochsWeights()
    {
        var (train, val, _) = Parts.Value;
        using var model = Mlp(3, dropout: 0);
        var snapshots = new List<IReadOnlyDictionary<string, float[]>>();
        var snap = new LambdaCallback(onEpochEnd: (ctx, _) => snapshots.Add(ctx.GetWeights()));
        var es = new EarlyStopping("val_loss", patience: 4, restoreBestWeights: true);
        var dir = Directory.CreateTempSubdirectory("nn-fit");
        try
        {
            var ckpt = new ModelCheckpoint(Path.Combine(dir.FullName, "best.safetensors"), "val_loss");
            var compiled = model.Compile(new Adam(model.Parameters(), lr: 3e-2), new BCEWithLogitsLoss(), "accuracy");
            var history = compiled.Fit(train, epochs: 80, batchSize: 16, validationData: val, callbacks: [snap, es, ckpt], seed: 3);

            var valLoss = history["val_loss"];
            int best = valLoss.Select((v, i) => (v, i)).MinBy(t => t.v).i + 1;
            Assert.True(history.StoppedEarly);
            Assert.Equal(best, es.BestEpoch);
            Assert.True(best < history.Count, "the test needs a run whose last epoch is not the best");
            var final = ModelWeights.Get(model);
            foreach (var (name, w) in snapshots[best - 1]) Assert.Equal(w, final[name]); // bitwise
            Assert.Equal(valLoss[best - 1], compiled.Evaluate(val)["loss"], 10);
            // the checkpoint holds the same best weights
            Assert.Equal(best, ckpt.LastSavedEpoch);
            using var file = SafetensorsFile.Open(ckpt.LastSavedPath!);
            foreach (var (name, w) in final) Assert.Equal(w, file[name].ToFloat32());
            Assert.Equal([32, 30], file["0.weight"].Shape.Select(s => (int)s));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void CancellingFitLeavesAUsableModel()
    {
        var (train, val, _) = Parts.Value;
        using var model = Mlp(4);
        var compiled = model.Compile(new Adam(model.Parameters()), new BCEWithLogitsLoss(), "auc");
        using var cts = new CancellationTokenSource();
        var stopper = new LambdaCallback(onBatchEnd: (ctx, batch, _) => { if (ctx.Epoch == 2 && batch == 3) cts.Cancel(); });
        bool ended = false;
        var history = compiled.Fit(train, epochs: 50, callbacks: [stopper, new LambdaCallback(onTrainEnd: _ => ended = true)], cancellationToken: cts.Token);
        Assert.True(history.Cancelled);
        Assert.Equal(1, history.Count);
        Assert.True(ended);
        Assert.True(model.Training);
        Assert.Equal(0, DataLoader.ActiveProducers);
        var p = compiled.Predict(val);
        Assert.All(p, v => Assert.InRange(v, 0f, 1f));
        // training goes on from where it stopped
        var more = compiled.Fit(train, epochs: 10, validationData: val);
        Assert.False(more.Cancelled);
        Assert.True(more["val_auc"][^1] > 0.97);
    }

    [Fact]
    public void OneSeedGivesBitwiseIdenticalRuns()
    {
        var (train, val, _) = Parts.Value;
        int threads = NativeNetRuntime.Threads;
        NativeNetRuntime.Threads = 2;
        try
        {
            (IReadOnlyDictionary<string, float[]> W, IReadOnlyList<double> Loss) Run(int seed)
            {
                using var model = Mlp(seed); // dropout on: the masks must repeat too
                var c = model.Compile(new Adam(model.Parameters()), new BCEWithLogitsLoss());
                var h = c.Fit(train, epochs: 5, batchSize: 16, validationData: val, seed: seed);
                return (ModelWeights.Get(model), h["val_loss"]);
            }
            var a = Run(11);
            var b = Run(11);
            var c = Run(12);
            Assert.Equal(a.Loss, b.Loss);
            foreach (var (name, w) in a.W) Assert.Equal(w, b.W[name]);
            Assert.NotEqual(a.W["0.weight"], c.W["0.weight"]);
        }
        finally { NativeNetRuntime.Threads = threads; }
    }

    [Fact]
    public void AManualLoopIsJustAsShort()
    {
        var (train, _, test) = Parts.Value;
        using var model = Mlp(5);
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        var lossFn = new BCEWithLogitsLoss();
        var loader = new DataLoader(train, batchSize: 32, seed: 5);
        for (int epoch = 0; epoch < 20; epoch++)
            foreach (var batch in loader.GetEpoch(epoch))
            {
                using var scope = Tensor.NewDisposeScope();
                var loss = lossFn.Forward(model.Forward(Tensor.FromArray(batch.Features, batch.Shape)), Tensor.FromArray(batch.Targets, batch.Count, 1));
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
            }
        var p = model.Compile(optimizer, lossFn).Predict(test);
        Assert.True(ClassificationMetrics.Accuracy(test.GetLabels(), ClassificationMetrics.Threshold(p)) >= 0.95);
    }

    // Records, per step, the loss, whether the gradient was there before the step, and whether the
    // step then changed the weight: proves the order loss → gradients → step → OnBatchEnd.
    private sealed class StepRecorder(Linear layer) : Callback, IStepHook
    {
        private float[] _before = [];
        public List<string> Events { get; } = [];

        public void OnLoss(double loss) => Events.Add(double.IsFinite(loss) && loss > 0 ? "loss" : $"loss={loss}");

        public void OnGradients()
        {
            var g = layer.Weight.Grad;
            Events.Add(g is not null && g.AsSpan().ToArray().Any(v => v != 0) ? "grad" : "grad missing");
            _before = layer.Weight.AsSpan().ToArray();
        }

        public void OnStepEnd() => Events.Add(layer.Weight.AsSpan().SequenceEqual(_before) ? "step unchanged" : "step");

        public override void OnBatchEnd(TrainingContext context, int batch, double loss) => Events.Add("batch");
    }

    [Fact]
    public void StepHooksSeeTheLossTheGradientsAndTheStepInOrder()
    {
        var (train, _, _) = Parts.Value;
        using var model = Mlp(5, dropout: 0);
        var recorder = new StepRecorder((Linear)model[0]);
        var compiled = model.Compile(new SGD(model.Parameters(), lr: 0.05), new BCEWithLogitsLoss());
        compiled.Fit(train, epochs: 2, batchSize: 64, callbacks: [recorder]);
        int steps = 2 * ((train.Count + 63) / 64);
        var expected = Enumerable.Range(0, steps).SelectMany(_ => new[] { "loss", "grad", "step", "batch" });
        Assert.Equal(expected, recorder.Events);
    }

    [Fact]
    public void CallbacksSeeLearningRateAndLogsDuringFit()
    {
        var (train, val, _) = Parts.Value;
        using var model = Mlp(6);
        var compiled = model.Compile(new Adam(model.Parameters(), lr: 1e-2), new BCEWithLogitsLoss(), [Metric.Accuracy, Metric.Auc, Metric.Brier]);
        var reports = new List<TrainingProgress>();
        var history = compiled.Fit(train, epochs: 12, validationSplit: 0.25, classWeights: new Dictionary<int, double> { [0] = 1, [1] = 1.7 },
            callbacks: [new ReduceLROnPlateauCallback("val_loss", factor: 0.5, patience: 1, minDelta: 10)], // minDelta 10: never "improves" after epoch 1
            progress: new SyncProgress(reports.Add));
        Assert.Equal(["accuracy", "auc", "brier", "loss", "lr", "val_accuracy", "val_auc", "val_brier", "val_loss"], history.Keys.Order());
        // "lr" is the rate the epoch trained with; the callback cuts it after epochs 2, 3, …
        Assert.Equal(1e-2, history["lr"][0], 12);
        Assert.Equal(1e-2, history["lr"][1], 12);
        Assert.Equal(5e-3, history["lr"][2], 12);
        Assert.Equal(compiled.Optimizer.LearningRate, history["lr"][^1] * 0.5, 12);
        Assert.Equal(12, reports.Count(r => r.Kind == ProgressKind.EpochEnd));
        Assert.Contains(reports, r => r.Kind == ProgressKind.BatchEnd && r.Batch == 3);
        var e = Assert.Throws<ArgumentException>(() => model.Compile(compiled.Optimizer, new MSELoss()).Fit(train, 1, classWeights: new Dictionary<int, double> { [1] = 2 }));
        Assert.Contains("classWeights", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => compiled.Fit(train, 0));
    }

    [Fact]
    public void ClassWeightedLossIsTheWeightedMean()
    {
        using var scope = Tensor.NewDisposeScope();
        var adapter = new LossAdapter(new BCEWithLogitsLoss());
        float[] x = [0.5f, -1f, 2f];
        float[] y = [0, 1, 1];
        float[] w = [1, 3, 3];
        double expected = 0;
        for (int i = 0; i < 3; i++) expected += w[i] * (Math.Max(x[i], 0) - x[i] * y[i] + Math.Log(1 + Math.Exp(-Math.Abs(x[i]))));
        var loss = adapter.Compute(Tensor.FromArray(x, 3, 1), y, 1, w).Item();
        Assert.Equal(expected / 3, loss, 5);
        var ce = new LossAdapter(new CrossEntropyLoss()).Compute(Tensor.FromArray([1f, 2f, 0f, 0f], 2, 2), [1, 0], 1, [2, 0]).Item();
        Assert.Equal(2 * Math.Log(1 + Math.Exp(-1)) / 2, ce, 5);
    }

    [Fact]
    public void SaliencyIsGradientTimesInput()
    {
        using var model = new Sequential(new Linear(3, 2));
        ModelWeights.Set(model, new Dictionary<string, float[]> { ["0.weight"] = [1, 2, 3, -1, 0.5f, 4], ["0.bias"] = [0.1f, 0.2f] });
        var s = Saliency.GradientTimesInput(model, [2f, -1f, 0.5f], [3], targetClass: 1);
        Assert.Equal([-2f, -0.5f, 2f], s);
        Assert.Null(model.Parameters().First().Grad);
        Assert.Throws<ArgumentOutOfRangeException>(() => Saliency.GradientTimesInput(model, [1f, 1f, 1f], [3], 2));
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
