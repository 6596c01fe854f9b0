namespace NativeNet.Metrics;

/// <summary>A point estimate with a bootstrap confidence interval.</summary>
/// <param name="Estimate">The metric on the full sample.</param>
/// <param name="Lower">Lower percentile bound.</param>
/// <param name="Upper">Upper percentile bound.</param>
/// <param name="Confidence">Confidence level, e.g. 0.95.</param>
/// <param name="Resamples">Resamples on which the metric was defined and used.</param>
/// <param name="Skipped">Resamples skipped because the metric was undefined there (e.g. one class only for ROC-AUC).</param>
public readonly record struct ConfidenceInterval(double Estimate, double Lower, double Upper, double Confidence, int Resamples, int Skipped)
{
    /// <summary>"0.975 [0.960, 0.988]".</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Estimate:F3} [{Lower:F3}, {Upper:F3}]");
}

/// <summary>
/// Percentile bootstrap confidence intervals for any metric: resample the n cases with
/// replacement N times (seeded, so the same seed gives the same interval), compute the metric on
/// each resample, and take the (1−c)/2 and (1+c)/2 percentiles (linear interpolation, as NumPy's
/// default). Resamples where the metric throws <see cref="ArgumentException"/> or returns NaN
/// are skipped and counted.
/// </summary>
public static class Bootstrap
{
    /// <summary>Interval for a metric of (truth, prediction) pairs, e.g. <c>RankingMetrics.RocAuc</c>.</summary>
    public static ConfidenceInterval ConfidenceInterval<TTrue, TPred>(
        TTrue[] yTrue, TPred[] yPred, Func<TTrue[], TPred[], double> metric,
        int resamples = 1000, double confidence = 0.95, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        ArgumentNullException.ThrowIfNull(metric);
        MetricGuard.SameLength(yTrue.Length, yPred.Length, nameof(yTrue), nameof(yPred));
        var t = new TTrue[yTrue.Length];
        var p = new TPred[yPred.Length];
        return ConfidenceInterval(yTrue.Length, idx =>
        {
            for (int i = 0; i < idx.Length; i++) { t[i] = yTrue[idx[i]]; p[i] = yPred[idx[i]]; }
            return metric(t, p);
        }, () => metric(yTrue, yPred), resamples, confidence, seed);
    }

    /// <summary>
    /// General form: <paramref name="metricOnIndices"/> computes the metric on the cases named by
    /// an index array (with repeats); <paramref name="fullSample"/> computes it on all cases.
    /// </summary>
    public static ConfidenceInterval ConfidenceInterval(int count, Func<int[], double> metricOnIndices, Func<double> fullSample,
        int resamples = 1000, double confidence = 0.95, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(metricOnIndices);
        ArgumentNullException.ThrowIfNull(fullSample);
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be positive. Received: count={count}");
        if (resamples <= 0) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, $"resamples must be positive. Received: resamples={resamples}");
        if (!(confidence > 0 && confidence < 1))
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, $"confidence must be in (0, 1). Received: confidence={confidence}");
        var rng = new Random(seed);
        var idx = new int[count];
        var values = new List<double>(resamples);
        int skipped = 0;
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < count; i++) idx[i] = rng.Next(count);
            double v;
            try { v = metricOnIndices(idx); }
            catch (ArgumentException) { skipped++; continue; }
            if (double.IsNaN(v)) { skipped++; continue; }
            values.Add(v);
        }
        if (values.Count == 0)
            throw new InvalidOperationException($"The metric was undefined on all {resamples} resamples; no interval can be formed.");
        values.Sort();
        double alpha = (1 - confidence) / 2;
        return new ConfidenceInterval(fullSample(), Percentile(values, alpha), Percentile(values, 1 - alpha), confidence, values.Count, skipped);
    }

    // NumPy's default ("linear") percentile on sorted data.
    internal static double Percentile(List<double> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
