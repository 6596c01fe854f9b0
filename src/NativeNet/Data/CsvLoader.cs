using System.Globalization;

namespace NativeNet.Data;

/// <summary>
/// Loads a CSV table into a <see cref="Dataset"/>: column selection, a target column (numbers
/// kept, text label-encoded with the mapping kept), categorical encoding, missing values. Every
/// problem is an <see cref="InvalidDataException"/> naming the file, the row (1-based line, the
/// header being row 1) and the column.
/// </summary>
public static class CsvLoader
{
    /// <summary>Loads <paramref name="path"/>.</summary>
    public static CsvTable Load(string path, CsvLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"CSV file not found: {path}", path);
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        return Load(reader, path, options);
    }

    /// <summary>Loads CSV text from <paramref name="reader"/>; <paramref name="source"/> names it in errors.</summary>
    public static CsvTable Load(TextReader reader, string source, CsvLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CsvLoadOptions();
        var records = CsvParser.Read(reader, source, options.Separator, options.MaxRecordChars).ToList();
        if (records.Count == 0) throw new InvalidDataException($"{source}: the file is empty (no header and no rows).");

        string[] header;
        int first;
        if (options.HasHeader)
        {
            header = records[0].Fields.Select(f => f.Trim()).ToArray();
            first = 1;
            var dup = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null) throw new InvalidDataException($"{source}: row 1: column name '{dup.Key}' appears more than once.");
        }
        else
        {
            header = Enumerable.Range(1, records[0].Fields.Length).Select(i => $"column{i}").ToArray();
            first = 0;
        }
        if (records.Count == first) throw new InvalidDataException($"{source}: the file has a header but no data rows.");
        for (int r = first; r < records.Count; r++)
            if (records[r].Fields.Length != header.Length)
                throw new InvalidDataException($"{source}: row {records[r].Line} has {records[r].Fields.Length} fields but the header has {header.Length} columns.");

        // A dictionary, not a scan per name: 10^5 columns must not cost 10^10 comparisons.
        var columnIndex = new Dictionary<string, int>(header.Length, StringComparer.Ordinal);
        for (int h = 0; h < header.Length; h++) columnIndex.TryAdd(header[h], h);
        int Column(string name, string role)
        {
            if (!columnIndex.TryGetValue(name, out int i)) throw new InvalidDataException($"{source}: {role} column '{name}' not found. Columns: {string.Join(", ", header)}.");
            return i;
        }
        int target = options.TargetColumn is null ? -1 : Column(options.TargetColumn, "target");
        int[] featureCols = options.FeatureColumns is null
            ? Enumerable.Range(0, header.Length).Where(i => i != target).ToArray()
            : options.FeatureColumns.Select(n => Column(n, "feature")).ToArray();
        if (featureCols.Length == 0) throw new InvalidDataException($"{source}: no feature columns are left to load.");
        if (featureCols.Contains(target)) throw new InvalidDataException($"{source}: column '{header[target]}' is both the target and a feature.");
        var forcedCategorical = new HashSet<string>(options.CategoricalColumns ?? []);
        foreach (var name in forcedCategorical) Column(name, "categorical");

        bool IsMissing(string cell) => options.MissingTokens.Contains(cell.Trim());
        var rows = records.Skip(first).ToList();

        // Drop rows with a missing cell in any used column, when asked.
        int dropped = 0;
        if (options.Missing == MissingValuePolicy.DropRow)
        {
            var used = featureCols.Append(target).Where(c => c >= 0).ToArray();
            int before = rows.Count;
            rows = rows.Where(r => !used.Any(c => IsMissing(r.Fields[c]))).ToList();
            dropped = before - rows.Count;
            if (rows.Count == 0) throw new InvalidDataException($"{source}: every row has a missing value; nothing is left after dropping them.");
        }

        // Decide each feature column's kind and build its encoder.
        var encoders = new List<ColumnEncoder>();
        var levelsByColumn = new Dictionary<string, IReadOnlyList<string>>();
        foreach (int c in featureCols)
        {
            bool categorical = forcedCategorical.Contains(header[c]);
            if (!categorical && !options.NumericFeaturesOnly)
            {
                var firstPresent = rows.FirstOrDefault(r => !IsMissing(r.Fields[c]));
                categorical = firstPresent.Fields is not null && !TryNumber(firstPresent.Fields[c], out _);
            }
            if (categorical)
            {
                var levels = rows.Select(r => r.Fields[c].Trim()).Where(v => !IsMissing(v)).Distinct().Take(options.MaxCategoricalLevels + 1).OrderBy(v => v, StringComparer.Ordinal).ToList();
                if (levels.Count > options.MaxCategoricalLevels)
                    throw new InvalidDataException($"{source}: column '{header[c]}' holds text with more than {options.MaxCategoricalLevels:N0} distinct values, the limit of categorical levels (each becomes a column); is it an identifier or a mistyped numeric column?");
                levelsByColumn[header[c]] = levels;
                encoders.Add(new ColumnEncoder(c, header[c], levels, options.Categorical));
            }
            else encoders.Add(new ColumnEncoder(c, header[c], null, options.Categorical));
        }
        var featureNames = encoders.SelectMany(e => e.OutputNames).ToList();
        int width = featureNames.Count;

        // Target: numbers kept, text label-encoded.
        Dictionary<string, int>? mapping = null;
        if (target >= 0)
        {
            var firstPresent = rows.FirstOrDefault(r => !IsMissing(r.Fields[target]));
            bool textTarget = options.TargetClasses is not null || (firstPresent.Fields is not null && !TryNumber(firstPresent.Fields[target], out _));
            if (textTarget)
            {
                var classes = options.TargetClasses?.ToList()
                    ?? rows.Select(r => r.Fields[target].Trim()).Where(v => !IsMissing(v)).Distinct().OrderBy(v => v, StringComparer.Ordinal).ToList();
                mapping = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < classes.Count; i++) mapping[classes[i]] = i;
            }
        }

        var features = new float[(long)rows.Count * width];
        var targets = new float[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            var rec = rows[r];
            int o = r * width;
            foreach (var enc in encoders)
            {
                string cell = rec.Fields[enc.Index];
                if (IsMissing(cell))
                {
                    if (options.Missing == MissingValuePolicy.Error)
                        throw new InvalidDataException($"{source}: row {rec.Line}, column '{enc.Name}': missing value '{cell}' (set CsvLoadOptions.Missing to DropRow, ImputeMean or ImputeMedian to accept it).");
                    for (int k = 0; k < enc.Width; k++) features[o + k] = float.NaN;
                }
                else enc.Encode(cell, features.AsSpan(o, enc.Width), source, rec.Line);
                o += enc.Width;
            }
            if (target >= 0)
            {
                string cell = rec.Fields[target];
                if (IsMissing(cell))
                    throw new InvalidDataException($"{source}: row {rec.Line}, column '{header[target]}': the target is missing ('{cell}'); a target cannot be imputed (use MissingValuePolicy.DropRow).");
                if (mapping is not null)
                {
                    if (!mapping.TryGetValue(cell.Trim(), out int label))
                        throw new InvalidDataException($"{source}: row {rec.Line}, column '{header[target]}': '{cell}' is not one of the target classes {string.Join(", ", mapping.Keys)}.");
                    targets[r] = label;
                }
                else if (TryNumber(cell, out double v)) targets[r] = ToFloat(v, cell, source, rec.Line, header[target]);
                else throw new InvalidDataException($"{source}: row {rec.Line}, column '{header[target]}': '{cell}' is not a number (the target column is numeric).");
            }
        }

        var classNames = mapping?.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToList();
        var dataset = new Dataset(features, [width], targets, 1, featureNames, classNames);
        return new CsvTable(dataset, featureNames, mapping, levelsByColumn, dropped, options.Missing, source);
    }

    internal static bool TryNumber(string cell, out double value) =>
        double.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    // Values are stored as float: 1e39 would silently become infinity.
    private static float ToFloat(double v, string cell, string source, int line, string column) =>
        Math.Abs(v) <= float.MaxValue
            ? (float)v
            : throw new InvalidDataException($"{source}: row {line}, column '{column}': '{cell.Trim()}' is outside the float range (±3.4e38).");

    private sealed class ColumnEncoder
    {
        private readonly Dictionary<string, int>? _levels;
        private readonly CategoricalEncoding _encoding;

        public ColumnEncoder(int index, string name, List<string>? levels, CategoricalEncoding encoding)
        {
            Index = index;
            Name = name;
            _encoding = encoding;
            if (levels is null) { Width = 1; OutputNames = [name]; return; }
            _levels = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < levels.Count; i++) _levels[levels[i]] = i;
            Width = encoding == CategoricalEncoding.OneHot ? levels.Count : 1;
            OutputNames = encoding == CategoricalEncoding.OneHot ? levels.Select(l => $"{name}={l}").ToArray() : [name];
        }

        public int Index { get; }
        public string Name { get; }
        public int Width { get; }
        public string[] OutputNames { get; }

        public void Encode(string cell, Span<float> dst, string source, int line)
        {
            if (_levels is null)
            {
                if (!TryNumber(cell, out double v))
                    throw new InvalidDataException($"{source}: row {line}, column '{Name}': '{cell}' is not a number (the column is numeric; list it in CsvLoadOptions.CategoricalColumns if it is categorical).");
                dst[0] = ToFloat(v, cell, source, line, Name);
                return;
            }
            int level = _levels[cell.Trim()];
            if (_encoding == CategoricalEncoding.Ordinal) dst[0] = level;
            else { dst.Clear(); dst[level] = 1; }
        }
    }
}
