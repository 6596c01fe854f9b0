using System.Text.Json;

namespace NativeNet.Bindings;

/// <summary>Command-line driver: read the config, parse the header, write or check the output.</summary>
internal static class GeneratorCli
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        bool check = false;
        string? root = null;
        string clang = Environment.GetEnvironmentVariable("NATIVENET_CLANG") ?? "clang-14";
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--check": check = true; break;
                case "--root" when i + 1 < args.Length: root = args[++i]; break;
                case "--clang" when i + 1 < args.Length: clang = args[++i]; break;
                default:
                    stderr.WriteLine($"bindings: unknown argument '{args[i]}'. Usage: [--check] [--root DIR] [--clang PATH]");
                    return 2;
            }
        }
        root ??= FindRepoRoot(Directory.GetCurrentDirectory());
        if (root is null)
        {
            stderr.WriteLine("bindings: cannot find the repository root (a folder holding bindings/bindings.json); pass --root.");
            return 2;
        }
        int worst = 0;
        foreach (var config in GeneratorConfig.LoadAll(Path.Combine(root, "bindings", "bindings.json")))
            worst = Math.Max(worst, RunOne(config, root, clang, check, stdout, stderr));
        return worst;
    }

    // One header → one generated file; 0 written or up to date, 1 stale, 2 failed.
    private static int RunOne(GeneratorConfig config, string root, string clang, bool check, TextWriter stdout, TextWriter stderr)
    {
        string header = Path.Combine(root, config.Header);
        string output = Path.Combine(root, config.Output);

        HeaderModel model;
        try
        {
            using JsonDocument ast = ClangAst.Dump(clang, header, root);
            model = HeaderModel.FromAst(ast.RootElement, config.Prefix);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or JsonException)
        {
            stderr.WriteLine($"bindings: {e.Message}");
            return 2;
        }
        string generated = CSharpEmitter.Emit(model, config);

        if (check)
        {
            string current = File.Exists(output) ? File.ReadAllText(output) : "";
            if (current == generated)
            {
                stdout.WriteLine($"bindings: {config.Output} is up to date ({model.Functions.Count} functions).");
                return 0;
            }
            stderr.WriteLine($"bindings: {config.Output} is stale: {config.Header} changed since it was generated. " +
                             "Run: dotnet run --project bindings/NativeNet.Bindings");
            return 1;
        }
        // Atomic replace: a crash never leaves a half-written source file.
        string tmp = output + ".tmp";
        File.WriteAllText(tmp, generated);
        File.Move(tmp, output, overwrite: true);
        stdout.WriteLine($"bindings: wrote {config.Output} ({model.Functions.Count} functions, {model.Enums.Count} enums, {model.Structs.Count} structs).");
        return 0;
    }

    private static string? FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "bindings", "bindings.json"))) return dir.FullName;
        }
        return null;
    }
}

/// <summary>One entry of bindings/bindings.json: a header, the file generated from it, and how.</summary>
internal sealed record GeneratorConfig(
    string Header, string Output, string Namespace, string ClassName, string LibraryName, string Prefix,
    IReadOnlyList<string> SuppressGCTransition)
{
    /// <summary>The entries of <paramref name="path"/>: a "targets" array, or one object.</summary>
    public static IReadOnlyList<GeneratorConfig> LoadAll(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.TryGetProperty("targets", out var targets)
            ? targets.EnumerateArray().Select(t => Read(t, path)).ToList()
            : [Read(doc.RootElement, path)];
    }

    private static GeneratorConfig Read(JsonElement r, string path)
    {
        string S(string name) => r.GetProperty(name).GetString()
            ?? throw new InvalidOperationException($"{path}: '{name}' must be a string");
        var suppress = r.TryGetProperty("suppressGCTransition", out var s)
            ? s.EnumerateArray().Select(e => e.GetString()!).ToList()
            : new List<string>();
        return new GeneratorConfig(S("header"), S("output"), S("namespace"), S("className"), S("libraryName"), S("prefix"), suppress);
    }
}
