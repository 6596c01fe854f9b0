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

/// <summary>A metric summarised over folds: mean of the folds, bootstrap 95% interval of the pooled out-of-fold predictions.</summary>
/// <param name="Name">Metric name (accuracy, roc_auc, …).</param>
/// <param name="Mean">Mean over folds.</param>
/// <param name="Low">Lower 95% bound.</param>
/// <param name="High">Upper 95% bound.</param>
public sealed record MetricOutcome(string Name, double Mean, double Low, double High);
