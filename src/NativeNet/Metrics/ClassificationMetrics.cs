namespace NativeNet.Metrics;

/// <summary>
/// Threshold metrics for binary classification on hard labels (0 = negative, 1 = positive).
/// A ratio whose denominator is zero is reported as 0, as scikit-learn does with
/// <c>zero_division=0</c>. For multi-class data use <see cref="ConfusionMatrix"/>.
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>Fraction of predictions equal to the truth (any number of classes).</summary>
    public static double Accuracy(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred)
    {
        MetricGuard.SameLength(yTrue.Length, yPred.Length, nameof(yTrue), nameof(yPred));
        int hit = 0;
        for (int i = 0; i < yTrue.Length; i++) if (yTrue[i] == yPred[i]) hit++;
        return (double)hit / yTrue.Length;
    }

    /// <summary>TP / (TP + FP): of those called positive, how many are.</summary>
    public static double Precision(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred)
    {
        var c = Counts(yTrue, yPred);
        return Ratio(c.TP, c.TP + c.FP);
    }

    /// <summary>TP / (TP + FN), the true-positive rate; the same as <see cref="Sensitivity"/>.</summary>
    public static double Recall(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred)
    {
        var c = Counts(yTrue, yPred);
        return Ratio(c.TP, c.TP + c.FN);
    }

    /// <summary>Sensitivity, the clinical name of <see cref="Recall"/>: TP / (TP + FN).</summary>
    public static double Sensitivity(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred) => Recall(yTrue, yPred);

    /// <summary>TN / (TN + FP), the true-negative rate.</summary>
    public static double Specificity(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred)
    {
        var c = Counts(yTrue, yPred);
        return Ratio(c.TN, c.TN + c.FP);
    }

    /// <summary>F1 = 2TP / (2TP + FP + FN), the harmonic mean of precision and recall.</summary>
    public static double F1(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred)
    {
        var c = Counts(yTrue, yPred);
        return Ratio(2L * c.TP, 2L * c.TP + c.FP + c.FN);
    }

    /// <summary>Turns probabilities into hard labels: 1 where <c>score &gt;= threshold</c>.</summary>
    public static int[] Threshold(ReadOnlySpan<float> scores, float threshold = 0.5f)
    {
        var y = new int[scores.Length];
        for (int i = 0; i < y.Length; i++) y[i] = scores[i] >= threshold ? 1 : 0;
        return y;
    }

    /// <summary>Index of the largest score per row of a row-major [n, classes] array (first wins ties).</summary>
    public static int[] ArgMax(ReadOnlySpan<float> scores, int classes)
    {
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, $"classes must be positive. Received: classes={classes}");
        if (scores.Length % classes != 0)
            throw new ArgumentException($"scores.Length must be a multiple of classes. Received: scores.Length={scores.Length}, classes={classes}.");
        var y = new int[scores.Length / classes];
        for (int i = 0; i < y.Length; i++)
        {
            var row = scores.Slice(i * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            y[i] = best;
        }
        return y;
    }

    internal static (long TP, long FP, long TN, long FN) Counts(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred)
    {
        MetricGuard.SameLength(yTrue.Length, yPred.Length, nameof(yTrue), nameof(yPred));
        MetricGuard.BinaryLabels(yTrue, nameof(yTrue));
        MetricGuard.BinaryLabels(yPred, nameof(yPred));
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < yTrue.Length; i++)
        {
            if (yPred[i] == 1) { if (yTrue[i] == 1) tp++; else fp++; }
            else { if (yTrue[i] == 1) fn++; else tn++; }
        }
        return (tp, fp, tn, fn);
    }

    internal static double Ratio(long num, long den) => den == 0 ? 0.0 : (double)num / den;
}
