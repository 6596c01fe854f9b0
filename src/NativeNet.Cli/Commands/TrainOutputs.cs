using System.Security.Cryptography;
using System.Text;
using NativeNet.Cli.Safety;
using NativeNet.Nn;
using NativeNet.Reporting;
using NativeNet.Serialization;

namespace NativeNet.Cli.Commands;

/// <summary>
/// The pair `train` writes into --out: the model file and the HTML report, replaced together
/// (<see cref="OutputFiles.WriteTogether"/>). The model's metadata holds the run id; the report
/// shows the same run id and the SHA-256 of the model file it describes (also as
/// &lt;meta name="nativenet-model-sha256"&gt;), so a report can be checked against a model
/// (<see cref="Mismatch"/>) — after a copy, a restore or a manual edit as much as after a crash.
/// </summary>
public static class TrainOutputs
{
    /// <summary>Model metadata key of the run id.</summary>
    public const string RunIdKey = "nativenet.run_id";

    /// <summary>The report's name for the model file's SHA-256 (a settings row and a &lt;meta&gt; name).</summary>
    public const string ModelHashName = "nativenet-model-sha256";

    /// <summary>Writes <paramref name="model"/> (metadata plus the run id) and <paramref name="report"/> (plus run id and model hash) into <paramref name="outDir"/>.</summary>
    public static (string ModelPath, string ReportPath) Write(string outDir, string runId, Module model, IReadOnlyDictionary<string, string> metadata, TrainingReport report)
    {
        Directory.CreateDirectory(outDir);
        string modelPath = Path.Combine(outDir, TrainCommand.ModelFile), reportPath = Path.Combine(outDir, TrainCommand.ReportFile);
        var withRun = new Dictionary<string, string>(metadata) { [RunIdKey] = runId };
        string? modelHash = null;
        OutputFiles.WriteTogether([
            new OutputFiles.Output(modelPath, temp => { Model.Save(model, temp, withRun); modelHash = Sha256(temp); }),
            new OutputFiles.Output(reportPath, temp =>
            {
                var settings = new Dictionary<string, string>(report.Settings ?? new Dictionary<string, string>()) { ["Run id"] = runId, ["Model SHA-256"] = modelHash! };
                string html = HtmlReportWriter.Render(report with { Settings = settings });
                // The hash also as a <meta> tag, where a program finds it without parsing the table.
                html = html.Replace("<meta charset=\"utf-8\">\n", $"<meta charset=\"utf-8\">\n<meta name=\"{ModelHashName}\" content=\"{modelHash}\">\n", StringComparison.Ordinal);
                OutputFiles.CreateFlushed(temp, s => s.Write(new UTF8Encoding(false).GetBytes(html)));
            }),
        ]);
        return (modelPath, reportPath);
    }

    /// <summary>Null when <paramref name="reportPath"/> names the SHA-256 of <paramref name="modelPath"/>; else what does not match.</summary>
    public static string? Mismatch(string modelPath, string reportPath)
    {
        string html = File.ReadAllText(reportPath);
        string tag = $"<meta name=\"{ModelHashName}\" content=\"";
        int at = html.IndexOf(tag, StringComparison.Ordinal);
        if (at < 0) return $"{reportPath} names no model hash";
        string named = html.Substring(at + tag.Length, Math.Min(64, html.Length - at - tag.Length));
        string actual = Sha256(modelPath);
        return named == actual ? null : $"{reportPath} describes the model with SHA-256 {named}, but {modelPath} has {actual}";
    }

    /// <summary>The lower-case hex SHA-256 of a file.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
