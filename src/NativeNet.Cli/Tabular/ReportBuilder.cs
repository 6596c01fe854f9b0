using System.Globalization;
using NativeNet.Kernels;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Reporting;
using R = NativeNet.Reporting;

namespace NativeNet.Cli.Tabular;

/// <summary>Fills a <see cref="TrainingReport"/> from a train run.</summary>
public static class ReportBuilder
{
    /// <summary>The report of <paramref name="o"/>.</summary>
    public static TrainingReport Build(TrainOutcome o)
    {
        var s = o.Settings;
        var data = o.Data.Dataset;
        var (what, source) = Provenance.Find(s.DataPath);
        bool cls = s.Classification, binary = o.ClassCount == 2, table = o.Data.Input == InputKinds.Table;
        string kind = binary ? "binary classification" : $"{o.ClassCount}-class classification";
        var report = new TrainingReport(cls ? $"{Title(s)} — {kind} of '{s.Target}'" : $"{Title(s)} — regression of '{s.Target}'")
        {
            Task = cls ? ReportTask.Classification : ReportTask.Regression,
            Timestamp = DateTimeOffset.Now,
            Versions = new Dictionary<string, string> { ["NativeNet"] = NativeNetRuntime.Version, [".NET"] = Environment.Version.ToString() },
            Dataset = new DatasetInfo
            {
                Name = what ?? Path.GetFileName(s.DataPath),
                Path = s.DataPath,
                Rows = data.Count,
                Features = data.SampleSize,
                ClassCounts = cls ? o.Classes!.Select((c, i) => (c, (long)data.GetLabels().Count(l => l == i))).ToDictionary(t => t.c, t => t.Item2) : null,
                Provenance = source,
            },
            Settings = Settings(o),
            Folds = o.Folds.Select(f => new FoldResult(f.Index + 1, f.Metrics)
            {
                TrainRows = f.TrainRows, ValidationRows = f.TestRows,
                Confusion = f.Confusion is null ? null : new R.ConfusionMatrix(o.Classes!, f.Confusion),
            }).ToList(),
            Summary = o.Summary.Select(m => new MetricSummary(m.Name, m.Estimate, double.IsNaN(m.Low) ? null : new R.ConfidenceInterval(m.Low, m.High))).ToList(),
            Curves = new TrainingCurves(o.Folds.Select(f => new EpochSeries($"Fold {f.Index + 1}", f.History["loss"])
            {
                ValidationLoss = f.History["val_loss"],
                TrainMetric = f.History[cls ? "accuracy" : "r2"],
                ValidationMetric = f.History[cls ? "val_accuracy" : "val_r2"],
            }).ToList()) { MetricName = cls ? MetricNames.Accuracy : MetricNames.R2 },
            FeatureImportance = o.Importance is { Count: > 0 } importance
                ? new FeatureImportanceResult(importance.Select(i => new R.FeatureImportance(i.Name, i.MeanDrop, i.StdDrop)).ToList())
                {
                    ScoreName = cls ? MetricNames.RocAuc : MetricNames.R2, Repeats = o.ImportanceRepeats,
                }
                : null,
            Architecture = Graph(o.FinalModel, data.SampleShape),
            Notes = (!cls
                ? $"Metrics are out-of-fold in target units; the estimate is the metric of the pooled out-of-fold predictions and the 95% interval a {s.BootstrapResamples}-resample bootstrap of that same estimate (seed {s.Seed}); the per-fold mean ± SD is in the fold table."
                : $"Metrics are out-of-fold: each row is predicted by the model of the fold that held it out; the estimate is the metric of the pooled out-of-fold predictions and the 95% interval a {s.BootstrapResamples}-resample bootstrap of that same estimate (seed {s.Seed}); the per-fold mean ± SD is in the fold table. " +
                  (binary ? $"Positive class: '{o.Classes![1]}', threshold 0.5."
                          : $"Predicted class: the most probable of {o.ClassCount}; sensitivity and specificity are macro averages of the one-vs-rest values per class ({PerClassText(o)}), ROC-AUC the macro one-vs-rest average."))
                + (table
                    ? " Feature importance: permutation importance on held-out rows — each fold's model scored on the rows it never saw, the drops averaged over folds (so it measures generalization, not memorization)."
                    : $" Input: {o.Data.Input} [{string.Join(", ", data.SampleShape)}]; no per-feature importance for {o.Data.Input}.")
                + " Research software: not a medical device.",
        };
        if (cls)
            report = report with { Confusion = new R.ConfusionMatrix(o.Classes!, TabularMetrics.Confusion(TabularMetrics.Labels(data.Targets), o.OutOfFold, o.ClassCount)) };
        if (binary)
        {
            var y = TabularMetrics.Labels(data.Targets);
            var p = o.OutOfFold;
            var roc = RankingMetrics.RocCurve(y, p);
            var auc = o.Summary.First(m => m.Name == "roc_auc");
            var pr = RankingMetrics.PrecisionRecallCurve(y, p);
            var bins = CalibrationMetrics.CalibrationCurve(y, p, 10);
            report = report with
            {
                Roc = new RocCurve(roc.Select(r => r.FalsePositiveRate).ToList(), roc.Select(r => r.TruePositiveRate).ToList(), RankingMetrics.RocAuc(y, p))
                {
                    AucInterval = double.IsNaN(auc.Low) ? null : new R.ConfidenceInterval(auc.Low, auc.High),
                },
                PrecisionRecall = new PrCurve(pr.Select(q => q.Recall).ToList(), pr.Select(q => q.Precision).ToList(), RankingMetrics.AveragePrecision(y, p))
                {
                    Prevalence = y.Average(),
                },
                Calibration = new CalibrationCurve(bins.Where(b => b.Count > 0).Select(b => new R.CalibrationBin(b.MeanPredicted, b.FractionPositive, b.Count)).ToList())
                {
                    BrierScore = CalibrationMetrics.BrierScore(y, p),
                },
            };
        }
        else if (!cls)
        {
            report = report with
            {
                Regression = new RegressionResults(data.Targets.Select(v => (double)v).ToList(), o.OutOfFold.Select(v => (double)v).ToList()) { TargetName = s.Target },
            };
        }
        return report;
    }

