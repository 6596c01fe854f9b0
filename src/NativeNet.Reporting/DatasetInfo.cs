namespace NativeNet.Reporting;

/// <summary>Describes the data a model was trained on.</summary>
public sealed record DatasetInfo
{
    /// <summary>A short name of the data set (e.g. "Breast Cancer Wisconsin (Diagnostic)").</summary>
    public string? Name { get; init; }

    /// <summary>The file the data was read from.</summary>
    public string? Path { get; init; }

    /// <summary>Number of rows (samples) used.</summary>
    public long? Rows { get; init; }

    /// <summary>Number of input features.</summary>
    public int? Features { get; init; }

    /// <summary>Rows per class label, in display order (classification only).</summary>
    public IReadOnlyDictionary<string, long>? ClassCounts { get; init; }

    /// <summary>Where the data comes from: source, licence, citation.</summary>
    public string? Provenance { get; init; }
}
