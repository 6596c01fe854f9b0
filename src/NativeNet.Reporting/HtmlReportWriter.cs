using System.Globalization;
using System.Text;
using NativeNet.Reporting.Rendering;

namespace NativeNet.Reporting;

/// <summary>
/// Renders a <see cref="TrainingReport"/> as one self-contained HTML file: inline CSS and inline
/// SVG charts, no JavaScript, no network access, no external fonts or images. It opens the same
/// in any browser, offline, and can be archived or attached as it is.
/// </summary>
/// <remarks>
/// Every text that comes from data (titles, column names, labels, paths) is HTML-escaped, and
/// every number is formatted with the invariant culture. Parts of the report that are missing
/// are left out; parts that are present but unusable (an empty curve, NaN values, one class)
/// show a "not available" note with the reason instead of throwing.
/// </remarks>
public static class HtmlReportWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Renders the report as an HTML document.</summary>
    /// <param name="report">The report to render.</param>
    /// <returns>The complete HTML document.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="report"/> is null.</exception>
    public static string Render(TrainingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder(64 * 1024);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append("<meta name=\"generator\" content=\"NativeNet\">\n")
          .Append($"<title>{Text.Escape(report.Title)}</title>\n<style>{ReportStyles.Css}</style>\n</head>\n<body>\n");
        Header(sb, report);
        sb.Append("<main class=\"wrap\">\n");
        if (!string.IsNullOrWhiteSpace(report.Notes))
            sb.Append($"<div class=\"notes\" id=\"notes\">{Text.Escape(report.Notes)}</div>\n");
        SummarySection(sb, report);
        CurvesSection(sb, report);
        if (report.Task == ReportTask.Classification) ClassificationSections(sb, report);
        else RegressionSection(sb, report);
        if (report.FeatureImportance is { } fi)
        {
            Section(sb, "importance", "Permutation feature importance");
            string repeats = fi.Repeats is { } r ? $" over {r} repeats" : "";
            sb.Append("<div class=\"grid\">");
            Figure(sb, () => ImportanceChart.Draw(fi), ReportChartIds.Importance, "Feature importance",
                $"How much {Text.Escape(MetricNames.Label(fi.ScoreName))} drops when one feature's values are shuffled (mean ± 1 SD{repeats}). Longer bars: the model relies more on that feature.", wide: true);
            sb.Append("</div></section>\n");
        }
        ExamplesSection(sb, report);
        FoldsSection(sb, report);
        if (report.Architecture is { } arch)
        {
            Section(sb, "architecture", "Model architecture");
            sb.Append("<div class=\"grid\">");
            Figure(sb, () => ArchitectureChart.Draw(arch), ReportChartIds.Architecture, "Architecture",
                $"{(arch.Nodes?.Count ?? 0)} layers, {Text.Int(SafeTotal(arch))} trainable parameters; data flows from top to bottom.", wide: true);
            sb.Append("</div></section>\n");
        }
        DataSection(sb, report);
        sb.Append("</main>\n");
        Footer(sb, report);
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>
    /// Renders the report and writes it to <paramref name="path"/> atomically: the HTML goes to a
    /// temporary file in the same folder, is flushed to disk, then renamed over the target, so a
    /// reader never sees a half-written report and a failure leaves any previous file intact.
    /// The folder is created when missing.
    /// </summary>
    /// <param name="report">The report to write.</param>
    /// <param name="path">The destination file, e.g. "report.html".</param>
    /// <exception cref="ArgumentNullException"><paramref name="report"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names a folder.</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public static void WriteAtomic(TrainingReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"Report path must not be empty. Received: path='{path}'", nameof(path));
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new ArgumentException($"Report path names a folder, not a file. Received: path='{path}'", nameof(path));
        string html = Render(report); // before touching the disk: a render failure writes nothing
        string dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"Report path has no folder. Received: path='{path}'", nameof(path));
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                byte[] bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(html);
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private static void Header(StringBuilder sb, TrainingReport r)
    {
        string task = r.Task == ReportTask.Classification ? "Classification" : "Regression";
        sb.Append("<header class=\"hero\"><div class=\"wrap\">\n")
          .Append($"<div class=\"eyebrow\">NativeNet training report · {task}</div>\n")
          .Append($"<h1>{Text.Escape(r.Title)}</h1>\n<p class=\"meta\">");
        var meta = new List<string>();
        if (r.Dataset is { } d)
        {
            if (!string.IsNullOrWhiteSpace(d.Name)) meta.Add(Text.Escape(d.Name));
            if (d.Rows is { } rows) meta.Add($"{Text.Int(rows)} rows");
            if (d.Features is { } f) meta.Add($"{Text.Int(f)} features");
        }
        if (r.Folds is { Count: > 1 } folds) meta.Add($"{folds.Count}-fold cross-validation");
        if (r.Timestamp is { } t) meta.Add(Text.Escape(t.ToString("yyyy-MM-dd HH:mm 'UTC'zzz", Inv)));
        foreach (var m in meta) sb.Append($"<span>{m}</span>");
        sb.Append("</p>\n");
        var kpis = Headline(r);
        if (kpis.Count > 0)
        {
            sb.Append("<div class=\"kpis\" id=\"headline\">");
            foreach (var m in kpis)
            {
                string name = Text.Escape(MetricNames.Label(m.Name));
                sb.Append($"<div class=\"kpi\"><div class=\"kpi-label\">{name}</div><div class=\"kpi-value\">{Text.Metric(m.Mean)}</div>");
                sb.Append(m.Interval is { } ci ? $"<div class=\"kpi-ci\">{Text.Interval(ci)}</div>" : "<div class=\"kpi-ci\">no interval computed</div>");
                sb.Append("</div>");
            }
            sb.Append("</div>\n");
        }
        sb.Append("</div></header>\n");
    }

    /// <summary>The header metrics: the requested (or well-known) names found in the summary,
    /// else the first four summary metrics.</summary>
    private static List<MetricSummary> Headline(TrainingReport r)
    {
        var summary = (r.Summary ?? []).Where(m => m is not null && m.Name is not null).ToList();
        var wanted = r.HeadlineMetrics
            ?? (r.Task == ReportTask.Classification ? MetricNames.ClassificationHeadline : MetricNames.RegressionHeadline);
        var found = wanted.Select(w => summary.FirstOrDefault(m => MetricNames.Same(m.Name, w))).OfType<MetricSummary>().ToList();
        return found.Count > 0 || r.HeadlineMetrics is not null ? found : summary.Take(4).ToList();
    }

    private static void SummarySection(StringBuilder sb, TrainingReport r)
    {
        var summary = (r.Summary ?? []).Where(m => m is not null && m.Name is not null).ToList();
        if (summary.Count == 0) return;
        var folds = (r.Folds ?? []).Where(f => f?.Metrics is not null).ToList();
        Section(sb, "summary", "Performance summary");
        sb.Append("<div class=\"card\"><table id=\"metrics-table\"><thead><tr><th>Metric</th><th class=\"num\">Estimate</th><th class=\"num\">Confidence interval of the estimate</th>");
        if (folds.Count > 1) sb.Append("<th class=\"num\">Fold min</th><th class=\"num\">Fold max</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var m in summary)
        {
            sb.Append($"<tr><td>{Text.Escape(MetricNames.Label(m.Name))}</td><td class=\"num\">{Text.Metric(m.Mean)}</td>");
            sb.Append(m.Interval is { } ci ? $"<td class=\"num ci\">{Text.Interval(ci)}</td>" : "<td class=\"num ci\">—</td>");
            if (folds.Count > 1)
            {
                var values = folds.Select(f => f.Metrics.FirstOrDefault(kv => kv.Key is not null && MetricNames.Same(kv.Key, m.Name)))
                    .Where(kv => kv.Key is not null && double.IsFinite(kv.Value)).Select(kv => kv.Value).ToList();
                sb.Append(values.Count > 0
                    ? $"<td class=\"num\">{Text.Metric(values.Min())}</td><td class=\"num\">{Text.Metric(values.Max())}</td>"
                    : "<td class=\"num\">—</td><td class=\"num\">—</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></div></section>\n");
    }

    private static void CurvesSection(StringBuilder sb, TrainingReport r)
    {
        if (r.Curves is not { } curves) return;
        Section(sb, "training", "Training curves");
        string runs = curves.Runs is { Count: > 1 } ? " One colour per fold." : "";
        sb.Append("<div class=\"grid\">");
        Figure(sb, () => TrainingCurveCharts.Loss(curves), ReportChartIds.Loss, "Loss",
            $"Loss per epoch: solid lines on the training rows, dashed on the validation rows.{runs} A widening gap suggests overfitting.");
        Figure(sb, () => TrainingCurveCharts.Metric(curves), ReportChartIds.Metric, MetricNames.Label(curves.MetricName ?? "metric"),
            $"{Text.Escape(MetricNames.Label(curves.MetricName ?? "metric"))} per epoch on the training (solid) and validation (dashed) rows.{runs}");
        sb.Append("</div></section>\n");
    }

    private static void ClassificationSections(StringBuilder sb, TrainingReport r)
    {
        if (r.Roc is not null || r.PrecisionRecall is not null)
        {
            Section(sb, "discrimination", "Discrimination");
            sb.Append("<div class=\"grid\">");
            if (r.Roc is { } roc)
                Figure(sb, () => DiscriminationCharts.Roc(roc), ReportChartIds.Roc, "ROC curve",
                    "Sensitivity against 1 − specificity over all decision thresholds; the dashed diagonal is a model that guesses.");
            if (r.PrecisionRecall is { } pr)
                Figure(sb, () => DiscriminationCharts.PrecisionRecall(pr), ReportChartIds.PrecisionRecall, "Precision-recall curve",
                    "Positive predictive value against sensitivity; informative when positives are rare.");
            sb.Append("</div></section>\n");
        }
        if (r.Confusion is not null || r.Calibration is not null)
        {
            Section(sb, "errors", "Errors and calibration");
            sb.Append("<div class=\"grid\">");
            if (r.Confusion is { } cm)
                Figure(sb, () => ConfusionChart.Draw(cm), ReportChartIds.Confusion, "Confusion matrix",
                    "Rows: actual class; columns: predicted class. Shade: share of the actual class (row); the diagonal holds correct predictions.");
            if (r.Calibration is { } cal)
                Figure(sb, () => CalibrationChart.Draw(cal), ReportChartIds.Calibration, "Calibration",
                    "Observed rate of positives against the predicted probability per bin; points on the diagonal are well calibrated. Grey bars: rows per bin.");
            sb.Append("</div></section>\n");
        }
    }

    private static void RegressionSection(StringBuilder sb, TrainingReport r)
    {
        if (r.Regression is not { } reg) return;
        Section(sb, "predictions", "Predictions");
        sb.Append("<div class=\"grid\">");
        Figure(sb, () => RegressionCharts.Scatter(reg), ReportChartIds.Scatter, "Predicted vs actual",
            "Each point is one row; on the dashed diagonal the prediction is exact.");
        Figure(sb, () => RegressionCharts.Residuals(reg), ReportChartIds.Residuals, "Residuals",
            "Actual minus predicted against the prediction; a pattern or funnel shape suggests a systematic error.");
        sb.Append("</div></section>\n");
    }

    private static void FoldsSection(StringBuilder sb, TrainingReport r)
    {
        var folds = (r.Folds ?? []).Where(f => f is not null).ToList();
        if (folds.Count == 0) return;
        var names = new List<string>();
        foreach (var f in folds)
            foreach (var key in (f.Metrics ?? new Dictionary<string, double>()).Keys)
                if (key is not null && !names.Contains(key)) names.Add(key);
        bool trainRows = folds.Any(f => f.TrainRows is not null), valRows = folds.Any(f => f.ValidationRows is not null);
        Section(sb, "folds", folds.Count > 1 ? "Per-fold results" : "Validation results");
        sb.Append("<div class=\"card\"><table id=\"folds-table\"><thead><tr><th>Fold</th>");
        if (trainRows) sb.Append("<th class=\"num\">Train rows</th>");
        if (valRows) sb.Append("<th class=\"num\">Validation rows</th>");
        foreach (var n in names) sb.Append($"<th class=\"num\">{Text.Escape(MetricNames.Label(n))}</th>");
        sb.Append("</tr></thead><tbody>");
        double Value(FoldResult f, string n) => f.Metrics is not null && f.Metrics.TryGetValue(n, out double v) ? v : double.NaN;
        foreach (var f in folds)
        {
            sb.Append($"<tr><td>{Text.Int(f.Fold)}</td>");
            if (trainRows) sb.Append($"<td class=\"num\">{(f.TrainRows is { } t ? Text.Int(t) : "—")}</td>");
            if (valRows) sb.Append($"<td class=\"num\">{(f.ValidationRows is { } v ? Text.Int(v) : "—")}</td>");
            foreach (var n in names) sb.Append($"<td class=\"num\">{Text.Metric(Value(f, n))}</td>");
            sb.Append("</tr>");
        }
        if (folds.Count > 1)
        {
            sb.Append("<tr class=\"mean\"><td>Mean ± SD</td>");
            if (trainRows) sb.Append("<td></td>");
            if (valRows) sb.Append("<td></td>");
            foreach (var n in names)
            {
                var v = folds.Select(f => Value(f, n)).Where(double.IsFinite).ToList();
                if (v.Count == 0) { sb.Append("<td class=\"num\">n/a</td>"); continue; }
                double mean = v.Average();
                double sd = v.Count > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1)) : 0;
                sb.Append($"<td class=\"num\">{Text.Metric(mean)} <span class=\"ci\">± {Text.Metric(sd)}</span></td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        var withMatrix = folds.Where(f => f.Confusion is not null).ToList();
        if (withMatrix.Count > 0)
        {
            sb.Append("<details id=\"fold-confusion\"><summary>Confusion matrix of each fold</summary><div class=\"mini\">");
            foreach (var f in withMatrix) MiniMatrix(sb, f);
            sb.Append("</div></details>");
        }
        sb.Append("</div></section>\n");
    }

    private static void MiniMatrix(StringBuilder sb, FoldResult f)
    {
        var cm = f.Confusion!;
        sb.Append($"<div><h3>Fold {Text.Int(f.Fold)}</h3>");
        if (ConfusionChart.Problem(cm) is { } problem)
        {
            sb.Append($"<div class=\"na\"><strong>Not available:</strong> {Text.Escape(problem)}</div></div>");
            return;
        }
        sb.Append("<table><thead><tr><th>actual ＼ predicted</th>");
        foreach (var l in cm.Labels) sb.Append($"<th class=\"num\">{Text.Escape(l)}</th>");
        sb.Append("</tr></thead><tbody>");
        for (int i = 0; i < cm.Labels.Count; i++)
        {
            sb.Append($"<tr><th>{Text.Escape(cm.Labels[i])}</th>");
            for (int j = 0; j < cm.Labels.Count; j++) sb.Append($"<td class=\"num\">{Text.Int(cm.Counts[i, j])}</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></div>");
    }

    private static void DataSection(StringBuilder sb, TrainingReport r)
    {
        bool settings = r.Settings is { Count: > 0 };
        if (r.Dataset is null && !settings) return;
        Section(sb, "data", settings && r.Dataset is not null ? "Data and settings" : r.Dataset is not null ? "Data" : "Settings");
        sb.Append("<div class=\"grid\">");
        if (r.Dataset is { } d)
        {
            sb.Append("<div class=\"card\"><h3>Dataset</h3><table id=\"dataset-table\"><tbody>");
            Row(sb, "Name", d.Name);
            Row(sb, "File", d.Path);
            Row(sb, "Rows", d.Rows is { } rows ? Text.Int(rows) : null);
            Row(sb, "Features", d.Features is { } f ? Text.Int(f) : null);
            if (d.ClassCounts is { Count: > 0 } counts)
            {
                long total = counts.Values.Sum();
                string text = string.Join(", ", counts.Select(kv =>
                    $"{kv.Key}: {Text.Int(kv.Value)}{(total > 0 ? $" ({Text.Percent(Math.Round((double)kv.Value / total, 3))})" : "")}"));
                Row(sb, "Classes", text);
            }
            sb.Append("</tbody></table>");
            if (!string.IsNullOrWhiteSpace(d.Provenance))
                sb.Append($"<p class=\"provenance\"><strong>Provenance.</strong> {Text.Escape(d.Provenance)}</p>");
            sb.Append("</div>");
        }
        if (settings)
        {
            sb.Append("<div class=\"card\"><h3>Training settings</h3><table id=\"settings-table\"><tbody>");
            foreach (var (k, v) in r.Settings!) Row(sb, k, v);
            sb.Append("</tbody></table></div>");
        }
        sb.Append("</div></section>\n");
    }

    private static void Footer(StringBuilder sb, TrainingReport r)
    {
        sb.Append("<footer id=\"footer\"><div class=\"wrap\">Generated by NativeNet");
        if (r.Versions is { Count: > 0 } versions)
            sb.Append(" · ").Append(string.Join(" · ", versions.Select(kv => $"{Text.Escape(kv.Key)} {Text.Escape(kv.Value)}")));
        if (r.Timestamp is { } t) sb.Append(" · ").Append(Text.Escape(t.ToString("yyyy-MM-dd HH:mm:ss zzz", Inv)));
        sb.Append(". This file is self-contained: no scripts, no network access.</div></footer>\n");
    }

    private static void Row(StringBuilder sb, string? key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return;
        sb.Append($"<tr><th>{Text.Escape(key)}</th><td>{Text.Escape(value)}</td></tr>");
    }

    // Thumbnails as data: URIs (the file stays self-contained); a heat map, when given, sits beside its image.
    private static void ExamplesSection(StringBuilder sb, TrainingReport r)
    {
        if (r.Examples is not { Count: > 0 } examples) return;
        Section(sb, "examples", "Sample images");
        sb.Append("<div class=\"grid\">");
        foreach (var e in examples)
        {
            bool right = e.TrueLabel == e.PredictedLabel;
            sb.Append("<div class=\"card\"><figure>");
            sb.Append($"<img alt='{Text.Escape(e.Source ?? "image")}' style='width:96px;height:96px;image-rendering:pixelated' src='data:image/png;base64,{Convert.ToBase64String(e.Png)}'>");
            if (e.HeatmapPng is { } heat)
                sb.Append($" <img alt='Grad-CAM' style='width:96px;height:96px' src='data:image/png;base64,{Convert.ToBase64String(heat)}'>");
            sb.Append($"<figcaption>{(right ? "✓" : "✗")} true <strong>{Text.Escape(e.TrueLabel)}</strong>, predicted <strong>{Text.Escape(e.PredictedLabel)}</strong> ({Text.Escape(e.Probability.ToString("P0", Inv))})");
            if (e.Source is not null) sb.Append($"<br><small>{Text.Escape(e.Source)}</small>");
            sb.Append("</figcaption></figure></div>\n");
        }
        sb.Append("</div><p>Held-out validation images; where a second picture is shown it is the Grad-CAM heat map of the predicted class over the image (last convolution; red: regions that raised the score).</p></section>\n");
    }

    private static void Section(StringBuilder sb, string id, string heading) =>
        sb.Append($"<section id=\"{id}\"><h2>{Text.Escape(heading)}</h2>\n");

    /// <summary>One chart in a card. <paramref name="caption"/> is trusted markup (escape data in it).
    /// A chart that throws becomes a note: one faulty chart must not cost the whole report at the
    /// end of a long training run.</summary>
    private static void Figure(StringBuilder sb, Func<Chart> draw, string id, string heading, string caption, bool wide = false)
    {
        Chart chart;
        try { chart = draw(); }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            chart = Chart.NotAvailable($"it could not be drawn ({ex.GetType().Name}: {ex.Message})");
        }
        sb.Append($"<div class=\"card{(wide ? " wide" : "")}\"><figure id=\"fig-{id["chart-".Length..]}\"><h3>{Text.Escape(heading)}</h3>");
        if (chart.Markup is { } markup) sb.Append(markup);
        else sb.Append($"<div class=\"na\" id=\"{id}-na\" role=\"note\"><span><strong>{Text.Escape(heading)} not available:</strong> {Text.Escape(chart.Unavailable)}.</span></div>");
        sb.Append($"<figcaption>{caption}</figcaption></figure></div>\n");
    }

    private static long SafeTotal(ArchitectureGraph a) => (a.Nodes ?? []).Where(n => n is not null).Sum(n => n.Parameters ?? 0);
}
