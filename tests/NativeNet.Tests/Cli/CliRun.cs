using NativeNet.Cli;

namespace NativeNet.Tests.Cli;

/// <summary>Runs the CLI in-process with captured output; a temporary folder per test.</summary>
internal sealed class CliRun
{
    public required int ExitCode { get; init; }
    public required string StdOut { get; init; }
    public required string StdErr { get; init; }

    public string LastLine => StdOut.TrimEnd().Split('\n')[^1].Trim();

    /// <summary>The --json summary (the last line) of a run that must have succeeded.</summary>
    public System.Text.Json.JsonElement Json()
    {
        Assert.True(ExitCode == 0, StdErr + StdOut);
        return System.Text.Json.JsonDocument.Parse(LastLine).RootElement.Clone();
    }

    public static CliRun Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return new CliRun { ExitCode = code, StdOut = o.ToString(), StdErr = e.ToString() };
    }
}

internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("nativenet-cli-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string content)
    {
        System.IO.File.WriteAllText(File(name), content);
        return File(name);
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
