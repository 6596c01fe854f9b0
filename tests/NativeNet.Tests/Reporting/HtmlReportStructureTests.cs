using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using NativeNet.Reporting;

namespace NativeNet.Tests.Reporting;

public sealed class HtmlReportStructureTests
{
    private static readonly string Demo = HtmlReportWriter.Render(ReportSamples.CreateDemo());

    [Fact]
    public void ClassificationReport_HasEveryChart_WithTitleAndAriaLabel()
    {
        foreach (string id in ReportChartIds.Classification)
        {
            var svg = SvgById(Demo, id);
            Assert.Matches("^<svg [^>]*role=\"img\"[^>]*aria-label=\"[^\"]+\"", svg);
            Assert.Matches("^<svg [^>]*><title>[^<]+</title><desc ", svg);
            Assert.DoesNotContain($"id=\"{id}-na\"", Demo);
        }
        Assert.DoesNotContain(ReportChartIds.Scatter, Demo);
        Assert.DoesNotContain(ReportChartIds.Residuals, Demo);
        Assert.DoesNotContain("not available", Demo);
    }

    [Fact]
    public void RegressionReport_HasRegressionCharts_InsteadOfClassificationOnes()
    {
        string html = HtmlReportWriter.Render(ReportSamples.CreateRegressionDemo());
        foreach (string id in ReportChartIds.Regression) SvgById(html, id);
        foreach (string id in new[] { ReportChartIds.Roc, ReportChartIds.PrecisionRecall, ReportChartIds.Confusion, ReportChartIds.Calibration })
            Assert.DoesNotContain(id, html);
        Assert.Contains(">RMSE<", html);
        Assert.Contains(">R²<", html);
        Assert.DoesNotContain("not available", html);
    }

    [Fact]
    public void EverySvg_IsWellFormedXml()
    {
        var svgs = Regex.Matches(Demo, "<svg .*?</svg>", RegexOptions.Singleline);
        Assert.Equal(ReportChartIds.Classification.Count, svgs.Count);
        foreach (Match m in svgs) XDocument.Parse(m.Value);
    }

    [Fact]
    public void Output_IsSelfContained()
    {
        foreach (string html in new[] { Demo, HtmlReportWriter.Render(ReportSamples.CreateRegressionDemo()) })
        {
            Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("@font-face", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(" on", Regex.Replace(html, ">[^<]*<", "><"), StringComparison.Ordinal); // no onload=… handlers in tags
            Assert.StartsWith("<!DOCTYPE html>", html);
            Assert.EndsWith("</html>\n", html);
        }
    }

    [Fact]
    public void UserText_IsEscapedEverywhere()
    {
        const string evil = "<script>alert('x')</script>\"&";
        var demo = ReportSamples.CreateDemo();
        var features = demo.FeatureImportance!.Features.ToList();
        features[0] = features[0] with { Feature = evil, MeanDrop = 1 };
        var report = demo with
        {
            Title = "Report " + evil,
            Notes = evil,
            Dataset = demo.Dataset! with { Name = evil, Path = "/data/" + evil, Provenance = evil, ClassCounts = new Dictionary<string, long> { [evil] = 3 } },
            Settings = new Dictionary<string, string> { [evil] = evil },
            Summary = [new MetricSummary(evil, 0.5)],
            HeadlineMetrics = [evil],
            Folds = [new FoldResult(1, new Dictionary<string, double> { [evil] = 0.5 }) { Confusion = new ConfusionMatrix([evil, "b"], new[,] { { 1, 2 }, { 3, 4 } }) }],
            Confusion = new ConfusionMatrix([evil, "b"], new[,] { { 1, 2 }, { 3, 4 } }),
            FeatureImportance = demo.FeatureImportance with { Features = features, ScoreName = evil },
            Curves = demo.Curves! with { MetricName = evil, Runs = [demo.Curves.Runs[0] with { Label = evil }, demo.Curves.Runs[1]] },
            Architecture = ArchitectureGraph.Sequential(new LayerNode(evil, evil, evil) { OutputShape = evil, Details = evil }, new LayerNode("b", "b", "Linear")),
            Versions = new Dictionary<string, string> { [evil] = evil },
        };
        string html = HtmlReportWriter.Render(report);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("alert('x')", html);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;", html);
        Assert.Contains("<title>Report &lt;script&gt;", html);
        foreach (string id in ReportChartIds.Classification) SvgById(html, id);
        foreach (Match m in Regex.Matches(html, "<svg .*?</svg>", RegexOptions.Singleline)) XDocument.Parse(m.Value);
    }

    [Fact]
    public void Numbers_AreInvariant_UnderAGermanCulture()
    {
        var report = ReportSamples.CreateDemo();
        var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        string german;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal("0,5", 0.5.ToString()); // the culture really is active
            german = HtmlReportWriter.Render(report);
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
        }
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try { Assert.Equal(HtmlReportWriter.Render(report), german); }
        finally { CultureInfo.CurrentCulture = saved.Item1; }

        // No decimal comma in any coordinate or number attribute.
        Assert.DoesNotMatch("=\"[^\"]*\\d,\\d\\d?\"", Regex.Replace(german, "points=\"[^\"]*\"|d=\"[^\"]*\"", ""));
        string auc = report.Roc!.Auc.ToString("0.000", CultureInfo.InvariantCulture);
        Assert.Contains($"AUC = {auc}", german);
    }

