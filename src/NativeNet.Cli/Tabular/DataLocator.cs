namespace NativeNet.Cli.Tabular;

/// <summary>Finds the bundled data/ folder: the current directory first, then upwards from the executable.</summary>
public static class DataLocator
{
    /// <summary>The file the default `train` uses.</summary>
    public const string DefaultFile = "breast_cancer_wisconsin.csv";

    /// <summary>Resolves <c>data/<paramref name="file"/></c>; throws <see cref="CliInputException"/> listing where it looked.</summary>
    public static string Find(string file)
    {
        var tried = new List<string>();
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "data", file);
                if (File.Exists(candidate)) return candidate;
                tried.Add(Path.Combine(dir.FullName, "data"));
                if (start == Directory.GetCurrentDirectory()) break; // the current directory itself only
            }
        throw new CliInputException($"data/{file} not found (looked in {string.Join(", ", tried.Distinct())}); pass --data PATH.");
    }
}
