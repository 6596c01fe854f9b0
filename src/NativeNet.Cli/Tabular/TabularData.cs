using NativeNet.Cli.Safety;
using NativeNet.Data;

namespace NativeNet.Cli.Tabular;

/// <summary>Loads a labelled CSV for training or evaluation and checks it fits the task.</summary>
public static class TabularData
{
    /// <summary>Loads <paramref name="path"/> with <paramref name="target"/> as target; classification needs at least two classes (text labels or integers 0…K−1).</summary>
    public static CsvTable Load(string path, string target, bool classification, IReadOnlyList<string>? classes = null, IReadOnlyList<string>? features = null)
    {
        if (InputFile.Csv(path) == 0) throw new CliInputException($"{path}: the file is empty (no header and no rows).");
        var table = Read(path, new CsvLoadOptions { TargetColumn = target, TargetClasses = classes, FeatureColumns = features, NumericFeaturesOnly = features is not null });
        var data = table.Dataset;
        if (classification)
        {
            if (table.TargetMapping is null)
            {
                // A numeric target is a class label only when it is a small non-negative integer.
                for (int i = 0; i < data.Count; i++)
                    if (!(data.Targets[i] >= 0 && data.Targets[i] < 1000 && data.Targets[i] == MathF.Floor(data.Targets[i])))
                        throw new CliInputException($"{path}: target column '{target}' holds {data.Targets[i]} (row {i + 2}); classification needs class labels (text, or integers 0, 1, 2, …). Use --task regression for a numeric target.");
                if (data.Targets.Max() < 1)
                    throw new CliInputException($"{path}: target column '{target}' holds one class only; classification needs at least two.");
            }
            else if (table.TargetMapping.Count < 2)
                throw new CliInputException($"{path}: target column '{target}' holds one class only ('{table.TargetMapping.Keys.First()}'); classification needs at least two.");
        }
        else if (table.TargetMapping is not null)
            throw new CliInputException($"{path}: target column '{target}' holds text ('{table.TargetMapping.Keys.First()}'); regression needs a numeric target. Use --task classification.");
        // Training (no classes given) sizes everything by the class count: bound it before anything is allocated.
        int k = classification && classes is null ? Classes(table).Count : 0, limit = CliLimits.Current.MaxClasses;
        if (k > limit)
            throw new CliInputException($"{path}: target column '{target}' holds {k:N0} classes; {CliLimits.Hint("the class", limit, "NATIVENET_MAX_CLASSES")}.");
        if (k > data.Count / 2)
            throw new CliInputException($"{path}: target column '{target}' holds {k:N0} classes in {data.Count:N0} rows; cross-validation needs at least two rows of every class.");
        return table;
    }

    /// <summary>The feature columns of an unlabelled CSV for a model: every one numeric.</summary>
    public static CsvTable LoadFeatures(string path, IReadOnlyList<string> features)
    {
        InputFile.Csv(path);
        return Read(path, new CsvLoadOptions { FeatureColumns = features, NumericFeaturesOnly = true });
    }

    // The CSV reader under the CLI's limits: record length and categorical levels.
    private static CsvTable Read(string path, CsvLoadOptions options)
    {
        var limits = CliLimits.Current;
        var bounded = new CsvLoadOptions
        {
            TargetColumn = options.TargetColumn, TargetClasses = options.TargetClasses, FeatureColumns = options.FeatureColumns,
            NumericFeaturesOnly = options.NumericFeaturesOnly, MaxRecordChars = limits.MaxLineChars, MaxCategoricalLevels = limits.MaxLevels,
        };
        try { return CsvLoader.Load(path, bounded); }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.Ordinal))
        {
            string variable = e.Message.Contains("record length", StringComparison.Ordinal) ? "NATIVENET_MAX_LINE_CHARS" : "NATIVENET_MAX_LEVELS";
            throw new CliInputException($"{e.Message} Raise it with {variable}.");
        }
    }

    /// <summary>The trimmed header fields of <paramref name="path"/> (read under the record length limit).</summary>
    public static string[] Header(string path)
    {
        InputFile.Csv(path);
        using var reader = new StreamReader(path);
        var first = CsvParser.Read(reader, path, maxRecordChars: CliLimits.Current.MaxLineChars).FirstOrDefault();
        if (first.Fields is null || first.Fields.Length == 0) throw new CliInputException($"{path}: the file is empty (no header and no rows).");
        return first.Fields.Select(f => f.Trim()).ToArray();
    }

    /// <summary>The table as <see cref="LabelledData"/>.</summary>
    public static LabelledData Labelled(CsvTable table, bool classification) =>
        new(InputKinds.Table, table.Dataset, classification ? Classes(table) : null, table.FeatureNames.ToList());

    /// <summary>The class labels of a loaded classification table (index = label): text labels sorted, or 0…max for integers.</summary>
    public static IReadOnlyList<string> Classes(CsvTable table) =>
        table.TargetMapping is null
            ? Enumerable.Range(0, (int)table.Dataset.Targets.Max() + 1).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList()
            : table.TargetMapping.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToList();

    /// <summary>
    /// Checks the CSV header of <paramref name="path"/> against the schema's feature columns (and
    /// the target when <paramref name="needTarget"/>); one error naming missing and extra columns.
    /// </summary>
    public static void CheckColumns(string path, ModelSchema schema, bool needTarget)
    {
        string[] header = Header(path);
        var expected = new HashSet<string>(schema.Features, StringComparer.Ordinal);
        var present = new HashSet<string>(header, StringComparer.Ordinal);
        var missing = schema.Features.Where(f => !present.Contains(f)).ToList();
        if (needTarget && !present.Contains(schema.Target)) missing.Add(schema.Target + " (target)");
        var extra = header.Where(h => !expected.Contains(h) && h != schema.Target).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing column(s): {List(missing)}");
            if (extra.Count > 0) parts.Add($"unexpected column(s): {List(extra)}");
            throw new CliInputException($"{path}: the columns do not match the model's input schema — {string.Join("; ", parts)}.");
        }
    }

    // At most five names in a message; a header of 10^5 columns must not become the error line.
    private static string List(List<string> names) =>
        string.Join(", ", names.Take(5).Select(n => CliText.Escape(n, 60))) + (names.Count > 5 ? $", … ({names.Count:N0} in all)" : "");
}
