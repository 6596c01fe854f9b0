using System.Diagnostics;
using System.Text.Json;

namespace NativeNet.Bindings;

/// <summary>Runs clang on the header and returns its JSON AST.</summary>
internal static class ClangAst
{
    public static JsonDocument Dump(string clang, string header, string workingDirectory)
    {
        // C mode: the header is C inside extern "C"; C mode sees the declarations at top level.
        var psi = new ProcessStartInfo(clang)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in new[] { "-Xclang", "-ast-dump=json", "-fsyntax-only", "-fparse-all-comments", "-x", "c", "-std=c11", header })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {clang}");
        var stderrTask = p.StandardError.ReadToEndAsync();
        string json = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        string err = stderrTask.Result;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{clang} failed on {header} (exit {p.ExitCode}):\n{err}");
        return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 4096 });
    }
}
