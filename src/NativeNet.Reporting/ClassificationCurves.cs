namespace NativeNet.Reporting;

/// <summary>A receiver operating characteristic curve.</summary>
/// <param name="FalsePositiveRate">x coordinates, from 0 to 1.</param>
/// <param name="TruePositiveRate">y coordinates, one per x.</param>
/// <param name="Auc">The area under the curve.</param>
public sealed record RocCurve(
    IReadOnlyList<double> FalsePositiveRate, IReadOnlyList<double> TruePositiveRate, double Auc)
{
    /// <summary>Confidence interval of the AUC, when computed.</summary>
    public ConfidenceInterval? AucInterval { get; init; }
}

/// <summary>A precision-recall curve.</summary>
/// <param name="Recall">x coordinates, from 0 to 1.</param>
/// <param name="Precision">y coordinates, one per x.</param>
/// <param name="AveragePrecision">The average precision (area summary of the curve).</param>
public sealed record PrCurve(
    IReadOnlyList<double> Recall, IReadOnlyList<double> Precision, double AveragePrecision)
{
    /// <summary>The fraction of positives: the precision of a random classifier, drawn as a
    /// dashed baseline when set.</summary>
    public double? Prevalence { get; init; }
}

/// <summary>A confusion matrix: rows are the actual class, columns the predicted class.</summary>
/// <param name="Labels">Class labels, one per row and column.</param>
/// <param name="Counts">Counts[actual, predicted].</param>
public sealed record ConfusionMatrix(IReadOnlyList<string> Labels, int[,] Counts);

/// <summary>One bin of a reliability diagram.</summary>
/// <param name="MeanPredicted">The mean predicted probability of the bin's rows.</param>
/// <param name="FractionPositive">The observed fraction of positives in the bin.</param>
/// <param name="Count">Number of rows in the bin.</param>
public readonly record struct CalibrationBin(double MeanPredicted, double FractionPositive, long Count);

/// <summary>The calibration (reliability) of predicted probabilities.</summary>
/// <param name="Bins">The bins, in any order; empty bins may be left out.</param>
public sealed record CalibrationCurve(IReadOnlyList<CalibrationBin> Bins)
{
    /// <summary>The Brier score of the predictions, when computed.</summary>
    public double? BrierScore { get; init; }
}
