using NativeNet.Data;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Training;

namespace NativeNet.Cli.Tabular;

/// <summary>The outcome of a `train` run before anything is written.</summary>
public sealed class TrainOutcome : IDisposable
{
    /// <summary>The settings.</summary>
    public required TrainSettings Settings { get; init; }
    /// <summary>The loaded table.</summary>
    public required CsvTable Table { get; init; }
    /// <summary>Class labels (classification).</summary>
    public IReadOnlyList<string>? Classes { get; init; }
    /// <summary>Per-fold results.</summary>
    public required IReadOnlyList<FoldOutcome> Folds { get; init; }
    /// <summary>Pooled out-of-fold outputs (probability of the positive class, or the prediction in target units), by row.</summary>
    public required float[] OutOfFold { get; init; }
    /// <summary>Metric summaries, in display order.</summary>
    public required IReadOnlyList<MetricOutcome> Summary { get; init; }
    /// <summary>The final model, trained on all rows.</summary>
    public required Sequential FinalModel { get; init; }
    /// <summary>The schema stored with the final model.</summary>
    public required ModelSchema Schema { get; init; }
    /// <summary>Permutation importance of the final model.</summary>
    public required IReadOnlyList<NativeNet.Training.FeatureImportance> Importance { get; init; }
    /// <summary>Importance repeats.</summary>
    public int ImportanceRepeats { get; init; }
    /// <summary>Final model's training history.</summary>
    public required History FinalHistory { get; init; }

    /// <inheritdoc />
    public void Dispose() => FinalModel.Dispose();
}

/// <summary>
/// Cross-validates an MLP on a CSV table and trains the final model: per fold, standardization
/// fitted on the training part only (and, for regression, the target too), the recipe of the
/// breast-cancer test (Adam with L2, BCE-with-logits or MSE), then a model on all rows.
/// </summary>
public static class TabularTrainer
{
    /// <summary>Importance shuffles per feature.</summary>
    public const int ImportanceRepeats = 5;

    /// <summary>Runs cross-validation and the final fit; writes progress to <paramref name="log"/>.</summary>
    public static TrainOutcome Run(TrainSettings s, TextWriter log, bool live)
    {
        var table = TabularData.Load(s.DataPath, s.Target, s.Classification);
        var data = table.Dataset;
        if (s.Folds > data.Count) throw new CliInputException($"--folds {s.Folds} exceeds the {data.Count} rows of {s.DataPath}.");
        IReadOnlyList<string>? classes = s.Classification ? TabularData.Classes(table) : null;
        if (classes is not null)
        {
            var labels = data.GetLabels();
            int positives = labels.Count(l => l == 1), negatives = labels.Length - positives;
            if (Math.Min(positives, negatives) < s.Folds)
                throw new CliInputException($"{s.DataPath}: class '{(positives < negatives ? classes[1] : classes[0])}' has {Math.Min(positives, negatives)} rows, fewer than --folds {s.Folds}.");
        }
        log.WriteLine($"Data: {s.DataPath} ({data.Count} rows, {data.SampleSize} features, target '{s.Target}'" +
            (classes is null ? ", regression)" : $", classes {classes[0]} / {classes[1]}, positive class '{classes[1]}')"));
        log.WriteLine($"Model: {s.Network} | {s.Folds}-fold {(s.Classification ? "stratified " : "")}cross-validation, {s.Epochs} epochs, batch {s.BatchSize}, lr {s.LearningRate}, seed {s.Seed}");

        var folds = s.Classification
            ? Splits.StratifiedKFold(data.GetLabels(), s.Folds, s.Seed)
            : RandomKFold(data.Count, s.Folds, s.Seed);
        var oof = new float[data.Count];
        var results = new List<FoldOutcome>();
        foreach (var fold in folds)
        {
            log.WriteLine($"Fold {fold.Index + 1}/{s.Folds}: train {fold.Train.Length} rows, test {fold.Test.Length} rows");
            var (train, test, scaler, tMean, tStd) = Prepare(data, fold.Train, fold.Test, s.Classification);
            using var model = s.Network.Build(data.SampleSize, 1, s.Seed + fold.Index);
            var compiled = Compile(model, s);
            var history = compiled.Fit(train, s.Epochs, s.BatchSize, validationData: test, progress: new ConsoleProgress(log, live), seed: s.Seed + fold.Index);
            var outputs = ToTargetUnits(compiled.Predict(test), tMean, tStd);
            var actual = data.Subset(fold.Test).Targets;
            for (int i = 0; i < fold.Test.Length; i++) oof[fold.Test[i]] = outputs[i];
            var metrics = TabularMetrics.All(s.Classification, actual, outputs);
            int[,]? confusion = s.Classification ? Confusion(TabularMetrics.Labels(actual), outputs) : null;
            results.Add(new FoldOutcome(fold.Index, fold.Train.Length, fold.Test.Length, metrics, history, confusion));
            log.WriteLine($"Fold {fold.Index + 1}/{s.Folds}: " + string.Join("  ", metrics.Select(kv => $"{kv.Key} {kv.Value:F4}")));
        }

        var names = s.Classification ? TabularMetrics.ClassificationNames : TabularMetrics.RegressionNames;
        var summary = new List<MetricOutcome>();
        foreach (var n in names)
        {
            double mean = results.Select(r => r.Metrics[n]).Average();
            var (lo, hi) = TabularMetrics.Interval(s.Classification, n, data.Targets, oof, s.BootstrapResamples, s.Seed);
            summary.Add(new MetricOutcome(n, mean, lo, hi));
        }

        log.WriteLine($"Final model: training on all {data.Count} rows");
        var all = Enumerable.Range(0, data.Count).ToArray();
        var (full, _, finalScaler, fMean, fStd) = Prepare(data, all, [], s.Classification);
        var final = s.Network.Build(data.SampleSize, 1, s.Seed);
        try
        {
            var finalCompiled = Compile(final, s);
            var finalHistory = finalCompiled.Fit(full, s.Epochs, s.BatchSize, progress: new ConsoleProgress(log, live), seed: s.Seed);
            var importance = PermutationImportance.Compute(d => finalCompiled.Predict(d), full,
                s.Classification ? Metric.Auc : Metric.R2, ImportanceRepeats, s.Seed);
            var schema = new ModelSchema
            {
                Task = s.Classification ? "classification" : "regression",
                Features = table.FeatureNames.ToList(),
                Target = s.Target,
                Classes = classes?.ToList(),
                ScalerMean = finalScaler.Mean.ToList(),
                ScalerStd = finalScaler.Scale.ToList(),
                TargetMean = s.Classification ? null : fMean,
                TargetStd = s.Classification ? null : fStd,
                ModelDescription = s.Network.ToString(),
            };
            return new TrainOutcome
            {
                Settings = s, Table = table, Classes = classes, Folds = results, OutOfFold = oof, Summary = summary,
                FinalModel = final, Schema = schema, Importance = importance, ImportanceRepeats = ImportanceRepeats, FinalHistory = finalHistory,
            };
        }
        catch
        {
            final.Dispose();
            throw;
        }
    }