    [Fact]
    public void Header_ShowsHeadlineMetrics_WithIntervals()
    {
        var report = ReportSamples.CreateDemo();
        var headline = Regex.Match(Demo, "<div class=\"kpis\" id=\"headline\">(.*?)</div>\n", RegexOptions.Singleline).Groups[1].Value;
        var labels = Regex.Matches(headline, "kpi-label\">([^<]+)<").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["Accuracy", "Sensitivity", "Specificity", "ROC-AUC"], labels);
        var acc = report.Summary!.Single(s => s.Name == MetricNames.Accuracy);
        Assert.Contains($"kpi-value\">{acc.Mean.ToString("0.000", CultureInfo.InvariantCulture)}<", headline);
        Assert.Contains($"95% CI {acc.Interval!.Value.Low.ToString("0.000", CultureInfo.InvariantCulture)}–", headline);
        Assert.Equal(4, Regex.Matches(headline, "95% CI").Count);
    }

    [Fact]
    public void Importance_IsSortedByMeanDrop_MostImportantFirst()
    {
        var report = ReportSamples.CreateDemo();
        string svg = SvgById(Demo, ReportChartIds.Importance);
        var drawn = Regex.Matches(svg, "<text [^>]*text-anchor=\"end\" class=\"tick\">([^<]+)<title>").Select(m => m.Groups[1].Value).ToList();
        var expected = report.FeatureImportance!.Features.OrderByDescending(f => f.MeanDrop).Select(f => f.Feature).Take(drawn.Count).ToList();
        Assert.Equal(report.FeatureImportance.MaxShown, drawn.Count); // 25 of 30
        Assert.Contains("5 less important feature(s) not shown", svg);
        Assert.Equal(expected, drawn);
        Assert.Equal("worst_concave_points", drawn[0]);
    }

    [Fact]
    public void TitleOnlyReport_Renders()
    {
        string html = HtmlReportWriter.Render(new TrainingReport("Just a title"));
        Assert.Contains("<h1>Just a title</h1>", html);
        Assert.DoesNotContain("<svg", html);
        Assert.DoesNotContain("<section", html);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyTitle_IsRejected_WithTheValue(string title)
    {
        var ex = Assert.Throws<ArgumentException>(() => new TrainingReport(title));
        Assert.Contains("title must not be empty", ex.Message);
        Assert.Contains($"Received: title='{title}'", ex.Message);
    }

    public static TheoryData<string, string, string> Degenerate() => new()
    {
        { "roc-empty", ReportChartIds.Roc, "0 point(s)" },
        { "roc-nan", ReportChartIds.Roc, "NaN or infinite" },
        { "roc-mismatch", ReportChartIds.Roc, "has 3 points but" },
        { "pr-out-of-range", ReportChartIds.PrecisionRecall, "outside [0, 1]" },
        { "confusion-shape", ReportChartIds.Confusion, "but there are 3 labels" },
        { "confusion-zero", ReportChartIds.Confusion, "all counts are 0" },
        { "calibration-empty", ReportChartIds.Calibration, "no bin holds" },
        { "calibration-nan", ReportChartIds.Calibration, "NaN or infinite" },
        { "importance-nan", ReportChartIds.Importance, "every importance value is NaN" },
        { "importance-empty", ReportChartIds.Importance, "no features were scored" },
        { "curves-nan", ReportChartIds.Loss, "no finite loss values" },
        { "curves-no-metric", ReportChartIds.Metric, "no finite accuracy values" },
        { "architecture-cycle", ReportChartIds.Architecture, "has a cycle" },
        { "architecture-unknown", ReportChartIds.Architecture, "unknown layer &#39;ghost&#39;" },
        { "architecture-duplicate", ReportChartIds.Architecture, "share the id" },
    };

    [Theory]
    [MemberData(nameof(Degenerate))]
    public void DegenerateInput_ShowsANote_InsteadOfTheChart(string kind, string id, string reason)
    {
        var demo = ReportSamples.CreateDemo();
        double nan = double.NaN;
        var report = kind switch
        {
            "roc-empty" => demo with { Roc = new RocCurve([], [], nan) },
            "roc-nan" => demo with { Roc = new RocCurve([0, nan, 1], [0, nan, 1], nan) },
            "roc-mismatch" => demo with { Roc = new RocCurve([0, 0.5, 1], [0, 1], 0.9) },
            "pr-out-of-range" => demo with { PrecisionRecall = new PrCurve([0, 1.5], [1, 0.5], 0.7) },
            "confusion-shape" => demo with { Confusion = new ConfusionMatrix(["a", "b", "c"], new int[2, 2]) },
            "confusion-zero" => demo with { Confusion = new ConfusionMatrix(["a", "b"], new int[2, 2]) },
            "calibration-empty" => demo with { Calibration = new CalibrationCurve([new CalibrationBin(0.5, 0.5, 0)]) },
            "calibration-nan" => demo with { Calibration = new CalibrationCurve([new CalibrationBin(nan, 0.5, 10)]) },
            "importance-nan" => demo with { FeatureImportance = new FeatureImportanceResult([new FeatureImportance("x", nan, nan)]) },
            "importance-empty" => demo with { FeatureImportance = new FeatureImportanceResult([]) },
            "curves-nan" => demo with { Curves = new TrainingCurves([new EpochSeries("run", [nan, nan])]) },
            "curves-no-metric" => demo with { Curves = new TrainingCurves([new EpochSeries("run", [0.5, 0.4])]) },
            "architecture-cycle" => demo with { Architecture = new ArchitectureGraph([new LayerNode("a", "a", "Linear"), new LayerNode("b", "b", "Linear")], [new LayerEdge("a", "b"), new LayerEdge("b", "a")]) },
            "architecture-unknown" => demo with { Architecture = new ArchitectureGraph([new LayerNode("a", "a", "Linear")], [new LayerEdge("a", "ghost")]) },
            "architecture-duplicate" => demo with { Architecture = new ArchitectureGraph([new LayerNode("a", "a", "Linear"), new LayerNode("a", "b", "Linear")], []) },
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        string html = HtmlReportWriter.Render(report);
        Assert.DoesNotContain($"<svg id=\"{id}\"", html);
        var note = Regex.Match(html, $"<div class=\"na\" id=\"{id}-na\" role=\"note\">(.*?)</div>");
        Assert.True(note.Success, $"no note for {id}");
        Assert.Contains("not available:", note.Value);
        Assert.Contains(reason, note.Value);
        // Every other chart is still drawn.
        foreach (string other in ReportChartIds.Classification.Where(o => o != id && !(kind.StartsWith("curves") && o is ReportChartIds.Loss or ReportChartIds.Metric)))
            SvgById(html, other);
    }

    [Fact]
    public void OneClassConfusion_AndSingleEpoch_AreStillDrawn()
    {
        var demo = ReportSamples.CreateDemo();
        var report = demo with
        {
            Confusion = new ConfusionMatrix(["benign"], new[,] { { 57 } }),
            Curves = new TrainingCurves([new EpochSeries("run", [0.7]) { ValidationLoss = [0.8], ValidationMetric = [0.9] }]),
        };
        string html = HtmlReportWriter.Render(report);
        Assert.Contains(">57<", SvgById(html, ReportChartIds.Confusion));
        Assert.Contains("<circle", SvgById(html, ReportChartIds.Loss));
        SvgById(html, ReportChartIds.Metric);
    }

    [Fact]
    public void NaNMetrics_ShowAsNotAvailable()
    {
        var demo = ReportSamples.CreateDemo();
        string html = HtmlReportWriter.Render(demo with { Summary = [new MetricSummary(MetricNames.RocAuc, double.NaN)] });
        Assert.Contains("kpi-value\">n/a<", html);
        Assert.DoesNotContain("NaN", html);
    }

    private static string SvgById(string html, string id)
    {
        var m = Regex.Match(html, $"<svg id=\"{Regex.Escape(id)}\".*?</svg>", RegexOptions.Singleline);
        Assert.True(m.Success, $"chart '{id}' is missing");
        return m.Value;
    }
}
