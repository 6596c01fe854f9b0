using NativeNet.Metrics;

namespace NativeNet.Tests.Metrics;

// Expected values are scikit-learn's documented examples or counted by hand (noted per test).
public class MetricsTests
{
    [Fact]
    public void BinaryThresholdMetricsMatchHandCounts()
    {
        int[] y = [0, 1, 1, 0, 1, 1];
        int[] p = [0, 1, 0, 0, 1, 1]; // TP 3, FN 1, FP 0, TN 2
        Assert.Equal(5.0 / 6, ClassificationMetrics.Accuracy(y, p), 12);
        Assert.Equal(1.0, ClassificationMetrics.Precision(y, p), 12);
        Assert.Equal(0.75, ClassificationMetrics.Recall(y, p), 12);
        Assert.Equal(0.75, ClassificationMetrics.Sensitivity(y, p), 12);
        Assert.Equal(1.0, ClassificationMetrics.Specificity(y, p), 12);
        Assert.Equal(6.0 / 7, ClassificationMetrics.F1(y, p), 12);
        // zero division → 0 (scikit-learn zero_division=0)
        Assert.Equal(0.0, ClassificationMetrics.Precision([1, 0], [0, 0]));
    }

    [Fact]
    public void ConfusionMatrixMatchesScikitLearnExamples()
    {
        var cm = new ConfusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]);
        Assert.Equal(new long[,] { { 2, 0, 0 }, { 0, 0, 1 }, { 1, 0, 2 } }, cm.ToArray());
        // f1_score(average='macro') doc example
        var m = new ConfusionMatrix([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1]);
        Assert.Equal(0.26666666666666666, m.MacroF1, 12);
        Assert.Equal(0.2222222222222222, m.MacroPrecision, 12);
        Assert.Equal(0.3333333333333333, m.MacroRecall, 12);
        var b = new ConfusionMatrix([0, 1, 1, 0, 1, 1], [0, 1, 0, 0, 1, 1]);
        Assert.Equal((3L, 0L, 2L, 1L), (b.TruePositives, b.FalsePositives, b.TrueNegatives, b.FalseNegatives));
        Assert.Equal(1.0, b.Specificity(1), 12);
        Assert.Throws<InvalidOperationException>(() => cm.TruePositives);
        Assert.Throws<ArgumentException>(() => new ConfusionMatrix([0, 3], [0, 1], 3));
    }

    [Fact]
    public void RocAucMatchesScikitLearnAndHandlesTies()
    {
        Assert.Equal(0.75, RankingMetrics.RocAuc([0, 0, 1, 1], [0.1f, 0.4f, 0.35f, 0.8f]), 12);
        // ties count one half: pairs (0.5,0.5)=.5, (0.5,0.2)=1, (0.9,·)=1+1 → 3.5/4
        Assert.Equal(0.875, RankingMetrics.RocAuc([0, 1, 0, 1], [0.5f, 0.5f, 0.2f, 0.9f]), 12);
        Assert.Equal(0.5, RankingMetrics.RocAuc([0, 1, 0, 1], [0.3f, 0.3f, 0.3f, 0.3f]), 12);
        var e = Assert.Throws<ArgumentException>(() => RankingMetrics.RocAuc([1, 1], [0.2f, 0.4f]));
        Assert.Contains("negatives=0", e.Message);
        Assert.Throws<ArgumentException>(() => RankingMetrics.RocAuc([0, 1], [float.NaN, 0.4f]));
    }

    [Fact]
    public void RocAucEqualsPairCountingOnRandomData()
    {
        var rng = new Random(3);
        var y = Enumerable.Range(0, 300).Select(_ => rng.Next(2)).ToArray();
        var s = y.Select(v => (float)Math.Round(rng.NextDouble() + 0.4 * v, 1)).ToArray(); // rounding makes many ties
        double pairs = 0, wins = 0;
        for (int i = 0; i < y.Length; i++)
            for (int j = 0; j < y.Length; j++)
                if (y[i] == 1 && y[j] == 0) { pairs++; wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0; }
        Assert.Equal(wins / pairs, RankingMetrics.RocAuc(y, s), 12);
    }

    [Fact]
    public void CurvesAndAveragePrecisionMatchScikitLearn()
    {
        int[] y = [0, 0, 1, 1];
        float[] s = [0.1f, 0.4f, 0.35f, 0.8f];
        var roc = RankingMetrics.RocCurve(y, s);
        Assert.Equal([0, 0, 0.5, 0.5, 1], roc.Select(p => p.FalsePositiveRate));
        Assert.Equal([0, 0.5, 0.5, 1, 1], roc.Select(p => p.TruePositiveRate));
        Assert.True(double.IsPositiveInfinity(roc[0].Threshold));
        var pr = RankingMetrics.PrecisionRecallCurve(y, s);
        Assert.Equal([1, 0.5, 2.0 / 3, 0.5], pr.Select(p => p.Precision), new Tol(1e-12));
        Assert.Equal([0.5, 0.5, 1, 1], pr.Select(p => p.Recall));
        Assert.Equal(0.8333333333333333, RankingMetrics.AveragePrecision(y, s), 12);
        Assert.Equal(0.8333333333333333, RankingMetrics.PrAuc([0, 1, 0, 1], [0.5f, 0.5f, 0.2f, 0.9f]), 12);
    }

    [Fact]
    public void ThresholdForSensitivityPicksTheHighestQualifyingThreshold()
    {
        int[] y = [0, 0, 1, 1];
        float[] s = [0.1f, 0.4f, 0.35f, 0.8f];
        var all = RankingMetrics.ThresholdForSensitivity(y, s, 1.0);
        Assert.Equal(0.35f, (float)all.Threshold);
        Assert.Equal((1.0, 0.5), (all.Sensitivity, all.Specificity));
        var half = RankingMetrics.ThresholdForSensitivity(y, s, 0.5);
        Assert.Equal(0.8f, (float)half.Threshold);
        Assert.Equal(1.0, half.Specificity);
        var reached = ClassificationMetrics.Recall(y, ClassificationMetrics.Threshold(s, (float)all.Threshold));
        Assert.Equal(1.0, reached);
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.ThresholdForSensitivity(y, s, 0));
    }

    [Fact]
    public void BrierAndCalibrationMatchScikitLearn()
    {
        Assert.Equal(0.0375, CalibrationMetrics.BrierScore([0, 1, 1, 0], [0.1f, 0.9f, 0.8f, 0.3f]), 6);
        int[] y = [0, 0, 0, 0, 1, 1, 1, 1, 1];
        float[] p = [0.1f, 0.2f, 0.3f, 0.4f, 0.65f, 0.7f, 0.8f, 0.9f, 1.0f];
        var bins = CalibrationMetrics.CalibrationCurve(y, p, 3);
        Assert.Equal([0, 0.5, 1], bins.Select(b => b.FractionPositive));
        Assert.Equal([0.2, 0.525, 0.85], bins.Select(b => b.MeanPredicted), new Tol(1e-6));
        Assert.Equal([3, 2, 4], bins.Select(b => b.Count));
        Assert.Throws<ArgumentException>(() => CalibrationMetrics.BrierScore([0], [1.5f]));
    }

    [Fact]
    public void RegressionMetricsMatchScikitLearn()
    {
        float[] t = [3, -0.5f, 2, 7], p = [2.5f, 0, 2, 8];
        Assert.Equal(0.5, RegressionMetrics.MeanAbsoluteError(t, p), 12);
        Assert.Equal(Math.Sqrt(0.375), RegressionMetrics.RootMeanSquaredError(t, p), 12);
        Assert.Equal(0.9486081370449679, RegressionMetrics.R2(t, p), 12);
        var e = Assert.Throws<ArgumentException>(() => RegressionMetrics.R2(t, [1f]));
        Assert.Contains("yPred.Length=1", e.Message);
    }

    [Fact]
    public void BootstrapIsSeededAndBracketsTheEstimate()
    {
        var rng = new Random(1);
        var y = Enumerable.Range(0, 200).Select(_ => rng.Next(2)).ToArray();
        var s = y.Select(v => (float)(rng.NextDouble() + 0.5 * v)).ToArray();
        var a = Bootstrap.ConfidenceInterval(y, s, (t, p) => RankingMetrics.RocAuc(t, p), resamples: 300, seed: 7);
        var b = Bootstrap.ConfidenceInterval(y, s, (t, p) => RankingMetrics.RocAuc(t, p), resamples: 300, seed: 7);
        var c = Bootstrap.ConfidenceInterval(y, s, (t, p) => RankingMetrics.RocAuc(t, p), resamples: 300, seed: 8);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Lower, c.Lower);
        Assert.Equal(RankingMetrics.RocAuc(y, s), a.Estimate);
        Assert.True(a.Lower < a.Estimate && a.Estimate < a.Upper);
        Assert.True(a.Upper - a.Lower is > 0.02 and < 0.3);
        Assert.Equal(300, a.Resamples + a.Skipped);
        // a metric undefined on some resamples (one class only) is skipped and counted
        var tiny = Bootstrap.ConfidenceInterval(new[] { 0, 1, 0 }, new[] { 0.1f, 0.9f, 0.2f }, (t, p) => RankingMetrics.RocAuc(t, p), resamples: 200, seed: 1);
        Assert.True(tiny.Skipped > 0);
        Assert.Equal(1.75, Bootstrap.Percentile([1, 2, 3, 4], 0.25), 12); // numpy.percentile([1,2,3,4], 25)
    }

    private sealed class Tol(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= eps;
        public int GetHashCode(double obj) => 0;
    }
}