    /// <summary>Adam with L2 and the task's loss; metrics for the learning curves.</summary>
    public static CompiledModel Compile(Module model, TrainSettings s) => s.Classification
        ? model.Compile(new Adam(model.Parameters(), lr: s.LearningRate, weightDecay: s.WeightDecay), new BCEWithLogitsLoss(), "accuracy", "auc")
        : model.Compile(new Adam(model.Parameters(), lr: s.LearningRate, weightDecay: s.WeightDecay), new MSELoss(), "r2");

    /// <summary>Maps network outputs to target units (regression undoes the target standardization).</summary>
    public static float[] ToTargetUnits(float[] outputs, double? mean, double? std)
    {
        if (mean is not { } m || std is not { } sd) return outputs;
        return outputs.Select(o => (float)(o * sd + m)).ToArray();
    }

    // Standardizes features (fitted on the training rows) and, for regression, the target.
    private static (Dataset Train, Dataset Test, StandardScaler Scaler, double? TargetMean, double? TargetStd) Prepare(
        Dataset data, int[] trainIdx, int[] testIdx, bool classification)
    {
        var trainRaw = data.Subset(trainIdx);
        var scaler = StandardScaler.Fit(trainRaw);
        var train = scaler.Transform(trainRaw);
        var test = testIdx.Length > 0 ? scaler.Transform(data.Subset(testIdx)) : train;
        if (classification) return (train, test, scaler, null, null);
        double mean = train.Targets.Average(t => (double)t);
        double sd = Math.Sqrt(train.Targets.Average(t => (t - mean) * (t - mean)));
        if (sd < 1e-12) sd = 1;
        Dataset Z(Dataset d) => new(d.Features, [d.SampleSize], d.Targets.Select(t => (float)((t - mean) / sd)).ToArray(), 1, d.FeatureNames);
        return (Z(train), testIdx.Length > 0 ? Z(test) : Z(train), scaler, mean, sd);
    }

    private static int[,] Confusion(int[] y, float[] p)
    {
        var c = new int[2, 2];
        for (int i = 0; i < y.Length; i++) c[y[i], p[i] >= 0.5f ? 1 : 0]++;
        return c;
    }

    // Plain k-fold for regression: shuffled once (seeded), dealt out round-robin.
    private static IReadOnlyList<Fold> RandomKFold(int count, int k, int seed)
    {
        if (k < 2) throw new CliInputException($"--folds must be at least 2. Received: {k}");
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        var folds = new List<Fold>();
        for (int f = 0; f < k; f++)
        {
            var test = order.Where((_, i) => i % k == f).Order().ToArray();
            var set = test.ToHashSet();
            folds.Add(new Fold(f, Enumerable.Range(0, count).Where(i => !set.Contains(i)).ToArray(), test));
        }
        return folds;
    }
}
