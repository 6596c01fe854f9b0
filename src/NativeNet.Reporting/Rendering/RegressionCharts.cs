namespace NativeNet.Reporting.Rendering;

/// <summary>Predicted against actual values (with the line of perfect prediction) and the
/// residuals against the predictions (with the zero line).</summary>
internal static class RegressionCharts
{
    private static string? Problem(RegressionResults r, out List<(double Actual, double Predicted)> points)
    {
        points = [];
        if (r.Actual is null || r.Predicted is null) return "the actual or predicted values are missing";
        if (r.Actual.Count != r.Predicted.Count)
            return $"there are {r.Actual.Count} actual values but {r.Predicted.Count} predictions";
        for (int i = 0; i < r.Actual.Count; i++)
            if (double.IsFinite(r.Actual[i]) && double.IsFinite(r.Predicted[i])) points.Add((r.Actual[i], r.Predicted[i]));
        if (points.Count == 0) return r.Actual.Count == 0 ? "no predictions were recorded" : "every value is NaN or infinite";
        // Evenly spaced sample: keeps the file small and the drawing fast for large data sets.
        int max = Math.Max(10, r.MaxPoints);
        if (points.Count > max)
        {
            var src = points;
            points = Enumerable.Range(0, max).Select(i => src[(int)((long)i * src.Count / max)]).ToList();
        }
        return null;
    }

    private static string Dropped(RegressionResults r, int drawn)
    {
        int bad = r.Actual.Count - Enumerable.Range(0, r.Actual.Count).Count(i => double.IsFinite(r.Actual[i]) && double.IsFinite(r.Predicted[i]));
        var parts = new List<string>();
        if (bad > 0) parts.Add($"{bad} non-finite pair(s) left out");
        if (drawn < r.Actual.Count - bad) parts.Add($"{Text.Int(drawn)} of {Text.Int(r.Actual.Count - bad)} points drawn");
        return string.Join("; ", parts);
    }

    public static Chart Scatter(RegressionResults r)
    {
        if (Problem(r, out var pts) is { } problem) return Chart.NotAvailable(problem);
        string target = string.IsNullOrWhiteSpace(r.TargetName) ? "value" : r.TargetName!;
        double lo = pts.Min(p => Math.Min(p.Actual, p.Predicted)), hi = pts.Max(p => Math.Max(p.Actual, p.Predicted));
        var axis = Axis.Nice(lo, hi);
        var svg = new Svg(ReportChartIds.Scatter, Plot.DefaultWidth, Plot.DefaultHeight, "Predicted vs actual",
            $"Predicted {target} against actual {target} for {Text.Int(pts.Count)} rows; points on the diagonal are exact.");
        var plot = new Plot(svg, axis, axis);
        plot.DrawAxes($"Actual {target}", $"Predicted {target}");
        svg.Line(plot.X(axis.Min), plot.Y(axis.Min), plot.X(axis.Max), plot.Y(axis.Max), Palette.Reference, 1.2, "5 4");
        foreach (var (a, p) in pts) svg.Circle(plot.X(a), plot.Y(p), 2.6, Palette.Series[0], opacity: 0.45);
        plot.Legend([new LegendEntry("Rows", Palette.Series[0], Marker: true), new LegendEntry("Perfect prediction", Palette.Reference, "5 4")], "top-left");
        string note = Dropped(r, pts.Count);
        if (note.Length > 0) svg.Label(plot.Right, plot.Top - 4, note, "end", "note");
        return Chart.Drawn(svg);
    }

    public static Chart Residuals(RegressionResults r)
    {
        if (Problem(r, out var pts) is { } problem) return Chart.NotAvailable(problem);
        string target = string.IsNullOrWhiteSpace(r.TargetName) ? "value" : r.TargetName!;
        var residuals = pts.Select(p => p.Actual - p.Predicted).ToList();
        double span = residuals.Max(Math.Abs);
        var svg = new Svg(ReportChartIds.Residuals, Plot.DefaultWidth, Plot.DefaultHeight, "Residuals",
            $"Residual (actual − predicted {target}) against the prediction for {Text.Int(pts.Count)} rows.");
        var plot = new Plot(svg, Axis.Nice(pts.Min(p => p.Predicted), pts.Max(p => p.Predicted)), Axis.Nice(-span, span));
        plot.DrawAxes($"Predicted {target}", "Residual (actual − predicted)");
        svg.Line(plot.Left, plot.Y(0), plot.Right, plot.Y(0), Palette.Reference, 1.2, "5 4");
        for (int i = 0; i < pts.Count; i++) svg.Circle(plot.X(pts[i].Predicted), plot.Y(residuals[i]), 2.6, Palette.Series[1], opacity: 0.45);
        string note = Dropped(r, pts.Count);
        if (note.Length > 0) svg.Label(plot.Right, plot.Top - 4, note, "end", "note");
        return Chart.Drawn(svg);
    }
}
