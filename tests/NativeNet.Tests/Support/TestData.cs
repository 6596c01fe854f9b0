namespace NativeNet.Tests.Support;

/// <summary>Finds the repository's data/ folder by walking up from the test assembly folder.</summary>
internal static class TestData
{
    public static string Path(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "data", file);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"data/{file} not found above {AppContext.BaseDirectory}");
    }

    public static string TempFile(string content, string extension = ".csv")
    {
        var p = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"nn-test-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(p, content);
        return p;
    }
}
