using NativeNet.Serialization;

namespace NativeNet.Tests.Parity;

/// <summary>
/// Finds the PyTorch parity fixtures: the nearest "shared/parity" folder found walking up from the
/// test assembly (the shared folder beside the repository), plus NATIVENET_PARITY_DIR when set.
/// </summary>
public static class ParityFixtures
{
    public static IReadOnlyList<string> Folders()
    {
        var folders = new List<string>();
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "shared", "parity");
            if (Directory.Exists(candidate)) { folders.Add(candidate); break; }
        }
        string? env = Environment.GetEnvironmentVariable("NATIVENET_PARITY_DIR");
        if (!string.IsNullOrWhiteSpace(env)) folders.Add(Path.GetFullPath(env));
        return folders;
    }

    public static IEnumerable<string> Files() =>
        Folders().Where(Directory.Exists)
                 .SelectMany(f => Directory.EnumerateFiles(f, "*.safetensors", SearchOption.AllDirectories))
                 .Distinct()
                 .OrderBy(f => f, StringComparer.Ordinal);

    /// <summary>One row per fixture and backend.</summary>
    public static IEnumerable<object[]> Cases()
    {
        foreach (var f in Files())
            foreach (var b in new[] { "native", "managed" })
                yield return new object[] { Path.GetFileName(f), b, f };
    }
}

/// <summary>A fixture's tensors as NativeNet tensors, by name.</summary>
public sealed class Fixture : IDisposable
{
    private readonly SafetensorsFile _file;
    private readonly List<Tensor> _made = new();

    public Fixture(string path)
    {
        _file = SafetensorsFile.Open(path);
        FilePath = path;
        Name = Path.GetFileName(path);
    }

    public string FilePath { get; }

    public string Name { get; }

    public IReadOnlyDictionary<string, string> Meta => _file.Metadata;

    public string Op => Meta.TryGetValue("op", out var op) ? op : throw new InvalidDataException($"{Name}: metadata has no 'op'.");

    public bool Has(string name) => _file.Contains(name);

    public IEnumerable<string> Names => _file.Entries.Select(e => e.Name);

    public int[] Shape(string name) => _file[name].Shape.Select(s => checked((int)s)).ToArray();

    public Tensor T(string name)
    {
        var e = _file[name];
        var t = Tensor.FromArray(e.ToFloat32(), Shape(name));
        t.DetachFromDisposeScope();
        _made.Add(t);
        return t;
    }

    public float[] F(string name) => _file[name].ToFloat32();

    public int[] Ints(string name) => _file[name].ToInt64().Select(v => checked((int)v)).ToArray();

    public string M(string key) => Meta.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{Name}: metadata has no '{key}'.");

    public string? MOpt(string key) => Meta.TryGetValue(key, out var v) ? v : null;

    public void Dispose()
    {
        foreach (var t in _made) t.Dispose();
        _file.Dispose();
    }
}
