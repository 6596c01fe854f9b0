namespace NativeNet.Reporting.Rendering;

/// <summary>The reliability diagram: observed fraction of positives per bin against the mean
/// predicted probability, the diagonal of perfect calibration, and the bin counts as a
/// histogram along the bottom.</summary>
internal static class CalibrationChart
{
    public static Chart Draw(CalibrationCurve calibration)
    {
        var bins = (calibration.Bins ?? []).Where(b => b.Count > 0).OrderBy(b => b.MeanPredicted).ToList();
        if (bins.Count == 0) return Chart.NotAvailable("no bin holds any predictions");
        foreach (var b in bins)
        {
            if (!double.IsFinite(b.MeanPredicted) || !double.IsFinite(b.FractionPositive))
                return Chart.NotAvailable("a bin's mean prediction or fraction of positives is NaN or infinite");
            if (b.MeanPredicted is < -1e-9 or > 1 + 1e-9 || b.FractionPositive is < -1e-9 or > 1 + 1e-9)
                return Chart.NotAvailable($"bin values ({Text.G(b.MeanPredicted)}, {Text.G(b.FractionPositive)}) lie outside [0, 1]");
        }
        long total = bins.Sum(b => b.Count);
        string brier = calibration.BrierScore is { } bs ? $"; Brier score {Text.G(bs)}" : "";
        var svg = new Svg(ReportChartIds.Calibration, Plot.DefaultWidth, Plot.DefaultHeight, "Calibration (reliability) plot",
            $"Observed fraction of positives against mean predicted probability in {bins.Count} bins of {Text.Int(total)} predictions{brier}.");
        var unit = Axis.Fixed(0, 1, 0.2);
        var plot = new Plot(svg, unit, unit);
        plot.DrawAxes("Mean predicted probability", "Observed fraction of positives");

        // Bin counts: a histogram in the bottom fifth of the plot, scaled to the fullest bin.
        long max = bins.Max(b => b.Count);
        double barWidth = Math.Max(4, plot.PlotWidth / Math.Max(10, bins.Count) * 0.6);
        foreach (var b in bins)
        {
            double h = plot.PlotHeight * 0.2 * b.Count / max;
            double cx = plot.X(Math.Clamp(b.MeanPredicted, 0, 1));
            svg.Rect(cx - barWidth / 2, plot.Bottom - h, barWidth, h, Palette.Negative, opacity: 0.45,
                tooltip: $"{Text.Int(b.Count)} predictions");
        }
        svg.Line(plot.X(0), plot.Y(0), plot.X(1), plot.Y(1), Palette.Reference, 1.2, "5 4");
        var pts = bins.Select(b => plot.P(Math.Clamp(b.MeanPredicted, 0, 1), Math.Clamp(b.FractionPositive, 0, 1))).ToList();
        svg.Polyline(pts, Palette.Series[2], 2.2);
        for (int i = 0; i < bins.Count; i++)
        {
            var b = bins[i];
            svg.Circle(pts[i].X, pts[i].Y, 4.5, "#ffffff", Palette.Series[2],
                tooltip: $"mean predicted {Text.Metric(b.MeanPredicted)}, observed {Text.Metric(b.FractionPositive)}, n = {Text.Int(b.Count)}");
            bool above = pts[i].Y > plot.Top + 24;
            svg.Label(pts[i].X, above ? pts[i].Y - 9 : pts[i].Y + 18, $"n={Text.Int(b.Count)}", "middle", "note");
        }
        var legend = new List<LegendEntry> { new("Model", Palette.Series[2]), new("Perfectly calibrated", Palette.Reference, "5 4") };
        if (calibration.BrierScore is { } s)
            legend[0] = new LegendEntry($"Model (Brier = {Text.Metric(s)})", Palette.Series[2]);
        plot.Legend(legend, "top-left");
        return Chart.Drawn(svg);
    }
}
