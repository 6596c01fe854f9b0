using NativeNet.Metrics;

namespace NativeNet.Cli.Tabular;

/// <summary>The metrics the CLI reports, computed from labels/values and model outputs.</summary>
public static class TabularMetrics
{
    /// <summary>Classification metric names, in display order.</summary>
    public static readonly IReadOnlyList<string> ClassificationNames = ["accuracy", "sensitivity", "specificity", "roc_auc"];

    /// <summary>Regression metric names, in display order.</summary>
    public static readonly IReadOnlyList<string> RegressionNames = ["r2", "rmse", "mae"];

    /// <summary>One classification metric of probabilities <paramref name="p"/> (threshold 0.5 for the label metrics).</summary>
    public static double Classification(string name, int[] y, float[] p) => name switch
    {
        "accuracy" => ClassificationMetrics.Accuracy(y, ClassificationMetrics.Threshold(p)),
        "sensitivity" => ClassificationMetrics.Sensitivity(y, ClassificationMetrics.Threshold(p)),
        "specificity" => ClassificationMetrics.Specificity(y, ClassificationMetrics.Threshold(p)),
        "roc_auc" => RankingMetrics.RocAuc(y, p),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown metric"),
    };

    /// <summary>One regression metric of predictions <paramref name="p"/>.</summary>
    public static double Regression(string name, float[] y, float[] p) => name switch
    {
        "r2" => RegressionMetrics.R2(y, p),
        "rmse" => RegressionMetrics.RootMeanSquaredError(y, p),
        "mae" => RegressionMetrics.MeanAbsoluteError(y, p),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown metric"),
    };

    /// <summary>Every metric of the task as name → value.</summary>
    public static Dictionary<string, double> All(bool classification, float[] targets, float[] outputs)
    {
        var d = new Dictionary<string, double>();
        if (classification)
        {
            var y = Labels(targets);
            foreach (var n in ClassificationNames) d[n] = Safe(() => Classification(n, y, outputs));
        }
        else foreach (var n in RegressionNames) d[n] = Safe(() => Regression(n, targets, outputs));
        return d;
    }

    /// <summary>Bootstrap 95% interval of one metric on pooled predictions (seeded); NaN bounds when undefined.</summary>
    public static (double Low, double High) Interval(bool classification, string name, float[] targets, float[] outputs, int resamples, int seed)
    {
        try
        {
            ConfidenceInterval ci = classification
                ? Bootstrap.ConfidenceInterval(Labels(targets), outputs, (y, p) => Classification(name, y, p), resamples, 0.95, seed)
                : Bootstrap.ConfidenceInterval(targets, outputs, (y, p) => Regression(name, y, p), resamples, 0.95, seed);
            return (ci.Lower, ci.Upper);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return (double.NaN, double.NaN);
        }
    }

    /// <summary>Integer labels of 0/1 targets.</summary>
    public static int[] Labels(float[] targets) => targets.Select(t => (int)t).ToArray();

    // A metric undefined on a fold (e.g. one class only) is NaN rather than an abort.
    private static double Safe(Func<double> f)
    {
        try { return f(); }
        catch (ArgumentException) { return double.NaN; }
    }
}
