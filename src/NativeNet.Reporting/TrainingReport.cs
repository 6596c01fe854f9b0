namespace NativeNet.Reporting;

/// <summary>What kind of model a report describes; it decides which charts are drawn.</summary>
public enum ReportTask
{
    /// <summary>Class prediction: ROC, precision-recall, confusion matrix and calibration.</summary>
    Classification,

    /// <summary>Value prediction: predicted-vs-actual scatter and residuals.</summary>
    Regression,
}

/// <summary>
/// Everything a training report shows. Only <see cref="Title"/> is required: every other part
/// may be left null or empty and its section is then left out, so a partial run still renders.
/// A part that is present but unusable (an empty curve, NaN values, one class) is shown as a
/// visible "not available" note instead.
/// </summary>
/// <remarks>Plain data: <see cref="HtmlReportWriter"/> reads it and never changes it.</remarks>
public sealed record TrainingReport
{
    /// <summary>Creates a report with the given title.</summary>
    /// <param name="title">The heading of the report (HTML-escaped when rendered).</param>
    /// <exception cref="ArgumentException">The title is null, empty or white space.</exception>
    public TrainingReport(string title)
    {
        Title = title;
    }

    /// <summary>The heading of the report; must not be empty.</summary>
    public string Title
    {
        get;
        init => field = !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new ArgumentException(
                $"Report title must not be empty. Received: title='{value}'", nameof(Title));
    }

    /// <summary>Classification (the default) or regression.</summary>
    public ReportTask Task { get; init; } = ReportTask.Classification;

    /// <summary>When the run finished; shown in the header when set.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>Software versions (e.g. "NativeNet" → "0.1.0", ".NET" → "10.0.0"), in order.</summary>
    public IReadOnlyDictionary<string, string>? Versions { get; init; }

    /// <summary>The data set the model was trained on.</summary>
    public DatasetInfo? Dataset { get; init; }

    /// <summary>
    /// Training settings in display order (model, epochs, batch size, learning rate, folds, seed,
    /// threads, backend, ISA, ...).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>Metrics of each cross-validation fold (or the single hold-out split).</summary>
    public IReadOnlyList<FoldResult>? Folds { get; init; }

    /// <summary>Summary metrics over folds: mean and optional 95% confidence interval.</summary>
    public IReadOnlyList<MetricSummary>? Summary { get; init; }

    /// <summary>
    /// Names of the summary metrics shown large in the header. When null, the well-known ones
    /// are used: accuracy, sensitivity, specificity and ROC-AUC for classification; RMSE, MAE
    /// and R² for regression (see <see cref="MetricNames"/>).
    /// </summary>
    public IReadOnlyList<string>? HeadlineMetrics { get; init; }

    /// <summary>Per-epoch loss and metric curves.</summary>
    public TrainingCurves? Curves { get; init; }

    /// <summary>Receiver operating characteristic of the (pooled out-of-fold) predictions.</summary>
    public RocCurve? Roc { get; init; }

    /// <summary>Precision-recall curve of the (pooled out-of-fold) predictions.</summary>
    public PrCurve? PrecisionRecall { get; init; }

    /// <summary>Confusion matrix of the (pooled out-of-fold) predictions.</summary>
    public ConfusionMatrix? Confusion { get; init; }

    /// <summary>Reliability of the predicted probabilities.</summary>
    public CalibrationCurve? Calibration { get; init; }

    /// <summary>Permutation feature importance, in any order (the report sorts it).</summary>
    public FeatureImportanceResult? FeatureImportance { get; init; }

    /// <summary>Predicted and actual values of a regression model.</summary>
    public RegressionResults? Regression { get; init; }

    /// <summary>The network, drawn as a graph from top to bottom.</summary>
    public ArchitectureGraph? Architecture { get; init; }

    /// <summary>Sample images with true and predicted labels (image models), with their heat maps where given.</summary>
    public IReadOnlyList<ImageExample>? Examples { get; init; }

    /// <summary>Free text shown under the header (e.g. intended use, caveats).</summary>
    public string? Notes { get; init; }
}
