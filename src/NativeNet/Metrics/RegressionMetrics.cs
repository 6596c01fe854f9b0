namespace NativeNet.Metrics;

/// <summary>Error metrics for continuous targets.</summary>
public static class RegressionMetrics
{
    /// <summary>Mean absolute error.</summary>
    public static double MeanAbsoluteError(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred)
    {
        MetricGuard.SameLength(yTrue.Length, yPred.Length, nameof(yTrue), nameof(yPred));
        double s = 0;
        for (int i = 0; i < yTrue.Length; i++) s += Math.Abs((double)yTrue[i] - yPred[i]);
        return s / yTrue.Length;
    }

    /// <summary>Root mean squared error.</summary>
    public static double RootMeanSquaredError(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred)
    {
        MetricGuard.SameLength(yTrue.Length, yPred.Length, nameof(yTrue), nameof(yPred));
        double s = 0;
        for (int i = 0; i < yTrue.Length; i++) { double d = (double)yTrue[i] - yPred[i]; s += d * d; }
        return Math.Sqrt(s / yTrue.Length);
    }

    /// <summary>
    /// Coefficient of determination R² = 1 − SS_res / SS_tot. As in scikit-learn, a constant
    /// truth gives 1 when predicted exactly and 0 otherwise.
    /// </summary>
    public static double R2(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred)
    {
        MetricGuard.SameLength(yTrue.Length, yPred.Length, nameof(yTrue), nameof(yPred));
        double mean = 0;
        foreach (var y in yTrue) mean += y;
        mean /= yTrue.Length;
        double res = 0, tot = 0;
        for (int i = 0; i < yTrue.Length; i++)
        {
            double r = (double)yTrue[i] - yPred[i], t = yTrue[i] - mean;
            res += r * r; tot += t * t;
        }
        if (tot == 0) return res == 0 ? 1.0 : 0.0;
        return 1 - res / tot;
    }
}
