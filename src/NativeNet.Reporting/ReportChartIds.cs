namespace NativeNet.Reporting;

/// <summary>
/// The stable element ids of the charts in a rendered report, for tests and for tools that
/// post-process the HTML. Each is the id of an inline <c>&lt;svg&gt;</c>; when the data of a chart is
/// present but unusable, the id is absent and a note with id <c>{id}-na</c> takes its place.
/// </summary>
public static class ReportChartIds
{
    /// <summary>Training and validation loss per epoch.</summary>
    public const string Loss = "chart-loss";

    /// <summary>Training and validation metric per epoch.</summary>
    public const string Metric = "chart-metric";

    /// <summary>ROC curve.</summary>
    public const string Roc = "chart-roc";

    /// <summary>Precision-recall curve.</summary>
    public const string PrecisionRecall = "chart-pr";

    /// <summary>Confusion matrix heat map.</summary>
    public const string Confusion = "chart-confusion";

    /// <summary>Calibration (reliability) plot.</summary>
    public const string Calibration = "chart-calibration";

    /// <summary>Permutation feature importance bars.</summary>
    public const string Importance = "chart-importance";

    /// <summary>Network architecture graph.</summary>
    public const string Architecture = "chart-architecture";

    /// <summary>Predicted vs actual scatter (regression).</summary>
    public const string Scatter = "chart-scatter";

    /// <summary>Residuals vs predicted (regression).</summary>
    public const string Residuals = "chart-residuals";

    /// <summary>The charts of a complete classification report.</summary>
    public static IReadOnlyList<string> Classification { get; } =
        [Loss, Metric, Roc, PrecisionRecall, Confusion, Calibration, Importance, Architecture];

    /// <summary>The charts of a complete regression report.</summary>
    public static IReadOnlyList<string> Regression { get; } =
        [Loss, Metric, Scatter, Residuals, Importance, Architecture];
}
