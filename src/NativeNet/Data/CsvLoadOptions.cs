namespace NativeNet.Data;

/// <summary>How non-numeric feature columns become numbers.</summary>
public enum CategoricalEncoding
{
    /// <summary>One 0/1 column per level, named "column=level" (levels sorted ordinally).</summary>
    OneHot = 0,
    /// <summary>One column holding the level's index 0, 1, 2, … (levels sorted ordinally).</summary>
    Ordinal = 1,
}

/// <summary>What to do with a missing cell (one of <see cref="CsvLoadOptions.MissingTokens"/>).</summary>
public enum MissingValuePolicy
{
    /// <summary>Throw <see cref="InvalidDataException"/> naming file, row and column.</summary>
    Error = 0,
    /// <summary>Drop every row with a missing cell (counted in <see cref="CsvTable.DroppedRows"/>).</summary>
    DropRow = 1,
    /// <summary>
    /// Keep the row with NaN in the cell; fit <see cref="Imputer"/> with column means on the
    /// training part (<see cref="CsvTable.FitImputer"/>) and apply it to every part.
    /// </summary>
    ImputeMean = 2,
    /// <summary>As <see cref="ImputeMean"/> with column medians.</summary>
    ImputeMedian = 3,
}

/// <summary>Options of <see cref="CsvLoader.Load(string, CsvLoadOptions?)"/>.</summary>
public sealed class CsvLoadOptions
{
    /// <summary>Name of the target column; null loads features only (all targets 0).</summary>
    public string? TargetColumn { get; init; }

    /// <summary>Feature columns to keep, in this order; null keeps every column except the target.</summary>
    public IReadOnlyList<string>? FeatureColumns { get; init; }

    /// <summary>Whether the first record names the columns (otherwise they are named column1, column2, …).</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>Field separator.</summary>
    public char Separator { get; init; } = ',';

    /// <summary>Encoding of non-numeric feature columns.</summary>
    public CategoricalEncoding Categorical { get; init; } = CategoricalEncoding.OneHot;

    /// <summary>
    /// Columns to treat as categorical even when their cells are numbers (e.g. a coded site id).
    /// Other columns are numeric when their first non-missing cell is a number — then every
    /// other cell must be one too — and categorical otherwise.
    /// </summary>
    public IReadOnlyList<string>? CategoricalColumns { get; init; }

    /// <summary>Missing-value handling.</summary>
    public MissingValuePolicy Missing { get; init; } = MissingValuePolicy.Error;

    /// <summary>Cell texts read as missing (compared after trimming, case-sensitive).</summary>
    public IReadOnlySet<string> MissingTokens { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "", "NA", "N/A", "NaN", "nan", "null", "NULL" };

    /// <summary>
    /// Label order for a text target, index = label (e.g. ["benign", "malignant"] makes malignant
    /// the positive class 1). Null sorts the distinct values ordinally, as scikit-learn's LabelEncoder.
    /// </summary>
    public IReadOnlyList<string>? TargetClasses { get; init; }

    /// <summary>Longest record in characters; a longer one is an error (read no further than this).</summary>
    public int MaxRecordChars { get; init; } = int.MaxValue;

    /// <summary>Most distinct values a categorical feature column may hold (each is a one-hot column).</summary>
    public int MaxCategoricalLevels { get; init; } = int.MaxValue;

    /// <summary>
    /// When true every feature column must be numeric: a text cell is an error naming row and
    /// column instead of turning the column categorical (a model's fixed input columns).
    /// </summary>
    public bool NumericFeaturesOnly { get; init; }
}
