namespace NativeNet.Reporting.Rendering;

/// <summary>The ROC and precision-recall curves.</summary>
internal static class DiscriminationCharts
{
    public static Chart Roc(RocCurve roc)
    {
        string? problem = DataCheck.Curve(roc.FalsePositiveRate, roc.TruePositiveRate, "false-positive rate", "true-positive rate", unitRange: true);
        if (problem is not null) return Chart.NotAvailable(problem);
        string auc = double.IsFinite(roc.Auc) ? Text.Metric(roc.Auc) : "n/a";
        string ci = roc.AucInterval is { } c ? $" [{Text.Metric(c.Low)}, {Text.Metric(c.High)}]" : "";
        var svg = new Svg(ReportChartIds.Roc, Plot.DefaultWidth, Plot.DefaultHeight, "ROC curve",
            $"Receiver operating characteristic: true-positive rate against false-positive rate; AUC {auc}{ci}.");
        var unit = Axis.Fixed(0, 1, 0.2);
        var plot = new Plot(svg, unit, unit);
        plot.DrawAxes("False-positive rate (1 − specificity)", "True-positive rate (sensitivity)");
        svg.Line(plot.X(0), plot.Y(0), plot.X(1), plot.Y(1), Palette.Reference, 1.2, "5 4");
        var pts = Enumerable.Range(0, roc.FalsePositiveRate.Count)
            .Select(i => plot.P(Math.Clamp(roc.FalsePositiveRate[i], 0, 1), Math.Clamp(roc.TruePositiveRate[i], 0, 1))).ToList();
        svg.Polygon(pts.Append((pts[^1].X, plot.Y(0))).Append((pts[0].X, plot.Y(0))), Palette.Series[0], 0.08);
        svg.Polyline(pts, Palette.Series[0], 2.4);
        plot.Legend([new LegendEntry($"Model (AUC = {auc}{ci})", Palette.Series[0]),
                     new LegendEntry("Chance (AUC = 0.5)", Palette.Reference, "5 4")], "bottom-right");
        return Chart.Drawn(svg);
    }

    public static Chart PrecisionRecall(PrCurve pr)
    {
        string? problem = DataCheck.Curve(pr.Recall, pr.Precision, "recall", "precision", unitRange: true);
        if (problem is not null) return Chart.NotAvailable(problem);
        string ap = double.IsFinite(pr.AveragePrecision) ? Text.Metric(pr.AveragePrecision) : "n/a";
        var svg = new Svg(ReportChartIds.PrecisionRecall, Plot.DefaultWidth, Plot.DefaultHeight, "Precision-recall curve",
            $"Precision against recall; average precision {ap}.");
        var unit = Axis.Fixed(0, 1, 0.2);
        var plot = new Plot(svg, unit, unit);
        plot.DrawAxes("Recall (sensitivity)", "Precision (positive predictive value)");
        var legend = new List<LegendEntry> { new($"Model (AP = {ap})", Palette.Series[1]) };
        if (pr.Prevalence is { } p && double.IsFinite(p) && p is >= 0 and <= 1)
        {
            svg.Line(plot.X(0), plot.Y(p), plot.X(1), plot.Y(p), Palette.Reference, 1.2, "5 4");
            legend.Add(new LegendEntry($"Chance (prevalence {Text.Metric(p)})", Palette.Reference, "5 4"));
        }
        var pts = Enumerable.Range(0, pr.Recall.Count)
            .Select(i => plot.P(Math.Clamp(pr.Recall[i], 0, 1), Math.Clamp(pr.Precision[i], 0, 1))).ToList();
        svg.Polyline(pts, Palette.Series[1], 2.4);
        plot.Legend(legend, "bottom-left");
        return Chart.Drawn(svg);
    }
}
