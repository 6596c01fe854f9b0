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
        var data = o.Table.Dataset;
        var (what, source) = Provenance.Find(s.DataPath);
        bool cls = s.Classification;
        var report = new TrainingReport(cls ? $"{Title(s)} — binary classification of '{s.Target}'" : $"{Title(s)} — regression of '{s.Target}'")
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
            Summary = o.Summary.Select(m => new MetricSummary(m.Name, m.Mean, double.IsNaN(m.Low) ? null : new R.ConfidenceInterval(m.Low, m.High))).ToList(),
            Curves = new TrainingCurves(o.Folds.Select(f => new EpochSeries($"Fold {f.Index + 1}", f.History["loss"])
            {
                ValidationLoss = f.History["val_loss"],
                TrainMetric = f.History[cls ? "accuracy" : "r2"],
                ValidationMetric = f.History[cls ? "val_accuracy" : "val_r2"],
            }).ToList()) { MetricName = cls ? MetricNames.Accuracy : MetricNames.R2 },
            FeatureImportance = new FeatureImportanceResult(o.Importance.Select(i => new R.FeatureImportance(i.Name, i.MeanDrop, i.StdDrop)).ToList())
            {
                ScoreName = cls ? MetricNames.RocAuc : MetricNames.R2, Repeats = o.ImportanceRepeats,
            },
            Architecture = Graph(o.FinalModel, data.SampleSize),
            Notes = (cls
                ? $"Metrics are out-of-fold: each row is predicted by the model of the fold that held it out; the mean is over folds and the 95% interval is a {s.BootstrapResamples}-resample bootstrap of the pooled out-of-fold predictions (seed {s.Seed}). Positive class: '{o.Classes![1]}', threshold 0.5."
                : $"Metrics are out-of-fold in target units; the mean is over folds and the 95% interval is a {s.BootstrapResamples}-resample bootstrap of the pooled out-of-fold predictions (seed {s.Seed}).")
                + " Feature importance: permutation importance of the final model (trained on all rows) on the training rows. Research software: not a medical device.",
        };
        if (cls)
        {
            var y = TabularMetrics.Labels(data.Targets);
            var p = o.OutOfFold;
            var roc = RankingMetrics.RocCurve(y, p);
            var auc = o.Summary.First(m => m.Name == "roc_auc");
            var pr = RankingMetrics.PrecisionRecallCurve(y, p);
            var bins = CalibrationMetrics.CalibrationCurve(y, p, 10);
            var cm = new int[2, 2];
            for (int i = 0; i < y.Length; i++) cm[y[i], p[i] >= 0.5f ? 1 : 0]++;
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
                Confusion = new R.ConfusionMatrix(o.Classes!, cm),
                Calibration = new CalibrationCurve(bins.Where(b => b.Count > 0).Select(b => new R.CalibrationBin(b.MeanPredicted, b.FractionPositive, b.Count)).ToList())
                {
                    BrierScore = CalibrationMetrics.BrierScore(y, p),
                },
            };
        }
        else
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
            ["Model"] = $"{s.Network} (ReLU, dropout {s.Network.Dropout.ToString(CultureInfo.InvariantCulture)} after the first hidden layer)",
            ["Loss"] = s.Classification ? "BCE with logits" : "MSE (standardized target)",
            ["Optimizer"] = $"Adam, lr {s.LearningRate.ToString(CultureInfo.InvariantCulture)}, L2 {s.WeightDecay.ToString(CultureInfo.InvariantCulture)}",
            ["Epochs"] = s.Epochs.ToString(CultureInfo.InvariantCulture),
            ["Batch size"] = s.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["Cross-validation"] = $"{s.Folds}-fold{(s.Classification ? " stratified" : "")}, standardization fitted per training fold",
            ["Seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
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

    /// <summary>The network as a top-to-bottom graph: input, each layer with output shape and parameter count, output.</summary>
    public static ArchitectureGraph Graph(Sequential model, int inputs)
    {
        var nodes = new List<LayerNode> { new("input", "input", "Input") { OutputShape = $"[N, {inputs}]" } };
        int width = inputs;
        for (int i = 0; i < model.Count; i++)
        {
            var layer = model[i];
            string details = layer.ToString();
            if (layer is Linear lin) width = lin.OutFeatures;
            long parameters = layer.Parameters().Sum(p => (long)p.Count);
            nodes.Add(new LayerNode($"l{i}", i.ToString(CultureInfo.InvariantCulture), layer.GetType().Name)
            {
                OutputShape = $"[N, {width}]", Parameters = parameters, Details = details,
            });
        }
        return ArchitectureGraph.Sequential(nodes);
    }
}
