using NativeNet.Reporting;

namespace NativeNet.Tests.Reporting;

/// <summary>
/// Realistic reports for the tests, built from seeded synthetic predictions: every curve, matrix
/// and metric is computed from the same simulated scores, so the numbers agree with each other
/// the way a real run's would (nothing is typed in by hand).
/// </summary>
internal static class ReportSamples
{
    public const double T975Df4 = 2.7764451051977987; // Student t quantile for a 95% CI over 5 folds

    /// <summary>A full classification report: 5-fold CV of an MLP on a breast-cancer-like set.</summary>
    public static TrainingReport CreateDemo(int seed = 42)
    {
        var rng = new Random(seed);
        const int rows = 569, positives = 212, folds = 5;
        var y = Enumerable.Range(0, rows).Select(i => i < positives ? 1 : 0).OrderBy(_ => rng.Next()).ToArray();
        // Binormal scores, separation chosen to match the data set's published quality
        // (README: MLP accuracy ≈ 0.98, ROC-AUC ≈ 0.99).
        var p = y.Select(t => Sigmoid(Normal(rng, t == 1 ? 2.4 : -2.6, 1.45))).ToArray();
        var fold = Enumerable.Range(0, rows).Select(i => i % folds).OrderBy(_ => rng.Next()).ToArray();

        var foldResults = new List<FoldResult>();
        for (int f = 0; f < folds; f++)
        {
            var idx = Enumerable.Range(0, rows).Where(i => fold[i] == f).ToArray();
            var yt = idx.Select(i => y[i]).ToArray();
            var pt = idx.Select(i => p[i]).ToArray();
            var cm = Confusion(yt, pt);
            foldResults.Add(new FoldResult(f + 1, Metrics(yt, pt, cm))
            {
                TrainRows = rows - idx.Length,
                ValidationRows = idx.Length,
                Confusion = new ConfusionMatrix(["benign", "malignant"], cm),
            });
        }

        var (fpr, tpr) = Roc(y, p);
        var (recall, precision) = Pr(y, p);
        double auc = Trapezoid(fpr, tpr);
        var summary = foldResults[0].Metrics.Keys.Select(name => Summarize(name, foldResults.Select(r => r.Metrics[name]).ToArray(), bounded: true)).ToList();
        var aucSummary = summary.First(s => s.Name == MetricNames.RocAuc);

        return new TrainingReport("Breast cancer diagnosis — MLP (5-fold cross-validation)")
        {
            Task = ReportTask.Classification,
            Timestamp = new DateTimeOffset(2025, 11, 23, 14, 5, 12, TimeSpan.Zero),
            Versions = new Dictionary<string, string> { ["NativeNet"] = "0.1.0", [".NET"] = "10.0.0", ["OS"] = "Debian 12 x64" },
            Dataset = new DatasetInfo
            {
                Name = "Breast Cancer Wisconsin (Diagnostic)",
                Path = "data/breast_cancer_wisconsin.csv",
                Rows = rows,
                Features = FeatureNames.Length,
                ClassCounts = new Dictionary<string, long> { ["benign"] = rows - positives, ["malignant"] = positives },
                Provenance = "W. H. Wolberg, O. L. Mangasarian, N. Street, W. Street. UCI Machine Learning Repository, doi:10.24432/C5DW2B, CC BY 4.0.",
            },
            Settings = new Dictionary<string, string>
            {
                ["Model"] = "MLP 30 → 64 → 32 → 1 (ReLU, dropout 0.2)",
                ["Epochs"] = "40",
                ["Batch size"] = "32",
                ["Learning rate"] = "0.001 (Adam)",
                ["Folds"] = "5 (stratified)",
                ["Seed"] = seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Threads"] = "2",
                ["Backend"] = "native",
                ["ISA"] = "AVX2",
            },
            Folds = foldResults,
            Summary = summary,
            Curves = Curves(rng, folds, 40, MetricNames.Accuracy),
            Roc = new RocCurve(fpr, tpr, auc) { AucInterval = aucSummary.Interval },
            PrecisionRecall = new PrCurve(recall, precision, AveragePrecision(recall, precision)) { Prevalence = (double)positives / rows },
            Confusion = new ConfusionMatrix(["benign", "malignant"], Confusion(y, p)),
            Calibration = new CalibrationCurve(Calibration(y, p, 10)) { BrierScore = Enumerable.Range(0, rows).Average(i => (p[i] - y[i]) * (p[i] - y[i])) },
            FeatureImportance = new FeatureImportanceResult(Importance(rng)) { ScoreName = MetricNames.RocAuc, Repeats = 10 },
            Architecture = Mlp(),
            Notes = "Research use only. Synthetic numbers for the report's tests; not a validated diagnostic model.",
        };
    }

