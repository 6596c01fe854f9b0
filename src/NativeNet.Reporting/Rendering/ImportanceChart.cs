namespace NativeNet.Reporting.Rendering;

/// <summary>Permutation importance as horizontal bars, most important on top, with ±1 standard
/// deviation whiskers.</summary>
internal static class ImportanceChart
{
    public static Chart Draw(FeatureImportanceResult result)
    {
        var all = (result.Features ?? []).Where(f => f is not null).ToList();
        if (all.Count == 0) return Chart.NotAvailable("no features were scored");
        var usable = all.Where(f => double.IsFinite(f.MeanDrop)).OrderByDescending(f => f.MeanDrop).ToList();
        if (usable.Count == 0) return Chart.NotAvailable("every importance value is NaN or infinite");
        int skipped = all.Count - usable.Count;
        int shown = Math.Clamp(result.MaxShown, 1, usable.Count);
        var rows = usable.Take(shown).ToList();
        static double Std(FeatureImportance f) => double.IsFinite(f.Std) ? Math.Abs(f.Std) : 0;

        double lo = Math.Min(0, rows.Min(f => f.MeanDrop - Std(f)));
        double hi = Math.Max(0, rows.Max(f => f.MeanDrop + Std(f)));
        if (hi - lo < 1e-12) hi = lo + 1;
        const double rowHeight = 24, left = 190, top = 14, bottom = 54;
        string score = MetricNames.Label(result.ScoreName);
        string repeats = result.Repeats is { } r ? $", {r} repeats" : "";
        var svg = new Svg(ReportChartIds.Importance, 1120, top + rowHeight * rows.Count + bottom, "Permutation feature importance",
            $"Drop in {score} when each feature is shuffled (mean ± standard deviation{repeats}); the {rows.Count} most important of {all.Count} features, most important first.");
        var plot = new Plot(svg, Axis.Nice(lo, hi, 8), Axis.Fixed(0, rows.Count, rows.Count), left: left, top: top, right: 40, bottom: bottom);
        // Only the x grid: the y "axis" is the list of feature names.
        svg.Rect(plot.Left, plot.Top, plot.PlotWidth, plot.PlotHeight, "#ffffff");
        foreach (double t in plot.XAxis.Ticks)
        {
            svg.Line(plot.X(t), plot.Top, plot.X(t), plot.Bottom, Palette.Grid);
            svg.Label(plot.X(t), plot.Bottom + 18, plot.XAxis.Format(t), "middle");
        }
        svg.Line(plot.Left, plot.Bottom, plot.Right, plot.Bottom, Palette.AxisLine);
        svg.Label(plot.Left + plot.PlotWidth / 2, plot.Bottom + 40, $"Drop in {score} when the feature is shuffled", "middle", "axis-title");
        double zero = plot.X(0);
        for (int i = 0; i < rows.Count; i++)
        {
            var f = rows[i];
            double cy = plot.Top + rowHeight * (i + 0.5);
            double x1 = plot.X(f.MeanDrop);
            string tip = $"{f.Feature}: {Text.Metric(f.MeanDrop)} ± {Text.Metric(Std(f))}";
            svg.Rect(Math.Min(zero, x1), cy - 8, Math.Abs(x1 - zero), 16, f.MeanDrop >= 0 ? Palette.Series[0] : Palette.Negative, rx: 2, tooltip: tip);
            double s = Std(f);
            if (s > 0)
            {
                double a = plot.X(f.MeanDrop - s), b = plot.X(f.MeanDrop + s);
                svg.Line(a, cy, b, cy, Palette.Ink, 1.2);
                svg.Line(a, cy - 5, a, cy + 5, Palette.Ink, 1.2);
                svg.Line(b, cy - 5, b, cy + 5, Palette.Ink, 1.2);
            }
            svg.Label(plot.Left - 10, cy + 4, Text.Truncate(f.Feature ?? "", 28), "end", "tick", tooltip: f.Feature);
        }
        svg.Line(zero, plot.Top, zero, plot.Bottom, Palette.AxisLine, 1.2);
        if (skipped > 0 || shown < usable.Count)
        {
            string note = shown < usable.Count ? $"{usable.Count - shown} less important feature(s) not shown" : "";
            if (skipped > 0) note += (note.Length > 0 ? "; " : "") + $"{skipped} feature(s) with NaN importance left out";
            svg.Label(plot.Right, plot.Bottom + 40, note, "end", "note");
        }
        return Chart.Drawn(svg);
    }
}
