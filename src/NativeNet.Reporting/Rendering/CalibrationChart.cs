namespace NativeNet.Reporting.Rendering;

/// <summary>The reliability diagram: observed fraction of positives per bin against the mean
/// predicted probability, the diagonal of perfect calibration, and the rows per bin as a
/// histogram in a strip under the plot (as scikit-learn's calibration display does).</summary>
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
        const double strip = 72; // the bin-count histogram sits in its own strip under the plot
        var svg = new Svg(ReportChartIds.Calibration, Plot.DefaultWidth, Plot.DefaultHeight + strip, "Calibration (reliability) plot",
            $"Observed fraction of positives against mean predicted probability in {bins.Count} bins of {Text.Int(total)} predictions{brier}; the strip below counts the rows per bin.");
        var unit = Axis.Fixed(0, 1, 0.2);
        var plot = new Plot(svg, unit, unit, bottom: 52 + strip);
        plot.DrawAxes("Mean predicted probability", "Observed fraction of positives", strip);

        // Rows per bin: bars scaled to the fullest bin, count above each bar.
        double stripTop = plot.Bottom + 10, stripHeight = strip - 26;
        svg.Line(plot.Left, stripTop + stripHeight, plot.Right, stripTop + stripHeight, Palette.AxisLine);
        svg.Label(plot.Left - 8, stripTop + stripHeight - 2, "rows", "end", "note");
        long max = bins.Max(b => b.Count);
        double barWidth = Math.Clamp(plot.PlotWidth / Math.Max(10, bins.Count) * 0.7, 4, 40);
        double lastLabelX = double.NegativeInfinity;
        foreach (var b in bins)
        {
            double h = Math.Max(1, (stripHeight - 14) * b.Count / max); // headroom for the count
            double cx = plot.X(Math.Clamp(b.MeanPredicted, 0, 1));
            svg.Rect(cx - barWidth / 2, stripTop + stripHeight - h, barWidth, h, Palette.Negative,
                tooltip: $"{Text.Int(b.Count)} predictions");
            string count = Text.Int(b.Count);
            if (cx - lastLabelX < count.Length * 6.5 + 4) continue; // too close to the previous count
            svg.Label(cx, stripTop + stripHeight - h - 3, count, "middle", "note");
            lastLabelX = cx;
        }
        svg.Line(plot.X(0), plot.Y(0), plot.X(1), plot.Y(1), Palette.Reference, 1.2, "5 4");
        var pts = bins.Select(b => plot.P(Math.Clamp(b.MeanPredicted, 0, 1), Math.Clamp(b.FractionPositive, 0, 1))).ToList();
        svg.Polyline(pts, Palette.Series[2], 2.2);
        for (int i = 0; i < bins.Count; i++)
        {
            var b = bins[i];
            svg.Circle(pts[i].X, pts[i].Y, 4.5, "#ffffff", Palette.Series[2],
                tooltip: $"mean predicted {Text.Metric(b.MeanPredicted)}, observed {Text.Metric(b.FractionPositive)}, n = {Text.Int(b.Count)}");
        }
        var legend = new List<LegendEntry> { new("Model", Palette.Series[2]), new("Perfectly calibrated", Palette.Reference, "5 4") };
        if (calibration.BrierScore is { } s)
            legend[0] = new LegendEntry($"Model (Brier = {Text.Metric(s)})", Palette.Series[2]);
        plot.Legend(legend, "top-left");
        return Chart.Drawn(svg);
    }
}
