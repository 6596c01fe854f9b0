namespace NativeNet.Metrics;

/// <summary>
/// A confusion matrix: <c>this[t, p]</c> counts samples of true class t predicted as p (rows are
/// the truth, as in scikit-learn). Per-class precision/recall/specificity/F1 treat that class as
/// positive and all others as negative; macro averages weigh classes equally.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[,] _counts;

    /// <summary>Counts predictions against the truth for labels 0..classes-1.</summary>
    /// <param name="yTrue">True labels.</param>
    /// <param name="yPred">Predicted labels.</param>
    /// <param name="classes">Number of classes; when omitted, 1 + the largest label seen (at least 2).</param>
    public ConfusionMatrix(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int? classes = null)
    {
        MetricGuard.SameLength(yTrue.Length, yPred.Length, nameof(yTrue), nameof(yPred));
        int k = classes ?? Math.Max(2, Math.Max(Max(yTrue), Max(yPred)) + 1);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(classes), k, $"classes must be positive. Received: classes={k}");
        _counts = new long[k, k];
        for (int i = 0; i < yTrue.Length; i++)
        {
            int t = yTrue[i], p = yPred[i];
            if ((uint)t >= (uint)k) throw new ArgumentException($"yTrue[{i}]={t} is outside 0..{k - 1}.", nameof(yTrue));
            if ((uint)p >= (uint)k) throw new ArgumentException($"yPred[{i}]={p} is outside 0..{k - 1}.", nameof(yPred));
            _counts[t, p]++;
        }
        Total = yTrue.Length;
    }

    /// <summary>Number of classes (rows and columns).</summary>
    public int Classes => _counts.GetLength(0);

    /// <summary>Number of samples counted.</summary>
    public long Total { get; }

    /// <summary>Samples of true class <paramref name="trueClass"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int trueClass, int predicted] => _counts[trueClass, predicted];

    /// <summary>Binary view, class 1 positive: true positives.</summary>
    public long TruePositives => RequireBinary()[1, 1];
    /// <summary>Binary view, class 1 positive: false positives.</summary>
    public long FalsePositives => RequireBinary()[0, 1];
    /// <summary>Binary view, class 1 positive: true negatives.</summary>
    public long TrueNegatives => RequireBinary()[0, 0];
    /// <summary>Binary view, class 1 positive: false negatives.</summary>
    public long FalseNegatives => RequireBinary()[1, 0];

    /// <summary>Fraction on the diagonal.</summary>
    public double Accuracy
    {
        get { long d = 0; for (int c = 0; c < Classes; c++) d += _counts[c, c]; return (double)d / Total; }
    }

    /// <summary>Precision of class <paramref name="c"/> against the rest.</summary>
    public double Precision(int c) => ClassificationMetrics.Ratio(_counts[c, c], ColumnSum(c));
    /// <summary>Recall (sensitivity) of class <paramref name="c"/> against the rest.</summary>
    public double Recall(int c) => ClassificationMetrics.Ratio(_counts[c, c], RowSum(c));
    /// <summary>Specificity of class <paramref name="c"/>: true negatives over all negatives.</summary>
    public double Specificity(int c)
    {
        long negatives = Total - RowSum(c);
        long falsePositives = ColumnSum(c) - _counts[c, c];
        return ClassificationMetrics.Ratio(negatives - falsePositives, negatives);
    }
    /// <summary>F1 of class <paramref name="c"/> against the rest.</summary>
    public double F1(int c) => ClassificationMetrics.Ratio(2 * _counts[c, c], RowSum(c) + ColumnSum(c));

    /// <summary>Unweighted mean of the per-class F1.</summary>
    public double MacroF1 { get { double s = 0; for (int c = 0; c < Classes; c++) s += F1(c); return s / Classes; } }
    /// <summary>Unweighted mean of the per-class recall (balanced accuracy).</summary>
    public double MacroRecall { get { double s = 0; for (int c = 0; c < Classes; c++) s += Recall(c); return s / Classes; } }
    /// <summary>Unweighted mean of the per-class precision.</summary>
    public double MacroPrecision { get { double s = 0; for (int c = 0; c < Classes; c++) s += Precision(c); return s / Classes; } }

    /// <summary>A copy of the counts.</summary>
    public long[,] ToArray() => (long[,])_counts.Clone();

    /// <summary>The matrix as aligned text, rows = truth.</summary>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        for (int t = 0; t < Classes; t++)
        {
            for (int p = 0; p < Classes; p++) sb.Append(_counts[t, p].ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(7));
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private long RowSum(int c) { long s = 0; for (int p = 0; p < Classes; p++) s += _counts[c, p]; return s; }
    private long ColumnSum(int c) { long s = 0; for (int t = 0; t < Classes; t++) s += _counts[t, c]; return s; }
    private long[,] RequireBinary() => Classes == 2 ? _counts
        : throw new InvalidOperationException($"The binary counts need a 2-class matrix. Received: Classes={Classes}.");
    private static int Max(ReadOnlySpan<int> v) { int m = 0; foreach (var x in v) if (x > m) m = x; return m; }
}
