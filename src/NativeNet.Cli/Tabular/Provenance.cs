namespace NativeNet.Cli.Tabular;

/// <summary>Reads a data file's description and provenance from the README.md table beside it.</summary>
public static class Provenance
{
    /// <summary>(what, source) from the row of data/README.md naming <paramref name="dataPath"/>'s file, or nulls.</summary>
    public static (string? What, string? Source) Find(string dataPath)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(dataPath));
        string readme = Path.Combine(folder ?? ".", "README.md");
        if (!File.Exists(readme)) return (null, null);
        string name = Path.GetFileName(dataPath);
        foreach (var line in File.ReadLines(readme))
        {
            if (!line.StartsWith('|')) continue;
            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            // | `file` | what | rows | source and licence |
            if (cells.Length >= 4 && cells[0].Trim('`') == name) return (cells[1], cells[^1]);
        }
        return (null, null);
    }
}
