namespace NativeNet.Metrics;

/// <summary>One bin of a reliability curve.</summary>
/// <param name="Lower">Lower edge of the bin (inclusive).</param>
/// <param name="Upper">Upper edge (exclusive, except 1.0 for the last bin).</param>
/// <param name="Count">Samples whose probability fell in the bin.</param>
/// <param name="MeanPredicted">Mean predicted probability in the bin (NaN when empty).</param>
/// <param name="FractionPositive">Observed fraction of positives in the bin (NaN when empty).</param>
public readonly record struct CalibrationBin(double Lower, double Upper, int Count, double MeanPredicted, double FractionPositive);

/// <summary>How well predicted probabilities match observed frequencies.</summary>
public static class CalibrationMetrics
{
    /// <summary>Brier score: mean of (p − y)², 0 is perfect. Probabilities must lie in [0, 1].</summary>
    public static double BrierScore(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> probabilities)
    {
        Check(yTrue, probabilities);
        double s = 0;
        for (int i = 0; i < yTrue.Length; i++) { double d = probabilities[i] - yTrue[i]; s += d * d; }
        return s / yTrue.Length;
    }

    /// <summary>
    /// Reliability curve with <paramref name="bins"/> equal-width bins on [0, 1]; a probability on
    /// an inner edge belongs to the upper bin, 1.0 to the last. Empty bins are kept (Count 0) so
    /// the result always has <paramref name="bins"/> entries.
    /// </summary>
    public static CalibrationBin[] CalibrationCurve(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> probabilities, int bins = 10)
    {
        if (bins <= 0) throw new ArgumentOutOfRangeException(nameof(bins), bins, $"bins must be positive. Received: bins={bins}");
        Check(yTrue, probabilities);
        var count = new int[bins];
        var sumP = new double[bins];
        var sumY = new double[bins];
        for (int i = 0; i < yTrue.Length; i++)
        {
            int b = Math.Min((int)(probabilities[i] * bins), bins - 1);
            count[b]++; sumP[b] += probabilities[i]; sumY[b] += yTrue[i];
        }
        var result = new CalibrationBin[bins];
        for (int b = 0; b < bins; b++)
            result[b] = new CalibrationBin((double)b / bins, (double)(b + 1) / bins, count[b],
                count[b] == 0 ? double.NaN : sumP[b] / count[b], count[b] == 0 ? double.NaN : sumY[b] / count[b]);
        return result;
    }

    /// <summary>Expected calibration error: Σ (count/n)·|fraction positive − mean predicted| over the bins.</summary>
    public static double ExpectedCalibrationError(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> probabilities, int bins = 10)
    {
        double e = 0;
        foreach (var b in CalibrationCurve(yTrue, probabilities, bins))
            if (b.Count > 0) e += (double)b.Count / yTrue.Length * Math.Abs(b.FractionPositive - b.MeanPredicted);
        return e;
    }

    private static void Check(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> p)
    {
        MetricGuard.SameLength(yTrue.Length, p.Length, nameof(yTrue), "probabilities");
        MetricGuard.BinaryLabels(yTrue, nameof(yTrue));
        for (int i = 0; i < p.Length; i++)
            if (!(p[i] >= 0 && p[i] <= 1))
                throw new ArgumentException($"probabilities must lie in [0, 1]. Received: probabilities[{i}]={p[i]}.", "probabilities");
    }
}
