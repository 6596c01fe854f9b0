namespace NativeNet.Reporting;

/// <summary>Predicted and actual values of a regression model (pooled out-of-fold).</summary>
/// <param name="Actual">The true values.</param>
/// <param name="Predicted">The predictions, one per actual value.</param>
public sealed record RegressionResults(IReadOnlyList<double> Actual, IReadOnlyList<double> Predicted)
{
    /// <summary>The name of the target, used in axis titles.</summary>
    public string? TargetName { get; init; }

    /// <summary>At most this many points are drawn (evenly sampled), to keep the file small.</summary>
    public int MaxPoints { get; init; } = 2000;
}
