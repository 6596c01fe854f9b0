namespace NativeNet.Reporting.Rendering;

/// <summary>The confusion matrix as a heat map: shade by the row fraction (so a rare class's
/// recall is as visible as a common one's), count and row percentage in each cell.</summary>
internal static class ConfusionChart
{
    public static string? Problem(ConfusionMatrix? cm)
    {
        if (cm?.Labels is null || cm.Counts is null) return "the labels or counts are missing";
        int k = cm.Labels.Count;
        if (k == 0) return "the matrix has no classes";
        if (cm.Counts.GetLength(0) != k || cm.Counts.GetLength(1) != k)
            return $"the counts are {cm.Counts.GetLength(0)}×{cm.Counts.GetLength(1)} but there are {k} labels";
        foreach (int c in cm.Counts)
            if (c < 0) return $"the counts hold a negative value ({c})";
        return null;
    }

    public static Chart Draw(ConfusionMatrix cm)
    {
        if (Problem(cm) is { } problem) return Chart.NotAvailable(problem);
        int k = cm.Labels.Count;
        long total = 0;
        foreach (int c in cm.Counts) total += c;
        if (total == 0) return Chart.NotAvailable("the matrix holds no predictions (all counts are 0)");

        const double top = 52, bottomPad = 20, right = 20;
        // Row labels are right-aligned against the grid; the axis title sits just left of them.
        double labelWidth = Math.Min(16, cm.Labels.Max(l => (l ?? "").Length)) * 7.2 + 12;
        double cell = Math.Clamp(400.0 / k, 14, 130);
        double width = labelWidth + 30 + cell * k + right;
        double height = top + cell * k + bottomPad + 16;
        var svg = new Svg(ReportChartIds.Confusion, width, height, "Confusion matrix",
            $"Confusion matrix of {Text.Int(total)} predictions over {k} classes: rows are the actual class, columns the predicted class.", naturalSize: true);
        double x0 = labelWidth + 30;
        svg.Label(x0 + cell * k / 2, 16, "Predicted class", "middle", "axis-title");
        svg.Label(16, top + cell * k / 2, "Actual class", "middle", "axis-title", rotate: -90);
        bool showText = cell >= 34;
        int maxChars = Math.Max(3, (int)(cell / 7));
        for (int j = 0; j < k; j++)
            svg.Label(x0 + cell * (j + 0.5), top - 10, Text.Truncate(cm.Labels[j] ?? "", maxChars), "middle", "tick", tooltip: cm.Labels[j]);
        for (int i = 0; i < k; i++)
        {
            long rowTotal = 0;
            for (int j = 0; j < k; j++) rowTotal += cm.Counts[i, j];
            svg.Label(x0 - 8, top + cell * (i + 0.5) + 4, Text.Truncate(cm.Labels[i] ?? "", 16), "end", "tick", tooltip: cm.Labels[i]);
            for (int j = 0; j < k; j++)
            {
                int count = cm.Counts[i, j];
                double frac = rowTotal > 0 ? (double)count / rowTotal : 0;
                double x = x0 + cell * j, y = top + cell * i;
                string tip = $"actual {cm.Labels[i]}, predicted {cm.Labels[j]}: {Text.Int(count)} ({Text.Percent(frac)} of row)";
                svg.Rect(x, y, cell - 2, cell - 2, Palette.Mix(Palette.HeatLow, Palette.HeatHigh, Math.Sqrt(frac)),
                    rx: 3, tooltip: tip);
                if (!showText) continue;
                string ink = Math.Sqrt(frac) > 0.55 ? "#ffffff" : Palette.Ink;
                svg.Label(x + cell / 2 - 1, y + cell / 2 + 1, Text.Int(count), "middle", "cell-count", fill: ink);
                if (cell >= 56)
                    svg.Label(x + cell / 2 - 1, y + cell / 2 + 18, Text.Percent(Math.Round(frac, 3)), "middle", "cell-frac", fill: ink);
            }
        }
        return Chart.Drawn(svg);
    }
}