    private static string Title(TrainSettings s) => Path.GetFileNameWithoutExtension(s.DataPath) switch
    {
        "breast_cancer_wisconsin" => "Breast cancer diagnosis",
        "diabetes_progression" => "Diabetes progression",
        var n => n,
    };

    private static Dictionary<string, string> Settings(TrainOutcome o)
    {
        var s = o.Settings;
        var kernels = KernelProvider.Current;
        var d = new Dictionary<string, string>
        {
            ["Model"] = s.Network.Description,
            ["Loss"] = o.ClassCount switch { 0 => "MSE (standardized target)", 2 => "BCE with logits", _ => $"cross-entropy ({o.ClassCount} classes, softmax)" },
            ["Optimizer"] = $"Adam, lr {s.LearningRate.ToString(CultureInfo.InvariantCulture)}, L2 {s.WeightDecay.ToString(CultureInfo.InvariantCulture)}",
            ["Epochs"] = s.Epochs.ToString(CultureInfo.InvariantCulture),
            ["Batch size"] = s.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["Cross-validation"] = $"{s.Folds}-fold{(s.Classification ? " stratified" : "")}" + $", input {(o.Data.Input == InputKinds.Table ? ModelSchema.PerFeature : ModelSchema.PerChannel)}, fitted per training fold",
            ["Seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
            ["Run id"] = s.RunId,
            ["Backend"] = kernels.Backend.ToString().ToLowerInvariant(),
        };
        if (kernels.Backend == Backend.Native)
        {
            d["ISA"] = NativeNetRuntime.IsaName(NativeNetRuntime.Cpu.ChosenIsa);
            d["Threads"] = NativeNetRuntime.Threads.ToString(CultureInfo.InvariantCulture);
        }
        else d["Threads"] = "1 (managed kernels)";
        return d;
    }

    /// <summary>
    /// The network as a top-to-bottom graph: input, then each direct child in the order the forward
    /// pass calls it (found with forward hooks while running it on zeros), with output shape and parameter count.
    /// </summary>
    public static ArchitectureGraph Graph(Module model, IReadOnlyList<int> sampleShape)
    {
        string Shape(IEnumerable<int> dims) => $"[N, {string.Join(", ", dims)}]";
        var nodes = new List<LayerNode> { new("input", "input", "Input") { OutputShape = Shape(sampleShape) } };
        var hooks = new List<IDisposable>();
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            foreach (var (name, child) in model.NamedChildren())
                hooks.Add(child.RegisterForwardHook((layer, _, output) =>
                    nodes.Add(new LayerNode($"l{nodes.Count - 1}", name, layer.GetType().Name)
                    {
                        OutputShape = Shape(output.Shape.Skip(1)), Parameters = layer.Parameters().Sum(p => (long)p.Count), Details = layer.ToString(),
                    })));
            using var noGrad = Autograd.NoGrad();
            using var scope = Tensor.NewDisposeScope();
            model.Forward(Tensor.Zeros([1, .. sampleShape]));
        }
        finally
        {
            foreach (var h in hooks) h.Dispose();
            model.Train(wasTraining);
        }
        return ArchitectureGraph.Sequential(nodes);
    }

    private static string PerClassText(TrainOutcome o)
    {
        var rates = TabularMetrics.PerClass(TabularMetrics.Confusion(TabularMetrics.Labels(o.Data.Dataset.Targets), o.OutOfFold, o.ClassCount));
        return string.Join("; ", o.Classes!.Select((c, i) => string.Create(CultureInfo.InvariantCulture, $"{c}: sensitivity {rates[i].Sensitivity:F3}, specificity {rates[i].Specificity:F3}")));
    }
}