    /// <summary>A full regression report: diabetes progression, 5-fold CV.</summary>
    public static TrainingReport CreateRegressionDemo(int seed = 7)
    {
        var rng = new Random(seed);
        const int rows = 442, folds = 5;
        var actual = Enumerable.Range(0, rows).Select(_ => Math.Round(Math.Clamp(Normal(rng, 152, 77), 25, 346))).ToArray();
        var predicted = actual.Select(a => 0.5 * a + 76 + Normal(rng, 0, 48)).ToArray();
        var fold = Enumerable.Range(0, rows).Select(i => i % folds).OrderBy(_ => rng.Next()).ToArray();
        var foldResults = Enumerable.Range(0, folds).Select(f =>
        {
            var idx = Enumerable.Range(0, rows).Where(i => fold[i] == f).ToArray();
            var a = idx.Select(i => actual[i]).ToArray();
            var pr = idx.Select(i => predicted[i]).ToArray();
            double mean = a.Average();
            double sse = a.Zip(pr).Sum(t => (t.First - t.Second) * (t.First - t.Second));
            double sst = a.Sum(v => (v - mean) * (v - mean));
            return new FoldResult(f + 1, new Dictionary<string, double>
            {
                [MetricNames.Rmse] = Math.Sqrt(sse / a.Length),
                [MetricNames.Mae] = a.Zip(pr).Average(t => Math.Abs(t.First - t.Second)),
                [MetricNames.R2] = 1 - sse / sst,
            }) { TrainRows = rows - idx.Length, ValidationRows = idx.Length };
        }).ToList();
        string[] features = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"];
        return new TrainingReport("Diabetes progression — MLP regression")
        {
            Task = ReportTask.Regression,
            Timestamp = new DateTimeOffset(2025, 11, 23, 15, 0, 0, TimeSpan.FromHours(1)),
            Dataset = new DatasetInfo { Name = "Diabetes (Efron et al. 2004)", Path = "data/diabetes_progression.csv", Rows = rows, Features = features.Length },
            Settings = new Dictionary<string, string> { ["Model"] = "MLP 10 → 32 → 1", ["Epochs"] = "60", ["Folds"] = "5" },
            Folds = foldResults,
            Summary = foldResults[0].Metrics.Keys.Select(n => Summarize(n, foldResults.Select(r => r.Metrics[n]).ToArray())).ToList(),
            Curves = Curves(rng, folds, 60, MetricNames.Mae),
            Regression = new RegressionResults(actual, predicted) { TargetName = "progression" },
            FeatureImportance = new FeatureImportanceResult(features.Select((n, i) =>
                new FeatureImportance(n, Math.Max(-0.01, 0.25 / (1 + i * i * 0.4) + Normal(rng, 0, 0.01)), 0.01 + rng.NextDouble() * 0.02)).ToList())
            { ScoreName = MetricNames.R2, Repeats = 5 },
            Architecture = ArchitectureGraph.Sequential(
                new LayerNode("in", "input", "Input") { OutputShape = "[N, 10]" },
                new LayerNode("fc1", "fc1", "Linear") { OutputShape = "[N, 32]", Parameters = 352, Details = "ReLU" },
                new LayerNode("out", "out", "Linear") { OutputShape = "[N, 1]", Parameters = 33 }),
        };
    }

