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
    /// <summary>The loaded data (CSV table or .npz images/signals).</summary>
    public required LabelledData Data { get; init; }
    /// <summary>Class labels (classification).</summary>
    public IReadOnlyList<string>? Classes => Data.Classes;
    /// <summary>Per-fold results.</summary>
    public required IReadOnlyList<FoldOutcome> Folds { get; init; }
    /// <summary>
    /// Pooled out-of-fold outputs, row-major: P(positive class) per row for two classes, one
    /// probability per class for more, the prediction in target units for regression.
    /// </summary>
    public required float[] OutOfFold { get; init; }
    /// <summary>Metric summaries, in display order.</summary>
    public required IReadOnlyList<MetricOutcome> Summary { get; init; }
    /// <summary>The final model, trained on all rows.</summary>
    public required Module FinalModel { get; init; }
    /// <summary>The schema stored with the final model.</summary>
    public required ModelSchema Schema { get; init; }
    /// <summary>Permutation importance on the held-out rows of every fold (tables only; null for images and signals).</summary>
    public IReadOnlyList<NativeNet.Training.FeatureImportance>? Importance { get; init; }
    /// <summary>Importance shuffles per feature, all folds together.</summary>
    public int ImportanceRepeats { get; init; }
    /// <summary>Final model's training history.</summary>
    public required History FinalHistory { get; init; }
    /// <summary>Number of classes (0 for regression).</summary>
    public int ClassCount => Classes?.Count ?? 0;

    /// <inheritdoc />
    public void Dispose() => FinalModel.Dispose();
}

/// <summary>
/// Cross-validates a network on a CSV table (MLP) or an .npz archive (CNN on images, LSTM on
/// signals) and trains the final model: per fold, standardization fitted on the training part only
/// (per column for tables, per channel on the raw values for images and signals; for regression,
/// the target too), Adam with L2 and the task's loss
/// (BCE with logits for two classes, cross-entropy for more, MSE for regression), then permutation
/// importance on the fold's held-out rows; finally a model on all rows.
/// </summary>
public static class TabularTrainer
{
    /// <summary>Importance shuffles per feature and fold.</summary>
    public const int ImportanceRepeats = 5;

    /// <summary>Loads the data of <paramref name="s"/>: an .npz archive or a CSV table.</summary>
    public static LabelledData Load(TrainSettings s)
    {
        if (ArrayData.IsNpz(s.DataPath))
        {
            if (!s.Classification) throw new CliInputException($"{s.DataPath}: images and signals are classified; --task regression needs a CSV table.");
            return ArrayData.Load(s.DataPath);
        }
        return TabularData.Labelled(TabularData.Load(s.DataPath, s.Target, s.Classification), s.Classification);
    }

