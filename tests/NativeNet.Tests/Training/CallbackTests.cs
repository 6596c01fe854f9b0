using NativeNet.Data;
using NativeNet.Serialization;
using NativeNet.Training;

namespace NativeNet.Tests.Training;

// Callbacks tested against a scripted context; the trainer's own tests cover them end to end.
public class CallbackTests
{
    private sealed class FakeContext : TrainingContext
    {
        public float[] W = [0f];
        public double Lr = 0.1;
        public List<string> Saved = [];
        public override double LearningRate { get => Lr; set => Lr = value; }
        public override IReadOnlyDictionary<string, float[]> GetWeights() => new Dictionary<string, float[]> { ["w"] = (float[])W.Clone() };
        public override void SetWeights(IReadOnlyDictionary<string, float[]> weights) => W = (float[])weights["w"].Clone();
        public override void SaveWeights(string path)
        {
            SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloat32("w", [1], W)]);
            Saved.Add(path);
        }
    }

    // Runs a scripted training: epoch e sets the weight to e and logs the given value.
    private static FakeContext Run(ICallback cb, string key, double[] values)
    {
        var ctx = new FakeContext { Epochs = values.Length };
        cb.OnTrainBegin(ctx);
        for (int e = 1; e <= values.Length && !ctx.StopTraining; e++)
        {
            ctx.Epoch = e;
            ctx.W[0] = e;
            var logs = new Dictionary<string, double> { [key] = values[e - 1] };
            cb.OnEpochEnd(ctx, logs);
            ctx.History.Add(logs);
        }
        cb.OnTrainEnd(ctx);
        return ctx;
    }

    [Fact]
    public void EarlyStoppingStopsAfterPatienceAndRestoresTheBestEpoch()
    {
        var es = new EarlyStopping("val_loss", patience: 2, restoreBestWeights: true);
        var ctx = Run(es, "val_loss", [1.0, 0.5, 0.6, 0.55, 0.4, 0.3]);
        Assert.Equal(2, es.BestEpoch);
        Assert.Equal(4, es.StoppedEpoch); // epochs 3 and 4 without gain = patience 2
        Assert.Equal(4, ctx.History.Count);
        Assert.Equal(2f, ctx.W[0]); // epoch 2's weights back
        var max = new EarlyStopping("val_auc", patience: 0, minDelta: 0.01);
        Assert.True(max.Maximize);
        Run(max, "val_auc", [0.90, 0.905, 0.95]);
        Assert.Equal(2, max.StoppedEpoch); // 0.905 is not better by more than 0.01
        var e = Assert.Throws<InvalidOperationException>(() => Run(new EarlyStopping("val_acc"), "loss", [1]));
        Assert.Contains("'val_acc'", e.Message);
        Assert.Contains("Available: loss", e.Message);
    }

    [Fact]
    public void ReduceLROnPlateauHonoursPatienceCooldownAndFloor()
    {
        var r = new ReduceLROnPlateauCallback("val_loss", factor: 0.5, patience: 1, minDelta: 0, cooldown: 1, minLearningRate: 0.03);
        // e1 best; e2 no gain → 0.05, cooldown 1; e3 cooldown ends → 0.025, floored at 0.03
        Assert.Equal(0.05, Run(r, "val_loss", [1, 1]).Lr, 12);
        Assert.Equal(0.03, Run(r, "val_loss", [1, 1, 1, 1, 1]).Lr, 12);
        var slow = new ReduceLROnPlateauCallback("val_loss", factor: 0.5, patience: 2, minDelta: 0);
        Assert.Equal(0.1, Run(slow, "val_loss", [1, 0.9, 1, 0.8, 1]).Lr, 12); // never 2 epochs without gain
        Assert.Equal(0.05, Run(slow, "val_loss", [1, 0.9, 1, 1]).Lr, 12);
    }

    [Fact]
    public void ModelCheckpointWritesOnlyImprovementsAtomically()
    {
        var dir = Directory.CreateTempSubdirectory("nn-ckpt");
        try
        {
            var path = Path.Combine(dir.FullName, "best.safetensors");
            var mc = new ModelCheckpoint(path, "val_accuracy");
            var ctx = Run(mc, "val_accuracy", [0.7, 0.9, 0.8]);
            Assert.Equal(2, mc.LastSavedEpoch);
            Assert.Equal(2, ctx.Saved.Count);
            using var file = SafetensorsFile.Open(path);
            Assert.Equal([2f], file.Entries.Single(x => x.Name == "w").ToFloat32());
            Assert.Single(dir.GetFiles()); // no temp file left behind
            var every = new ModelCheckpoint(Path.Combine(dir.FullName, "e{epoch}.safetensors"), saveBestOnly: false);
            Run(every, "val_loss", [3, 2, 1]);
            Assert.True(File.Exists(Path.Combine(dir.FullName, "e3.safetensors")));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void LoggersWriteEveryEpoch()
    {
        var dir = Directory.CreateTempSubdirectory("nn-log");
        try
        {
            var csv = Path.Combine(dir.FullName, "log.csv");
            var json = Path.Combine(dir.FullName, "log.json");
            var both = new CallbackList(new CsvLogger(csv), new JsonLogger(json));
            Run(both, "loss", [0.5, 0.25]);
            Assert.Equal(["epoch,loss", "1,0.5", "2,0.25"], File.ReadAllLines(csv));
            var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
            Assert.Equal([0.5, 0.25], doc.RootElement.GetProperty("loss").EnumerateArray().Select(v => v.GetDouble()));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void PermutationImportanceFindsTheInformativeFeature()
    {
        // target = feature 1 > 0; feature 0 is noise
        var rng = new Random(2);
        int n = 200;
        var f = new float[n * 2];
        var t = new float[n];
        for (int i = 0; i < n; i++) { f[2 * i] = (float)rng.NextDouble(); f[2 * i + 1] = (float)(rng.NextDouble() * 2 - 1); t[i] = f[2 * i + 1] > 0 ? 1 : 0; }
        var data = new Dataset(f, [2], t, featureNames: ["noise", "signal"]);
        Func<Dataset, float[]> predict = d => Enumerable.Range(0, d.Count).Select(i => 1f / (1 + MathF.Exp(-5 * d.Features[2 * i + 1]))).ToArray();
        var imp = PermutationImportance.Compute(predict, data, Metric.Auc, repeats: 3, seed: 1);
        Assert.Equal(0.0, imp[0].MeanDrop, 12);
        Assert.Equal("signal", imp[1].Name);
        Assert.InRange(imp[1].MeanDrop, 0.3, 0.6); // AUC 1 → about 0.5
        Assert.Equal(imp[1].Drops, PermutationImportance.Compute(predict, data, Metric.Auc, repeats: 3, seed: 1)[1].Drops);
    }

    [Fact]
    public void MetricsByNameComputeOnOutputs()
    {
        Assert.Equal(0.75, Metric.FromName("accuracy").Compute([0.9f, 0.2f, 0.6f, 0.4f], 1, [1, 0, 0, 0], 1));
        Assert.Equal(0.5, Metric.FromName("acc").Compute([0.9f, 0.1f, 0.2f, 0.8f], 2, [0, 0], 1)); // argmax [0, 1]
        Assert.Equal(1.0, Metric.Auc.Compute([0.1f, 0.9f, 0.8f, 0.2f], 2, [1, 0], 1)); // column 1 scores
        Assert.True(double.IsNaN(Metric.Auc.Compute([0.3f, 0.6f], 1, [1, 1], 1)));
        Assert.False(Metric.FromName("rmse").HigherIsBetter);
        Assert.Throws<ArgumentException>(() => Metric.FromName("bogus"));
    }

    private sealed class CallbackList(params ICallback[] callbacks) : Callback
    {
        public override void OnTrainBegin(TrainingContext c) { foreach (var x in callbacks) x.OnTrainBegin(c); }
        public override void OnEpochEnd(TrainingContext c, IReadOnlyDictionary<string, double> l) { foreach (var x in callbacks) x.OnEpochEnd(c, l); }
    }
}
