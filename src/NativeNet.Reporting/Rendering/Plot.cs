namespace NativeNet.Reporting.Rendering;

/// <summary>An x/y plot area inside an <see cref="Svg"/>: maps data to pixels and draws the grid,
/// the ticks, the axis titles and a legend.</summary>
internal sealed class Plot
{
    public const double DefaultWidth = 560;
    public const double DefaultHeight = 380;

    private readonly Svg _svg;

    public Plot(Svg svg, Axis x, Axis y, double left = 62, double top = 18, double right = 18, double bottom = 52)
    {
        _svg = svg;
        XAxis = x;
        YAxis = y;
        Left = left;
        Top = top;
        PlotWidth = svg.Width - left - right;
        PlotHeight = svg.Height - top - bottom;
    }

    public Axis XAxis { get; }

    public Axis YAxis { get; }

    public double Left { get; }

    public double Top { get; }

    public double PlotWidth { get; }

    public double PlotHeight { get; }

    public double Right => Left + PlotWidth;

    public double Bottom => Top + PlotHeight;

    public double X(double v) => Left + (v - XAxis.Min) / (XAxis.Max - XAxis.Min) * PlotWidth;

    public double Y(double v) => Bottom - (v - YAxis.Min) / (YAxis.Max - YAxis.Min) * PlotHeight;

    public (double X, double Y) P(double x, double y) => (X(x), Y(y));

    /// <summary>Grid lines, tick labels and axis titles.</summary>
    public void DrawAxes(string xTitle, string yTitle, double stripBelow = 0)
    {
        _svg.Rect(Left, Top, PlotWidth, PlotHeight, "#ffffff");
        foreach (double t in YAxis.Ticks)
        {
            double y = Y(t);
            _svg.Line(Left, y, Right, y, Palette.Grid);
            _svg.Label(Left - 8, y + 4, YAxis.Format(t), "end");
        }
        foreach (double t in XAxis.Ticks)
        {
            double x = X(t);
            _svg.Line(x, Top, x, Bottom, Palette.Grid);
            _svg.Line(x, Bottom + stripBelow, x, Bottom + stripBelow + 5, Palette.AxisLine);
            _svg.Label(x, Bottom + stripBelow + 18, XAxis.Format(t), "middle");
        }
        _svg.Line(Left, Bottom, Right, Bottom, Palette.AxisLine);
        _svg.Line(Left, Top, Left, Bottom, Palette.AxisLine);
        _svg.Label(Left + PlotWidth / 2, Bottom + stripBelow + 40, xTitle, "middle", "axis-title");
        double yMid = Top + PlotHeight / 2;
        _svg.Label(16, yMid, yTitle, "middle", "axis-title", rotate: -90);
    }

    public void Series(IReadOnlyList<double> xs, IReadOnlyList<double> ys, string color, double width = 2, string? dash = null)
    {
        int n = Math.Min(xs.Count, ys.Count);
        _svg.Polyline(Enumerable.Range(0, n).Select(i => double.IsFinite(xs[i]) && double.IsFinite(ys[i])
            ? P(xs[i], ys[i]) : (double.NaN, double.NaN)), color, width, dash);
    }

    /// <summary>The width of a legend box: padding, swatch and the longest label (12 px text).</summary>
    public static double LegendWidth(IReadOnlyList<LegendEntry> entries) =>
        8 * 2 + 22 + 6 + (entries.Count == 0 ? 0 : entries.Max(e => e.Label.Length)) * 6.4;

    /// <summary>A legend box; <paramref name="corner"/> is "top-right", "bottom-right", "bottom-left" or
    /// "outside-right" (in the right margin).</summary>
    public void Legend(IReadOnlyList<LegendEntry> entries, string corner)
    {
        if (entries.Count == 0) return;
        const double row = 18, pad = 8;
        double w = LegendWidth(entries);
        double h = pad * 2 + row * entries.Count - 4;
        double x = corner == "outside-right" ? Right + 10 : corner.EndsWith("left", StringComparison.Ordinal) ? Left + 8 : Right - w - 8;
        double y = corner.StartsWith("bottom", StringComparison.Ordinal) ? Bottom - h - 8 : Top + 8;
        _svg.Rect(x, y, w, h, "#ffffff", "#d1d5db", rx: 4, opacity: 0.92);
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            double cy = y + pad + row * i + 6;
            const double swatch = 22;
            if (e.Marker) _svg.Circle(x + pad + swatch / 2, cy, 4, e.Color);
            else _svg.Line(x + pad, cy, x + pad + swatch, cy, e.Color, e.Dash is null ? 2.5 : 2, e.Dash);
            _svg.Label(x + pad + swatch + 6, cy + 4, e.Label, "start", "legend");
        }
    }
}

/// <summary>One legend row: a line (solid or dashed) or a marker, and its label.</summary>
internal sealed record LegendEntry(string Label, string Color, string? Dash = null, bool Marker = false);