    /// <summary>Runs cross-validation and the final fit; writes progress to <paramref name="log"/>.</summary>
    public static TrainOutcome Run(TrainSettings s, TextWriter log, bool live)
    {
        var loaded = Load(s);
        var data = loaded.Dataset;
        s.Network.CheckParameters(data.SampleShape, Outputs(loaded.Classes?.Count ?? 0), s.MaxParams);
        if (s.Folds > data.Count) throw new CliInputException($"--folds {s.Folds} exceeds the {data.Count} rows of {s.DataPath}.");
        var classes = loaded.Classes;
        int k = classes?.Count ?? 0, width = k > 0 ? TabularMetrics.Width(k) : 1;
        if (classes is not null)
        {
            var counts = new int[k];
            foreach (var l in data.GetLabels()) counts[l]++;
            int rarest = Array.IndexOf(counts, counts.Min());
            if (counts[rarest] < s.Folds)
                throw new CliInputException($"{s.DataPath}: class '{classes[rarest]}' has {counts[rarest]} rows, fewer than --folds {s.Folds}.");
        }
        string what = loaded.Input == InputKinds.Table ? $"{data.SampleSize} features, target '{s.Target}'" : $"{loaded.Input} [{string.Join(", ", data.SampleShape)}]";
        log.WriteLine($"Data: {s.DataPath} ({data.Count} rows, {what}" + (classes is null ? ", regression)"
            : k == 2 ? $", classes {classes[0]} / {classes[1]}, positive class '{classes[1]}')" : $", {k} classes: {string.Join(", ", classes)})"));
        log.WriteLine($"Model: {s.Network} | {s.Folds}-fold {(s.Classification ? "stratified " : "")}cross-validation, {s.Epochs} epochs, batch {s.BatchSize}, lr {s.LearningRate}, seed {s.Seed}");

        var folds = s.Classification
            ? Splits.StratifiedKFold(data.GetLabels(), s.Folds, s.Seed)
            : RandomKFold(data.Count, s.Folds, s.Seed);
        bool table = loaded.Input == InputKinds.Table;
        var importanceMetric = new TaskMetric(k);
        var oof = new float[data.Count * width];
        var results = new List<FoldOutcome>();
        var foldImportance = new List<IReadOnlyList<NativeNet.Training.FeatureImportance>>();
        foreach (var fold in folds)
        {
            log.WriteLine($"Fold {fold.Index + 1}/{s.Folds}: train {fold.Train.Length} rows, test {fold.Test.Length} rows");
            var (train, test, _, tMean, tStd) = Prepare(data, fold.Train, fold.Test, s.Classification, loaded.Input);
            using var model = s.Network.Build(data.SampleShape, Outputs(k), s.Seed + fold.Index);
            model.ToPrecision(s.Precision);
            var compiled = Compile(model, s, k);
            var history = compiled.Fit(train, s.Epochs, s.BatchSize, validationData: test, progress: new ConsoleProgress(log, live), seed: s.Seed + fold.Index, distributed: s.Distributed);
            var outputs = ToTargetUnits(compiled.Predict(test), tMean, tStd);
            var actual = data.Subset(fold.Test).Targets;
            for (int i = 0; i < fold.Test.Length; i++) Array.Copy(outputs, (long)i * width, oof, (long)fold.Test[i] * width, width);
            var metrics = TabularMetrics.All(k, actual, outputs);
            int[,]? confusion = s.Classification ? TabularMetrics.Confusion(TabularMetrics.Labels(actual), outputs, k) : null;
            results.Add(new FoldOutcome(fold.Index, fold.Train.Length, fold.Test.Length, metrics, history, confusion));
            log.WriteLine($"Fold {fold.Index + 1}/{s.Folds}: " + string.Join("  ", metrics.Select(kv => $"{kv.Key} {kv.Value:F4}")));
            // Importance on the rows this fold's model never saw (on training rows it measures memorization).
            if (table && test.Count >= 2)
                foldImportance.Add(PermutationImportance.Compute(d => compiled.Predict(d), test, importanceMetric, ImportanceRepeats, s.Seed + fold.Index));
        }

        var summary = new List<MetricOutcome>();
        foreach (var n in s.Classification ? TabularMetrics.ClassificationNames : TabularMetrics.RegressionNames)
        {
            double foldMean = results.Select(r => r.Metrics[n]).Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Average();
            double pooled = TabularMetrics.All(k, data.Targets, oof)[n];
            var (lo, hi) = TabularMetrics.Interval(k, n, data.Targets, oof, s.BootstrapResamples, s.Seed);
            summary.Add(new MetricOutcome(n, pooled, lo, hi, foldMean));
        }

        log.WriteLine($"Final model: training on all {data.Count} rows");
        var all = Enumerable.Range(0, data.Count).ToArray();
        var (full, _, finalScaler, fMean, fStd) = Prepare(data, all, [], s.Classification, loaded.Input);
        log.WriteLine($"Input scaling: {Describe(finalScaler, loaded.Input)}");
        var final = s.Network.Build(data.SampleShape, Outputs(k), s.Seed);
        final.ToPrecision(s.Precision);
        try
        {
            var finalCompiled = Compile(final, s, k);
            var finalHistory = finalCompiled.Fit(full, s.Epochs, s.BatchSize, progress: new ConsoleProgress(log, live), seed: s.Seed, distributed: s.Distributed);
            var schema = new ModelSchema
            {
                Input = loaded.Input,
                InputShape = table ? [] : data.SampleShape.ToList(),
                Task = s.Classification ? "classification" : "regression",
                Features = table ? loaded.FeatureNames.ToList() : [],
                Target = table ? s.Target : "labels",
                Classes = classes?.ToList(),
                InputScaling = table ? ModelSchema.PerFeature : ModelSchema.PerChannel,
                ScalerMean = finalScaler.Mean.ToList(),
                ScalerStd = finalScaler.Scale.ToList(),
                TargetMean = s.Classification ? null : fMean,
                TargetStd = s.Classification ? null : fStd,
                ModelDescription = s.Network.ToString(),
            };
            return new TrainOutcome
            {
                Settings = s, Data = loaded, Folds = results, OutOfFold = oof, Summary = summary,
                FinalModel = final, Schema = schema, Importance = table ? Pool(foldImportance) : null, ImportanceRepeats = ImportanceRepeats * foldImportance.Count, FinalHistory = finalHistory,
            };
        }
        catch
        {
            final.Dispose();
            throw;
        }
    }

