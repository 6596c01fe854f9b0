namespace NativeNet.Reporting;

/// <summary>Per-epoch learning curves: one run per fold (or a single run).</summary>
/// <param name="Runs">The runs, each drawn in its own colour.</param>
public sealed record TrainingCurves(IReadOnlyList<EpochSeries> Runs)
{
    /// <summary>Name of the metric in <see cref="EpochSeries.TrainMetric"/> and
    /// <see cref="EpochSeries.ValidationMetric"/> (e.g. <see cref="MetricNames.Accuracy"/>).</summary>
    public string MetricName { get; init; } = MetricNames.Accuracy;
}

/// <summary>The per-epoch values of one training run; index i is epoch i + 1.</summary>
/// <param name="Label">The run's legend label, e.g. "Fold 1".</param>
/// <param name="TrainLoss">Training loss per epoch.</param>
public sealed record EpochSeries(string Label, IReadOnlyList<double> TrainLoss)
{
    /// <summary>Validation loss per epoch.</summary>
    public IReadOnlyList<double>? ValidationLoss { get; init; }

    /// <summary>The metric on the training rows per epoch.</summary>
    public IReadOnlyList<double>? TrainMetric { get; init; }

    /// <summary>The metric on the validation rows per epoch.</summary>
    public IReadOnlyList<double>? ValidationMetric { get; init; }
}
