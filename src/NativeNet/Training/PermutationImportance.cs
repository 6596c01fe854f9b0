using NativeNet.Data;

namespace NativeNet.Training;

/// <summary>The importance of one feature.</summary>
/// <param name="Feature">0-based feature index (column of the flat sample).</param>
/// <param name="Name">Feature name when the data set has names, else "feature{index}".</param>
/// <param name="MeanDrop">Mean worsening of the metric when the feature is shuffled (positive = the model relies on it).</param>
/// <param name="StdDrop">Standard deviation of the drop over the repeats.</param>
/// <param name="Drops">The drop of each repeat.</param>
public sealed record FeatureImportance(int Feature, string Name, double MeanDrop, double StdDrop, double[] Drops);

/// <summary>
/// Permutation feature importance (Breiman; scikit-learn's <c>permutation_importance</c>): the
/// metric's worsening when one feature column is shuffled across samples, breaking its link to
/// the target, averaged over seeded repeats. Model-agnostic: it only calls
/// <c>predict</c>, which maps a data set to [n, outputWidth] outputs.
/// </summary>
public static class PermutationImportance
{
    /// <summary>Computes the importance of every feature, in feature order.</summary>
    /// <param name="predict">Maps a data set to row-major outputs (probabilities or values).</param>
    /// <param name="data">Held-out data (importance on training data measures memorization).</param>
    /// <param name="metric">The score, e.g. <see cref="Metric.Auc"/>; its direction decides the sign.</param>
    /// <param name="repeats">Shuffles per feature.</param>
    /// <param name="seed">Seed of the shuffles.</param>
    public static IReadOnlyList<FeatureImportance> Compute(Func<Dataset, float[]> predict, Dataset data, Metric metric, int repeats = 5, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(predict);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(metric);
        if (repeats <= 0) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, $"repeats must be positive. Received: repeats={repeats}");
        if (data.Count < 2) throw new ArgumentException($"Permutation needs at least 2 samples. Received: Count={data.Count}", nameof(data));
        double Score(Dataset d)
        {
            var outputs = predict(d);
            if (outputs.Length % d.Count != 0) throw new InvalidOperationException($"predict returned {outputs.Length} values for {d.Count} samples.");
            return metric.Compute(outputs, outputs.Length / d.Count, d.Targets, d.TargetWidth);
        }
        double baseline = Score(data);
        int width = data.SampleSize;
        var result = new List<FeatureImportance>(width);
        var perm = new int[data.Count];
        for (int j = 0; j < width; j++)
        {
            var drops = new double[repeats];
            for (int r = 0; r < repeats; r++)
            {
                for (int i = 0; i < perm.Length; i++) perm[i] = i;
                Splits.Shuffle(perm, new Random(DataLoader.Mix(seed, j, r)));
                var f = (float[])data.Features.Clone();
                for (int i = 0; i < data.Count; i++) f[(long)i * width + j] = data.Features[(long)perm[i] * width + j];
                double s = Score(data.WithFeatures(f));
                drops[r] = metric.HigherIsBetter ? baseline - s : s - baseline;
            }
            double mean = drops.Average();
            double sd = Math.Sqrt(drops.Sum(d => (d - mean) * (d - mean)) / repeats);
            string name = data.FeatureNames is { } names ? names[j] : $"feature{j}";
            result.Add(new FeatureImportance(j, name, mean, sd, drops));
        }
        return result;
    }
}
