namespace NativeNet.Data;

/// <summary>The result of loading a CSV file: the data set and how its columns were encoded.</summary>
public sealed class CsvTable
{
    internal CsvTable(Dataset dataset, IReadOnlyList<string> featureNames, IReadOnlyDictionary<string, int>? targetMapping,
        IReadOnlyDictionary<string, IReadOnlyList<string>> categoryLevels, int droppedRows, MissingValuePolicy missing, string path)
    {
        Dataset = dataset;
        FeatureNames = featureNames;
        TargetMapping = targetMapping;
        CategoryLevels = categoryLevels;
        DroppedRows = droppedRows;
        Missing = missing;
        Path = path;
    }

    /// <summary>The samples: features [rows, FeatureNames.Count] and one target per row.</summary>
    public Dataset Dataset { get; }

    /// <summary>Names of the encoded feature columns ("sex=F" for one-hot levels).</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Label encoding of a text target (value → label), or null when the target was numeric.</summary>
    public IReadOnlyDictionary<string, int>? TargetMapping { get; }

    /// <summary>The levels of each categorical source column, in encoding order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> CategoryLevels { get; }

    /// <summary>Rows dropped under <see cref="MissingValuePolicy.DropRow"/>.</summary>
    public int DroppedRows { get; }

    /// <summary>The policy the file was loaded with.</summary>
    public MissingValuePolicy Missing { get; }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>
    /// Fits the imputer the load policy asked for (mean or median) on the training part; apply
    /// it to every part. Under other policies there is nothing missing and this returns an imputer
    /// that changes nothing.
    /// </summary>
    public Imputer FitImputer(Dataset training) =>
        Imputer.Fit(training, Missing == MissingValuePolicy.ImputeMedian ? ImputeStrategy.Median : ImputeStrategy.Mean);
}
