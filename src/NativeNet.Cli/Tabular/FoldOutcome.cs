using NativeNet.Training;

namespace NativeNet.Cli.Tabular;

/// <summary>One cross-validation fold's result.</summary>
/// <param name="Index">0-based fold.</param>
/// <param name="TrainRows">Training rows.</param>
/// <param name="TestRows">Held-out rows.</param>
/// <param name="Metrics">Metric name → value on the held-out rows, in display order.</param>
/// <param name="History">Per-epoch logs (with val_ entries for the held-out rows).</param>
/// <param name="Confusion">Confusion counts [actual, predicted] (classification).</param>
public sealed record FoldOutcome(int Index, int TrainRows, int TestRows, IReadOnlyDictionary<string, double> Metrics, History History, int[,]? Confusion);

/// <summary>
/// A metric summarised over folds: the point estimate is the metric of the pooled out-of-fold
/// predictions and the 95% interval is a bootstrap of that same statistic; the mean of the
/// per-fold values is reported beside them, under its own name (it estimates something else and
/// may lie outside the interval when folds are calibrated differently).
/// </summary>
/// <param name="Name">Metric name (accuracy, roc_auc, …).</param>
/// <param name="Estimate">The metric of the pooled out-of-fold predictions.</param>
/// <param name="Low">Lower 95% bound (bootstrap of <paramref name="Estimate"/>).</param>
/// <param name="High">Upper 95% bound.</param>
/// <param name="FoldMean">Mean of the per-fold values.</param>
public sealed record MetricOutcome(string Name, double Estimate, double Low, double High, double FoldMean);