    public static readonly string[] FeatureNames =
    [
        "mean_radius", "mean_texture", "mean_perimeter", "mean_area", "mean_smoothness", "mean_compactness",
        "mean_concavity", "mean_concave_points", "mean_symmetry", "mean_fractal_dimension", "radius_error",
        "texture_error", "perimeter_error", "area_error", "smoothness_error", "compactness_error", "concavity_error",
        "concave_points_error", "symmetry_error", "fractal_dimension_error", "worst_radius", "worst_texture",
        "worst_perimeter", "worst_area", "worst_smoothness", "worst_compactness", "worst_concavity",
        "worst_concave_points", "worst_symmetry", "worst_fractal_dimension",
    ];

    /// <summary>Mean and t-based 95% CI over 5 folds; proportions are clamped to [0, 1].</summary>
    public static MetricSummary Summarize(string name, double[] values, bool bounded = false)
    {
        double mean = values.Average();
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        double half = T975Df4 * sd / Math.Sqrt(values.Length);
        double lo = mean - half, hi = mean + half;
        if (bounded) (lo, hi) = (Math.Max(0, lo), Math.Min(1, hi));
        return new MetricSummary(name, mean, new ConfidenceInterval(lo, hi));
    }

    private static double Normal(Random rng, double mean, double sd) =>
        mean + sd * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    public static int[,] Confusion(int[] y, double[] p)
    {
        var cm = new int[2, 2];
        for (int i = 0; i < y.Length; i++) cm[y[i], p[i] >= 0.5 ? 1 : 0]++;
        return cm;
    }

    private static Dictionary<string, double> Metrics(int[] y, double[] p, int[,] cm)
    {
        double tn = cm[0, 0], fp = cm[0, 1], fn = cm[1, 0], tp = cm[1, 1];
        var (fpr, tpr) = Roc(y, p);
        return new Dictionary<string, double>
        {
            [MetricNames.Accuracy] = (tp + tn) / y.Length,
            [MetricNames.Sensitivity] = tp / (tp + fn),
            [MetricNames.Specificity] = tn / (tn + fp),
            [MetricNames.RocAuc] = Trapezoid(fpr, tpr),
            [MetricNames.F1] = 2 * tp / (2 * tp + fp + fn),
            [MetricNames.Brier] = Enumerable.Range(0, y.Length).Average(i => (p[i] - y[i]) * (p[i] - y[i])),
        };
    }

    /// <summary>ROC points at every distinct threshold, from (0,0) to (1,1).</summary>
    public static (double[] Fpr, double[] Tpr) Roc(int[] y, double[] p)
    {
        int pos = y.Count(v => v == 1), neg = y.Length - pos;
        var order = Enumerable.Range(0, y.Length).OrderByDescending(i => p[i]).ToArray();
        var fpr = new List<double> { 0 };
        var tpr = new List<double> { 0 };
        int tp = 0, fp = 0;
        for (int k = 0; k < order.Length; k++)
        {
            if (y[order[k]] == 1) tp++; else fp++;
            if (k + 1 < order.Length && p[order[k + 1]] == p[order[k]]) continue;
            fpr.Add(neg == 0 ? double.NaN : (double)fp / neg);
            tpr.Add(pos == 0 ? double.NaN : (double)tp / pos);
        }
        return (fpr.ToArray(), tpr.ToArray());
    }

    private static (double[] Recall, double[] Precision) Pr(int[] y, double[] p)
    {
        int pos = y.Count(v => v == 1);
        var order = Enumerable.Range(0, y.Length).OrderByDescending(i => p[i]).ToArray();
        var recall = new List<double> { 0 };
        var precision = new List<double> { 1 };
        int tp = 0;
        for (int k = 0; k < order.Length; k++)
        {
            if (y[order[k]] == 1) tp++;
            recall.Add((double)tp / pos);
            precision.Add((double)tp / (k + 1));
        }
        return (recall.ToArray(), precision.ToArray());
    }

