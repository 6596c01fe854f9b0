using NativeNet.Metrics;

namespace NativeNet.Cli.Tabular;

/// <summary>
/// The metrics the CLI reports, computed from labels/values and model outputs. Classification
/// outputs are row-major probabilities: one column (P of the positive class) for two classes, one
/// column per class for more. With more than two classes, sensitivity and specificity are the
/// macro averages of the one-vs-rest values and roc_auc is the macro one-vs-rest ROC-AUC.
/// </summary>
public static class TabularMetrics
{
    /// <summary>Classification metric names, in display order.</summary>
    public static readonly IReadOnlyList<string> ClassificationNames = ["accuracy", "sensitivity", "specificity", "roc_auc"];

    /// <summary>Regression metric names, in display order.</summary>
    public static readonly IReadOnlyList<string> RegressionNames = ["r2", "rmse", "mae"];

    /// <summary>Output columns per row for <paramref name="classes"/> classes (1 for two).</summary>
    public static int Width(int classes) => classes > 2 ? classes : 1;

    /// <summary>Predicted labels: threshold 0.5 for two classes, argmax for more.</summary>
    public static int[] Predicted(float[] p, int classes) =>
        classes > 2 ? ClassificationMetrics.ArgMax(p, classes) : ClassificationMetrics.Threshold(p);

    /// <summary>One classification metric of probabilities <paramref name="p"/>.</summary>
    public static double Classification(string name, int[] y, float[] p, int classes)
    {
        if (classes <= 2)
            return name switch
            {
                "accuracy" => ClassificationMetrics.Accuracy(y, ClassificationMetrics.Threshold(p)),
                "sensitivity" => ClassificationMetrics.Sensitivity(y, ClassificationMetrics.Threshold(p)),
                "specificity" => ClassificationMetrics.Specificity(y, ClassificationMetrics.Threshold(p)),
                "roc_auc" => RankingMetrics.RocAuc(y, p),
                _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown metric"),
            };
        var cm = new ConfusionMatrix(y, ClassificationMetrics.ArgMax(p, classes), classes);
        return name switch
        {
            "accuracy" => cm.Accuracy,
            "sensitivity" => Macro(classes, y, c => cm.Recall(c)),
            "specificity" => Macro(classes, y, c => cm.Specificity(c)),
            "roc_auc" => Macro(classes, y, c => RankingMetrics.RocAuc(OneVsRest(y, c), Column(p, classes, c))),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown metric"),
        };
    }

    /// <summary>One regression metric of predictions <paramref name="p"/>.</summary>
    public static double Regression(string name, float[] y, float[] p) => name switch
    {
        "r2" => RegressionMetrics.R2(y, p),
        "rmse" => RegressionMetrics.RootMeanSquaredError(y, p),
        "mae" => RegressionMetrics.MeanAbsoluteError(y, p),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown metric"),
    };

    /// <summary>Every metric of the task as name → value (<paramref name="classes"/> 0 for regression).</summary>
    public static Dictionary<string, double> All(int classes, float[] targets, float[] outputs)
    {
        var d = new Dictionary<string, double>();
        if (classes > 0)
        {
            var y = Labels(targets);
            foreach (var n in ClassificationNames) d[n] = Safe(() => Classification(n, y, outputs, classes));
        }
        else foreach (var n in RegressionNames) d[n] = Safe(() => Regression(n, targets, outputs));
        return d;
    }

    /// <summary>Bootstrap 95% interval of one metric on pooled predictions (rows resampled, seeded); NaN bounds when undefined.</summary>
    public static (double Low, double High) Interval(int classes, string name, float[] targets, float[] outputs, int resamples, int seed)
    {
        int width = classes > 0 ? Width(classes) : 1;
        var yIdx = new float[targets.Length];
        var pIdx = new float[outputs.Length];
        double On(float[] t, float[] p) => classes > 0 ? Classification(name, Labels(t), p, classes) : Regression(name, t, p);
        try
        {
            var ci = Bootstrap.ConfidenceInterval(targets.Length, idx =>
            {
                for (int i = 0; i < idx.Length; i++)
                {
                    yIdx[i] = targets[idx[i]];
                    Array.Copy(outputs, (long)idx[i] * width, pIdx, (long)i * width, width);
                }
                return On(yIdx, pIdx);
            }, () => On(targets, outputs), resamples, 0.95, seed);
            return (ci.Lower, ci.Upper);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return (double.NaN, double.NaN);
        }
    }

    /// <summary>Confusion counts [actual, predicted].</summary>
    public static int[,] Confusion(int[] y, float[] p, int classes)
    {
        var c = new int[classes, classes];
        var predicted = Predicted(p, classes);
        for (int i = 0; i < y.Length; i++) c[y[i], predicted[i]]++;
        return c;
    }

    /// <summary>Per class (one vs rest): sensitivity = recall of the class, specificity = recall of the other classes.</summary>
    public static (double Sensitivity, double Specificity)[] PerClass(int[,] confusion)
    {
        int k = confusion.GetLength(0);
        long total = 0;
        foreach (var v in confusion) total += v;
        var result = new (double, double)[k];
        for (int c = 0; c < k; c++)
        {
            long row = 0, col = 0;
            for (int j = 0; j < k; j++) { row += confusion[c, j]; col += confusion[j, c]; }
            long tp = confusion[c, c], fn = row - tp, fp = col - tp, tn = total - tp - fn - fp;
            result[c] = (row == 0 ? double.NaN : (double)tp / row, tn + fp == 0 ? double.NaN : (double)tn / (tn + fp));
        }
        return result;
    }

    /// <summary>Integer labels of class-index targets.</summary>
    public static int[] Labels(float[] targets) => targets.Select(t => (int)t).ToArray();

    /// <summary>Column <paramref name="c"/> of row-major [n, classes] probabilities.</summary>
    public static float[] Column(float[] p, int classes, int c)
    {
        var col = new float[p.Length / classes];
        for (int i = 0; i < col.Length; i++) col[i] = p[(long)i * classes + c];
        return col;
    }

    /// <summary>1 where the label is <paramref name="c"/>, else 0.</summary>
    public static int[] OneVsRest(int[] y, int c) => y.Select(v => v == c ? 1 : 0).ToArray();

    // Mean over the classes present in y (a class absent from a fold or resample has no recall or AUC).
    private static double Macro(int classes, int[] y, Func<int, double> perClass)
    {
        var present = new bool[classes];
        foreach (var v in y) present[v] = true;
        double sum = 0;
        int n = 0;
        for (int c = 0; c < classes; c++)
        {
            if (!present[c]) continue;
            double v;
            try { v = perClass(c); }
            catch (ArgumentException) { continue; }
            if (double.IsNaN(v)) continue;
            sum += v;
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }

    // A metric undefined on a fold (e.g. one class only) is NaN rather than an abort.
    private static double Safe(Func<double> f)
    {
        try { return f(); }
        catch (ArgumentException) { return double.NaN; }
    }
}
