namespace NativeNet.Metrics;

/// <summary>One point of a ROC curve: predicting positive where <c>score &gt;= Threshold</c>.</summary>
/// <param name="Threshold">Decision threshold (the first point uses +∞: nothing positive).</param>
/// <param name="FalsePositiveRate">FP / negatives (1 − specificity).</param>
/// <param name="TruePositiveRate">TP / positives (sensitivity).</param>
public readonly record struct RocPoint(double Threshold, double FalsePositiveRate, double TruePositiveRate);

/// <summary>One point of a precision-recall curve: predicting positive where <c>score &gt;= Threshold</c>.</summary>
/// <param name="Threshold">Decision threshold.</param>
/// <param name="Precision">TP / (TP + FP).</param>
/// <param name="Recall">TP / positives.</param>
public readonly record struct PrPoint(double Threshold, double Precision, double Recall);

/// <summary>An operating point chosen on a score: positive where <c>score &gt;= Threshold</c>.</summary>
/// <param name="Threshold">Decision threshold.</param>
/// <param name="Sensitivity">True-positive rate reached at that threshold.</param>
/// <param name="Specificity">True-negative rate reached at that threshold.</param>
public readonly record struct OperatingPoint(double Threshold, double Sensitivity, double Specificity);

/// <summary>
/// Metrics on continuous scores (probabilities or logits) for binary labels (1 = positive):
/// ROC-AUC, average precision, the curves behind them, and threshold selection.
/// Ties in the scores are handled exactly: all samples sharing a score change class together.
/// </summary>
public static class RankingMetrics
{
    /// <summary>
    /// Area under the ROC curve, computed exactly as the Mann-Whitney U statistic with average
    /// ranks for ties: the probability that a random positive scores above a random negative,
    /// counting ties as one half. Equals scikit-learn's <c>roc_auc_score</c>.
    /// </summary>
    public static double RocAuc(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores)
    {
        var (pos, neg) = CheckBothClasses(yTrue, scores);
        int n = yTrue.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var s = scores.ToArray();
        Array.Sort(s.ToArray(), order); // ascending by score
        double rankSumPos = 0;
        int k = 0;
        while (k < n)
        {
            int j = k;
            while (j + 1 < n && s[order[j + 1]] == s[order[k]]) j++;
            double avgRank = (k + j) / 2.0 + 1.0; // 1-based average rank of the tie group
            for (int t = k; t <= j; t++) if (yTrue[order[t]] == 1) rankSumPos += avgRank;
            k = j + 1;
        }
        double u = rankSumPos - pos * (pos + 1) / 2.0;
        return u / ((double)pos * neg);
    }

    /// <summary>
    /// Average precision as scikit-learn defines it: AP = Σₙ (Rₙ − Rₙ₋₁) Pₙ over the distinct
    /// thresholds in decreasing order (a step function, no interpolation).
    /// </summary>
    public static double AveragePrecision(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores)
    {
        var curve = PrecisionRecallCurve(yTrue, scores);
        double ap = 0, prevRecall = 0;
        foreach (var p in curve)
        {
            ap += (p.Recall - prevRecall) * p.Precision;
            prevRecall = p.Recall;
        }
        return ap;
    }

    /// <summary>PR-AUC; the same number as <see cref="AveragePrecision"/>.</summary>
    public static double PrAuc(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores) => AveragePrecision(yTrue, scores);

    /// <summary>
    /// ROC curve points, one per distinct score in decreasing order, preceded by (0, 0) at
    /// threshold +∞. The last point is (1, 1).
    /// </summary>
    public static RocPoint[] RocCurve(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores)
    {
        var (pos, neg) = CheckBothClasses(yTrue, scores);
        var steps = CumulativeCounts(yTrue, scores);
        var points = new RocPoint[steps.Count + 1];
        points[0] = new RocPoint(double.PositiveInfinity, 0, 0);
        for (int i = 0; i < steps.Count; i++)
            points[i + 1] = new RocPoint(steps[i].Threshold, (double)steps[i].Fp / neg, (double)steps[i].Tp / pos);
        return points;
    }

    /// <summary>
    /// Precision-recall points, one per distinct score in decreasing order (recall rising).
    /// Needs at least one positive.
    /// </summary>
    public static PrPoint[] PrecisionRecallCurve(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores)
    {
        MetricGuard.SameLength(yTrue.Length, scores.Length, nameof(yTrue), nameof(scores));
        MetricGuard.BinaryLabels(yTrue, nameof(yTrue));
        MetricGuard.Finite(scores, nameof(scores));
        long pos = 0;
        foreach (var y in yTrue) pos += y;
        if (pos == 0) throw new ArgumentException("yTrue holds no positive sample (label 1); precision-recall is undefined.", nameof(yTrue));
        var steps = CumulativeCounts(yTrue, scores);
        var points = new PrPoint[steps.Count];
        for (int i = 0; i < steps.Count; i++)
            points[i] = new PrPoint(steps[i].Threshold, (double)steps[i].Tp / (steps[i].Tp + steps[i].Fp), (double)steps[i].Tp / pos);
        return points;
    }

    /// <summary>
    /// The highest threshold whose sensitivity reaches <paramref name="targetSensitivity"/>
    /// (highest threshold = best specificity among those meeting the target), e.g. a screening
    /// test that must miss at most 5% of cancers: <c>ThresholdForSensitivity(y, p, 0.95)</c>.
    /// </summary>
    public static OperatingPoint ThresholdForSensitivity(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores, double targetSensitivity)
    {
        if (!(targetSensitivity > 0 && targetSensitivity <= 1))
            throw new ArgumentOutOfRangeException(nameof(targetSensitivity), targetSensitivity,
                $"targetSensitivity must be in (0, 1]. Received: targetSensitivity={targetSensitivity}");
        foreach (var p in RocCurve(yTrue, scores))
            if (p.TruePositiveRate >= targetSensitivity - 1e-12)
                return new OperatingPoint(p.Threshold, p.TruePositiveRate, 1 - p.FalsePositiveRate);
        throw new InvalidOperationException("unreachable: the last ROC point has sensitivity 1");
    }

    private readonly record struct Step(double Threshold, long Tp, long Fp);

    // Cumulative TP/FP after admitting every sample with score >= threshold, per distinct score (descending).
    private static List<Step> CumulativeCounts(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores)
    {
        int n = yTrue.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = scores.ToArray();
        Array.Sort(keys, order);
        var steps = new List<Step>();
        long tp = 0, fp = 0;
        for (int k = n - 1; k >= 0;)
        {
            float v = keys[k];
            while (k >= 0 && keys[k] == v)
            {
                if (yTrue[order[k]] == 1) tp++; else fp++;
                k--;
            }
            steps.Add(new Step(v, tp, fp));
        }
        return steps;
    }

    private static (long Pos, long Neg) CheckBothClasses(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores)
    {
        MetricGuard.SameLength(yTrue.Length, scores.Length, nameof(yTrue), nameof(scores));
        MetricGuard.BinaryLabels(yTrue, nameof(yTrue));
        MetricGuard.Finite(scores, nameof(scores));
        long pos = 0;
        foreach (var y in yTrue) pos += y;
        long neg = yTrue.Length - pos;
        if (pos == 0 || neg == 0)
            throw new ArgumentException($"yTrue must hold both classes for a ROC curve. Received: positives={pos}, negatives={neg}.", nameof(yTrue));
        return (pos, neg);
    }
}
