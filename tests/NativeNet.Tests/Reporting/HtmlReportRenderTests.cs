using NativeNet.Reporting;
using NativeNet.Tests.Support;
using Xunit.Abstractions;

namespace NativeNet.Tests.Reporting;

/// <summary>
/// Renders the demo reports in headless Chromium: the screenshot must be a real, non-blank
/// page in the report's colours, and every chart id must survive the browser's HTML parser.
/// The HTML and PNG are kept (NATIVENET_REPORT_ARTIFACTS, default a temp folder) for a look.
/// </summary>
public sealed class HtmlReportRenderTests(ITestOutputHelper output)
{
    private const int Width = 1280, Height = 4000;

    private static string ArtifactDir()
    {
        string dir = Environment.GetEnvironmentVariable("NATIVENET_REPORT_ARTIFACTS") is { Length: > 0 } d
            ? d : Path.Combine(Path.GetTempPath(), "nativenet-report-render");
        Directory.CreateDirectory(dir);
        return dir;
    }

    [ChromiumFact]
    public void ClassificationReport_RendersInChromium() =>
        RenderAndCheck(ReportSamples.CreateDemo(), "classification", ReportChartIds.Classification,
            // header background, importance bars, ROC line: solid fills drawn by the report
            [0x0f172a, 0x2563eb, 0x1e293b]);

    [ChromiumFact]
    public void RegressionReport_RendersInChromium() =>
        RenderAndCheck(ReportSamples.CreateRegressionDemo(), "regression", ReportChartIds.Regression,
            [0x0f172a, 0x2563eb, 0x1e293b]);

    private void RenderAndCheck(TrainingReport report, string name, IReadOnlyList<string> chartIds, int[] expectedColours)
    {
        string dir = ArtifactDir();
        string html = Path.Combine(dir, $"{name}.html"), png = Path.Combine(dir, $"{name}.png");
        File.Delete(png);
        HtmlReportWriter.WriteAtomic(report, html);

        var result = Chromium.ScreenshotAndDom(html, png, Width, Height, TimeSpan.FromSeconds(90));
        output.WriteLine($"screenshot: {png}");
        Assert.True(result.ExitCode == 0, $"chromium exited with {result.ExitCode}: {Tail(result.StdErr)}");
        Assert.True(File.Exists(png), $"chromium wrote no screenshot: {Tail(result.StdErr)}");

        // The parsed DOM still holds every chart (nothing was swallowed by a parse error).
        foreach (string id in chartIds)
            Assert.Contains($"<svg id=\"{id}\"", result.StdOut);
        Assert.Contains($"<h1>{report.Title}</h1>", result.StdOut);

        var image = PngImage.Decode(File.ReadAllBytes(png));
        Assert.Equal(Width, image.Width);
        Assert.Equal(Height, image.Height);

        var colours = new HashSet<int>();
        var perBand = new int[Height / 400];
        var bandColours = Enumerable.Range(0, perBand.Length).Select(_ => new HashSet<int>()).ToArray();
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                int c = image.Rgb(x, y);
                colours.Add(c);
                if (y / 400 < bandColours.Length) bandColours[y / 400].Add(c);
            }
        output.WriteLine($"distinct colours: {colours.Count}; per 400-px band: {string.Join(", ", bandColours.Select(b => b.Count))}");
        foreach (int c in expectedColours)
            Assert.True(colours.Contains(c), $"colour #{c:x6} is not in the screenshot");
        Assert.True(colours.Count > 300, $"only {colours.Count} distinct colours: the page looks blank");
        // The charts fill the page: the first 2,400 px (header, summary, curves, main charts) are
        // all busy, not one colourful header over an empty page.
        for (int b = 0; b < 6; b++)
            Assert.True(bandColours[b].Count > 40, $"band {b * 400}-{b * 400 + 400} px has only {bandColours[b].Count} colours");
    }

    private static string Tail(string s) => s.Length <= 2000 ? s : s[^2000..];
}
