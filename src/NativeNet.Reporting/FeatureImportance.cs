namespace NativeNet.Reporting;

/// <summary>The permutation importance of one feature.</summary>
/// <param name="Feature">The feature (column) name.</param>
/// <param name="MeanDrop">The mean drop of the score when the feature is shuffled.</param>
/// <param name="Std">The standard deviation of the drop over repeats.</param>
public sealed record FeatureImportance(string Feature, double MeanDrop, double Std);

/// <summary>Permutation feature importance of a model.</summary>
/// <param name="Features">One entry per feature, in any order (drawn sorted by drop).</param>
public sealed record FeatureImportanceResult(IReadOnlyList<FeatureImportance> Features)
{
    /// <summary>The score whose drop is measured, e.g. <see cref="MetricNames.RocAuc"/>.</summary>
    public string ScoreName { get; init; } = MetricNames.RocAuc;

    /// <summary>How many times each feature was shuffled.</summary>
    public int? Repeats { get; init; }

    /// <summary>At most this many features are drawn (the most important ones).</summary>
    public int MaxShown { get; init; } = 25;
}
