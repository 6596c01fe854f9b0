namespace NativeNet.Reporting;

/// <summary>A two-sided confidence interval, 95% unless <see cref="Level"/> says otherwise.</summary>
/// <param name="Low">The lower bound.</param>
/// <param name="High">The upper bound.</param>
/// <param name="Level">The coverage, between 0 and 1.</param>
public readonly record struct ConfidenceInterval(double Low, double High, double Level = 0.95);

/// <summary>One metric summarised: a point estimate and, when computed, an interval of that same statistic.</summary>
/// <param name="Name">The metric name, e.g. <see cref="MetricNames.RocAuc"/>.</param>
/// <param name="Mean">The point estimate (in cross-validation: the metric of the pooled out-of-fold predictions; the per-fold mean belongs in the fold table).</param>
/// <param name="Interval">The confidence interval of the same estimate, when computed.</param>
public sealed record MetricSummary(string Name, double Mean, ConfidenceInterval? Interval = null);

/// <summary>The result of one cross-validation fold.</summary>
/// <param name="Fold">The fold number, from 1.</param>
/// <param name="Metrics">Metric name → value, in display order.</param>
public sealed record FoldResult(int Fold, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>Number of training rows of the fold.</summary>
    public long? TrainRows { get; init; }

    /// <summary>Number of validation rows of the fold.</summary>
    public long? ValidationRows { get; init; }

    /// <summary>The confusion matrix of the fold's validation rows (classification).</summary>
    public ConfusionMatrix? Confusion { get; init; }
}

/// <summary>
/// Metric names the report knows: they get a friendly label and are picked for the header.
/// Any other name is shown as given.
/// </summary>
public static class MetricNames
{
    /// <summary>Fraction of correct predictions.</summary>
    public const string Accuracy = "accuracy";

    /// <summary>True-positive rate (recall of the positive class).</summary>
    public const string Sensitivity = "sensitivity";

    /// <summary>True-negative rate.</summary>
    public const string Specificity = "specificity";

    /// <summary>Area under the ROC curve.</summary>
    public const string RocAuc = "roc_auc";

    /// <summary>Average precision (area under the precision-recall curve).</summary>
    public const string AveragePrecision = "average_precision";

    /// <summary>Harmonic mean of precision and recall.</summary>
    public const string F1 = "f1";

    /// <summary>Mean squared error of the predicted probabilities.</summary>
    public const string Brier = "brier";

    /// <summary>Root mean squared error.</summary>
    public const string Rmse = "rmse";

    /// <summary>Mean absolute error.</summary>
    public const string Mae = "mae";

    /// <summary>Coefficient of determination.</summary>
    public const string R2 = "r2";

    /// <summary>The loss on the validation rows.</summary>
    public const string Loss = "loss";

    internal static readonly IReadOnlyList<string> ClassificationHeadline =
        [Accuracy, Sensitivity, Specificity, RocAuc];

    internal static readonly IReadOnlyList<string> RegressionHeadline = [Rmse, Mae, R2];

    /// <summary>The display label of a metric name ("roc_auc" → "ROC-AUC").</summary>
    /// <param name="name">A metric name.</param>
    /// <returns>The friendly label for a known name, otherwise <paramref name="name"/>.</returns>
    public static string Label(string name) => Normalize(name) switch
    {
        "accuracy" => "Accuracy",
        "sensitivity" or "recall" or "tpr" => "Sensitivity",
        "specificity" or "tnr" => "Specificity",
        "rocauc" or "auc" or "auroc" => "ROC-AUC",
        "averageprecision" or "ap" or "prauc" => "Average precision",
        "f1" or "f1score" => "F1",
        "precision" or "ppv" => "Precision",
        "npv" => "NPV",
        "brier" or "brierscore" => "Brier score",
        "rmse" => "RMSE",
        "mae" => "MAE",
        "mse" => "MSE",
        "r2" => "R²",
        "loss" => "Loss",
        "balancedaccuracy" => "Balanced accuracy",
        _ => name,
    };

    /// <summary>True when two names denote the same metric ("ROC-AUC", "roc_auc", "auc").</summary>
    internal static bool Same(string a, string b) => Label(a) == Label(b);

    private static string Normalize(string name)
    {
        Span<char> buffer = stackalloc char[Math.Min(name.Length, 64)];
        int n = 0;
        foreach (char c in name)
        {
            if (n == buffer.Length) break;
            if (char.IsAsciiLetterOrDigit(c)) buffer[n++] = char.ToLowerInvariant(c);
        }
        return new string(buffer[..n]);
    }
}
