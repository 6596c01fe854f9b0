using System.Globalization;
using NativeNet.Data;

namespace NativeNet.Vision.Datasets;

/// <summary>
/// A CSV manifest of images: a header, then one row per image. The <c>path</c> column (or the first
/// column) names the file, relative paths resolved against the CSV's folder. With one more column
/// it is a class label (text or integers; classes are the distinct values sorted, numerically when
/// all are integers); with several, each is a numeric target (multi-label or regression).
/// </summary>
public static class ImageManifest
{
    /// <summary>What a manifest holds.</summary>
    public sealed record Contents(IReadOnlyList<string> Paths, float[] Targets, int TargetWidth, IReadOnlyList<string>? Classes, IReadOnlyList<string> TargetColumns);

    /// <summary>Reads <paramref name="csvPath"/>.</summary>
    public static Contents Read(string csvPath)
    {
        if (!File.Exists(csvPath)) throw new FileNotFoundException($"Manifest not found: {csvPath}", csvPath);
        string dir = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
        List<CsvRecord> rows;
        using (var reader = new StreamReader(csvPath)) rows = CsvParser.Read(reader, csvPath).ToList();
        if (rows.Count < 2) throw new InvalidDataException($"{csvPath}: a manifest needs a header and at least one row (path,label).");
        var header = rows[0].Fields.Select(f => f.Trim()).ToArray();
        int pathCol = Array.FindIndex(header, h => h.Equals("path", StringComparison.OrdinalIgnoreCase));
        if (pathCol < 0) pathCol = 0;
        var targetCols = Enumerable.Range(0, header.Length).Where(i => i != pathCol).ToArray();
        if (targetCols.Length == 0) throw new InvalidDataException($"{csvPath}: the header has no label column (expected path,label or path + target columns).");
        var paths = new List<string>();
        var raw = new List<string[]>();
        foreach (var r in rows.Skip(1))
        {
            if (r.Fields.Length != header.Length) throw new InvalidDataException($"{csvPath}: row {r.Line} has {r.Fields.Length} fields; the header has {header.Length}.");
            string p = r.Fields[pathCol].Trim();
            if (p.Length == 0) throw new InvalidDataException($"{csvPath}: row {r.Line}: the path is empty.");
            paths.Add(Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(dir, p)));
            raw.Add(targetCols.Select(c => r.Fields[c].Trim()).ToArray());
        }
        var names = targetCols.Select(c => header[c]).ToList();
        if (targetCols.Length == 1)
        {
            var values = raw.Select(v => v[0]).ToList();
            bool integers = values.All(v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
            var classes = integers
                ? values.Distinct().OrderBy(v => long.Parse(v, CultureInfo.InvariantCulture)).ToList()
                : values.Distinct().Order(StringComparer.Ordinal).ToList();
            if (values.Any(v => v.Length == 0)) throw new InvalidDataException($"{csvPath}: row {rows[1 + values.FindIndex(v => v.Length == 0)].Line}: the label is empty.");
            var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
            return new Contents(paths, values.Select(v => (float)index[v]).ToArray(), 1, classes, names);
        }
        var t = new float[raw.Count * targetCols.Length];
        for (int i = 0; i < raw.Count; i++)
            for (int j = 0; j < targetCols.Length; j++)
            {
                if (!float.TryParse(raw[i][j], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new InvalidDataException($"{csvPath}: row {rows[i + 1].Line}: column '{names[j]}' is not a number: '{raw[i][j]}'.");
                t[i * targetCols.Length + j] = v;
            }
        return new Contents(paths, t, targetCols.Length, null, names);
    }

    /// <summary>An <see cref="ImageDataset"/> over the manifest.</summary>
    public static ImageDataset Load(string csvPath, int channels, int height, int width, Transforms.IImageTransform? transform = null, Imaging.DicomValues dicom = Imaging.DicomValues.UnitRange)
    {
        var m = Read(csvPath);
        return new ImageDataset(m.Paths, m.Targets, m.TargetWidth, m.Classes, channels, height, width, transform, dicom);
    }
}
