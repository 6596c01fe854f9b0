using NativeNet.Metrics;

namespace NativeNet.Training;

/// <summary>
/// A metric computed once per epoch over all predictions (so ROC-AUC is exact, not a batch
/// average). <c>outputs</c> are what the model's loss turns into probabilities or values:
/// [n, 1] probability of the positive class, [n, k] class probabilities, or [n, w] regression
/// values; <c>targets</c> are [n, targetWidth] (class labels as 0, 1, 2, … when width 1).
/// Pass instances or names ("accuracy", "auc", "precision", "recall", "specificity", "f1",
/// "brier", "mae", "rmse", "r2") to <c>Compile</c>.
/// </summary>
public abstract class Metric
{
    /// <summary>Log key, e.g. "accuracy" (validation values appear as "val_accuracy").</summary>
    public abstract string Name { get; }

    /// <summary>Whether larger values are better (for callbacks and permutation importance).</summary>
    public virtual bool HigherIsBetter => true;

    /// <summary>Computes the metric.</summary>
    /// <param name="outputs">Row-major [n, outputWidth] probabilities or values.</param>
    /// <param name="outputWidth">Outputs per sample.</param>
    /// <param name="targets">Row-major [n, targetWidth] targets.</param>
    /// <param name="targetWidth">Targets per sample.</param>
    public abstract double Compute(ReadOnlySpan<float> outputs, int outputWidth, ReadOnlySpan<float> targets, int targetWidth);

    /// <summary>Fraction of correct class predictions (threshold 0.5 for one output, argmax for several).</summary>
    public static Metric Accuracy { get; } = new LabelMetric("accuracy", ClassificationMetrics.Accuracy, binaryOnly: false);
    /// <summary>ROC-AUC of the positive class (one output, or column 1 of two).</summary>
    public static Metric Auc { get; } = new ScoreMetric("auc", (y, p) => RankingMetrics.RocAuc(y, p), higherIsBetter: true);
    /// <summary>Precision of the positive class at threshold 0.5.</summary>
    public static Metric Precision { get; } = new LabelMetric("precision", ClassificationMetrics.Precision, binaryOnly: true);
    /// <summary>Recall (sensitivity) of the positive class at threshold 0.5.</summary>
    public static Metric Recall { get; } = new LabelMetric("recall", ClassificationMetrics.Recall, binaryOnly: true);
    /// <summary>Specificity at threshold 0.5.</summary>
    public static Metric Specificity { get; } = new LabelMetric("specificity", ClassificationMetrics.Specificity, binaryOnly: true);
    /// <summary>F1 of the positive class at threshold 0.5.</summary>
    public static Metric F1 { get; } = new LabelMetric("f1", ClassificationMetrics.F1, binaryOnly: true);
    /// <summary>Brier score of the positive-class probability (lower is better).</summary>
    public static Metric Brier { get; } = new ScoreMetric("brier", (y, p) => CalibrationMetrics.BrierScore(y, p), higherIsBetter: false);
    /// <summary>Mean absolute error over all outputs.</summary>
    public static Metric Mae { get; } = new RegressionMetric("mae", RegressionMetrics.MeanAbsoluteError, false);
    /// <summary>Root mean squared error over all outputs.</summary>
    public static Metric Rmse { get; } = new RegressionMetric("rmse", RegressionMetrics.RootMeanSquaredError, false);
    /// <summary>R² over all outputs.</summary>
    public static Metric R2 { get; } = new RegressionMetric("r2", RegressionMetrics.R2, true);

    /// <summary>A built-in metric by name (case-insensitive; "acc", "roc_auc", "sensitivity" are aliases).</summary>
    public static Metric FromName(string name) => name?.ToLowerInvariant() switch
    {
        "accuracy" or "acc" => Accuracy,
        "auc" or "roc_auc" => Auc,
        "precision" => Precision,
        "recall" or "sensitivity" => Recall,
        "specificity" => Specificity,
        "f1" => F1,
        "brier" => Brier,
        "mae" => Mae,
        "rmse" => Rmse,
        "r2" => R2,
        _ => throw new ArgumentException($"Unknown metric '{name}'. Known: accuracy, auc, precision, recall, specificity, f1, brier, mae, rmse, r2.", nameof(name)),
    };

    /// <summary>Predicted labels: threshold 0.5 for one output, argmax otherwise.</summary>
    internal static int[] PredictedLabels(ReadOnlySpan<float> outputs, int width) =>
        width == 1 ? ClassificationMetrics.Threshold(outputs, 0.5f) : ClassificationMetrics.ArgMax(outputs, width);

    /// <summary>True labels from width-1 targets.</summary>
    internal static int[] TrueLabels(ReadOnlySpan<float> targets, int width)
    {
        if (width != 1) return ClassificationMetrics.ArgMax(targets, width); // one-hot targets
        var y = new int[targets.Length];
        for (int i = 0; i < y.Length; i++) y[i] = (int)targets[i];
        return y;
    }

    /// <summary>Positive-class scores: the single output, or column 1 of two.</summary>
    internal static float[] PositiveScores(ReadOnlySpan<float> outputs, int width, string metric)
    {
        if (width == 1) return outputs.ToArray();
        if (width != 2) throw new InvalidOperationException($"Metric '{metric}' needs one output or two class probabilities per sample. Received: {width} outputs.");
        var s = new float[outputs.Length / 2];
        for (int i = 0; i < s.Length; i++) s[i] = outputs[2 * i + 1];
        return s;
    }

    private sealed class LabelMetric(string name, LabelFunc f, bool binaryOnly) : Metric
    {
        public override string Name => name;
        public override double Compute(ReadOnlySpan<float> outputs, int outputWidth, ReadOnlySpan<float> targets, int targetWidth)
        {
            if (binaryOnly && outputWidth > 2)
                throw new InvalidOperationException($"Metric '{name}' is binary; use ConfusionMatrix for {outputWidth} classes.");
            return f(TrueLabels(targets, targetWidth), PredictedLabels(outputs, outputWidth));
        }
    }

    private delegate double LabelFunc(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred);

    private sealed class ScoreMetric(string name, Func<int[], float[], double> f, bool higherIsBetter) : Metric
    {
        public override string Name => name;
        public override bool HigherIsBetter => higherIsBetter;
        public override double Compute(ReadOnlySpan<float> outputs, int outputWidth, ReadOnlySpan<float> targets, int targetWidth)
        {
            var y = TrueLabels(targets, targetWidth);
            // a batch or split holding one class only has no AUC: report NaN rather than stop training
            if (name == "auc" && (y.All(v => v == 1) || y.All(v => v == 0))) return double.NaN;
            return f(y, PositiveScores(outputs, outputWidth, name));
        }
    }

    private delegate double RegressionFunc(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred);

    private sealed class RegressionMetric(string name, RegressionFunc f, bool higherIsBetter) : Metric
    {
        public override string Name => name;
        public override bool HigherIsBetter => higherIsBetter;
        public override double Compute(ReadOnlySpan<float> outputs, int outputWidth, ReadOnlySpan<float> targets, int targetWidth) => f(targets, outputs);
    }
}
