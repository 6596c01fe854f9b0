using NativeNet.Data;

namespace NativeNet.Cli.Tabular;

/// <summary>Loads a labelled CSV for training or evaluation and checks it fits the task.</summary>
public static class TabularData
{
    /// <summary>Loads <paramref name="path"/> with <paramref name="target"/> as target; classification needs at least two classes (text labels or integers 0…K−1).</summary>
    public static CsvTable Load(string path, string target, bool classification, IReadOnlyList<string>? classes = null, IReadOnlyList<string>? features = null)
    {
        if (!File.Exists(path)) throw new CliInputException($"Data file not found: {path}");
        if (new FileInfo(path).Length == 0) throw new CliInputException($"{path}: the file is empty (no header and no rows).");
        var table = CsvLoader.Load(path, new CsvLoadOptions { TargetColumn = target, TargetClasses = classes, FeatureColumns = features });
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
        return table;
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
        if (!File.Exists(path)) throw new CliInputException($"Data file not found: {path}");
        string[] header;
        using (var reader = new StreamReader(path))
        {
            var first = CsvParser.Read(reader, path).FirstOrDefault();
            if (first.Fields is null) throw new CliInputException($"{path}: the file is empty (no header and no rows).");
            header = first.Fields.Select(f => f.Trim()).ToArray();
        }
        var expected = new HashSet<string>(schema.Features, StringComparer.Ordinal);
        var missing = schema.Features.Where(f => !header.Contains(f)).ToList();
        if (needTarget && !header.Contains(schema.Target)) missing.Add(schema.Target + " (target)");
        var extra = header.Where(h => !expected.Contains(h) && h != schema.Target).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing column(s): {string.Join(", ", missing)}");
            if (extra.Count > 0) parts.Add($"unexpected column(s): {string.Join(", ", extra)}");
            throw new CliInputException($"{path}: the columns do not match the model's input schema — {string.Join("; ", parts)}.");
        }
    }
}