    /// <summary>Network outputs for <paramref name="classes"/> classes: one logit for two (or a value for regression), else one per class.</summary>
    public static int Outputs(int classes) => classes > 2 ? classes : 1;

    /// <summary>Adam with L2 and the task's loss; metrics for the learning curves.</summary>
    public static CompiledModel Compile(Module model, TrainSettings s, int classes)
    {
        var adam = new Adam(model.Parameters(), lr: s.LearningRate, weightDecay: s.WeightDecay);
        return classes switch
        {
            0 => model.Compile(adam, new MSELoss(), "r2"),
            2 => model.Compile(adam, new BCEWithLogitsLoss(), "accuracy", "auc"),
            _ => model.Compile(adam, new CrossEntropyLoss(), "accuracy"),
        };
    }

    /// <summary>Maps network outputs to target units (regression undoes the target standardization).</summary>
    public static float[] ToTargetUnits(float[] outputs, double? mean, double? std)
    {
        if (mean is not { } m || std is not { } sd) return outputs;
        return outputs.Select(o => (float)(o * sd + m)).ToArray();
    }

    // Per feature: the mean of the folds' mean drops; the spread of every drop of every fold.
    private static IReadOnlyList<NativeNet.Training.FeatureImportance> Pool(List<IReadOnlyList<NativeNet.Training.FeatureImportance>> folds)
    {
        if (folds.Count == 0) return [];
        return folds[0].Select(f =>
        {
            var drops = folds.SelectMany(fold => fold[f.Feature].Drops).ToArray();
            double mean = folds.Average(fold => fold[f.Feature].MeanDrop);
            double sd = Math.Sqrt(drops.Sum(d => (d - mean) * (d - mean)) / drops.Length);
            return new NativeNet.Training.FeatureImportance(f.Feature, f.Name, mean, sd, drops);
        }).ToList();
    }

    /// <summary>The input scaling in words, with its fitted values, for the console.</summary>
    public static string Describe(StandardScaler scaler, string input)
    {
        static string F(double v) => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);
        string values = scaler.Mean.Count <= 4
            ? string.Join(", ", scaler.Mean.Select((m, j) => $"{(input == InputKinds.Table ? "feature" : "channel")} {j}: mean {F(m)}, std {F(scaler.Scale[j])}"))
            : $"{scaler.Mean.Count} {(input == InputKinds.Table ? "features" : "channels")}, means {F(scaler.Mean.Min())}…{F(scaler.Mean.Max())}, stds {F(scaler.Scale.Min())}…{F(scaler.Scale.Max())}";
        return $"{(input == InputKinds.Table ? ModelSchema.PerFeature : ModelSchema.PerChannel)}; {values} (stored in the model's schema, folded into the ONNX export)";
    }

    // Standardizes the input (fitted on the training rows: per column, or per channel of images and
    // signals) and, for regression, the target.
    private static (Dataset Train, Dataset Test, StandardScaler Scaler, double? TargetMean, double? TargetStd) Prepare(
        Dataset data, int[] trainIdx, int[] testIdx, bool classification, string input)
    {
        var trainRaw = data.Subset(trainIdx);
        var (channels, inner) = ModelSchema.ChannelLayout(input, data.SampleShape);
        var scaler = StandardScaler.FitPerChannel(trainRaw.Features, channels, inner);
        var train = scaler.Transform(trainRaw);
        var test = testIdx.Length == 0 ? train : scaler.Transform(data.Subset(testIdx));
        if (classification) return (train, test, scaler, null, null);
        double mean = train.Targets.Average(t => (double)t);
        double sd = Math.Sqrt(train.Targets.Average(t => (t - mean) * (t - mean)));
        if (sd < 1e-12) sd = 1;
        Dataset Z(Dataset d) => new(d.Features, [d.SampleSize], d.Targets.Select(t => (float)((t - mean) / sd)).ToArray(), 1, d.FeatureNames);
        return (Z(train), testIdx.Length > 0 ? Z(test) : Z(train), scaler, mean, sd);
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

    /// <summary>The task's headline score for permutation importance: ROC-AUC (macro one-vs-rest for more than two classes) or R².</summary>
    private sealed class TaskMetric(int classes) : Metric
    {
        public override string Name => classes > 0 ? "roc_auc" : "r2";

        public override double Compute(ReadOnlySpan<float> outputs, int outputWidth, ReadOnlySpan<float> targets, int targetWidth) => classes > 0
            ? TabularMetrics.Classification("roc_auc", TabularMetrics.Labels(targets.ToArray()), outputs.ToArray(), classes)
            : TabularMetrics.Regression("r2", targets.ToArray(), outputs.ToArray());
    }
}