    private static double Trapezoid(double[] x, double[] y)
    {
        double area = 0;
        for (int i = 1; i < x.Length; i++) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        return area;
    }

    private static double AveragePrecision(double[] recall, double[] precision)
    {
        double ap = 0;
        for (int i = 1; i < recall.Length; i++) ap += (recall[i] - recall[i - 1]) * precision[i];
        return ap;
    }

    private static List<CalibrationBin> Calibration(int[] y, double[] p, int bins) =>
        Enumerable.Range(0, y.Length).GroupBy(i => Math.Min(bins - 1, (int)(p[i] * bins)))
            .OrderBy(g => g.Key)
            .Select(g => new CalibrationBin(g.Average(i => p[i]), g.Average(i => (double)y[i]), g.Count())).ToList();

    private static TrainingCurves Curves(Random rng, int folds, int epochs, string metric, double scale = 1)
    {
        bool lowerIsBetter = metric == MetricNames.Mae;
        var runs = Enumerable.Range(1, folds).Select(f =>
        {
            double speed = 5 + rng.NextDouble() * 3;
            var train = Enumerable.Range(1, epochs).Select(e => scale * (0.06 + 0.62 * Math.Exp(-e / speed) + Normal(rng, 0, 0.006))).ToArray();
            var val = Enumerable.Range(1, epochs).Select(e => scale * (0.09 + 0.58 * Math.Exp(-e / speed) + 0.0009 * e + Normal(rng, 0, 0.012))).ToArray();
            // Regression: loss is the MSE of the standardized target; MAE in target units (σ ≈ 77, MAE ≈ 0.8 RMSE).
            double[] M(double[] loss) => loss.Select(l => lowerIsBetter ? 0.8 * 77 * Math.Sqrt(l / 0.36 * 0.55) : Math.Clamp(1.02 - l / scale * 0.9, 0, 1)).ToArray();
            return new EpochSeries($"Fold {f}", train) { ValidationLoss = val, TrainMetric = M(train), ValidationMetric = M(val) };
        }).ToList();
        return new TrainingCurves(runs) { MetricName = metric };
    }

    private static List<FeatureImportance> Importance(Random rng) =>
        FeatureNames.Select(n =>
        {
            double baseDrop = n switch
            {
                "worst_concave_points" => 0.061, "worst_perimeter" => 0.043, "worst_radius" => 0.038,
                "mean_concave_points" => 0.031, "worst_area" => 0.027, "worst_texture" => 0.022,
                "mean_concavity" => 0.015, "area_error" => 0.012, "worst_smoothness" => 0.009,
                _ => 0.004 * rng.NextDouble() - 0.001,
            };
            return new FeatureImportance(n, baseDrop, 0.002 + baseDrop * 0.25 * rng.NextDouble());
        }).OrderBy(_ => rng.Next()).ToList();

    private static ArchitectureGraph Mlp() => ArchitectureGraph.Sequential(
        new LayerNode("input", "input", "Input") { OutputShape = "[N, 30]" },
        new LayerNode("fc1", "fc1", "Linear") { OutputShape = "[N, 64]", Parameters = 30 * 64 + 64 },
        new LayerNode("act1", "act1", "ReLU") { OutputShape = "[N, 64]" },
        new LayerNode("drop1", "drop1", "Dropout") { OutputShape = "[N, 64]", Details = "p = 0.2" },
        new LayerNode("fc2", "fc2", "Linear") { OutputShape = "[N, 32]", Parameters = 64 * 32 + 32 },
        new LayerNode("act2", "act2", "ReLU") { OutputShape = "[N, 32]" },
        new LayerNode("out", "out", "Linear") { OutputShape = "[N, 1]", Parameters = 33 },
        new LayerNode("prob", "prob", "Sigmoid") { OutputShape = "[N, 1]", Details = "P(malignant)" });
}
