namespace NativeNet.Reporting.Rendering;

/// <summary>Loss and metric per epoch: one colour per run, solid for training, dashed for
/// validation.</summary>
internal static class TrainingCurveCharts
{
    private const string ValidationDash = "6 4";

    public static Chart Loss(TrainingCurves curves) =>
        Draw(curves, ReportChartIds.Loss, "Loss per epoch", "Loss", r => r.TrainLoss, r => r.ValidationLoss);

    public static Chart Metric(TrainingCurves curves)
    {
        string label = MetricNames.Label(curves.MetricName);
        return Draw(curves, ReportChartIds.Metric, $"{label} per epoch", label, r => r.TrainMetric, r => r.ValidationMetric);
    }

    private static Chart Draw(TrainingCurves curves, string id, string title, string yTitle,
        Func<EpochSeries, IReadOnlyList<double>?> train, Func<EpochSeries, IReadOnlyList<double>?> validation)
    {
        var runs = (curves.Runs ?? []).Where(r => r is not null).ToList();
        var all = runs.SelectMany(r => DataCheck.Finite(train(r)).Concat(DataCheck.Finite(validation(r)))).ToList();
        if (all.Count == 0)
            return Chart.NotAvailable(runs.Count == 0 ? "no training runs were recorded"
                : $"no finite {yTitle.ToLowerInvariant()} values were recorded");
        int epochs = runs.Max(r => Math.Max(train(r)?.Count ?? 0, validation(r)?.Count ?? 0));
        int nonFinite = runs.Sum(r => (train(r)?.Count(v => !double.IsFinite(v)) ?? 0)
                                    + (validation(r)?.Count(v => !double.IsFinite(v)) ?? 0));
        bool hasValidation = runs.Any(r => validation(r) is { Count: > 0 });
        bool hasTrain = runs.Any(r => train(r) is { Count: > 0 });

        var legend = new List<LegendEntry>();
        if (runs.Count > 1)
            legend.AddRange(runs.Select((r, i) => new LegendEntry(Text.Truncate(r.Label ?? $"Run {i + 1}", 14), Palette.SeriesColor(i))));
        if (hasTrain) legend.Add(new LegendEntry("training", runs.Count > 1 ? Palette.Reference : Palette.SeriesColor(0)));
        if (hasValidation) legend.Add(new LegendEntry("validation", runs.Count > 1 ? Palette.Reference : Palette.SeriesColor(0), ValidationDash));

        // Several runs: the legend goes in the right margin, where it cannot hide a line.
        bool outsideLegend = runs.Count > 1;
        var svg = new Svg(id, Plot.DefaultWidth, Plot.DefaultHeight, title,
            $"{title} for {runs.Count} run(s) over {epochs} epoch(s); solid lines are training, dashed lines validation.");
        var plot = new Plot(svg, Axis.Epochs(epochs), Axis.Nice(all.Min(), all.Max()),
            right: outsideLegend ? Plot.LegendWidth(legend) + 20 : 18);
        plot.DrawAxes("Epoch", yTitle);
        for (int i = 0; i < runs.Count; i++)
        {
            string color = Palette.SeriesColor(i);
            foreach (var (values, dash) in new[] { (train(runs[i]), (string?)null), (validation(runs[i]), ValidationDash) })
            {
                if (values is null || values.Count == 0) continue;
                var xs = Enumerable.Range(1, values.Count).Select(e => (double)e).ToList();
                plot.Series(xs, values, color, runs.Count > 3 ? 1.6 : 2.2, dash);
                if (values.Count == 1 && double.IsFinite(values[0])) svg.Circle(plot.X(1), plot.Y(values[0]), 3.5, color);
            }
        }

        plot.Legend(legend, outsideLegend ? "outside-right" : "top-right");
        if (nonFinite > 0)
            svg.Label(plot.Right, plot.Top - 4, $"{nonFinite} non-finite value(s) not drawn", "end", "note");
        return Chart.Drawn(svg);
    }
}
